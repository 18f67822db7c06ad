// `seqc stats`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addStats(CLI::App& app) {
  struct Opts : Common {
    std::string name;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "stats", "A sequence's funnel: records by status, per-step counts", *opts, true);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    ws::Stats s = w.stats(opts->name);
    if (opts->json) {
      Json byStatus = Json::object();
      for (const auto& [status, n] : s.byStatus) byStatus[status] = n;
      Json steps = Json::array();
      for (const ws::Stats::StepStats& st : s.steps)
        steps.push_back({{"label", textOrNull(st.label)},
                         {"kind", st.kind},
                         {"title", textOrNull(st.title)},
                         {"reached", st.reached},
                         {"done", st.done},
                         {"skipped", st.skipped},
                         {"current", st.current}});
      Json out;
      out["sequence"] = opts->name;
      out["by_status"] = std::move(byStatus);
      out["steps"] = std::move(steps);
      out["completed"] = s.completed;
      out["average_days_to_completion"] =
          s.averageDaysToCompletion ? Json(*s.averageDaysToCompletion) : Json(nullptr);
      printJson(out);
      return kExitOk;
    }
    int64_t total = 0;
    std::vector<std::string> parts;
    for (const auto& [status, n] : s.byStatus) {
      total += n;
      parts.push_back(fmt::format("{} {}", n, status));
    }
    print(fmt::format("\"{}\": {}{}{}\n\n", opts->name, plural(static_cast<size_t>(total), "record", "records"),
                      parts.empty() ? "" : ": ", join(parts, ", ")));
    std::vector<std::vector<std::string>> rows;
    for (const ws::Stats::StepStats& st : s.steps)
      rows.push_back({st.label.empty() ? "-" : st.label, st.kind, st.title.empty() ? "-" : st.title,
                      std::to_string(st.reached), std::to_string(st.done), std::to_string(st.skipped),
                      std::to_string(st.current)});
    printTable({"LABEL", "KIND", "TITLE", "REACHED", "DONE", "SKIPPED", "CURRENT"}, rows, "lllrrrr");
    std::string avg = "-";
    if (s.averageDaysToCompletion && std::isfinite(*s.averageDaysToCompletion))
      avg = fmt::format("{:.1f}", *s.averageDaysToCompletion);
    print(fmt::format("\nAverage days to completion: {} ({} completed)\n", avg, s.completed));
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
