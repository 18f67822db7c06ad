// `seqc tick`, and `seqc tick --follow` (a worker that keeps ticking until SIGTERM).
#include <signal.h>

#include <atomic>

#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

namespace {

volatile sig_atomic_t stopRequested = 0;
void requestStop(int) { stopRequested = 1; }

// SIGTERM and SIGINT end the follow loop after the transaction in progress; without
// SA_RESTART, they also cut a wait short.
void catchStopSignals() {
  struct sigaction sa {};
  sa.sa_handler = requestStop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

}  // namespace

Runner addTick(CLI::App& app) {
  struct Opts : Common {
    std::string to;
    bool follow = false;
    int poll = 10;
    Progress::Mode progress = Progress::Mode::Auto;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "tick", "Advance the workspace clock and run every timer due", *opts, false);
  auto* toOption = cmd->add_option("--to", opts->to, "the new time (default: now; the clock never goes back)")
                 ->type_name("ISO8601");
  cmd->add_flag("--follow", opts->follow,
                "keep running: tick whenever work falls due or the workspace changes, until SIGTERM")
      ->excludes(toOption);
  cmd->add_option("--poll", opts->poll, "with --follow: look for due work at least this often (default: 10)")
      ->type_name("SECONDS")
      ->check(CLI::Range(1, 3600));
  addProgressFlags(cmd, opts->progress);
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> to = timeOption("--to", opts->to);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      if (opts->follow) {
        catchStopSignals();
        w.follow(
            opts->poll, [] { return stopRequested != 0; },
            [](const ws::TickResult& r) {
              print(fmt::format("clock {} → {}: {} moved, {}\n", iso(r.from), iso(r.to),
                                plural(r.records, "record", "records"), plural(r.steps, "step", "steps")));
              std::fflush(stdout);
            });
        print("stopped\n");
        return kExitOk;
      }
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
