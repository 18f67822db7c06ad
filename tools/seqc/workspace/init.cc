// `seqc init`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addInit(CLI::App& app) {
  struct Opts : Common {
    std::string clock;
    std::string database;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "init", "Create a workspace (a directory with a state database)", *opts, false);
  cmd->add_option("--clock", opts->clock, "the workspace clock's starting time (default: now)")
      ->type_name("ISO8601");
  cmd->add_option("--database", opts->database,
                  "keep the workspace in a PostgreSQL database (postgresql://…, no password: libpq's "
                  "environment and ~/.pgpass give it) instead of DIR/seqc.db")
      ->type_name("URL");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> clock = timeOption("--clock", opts->clock);
      if (!opts->database.empty() && !ws::isDatabaseUrl(opts->database))
        throw UsageError(fmt::format("--database: '{}' is not a postgresql:// URL", opts->database));
      if (opts->database.empty()) ws::Workspace::init(opts->dir, clock);
      else ws::Workspace::init(opts->dir, clock, opts->database);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      print(fmt::format("initialized workspace in {} (clock {})\n", opts->dir, iso(w.clock())));
      return kExitOk;
    });
  };
}

}  // namespace seqc::cli::wscmd
