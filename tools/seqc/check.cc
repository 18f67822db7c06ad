// `seqc check FILE.seq… [--diagnostics text|json]`.
#include <cstdio>
#include <memory>

#include "compiler/compilation.h"
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
    std::string stdlib = ctx.stdlibDir();
    std::string json;
    bool anyJson = false;
    for (const std::string& file : opts->files) {
      Compilation c({stdlib});
      runWithLargeStack([&] { c.checkFile(file); });
      auto diags = c.diagnostics().sorted(c.sources());
      failed |= c.diagnostics().hasErrors();
      if (opts->diagnostics == "json") {
        // One array for all files: merge the per-file arrays.
        std::string part = renderJson(c.sources(), diags);
        auto open = part.find('['), close = part.rfind(']');
        std::string body = part.substr(open + 1, close - open - 1);
        while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
        if (!body.empty()) {
          json += anyJson ? "," : "";
          json += body;
          anyJson = true;
        }
      } else {
        std::fputs(renderText(c.sources(), diags).c_str(), stdout);
      }
    }
    if (opts->diagnostics == "json")
      std::fputs(anyJson ? ("[" + json + "\n]\n").c_str() : "[]\n", stdout);
    return failed ? kExitInputError : kExitOk;
  };
}

}  // namespace seqc::cli
