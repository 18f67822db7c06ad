// `seqc tick`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addTick(CLI::App& app) {
  struct Opts : Common {
    std::string to;
    Progress::Mode progress = Progress::Mode::Auto;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "tick", "Advance the workspace clock and run every timer due", *opts, false);
  cmd->add_option("--to", opts->to, "the new time (default: now; the clock never goes back)")
      ->type_name("ISO8601");
  addProgressFlags(cmd, opts->progress);
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> to = timeOption("--to", opts->to);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      Progress progress(opts->progress);
      progress.phase("ticking");
      ws::TickResult r = w.tick(to, progress.callback());
      progress.clear();
      if (to && *to < r.from)  // a late cron run: say why nothing happened
        print(fmt::format("the clock is already at {}, after {}; it never goes back\n", iso(r.from), iso(*to)));
      print(fmt::format("clock {} → {}: {} moved, {}\n", iso(r.from), iso(r.to),
                        plural(r.records, "record", "records"), plural(r.steps, "step", "steps")));
      return kExitOk;
    });
  };
}

}  // namespace seqc::cli::wscmd
