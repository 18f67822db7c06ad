// `seqc check FILE.seq… [--diagnostics text|json]`.
#include <cstdio>
#include <memory>

#include "compiler/driver.h"
#include "tools/seqc/command.h"

namespace seqc::cli {

Runner addCheck(CLI::App& app) {
  struct Options {
    std::vector<std::string> files;
    std::string diagnostics = "text";
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("check", "Parse and type-check .seq files; print diagnostics");
  cmd->add_option("files", opts->files, "the .seq files to check (each is its own compilation)")
      ->required()
      ->type_name("FILE.seq");
  cmd->add_option("--diagnostics", opts->diagnostics, "output format of diagnostics")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("text|json");
  return [opts, cmd](const Context& ctx) {
    if (!cmd->parsed()) return -1;
    bool failed = false;
    std::vector<CompileResult> results;
    for (const std::string& file : opts->files) {
      CompileResult r = compileFile(file, CompileOptions{ctx.stdlibDir()}, Stage::Check);
      failed |= !r.ok;
      if (opts->diagnostics == "json") results.push_back(std::move(r));
      else std::fputs(r.diagnosticsText().c_str(), stdout);
    }
    if (opts->diagnostics == "json") std::fputs(diagnosticsJson(results).c_str(), stdout);
    return failed ? kExitInputError : kExitOk;
  };
}

}  // namespace seqc::cli
