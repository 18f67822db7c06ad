// `seqc tokens FILE.seq`: the compiler's lexer output, one JSON object a line, for
// editor tooling and its tests (the TextMate grammar is checked against it).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "compiler/compilation.h"
#include "compiler/parser.h"
#include "seqc/support/quote.h"
#include "tools/seqc/command.h"

namespace seqc::cli {

namespace {
// By TokenKind.
constexpr const char* kindNames[] = {"name", "keyword", "string", "open_string", "number", "punct", "comment", "bad"};
static_assert(std::size(kindNames) == static_cast<size_t>(TokenKind::Bad) + 1);
}  // namespace

Runner addTokens(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("tokens", "Print the tokens of a .seq file as the lexer sees them (JSON lines)");
  cmd->add_option("file", *file, "the .seq file")->required()->type_name("FILE.seq");
  return [file, cmd](const Context&) {
    if (!cmd->parsed()) return -1;
    std::string text;
    if (std::string why = readSourceFile(*file, text); !why.empty()) {
      std::fprintf(stderr, "seqc: cannot read '%s': %s\n", printable(*file).c_str(), why.c_str());
      return kExitInputError;
    }
    std::string out;
    for (const LexToken& t : lexSource(text)) {
      nlohmann::ordered_json j;
      j["token"] = t.name;
      j["kind"] = kindNames[static_cast<size_t>(t.kind)];
      j["begin"] = t.begin;
      j["end"] = t.end;
      out += j.dump() + "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  };
}

}  // namespace seqc::cli
