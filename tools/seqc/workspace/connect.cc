// `seqc connect` and `seqc disconnect`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addConnect(CLI::App& app) {
  struct Opts : Common {
    std::string name, where;
    std::vector<std::string> records;
    bool allowMultiple = false;
    Progress::Mode progress = Progress::Mode::Auto;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "connect", "Connect records to a sequence", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  auto* rec = cmd->add_option("--record", opts->records, "the records to connect (repeat, or separate with commas)")
                  ->delimiter(',')
                  ->type_name("ID");
  auto* where = cmd->add_option("--where", opts->where,
                                "connect the records of the sequence's entity for which EXPR is true "
                                "(a .seq bool expression, like 'lead.statecode == \"Open\"')")
                    ->type_name("EXPR");
  rec->excludes(where);
  where->excludes(rec);
  cmd->add_flag("--allow-multiple", opts->allowMultiple,
                "also connect records that are already active on another sequence");
  addProgressFlags(cmd, opts->progress);
  return [cmd, opts, rec, where](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    if (rec->count() == 0 && where->count() == 0) {
      std::fputs("error: connect: give --record ID… or --where EXPR\n", stderr);
      return kExitUsage;
    }
    if (where->count() > 0 && opts->where.empty()) {
      std::fputs("error: --where: the expression is empty\n", stderr);
      return kExitUsage;
    }
    return guarded([&] {
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      Progress progress(opts->progress);
      progress.phase("connecting");
      ws::ConnectResult r = w.connect(opts->name, opts->records, opts->where, opts->allowMultiple, progress.callback());
      progress.clear();
      if (where->count() > 0)
      {
        std::string skipped;
        if (r.alreadyConnected) skipped += fmt::format("; {} already on it", r.alreadyConnected);
        if (r.alreadyRan) skipped += fmt::format("; {} ran it before", r.alreadyRan);
        if (r.onOtherSequences)
          skipped += fmt::format("; {} on another sequence (--allow-multiple connects them too)", r.onOtherSequences);
        print(fmt::format("connected {} of {} matching {} to \"{}\"{}\n", r.connected, r.matched,
                          r.matched == 1 ? "record" : "records", opts->name, skipped));
      }
      else
        print(fmt::format("connected {} to \"{}\"\n", plural(r.connected, "record", "records"), opts->name));
      return kExitOk;
    });
  };
}

Runner addDisconnect(CLI::App& app) {
  struct Opts : Common {
    std::string name;
    std::vector<std::string> records;
    bool all = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "disconnect", "Take records off a sequence", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  auto* rec = cmd->add_option("--record", opts->records, "the records to disconnect (repeat, or separate with commas)")
                  ->delimiter(',')
                  ->type_name("ID");
  auto* all = cmd->add_flag("--all", opts->all, "disconnect every active record");
  rec->excludes(all);
  all->excludes(rec);
  return [cmd, opts, rec, all](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    if (rec->count() == 0 && all->count() == 0) {
      std::fputs("error: disconnect: give --record ID… or --all\n", stderr);
      return kExitUsage;
    }
    return guarded([&] {
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      size_t n = w.disconnect(opts->name, opts->records, opts->all);
      print(fmt::format("disconnected {} from \"{}\"\n", plural(n, "record", "records"), opts->name));
      return kExitOk;
    });
  };
}

}  // namespace seqc::cli::wscmd
