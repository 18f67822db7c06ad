// `seqc records` (listing, `records load`, `records show`, `records export`).
#include <cerrno>
#include <cstring>

#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

namespace {

void showRecord(const ws::RecordDetail& d, bool json, int64_t clock) {
  if (json) {
    Json fields = Json::object();
    for (const auto& [name, text] : d.fields) fields[name] = text;
    Json runs = Json::array();
    for (const ws::ConnectionView& v : d.connections) {
      Json step = nullptr;
      if (isActive(v.row) && !v.stepKind.empty())
        step = {{"label", textOrNull(v.stepLabel)}, {"kind", v.stepKind}, {"title", textOrNull(v.stepTitle)}};
      runs.push_back({{"sequence", v.sequence},
                      {"version", v.row.version},
                      {"status", statusName(v.row.status)},
                      {"reason", reasonJson(v.row)},
                      {"progress", v.row.progress},
                      {"total", v.total},
                      {"step", step},
                      {"assignee", textOrNull(v.row.assignee)},
                      {"due", isoOrNull(v.row.due)},
                      {"connected", iso(v.row.connected)},
                      {"ended", isoOrNull(v.row.ended)}});
    }
    printJson({{"record", d.row.id}, {"entity", d.row.entity}, {"updated", iso(d.row.updated)},
               {"fields", fields}, {"connections", runs}});
    return;
  }
  print(fmt::format("{} ({}), updated {}\n\nFields:\n", d.row.id, d.row.entity, iso(d.row.updated)));
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, text] : d.fields) rows.push_back({name, text});
  if (rows.empty()) print("  (none)\n");
  else printTable({"FIELD", "VALUE"}, rows, "", "  ");
  print("\nSequences:\n");
  rows.clear();
  for (const ws::ConnectionView& v : d.connections)
    rows.push_back({v.sequence, std::to_string(v.row.version), statusText(v.row),
                    fmt::format("{}/{}", v.row.progress, v.total), currentStep(v),
                    v.row.assignee.empty() ? "-" : v.row.assignee,
                    daysElapsed(v.row, clock) ? std::to_string(*daysElapsed(v.row, clock)) : "-",
                    v.row.due ? iso(*v.row.due) : "-", iso(v.row.connected)});
  if (rows.empty()) print("  (none)\n");
  else printTable({"SEQUENCE", "VERSION", "STATUS", "PROGRESS", "STEP", "ASSIGNEE", "DAYS", "DUE", "CONNECTED"},
                  rows, "lrlrllrll", "  ");
}

void exportRecords(ws::Workspace& w, const std::string& entity, const std::string& path) {
  if (path.empty()) {
    w.exportRecords(entity, [](std::string_view text) { print(std::string(text)); });
    return;
  }
  // Written aside and renamed: the file is whole or not there.
  std::string aside = path + ".tmp";
  std::FILE* f = std::fopen(aside.c_str(), "wb");
  if (!f) throw ws::Error(fmt::format("cannot write '{}': {}", aside, std::strerror(errno)));
  bool ok = true;
  try {
    w.exportRecords(entity, [&](std::string_view text) {
      ok = ok && std::fwrite(text.data(), 1, text.size(), f) == text.size();
    });
  } catch (...) {
    std::fclose(f);
    std::remove(aside.c_str());
    throw;
  }
  ok = std::fflush(f) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(aside.c_str(), path.c_str()) != 0) {
    std::remove(aside.c_str());
    throw ws::Error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
  }
}

}  // namespace

Runner addRecords(CLI::App& app) {
  struct Opts : Common {
    std::vector<std::string> args;
    std::string entity, output;
    Progress::Mode progress = Progress::Mode::Auto;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "records",
                      "List the records on a sequence (records NAME), load records (records load FILE --entity E), "
                      "show one (records show ID) or export an entity's (records export --entity E)",
                      *opts, true);
  cmd->add_option("args", opts->args, "NAME, `load FILE`, `show ID` or `export`")
      ->required()
      ->type_name("NAME | load FILE | show ID | export");
  auto* entity = cmd->add_option("--entity", opts->entity, "(load, export) the entity the records are of")
                     ->type_name("ENTITY");
  auto* output = cmd->add_option("-o,--output", opts->output, "(export) the CSV file to write (default: standard output)")
                     ->type_name("FILE");
  addProgressFlags(cmd, opts->progress);
  return runner(cmd, opts, [opts, entity, output](ws::Workspace& w, const Context&) {
    const auto& args = opts->args;
    if (args[0] != "export" && output->count() > 0) throw UsageError("records: -o applies to `records export` only");
    if (args[0] == "show") {
      if (args.size() != 2) throw UsageError("records show: give exactly one record ID");
      if (entity->count() > 0) throw UsageError("records show: --entity does not apply");
      showRecord(w.recordDetail(args[1]), opts->json, w.clock());
      return kExitOk;
    }
    if (args[0] == "export") {
      if (args.size() != 1) throw UsageError("records export: takes no other argument (--entity E, -o FILE)");
      if (opts->entity.empty()) throw UsageError("records export: --entity is required");
      if (opts->json) throw UsageError("records export: --json does not apply (it writes CSV)");
      exportRecords(w, opts->entity, opts->output);
      return kExitOk;
    }
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
      throw UsageError("records: give one sequence NAME (quote a name with spaces), `load FILE`, `show ID` or "
                       "`export`");
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
