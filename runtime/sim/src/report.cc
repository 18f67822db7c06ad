// Output of `seqc simulate`: the JSON object and the table of CLI.md, JSON lines, and
// the funnel report (per-step counts, branch counts, days to completion). Text goes
// out through a buffer in chunks of 64 KiB as it is produced; the table's column widths
// come from a first pass over the records' state.
#include "seqc/sim/report.h"

#include <algorithm>
#include <map>
#include <array>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

#include "seqc/calendar/zone.h"
#include "seqc/format/step_text.h"
#include "seqc/sim/simulator.h"
#include "seqc/stats/experiment.h"
#include "seqc/support/time.h"
#include "seqc/support/utf8.h"

namespace seqc::rt {

namespace {

constexpr size_t kChunk = 64 * 1024;
constexpr uint32_t kProgressEvery = 1u << 14;  // records between progress calls

// Appends `s` to `b`: a copy after one size check (fmt's buffer::append is a loop
// over reservations, out of line, and was a tenth of writing a large JSON report).
inline void append(fmt::memory_buffer& b, std::string_view s) {
  size_t n = b.size();
  b.resize(n + s.size());
  if (!s.empty()) std::memcpy(b.data() + n, s.data(), s.size());
}

// Text gathered in memory and written out a chunk at a time.
class Output {
 public:
  Output(std::FILE* file, const WriteProgress& progress) : file_(file), progress_(progress) {
    buf_.reserve(kChunk + 4096);
  }
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() { flush(); }

  void put(char c) { buf_.push_back(c); }
  void put(std::string_view s) { append(buf_, s); }
  template <class... T>
  void format(fmt::format_string<T...> f, T&&... args) {
    fmt::format_to(fmt::appender(buf_), f, std::forward<T>(args)...);
  }
  fmt::memory_buffer& buffer() { return buf_; }
  // After record `r`: writes a full chunk, reports progress now and then.
  void recordDone(uint32_t r) {
    if (buf_.size() >= kChunk) flush();
    if (progress_ && (r + 1) % kProgressEvery == 0) progress_(r + 1);
  }

 private:
  void flush() {
    if (buf_.size() != 0) std::fwrite(buf_.data(), 1, buf_.size(), file_);
    buf_.clear();
  }

  std::FILE* file_;
  const WriteProgress& progress_;
  fmt::memory_buffer buf_;
};

// `s` as a JSON string, escaped as nlohmann::json's dump escapes it: the short escapes,
// other control characters as \u00xx, the rest (UTF-8 included) as is. Dump throws on
// invalid UTF-8; here each invalid byte becomes U+FFFD. Records and events are checked
// to be UTF-8 when read, so only a hand-made module could carry such bytes.
void jsonString(fmt::memory_buffer& b, std::string_view s) {
  b.push_back('"');
  size_t copied = 0;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {  // most text: plain ASCII
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8::sequenceLength(s.substr(i));
      if (n != 0) {
        i += n;
        continue;
      }
    }
    append(b, s.substr(copied, i - copied));
    std::string_view esc;
    switch (c) {
      case '"': esc = "\\\""; break;
      case '\\': esc = "\\\\"; break;
      case '\b': esc = "\\b"; break;
      case '\t': esc = "\\t"; break;
      case '\n': esc = "\\n"; break;
      case '\f': esc = "\\f"; break;
      case '\r': esc = "\\r"; break;
      default: esc = c < 0x20 ? std::string_view() : "\xEF\xBF\xBD";
    }
    if (esc.empty()) fmt::format_to(fmt::appender(b), "\\u{:04x}", c);
    else append(b, esc);
    copied = ++i;
  }
  append(b, s.substr(copied));
  b.push_back('"');
}

// Writes JSON as nlohmann::json's dump(2) (`pretty`) or dump() does: one member or
// element a line, indented two spaces a level, `": "` after keys; empty objects and
// arrays as {} and [].
class JsonWriter {
 public:
  JsonWriter(Output& out, bool pretty) : out_(out), pretty_(pretty) {}

