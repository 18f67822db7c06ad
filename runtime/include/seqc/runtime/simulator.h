// The interpreter and simulator: runs one sequence of a verified module for many
// records on a simulated clock (LANGUAGE.md §6, CLI.md "Simulator").
//
// Per-record state lives in flat arrays indexed by record: a 32-byte RecordState, one
// engagement byte per slot, the variables and the field values the code touches. Timers
// and generated behaviour wait in calendar queues keyed by instant, so a million records
// due at the same instant cost one bucket, not a million heap operations.
#pragma once

#include <array>
#include <climits>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "seqc/format/bytecode.h"
#include "seqc/runtime/records.h"
#include "seqc/runtime/value.h"

namespace seqc::rt {

// ---- the behaviour model (--model): docs/simulation.md documents the JSON -------------

struct DelayRange {
  int64_t min = 0;  // seconds
  int64_t max = 0;
};

struct Model {
  DelayRange complete{3600, 24 * 3600};  // seller: step current → completed or skipped
  double skip = 0.05;                    // seller skips instead of completing
  std::array<double, 4> callOutcomes = {0.35, 0.35, 0.25, 0.05};  // by CallOutcome
  double open = 0.45;       // email opened (sent or completed email steps)
  double click = 0.25;      // of opened emails
  double reply = 0.10;      // of opened emails
  double download = 0.10;   // of opened emails
  double textReply = 0.20;  // text steps
  DelayRange engage{15 * 60, 2 * 24 * 3600};  // sent → customer event
};

// Reads a model file; false with "FILE: …" in `error` when malformed.
bool readModel(const std::string& path, Model& out, std::string& error);

// The model's decisions, shared by every engine that simulates (the benchmark's tree
// walker makes exactly the same ones). Each draw is a hash of the seed, the record's
// position and what is decided, so results do not depend on processing order.
double modelRandom(uint64_t seed, uint32_t record, uint32_t a, uint32_t b);
int32_t modelDelay(const DelayRange& d, double u);

// What the seller does with a manual step that became current (`visit` tells visits
// apart: the record's generation).
struct ManualPlan {
  bool skip = false;
  uint8_t outcome = 0xFF;  // a call's CallOutcome; 0xFF: none
  int32_t delay = 0;       // seconds after the step became current
};
ManualPlan planManual(const Model& m, ActivityKind kind, uint64_t seed, uint32_t record, uint32_t visit);

// Calls `plan(event, at)` for each customer event the model generates for a step of
// `kind` that went out at `now` (`key` tells the record's steps and connections apart).
template <class Plan>
void planEngagements(const Model& m, ActivityKind kind, int32_t now, uint64_t seed, uint32_t record,
                     uint32_t key, Plan&& plan) {
  auto draw = [&](uint32_t what) { return modelRandom(seed, record, key, what); };
  if (kind == ActivityKind::Email || kind == ActivityKind::AutoEmail) {
    if (draw(10) >= m.open) return;
    int32_t opened = now + modelDelay(m.engage, draw(11));
    plan(EngagementEvent::Opened, opened);
    const std::array<std::pair<EngagementEvent, double>, 3> after = {
        {{EngagementEvent::Clicked, m.click}, {EngagementEvent::Replied, m.reply},
         {EngagementEvent::Downloaded, m.download}}};
    uint32_t salt = 12;
    for (auto [ev, p] : after) {
      if (draw(salt++) < p) plan(ev, opened + modelDelay(m.engage, draw(salt)));
      ++salt;
    }
  } else if (kind == ActivityKind::Text || kind == ActivityKind::AutoText) {
    if (draw(20) < m.textReply) plan(EngagementEvent::Replied, now + modelDelay(m.engage, draw(21)));
  }
}

// ---- results ----------------------------------------------------------------------

enum class Status : uint8_t { Active, Completed, Exited, Disconnected, Advanced, Error };
inline constexpr std::array<std::string_view, 6> kStatusNames = {
    "active", "completed", "exited", "disconnected", "advanced", "error"};

enum class Reason : uint8_t { None, Reply, ExitWhen, Error };

// A history entry's result (CLI.md): the first five, then call outcomes, then events.
enum class Result : uint8_t {
  Completed, Skipped, Sent, Waited, TimedOut,
  Answered, Voicemail, NoAnswer, WrongNumber,
  Opened, Clicked, Replied, Downloaded,
};
std::string_view name(Result r);

struct HistoryEntry {  // 12 bytes, one flat log for all records
  uint32_t record;
  int32_t at;       // seconds since the start
  uint16_t step;    // sequence-local
  Result result;
  uint8_t pad = 0;
};

// What a record is waiting for.
enum class Waiting : uint8_t { Nothing, Manual, Timer, Condition, Connect };

struct RecordState {  // 32 bytes: docs/performance.md counts them
  uint32_t pc = 0;          // resume point (at `await`: the await itself)
  int32_t entered = 0;      // when the current step began; once finished, when it ended
  int32_t due = 0;          // pending timer (wait end, `within` deadline)
  int32_t connected = 0;    // when the record (last) connected
  uint16_t step = 0xFFFF;   // current step, sequence-local
  uint16_t progress = 0;
  Status status = Status::Active;
  Waiting waiting = Waiting::Nothing;
  Reason reason = Reason::None;
  uint8_t pad = 0;
  uint32_t generation = 0;  // bumps whenever the record moves: stale generated events die
  uint32_t error = 0;       // Error: the message; Advanced: the target's name (message())
};
static_assert(sizeof(RecordState) == 32);

struct SimOptions {
  int64_t start = 0;                 // seconds since the epoch
  std::optional<int64_t> until;      // seconds after start
  const Model* model = nullptr;
  uint64_t seed = 0;
  bool history = true;               // keep the per-record history log
  int64_t horizon = 365 * 86400;     // without --until: stop after this long
};

// Per-step counts for the funnel.
struct StepCounts {
  uint64_t reached = 0;
  uint64_t done = 0;     // completed, sent, waited, condition true
  uint64_t skipped = 0;  // skipped, condition false (timed out or its step skipped)
};

// A `seqc simulate` run of one sequence.
class Simulator {
 public:
  Simulator(const bc::Module& module, uint32_t sequence, SimOptions options);

