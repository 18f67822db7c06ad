// `seqc build` (placeholder until implemented).
#include "tools/seqc/command.h"

namespace seqc::cli {

Runner addBuild(CLI::App& app) {
  auto* cmd = app.add_subcommand("build", "not implemented yet");
  cmd->allow_extras();
  return [cmd](const Context&) { return cmd->parsed() ? kExitUsage : -1; };
}

}  // namespace seqc::cli
