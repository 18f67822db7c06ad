// `seqc worklist` (the sellers' "up next") and `seqc assign`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addWorklist(CLI::App& app) {
  struct Opts : Common {
    std::string owner, at, format = "table";
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "worklist", "Every current manual activity, by state and due time", *opts, false);
  cmd->add_option("--owner", opts->owner, "only the activities assigned to USER (`-`: the unassigned ones)")
      ->type_name("USER");
  cmd->add_option("--at", opts->at, "the time the states are for (default: the workspace clock)")
      ->type_name("ISO8601");
  cmd->add_option("--format", opts->format, "output format")->type_name("table|json");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      if (opts->format != "table" && opts->format != "json")
        throw UsageError(fmt::format("--format: '{}' is not table or json", opts->format));
      std::optional<int64_t> at = timeOption("--at", opts->at);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      std::vector<ws::WorkItem> items = w.worklist(opts->owner, at);
      auto state = [](const ws::WorkItem& i) { return std::string(ws::kWorkStateNames[static_cast<size_t>(i.state)]); };
      if (opts->format == "json") {
        Json list = Json::array();
        for (const ws::WorkItem& i : items)
          list.push_back({{"record", i.record},
                          {"sequence", i.sequence},
                          {"version", i.version},
                          {"assignee", textOrNull(i.assignee)},
                          {"step", {{"label", textOrNull(i.label)}, {"kind", i.kind}, {"title", textOrNull(i.title)},
                                    {"line", i.line}}},
                          {"since", iso(i.since)},
                          {"due", isoOrNull(i.due)},
                          {"state", state(i)}});
        printJson({{"at", iso(*at)}, {"items", list}});
        return kExitOk;
      }
      if (items.empty()) {
        print(fmt::format("nothing to do at {}\n", iso(*at)));
        return kExitOk;
      }
      std::vector<std::vector<std::string>> rows;
      for (const ws::WorkItem& i : items)
        rows.push_back({state(i), i.due ? iso(*i.due) : "-", i.record, i.sequence, stepCell(i.label, i.kind, i.title),
                        i.assignee.empty() ? "(unassigned)" : i.assignee});
      printTable({"STATE", "DUE", "RECORD", "SEQUENCE", "STEP", "ASSIGNEE"}, rows);
      return kExitOk;
    });
  };
}

Runner addAssign(CLI::App& app) {
  struct Opts : Common {
    std::string record, to, sequence;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "assign", "Give a record's current manual activity to another user", *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("--to", opts->to, "the user (a systemuser record)")->required()->type_name("USER");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    ws::ActionResult r = w.assign(opts->record, opts->to, opts->sequence);
    for (const ws::ConnectionView& v : r.moved)
      print(fmt::format("{} on \"{}\": {} assigned to {}\n", v.row.record, v.sequence, currentStep(v), opts->to));
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
