// The interpreter: runs one sequence of a verified module for many records (LANGUAGE.md
// §6). It owns the per-record state and the pending timers, and offers what every
// driver needs: connect, resume at a timer, deliver a completion, a skip, an engagement
// event or a field update, evaluate the `exit when` condition, and report state. It
// knows nothing of behaviour models, event files, reports or storage: `seqc simulate`
// (simulator.h) and the workspace engine drive it.
//
// Per-record state lives in flat arrays indexed by record: a 32-byte RecordState, one
// engagement byte per slot, the variables and the field values the code touches.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "seqc/calendar/calendar.h"
#include "seqc/format/activity.h"
#include "seqc/format/bytecode.h"
#include "seqc/interp/value.h"

namespace seqc::rt {

enum class Status : uint8_t {
#define STATUS(E, N) E,
#include "seqc/interp/record_states.def"
#undef STATUS
};
inline constexpr std::array kStatusNames = {
#define STATUS(E, N) std::string_view(N),
#include "seqc/interp/record_states.def"
#undef STATUS
};
static_assert(kStatusNames.size() == static_cast<size_t>(Status::Error) + 1);

enum class Reason : uint8_t {
#define REASON(E, N, S) E,
#include "seqc/interp/record_states.def"
#undef REASON
};
inline constexpr std::array kReasonNames = {
#define REASON(E, N, S) std::string_view(N),
#include "seqc/interp/record_states.def"
#undef REASON
};
// What a table adds after the status for this reason ("completed (reply)").
inline constexpr std::array kReasonSuffixes = {
#define REASON(E, N, S) std::string_view(S),
#include "seqc/interp/record_states.def"
#undef REASON
};
inline std::string_view name(Reason r) { return kReasonNames[static_cast<size_t>(r)]; }
inline std::string_view suffix(Reason r) { return kReasonSuffixes[static_cast<size_t>(r)]; }

// A history entry's result (CLI.md): five of its own, then the call outcomes, then the
// engagement events, both expanded from activity_kinds.def.
enum class Result : uint8_t {
#define RESULT(E, N) E,
#include "seqc/interp/record_states.def"
#undef RESULT
#define CALL_OUTCOME(E, N) E,
#include "seqc/format/activity_kinds.def"
#undef CALL_OUTCOME
#define ENGAGEMENT_EVENT(E, N) E,
#include "seqc/format/activity_kinds.def"
#undef ENGAGEMENT_EVENT
#define EXPERIMENT_RESULT(E, N) E,
#include "seqc/interp/record_states.def"
#undef EXPERIMENT_RESULT
};
inline constexpr auto kFirstOutcome = Result::Answered;
inline constexpr auto kFirstEvent = Result::Opened;
inline constexpr Result resultOf(CallOutcome o) {
  return static_cast<Result>(static_cast<int>(kFirstOutcome) + static_cast<int>(o));
}
inline constexpr Result resultOf(EngagementEvent e) {
  return static_cast<Result>(static_cast<int>(kFirstEvent) + static_cast<int>(e));
}
inline constexpr bool isOutcome(Result r) {
  return r >= kFirstOutcome && static_cast<size_t>(r) < static_cast<size_t>(kFirstOutcome) + kCallOutcomeNames.size();
}
static_assert(static_cast<size_t>(kFirstEvent) == static_cast<size_t>(kFirstOutcome) + kCallOutcomeNames.size());
// An experiment's entries: HistoryEntry::step is the experiment (sequence-local) and
// HistoryEntry::variant the variant, not a step.
inline constexpr bool isExperimentResult(Result r) { return r == Result::Experiment || r == Result::Converted; }
std::string_view name(Result r);
// The step result called `text` (name(Result)), if any; never an experiment's entry.
std::optional<Result> resultNamed(std::string_view text);
// Whether leaving a step with `r` counts as skipped in the funnel (else as done).
inline constexpr bool isSkip(Result r) { return r == Result::Skipped || r == Result::TimedOut; }

// An engagement slot's byte (saved in a connection's data; stats reads it): the events
// received (one bit per EngagementEvent), or for a call the outcome + 1; and whether
// the step was sent/completed or skipped.
inline constexpr uint8_t kSlotEventBits = 0x0F;
inline constexpr uint8_t kSlotOutcomeBits = 0x07;
inline constexpr uint8_t kSlotDone = 0x10;
inline constexpr uint8_t kSlotSkipped = 0x20;

struct HistoryEntry {  // 12 bytes, one flat log for all records
  uint32_t record;
  int32_t at;       // seconds since the start
  uint16_t step;    // sequence-local; an experiment's entries: the experiment
  Result result;
  uint8_t variant = 0;  // an experiment's entries: the variant
};

// What a record is waiting for (stored by the workspace: append only). Held: an
// automated step that fell due while its calendar was closed, sent at `due`
// (CALENDARS.md §4).
enum class Waiting : uint8_t { Nothing, Manual, Timer, Condition, Connect, Held };

inline constexpr uint16_t kNoStep = 0xFFFF;

struct RecordState {  // 32 bytes: docs/performance.md counts them
  uint32_t pc = 0;          // resume point (at `await`: the await itself)
  int32_t entered = 0;      // when the current step began; once finished, when it ended
  int32_t due = 0;          // pending timer (wait end, `within` deadline, scheduled connect)
  int32_t connected = 0;    // when the record (last) connected
  uint16_t step = kNoStep;  // current step, sequence-local
  uint16_t progress = 0;
  Status status = Status::Active;
  Waiting waiting = Waiting::Nothing;
  Reason reason = Reason::None;
  // With a `time zone` that reads only fields: 1 + the index of the record's calendar
  // while its fields stay as they were (kept here, next to what every step reads); 0:
  // evaluate it again. Not saved: a restored record evaluates it once.
  uint8_t zone = 0;
  uint32_t generation = 0;  // bumps whenever the record moves: stale generated events die
  uint32_t error = 0;       // Error: the message; Advanced: the target's name (message())
};
static_assert(sizeof(RecordState) == 32);

// Per-step counts for the funnel.
struct StepCounts {
  uint64_t reached = 0;
  uint64_t done = 0;     // completed, sent, waited, condition true
  uint64_t skipped = 0;  // skipped, condition false (timed out or its step skipped)
};

// An allocator for the per-record arrays, a million records and more read in record
// order and, as timers and events arrive, in scattered order: large blocks are asked to
// be backed by huge pages (Linux, madvise before first touch), so scattered reads miss
// the TLB less. Small ones come from operator new as usual.
void* allocateRecordArray(size_t bytes);
void freeRecordArray(void* p, size_t bytes) noexcept;
template <class T>
struct RecordArrayAllocator {
  using value_type = T;
  RecordArrayAllocator() = default;
  template <class U>
  RecordArrayAllocator(const RecordArrayAllocator<U>&) noexcept {}
  T* allocate(size_t n) { return static_cast<T*>(allocateRecordArray(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { freeRecordArray(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const RecordArrayAllocator<U>&) const noexcept { return true; }
};
template <class T>
using RecordArray = std::vector<T, RecordArrayAllocator<T>>;

// Instant → bucket index, open addressing with linear probing (backward-shift deletion):
// a lookup is one probe into one array where a node-based map chases pointers, which
// counts when pending instants are many (per-record zones spread them).
class InstantIndex {
 public:
  // The value stored for `at`, and whether it was just inserted (value then 0).
  std::pair<uint32_t*, bool> insert(int32_t at);
  uint32_t* find(int32_t at);
  void erase(int32_t at);

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;  // never a bucket index
  struct Slot {
    int32_t at = 0;
    uint32_t value = kEmpty;
  };
  size_t home(int32_t at) const {
    return static_cast<size_t>((static_cast<uint64_t>(static_cast<uint32_t>(at)) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  size_t slotOf(int32_t at) const;  // SIZE_MAX: absent
  void grow();
  std::vector<Slot> slots_;
  size_t size_ = 0;
  int shift_ = 64;
};

inline std::pair<uint32_t*, bool> InstantIndex::insert(int32_t at) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  size_t mask = slots_.size() - 1;
  for (size_t i = home(at);; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.value == kEmpty) {
      s = {at, 0};
      ++size_;
      return {&s.value, true};
    }
    if (s.at == at) return {&s.value, false};
  }
}

inline size_t InstantIndex::slotOf(int32_t at) const {
  if (slots_.empty()) return SIZE_MAX;
  size_t mask = slots_.size() - 1;
  for (size_t i = home(at);; i = (i + 1) & mask) {
    if (slots_[i].value == kEmpty) return SIZE_MAX;
    if (slots_[i].at == at) return i;
  }
}

inline uint32_t* InstantIndex::find(int32_t at) {
  size_t i = slotOf(at);
  return i == SIZE_MAX ? nullptr : &slots_[i].value;
}

inline void InstantIndex::erase(int32_t at) {
  size_t hole = slotOf(at);
  if (hole == SIZE_MAX) return;
  size_t mask = slots_.size() - 1;
  // Entries after the hole that probed past it move back into it.
  for (size_t j = (hole + 1) & mask; slots_[j].value != kEmpty; j = (j + 1) & mask) {
    size_t k = home(slots_[j].at);
    if (((j - k) & mask) >= ((j - hole) & mask)) {
      slots_[hole] = slots_[j];
      hole = j;
    }
  }
  slots_[hole].value = kEmpty;
  --size_;
}

inline void InstantIndex::grow() {
  std::vector<Slot> old = std::move(slots_);
  size_t n = old.empty() ? 64 : old.size() * 2;
  slots_.assign(n, Slot{});
  shift_ = 64 - std::countr_zero(n);
  size_ = 0;
  for (const Slot& s : old)
    if (s.value != kEmpty) *insert(s.at).first = s.value;
}

// How many entries ahead a loop over due records prefetches their state: due records
// are scattered over the state arrays, and most are only looked at.
inline constexpr size_t kPrefetchAhead = 48;

// Items due at instants (int32 seconds), in order of time: a min-heap of distinct
// instants and one bucket per instant, so a million records due at the same instant
// are one bucket, not a million heap operations. Bucket storage is recycled.
template <class T>
class TimeQueue {
 public:
  void push(int32_t at, const T& item);
  bool empty() const { return times_.empty(); }
  int32_t next() const { return times_.front(); }
  // Moves the earliest bucket into `out` (its old storage is recycled as a bucket).
  void take(std::vector<T>& out);

 private:
  uint32_t bucket(int32_t at);
  int32_t lastAt_ = INT32_MIN;  // pushes come in runs for one instant: skip the hash
  uint32_t lastBucket_ = 0;
  std::vector<int32_t> times_;
  InstantIndex index_;
  std::vector<std::vector<T>> buckets_;
  std::vector<uint32_t> free_;
};

template <class T>
inline uint32_t TimeQueue<T>::bucket(int32_t at) {
  if (at == lastAt_) return lastBucket_;
  auto [value, inserted] = index_.insert(at);
  if (inserted) {
    if (free_.empty()) {
      *value = static_cast<uint32_t>(buckets_.size());
      buckets_.emplace_back();
    } else {
      *value = free_.back();
      free_.pop_back();
    }
    times_.push_back(at);
    std::push_heap(times_.begin(), times_.end(), std::greater<>());
  }
  lastAt_ = at;
  lastBucket_ = *value;
  return *value;
}

template <class T>
inline void TimeQueue<T>::push(int32_t at, const T& item) {
  buckets_[bucket(at)].push_back(item);
}

template <class T>
inline void TimeQueue<T>::take(std::vector<T>& out) {
  int32_t at = times_.front();
  std::pop_heap(times_.begin(), times_.end(), std::greater<>());
  times_.pop_back();
  uint32_t b = *index_.find(at);
  index_.erase(at);
  if (lastAt_ == at) lastAt_ = INT32_MIN;
  out.clear();
  out.swap(buckets_[b]);
  free_.push_back(b);
}

// Why an action did not apply to a record (refusalText() words it).
enum class Refusal : uint8_t {
  None,
  NotActive,     // the record is not active
  NoManualStep,  // complete: no current manual activity
  NothingToSkip, // skip: no current manual activity or wait
  NotAnActivity, // engagement: the step is a wait or condition
  WrongKind,     // engagement: the step's kind cannot receive the event
  NotSent,       // engagement: the record has not been sent the step (yet)
};

class Interpreter {
 public:
  struct Options {
    int64_t start = 0;     // seconds since the epoch of instant 0
    bool history = true;   // keep the per-record history log
  };
  // What a driver hears besides state changes: the behaviour model plans from these.
  class Listener {
   public:
    virtual ~Listener() = default;
    // A manual activity step became current.
    virtual void manualStep(uint32_t r, uint16_t step, int32_t now) = 0;
    // An activity step went out (automated) or was completed by the seller.
    virtual void stepDone(uint32_t r, uint16_t step, int32_t now) = 0;
    // A `set` gave module field `field` a value (fields(r) holds it).
    virtual void fieldSet(uint32_t /*r*/, uint16_t /*field*/, int32_t /*now*/) {}
    // Experiments: the record's id, whose bucket picks its variant (bc::experimentBucket);
    // empty: the record's index in decimal.
    virtual std::string_view recordId(uint32_t /*r*/) { return {}; }
    // The variant the record was given in experiment `experiment` (its name) by an
    // earlier run, which it keeps (stickiness); none: the bucket decides.
    virtual std::optional<std::string> storedVariant(uint32_t /*r*/, std::string_view /*experiment*/) {
      return std::nullopt;
    }
    // The record entered variant `variant` of experiment `experiment` (a behaviour model
    // plans its metric from here).
    virtual void experimentEntered(uint32_t /*r*/, uint16_t /*experiment*/, uint8_t /*variant*/, int32_t /*now*/) {}
  };

  // A record's part in one experiment of the sequence.
  static constexpr uint8_t kNoVariant = 0xFF;
  struct ExperimentRun {
    int32_t start = 0;              // when the variant started
    uint8_t variant = kNoVariant;   // kNoVariant: not entered (this connection)
    bool converted = false;
  };

  Interpreter(const bc::Module& module, uint32_t sequence, Options options, Listener* listener = nullptr);

  // Adds `count` records, disconnected: `fieldValues` holds, per record, one value per
  // module field (Module::fields order; fields of other entities null). Strings are
  // copied, unless they live in `strings`, which the interpreter then keeps (a million
  // records read from a file need not be copied twice). Returns the first index.
  uint32_t addRecords(size_t count, std::vector<Value> fieldValues);
  uint32_t addRecords(size_t count, std::vector<Value> fieldValues, StringArena&& strings);

  // ---- driving (`now`: seconds since Options::start)
  void connect(uint32_t r, int32_t now);
  // Connects `r` when the timers reach `at`.
  void connectAt(uint32_t r, int32_t at);
  // Puts a record back where an earlier run saved it; a pending timer is queued again.
  // A saved state is data from outside (a database row): one that cannot be a position
  // of this sequence is not run but fails the record with why, and false is returned.
  bool restore(uint32_t r, const RecordState& state, std::span<const uint8_t> slots,
               std::span<const Value> vars);
  // Fails record `r` with `message`: what its driver found wrong with its data.
  void fault(uint32_t r, std::string message, int32_t now);
  // The earliest pending timer, if any.
  std::optional<int32_t> nextTimer() const;
  // Runs every timer due at `now` (which must be nextTimer()): waits end, conditions
  // time out, scheduled connects happen. Returns how many records moved.
  size_t fireTimers(int32_t now);
  Refusal complete(uint32_t r, std::optional<CallOutcome> outcome, int32_t now);  // outcome: calls only
  Refusal skip(uint32_t r, int32_t now);  // a manual step, a wait or a held automated step
  Refusal engage(uint32_t r, uint16_t step, EngagementEvent event, int32_t now);
  // Field values change (module field index, value), then `exit when` is evaluated.
  // A value that does not fit its field fails the record with "`context`: why".
  // The same values for a record that is not running (a segment may still take it in):
  // stored, nothing evaluated; false with `error` when one does not fit its field.
  bool storeFields(uint32_t r, std::span<const std::pair<uint16_t, Value>> values, std::string& error);
  Refusal update(uint32_t r, std::span<const std::pair<uint16_t, Value>> values, int32_t now,
                 std::string_view context);
  void disconnect(uint32_t r, int32_t now);
  // Puts back a record's part in experiment `experiment` (sequence-local) saved by an
  // earlier run, so its metric keeps being watched until the window closes.
  void restoreExperiment(uint32_t r, uint16_t experiment, const ExperimentRun& run);
  const ExperimentRun& experimentRun(uint32_t r, uint16_t experiment) const {
    return runs_[static_cast<size_t>(r) * seq_.experimentCount + experiment];
  }
  const bc::Experiment& experiment(uint16_t local) const { return module_.experiments[seq_.experimentBegin + local]; }
  // The variant record `r` would be given by its bucket (no stored variant).
  uint8_t bucketVariant(uint32_t r, uint16_t experiment);
  // A behaviour model's say that the record reached the metric (a field metric, whose
  // field changes a model cannot know): converts it if its run is in the window.
  void modelConversion(uint32_t r, uint16_t experiment, int32_t now);
  // Entries into each variant and conversions, over all records (history or not).
  struct VariantCount {
    uint64_t entered = 0, converted = 0;
  };
  const VariantCount& variantCount(uint16_t experiment, uint8_t variant) const {
    return variantCounts_[static_cast<size_t>(experiment) * bc::kMaxVariants + variant];
  }
  // The sequence's `exit when` for the record as it stands (false without one);
  // nullopt when evaluating it failed (the record is then in error).
  std::optional<bool> exitCondition(uint32_t r, int32_t now);

  // ---- calendars (CALENDARS.md), for a sequence with a `calendar` setting
  bool hasCalendar() const { return !calendars_.empty(); }
  // The sequence's calendar; null without one.
  const cal::CalendarSpec* calendarSpec() const {
    return hasCalendar() ? &module_.calendars[seq_.calendar] : nullptr;
  }
  // Whether this machine's tz database knows the calendar's own zone (else UTC stands in).
  bool calendarZoneKnown() const { return ownZoneKnown_; }
  // The calendar as record `r` reads it at `now`: in the zone its `time zone` names
  // (the block is evaluated now), else in the calendar's own zone. Needs a calendar.
  const cal::Calendar& calendarFor(uint32_t r, int32_t now) { return calendars_[zoneIndex(r, now)]; }
  // The zone last used for `r` (evaluated at `now` when none was yet), and whether it was
  // the calendar's own standing in for a missing or unknown `time zone`. Needs a calendar.
  struct RecordZone {
    cal::Zone zone;
    bool fallback = false;
  };
  RecordZone zoneOf(uint32_t r, int32_t now);
  // When the record's current step is due: a manual activity's `due` (none without one),
  // a held automated step's sending instant, a wait's end, a condition's deadline.
  std::optional<int32_t> currentDue(uint32_t r) const;
  // The due of manual step `step` had it become current at `entered`, in the record's
  // zone as its fields stand (for a restored record, whose saved state keeps no due
  // for a manual step); none without `due`, or without working time within reach.
  std::optional<int32_t> manualDue(uint32_t r, uint16_t step, int32_t entered);

  // An `exit when` that reads the clock (now(), today(), days_since()) turns true with
  // no field changing. Watched up to `until`, each active record's condition is tried
  // at `until` when it connects or its fields change; when it holds there, the first
  // instant it holds is found by bisection (exact for a condition that stays true once
  // true) and the record exits then, as a timer. A no-op for other conditions.
  bool exitReadsClock() const { return exitReadsClock_; }
  void watchClock(int32_t until);
  // Watches a restored record whose condition was last found false at `from`.
  void watchRecord(uint32_t r, int32_t from);

  // ---- state
  const bc::Module& module() const { return module_; }
  const bc::Sequence& sequence() const { return seq_; }
  const bc::Step& step(uint16_t local) const { return module_.steps[seq_.stepBegin + local]; }
  size_t recordCount() const { return states_.size(); }
  const RecordState& state(uint32_t r) const { return states_[r]; }
  // Error: the message; Advanced: the name of the sequence advanced to.
  const std::string& message(uint32_t r) const { return errors_[states_[r].error]; }
  std::span<const uint8_t> slots(uint32_t r) const {
    return {slots_.data() + static_cast<size_t>(r) * seq_.slots, seq_.slots};
  }
  std::span<const Value> vars(uint32_t r) const {
    return {vars_.data() + static_cast<size_t>(r) * seq_.vars, seq_.vars};
  }
  // One value per module field (Module::fields order), as `set` left them.
  std::span<const Value> fields(uint32_t r) const {
    return {fields_.data() + static_cast<size_t>(r) * width_, width_};
  }
  // Engagement state of a step's slot: whether it was sent/completed, or skipped.
  bool sent(uint32_t r, uint16_t step) const;
  bool skipped(uint32_t r, uint16_t step) const;
  // The module field of the sequence's entity called `name`; the step labelled `label`.
  std::optional<uint16_t> field(std::string_view name) const;
  std::optional<uint16_t> stepByLabel(std::string_view label) const;
  // The step an engagement event without a label concerns: the one sent last (the
  // latest in the sequence, as steps run in order) that can receive `event`.
  std::optional<uint16_t> lastSent(uint32_t r, EngagementEvent event) const;

  // History entries of every record in order of time, and grouped by record.
  const std::vector<HistoryEntry>& history() const { return history_; }
  std::vector<HistoryEntry> historyByRecord() const;
  const std::vector<StepCounts>& stepCounts() const { return stepCounts_; }
  const std::vector<uint64_t>& branchCounts() const { return branchCounts_; }
  uint64_t stepsExecuted() const { return stepsExecuted_; }
  // Bytes of state per record: position, status, timers, progress, engagement slots and
  // variables — and, for bytesPerRecord, the field values the code touches.
  size_t stateBytesPerRecord() const;
  size_t bytesPerRecord() const;
  // Reserves the history log for about `records` records.
  void reserveHistory(size_t records);

 private:
  void execute(uint32_t r, uint32_t pc, int32_t now);
  void resume(uint32_t r, int32_t now) { execute(r, states_[r].pc, now); }
  void fail(uint32_t r, uint32_t pc, std::string message, int32_t now);
  // Why `st` cannot be a saved position of this sequence; empty when it can.
  std::string checkSaved(const RecordState& st, std::span<const uint8_t> slots) const;
  void finish(uint32_t r, Status status, Reason reason, int32_t now);
  void record(uint32_t r, uint16_t step, Result result, int32_t now, uint8_t variant = 0) {
    if (options_.history) history_.push_back({r, now, step, result, variant});
  }
  // Experiments: enter one (pick the variant, check a field metric at once); an event or
  // a field change that may reach a metric.
  uint32_t enterExperiment(uint32_t r, uint16_t experiment, int32_t now);
  void eventForMetric(uint32_t r, uint16_t step, EngagementEvent event, int32_t now);
  void fieldsForMetric(uint32_t r, int32_t now);
  // The field metric's condition now (a failure counts as false).
  bool metricHolds(uint32_t r, const bc::Experiment& x, int32_t now);
  void convert(uint32_t r, uint16_t experiment, int32_t now);
  // 0 undecided, 1 true, 2 false (with the deciding result in `why`).
  int decide(uint32_t r, const bc::Step& s, Result& why) const;
  void leaveStep(uint32_t r, uint16_t step, Result result, int32_t now);
  void setTimer(uint32_t r, int32_t due) { timers_.push(due, r); }
  // Where a step's duration ends from `now`: elapsed, or business time on the record's
  // calendar (`end`: the last closing of the Nth day, for `within` and `due`).
  int32_t durationEnd(uint32_t r, const bc::Step& s, int32_t now, bool end);
  // An instant as a time of this run; a fault when it does not fit.
  int32_t relative(int64_t instant) const;
  // The index into calendars_ of the record's zone now, with kFallbackZone set when its
  // `time zone` named none; remembered in zoneUsed_.
  // A block that reads only fields gives the same zone until one of the record's fields
  // changes: its last answer is reused until then (RecordState::zone).
  uint16_t zoneIndex(uint32_t r, int32_t now) {
    if (seq_.zoneBegin == seq_.zoneEnd) return 0;
    if (uint8_t z = states_[r].zone) return static_cast<uint16_t>(z - 1);
    return evalZone(r, now);
  }
  void fieldsChanged(uint32_t r) { states_[r].zone = 0; }
  uint16_t evalZone(uint32_t r, int32_t now);
  // Local date of `now` (relative) for `today()`/`days_since` of record `r`.
  int64_t localToday(uint32_t r, int64_t nowAbs);

  // `exit when` at `now` without changing the record (a failure counts as false).
  bool probeExit(uint32_t r, int32_t now);
  void scheduleClockExit(uint32_t r, int32_t from);
  uint8_t& bits(uint32_t r, const bc::Step& s) { return slots_[static_cast<size_t>(r) * seq_.slots + s.slot]; }

  const bc::Module& module_;
  const bc::Sequence seq_;
  Options options_;
  Listener* listener_;
  const uint8_t* code_;
  uint32_t width_ = 0;  // module fields per record
  std::unordered_map<std::string, uint16_t> fieldByName_;  // the sequence entity's fields
  std::unordered_map<std::string, uint16_t> stepByLabel_;
  // Where a record can wait, by pc (sorted): what restore() accepts.
  struct ResumePoint {
    uint32_t pc;
    uint16_t step;
    Waiting waiting;
  };
  std::vector<ResumePoint> resumePoints_;

  RecordArray<RecordState> states_;
  RecordArray<uint8_t> slots_;     // record × slot: engagement bits
  std::vector<Value> vars_;        // record × var
  std::vector<Value> fields_;      // record × module field
  std::vector<HistoryEntry> history_;  // reserved ahead: growth copies cost more than the run
  std::vector<std::string> errors_{""};
  StringArena arena_;
  std::vector<StringArena> adopted_;  // the callers' strings (addRecords)
  std::vector<Value> stack_ = std::vector<Value>(2 * bc::kMaxStack);
  std::vector<Value> constants_;  // the module's constants as values, converted once
  std::vector<uint32_t> advanceMessages_;  // constant → its entry in errors_ (0: none yet)
  TimeQueue<uint32_t> timers_;
  bool exitReadsClock_ = false;
  std::optional<int32_t> watchUntil_;
  TimeQueue<uint32_t> clockExits_;  // when watched records' `exit when` turns true
  std::vector<uint32_t> due_;  // fireTimers' bucket, recycled
  std::vector<ExperimentRun> runs_;  // record × experiment
  std::vector<VariantCount> variantCounts_;  // experiment × kMaxVariants
  bool metricResult_ = false;        // metric_result's verdict
  std::vector<StepCounts> stepCounts_;
  std::vector<uint64_t> branchCounts_;
  uint64_t stepsExecuted_ = 0;

  // The calendar, compiled once: [0] in its own zone (UTC when this machine does not know
  // it), then in each zone records named, found through zoneByName_ (-1: no such zone).
  static constexpr uint16_t kFallbackZone = 0x8000;
  static constexpr uint16_t kNoZoneYet = 0xFFFF;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::vector<cal::Calendar> calendars_;
  bool ownZoneKnown_ = true;
  std::unordered_map<std::string, int32_t, NameHash, std::equal_to<>> zoneByName_;
  std::vector<uint16_t> zoneUsed_;  // per record, with `time zone`: zoneIndex's last answer
  // The `time zone` block reads nothing but fields (no clock, variables or outcomes).
  bool zoneReadsOnlyFields_ = false;
  bool inZoneBlock_ = false;        // evaluating `time zone`: its own today() reads the calendar's zone
  Value zoneResult_;
};

// Whether sequence `sequence`'s `exit when` reads the clock (now(), today(),
// days_since()): then it can turn true while nothing happens to the record.
bool exitReadsClock(const bc::Module& module, uint32_t sequence);

// A copy of `module` whose sequence `feeds` has segment `segment`'s `where` as its `exit
// when` (the verifier checked the block as one): an Interpreter of it on that sequence
// evaluates the segment's condition with exitCondition, and exitReadsClock says whether
// it reads the clock. Drivers evaluate segments this way (docs/language.md "Segments").
bc::Module segmentConditionModule(const bc::Module& module, size_t segment);

// The words of a refusal, as drivers show it: "complete: record 'L-1' has no current
// activity step to complete". `action` is the action's name ("complete", "opened");
// `label` the step an engagement event named.
std::string refusalText(Refusal why, const Interpreter& in, uint32_t r, std::string_view record,
                        std::string_view action, std::string_view label = {});

}  // namespace seqc::rt
