// `seqc report`: one self-contained HTML page of the workspace's sequences (inline CSS
// and SVG, no network): per sequence the funnel, the message rates, versions,
// assignees, days to completion and experiments; then the work list per assignee and
// day. The same workspace gives the same bytes: nothing depends on the wall clock.
#include <map>
#include <set>

#include "seqc/support/utf8.h"
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

namespace {

// Text as HTML (element content and attribute values alike); invalid UTF-8 becomes U+FFFD.
std::string esc(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t ok = utf8::validPrefix(text);
    for (char c : text.substr(0, ok)) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
      }
    }
    text.remove_prefix(ok);
    if (!text.empty()) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    }
  }
  return out;
}

std::string percent(int64_t n, int64_t of) {
  if (of <= 0) return "-";
  return fmt::format("{:.1f}%", static_cast<double>(n) * 100.0 / static_cast<double>(of));
}

std::string days(const std::optional<double>& d) {
  return d && std::isfinite(*d) ? fmt::format("{:.1f}", *d) : "-";
}

std::string stepName(const std::string& label, const std::string& kind, const std::string& title) {
  return stepCell(label, kind, title);
}

constexpr const char* kStyle = R"(
:root { color-scheme: light; --ink: #1f2933; --muted: #52606d; --rule: #d9e2ec; --bar: #2f6f9f;
  --opened: #2f6f9f; --clicked: #7b5ea7; --replied: #2e8540; --downloaded: #b7791f; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 36px 0 8px; padding-top: 12px; border-top: 2px solid var(--rule); }
h3 { font-size: 16px; margin: 22px 0 6px; }
p.meta { color: var(--muted); margin: 0 0 8px; }
nav ul { padding-left: 20px; margin: 8px 0; }
table { border-collapse: collapse; margin: 6px 0 10px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--rule); text-align: left; }
th { font-weight: 600; color: var(--muted); cursor: pointer; user-select: none; }
td.n, th.n { text-align: right; }
svg { display: block; max-width: 100%; height: auto; margin: 6px 0; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg .bar { fill: var(--bar); }
svg .opened { fill: var(--opened); } svg .clicked { fill: var(--clicked); }
svg .replied { fill: var(--replied); } svg .downloaded { fill: var(--downloaded); }
svg .axis { stroke: var(--rule); }
svg .ci { stroke: var(--ink); stroke-width: 2; }
.empty { color: var(--muted); font-style: italic; }
.alarm { color: #b42318; font-weight: 600; }
)";

// Sortable tables (click a header); errors are recorded in the page (data-errors) and
// data-loaded says the script ran: what the browser test checks.
constexpr const char* kScript = R"(
(function () {
  var root = document.documentElement, errors = [];
  window.addEventListener("error", function (e) {
    errors.push(String(e.message));
    root.setAttribute("data-errors", errors.join(" | "));
  });
  function key(cell) {
    var t = cell.getAttribute("data-v") || cell.textContent.trim();
    var n = parseFloat(t.replace(/[,%]/g, ""));
    return isNaN(n) ? t : n;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (th, col) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var up = th.getAttribute("aria-sort") !== "ascending";
        rows.sort(function (a, b) {
          var x = key(a.cells[col]), y = key(b.cells[col]);
          var c = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
          return up ? c : -c;
        });
        Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", up ? "ascending" : "descending");
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  root.setAttribute("data-loaded", "yes");
})();
)";

class Page {
 public:
  std::string html;
  void add(std::string_view s) { html += s; }
  template <class... A>
  void addf(fmt::format_string<A...> f, A&&... a) {
    html += fmt::format(f, std::forward<A>(a)...);
  }
  // A table: `align` has 'n' for numeric columns; cells are HTML already.
  void table(const std::string& caption, const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows, const std::string& align) {
    addf("<table>\n<caption class=\"sr\">{}</caption>\n<thead><tr>", esc(caption));
    for (size_t c = 0; c < header.size(); ++c)
      addf("<th scope=\"col\"{}>{}</th>", c < align.size() && align[c] == 'n' ? " class=\"n\"" : "", esc(header[c]));
    add("</tr></thead>\n<tbody>\n");
    for (const auto& row : rows) {
      add("<tr>");
      for (size_t c = 0; c < row.size(); ++c)
        addf("<td{}>{}</td>", c < align.size() && align[c] == 'n' ? " class=\"n\"" : "", row[c]);
      add("</tr>\n");
    }
    add("</tbody>\n</table>\n");
  }
  std::string id(std::string_view what) { return fmt::format("{}-{}", what, ++ids_); }

 private:
  int ids_ = 0;
};

// Horizontal bars, one per row: a label, the bar scaled to the largest value, the figure.
struct Bar {
  std::string label;
  double value = 0;
  std::string text;         // the figure printed after the bar
  std::string cls = "bar";  // the bar's class (its colour)
};

void barChart(Page& p, const std::string& title, const std::vector<Bar>& bars, double max) {
  constexpr int kLabel = 260, kWidth = 420, kRow = 24, kTop = 8;
  int height = kTop * 2 + kRow * static_cast<int>(bars.size());
  std::string tid = p.id("t");
  p.addf("<svg role=\"img\" aria-labelledby=\"{0}\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\">\n"
         "<title id=\"{0}\">{3}</title>\n",
         tid, kLabel + kWidth + 110, height, esc(title));
  p.addf("<line class=\"axis\" x1=\"{0}\" y1=\"0\" x2=\"{0}\" y2=\"{1}\"/>\n", kLabel, height);
  for (size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    int y = kTop + kRow * static_cast<int>(i);
    double w = max > 0 ? b.value / max * kWidth : 0;
    std::string label = utf8::countCodePoints(b.label) > 38 ? b.label.substr(0, utf8::validPrefix(b.label.substr(0, 36))) + "…"
                                                            : b.label;
    p.addf("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLabel - 6, y + 16, esc(label));
    p.addf("<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\"><title>{}: {}</title></rect>\n", b.cls,
           kLabel, y + 3, w, kRow - 6, esc(b.label), esc(b.text));
    p.addf("<text x=\"{:.1f}\" y=\"{}\">{}</text>\n", kLabel + w + 6, y + 16, esc(b.text));
  }
  p.add("</svg>\n");
}

constexpr std::array<const char*, 4> kEvents = {"opened", "clicked", "replied", "downloaded"};

void messages(Page& p, const ws::Stats& s) {
  p.add("<h3>Message rates</h3>\n");
  if (s.messages.empty()) {
    p.add("<p class=\"empty\">No email or text steps.</p>\n");
    return;
  }
  std::vector<Bar> bars;
  for (const ws::Stats::MessageStats& m : s.messages) {
    std::string name = stepName(m.label, m.kind, m.title);
    const int64_t counts[] = {m.opened, m.clicked, m.replied, m.downloaded};
    for (size_t e = 0; e < kEvents.size(); ++e) {
      if (!m.email && e != 2) continue;  // a text can only be replied to
      double rate = m.sent > 0 ? static_cast<double>(counts[e]) * 100.0 / static_cast<double>(m.sent) : 0;
      bars.push_back({fmt::format("{} {}", name, kEvents[e]), rate,
                      m.sent > 0 ? fmt::format("{} ({} of {})", percent(counts[e], m.sent), counts[e], m.sent) : "nothing sent",
                      kEvents[e]});
    }
  }
  barChart(p, "Rates of sent per email and text step", bars, 100);
  std::vector<std::vector<std::string>> rows;
  for (const ws::Stats::MessageStats& m : s.messages) {
    std::vector<std::string> r = {esc(stepName(m.label, m.kind, m.title)), std::to_string(m.sent)};
    const int64_t counts[] = {m.opened, m.clicked, m.replied, m.downloaded};
    for (size_t e = 0; e < kEvents.size(); ++e) {
      bool applies = m.email || e == 2;
      r.push_back(applies ? std::to_string(counts[e]) : "-");
      r.push_back(applies ? percent(counts[e], m.sent) : "-");
    }
    rows.push_back(std::move(r));
  }
  p.table("Message rates", {"Step", "Sent", "Opened", "Open rate", "Clicked", "Click rate", "Replied", "Reply rate",
                            "Downloaded", "Download rate"},
          rows, "lnnnnnnnnn");
}

void experiments(Page& p, const ws::Stats& s) {
  if (s.experiments.empty()) return;
  p.add("<h3>Experiments</h3>\n");
  for (const ws::Stats::ExperimentStats& e : s.experiments) {
    p.addf("<h4>{}</h4>\n", esc(e.name));
    p.addf("<p class=\"meta\">{} records needed per variant; verdicts at alpha {}, by an always-valid test "
           "(mSPRT), so they may be read at any time.</p>\n",
           e.perVariant, e.alpha);
    if (e.srmAlarm)
      p.add("<p class=\"alarm\">Sample ratio mismatch: the variants' sizes do not match their weights "
            "(p &lt; 0.001); check the assignment before reading the results.</p>\n");
    auto rate = [](const ws::Stats::VariantStats& v) {
      return v.decided > 0 ? static_cast<double>(v.converted) / static_cast<double>(v.decided) : 0.0;
    };
    // Rates with their 95% intervals on one 0–100% axis; a variant with nothing decided
    // yet has no mark.
    constexpr int kLabel = 160, kWidth = 480, kRow = 26;
    int height = 16 + kRow * static_cast<int>(e.variants.size()) + 20;
    std::string tid = p.id("t");
    p.addf("<svg role=\"img\" aria-labelledby=\"{0}\" viewBox=\"0 0 {1} {2}\" width=\"{1}\" height=\"{2}\">\n"
           "<title id=\"{0}\">{3}: conversion rate per variant with 95% interval</title>\n",
           tid, kLabel + kWidth + 40, height, esc(e.name));
    for (int t = 0; t <= 100; t += 25)
      p.addf("<line class=\"axis\" x1=\"{0}\" y1=\"8\" x2=\"{0}\" y2=\"{1}\"/><text x=\"{0}\" y=\"{2}\" "
             "text-anchor=\"middle\">{3}%</text>\n",
             kLabel + kWidth * t / 100, height - 18, height - 4, t);
    for (size_t i = 0; i < e.variants.size(); ++i) {
      const auto& v = e.variants[i];
      int y = 16 + kRow * static_cast<int>(i);
      auto x = [&](double r) { return kLabel + std::clamp(r, 0.0, 1.0) * kWidth; };
      p.addf("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", kLabel - 8, y + 4, esc(v.name));
      if (v.low && v.high)
        p.addf("<line class=\"ci\" x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\"><title>{}: {:.1f}% to {:.1f}%</title></line>\n",
               x(*v.low), y, x(*v.high), y, esc(v.name), *v.low * 100, *v.high * 100);
      if (v.decided > 0)
        p.addf("<circle class=\"bar\" cx=\"{:.1f}\" cy=\"{}\" r=\"5\"><title>{}: {:.1f}%</title></circle>\n",
               x(rate(v)), y, esc(v.name), rate(v) * 100);
    }
    p.add("</svg>\n");
    std::vector<std::vector<std::string>> rows;
    for (const auto& v : e.variants)
      rows.push_back({esc(v.name), fmt::format("{}%", v.weight), std::to_string(v.assigned), std::to_string(v.decided),
                      std::to_string(v.converted), v.decided > 0 ? fmt::format("{:.1f}%", rate(v) * 100) : "-",
                      v.low && v.high ? fmt::format("{:.1f}% – {:.1f}%", *v.low * 100, *v.high * 100) : "-",
                      v.difference ? fmt::format("{:+.1f} pp", *v.difference * 100) : "-",
                      v.pValue ? fmt::format("{:.3f}", *v.pValue) : "-", v.verdict.empty() ? "control" : esc(v.verdict)});
    p.table(e.name, {"Variant", "Weight", "Assigned", "Decided", "Converted", "Rate", "95% interval", "Difference",
                     "p-value", "Verdict"},
            rows, "lnnnnnlnnl");
  }
}

void sequenceSection(Page& p, const ws::SequenceSummary& summary, const ws::Stats& s, size_t index) {
  const std::string& name = summary.row.name;
  p.addf("<section id=\"seq-{}\" aria-labelledby=\"seq-{}-h\">\n<h2 id=\"seq-{}-h\">{}</h2>\n", index, index, index,
         esc(name));
  int64_t runs = 0;
  std::vector<std::string> parts;
  for (const auto& [status, n] : s.byStatus) {
    runs += n;
    if (n) parts.push_back(fmt::format("{} {}", n, status));
  }
  p.addf("<p class=\"meta\">On {} · version {} · {} · {} {}{}{}</p>\n", esc(summary.row.entity), summary.row.latest,
         summary.row.active ? "active" : "inactive", runs, runs == 1 ? "run" : "runs", parts.empty() ? "" : ": ",
         esc(join(parts, ", ")));
  if (!summary.row.description.empty()) p.addf("<p>{}</p>\n", esc(summary.row.description));

  p.add("<h3>Funnel</h3>\n");
  std::vector<Bar> bars;
  double max = 0;
  for (const ws::Stats::StepStats& st : s.steps) {
    std::string step = stepName(st.label, st.kind, st.title);
    bars.push_back({step, static_cast<double>(st.reached), fmt::format("{} reached", st.reached)});
    max = std::max(max, static_cast<double>(st.reached));
  }
  if (bars.empty()) p.add("<p class=\"empty\">No steps.</p>\n");
  else barChart(p, fmt::format("Funnel of {}: runs that reached each step", name), bars, max);
  std::vector<std::vector<std::string>> rows;
  for (const ws::Stats::StepStats& st : s.steps)
    rows.push_back({esc(stepName(st.label, st.kind, st.title)), std::to_string(st.reached), std::to_string(st.done),
                    std::to_string(st.skipped), std::to_string(st.current)});
  p.table("Funnel", {"Step", "Reached", "Done", "Skipped", "Current"}, rows, "lnnnn");

  messages(p, s);

  p.add("<h3>Days to completion</h3>\n");
  p.table("Days to completion", {"Completed runs", "Mean", "Median", "p90"},
          {{std::to_string(s.completed), days(s.averageDaysToCompletion), days(s.medianDaysToCompletion),
            days(s.p90DaysToCompletion)}},
          "nnnn");

  p.add("<h3>Versions</h3>\n");
  if (s.versions.empty()) {
    p.add("<p class=\"empty\">No runs yet.</p>\n");
  } else {
    std::vector<std::string> header = {"Version", "Runs"};
    for (std::string_view n : rt::kStatusNames) header.emplace_back(n);
    rows.clear();
    for (const ws::Stats::VersionStats& v : s.versions) {
      std::vector<std::string> r = {std::to_string(v.version), std::to_string(v.runs)};
      for (int64_t n : v.byStatus) r.push_back(std::to_string(n));
      rows.push_back(std::move(r));
    }
    p.table("Versions", header, rows, std::string(header.size(), 'n'));
  }

  if (!s.assignees.empty()) {
    p.add("<h3>Assignees</h3>\n");
    rows.clear();
    for (const ws::Stats::AssigneeStats& a : s.assignees)
      rows.push_back({esc(a.user), std::to_string(a.runs), std::to_string(a.completed), std::to_string(a.done)});
    p.table("Assignees", {"Assignee", "Runs", "Completed", "Activities done"}, rows, "lnnn");
  }
  experiments(p, s);
  p.add("</section>\n");
}

// The current work list per assignee and due day (UTC): what each seller has on.
void workload(Page& p, const std::vector<ws::WorkItem>& items, int64_t clock) {
  p.add("<section id=\"workload\" aria-labelledby=\"workload-h\">\n<h2 id=\"workload-h\">Workload</h2>\n");
  p.addf("<p class=\"meta\">Open manual activities at {}, per assignee and the day they are due (UTC).</p>\n",
         esc(iso(clock)));
  const std::string kOverdue = "overdue", kNoDue = "no due date";
  std::set<std::string> dayset;
  std::map<std::string, std::map<std::string, int64_t>> grid;  // assignee → column → count
  for (const ws::WorkItem& i : items) {
    std::string column = kNoDue;
    if (i.due && *i.due < clock) column = kOverdue;
    else if (i.due) column = formatDate(*i.due >= 0 ? *i.due / 86400 : (*i.due - 86399) / 86400);
    if (column != kOverdue && column != kNoDue) dayset.insert(column);
    ++grid[i.assignee.empty() ? "(unassigned)" : i.assignee][column];
  }
  std::vector<std::string> columns = {kOverdue};
  columns.insert(columns.end(), dayset.begin(), dayset.end());
  columns.push_back(kNoDue);
  std::vector<Bar> bars;
  double max = 0;
  std::vector<std::vector<std::string>> rows;
  for (const auto& [who, counts] : grid) {
    std::vector<std::string> r = {esc(who)};
    int64_t total = 0;
    for (const std::string& c : columns) {
      auto it = counts.find(c);
      int64_t n = it == counts.end() ? 0 : it->second;
      total += n;
      r.push_back(std::to_string(n));
    }
    r.push_back(std::to_string(total));
    rows.push_back(std::move(r));
    bars.push_back({who, static_cast<double>(total), fmt::format("{} open", total)});
    max = std::max(max, static_cast<double>(total));
  }
  barChart(p, "Open manual activities per assignee", bars, max);
  std::vector<std::string> header = {"Assignee"};
  header.insert(header.end(), columns.begin(), columns.end());
  header.push_back("Total");
  p.table("Workload", header, rows, "l" + std::string(columns.size() + 1, 'n'));
  p.add("</section>\n");
}

}  // namespace

Runner addReport(CLI::App& app) {
  struct Opts : Common {
    std::string output, sequence;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "report", "Write an HTML report of the sequences: funnels, rates, experiments, workload",
                      *opts, false);
  cmd->add_option("-o,--output", opts->output, "the HTML file to write")->required()->type_name("FILE");
  cmd->add_option("--sequence", opts->sequence, "only this sequence (default: every one)")->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    std::vector<ws::SequenceSummary> list;
    std::vector<ws::Stats> stats;
    if (!opts->sequence.empty()) stats.push_back(w.stats(opts->sequence));  // an unknown name fails here
    for (ws::SequenceSummary& s : w.list({}))
      if (opts->sequence.empty() || s.row.name == opts->sequence) list.push_back(std::move(s));
    if (opts->sequence.empty())
      for (const ws::SequenceSummary& s : list) stats.push_back(w.stats(s.row.name));
    std::optional<int64_t> at;
    std::vector<ws::WorkItem> items;
    for (ws::WorkItem& i : w.worklist("", at))
      if (opts->sequence.empty() || i.sequence == opts->sequence) items.push_back(std::move(i));

    Page p;
    std::string title = opts->sequence.empty() ? "Sequences report" : fmt::format("Report: {}", opts->sequence);
    p.addf("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
           "<title>{}</title>\n<style>{}.sr {{ position: absolute; left: -9999px; }}\n</style>\n</head>\n<body>\n",
           esc(title), kStyle);
    p.addf("<header>\n<h1>{}</h1>\n<p class=\"meta\">Workspace clock {} · {} {}</p>\n</header>\n", esc(title),
           esc(iso(*at)), list.size(), list.size() == 1 ? "sequence" : "sequences");
    if (list.empty()) p.add("<p class=\"empty\">No sequences in the workspace.</p>\n");
    if (list.size() > 1) {
      p.add("<nav aria-label=\"Sequences\"><ul>\n");
      for (size_t i = 0; i < list.size(); ++i)
        p.addf("<li><a href=\"#seq-{}\">{}</a></li>\n", i + 1, esc(list[i].row.name));
      if (!items.empty()) p.add("<li><a href=\"#workload\">Workload</a></li>\n");
      p.add("</ul></nav>\n");
    }
    for (size_t i = 0; i < list.size() && i < stats.size(); ++i) sequenceSection(p, list[i], stats[i], i + 1);
    if (!items.empty()) workload(p, items, *at);
    p.addf("<script>{}</script>\n</body>\n</html>\n", kScript);

    std::string error;
    if (!writeFileAtomically(opts->output, p.html, error)) throw ws::Error(error);
    print(fmt::format("wrote {} ({} {})\n", opts->output, list.size(), list.size() == 1 ? "sequence" : "sequences"));
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
