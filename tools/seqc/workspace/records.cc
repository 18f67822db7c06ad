// `seqc records` (listing and `records load`).
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addRecords(CLI::App& app) {
  struct Opts : Common {
    std::vector<std::string> args;
    std::string entity;
    Progress::Mode progress = Progress::Mode::Auto;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "records",
                      "List the records on a sequence (records NAME), or load records (records load FILE --entity E)",
                      *opts, true);
  cmd->add_option("args", opts->args, "NAME, or `load FILE`")->required()->type_name("NAME | load FILE");
  auto* entity = cmd->add_option("--entity", opts->entity, "(load) the entity the records are of")
                     ->type_name("ENTITY");
  addProgressFlags(cmd, opts->progress);
  return runner(cmd, opts, [opts, entity](ws::Workspace& w, const Context&) {
    const auto& args = opts->args;
    if (args[0] == "load") {
      if (args.size() != 2) throw UsageError("records load: give exactly one FILE (.csv or .jsonl)");
      if (opts->entity.empty()) throw UsageError("records load: --entity is required");
      if (opts->json) throw UsageError("records load: --json does not apply");
      Progress progress(opts->progress);
      progress.phase("loading records");
      ws::LoadResult r = w.loadRecords(args[1], opts->entity, progress.callback());
      progress.clear();
      print(fmt::format("loaded {} ({} new, {} updated) from {}\n", plural(r.inserted + r.updated, "record", "records"),
                        r.inserted, r.updated, args[1]));
      return kExitOk;
    }
    if (args.size() != 1)
      throw UsageError("records: give one sequence NAME (quote a name with spaces), or `load FILE`");
    if (entity->count() > 0) throw UsageError("records: --entity applies to `records load` only");
    std::vector<ws::ConnectionView> views = w.records(args[0]);
    int64_t clock = w.clock();
    if (opts->json) {
      JsonArrayPrinter out;
      for (const ws::ConnectionView& v : views) {
        Json step = nullptr;
        if (isActive(v.row) && !v.stepKind.empty())
          step = {{"label", textOrNull(v.stepLabel)}, {"kind", v.stepKind}, {"title", textOrNull(v.stepTitle)}};
        Json row = {{"record", v.row.record},
                       {"version", v.row.version},
                       {"status", statusName(v.row.status)},
                       {"reason", reasonJson(v.row)},
                       {"progress", v.row.progress},
                       {"total", v.total},
                       {"step", step},
                       {"days_elapsed", daysElapsed(v.row, clock) ? Json(*daysElapsed(v.row, clock)) : Json()},
                       {"due", isoOrNull(v.row.due)},
                       {"connected", iso(v.row.connected)}};
        if (!v.zone.empty()) row["zone"] = v.zone;  // with a calendar (CALENDARS.md §2)
        out.add(std::move(row));
      }
      out.finish();
      return kExitOk;
    }
    if (views.empty()) {
      print(fmt::format("no records connected to \"{}\"\n", args[0]));
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const ws::ConnectionView& v : views)
      rows.push_back({v.row.record, std::to_string(v.row.version), statusText(v.row),
                      fmt::format("{}/{}", v.row.progress, v.total), currentStep(v),
                      daysElapsed(v.row, clock) ? std::to_string(*daysElapsed(v.row, clock)) : "-",
                      v.row.due ? iso(*v.row.due) : "-"});
    printTable({"RECORD", "VERSION", "STATUS", "PROGRESS", "STEP", "DAYS", "DUE"}, rows, "lrlrlrl");
    size_t without = 0;
    for (const ws::ConnectionView& v : views) without += v.zoneFallback;
    if (without > 0)
      print(fmt::format("\nwarning: {} name{} no zone of the tz database: read in the calendar's own zone\n",
                        plural(without, "record", "records"), without == 1 ? "s" : ""));
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
