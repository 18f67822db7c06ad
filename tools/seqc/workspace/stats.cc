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
      Json experiments = Json::array();
      auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); };
      for (const ws::Stats::ExperimentStats& e : s.experiments) {
        Json variants = Json::array();
        for (const ws::Stats::VariantStats& v : e.variants) {
          Json j = {{"name", v.name},
                    {"weight", v.weight},
                    {"assigned", v.assigned},
                    {"decided", v.decided},
                    {"converted", v.converted},
                    {"rate", v.decided > 0 ? Json(static_cast<double>(v.converted) / static_cast<double>(v.decided))
                                           : Json(nullptr)},
                    {"interval", v.low ? Json::array({*v.low, *v.high}) : Json(nullptr)}};
          if (&v != &e.variants.front()) {
            j["difference"] = opt(v.difference);
            j["p_value"] = opt(v.pValue);
            j["verdict"] = v.verdict.empty() ? Json(nullptr) : Json(v.verdict);
          }
          variants.push_back(std::move(j));
        }
        experiments.push_back({{"name", e.name},
                               {"records_per_variant", e.perVariant},
                               {"alpha", e.alpha},
                               {"variants", std::move(variants)},
                               {"sample_ratio_p_value", e.srmPValue},
                               {"sample_ratio_alarm", e.srmAlarm}});
      }
      out["experiments"] = std::move(experiments);
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
    for (const ws::Stats::ExperimentStats& e : s.experiments) {
      print(fmt::format("\nExperiment \"{}\" ({} records needed per variant):\n", e.name, e.perVariant));
      std::vector<std::vector<std::string>> vrows;
      for (size_t i = 0; i < e.variants.size(); ++i) {
        const ws::Stats::VariantStats& v = e.variants[i];
        std::string rate = v.decided > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(v.converted) /
                                                                     static_cast<double>(v.decided))
                                         : "-";
        std::string ci = v.low ? fmt::format("{:.1f}-{:.1f}%", 100 * *v.low, 100 * *v.high) : "-";
        std::string diff = v.difference ? fmt::format("{:+.1f} pt", 100 * *v.difference) : "-";
        std::string p = v.pValue ? fmt::format("{:.3f}", *v.pValue) : "-";
        vrows.push_back({v.name + (i == 0 ? " (control)" : ""), fmt::format("{}%", v.weight), std::to_string(v.assigned),
                         std::to_string(v.decided), std::to_string(v.converted), rate, ci, i == 0 ? "" : diff,
                         i == 0 ? "" : p, i == 0 ? "" : v.verdict});
      }
      printTable({"VARIANT", "WEIGHT", "ASSIGNED", "DECIDED", "CONVERTED", "RATE", "95% CI", "VS CONTROL", "P", "VERDICT"},
                 vrows, "lrrrrrrrrl");
      if (e.srmAlarm)
        print(fmt::format("warning: sample ratio mismatch (p = {:.2g}): the assignment does not follow the weights\n",
                          e.srmPValue));
    }
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
