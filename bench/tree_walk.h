// A tree-walking simulator: the baseline bench_simulate compares the bytecode simulator
// with. It runs one checked sequence straight from the AST, as one would without a
// compiler back end: every record is a heap object holding its fields and variables in
// hash maps keyed by name, a stack of continuation frames (a block of the AST and the
// index of the next statement), and a map of step label → what happened to that step.
// Statements and expressions are walked recursively (llvm::dyn_cast on node kinds),
// choice labels are looked up in the schema's FieldInfo when compared, and timers and
// model events wait in std::priority_queues of (time, record).
//
// It implements what the templates use — activities (manual and automated), waits,
// engagement conditions with `within`, call outcome conditions, field conditions, `set`,
// `let` and reassignment, `end`, `advance to`, `exit on reply`, `exit when` — with the
// same timing rules and the same behaviour model as rt::Simulator (runtime/sim/src/
// simulator.cc, interpreter.cc), drawing the same random numbers, so for the same
// records, model and seed both reach the same steps and end states. Scripted events
// (--events) are not supported: the benchmark drives both with the model only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast.h"
#include "compiler/schema.h"
#include "seqc/sim/simulator.h"
#include "seqc/interp/value.h"

namespace seqc::bench {

// A run-time value of the tree walker.
struct TwValue {
  rt::Tag tag = rt::Tag::Null;
  union {
    bool b;
    int64_t i;
    double d;
  };
  std::string s;  // String
  TwValue() : i(0) {}
};

class TreeWalker {
 public:
  TreeWalker(const ast::Sequence& sequence, int64_t start, const rt::Model* model, uint64_t seed,
             bool history);
  ~TreeWalker();

  // Adds records: `values` holds, per record, one value per name in `fields` (row-major).
  void addRecords(const std::vector<std::string>& ids, const std::vector<std::string>& fields,
                  const std::vector<rt::Value>& values);
  void run();

  // ---- results
  size_t recordCount() const { return records_.size(); }
  uint64_t stepsExecuted() const { return stepsExecuted_; }
  // Records by rt::Status.
  std::array<uint64_t, 6> statusCounts() const;
  uint64_t historyEntries() const;
  uint64_t progressTotal() const;
  uint64_t branchesTaken() const;
  int32_t end() const { return end_; }

 private:
  struct Frame {
    const ast::Block* block;
    size_t next;  // index of the statement to run next
  };
  // What happened to a labelled activity step (engagement conditions and outcomes).
  struct StepMemory {
    bool done = false;
    bool skipped = false;
    uint8_t events = 0;   // 1 << EngagementEvent
    int8_t outcome = -1;  // CallOutcome, -1 none
  };
  struct HistoryEntry {
    int32_t at;
    rt::Result result;
    const void* step;  // ActivityStmt, WaitStmt or IfArm
  };
  struct Record {
    std::string id;
    uint32_t index = 0;  // position in the records: the model's random draws use it
    std::unordered_map<std::string, TwValue> fields;
    std::unordered_map<std::string, TwValue> vars;
    std::vector<Frame> frames;  // the continuation
    std::map<std::string, StepMemory> steps;
    std::vector<HistoryEntry> history;
    rt::Status status = rt::Status::Active;
    rt::Waiting waiting = rt::Waiting::Nothing;
    rt::Reason reason = rt::Reason::None;
    const ast::Stmt* current = nullptr;   // the current activity or wait
    const ast::IfStmt* waitingIf = nullptr;  // Condition: the `if` and its arm
    size_t waitingArm = 0;
    int32_t entered = 0, due = 0, connected = 0;
    uint32_t generation = 0;
    uint32_t progress = 0;
    std::string error;
  };
  struct Timer {
    int32_t at;
    uint64_t order;  // ties: in the order they were scheduled
    Record* record;
    bool operator>(const Timer& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  enum class GenKind : uint8_t { Complete, Skip, Engage };
  struct Generated {
    int32_t at;
    uint64_t order;
    Record* record;
    uint32_t generation;
    GenKind kind;
    uint8_t arg;  // call outcome (0xFF none) or engagement event
    const ast::ActivityStmt* step;
    bool operator>(const Generated& o) const { return at != o.at ? at > o.at : order > o.order; }
  };
  struct Counts {
    uint64_t reached = 0, done = 0, skipped = 0;
  };

  // The interpreter.
  void connect(Record& r, int32_t now);
  void walk(Record& r, int32_t now, const ast::IfStmt* resumeIf = nullptr, size_t resumeArm = 0);
  bool chooseArm(Record& r, const ast::IfStmt& s, size_t arm, int32_t now);
  void takeArm(Record& r, const ast::IfStmt& s, size_t arm, const ast::Block* body);
  int decide(const Record& r, const ast::Condition& c, rt::Result& why);
  bool exitWhen(Record& r, int32_t now, bool& exit);
  TwValue eval(const ast::Expr& e, Record& r, int32_t now);
  TwValue evalBinary(const ast::BinaryExpr& b, Record& r, int32_t now);
  void store(Record& r, const FieldInfo& f, TwValue v);
  void leaveStep(Record& r, const void* step, const ast::ActivityStmt* activity, rt::Result result, int32_t now);
  void finish(Record& r, rt::Status status, rt::Reason reason, int32_t now);
  void fail(Record& r, std::string message);

  // Events and the model.
  void applyGenerated(const Generated& g, int32_t now);
  void engage(Record& r, const ast::ActivityStmt& step, EngagementEvent ev, int32_t now);
  void complete(Record& r, int outcome, int32_t now);
  void skip(Record& r, int32_t now);
  void planManual(Record& r, const ast::ActivityStmt& step, int32_t now);
  void planEngagement(Record& r, const ast::ActivityStmt& step, int32_t now);
  void pushTimer(int32_t at, Record& r) { timers_.push({at, order_++, &r}); }
  void markEnd(int32_t now) {
    if (now > end_) end_ = now;
  }

  const ast::Sequence& seq_;
  int64_t start_;
  const rt::Model* model_;
  uint64_t seed_;
  bool history_;
  // The ordinal of every step in source order (the bytecode's step numbering), only so
  // that the model draws the same random numbers as rt::Simulator.
  std::unordered_map<const void*, uint16_t> ordinal_;

  std::vector<std::unique_ptr<Record>> records_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::priority_queue<Generated, std::vector<Generated>, std::greater<>> generated_;
  uint64_t order_ = 0;
  std::unordered_map<const void*, Counts> stepCounts_;
  std::map<std::pair<const ast::IfStmt*, size_t>, uint64_t> branchCounts_;  // arm; size() = else
  std::vector<uint64_t> daysToCompletion_;
  std::vector<const ast::MemberExpr*> terms_;  // scratch for decide()
  uint64_t stepsExecuted_ = 0;
  int32_t end_ = 0;
};

}  // namespace seqc::bench