  void open(char bracket) {
    out_.put(bracket);
    empty_[++depth_] = true;
  }
  void close(char bracket) {
    if (!empty_[depth_--] && pretty_) newline();
    out_.put(bracket);
  }
  // A member: its value follows.
  JsonWriter& key(std::string_view k) {
    next();
    // One reservation for `"k": ` (a key per member of every record).
    fmt::memory_buffer& b = out_.buffer();
    size_t n = b.size();
    size_t tail = pretty_ ? 3 : 2;
    b.resize(n + k.size() + 1 + tail);
    char* p = b.data() + n;
    *p++ = '"';
    if (!k.empty()) std::memcpy(p, k.data(), k.size());
    std::memcpy(p + k.size(), "\": ", tail);
    return *this;
  }
  // An array element: its value follows.
  JsonWriter& element() {
    next();
    return *this;
  }
  void null() { out_.put("null"); }
  template <class T>
  void number(T n) {
    if constexpr (std::is_integral_v<T>) {  // no format string to parse
      fmt::format_int text(n);
      out_.put(std::string_view(text.data(), text.size()));
    } else {
      out_.format("{}", n);
    }
  }
  void string(std::string_view s) { jsonString(out_.buffer(), s); }
  void string(const bc::Module& m, uint32_t i) { i == bc::kNone ? null() : string(m.str(i)); }

 private:
  void next() {
    if (!empty_[depth_]) out_.put(',');
    empty_[depth_] = false;
    if (pretty_) newline();
  }
  void newline() {
    static constexpr std::string_view kIndent = "\n                ";
    out_.put(kIndent.substr(0, 1 + 2 * static_cast<size_t>(depth_)));
  }

  Output& out_;
  bool pretty_;
  std::array<bool, 9> empty_{};  // per open level: nothing written in it yet
  int depth_ = 0;
};

// The history of each record: indices into the simulator's log, grouped by record in
// log order (a counting sort of indices rather than a copy of the log).
class HistoryIndex {
 public:
  explicit HistoryIndex(const Simulator& sim)
      : log_(sim.history()), begin_(sim.recordCount() + 2, 0), order_(log_.size()) {
    if (log_.size() >= UINT32_MAX) throw std::length_error("the history log is too long to write");
    for (const HistoryEntry& h : log_) ++begin_[h.record + 2];
    for (size_t i = 2; i < begin_.size(); ++i) begin_[i] += begin_[i - 1];
    for (uint32_t i = 0; i < log_.size(); ++i) order_[begin_[log_[i].record + 1]++] = i;
  }
  template <class F>
  void forEach(uint32_t r, F&& f) const {
    for (uint32_t i = begin_[r]; i < begin_[r + 1]; ++i) f(log_[order_[i]]);
  }

 private:
  std::span<const HistoryEntry> log_;
  std::vector<uint32_t> begin_;  // record r's entries: order_[begin_[r] .. begin_[r + 1])
  std::vector<uint32_t> order_;
};

// Formatted times, remembered: the history entries of many records share instants.
class Times {
 public:
  std::string_view operator()(int64_t t) {
    Slot& s = slots_[(static_cast<uint64_t>(t) * 0x9E3779B97F4A7C15ull) >> 56];
    if (!s.used || s.at != t) s = {t, formatDateTime(t), true};
    return s.text;
  }

