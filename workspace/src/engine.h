// The engine: moves connected records with the interpreter, resumed from each record's
// saved position and saved again, inside the caller's transaction. Used by connect,
// records load, the actions and tick.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "assign.h"
#include "fields.h"
#include "internal.h"
#include "seqc/interp/interpreter.h"
#include "seqc/sim/records.h"

namespace seqc::ws {

// The fields of `entity` a module's code touches, and reading them from a record's
// stored fields (fields.h) into one row of Module::fields-wide values.
struct FieldColumns {
  FieldColumns(const bc::Module& m, const std::string& entity, const FieldNumbers& numbers);
  // False when `fields` is damaged. A stored value that no longer fits the field's type
  // (the schema changed) reads as null.
  bool read(std::string_view fields, rt::Value* row, rt::StringArena& arena) const;
  size_t width;
  std::vector<uint16_t> used;          // Module::fields indices
  std::vector<rt::FieldSpec> specs;    // of each used field
  std::vector<int64_t> stored;         // of each used field: its stored number, or -1 (never stored)
  std::vector<int32_t> column;         // by stored number: the index into used, or -1
};

// simulator's rules; a refusal (no current step to complete, a step not yet sent) is an
// Error and the command changes nothing.
struct Action {
  enum class Kind { Complete, Skip, Engage, Update } kind = Kind::Complete;
  std::string record;
  std::optional<CallOutcome> outcome;                       // Complete
  EngagementEvent event = EngagementEvent::Opened;          // Engage
  std::string step;                                         // Engage: the label
  std::vector<std::pair<std::string, rt::Value>> fields;    // Update
  std::string context = "update";                            // Update: names it in an error
  std::string_view name() const {
    switch (kind) {
      case Kind::Complete: return "complete";
      case Kind::Skip: return "skip";
      case Kind::Engage: return kEngagementEventNames[static_cast<size_t>(event)];
      case Kind::Update: return "update";
    }
    return {};
  }
};

// Runs connections of one version from their saved positions (or connecting the fresh
// ones at `connected`) up to `until`, applying the action, and saves them back: a
// driver of the interpreter.
class Engine {
 public:
  Engine(Store& store, Workspace::Impl& impl, int64_t epoch) : store_(store), impl_(impl), epoch_(epoch) {}
  // A tick from this clock: saved records' clock-reading `exit when` is watched from it.
  std::optional<int64_t> watchFrom;
  // When the actions happen (default: `until`); timers due after it run up to `until`.
  std::optional<int64_t> actionAt;
  // Gives each manual activity that becomes current its assignee.
  Assigner* assigner = nullptr;

  struct Outcome {
    uint64_t steps = 0;
    size_t moved = 0;
    // Records that advanced: (record, target name, when, from connection).
    struct Advance {
      std::string record, target;
      int64_t at;
      int64_t from;
    };
    std::vector<Advance> advances;
    std::vector<std::string> fieldsSet;  // records whose fields a `set` changed
  };

  // `rows`: one version's connections; those with id 0 are new and connect at their
  // `connected` time. Rows are updated in place, new ones inserted.
  Outcome run(std::vector<ConnectionRow>& rows, std::span<const Action> actions, int64_t until);

 private:
  void apply(rt::Interpreter& in, uint32_t r, const Action& a, int32_t now);

  Store& store_;
  Workspace::Impl& impl_;
  int64_t epoch_;
};

// For connections of versions with a calendar: the zone each record is read in at
// `now` and whether it is the calendar's own standing in (CALENDARS.md §2), in the order
// of `rows`; an empty name for a version without a calendar.
std::vector<std::pair<std::string, bool>> recordZones(Store& store, Workspace::Impl& impl,
                                                      const std::vector<ConnectionRow>& rows, int64_t epoch,
                                                      int64_t now);
// For active connections on a manual activity with `due`: when it is due (CALENDARS.md
// §3), from when it became current, business durations in the record's zone as its
// fields stand (the saved state keeps no due for a manual step); none for other rows.
std::vector<std::optional<int64_t>> manualDues(Store& store, Workspace::Impl& impl,
                                               const std::vector<ConnectionRow>& rows, int64_t epoch);

// Moves connections (grouped by version, in batches) up to `until`; follows `advance
// to` into the target sequences. Returns what moved.
struct Mover {
  Mover(Store& s, Workspace::Impl& i, int64_t e) : store(s), impl(i), epoch(e), assigner(s, i.stdlibDir) {}
  Store& store;
  Workspace::Impl& impl;
  int64_t epoch;
  Assigner assigner;
  uint64_t steps = 0;
  size_t moved = 0;
  std::optional<int64_t> watchFrom;  // Engine::watchFrom
  std::optional<int64_t> actionAt;   // Engine::actionAt
  Workspace::Progress progress;  // called after each batch: connections run, of the first run's
  std::vector<std::string> fieldsSet;  // records whose fields a `set` changed (segments look again)

  // `actions`: at most one per record. run = add, then finish.
  void run(std::vector<ConnectionRow>& rows, const std::vector<Action>& actions, int64_t until);
  // Runs rows up to `until`; the `advance to`s they reach wait for finish.
  void add(std::vector<ConnectionRow>& rows, const std::vector<Action>& actions, int64_t until);
  void finish(int64_t until);

  // Connects records that reached `advance to` to the target's latest version.
  void follow(const std::vector<Engine::Outcome::Advance>& advances, int64_t until, int depth);

 private:
  std::vector<Engine::Outcome::Advance> advances_;  // reached by add, for finish
};

}  // namespace seqc::ws
