// `seqc init`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addInit(CLI::App& app) {
  struct Opts : Common {
    std::string clock;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "init", "Create a workspace (a directory with a state database)", *opts, false);
  cmd->add_option("--clock", opts->clock, "the workspace clock's starting time (default: now)")
      ->type_name("ISO8601");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> clock = timeOption("--clock", opts->clock);
      ws::Workspace::init(opts->dir, clock);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      print(fmt::format("initialized workspace in {} (clock {})\n", opts->dir, iso(w.clock())));
      return kExitOk;
    });
  };
}

}  // namespace seqc::cli::wscmd