 private:
  struct Slot {
    int64_t at = 0;
    std::string text;
    bool used = false;
  };
  std::array<Slot, 256> slots_;
};

std::optional<int64_t> daysElapsed(const Simulator& sim, uint32_t r) {
  const RecordState& st = sim.state(r);
  if (st.status != Status::Active) return std::nullopt;
  int64_t since = sim.end() - (sim.start() + st.entered);
  return since >= 0 ? since / kSecondsPerDay : 0;
}

// The JSON object of record `r` (CLI.md).
void writeRecord(JsonWriter& j, const Simulator& sim, uint32_t r, const HistoryIndex& history,
                 Times& times) {
  const bc::Module& m = sim.module();
  const RecordState& st = sim.state(r);
  j.open('{');
  j.key("id").string(sim.id(r));
  j.key("status").string(kStatusNames[static_cast<size_t>(st.status)]);
  j.key("reason");
  switch (st.reason) {
    case Reason::None: j.null(); break;
    case Reason::Reply:
    case Reason::ExitWhen: j.string(name(st.reason)); break;
    case Reason::Error: j.string(sim.errorMessage(r)); break;
  }
  j.key("progress").number(st.progress);
  j.key("total").number(sim.sequence().total);
  j.key("current_step");
  if (st.status == Status::Active && st.step != 0xFFFF) {
    const bc::Step& s = sim.step(st.step);
    j.open('{');
    j.key("label").string(m, s.label);
    j.key("kind").string(bc::kindName(s));
    j.key("title").string(m, s.kind == bc::StepKind::Activity ? s.title : bc::kNone);
    j.key("line").number(s.line);
    if (sim.hasCalendar()) {  // where business durations make it worth showing
      j.key("due");
      if (auto due = sim.currentDue(r)) j.string(times(*due));
      else j.null();
    }
    j.close('}');
  } else {
    j.null();
  }
  j.key("days_elapsed");
  if (auto days = daysElapsed(sim, r)) j.number(*days);
  else j.null();
  if (sim.hasCalendar()) j.key("zone").string(sim.zone(r));
  j.key("history").open('[');
  history.forEach(r, [&](const HistoryEntry& h) {
    if (isExperimentResult(h.result)) {  // kind `experiment`/`converted`, result `variant:NAME`
      const bc::Experiment& x = sim.interpreter().experiment(h.step);
      j.element().open('{');
      j.key("at").string(times(sim.start() + h.at));
      j.key("label").string(m, x.name);
      j.key("kind").string(name(h.result));
      std::string_view variant = m.str(x.variants[h.variant].name);
      if (h.result == Result::Experiment) {
        j.key("result").string(fmt::format("variant:{}", variant));
      } else {
        j.key("result").string(name(h.result));
        j.key("variant").string(variant);
      }
      j.close('}');
      return;
    }
    const bc::Step& s = sim.step(h.step);
    j.element().open('{');
    j.key("at").string(times(sim.start() + h.at));
    j.key("label").string(m, s.label);
    j.key("kind").string(bc::kindName(s));
    j.key("result").string(name(h.result));
    j.close('}');
  });
  j.close(']');
  j.close('}');
}

// The members of the top-level object before `records`.
void writeHead(JsonWriter& j, const Simulator& sim) {
  const bc::Module& m = sim.module();
  j.key("sequence").string(m.str(sim.sequence().name));
  j.key("entity").string(m.str(sim.sequence().entity));
  j.key("start").string(formatDateTime(sim.start()));
  j.key("end").string(formatDateTime(sim.end()));
  // Results depend on the tz database (CALENDARS.md §5).
  if (sim.hasCalendar()) j.key("tzdata").string(cal::tzdataVersion());
}

void writePercentiles(JsonWriter& j, const RunStats::P& p) {
  j.open('{');
  j.key("p50").number(p.first);
  j.key("p90").number(p.second);
  j.close('}');
}

void writeAssignee(JsonWriter& j, const Simulator& sim, uint32_t assignee) {
  if (const std::string* name = sim.assigneeName(assignee)) j.string(*name);
  else j.null();
}

// A workload cell of one run (a count) or of several (percentiles), for the one writer below.
uint64_t totalOf(const WorkloadRow& row) { return row.total(); }
const RunStats::P& totalOf(const RunStats::Row& row) { return row.total; }
bool nonzero(uint64_t n) { return n > 0; }
bool nonzero(const RunStats::P& p) { return p.second > 0; }
void writeCell(JsonWriter& j, uint64_t n) { j.number(n); }
void writeCell(JsonWriter& j, const RunStats::P& p) { writePercentiles(j, p); }

template <class Row>
void writeWorkloadRows(JsonWriter& j, const Simulator& sim, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    j.element().open('{');
    j.key("day").string(formatDate(row.day));
    j.key("assignee");
    writeAssignee(j, sim, row.assignee);
    j.key("kinds").open('{');
    for (size_t k = 0; k < row.byKind.size(); ++k)
      if (nonzero(row.byKind[k])) writeCell(j.key(kActivityInfo[k].name), row.byKind[k]);
    j.close('}');
    writeCell(j.key("total"), totalOf(row));
    j.close('}');
  }
}

// The report's workload: per day and assignee, activities by kind (percentiles over runs).
void writeWorkload(JsonWriter& j, const Simulator& sim, const RunStats* runs) {
  j.key("workload").open('[');
  if (runs) writeWorkloadRows(j, sim, runs->workload);
  else writeWorkloadRows(j, sim, sim.workload());
  j.close(']');
  if (!runs) return;
  j.key("runs").number(runs->runs);
  j.key("summary_percentiles").open('{');
  for (size_t i = 0; i < kStatusNames.size(); ++i) writePercentiles(j.key(kStatusNames[i]), runs->summary[i]);
  j.close('}');
}