  // Adds records: `fieldValues` holds, per record, one value per module field
  // (Module::fields order; fields of other entities null). Returns the first index.
  uint32_t addRecords(const std::vector<std::string>& ids, std::vector<Value> fieldValues);
  // Scripted events (any order; applied by time, ties in the given order), after the
  // records they name were added. `file` names the events file in warnings.
  void setEvents(std::vector<Event> events, std::string file);

  // Resuming (the workspace): a record added with addRecords is either restored to a
  // state saved from an earlier run, or connected at `at` (seconds since the start);
  // run() connects all other records at the start. Call before setEvents. The slots
  // and variables are copied (strings too).
  void restore(uint32_t r, const RecordState& state, std::span<const uint8_t> slots,
               std::span<const Value> vars);
  void connectAt(uint32_t r, int32_t at);

  void run();

  // ---- results
  const bc::Module& module() const { return module_; }
  const bc::Sequence& sequence() const { return seq_; }
  size_t recordCount() const { return ids_.size(); }
  const std::string& id(uint32_t r) const { return ids_[r]; }
  const RecordState& state(uint32_t r) const { return states_[r]; }
  const std::string& errorMessage(uint32_t r) const { return errors_[states_[r].error]; }
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
  const bc::Step& step(uint16_t local) const { return module_.steps[seq_.stepBegin + local]; }
  // History entries of every record, grouped by record in order of time.
  std::vector<HistoryEntry> historyByRecord() const;
  // The history log as written: every record's entries, in order of time.
  std::span<const HistoryEntry> history() const { return history_; }
  const std::vector<std::string>& warnings() const { return warnings_; }
  int64_t start() const { return options_.start; }
  int64_t end() const { return options_.start + end_; }  // seconds since the epoch
  const std::vector<StepCounts>& stepCounts() const { return stepCounts_; }
  const std::vector<uint64_t>& branchCounts() const { return branchCounts_; }
  // Completed records by whole days from connect to completion.
  const std::vector<uint64_t>& daysToCompletion() const { return daysToCompletion_; }
  uint64_t stepsExecuted() const { return stepsExecuted_; }
  // Bytes of interpreter state per record: position, status, timers, progress,
  // engagement slots and variables — besides the field values.
  size_t stateBytesPerRecord() const;
  // The same with the field values the code touches.
  size_t bytesPerRecord() const;

