// `seqc stats`: a sequence's funnel and insights (messages, versions, assignees).
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

namespace {

// A rate of sent as JSON: a fraction rounded to 4 places; null when nothing was sent.
Json rateJson(int64_t n, int64_t sent) {
  if (sent <= 0) return nullptr;
  return std::round(static_cast<double>(n) / static_cast<double>(sent) * 10000.0) / 10000.0;
}

// "3 (37.5%)"; "3" when nothing was sent.
std::string rateCell(int64_t n, int64_t sent) {
  if (sent <= 0) return std::to_string(n);
  return fmt::format("{} ({:.1f}%)", n, static_cast<double>(n) * 100.0 / static_cast<double>(sent));
}

Json daysJson(const std::optional<double>& d) { return d ? Json(*d) : Json(nullptr); }

std::string daysCell(const std::optional<double>& d) {
  return d && std::isfinite(*d) ? fmt::format("{:.1f}", *d) : "-";
}

Json statsJson(const std::string& name, const ws::Stats& s) {
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
  Json messages = Json::array();
  for (const ws::Stats::MessageStats& m : s.messages) {
    Json j = {{"label", textOrNull(m.label)}, {"kind", m.kind}, {"title", textOrNull(m.title)}, {"sent", m.sent}};
    // A text can only be replied to: its other events are null, not 0.
    auto event = [&](const char* key, int64_t n, bool applies) {
      j[key] = applies ? Json(n) : Json(nullptr);
      j[std::string(key) + "_rate"] = applies ? rateJson(n, m.sent) : Json(nullptr);
    };
    event("opened", m.opened, m.email);
    event("clicked", m.clicked, m.email);
    event("replied", m.replied, true);
    event("downloaded", m.downloaded, m.email);
    messages.push_back(std::move(j));
  }
  Json versions = Json::array();
  for (const ws::Stats::VersionStats& v : s.versions) {
    Json statuses = Json::object();
    for (size_t i = 0; i < v.byStatus.size() && i < rt::kStatusNames.size(); ++i)
      statuses[std::string(rt::kStatusNames[i])] = v.byStatus[i];
    versions.push_back({{"version", v.version}, {"runs", v.runs}, {"by_status", std::move(statuses)}});
  }
  Json assignees = Json::array();
  for (const ws::Stats::AssigneeStats& a : s.assignees)
    assignees.push_back({{"user", a.user}, {"runs", a.runs}, {"completed", a.completed}, {"activities_done", a.done}});
  Json out;
  out["sequence"] = name;
  out["by_status"] = std::move(byStatus);
  out["steps"] = std::move(steps);
  out["completed"] = s.completed;
  out["average_days_to_completion"] = daysJson(s.averageDaysToCompletion);
  out["days_to_completion"] = {{"mean", daysJson(s.averageDaysToCompletion)},
                               {"median", daysJson(s.medianDaysToCompletion)},
                               {"p90", daysJson(s.p90DaysToCompletion)}};
  out["messages"] = std::move(messages);
  out["versions"] = std::move(versions);
  out["assignees"] = std::move(assignees);
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
  return out;
}

void printStats(const std::string& name, const ws::Stats& s) {
  int64_t total = 0;
  std::vector<std::string> parts;
  for (const auto& [status, n] : s.byStatus) {
    total += n;
    parts.push_back(fmt::format("{} {}", n, status));
  }
  print(fmt::format("\"{}\": {}{}{}\n\n", name, plural(static_cast<size_t>(total), "record", "records"),
                    parts.empty() ? "" : ": ", join(parts, ", ")));
  std::vector<std::vector<std::string>> rows;
  for (const ws::Stats::StepStats& st : s.steps)
    rows.push_back({st.label.empty() ? "-" : st.label, st.kind, st.title.empty() ? "-" : st.title,
                    std::to_string(st.reached), std::to_string(st.done), std::to_string(st.skipped),
                    std::to_string(st.current)});
  printTable({"LABEL", "KIND", "TITLE", "REACHED", "DONE", "SKIPPED", "CURRENT"}, rows, "lllrrrr");
  print(fmt::format("\nAverage days to completion: {} ({} completed)\n", daysCell(s.averageDaysToCompletion),
                    s.completed));
  print(fmt::format("Days to completion: median {}, p90 {}\n", daysCell(s.medianDaysToCompletion),
                    daysCell(s.p90DaysToCompletion)));

  if (!s.messages.empty()) {
    print("\nMessages (rates of sent):\n");
    rows.clear();
    for (const ws::Stats::MessageStats& m : s.messages) {
      auto cell = [&](int64_t n, bool applies) { return applies ? rateCell(n, m.sent) : std::string("-"); };
      rows.push_back({m.label.empty() ? "-" : m.label, m.kind, m.title.empty() ? "-" : m.title,
                      std::to_string(m.sent), cell(m.opened, m.email), cell(m.clicked, m.email),
                      cell(m.replied, true), cell(m.downloaded, m.email)});
    }
    printTable({"LABEL", "KIND", "TITLE", "SENT", "OPENED", "CLICKED", "REPLIED", "DOWNLOADED"}, rows, "lllrrrrr");
  }
  if (!s.versions.empty()) {
    print("\nVersions:\n");
    std::vector<std::string> header = {"VERSION", "RUNS"};
    for (std::string_view n : rt::kStatusNames) {
      std::string h(n);
      for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      header.push_back(h);
    }
    rows.clear();
    for (const ws::Stats::VersionStats& v : s.versions) {
      std::vector<std::string> r = {std::to_string(v.version), std::to_string(v.runs)};
      for (int64_t n : v.byStatus) r.push_back(std::to_string(n));
      rows.push_back(std::move(r));
    }
    printTable(header, rows, std::string(header.size(), 'r'));
  }
  if (!s.assignees.empty()) {
    print("\nAssignees:\n");
    rows.clear();
    for (const ws::Stats::AssigneeStats& a : s.assignees)
      rows.push_back({a.user, std::to_string(a.runs), std::to_string(a.completed), std::to_string(a.done)});
    printTable({"ASSIGNEE", "RUNS", "COMPLETED", "ACTIVITIES DONE"}, rows, "lrrr");
  }
  for (const ws::Stats::ExperimentStats& e : s.experiments) {
    print(fmt::format("\nExperiment \"{}\" ({} records needed per variant):\n", e.name, e.perVariant));
    rows.clear();
    for (size_t i = 0; i < e.variants.size(); ++i) {
      const ws::Stats::VariantStats& v = e.variants[i];
      std::string rate = v.decided > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(v.converted) /
                                                                   static_cast<double>(v.decided))
                                       : "-";
      std::string ci = v.low ? fmt::format("{:.1f}-{:.1f}%", 100 * *v.low, 100 * *v.high) : "-";
      std::string diff = v.difference ? fmt::format("{:+.1f} pt", 100 * *v.difference) : "-";
      std::string p = v.pValue ? fmt::format("{:.3f}", *v.pValue) : "-";
      rows.push_back({v.name + (i == 0 ? " (control)" : ""), fmt::format("{}%", v.weight), std::to_string(v.assigned),
                      std::to_string(v.decided), std::to_string(v.converted), rate, ci, i == 0 ? "" : diff,
                      i == 0 ? "" : p, i == 0 ? "" : v.verdict});
    }
    printTable({"VARIANT", "WEIGHT", "ASSIGNED", "DECIDED", "CONVERTED", "RATE", "95% CI", "VS CONTROL", "P", "VERDICT"},
               rows, "lrrrrrrrrl");
    if (e.srmAlarm)
      print(fmt::format("warning: sample ratio mismatch (p = {:.2g}): the assignment does not follow the weights\n",
                        e.srmPValue));
  }
}

}  // namespace

Runner addStats(CLI::App& app) {
  struct Opts : Common {
    std::string name, format = "table";
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "stats", "A sequence's funnel and insights: statuses, steps, messages, versions, assignees",
                      *opts, true);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  cmd->add_option("--format", opts->format, "output format (--json: json)")->type_name("table|json");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      if (opts->format != "table" && opts->format != "json")
        throw UsageError(fmt::format("--format: '{}' is not table or json", opts->format));
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      ws::Stats s = w.stats(opts->name);
      if (opts->json || opts->format == "json") printJson(statsJson(opts->name, s));
      else printStats(opts->name, s);
      return kExitOk;
    });
  };
}

}  // namespace seqc::cli::wscmd