// The first day (counted from the start, 1 = the end of the first day) at which the
// mSPRT of some variant against the control decides, looking once a day at the records
// decided by then (converted, or their window over); nullopt when none does in the run
// or without history.
std::optional<int64_t> daysToDecision(const Simulator& sim, uint16_t k) {
  const Interpreter& in = sim.interpreter();
  const bc::Experiment& x = in.experiment(k);
  struct Run {
    uint8_t variant = 0;
    int64_t start = 0;
    std::optional<int64_t> converted;
  };
  std::map<uint32_t, Run> runs;  // by record: its latest entry
  for (const HistoryEntry& h : sim.history()) {
    if (!isExperimentResult(h.result) || h.step != k) continue;
    if (h.result == Result::Experiment) runs[h.record] = Run{h.variant, h.at, std::nullopt};
    else if (auto it = runs.find(h.record); it != runs.end() && !it->second.converted) it->second.converted = h.at;
  }
  if (runs.empty()) return std::nullopt;
  // Looks until every window has closed: a record that never converts is decided then.
  int64_t last = sim.end() - sim.start();
  for (const auto& [r, run] : runs) last = std::max<int64_t>(last, run.start + x.within);
  int64_t days = (last + kSecondsPerDay - 1) / kSecondsPerDay;
  std::vector<std::vector<stats::Arm>> looks;
  for (int64_t d = 1; d <= std::max<int64_t>(days, 1); ++d) {
    int64_t at = d * kSecondsPerDay;
    std::vector<stats::Arm> arms(x.variants.size());
    for (const auto& [r, run] : runs) {
      bool converted = run.converted && *run.converted <= at;
      if (converted || run.start + x.within <= at) {
        ++arms[run.variant].trials;
        arms[run.variant].successes += converted;
      }
    }
    looks.push_back(std::move(arms));
  }
  auto decision = stats::daysToDecision(looks, stats::defaultMixingVariance(x.mde),
                                        stats::comparisonAlpha(x.alpha, static_cast<int>(x.variants.size())));
  if (!decision || !decision->first) return std::nullopt;
  return static_cast<int64_t>(*decision->first) + 1;
}

// The planned records per variant (the build note's figure) and, when the run did not
// decide, the days until every variant has them at the run's rate of entries:
// stats::projectedDays. nullopt when nothing entered.
struct Projection {
  int64_t perVariant = 0;
  std::optional<int64_t> days;
};
Projection project(const Simulator& sim, uint16_t k) {
  const bc::Experiment& x = sim.interpreter().experiment(k);
  Projection p;
  p.perVariant =
      stats::recordsPerVariant({x.baseline, x.mde, x.alpha, x.power, static_cast<int>(x.variants.size())}).value_or(0);
  uint64_t entered = 0;
  std::vector<double> weights;
  for (size_t v = 0; v < x.variants.size(); ++v) {
    entered += sim.interpreter().variantCount(k, static_cast<uint8_t>(v)).entered;
    weights.push_back(x.variants[v].weight);
  }
  double days = std::max<double>(1.0, static_cast<double>(sim.end() - sim.start()) / kSecondsPerDay);
  if (p.perVariant > 0) p.days = stats::projectedDays(p.perVariant, static_cast<double>(entered) / days, weights);
  return p;
}

// Per experiment and variant: records that entered it and converted, and the day the
// mSPRT first decides (only with experiments).
void writeExperiments(JsonWriter& j, const Simulator& sim) {
  const Interpreter& in = sim.interpreter();
  if (in.sequence().experimentCount == 0) return;
  const bc::Module& m = sim.module();
  j.key("experiments").open('[');
  for (uint16_t k = 0; k < in.sequence().experimentCount; ++k) {
    const bc::Experiment& x = in.experiment(k);
    j.element().open('{');
    j.key("name").string(m, x.name);
    j.key("variants").open('[');
    for (size_t v = 0; v < x.variants.size(); ++v) {
      const Interpreter::VariantCount& c = in.variantCount(k, static_cast<uint8_t>(v));
      j.element().open('{');
      j.key("name").string(m, x.variants[v].name);
      j.key("assigned").number(c.entered);
      j.key("converted").number(c.converted);
      j.close('}');
    }
    j.close(']');
    j.key("days_to_decision");
    std::optional<int64_t> decided = daysToDecision(sim, k);
    if (decided) j.number(*decided);
    else j.null();
    Projection p = project(sim, k);
    j.key("records_per_variant").number(p.perVariant);
    j.key("projected_days");
    if (!decided && p.days) j.number(*p.days);
    else j.null();
    j.close('}');
  }
  j.close(']');
}