 private:
  struct Scheduled {  // a generated (model) event
    uint32_t record;
    uint32_t generation;
    uint8_t kind;      // GenKind
    uint8_t arg;       // outcome or engagement event
    uint16_t step;
  };
  template <class T>
  class Calendar {
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
    std::vector<int32_t> times_;  // min-heap of distinct instants
    std::unordered_map<int32_t, uint32_t> index_;
    std::vector<std::vector<T>> buckets_;
    std::vector<uint32_t> free_;
  };

  // Interpreter core (interpreter.cc).
  void loadConstants();
  void connect(uint32_t r, int32_t now);
  void resume(uint32_t r, int32_t now);
  void execute(uint32_t r, uint32_t pc, int32_t now);
  std::optional<bool> exitWhen(uint32_t r, int32_t now);  // nullopt: runtime error
  void fail(uint32_t r, uint32_t pc, std::string message, int32_t now);
  void finish(uint32_t r, Status status, Reason reason, int32_t now);
  void record(uint32_t r, uint16_t step, Result result, int32_t now);
  // 0 undecided, 1 true, 2 false (with the deciding result in `why`).
  int decide(uint32_t r, const bc::Step& s, Result& why) const;
  void leaveStep(uint32_t r, uint16_t step, Result result, int32_t now);
  void sent(uint32_t r, uint16_t step, int32_t now);

  // Events (simulator.cc).
  void apply(const Event& e, int32_t now);
  void applyGenerated(const Scheduled& g, int32_t now);
  void engage(uint32_t r, uint16_t step, EngagementEvent ev, int32_t now);
  void complete(uint32_t r, std::optional<CallOutcome> outcome, int32_t now);
  void skip(uint32_t r, int32_t now);
  void updateFields(uint32_t r, const Event& e, int32_t now);
  void warn(const Event& e, const std::string& what);
  void planManual(uint32_t r, uint16_t step, int32_t now);
  void planEngagement(uint32_t r, uint16_t step, int32_t now);
  void markEnd(int32_t now) {
    if (now > end_) end_ = now;
  }

  const bc::Module& module_;
  const bc::Sequence seq_;
  SimOptions options_;
  const uint8_t* code_;
  uint32_t width_ = 0;             // module fields per record
  std::unordered_map<std::string, uint16_t> fieldByName_;  // the sequence entity's fields

  std::vector<std::string> ids_;
  std::unordered_map<std::string, uint32_t> byId_;
  std::vector<RecordState> states_;
  std::vector<uint8_t> slots_;     // record × slot: engagement bits
  std::vector<Value> vars_;        // record × var
  std::vector<Value> fields_;      // record × module field
  std::vector<bool> waitsForConnect_;
  std::vector<bool> held_;         // restored or connected later: run() leaves it alone
  std::vector<HistoryEntry> history_;  // reserved ahead: growth copies cost more than the run
  std::vector<std::string> errors_{""};
  StringArena arena_;
  std::vector<Value> stack_ = std::vector<Value>(bc::kMaxStack);
  std::vector<Value> constants_;  // the module's constants as values, converted once
  std::vector<uint32_t> advanceMessages_;  // constant → its entry in errors_ (0: none yet)

  std::vector<Event> events_;
  std::string eventsFile_;
  Calendar<uint32_t> timers_;
  Calendar<Scheduled> generated_;
  std::vector<std::string> warnings_;
  std::vector<StepCounts> stepCounts_;
  std::vector<uint64_t> branchCounts_;
  std::vector<uint64_t> daysToCompletion_;
  std::unordered_map<std::string, uint16_t> stepByLabel_;
  uint64_t stepsExecuted_ = 0;
  int32_t end_ = 0;
};

}  // namespace seqc::rt
