// The simulator: the clock, scripted and generated events (CLI.md "Simulator"), driving
// the interpreter (interpreter.cc).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seqc/sim/simulator.h"

#include "seqc/support/file.h"
#include "seqc/support/time.h"

namespace seqc::rt {

namespace {

enum GenKind : uint8_t { kGenComplete, kGenSkip, kGenEngage, kGenConvert };

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

// ---- setup ------------------------------------------------------------------------

Simulator::Simulator(const bc::Module& module, uint32_t sequence, SimOptions options)
    : options_(options), interp_(module, sequence, {options.start, options.history}, this), sequenceIndex_(sequence) {
  const bc::Sequence& seq = interp_.sequence();
  for (uint16_t k = 0; options_.model && k < seq.experimentCount; ++k) {
    const bc::Experiment& x = interp_.experiment(k);
    std::array<double, bc::kMaxVariants> rates;
    std::array<uint16_t, bc::kMaxVariants> first;
    rates.fill(-1);
    first.fill(kNoStep);
    auto named = options_.model->experiments.find(std::string(module.str(x.name)));
    for (size_t v = 0; v < x.variants.size(); ++v) {
      if (named != options_.model->experiments.end())
        if (auto it = named->second.find(std::string(module.str(x.variants[v].name))); it != named->second.end())
          rates[v] = it->second;
      for (uint32_t s = x.variants[v].stepBegin; x.metric == bc::MetricKind::Event && s < x.variants[v].stepEnd; ++s)
        if (interp_.step(static_cast<uint16_t>(s)).kind == bc::StepKind::Activity &&
            acceptsEvent(interp_.step(static_cast<uint16_t>(s)).activity, x.event)) {
          first[v] = static_cast<uint16_t>(s);
          break;
        }
    }
    experimentRates_.push_back(rates);
    metricSteps_.push_back(first);
  }
  if (!options_.segments) return;
  // The segments of the sequence's entity: one of another sequence with a higher
  // priority takes the record away from this one.
  bool feedsThis = false;
  for (uint32_t g = 0; g < module.segments.size(); ++g)
    if (module.str(module.segments[g].entity) == module.str(module.sequences[sequence].entity)) {
      segments_.push_back({g, segmentConditionModule(module, g), {}});
      feedsThis |= module.segments[g].feeds == sequence;
    }
  if (!feedsThis) segments_.clear();
  std::stable_sort(segments_.begin(), segments_.end(), [&](const SegmentState& a, const SegmentState& b) {
    return module.segments[a.index].priority < module.segments[b.index].priority;
  });
}

uint32_t Simulator::addRecords(std::vector<std::string> ids, std::vector<Value> values) {
  StringArena strings;  // the caller's strings need not outlive this call
  for (Value& v : values)
    if (v.tag == Tag::String) v = Value::string(strings.store(v.str()));
  return addRecords(std::move(ids), std::move(values), std::move(strings));
}

uint32_t Simulator::addRecords(std::vector<std::string> ids, std::vector<Value> values, StringArena&& strings) {
  size_t n = ids.size();
  if (ids_.empty()) ids_ = std::move(ids);
  else ids_.insert(ids_.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
  waitsForConnect_.resize(ids_.size(), false);
  return interp_.addRecords(n, std::move(values), std::move(strings));
}

void Simulator::setEvents(std::vector<Event> events, std::string file) {
  events_ = std::move(events);
  eventsFile_ = std::move(file);
  for (Event& e : events_)
    for (auto& [name, v] : e.fields)
      if (v.tag == Tag::String) v = Value::string(arena_.store(v.str()));
  // Only events look records up by id: index them here, not for every run.
  if (!events_.empty() && byId_.empty()) {
    byId_.reserve(ids_.size());
    for (uint32_t r = 0; r < ids_.size(); ++r) byId_.emplace(ids_[r], r);
  }
  std::stable_sort(events_.begin(), events_.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  // A record whose first event is `connect` waits for it (CLI.md).
  std::vector<bool> seen(ids_.size(), false);
  for (const Event& e : events_) {
    auto it = byId_.find(e.record);
    if (it == byId_.end() || seen[it->second]) continue;
    seen[it->second] = true;
    if (e.type == EventType::Connect) waitsForConnect_[it->second] = true;
  }
}

std::vector<uint64_t> Simulator::daysToCompletion() const {
  // A record completes at most once (only a disconnected record connects again), so
  // the final states say it all: `entered` is when it ended.
  std::vector<uint64_t> days;
  for (uint32_t r = 0; r < ids_.size(); ++r) {
    const RecordState& st = interp_.state(r);
    if (st.status != Status::Completed) continue;
    auto d = static_cast<size_t>((st.entered - st.connected) / kSecondsPerDay);
    if (days.size() <= d) days.resize(d + 1);
    ++days[d];
  }
  return days;
}

// ---- the run ------------------------------------------------------------------------

void Simulator::run() {
  interp_.reserveHistory(ids_.size());
  const int64_t limit64 = options_.until ? *options_.until : options_.horizon;
  const auto limit = static_cast<int32_t>(std::min<int64_t>(limit64, INT32_MAX / 2));
  interp_.watchClock(limit);
  if (options_.segments) {
    // Records connect by entering a segment, not all at the start.
    entryOf_.assign(ids_.size(), -1);
    for (SegmentState& s : segments_) s.member.assign(ids_.size(), 0);
    std::vector<uint32_t> all;
    for (uint32_t r = 0; r < ids_.size(); ++r)
      if (!waitsForConnect_[r]) all.push_back(r);
    evaluateSegments(all, 0);
  } else {
    for (uint32_t r = 0; r < ids_.size(); ++r)
      if (!waitsForConnect_[r]) interp_.connect(r, 0);
  }
  end_ = 0;
  size_t next = 0;
  std::vector<Scheduled> dueGenerated;
  // Events before the start do not apply.
  while (next < events_.size() && events_[next].at < options_.start) {
    warn(events_[next], "before the start of the simulation; ignored");
    ++next;
  }
  for (;;) {
    int64_t t = INT64_MAX;
    if (next < events_.size()) t = events_[next].at - options_.start;
    if (!generated_.empty()) t = std::min<int64_t>(t, generated_.next());
    if (auto timer = interp_.nextTimer()) t = std::min<int64_t>(t, *timer);
    if (t == INT64_MAX || t > limit) break;
    auto now = static_cast<int32_t>(t);
    if (options_.progress) options_.progress(t, limit);
    // Events at an instant apply before the timers due at it (LANGUAGE.md §6).
    while (next < events_.size() && events_[next].at - options_.start == t) apply(events_[next++], now);
    while (!generated_.empty() && generated_.next() == now) {
      generated_.take(dueGenerated);
      for (size_t i = 0; i < dueGenerated.size(); ++i) {
        // Most of the time here is fetching each record's state: fetch a few ahead.
        if (i + kPrefetchAhead < dueGenerated.size()) __builtin_prefetch(&interp_.state(dueGenerated[i + kPrefetchAhead].record));
        applyGenerated(dueGenerated[i], now);
      }
    }
    if (interp_.nextTimer() == now && interp_.fireTimers(now) > 0) markEnd(now);
  }
  if (options_.until) end_ = static_cast<int32_t>(*options_.until);
  if (interp_.hasCalendar()) noteZones();
}

void Simulator::evaluateSegments(const std::vector<uint32_t>& records, int32_t now) {
  if (records.empty() || segments_.empty()) return;
  const bc::Module& m = module();
  // matches[s][i]: record records[i] matches segment s, its fields as they stand.
  std::vector<std::vector<bool>> matches;
  for (const SegmentState& s : segments_) {
    Interpreter ev(s.condition, m.segments[s.index].feeds, {options_.start, false});
    std::vector<Value> values;
    for (uint32_t r : records) {
      auto f = interp_.fields(r);
      values.insert(values.end(), f.begin(), f.end());
    }
    ev.addRecords(records.size(), std::move(values));
    std::vector<bool> row(records.size());
    for (uint32_t i = 0; i < records.size(); ++i) row[i] = ev.exitCondition(i, now).value_or(false);
    matches.push_back(std::move(row));
  }
  for (uint32_t i = 0; i < records.size(); ++i) {
    uint32_t r = records[i];
    // Leaving first: a record that leaves one segment and enters another is free to go.
    for (size_t s = 0; s < segments_.size(); ++s) {
      SegmentState& seg = segments_[s];
      if (matches[s][i] || !seg.member[r]) continue;
      seg.member[r] = 0;
      ++seg.left;
      if (entryOf_[r] != static_cast<int32_t>(s)) continue;
      entryOf_[r] = -1;
      if (m.segments[seg.index].disconnect && interp_.state(r).status == Status::Active) {
        markEnd(now);
        interp_.disconnect(r, now);
      }
    }
    bool decided = false;  // the entry of the highest priority was taken
    for (size_t s = 0; s < segments_.size(); ++s) {
      SegmentState& seg = segments_[s];
      if (!matches[s][i] || seg.member[r]) continue;
      seg.member[r] = 1;
      ++seg.entries;
      if (decided) {
        ++seg.passedOver;
        continue;
      }
      decided = true;
      if (m.segments[seg.index].feeds != sequenceIndex_) continue;  // the record goes elsewhere
      if (interp_.state(r).status == Status::Active) continue;       // one sequence at a time
      ++seg.connections;
      entryOf_[r] = static_cast<int32_t>(s);
      markEnd(now);
      interp_.connect(r, now);
    }
  }
}

std::vector<SegmentReport> Simulator::segmentReports() const {
  std::vector<SegmentReport> out;
  for (const SegmentState& s : segments_) {
    const bc::Segment& g = module().segments[s.index];
    SegmentReport rep{std::string(module().str(g.name)), g.priority, g.disconnect, s.entries, s.connections,
                      s.passedOver, s.left, 0};
    for (uint8_t x : s.member) rep.members += x;
    out.push_back(std::move(rep));
  }
  return out;
}

void Simulator::noteZones() {
  const cal::CalendarSpec& spec = *interp_.calendarSpec();
  if (!interp_.calendarZoneKnown())
    warnings_.push_back(fmt::format("calendar \"{}\": zone \"{}\" is not in this machine's tz database; UTC was used",
                                    spec.name, spec.zone));
  zones_.resize(ids_.size());
  uint64_t fallback = 0;
  std::string some;
  for (uint32_t r = 0; r < ids_.size(); ++r) {
    Interpreter::RecordZone z = interp_.zoneOf(r, end_);
    zones_[r] = &z.zone.name();
    if (!z.fallback) continue;
    if (++fallback <= 3) some += fmt::format("{}'{}'", fallback > 1 ? ", " : "", ids_[r]);
  }
  if (fallback > 0)
    warnings_.push_back(fmt::format("time zone: {} record{} ({}{}) name{} no zone of the tz database; the calendar's "
                                    "zone {} was used",
                                    fallback, fallback == 1 ? "" : "s", some, fallback > 3 ? ", …" : "",
                                    fallback == 1 ? "s" : "", interp_.calendarZoneKnown() ? spec.zone : "UTC"));
}

void Simulator::warn(const Event& e, const std::string& what) {
  warnings_.push_back(fmt::format("{}:{}: {}", eventsFile_, e.line, what));
}

void Simulator::apply(const Event& e, int32_t now) {
  auto it = byId_.find(e.record);
  std::string_view type = kEventTypeNames[static_cast<size_t>(e.type)];
  if (it == byId_.end())
    return warn(e, fmt::format("{}: record '{}' is not in the records; ignored", type, e.record));
  uint32_t r = it->second;
  const RecordState& st = interp_.state(r);
  auto refused = [&](Refusal why) {
    if (why == Refusal::None) return markEnd(now);
    warn(e, refusalText(why, interp_, r, e.record, type, e.step) + "; ignored");
  };
  switch (e.type) {
    case EventType::Connect:
      if (st.status != Status::Disconnected)
        return warn(e, fmt::format("connect: record '{}' is already {}; ignored", e.record,
                                   st.status == Status::Active ? "connected"
                                                               : kStatusNames[static_cast<size_t>(st.status)]));
      markEnd(now);
      return interp_.connect(r, now);
    case EventType::Disconnect:
      if (st.status != Status::Active) return refused(Refusal::NotActive);
      markEnd(now);
      return interp_.disconnect(r, now);
    default: break;
  }
  if (e.type == EventType::Update && st.status != Status::Active && !segments_.empty()) {
    // A record outside the sequence changes too: it may enter a segment.
    std::vector<std::pair<uint16_t, Value>> values;
    for (const auto& [fieldName, value] : e.fields)
      if (auto f = interp_.field(fieldName)) values.emplace_back(*f, value);
    std::string error;
    if (!interp_.storeFields(r, values, error)) return warn(e, fmt::format("update: {}; ignored", error));
    evaluateSegments({r}, now);
    return;
  }
  if (st.status != Status::Active) return refused(Refusal::NotActive);
  switch (e.type) {
    case EventType::Complete: {
      if (st.waiting == Waiting::Manual && e.outcome) {
        const bc::Step& s = interp_.step(st.step);
        if (s.activity != ActivityKind::Call)
          warn(e, fmt::format("complete: an outcome applies to call steps only; '{}' is a {} step, outcome ignored",
                              s.label == bc::kNone ? std::string_view("the current step") : module().str(s.label),
                              info(s.activity).name));
      }
      return refused(interp_.complete(r, e.outcome, now));
    }
    case EventType::Skip: return refused(interp_.skip(r, now));
    case EventType::Update: {
      std::vector<std::pair<uint16_t, Value>> values;
      for (const auto& [fieldName, value] : e.fields)
        if (auto f = interp_.field(fieldName)) values.emplace_back(*f, value);  // else: the code never reads it
      refused(interp_.update(r, values, now, fmt::format("update at {}:{}", eventsFile_, e.line)));
      evaluateSegments({r}, now);
      return;
    }
    default: {
      auto ev = engagementEvent(e.type);
      if (!ev) return;
      // Without a label: the step sent last that can receive the event.
      auto step = e.step.empty() ? interp_.lastSent(r, *ev) : interp_.stepByLabel(e.step);
      if (!step && e.step.empty())
        return warn(e, fmt::format("{}: record '{}' has been sent no step that can be {}; ignored", type, e.record,
                                   type));
      if (!step)
        return warn(e, fmt::format("{}: no step labelled '{}' in sequence '{}'; ignored", type, e.step,
                                   module().str(sequence().name)));
      return refused(interp_.engage(r, *step, *ev, now));
    }
  }
}

// ---- the model ----------------------------------------------------------------------

double modelRandom(uint64_t seed, uint32_t record, uint32_t a, uint32_t b) {
  uint64_t h = splitmix(seed ^ splitmix((static_cast<uint64_t>(record) << 32) ^ a) ^ (static_cast<uint64_t>(b) << 48));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

int32_t modelDelay(const DelayRange& d, double u) {
  int64_t span = std::max<int64_t>(0, d.max - d.min);
  int64_t s = d.min + static_cast<int64_t>(u * static_cast<double>(span + 1));
  if (span >= 60) s -= s % 60;  // whole minutes read better
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(s, 0), 400LL * 86400));
}

ManualPlan planManual(const Model& m, ActivityKind kind, uint64_t seed, uint32_t record, uint32_t visit) {
  ManualPlan plan;
  if (modelRandom(seed, record, visit, 1) < m.skip) {
    plan.skip = true;
  } else if (kind == ActivityKind::Call) {
    double u = modelRandom(seed, record, visit, 2), total = 0, acc = 0;
    for (double p : m.callOutcomes) total += p;
    plan.outcome = 3;
    for (uint8_t i = 0; i < 4; ++i) {
      acc += m.callOutcomes[i];
      if (total > 0 && u * total < acc) {
        plan.outcome = i;
        break;
      }
    }
  }
  plan.delay = modelDelay(m.complete, modelRandom(seed, record, visit, 3));
  return plan;
}

void Simulator::setAssignees(std::vector<uint32_t> byRecord, std::vector<std::string> names) {
  assignees_ = std::move(byRecord);
  assigneeNames_ = std::move(names);
}

std::vector<WorkloadRow> Simulator::workload() const {
  std::vector<std::pair<uint64_t, uint64_t>> cells(workload_.begin(), workload_.end());
  std::sort(cells.begin(), cells.end());
  std::vector<WorkloadRow> rows;
  for (const auto& [key, n] : cells) {
    int64_t day = static_cast<int64_t>(key >> 40) + floorDiv(options_.start, kSecondsPerDay);
    auto assignee = static_cast<uint32_t>((key >> 8) & 0xFFFFFFFFu);
    if (rows.empty() || rows.back().day != day || rows.back().assignee != assignee) {
      rows.emplace_back();
      rows.back().day = day;
      rows.back().assignee = assignee;
    }
    rows.back().byKind[key & 0xFF] += n;
  }
  return rows;
}

void Simulator::manualStep(uint32_t r, uint16_t step, int32_t now) {
  // The workload counts by the UTC day (a calendar's zone once the calendar runtime
  // gives it): days since the start's day.
  uint64_t day = static_cast<uint64_t>(floorDiv(options_.start + now, kSecondsPerDay) -
                                       floorDiv(options_.start, kSecondsPerDay));
  uint64_t assignee = r < assignees_.size() ? assignees_[r] : 0;
  ++workload_[(day << 40) | (assignee << 8) | static_cast<uint64_t>(this->step(step).activity)];
  if (!options_.model) return;
  const RecordState& st = interp_.state(r);
  ManualPlan plan = rt::planManual(*options_.model, this->step(step).activity, options_.seed, r, st.generation);
  int32_t at = now + plan.delay;
  if (interp_.hasCalendar()) {
    // Sellers work while open in the record's zone: the delay is open time (CALENDARS.md §5).
    auto done = interp_.calendarFor(r, now).addOpenTime(options_.start + now, plan.delay);
    if (!done || *done - options_.start > INT32_MAX / 2) return;  // no working time: never done
    at = static_cast<int32_t>(*done - options_.start);
  }
  generated_.push(at, Scheduled{r, st.generation, plan.skip ? kGenSkip : kGenComplete, plan.outcome, step});
}

void Simulator::stepDone(uint32_t r, uint16_t step, int32_t now) {
  if (!options_.model) return;
  const RecordState& st = interp_.state(r);
  auto key = static_cast<uint32_t>(st.connected) * 1021u + step;
  // An experiment's event metric with a rate for the record's variant: the model's rate
  // decides that event on the variant's first step that can have it, and no other step
  // of the variant has it.
  int replaced = -1;
  for (uint16_t k = 0; k < experimentRates_.size(); ++k) {
    const Interpreter::ExperimentRun& run = interp_.experimentRun(r, k);
    if (run.variant == Interpreter::kNoVariant || experimentRates_[k][run.variant] < 0) continue;
    const bc::Variant& v = interp_.experiment(k).variants[run.variant];
    if (step < v.stepBegin || step >= v.stepEnd) continue;
    EngagementEvent ev = interp_.experiment(k).event;
    replaced = static_cast<int>(ev);
    if (step != metricSteps_[k][run.variant]) continue;
    auto draw = [&](uint32_t what) { return modelRandom(options_.seed, r, key, what); };
    if (draw(40 + k) < experimentRates_[k][run.variant])
      generated_.push(now + modelDelay(options_.model->engage, draw(50 + k)),
                      Scheduled{r, static_cast<uint32_t>(st.connected), kGenEngage, static_cast<uint8_t>(ev), step});
  }
  planEngagements(*options_.model, this->step(step).activity, now, options_.seed, r, key,
                  [&](EngagementEvent ev, int32_t at) {
                    if (static_cast<int>(ev) == replaced) return;
                    generated_.push(at, Scheduled{r, static_cast<uint32_t>(st.connected), kGenEngage,
                                                  static_cast<uint8_t>(ev), step});
                  });
}

// A field metric with a rate: the model converts the record after a customer delay.
void Simulator::experimentEntered(uint32_t r, uint16_t k, uint8_t variant, int32_t now) {
  if (!options_.model || k >= experimentRates_.size() || experimentRates_[k][variant] < 0 ||
      interp_.experiment(k).metric != bc::MetricKind::Field)
    return;
  const RecordState& st = interp_.state(r);
  uint32_t key = static_cast<uint32_t>(st.connected) * 1021u + 0xFFFFu - k;
  auto draw = [&](uint32_t what) { return modelRandom(options_.seed, r, key, what); };
  if (draw(40) < experimentRates_[k][variant])
    generated_.push(now + modelDelay(options_.model->engage, draw(41)),
                    Scheduled{r, static_cast<uint32_t>(st.connected), kGenConvert, 0, k});
}

void Simulator::applyGenerated(const Scheduled& g, int32_t now) {
  const RecordState& st = interp_.state(g.record);
  // A finished record's events still count for an experiment's metric in its window.
  bool metricOnly = g.kind == kGenEngage && interp_.sequence().experimentCount > 0 &&
                    st.status != Status::Error && st.status != Status::Disconnected;
  if (st.status != Status::Active && !metricOnly) return;
  if (g.kind == kGenEngage) {
    if (static_cast<uint32_t>(st.connected) != g.generation) return;
    markEnd(now);
    interp_.engage(g.record, g.step, static_cast<EngagementEvent>(g.arg), now);
    return;
  }
  if (g.kind == kGenConvert) {
    if (static_cast<uint32_t>(st.connected) != g.generation) return;
    markEnd(now);
    interp_.modelConversion(g.record, g.step, now);
    return;
  }
  if (st.generation != g.generation || st.waiting != Waiting::Manual) return;
  markEnd(now);
  if (g.kind == kGenSkip) {
    interp_.skip(g.record, now);
    return;
  }
  interp_.complete(g.record, g.arg < kCallOutcomeNames.size() ? std::optional(static_cast<CallOutcome>(g.arg))
                                                               : std::nullopt, now);
}

// ---- the model file -----------------------------------------------------------------

bool readModel(const std::string& path, Model& out, std::string& error) {
  std::string text;
  if (!seqc::readFile(path, {kMaxModelBytes, {}, true}, text, error)) return false;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    error = fmt::format("{}: the model must be a JSON object (docs/simulation.md)", path);
    return false;
  }
  Model m;
  auto fail = [&](const std::string& what) {
    error = fmt::format("{}: {}", path, what);
    return false;
  };
  auto rate = [&](const nlohmann::json& obj, const char* section, const char* key, double& dst) {
    if (!obj.contains(key)) return true;
    const auto& v = obj[key];
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
      return fail(fmt::format("'{}.{}' must be a number from 0 to 1", section, key));
    dst = v.get<double>();
    return true;
  };
  auto range = [&](const nlohmann::json& obj, const char* section, const char* key, DelayRange& dst) {
    if (!obj.contains(key)) return true;
    const auto& v = obj[key];
    auto dur = [&](const char* k, int64_t& d) {
      if (!v.contains(k) || !v[k].is_string()) return false;
      auto parsed = parseDuration(v[k].get<std::string>());
      if (!parsed || *parsed > 365LL * 86400) return false;
      d = *parsed;
      return true;
    };
    DelayRange r;
    if (!v.is_object() || !dur("min", r.min) || !dur("max", r.max) || r.min > r.max)
      return fail(fmt::format("'{}.{}' must be {{\"min\": DURATION, \"max\": DURATION}} with min <= max, "
                              "durations like \"2h\" up to 365d", section, key));
    dst = r;
    return true;
  };
  auto section = [&](const char* name, std::initializer_list<const char*> keys) -> const nlohmann::json* {
    if (!j.contains(name)) return nullptr;
    const auto& s = j[name];
    if (!s.is_object()) {
      fail(fmt::format("'{}' must be an object", name));
      return &s;
    }
    for (auto it = s.begin(); it != s.end(); ++it)
      if (std::find_if(keys.begin(), keys.end(), [&](const char* k) { return it.key() == k; }) == keys.end()) {
        fail(fmt::format("unknown key '{}.{}'", name, it.key()));
        return &s;
      }
    return &s;
  };
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "seller" && it.key() != "email" && it.key() != "text" && it.key() != "call" &&
        it.key() != "experiments")
      return fail(fmt::format("unknown section '{}' (sections: seller, email, text, call, experiments)", it.key()));
  if (j.contains("experiments")) {
    const auto& e = j["experiments"];
    if (!e.is_object()) return fail("'experiments' must be an object: {\"EXPERIMENT\": {\"VARIANT\": RATE}}");
    for (auto x = e.begin(); x != e.end(); ++x) {
      if (!x.value().is_object())
        return fail(fmt::format("'experiments.{}' must be an object: {{\"VARIANT\": RATE}}", x.key()));
      for (auto v = x.value().begin(); v != x.value().end(); ++v) {
        if (!v.value().is_number() || v.value().get<double>() < 0 || v.value().get<double>() > 1)
          return fail(fmt::format("'experiments.{}.{}' must be a number from 0 to 1", x.key(), v.key()));
        m.experiments[x.key()][v.key()] = v.value().get<double>();
      }
    }
  }
  error.clear();
  if (const auto* s = section("seller", {"complete_after", "skip"})) {
    if (!error.empty() || !range(*s, "seller", "complete_after", m.complete) || !rate(*s, "seller", "skip", m.skip))
      return false;
  }
  if (const auto* s = section("email", {"open", "click", "reply", "download", "delay"})) {
    if (!error.empty() || !rate(*s, "email", "open", m.open) || !rate(*s, "email", "click", m.click) ||
        !rate(*s, "email", "reply", m.reply) || !rate(*s, "email", "download", m.download) ||
        !range(*s, "email", "delay", m.engage))
      return false;
  }
  if (const auto* s = section("text", {"reply"})) {
    if (!error.empty() || !rate(*s, "text", "reply", m.textReply)) return false;
  }
  if (const auto* s = section("call", {"answered", "voicemail", "no_answer", "wrong_number"})) {
    if (!error.empty()) return false;
    for (size_t i = 0; i < 4; ++i)
      if (!rate(*s, "call", kCallOutcomeNames[i].data(), m.callOutcomes[i])) return false;
    double total = 0;
    for (double p : m.callOutcomes) total += p;
    if (total <= 0) return fail("'call' outcome weights must not all be 0");
  }
  out = m;
  return true;
}

}  // namespace seqc::rt