// The members after `records`: summary, warnings and, with `report`, the funnel.
void writeTail(JsonWriter& j, const Simulator& sim, const std::array<uint64_t, 6>& counts, bool report,
               const RunStats* runs) {
  j.key("summary").open('{');
  for (size_t i = 0; i < counts.size(); ++i) j.key(kStatusNames[i]).number(counts[i]);
  j.close('}');
  writeExperiments(j, sim);
  j.key("warnings").open('[');
  for (const std::string& w : sim.warnings()) j.element().string(w);
  j.close(']');
  if (auto segments = sim.segmentReports(); !segments.empty()) {  // --segments only
    j.key("segments").open('[');
    for (const SegmentReport& g : segments) {
      j.element().open('{');
      j.key("name").string(g.name);
      j.key("priority").number(g.priority);
      j.key("on_leave").string(g.disconnect ? "disconnect" : "stay");
      j.key("entries").number(g.entries);
      j.key("connections").number(g.connections);
      j.key("passed_over").number(g.passedOver);
      j.key("left").number(g.left);
      j.key("members").number(g.members);
      j.close('}');
    }
    j.close(']');
  }
  if (!report) return;
  const bc::Module& m = sim.module();
  const bc::Sequence& seq = sim.sequence();
  j.key("report").open('{');
  j.key("steps").open('[');
  for (uint16_t s = 0; s < seq.stepCount; ++s) {
    const bc::Step& st = sim.step(s);
    const StepCounts& c = sim.stepCounts()[s];
    j.element().open('{');
    j.key("label").string(m, st.label);
    j.key("kind").string(bc::kindName(st));
    j.key("line").number(st.line);
    j.key("reached").number(c.reached);
    j.key("done").number(c.done);
    j.key("skipped").number(c.skipped);
    j.close('}');
  }
  j.close(']');
  j.key("branches").open('[');
  for (uint32_t b = 0; b < seq.branchCount; ++b) {
    const bc::Branch& br = m.branches[seq.branchBegin + b];
    j.element().open('{');
    j.key("line").number(br.line);
    j.key("arm");
    if (br.arm == bc::kElseArm) j.string("else");
    else j.number(br.arm);
    j.key("taken").number(sim.branchCounts()[b]);
    j.close('}');
  }
  j.close(']');
  j.key("days_to_completion").open('[');
  for (uint64_t n : sim.daysToCompletion()) j.element().number(n);
  j.close(']');
  writeWorkload(j, sim, runs);
  j.close('}');
}

std::string describe(const Simulator& sim, const bc::Step& s) {
  const bc::Module& m = sim.module();
  std::string out;
  if (s.label != bc::kNone) out += fmt::format("{}: ", m.str(s.label));
  out += bc::kindName(s);
  if (s.kind == bc::StepKind::Activity) out += fmt::format(" \"{}\"", m.str(s.title));
  else out += fmt::format("{}{}", s.kind == bc::StepKind::Wait ? " " : " within ", bc::durationText(s));
  return out;
}

}  // namespace

void writeJson(const Simulator& sim, bool report, std::FILE* file, const WriteProgress& progress,
               const RunStats* runs) {
  Output out(file, progress);
  JsonWriter j(out, true);
  HistoryIndex history(sim);
  Times times;
  std::array<uint64_t, 6> counts{};
  j.open('{');
  writeHead(j, sim);
  j.key("records").open('[');
  for (uint32_t r = 0; r < sim.recordCount(); ++r) {
    ++counts[static_cast<size_t>(sim.state(r).status)];
    writeRecord(j.element(), sim, r, history, times);
    out.recordDone(r);
  }
  j.close(']');
  writeTail(j, sim, counts, report, runs);
  j.close('}');
  out.put('\n');
}

void writeJsonLines(const Simulator& sim, bool report, std::FILE* file, const WriteProgress& progress,
                    const RunStats* runs) {
  Output out(file, progress);
  JsonWriter j(out, false);
  HistoryIndex history(sim);
  Times times;
  std::array<uint64_t, 6> counts{};
  for (uint32_t r = 0; r < sim.recordCount(); ++r) {
    ++counts[static_cast<size_t>(sim.state(r).status)];
    writeRecord(j, sim, r, history, times);
    out.put('\n');
    out.recordDone(r);
  }
  j.open('{');
  writeHead(j, sim);
  writeTail(j, sim, counts, report, runs);
  j.close('}');
  out.put('\n');
}

