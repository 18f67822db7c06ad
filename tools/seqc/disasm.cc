// `seqc disasm` (placeholder until implemented).
#include "tools/seqc/command.h"

namespace seqc::cli {

Runner addDisasm(CLI::App& app) {
  auto* cmd = app.add_subcommand("disasm", "not implemented yet");
  cmd->allow_extras();
  return [cmd](const Context&) { return cmd->parsed() ? kExitUsage : -1; };
}

}  // namespace seqc::cli
