// The simulator: the clock, the calendar queues, scripted and generated events
// (CLI.md "Simulator"), and the output. The interpreter core is in interpreter.cc.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "seqc/runtime/simulator.h"
#include "seqc/runtime/time.h"

namespace seqc::rt {

namespace {

constexpr uint8_t kDone = 0x10;
constexpr uint8_t kSkipped = 0x20;

enum GenKind : uint8_t { kGenComplete, kGenSkip, kGenEngage };

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

std::string_view name(Result r) {
  static constexpr std::array<std::string_view, 13> names = {
      "completed", "skipped", "sent", "waited", "timed_out", "answered", "voicemail",
      "no_answer", "wrong_number", "opened", "clicked", "replied", "downloaded"};
  return names[static_cast<size_t>(r)];
}

// ---- calendar queue ---------------------------------------------------------------

template <class T>
uint32_t Simulator::Calendar<T>::bucket(int32_t at) {
  if (at == lastAt_) return lastBucket_;
  auto [it, inserted] = index_.try_emplace(at, 0);
  if (inserted) {
    if (free_.empty()) {
      it->second = static_cast<uint32_t>(buckets_.size());
      buckets_.emplace_back();
    } else {
      it->second = free_.back();
      free_.pop_back();
    }
    times_.push_back(at);
    std::push_heap(times_.begin(), times_.end(), std::greater<>());
  }
  lastAt_ = at;
  lastBucket_ = it->second;
  return it->second;
}

template <class T>
void Simulator::Calendar<T>::push(int32_t at, const T& item) {
  buckets_[bucket(at)].push_back(item);
}

template <class T>
void Simulator::Calendar<T>::take(std::vector<T>& out) {
  int32_t at = times_.front();
  std::pop_heap(times_.begin(), times_.end(), std::greater<>());
  times_.pop_back();
  auto it = index_.find(at);
  uint32_t b = it->second;
  index_.erase(it);
  if (lastAt_ == at) lastAt_ = INT32_MIN;
  out.clear();
  out.swap(buckets_[b]);
  free_.push_back(b);
}

// Used by interpreter.cc too.
template class Simulator::Calendar<uint32_t>;
template class Simulator::Calendar<Simulator::Scheduled>;

// ---- setup ------------------------------------------------------------------------

Simulator::Simulator(const bc::Module& module, uint32_t sequence, SimOptions options)
    : module_(module), seq_(module.sequences[sequence]), options_(options),
      code_(module.code.data()) {
  width_ = static_cast<uint32_t>(module_.fields.size());
  for (size_t f = 0; f < module_.fields.size(); ++f)
    if (module_.fields[f].entity == seq_.entity)
      fieldByName_.emplace(module_.str(module_.fields[f].name), static_cast<uint16_t>(f));
  loadConstants();
  stepCounts_.resize(seq_.stepCount);
  branchCounts_.resize(seq_.branchCount);
  for (uint16_t s = 0; s < seq_.stepCount; ++s)
    if (step(s).label != bc::kNone) stepByLabel_.emplace(module_.str(step(s).label), s);
}

uint32_t Simulator::addRecords(const std::vector<std::string>& ids, std::vector<Value> values) {
  auto first = static_cast<uint32_t>(ids_.size());
  ids_.insert(ids_.end(), ids.begin(), ids.end());
  size_t n = ids_.size();
  states_.resize(n);
  slots_.resize(n * seq_.slots);
  vars_.resize(n * seq_.vars);
  if (values.size() != ids.size() * width_) values.resize(ids.size() * width_);
  // Strings of the caller's values must live as long as the simulator: copy them.
  for (Value& v : values)
    if (v.tag == Tag::String) v = Value::string(arena_.store(v.str()));
  fields_.insert(fields_.end(), values.begin(), values.end());
  waitsForConnect_.resize(n, false);
  held_.resize(n, false);
  return first;
}

void Simulator::restore(uint32_t r, const RecordState& state, std::span<const uint8_t> slots,
                        std::span<const Value> vars) {
  held_[r] = true;
  states_[r] = state;
  states_[r].error = 0;
  std::copy_n(slots.begin(), std::min<size_t>(slots.size(), seq_.slots),
              slots_.begin() + static_cast<ptrdiff_t>(r) * seq_.slots);
  Value* dst = vars_.data() + static_cast<size_t>(r) * seq_.vars;
  for (size_t v = 0; v < std::min<size_t>(vars.size(), seq_.vars); ++v)
    dst[v] = vars[v].tag == Tag::String ? Value::string(arena_.store(vars[v].str())) : vars[v];
  const RecordState& st = states_[r];
  if (st.status == Status::Active && (st.waiting == Waiting::Timer || st.waiting == Waiting::Condition))
    timers_.push(st.due, r);
}

void Simulator::connectAt(uint32_t r, int32_t at) {
  held_[r] = true;
  RecordState& st = states_[r];
  st.status = Status::Disconnected;
  st.waiting = Waiting::Connect;
  st.due = at;
  timers_.push(at, r);
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

size_t Simulator::stateBytesPerRecord() const {
  return sizeof(RecordState) + seq_.slots + seq_.vars * sizeof(Value);
}

size_t Simulator::bytesPerRecord() const { return stateBytesPerRecord() + width_ * sizeof(Value); }

// ---- the run ------------------------------------------------------------------------

void Simulator::run() {
  if (options_.history)  // a guess of steps per record, capped (it is only a reservation)
    history_.reserve(std::min<size_t>(ids_.size() * std::min<size_t>(seq_.stepCount, 2u * seq_.total + 4),
                                      size_t{16} << 20));
  const int64_t limit64 = options_.until ? *options_.until : options_.horizon;
  const auto limit = static_cast<int32_t>(std::min<int64_t>(limit64, INT32_MAX / 2));
  for (uint32_t r = 0; r < ids_.size(); ++r) {
    if (held_[r]) continue;
    if (waitsForConnect_[r]) {
      states_[r].status = Status::Disconnected;
      states_[r].waiting = Waiting::Connect;
      continue;
    }
    connect(r, 0);
  }
  end_ = 0;
  size_t next = 0;
  std::vector<Scheduled> dueGenerated;
  std::vector<uint32_t> dueTimers;
  // Events before the start do not apply.
  while (next < events_.size() && events_[next].at < options_.start) {
    warn(events_[next], "before the start of the simulation; ignored");
    ++next;
  }
  for (;;) {
    int64_t t = INT64_MAX;
    if (next < events_.size()) t = events_[next].at - options_.start;
    if (!generated_.empty()) t = std::min<int64_t>(t, generated_.next());
    if (!timers_.empty()) t = std::min<int64_t>(t, timers_.next());
    if (t == INT64_MAX || t > limit) break;
    auto now = static_cast<int32_t>(t);
    // Events at an instant apply before the timers due at it (LANGUAGE.md §6).
    while (next < events_.size() && events_[next].at - options_.start == t) apply(events_[next++], now);
    while (!generated_.empty() && generated_.next() == now) {
      generated_.take(dueGenerated);
      for (const Scheduled& g : dueGenerated) applyGenerated(g, now);
    }
    if (!timers_.empty() && timers_.next() == now) {
      timers_.take(dueTimers);
      for (uint32_t r : dueTimers) {
        RecordState& st = states_[r];
        if (st.waiting == Waiting::Connect && st.status == Status::Disconnected && st.due == now) {
          markEnd(now);
          connect(r, now);
          continue;
        }
        if (st.status != Status::Active || st.due != now) continue;
        if (st.waiting == Waiting::Timer) {
          markEnd(now);
          leaveStep(r, st.step, Result::Waited, now);
          resume(r, now);
        } else if (st.waiting == Waiting::Condition) {
          markEnd(now);
          uint32_t elseTarget = bc::readU32(code_ + st.pc + 3);
          leaveStep(r, st.step, Result::TimedOut, now);
          execute(r, elseTarget, now);
        }
      }
    }
  }
  if (options_.until) end_ = static_cast<int32_t>(*options_.until);
}

void Simulator::warn(const Event& e, const std::string& what) {
  // Without a file the events are commands (the workspace): the text stands alone.
  warnings_.push_back(eventsFile_.empty() ? what : fmt::format("{}:{}: {}", eventsFile_, e.line, what));
}

void Simulator::apply(const Event& e, int32_t now) {
  auto it = byId_.find(e.record);
  std::string_view type = kEventTypeNames[static_cast<size_t>(e.type)];
  if (it == byId_.end())
    return warn(e, fmt::format("{}: record '{}' is not in the records; ignored", type, e.record));
  uint32_t r = it->second;
  RecordState& st = states_[r];
  auto notActive = [&] {
    warn(e, fmt::format("{}: record '{}' is {}; ignored", type, e.record,
                        kStatusNames[static_cast<size_t>(st.status)]));
  };
  switch (e.type) {
    case EventType::Connect:
      if (st.status != Status::Disconnected)
        return warn(e, fmt::format("connect: record '{}' is already {}; ignored", e.record,
                                   st.status == Status::Active ? "connected"
                                                               : kStatusNames[static_cast<size_t>(st.status)]));
      markEnd(now);
      return connect(r, now);
    case EventType::Disconnect:
      if (st.status != Status::Active) return notActive();
      markEnd(now);
      return finish(r, Status::Disconnected, Reason::None, now);
    default: break;
  }
  if (st.status != Status::Active) return notActive();
  switch (e.type) {
    case EventType::Complete: {
      if (st.waiting != Waiting::Manual)
        return warn(e, fmt::format("complete: record '{}' has no current activity step to complete; ignored", e.record));
      const bc::Step& s = step(st.step);
      if (e.outcome && s.activity != ActivityKind::Call)
        warn(e, fmt::format("complete: an outcome applies to call steps only; '{}' is a {} step, outcome ignored",
                            s.label == bc::kNone ? std::string_view("the current step") : module_.str(s.label),
                            info(s.activity).name));
      markEnd(now);
      return complete(r, s.activity == ActivityKind::Call ? e.outcome : std::nullopt, now);
    }
    case EventType::Skip:
      if (st.waiting != Waiting::Manual && st.waiting != Waiting::Timer)
        return warn(e, fmt::format("skip: record '{}' has no current activity step or wait to skip; ignored", e.record));
      markEnd(now);
      return skip(r, now);
    case EventType::Opened: case EventType::Clicked: case EventType::Replied: case EventType::Downloaded: {
      auto label = stepByLabel_.find(e.step);
      if (label == stepByLabel_.end())
        return warn(e, fmt::format("{}: no step labelled '{}' in sequence '{}'; ignored", type, e.step,
                                   module_.str(seq_.name)));
      const bc::Step& s = step(label->second);
      auto ev = static_cast<EngagementEvent>(static_cast<int>(e.type) - static_cast<int>(EventType::Opened));
      if (s.kind != bc::StepKind::Activity || !acceptsEvent(s.activity, ev))
        return warn(e, fmt::format("{}: step '{}' is {} step, which cannot be {}; ignored", type, e.step,
                                   s.kind == bc::StepKind::Activity ? fmt::format("a {}", info(s.activity).name)
                                                                    : std::string("not an activity"),
                                   type));
      uint8_t bits = slots_[static_cast<size_t>(r) * seq_.slots + s.slot];
      if (!(bits & kDone))
        return warn(e, fmt::format("{}: record '{}' has not been sent step '{}'{}; ignored", type, e.record,
                                   e.step, (bits & kSkipped) ? " (it was skipped)" : ""));
      markEnd(now);
      return engage(r, label->second, ev, now);
    }
    case EventType::Update:
      markEnd(now);
      return updateFields(r, e, now);
    default: return;
  }
}

void Simulator::complete(uint32_t r, std::optional<CallOutcome> outcome, int32_t now) {
  uint16_t s = states_[r].step;
  Result result = outcome ? static_cast<Result>(static_cast<int>(Result::Answered) + static_cast<int>(*outcome))
                          : Result::Completed;
  leaveStep(r, s, result, now);
  if (options_.model) planEngagement(r, s, now);
  resume(r, now);
}

void Simulator::skip(uint32_t r, int32_t now) {
  leaveStep(r, states_[r].step, Result::Skipped, now);
  resume(r, now);
}

void Simulator::engage(uint32_t r, uint16_t step, EngagementEvent ev, int32_t now) {
  RecordState& st = states_[r];
  const bc::Step& s = this->step(step);
  slots_[static_cast<size_t>(r) * seq_.slots + s.slot] |= static_cast<uint8_t>(1u << static_cast<int>(ev));
  // `exit on reply` wins over a condition the same reply would decide.
  if (ev == EngagementEvent::Replied && seq_.exitOnReply &&
      (s.activity == ActivityKind::Email || s.activity == ActivityKind::AutoEmail))
    return finish(r, Status::Exited, Reason::Reply, now);
  if (st.waiting != Waiting::Condition) return;
  Result why = Result::TimedOut;
  if (decide(r, this->step(st.step), why) != 1) return;
  leaveStep(r, st.step, static_cast<Result>(static_cast<int>(Result::Opened) + static_cast<int>(ev)), now);
  st.pc += static_cast<uint32_t>(bc::instructionSize(bc::Opcode::Await));
  resume(r, now);
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

void Simulator::planManual(uint32_t r, uint16_t step, int32_t now) {
  const RecordState& st = states_[r];
  ManualPlan plan = rt::planManual(*options_.model, this->step(step).activity, options_.seed, r, st.generation);
  generated_.push(now + plan.delay,
                  Scheduled{r, st.generation, plan.skip ? kGenSkip : kGenComplete, plan.outcome, step});
}

void Simulator::planEngagement(uint32_t r, uint16_t step, int32_t now) {
  const RecordState& st = states_[r];
  auto key = static_cast<uint32_t>(st.connected) * 1021u + step;
  planEngagements(*options_.model, this->step(step).activity, now, options_.seed, r, key,
                  [&](EngagementEvent ev, int32_t at) {
                    generated_.push(at, Scheduled{r, static_cast<uint32_t>(st.connected), kGenEngage,
                                                  static_cast<uint8_t>(ev), step});
                  });
}

void Simulator::applyGenerated(const Scheduled& g, int32_t now) {
  RecordState& st = states_[g.record];
  if (st.status != Status::Active) return;
  if (g.kind == kGenEngage) {
    if (static_cast<uint32_t>(st.connected) != g.generation) return;
    markEnd(now);
    return engage(g.record, g.step, static_cast<EngagementEvent>(g.arg), now);
  }
  if (st.generation != g.generation || st.waiting != Waiting::Manual) return;
  markEnd(now);
  if (g.kind == kGenSkip) return skip(g.record, now);
  complete(g.record, g.arg < 4 ? std::optional(static_cast<CallOutcome>(g.arg)) : std::nullopt, now);
}

// ---- results ----------------------------------------------------------------------

std::vector<HistoryEntry> Simulator::historyByRecord() const {
  std::vector<size_t> start(ids_.size() + 1, 0);
  for (const HistoryEntry& h : history_) ++start[h.record + 1];
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<HistoryEntry> out(history_.size());
  for (const HistoryEntry& h : history_) out[start[h.record]++] = h;
  return out;
}

bool readModel(const std::string& path, Model& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot read the model", path);
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
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
    if (it.key() != "seller" && it.key() != "email" && it.key() != "text" && it.key() != "call")
      return fail(fmt::format("unknown section '{}' (sections: seller, email, text, call)", it.key()));
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