void writeTable(const Simulator& sim, bool report, std::FILE* file, const WriteProgress& progress,
                const RunStats* runs) {
  const bc::Module& m = sim.module();
  const bc::Sequence& seq = sim.sequence();
  Output out(file, progress);
  // The texts of the Status and Current step columns, by status and reason, and by step.
  std::array<std::array<std::string, kReasonNames.size()>, kStatusNames.size()> statusText;
  for (size_t s = 0; s < statusText.size(); ++s)
    for (size_t reason = 0; reason < kReasonNames.size(); ++reason)
      statusText[s][reason] = std::string(kStatusNames[s]) + std::string(kReasonSuffixes[reason]);
  auto status = [&](const RecordState& st) -> const std::string& {
    return statusText[static_cast<size_t>(st.status)][static_cast<size_t>(st.reason)];
  };
  std::vector<std::string> stepText(seq.stepCount);
  for (uint16_t s = 0; s < seq.stepCount; ++s)
    stepText[s] = fmt::format("{} (line {})", describe(sim, sim.step(s)), sim.step(s).line);
  auto current = [&](const RecordState& st) -> std::string_view {
    return st.status == Status::Active && st.step != 0xFFFF ? std::string_view(stepText[st.step]) : "-";
  };

  // "progress/total" without a format string to parse per record.
  const fmt::format_int totalText(seq.total);
  auto progressText = [&](const RecordState& st, std::array<char, 48>& buf) {
    fmt::format_int done(st.progress);
    char* p = std::copy(done.data(), done.data() + done.size(), buf.data());
    *p++ = '/';
    p = std::copy(totalText.data(), totalText.data() + totalText.size(), p);
    return std::string_view(buf.data(), static_cast<size_t>(p - buf.data()));
  };

  // Pass 1: column widths (in bytes, as fmt pads them) and the summary.
  constexpr std::array<std::string_view, 5> kHeader = {"Record", "Status", "Progress", "Current step",
                                                       "Days elapsed"};
  size_t wi = kHeader[0].size(), ws = kHeader[1].size(), wp = kHeader[2].size(), wc = kHeader[3].size();
  std::array<uint64_t, 6> counts{};
  for (uint32_t r = 0; r < sim.recordCount(); ++r) {
    const RecordState& st = sim.state(r);
    ++counts[static_cast<size_t>(st.status)];
    wi = std::max(wi, sim.id(r).size());
    ws = std::max(ws, status(st).size());
    wp = std::max(wp, fmt::format_int(st.progress).size() + 1 + totalText.size());
    wc = std::max(wc, current(st).size());
  }

  // Pass 2: the rows.
  out.format("Sequence \"{}\" on {}, {} to {}\n", m.str(seq.name), m.str(seq.entity),
             formatDateTime(sim.start()), formatDateTime(sim.end()));
  if (sim.hasCalendar())
    out.format("Calendar \"{}\" ({}), tz database {}\n", m.calendars[seq.calendar].name,
               m.calendars[seq.calendar].zone, cal::tzdataVersion());
  out.put('\n');
  // A cell left-aligned in `width`, as fmt's {:<{}} pads it; ASCII (nearly every
  // cell) without asking fmt for the text's display width.
  auto cell = [&](std::string_view text, size_t width) {
    if (!std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      out.format("{:<{}}  ", text, width);
      return;
    }
    out.put(text);
    static constexpr std::string_view kSpaces = "                                ";
    for (size_t pad = width + 2 - std::min(text.size(), width + 2); pad > 0;) {
      size_t n = std::min(pad, kSpaces.size());
      out.put(kSpaces.substr(0, n));
      pad -= n;
    }
  };
  auto row = [&](std::string_view id, std::string_view st, std::string_view done, std::string_view step,
                 std::string_view days) {
    cell(id, wi);
    cell(st, ws);
    cell(done, wp);
    cell(step, wc);
    out.put(days);
    out.put('\n');
  };
  row(kHeader[0], kHeader[1], kHeader[2], kHeader[3], kHeader[4]);
  for (uint32_t r = 0; r < sim.recordCount(); ++r) {
    const RecordState& st = sim.state(r);
    std::array<char, 48> done;
    fmt::format_int days(daysElapsed(sim, r).value_or(0));
    row(sim.id(r), status(st), progressText(st, done), current(st),
        daysElapsed(sim, r) ? std::string_view(days.data(), days.size()) : std::string_view("-"));
    out.recordDone(r);
  }

  out.format("\nSummary: {} active, {} completed, {} exited, {} disconnected, {} advanced, {} error\n",
             counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
  for (uint16_t k = 0; k < sim.sequence().experimentCount; ++k) {
    const bc::Experiment& x = sim.interpreter().experiment(k);
    out.format("\nExperiment \"{}\":\n", sim.module().str(x.name));
    for (size_t v = 0; v < x.variants.size(); ++v) {
      const Interpreter::VariantCount& c = sim.interpreter().variantCount(k, static_cast<uint8_t>(v));
      out.format("  {:<20} {:>8} assigned {:>8} converted\n", sim.module().str(x.variants[v].name), c.entered,
                 c.converted);
    }
    if (auto d = daysToDecision(sim, k)) out.format("  decided by the mSPRT after {} day{}\n", *d, *d == 1 ? "" : "s");
    else if (Projection p = project(sim, k); p.days)
      out.format("  no decision yet by the mSPRT; at this run's rate of entries, the planned {} records per variant "
                 "take about {} day{}\n",
                 p.perVariant, *p.days, *p.days == 1 ? "" : "s");
    else out.put("  no decision yet by the mSPRT\n");
  }
  if (auto segments = sim.segmentReports(); !segments.empty()) {  // --segments only, as in the JSON
    size_t w = std::string_view("segment").size();
    for (const SegmentReport& g : segments) w = std::max(w, g.name.size());
    out.format("\nSegments on {} (by priority; entries, connections and departures in this run):\n",
               m.str(seq.entity));
    out.format("  {:>8}  {:<{}}  {:<10}  {:>8}  {:>11}  {:>11}  {:>8}  {:>8}\n", "priority", "segment", w, "on leave",
               "entries", "connections", "passed over", "left", "members");
    for (const SegmentReport& g : segments)
      out.format("  {:>8}  {:<{}}  {:<10}  {:>8}  {:>11}  {:>11}  {:>8}  {:>8}\n", g.priority, g.name, w,
                 g.disconnect ? "disconnect" : "stay", g.entries, g.connections, g.passedOver, g.left, g.members);
  }
  if (counts[static_cast<size_t>(Status::Error)] != 0) {
    out.put("\nErrors:\n");
    for (uint32_t r = 0; r < sim.recordCount(); ++r)
      if (sim.state(r).status == Status::Error) out.format("  {}: {}\n", sim.id(r), sim.errorMessage(r));
  }
  if (!sim.warnings().empty()) {
    out.put("\nWarnings:\n");
    for (const std::string& w : sim.warnings()) out.format("  {}\n", w);
  }
  if (!report) return;
  out.put("\nFunnel (records per step):\n");
  out.format("  {:>5}  {:<50}  {:>8}  {:>8}  {:>8}\n", "line", "step", "reached", "done", "skipped");
  for (uint16_t s = 0; s < seq.stepCount; ++s) {
    const bc::Step& st = sim.step(s);
    const StepCounts& c = sim.stepCounts()[s];
    std::string d = describe(sim, st);
    if (d.size() > 50) d = d.substr(0, 47) + "...";
    out.format("  {:>5}  {:<50}  {:>8}  {:>8}  {:>8}\n", st.line, d, c.reached, c.done, c.skipped);
  }
  if (seq.branchCount > 0) {
    out.put("\nBranches taken:\n");
    for (uint32_t b = 0; b < seq.branchCount; ++b) {
      const bc::Branch& br = m.branches[seq.branchBegin + b];
      std::string arm = br.arm == bc::kElseArm ? "else" : br.arm == 0 ? "if" : fmt::format("else if #{}", br.arm);
      out.format("  line {:>4}  {:<12} {:>8}\n", br.line, arm, sim.branchCounts()[b]);
    }
  }
  const auto& days = sim.daysToCompletion();
  uint64_t total = 0, most = 0;
  for (uint64_t n : days) total += n, most = std::max(most, n);
  out.put("\nDays to completion (completed records):\n");
  if (total == 0) out.put("  none completed\n");
  for (size_t d = 0; d < days.size(); ++d) {
    if (days[d] == 0) continue;
    size_t bar = most ? static_cast<size_t>((days[d] * 40 + most - 1) / most) : 0;
    out.format("  {:>4} d  {:>8}  {}\n", d, days[d], std::string(bar, '#'));
  }
  // The workload as a bar chart: one line per day and assignee.
  auto name = [&](uint32_t a) { return sim.assigneeName(a) ? *sim.assigneeName(a) : std::string("-"); };
  // Over runs: p50 and p90 columns, the bar drawn to p90; one run: the count.
  struct Line {
    int64_t day;
    uint32_t assignee;
    uint64_t p50, p90;
  };
  std::vector<Line> lines;
  if (runs) {
    out.format("\nWorkload (manual activities that became current per day, p50 and p90 of {} runs):\n",
               runs->runs);
    for (const RunStats::Row& w : runs->workload) lines.push_back({w.day, w.assignee, w.total.first, w.total.second});
  } else {
    out.put("\nWorkload (manual activities that became current per day):\n");
    for (const WorkloadRow& w : sim.workload()) lines.push_back({w.day, w.assignee, w.total(), w.total()});
  }
  auto columns = [&](auto p50, auto p90) {
    return runs ? fmt::format("{:>8}  {:>8}", p50, p90) : fmt::format("{:>8}", p50);
  };
  uint64_t peak = 0;
  size_t width = 8;
  for (const Line& w : lines) peak = std::max(peak, w.p90), width = std::max(width, name(w.assignee).size());
  if (lines.empty()) out.put("  none\n");
  else out.format("  {:<10}  {:<{}}  {}\n", "day", "assignee", width, runs ? columns("p50", "p90") : columns("count", ""));
  for (const Line& w : lines) {
    size_t bar = peak ? static_cast<size_t>((w.p90 * 40 + peak - 1) / peak) : 0;
    out.format("  {:<10}  {:<{}}  {}  {}\n", formatDate(w.day), name(w.assignee), width, columns(w.p50, w.p90),
               std::string(bar, '#'));
  }
  if (!runs) return;
  out.format("\nSummary over {} runs (p50/p90):", runs->runs);
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    out.format("{} {} {}/{}", i ? "," : "", kStatusNames[i], runs->summary[i].first, runs->summary[i].second);
  out.put("\n");
}

std::array<uint64_t, kStatusNames.size()> statusCounts(const Simulator& sim) {
  std::array<uint64_t, kStatusNames.size()> counts{};
  for (uint32_t r = 0; r < sim.recordCount(); ++r) ++counts[static_cast<size_t>(sim.state(r).status)];
  return counts;
}

namespace {

// Nearest rank: the smallest value with at least p% of the values at or below it.
RunStats::P percentiles(std::vector<uint64_t>& values) {
  std::sort(values.begin(), values.end());
  auto at = [&](size_t p) { return values[std::max<size_t>((p * values.size() + 99) / 100, 1) - 1]; };
  return {at(50), at(90)};
}

}  // namespace

RunStats summarizeRuns(const std::vector<std::vector<WorkloadRow>>& workloads,
                       const std::vector<std::array<uint64_t, kStatusNames.size()>>& summaries) {
  RunStats out;
  out.runs = static_cast<uint32_t>(summaries.size());
  if (summaries.empty()) return out;
  // Every (day, assignee) cell any run has; a run without it counts 0.
  std::map<std::pair<int64_t, uint32_t>, std::vector<const WorkloadRow*>> cells;
  for (const auto& w : workloads)
    for (const WorkloadRow& row : w) cells[{row.day, row.assignee}].push_back(&row);
  std::vector<uint64_t> values;
  for (const auto& [key, rows] : cells) {
    RunStats::Row r;
    r.day = key.first;
    r.assignee = key.second;
    for (size_t k = 0; k <= r.byKind.size(); ++k) {
      values.assign(summaries.size() - rows.size(), 0);
      for (const WorkloadRow* row : rows) values.push_back(k < r.byKind.size() ? row->byKind[k] : row->total());
      (k < r.byKind.size() ? r.byKind[k] : r.total) = percentiles(values);
    }
    out.workload.push_back(r);
  }
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    values.clear();
    for (const auto& s : summaries) values.push_back(s[i]);
    out.summary[i] = percentiles(values);
  }
  return out;
}

}  // namespace seqc::rt
