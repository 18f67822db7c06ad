// `seqc lsp`: the language server on stdin/stdout (docs/cli.md, "seqc lsp").
#include <fstream>
#include <iostream>
#include <memory>

#include "lsp/server.h"
#include "tools/seqc/command.h"

namespace seqc::cli {

Runner addLsp(CLI::App& app) {
  struct Options {
    std::string log;
    bool stdio = false;
    int clientProcessId = 0;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("lsp", "Run the language server (LSP 3.17 over stdin/stdout)");
  cmd->add_flag("--stdio", opts->stdio, "talk over stdin/stdout (the default and only transport)");
  cmd->add_option("--clientProcessId", opts->clientProcessId, "the editor's process id (accepted, unused)");
  cmd->add_option("--log", opts->log, "append one line per message handled, with its time, to FILE")
      ->type_name("FILE");
  return [opts, cmd](const Context& ctx) {
    if (!cmd->parsed()) return -1;
    std::ofstream logFile;
    if (!opts->log.empty()) logFile.open(opts->log, std::ios::app);
    std::ios::sync_with_stdio(false);
    std::cin.tie(nullptr);
    lsp::Server server({ctx.stdlibDir(), logFile.is_open() ? &logFile : nullptr});
    return server.run(std::cin, std::cout);
  };
}

}  // namespace seqc::cli
