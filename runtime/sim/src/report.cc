// Output of `seqc simulate`: the JSON object and the table of CLI.md, and the funnel
// report (per-step counts, branch counts, days to completion).
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seqc/sim/simulator.h"
#include "seqc/support/time.h"

namespace seqc::rt {

namespace {

using Json = nlohmann::ordered_json;

Json str(const bc::Module& m, uint32_t i) { return i == bc::kNone ? Json(nullptr) : Json(m.str(i)); }

std::string describe(const Simulator& sim, const bc::Step& s) {
  const bc::Module& m = sim.module();
  std::string out;
  if (s.label != bc::kNone) out += fmt::format("{}: ", m.str(s.label));
  out += bc::kindName(s);
  if (s.kind == bc::StepKind::Activity) out += fmt::format(" \"{}\"", m.str(s.title));
  else if (s.kind == bc::StepKind::Wait) out += " " + formatDuration(s.seconds);
  else out += " within " + formatDuration(s.seconds);
  return out;
}

std::string statusText(const Simulator& sim, uint32_t r) {
  const RecordState& st = sim.state(r);
  std::string status(kStatusNames[static_cast<size_t>(st.status)]);
  if (st.reason == Reason::Reply) status += " (reply)";
  if (st.reason == Reason::ExitWhen) status += " (exit when)";
  return status;
}

std::optional<int64_t> daysElapsed(const Simulator& sim, uint32_t r) {
  const RecordState& st = sim.state(r);
  if (st.status != Status::Active) return std::nullopt;
  int64_t since = sim.end() - (sim.start() + st.entered);
  return since >= 0 ? since / kSecondsPerDay : 0;
}

}  // namespace

std::string renderJson(const Simulator& sim, bool report) {
  const bc::Module& m = sim.module();
  const bc::Sequence& seq = sim.sequence();
  Json out;
  out["sequence"] = m.str(seq.name);
  out["entity"] = m.str(seq.entity);
  out["start"] = formatDateTime(sim.start());
  out["end"] = formatDateTime(sim.end());
  Json records = Json::array();
  std::vector<HistoryEntry> history = sim.historyByRecord();
  size_t h = 0;
  std::array<uint64_t, 6> counts{};
  for (uint32_t r = 0; r < sim.recordCount(); ++r) {
    const RecordState& st = sim.state(r);
    ++counts[static_cast<size_t>(st.status)];
    Json rec;
    rec["id"] = sim.id(r);
    rec["status"] = kStatusNames[static_cast<size_t>(st.status)];
    switch (st.reason) {
      case Reason::None: rec["reason"] = nullptr; break;
      case Reason::Reply: rec["reason"] = "reply"; break;
      case Reason::ExitWhen: rec["reason"] = "exit_when"; break;
      case Reason::Error: rec["reason"] = sim.errorMessage(r); break;
    }
    rec["progress"] = st.progress;
    rec["total"] = seq.total;
    if (st.status == Status::Active && st.step != 0xFFFF) {
      const bc::Step& s = sim.step(st.step);
      Json cur;
      cur["label"] = str(m, s.label);
      cur["kind"] = bc::kindName(s);
      cur["title"] = s.kind == bc::StepKind::Activity ? str(m, s.title) : Json(nullptr);
      cur["line"] = s.line;
      rec["current_step"] = cur;
    } else {
      rec["current_step"] = nullptr;
    }
    auto days = daysElapsed(sim, r);
    rec["days_elapsed"] = days ? Json(*days) : Json(nullptr);
    Json hist = Json::array();
    for (; h < history.size() && history[h].record == r; ++h) {
      const bc::Step& s = sim.step(history[h].step);
      Json e;
      e["at"] = formatDateTime(sim.start() + history[h].at);
      e["label"] = str(m, s.label);
      e["kind"] = bc::kindName(s);
      e["result"] = name(history[h].result);
      hist.push_back(std::move(e));
    }
    rec["history"] = std::move(hist);
    records.push_back(std::move(rec));
  }
  out["records"] = std::move(records);
  Json summary;
  for (size_t i = 0; i < counts.size(); ++i) summary[std::string(kStatusNames[i])] = counts[i];
  out["summary"] = summary;
  out["warnings"] = sim.warnings();
  if (report) {
    Json funnel = Json::array();
    for (uint16_t s = 0; s < seq.stepCount; ++s) {
      const bc::Step& st = sim.step(s);
      const StepCounts& c = sim.stepCounts()[s];
      funnel.push_back({{"label", str(m, st.label)}, {"kind", bc::kindName(st)}, {"line", st.line},
                        {"reached", c.reached}, {"done", c.done}, {"skipped", c.skipped}});
    }
    Json branches = Json::array();
    for (uint32_t b = 0; b < seq.branchCount; ++b) {
      const bc::Branch& br = m.branches[seq.branchBegin + b];
      branches.push_back({{"line", br.line},
                          {"arm", br.arm == bc::kElseArm ? Json("else") : Json(br.arm)},
                          {"taken", sim.branchCounts()[b]}});
    }
    out["report"] = {{"steps", funnel}, {"branches", branches},
                     {"days_to_completion", sim.daysToCompletion()}};
  }
  return out.dump(2) + "\n";
}

std::string renderTable(const Simulator& sim, bool report) {
  const bc::Module& m = sim.module();
  const bc::Sequence& seq = sim.sequence();
  struct Row {
    std::string id, status, progress, step, days;
  };
  std::vector<Row> rows;
  rows.reserve(sim.recordCount());
  Row header{"Record", "Status", "Progress", "Current step", "Days elapsed"};
  std::array<uint64_t, 6> counts{};
  std::vector<std::string> errors;
  for (uint32_t r = 0; r < sim.recordCount(); ++r) {
    const RecordState& st = sim.state(r);
    ++counts[static_cast<size_t>(st.status)];
    Row row{sim.id(r), statusText(sim, r), fmt::format("{}/{}", st.progress, seq.total), "-", "-"};
    if (st.status == Status::Active && st.step != 0xFFFF) {
      const bc::Step& s = sim.step(st.step);
      row.step = fmt::format("{} (line {})", describe(sim, s), s.line);
    }
    if (auto days = daysElapsed(sim, r)) row.days = std::to_string(*days);
    if (st.status == Status::Error) errors.push_back(fmt::format("  {}: {}", sim.id(r), sim.errorMessage(r)));
    rows.push_back(std::move(row));
  }
  auto width = [&](std::string Row::*col) {
    size_t w = (header.*col).size();
    for (const Row& r : rows) w = std::max(w, (r.*col).size());
    return w;
  };
  size_t wi = width(&Row::id), ws = width(&Row::status), wp = width(&Row::progress),
         wc = width(&Row::step);
  std::string out = fmt::format("Sequence \"{}\" on {}, {} to {}\n\n", m.str(seq.name), m.str(seq.entity),
                                formatDateTime(sim.start()), formatDateTime(sim.end()));
  out.reserve((rows.size() + 1) * (wi + ws + wp + wc + 20));
  auto line = [&](const Row& r) {
    fmt::format_to(std::back_inserter(out), "{:<{}}  {:<{}}  {:<{}}  {:<{}}  {}", r.id, wi, r.status, ws,
                   r.progress, wp, r.step, wc, r.days);
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  };
  line(header);
  for (const Row& r : rows) line(r);
  out += fmt::format("\nSummary: {} active, {} completed, {} exited, {} disconnected, {} advanced, {} error\n",
                     counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
  if (!errors.empty()) {
    out += "\nErrors:\n";
    for (const std::string& e : errors) out += e + "\n";
  }
  if (!sim.warnings().empty()) {
    out += "\nWarnings:\n";
    for (const std::string& w : sim.warnings()) out += "  " + w + "\n";
  }
  if (report) {
    out += "\nFunnel (records per step):\n";
    out += fmt::format("  {:>5}  {:<50}  {:>8}  {:>8}  {:>8}\n", "line", "step", "reached", "done", "skipped");
    for (uint16_t s = 0; s < seq.stepCount; ++s) {
      const bc::Step& st = sim.step(s);
      const StepCounts& c = sim.stepCounts()[s];
      std::string d = describe(sim, st);
      if (d.size() > 50) d = d.substr(0, 47) + "...";
      out += fmt::format("  {:>5}  {:<50}  {:>8}  {:>8}  {:>8}\n", st.line, d, c.reached, c.done, c.skipped);
    }
    if (seq.branchCount > 0) {
      out += "\nBranches taken:\n";
      for (uint32_t b = 0; b < seq.branchCount; ++b) {
        const bc::Branch& br = m.branches[seq.branchBegin + b];
        std::string arm = br.arm == bc::kElseArm ? "else" : br.arm == 0 ? "if" : fmt::format("else if #{}", br.arm);
        out += fmt::format("  line {:>4}  {:<12} {:>8}\n", br.line, arm, sim.branchCounts()[b]);
      }
    }
    const auto& days = sim.daysToCompletion();
    uint64_t total = 0, most = 0;
    for (uint64_t n : days) total += n, most = std::max(most, n);
    out += "\nDays to completion (completed records):\n";
    if (total == 0) out += "  none completed\n";
    for (size_t d = 0; d < days.size(); ++d) {
      if (days[d] == 0) continue;
      size_t bar = most ? static_cast<size_t>((days[d] * 40 + most - 1) / most) : 0;
      out += fmt::format("  {:>4} d  {:>8}  {}\n", d, days[d], std::string(bar, '#'));
    }
  }
  return out;
}

}  // namespace seqc::rt
