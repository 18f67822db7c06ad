// A workspace: a directory whose state (sequences and their versions, records, where
// each record stands, history) lives in a database behind the Store interface. Every
// command is one transaction: it applies completely or not at all (docs/workspace.md).
//
// Records move with the same interpreter and the same rules as `seqc simulate`: a
// record's position is saved after each command and resumed by the next one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "seqc/format/activity.h"
#include "seqc/format/bytecode.h"
#include "seqc/format/schema.h"
#include "seqc/workspace/store.h"

namespace seqc {
struct CompileResult;  // compiler/driver.h
}

namespace seqc::ws {

// A problem the user can fix (unknown sequence, bad value, limit reached): printed as
// `error: <message>`, exit status 1, and nothing changed.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr size_t kMaxActiveSequences = 250;
inline constexpr const char* kDatabaseName = "seqc.db";
// A workspace on a server database has this file instead: the database's URL.
inline constexpr const char* kDatabaseUrlFile = "seqc.database";

// ---- what commands return ------------------------------------------------------------

struct Activation {
  enum class What { NewVersion, Unchanged, Reactivated };
  std::string sequence;
  int32_t version = 0;
  What what = What::NewVersion;
};

struct SequenceSummary {  // a row of `seqc list`
  SequenceRow row;
  int64_t records = 0;     // active connections
};

struct ListFilter {
  std::optional<bool> active;
  std::string entity;
  std::string tag;         // matches the tag and its children ("a" matches "a/b")
  std::string search;      // case-insensitive, in the name and description
  std::string sort = "name";  // name | modified | records
};

struct SequenceDetail {  // `seqc show`
  SequenceRow row;
  std::vector<VersionRow> versions;  // all versions (bytecode and sources included)
  int32_t shown = 0;                 // the version whose steps are shown
  bc::Module module;                 // that version's module
  uint32_t index = 0;                // the sequence in it
  int64_t records = 0;
  // With `time zone` (CALENDARS.md §2): active records whose zone names none, read in
  // the calendar's own zone instead.
  int64_t withoutZone = 0;
};

struct ConnectionView {  // a row of `seqc records NAME`, and of history
  ConnectionRow row;
  std::string sequence;    // its name
  uint16_t total = 0;      // activities on the longest path (progress denominator)
  std::string stepLabel;   // current step: label (may be empty), kind and title
  std::string stepKind;
  std::string stepTitle;
  std::string zone;        // with a calendar (`records` only): the zone the record is read in
  bool zoneFallback = false;  // the calendar's own, its `time zone` naming none
};

struct RecordDetail {    // `seqc records show`
  RecordRow row;
  std::vector<std::pair<std::string, std::string>> fields;  // with a value: name, text (as a file gives it)
  std::vector<ConnectionView> connections;                  // every run on a sequence, oldest first
};

struct LoadResult {
  size_t inserted = 0;
  size_t updated = 0;
};

struct ConnectResult {
  size_t connected = 0;
  size_t matched = 0;      // --where: records of the entity the expression selected
  size_t alreadyConnected = 0;   // --where: matched but already on this sequence
  size_t onOtherSequences = 0;   // --where: matched but on another sequence (no --allow-multiple)
  size_t alreadyRan = 0;         // --where: matched but finished a run of this sequence before
};

struct TickResult {
  int64_t from = 0;
  int64_t to = 0;
  size_t records = 0;      // connections that moved
  uint64_t steps = 0;      // steps executed
  size_t checked = 0;      // connections read to try their clock-reading `exit when`
};

struct ActionResult {    // complete, skip, event, update
  std::vector<ConnectionView> moved;  // the connections the action applied to, after it
};

struct HistoryView {
  HistoryRow row;
  std::string sequence;
  int32_t version = 0;
  std::string stepLabel;   // empty for lifecycle entries
  std::string stepKind;
  std::string stepTitle;
  std::string zone;        // with a calendar (`records` only): the zone the record is read in
  bool zoneFallback = false;  // the calendar's own, its `time zone` naming none
};

enum class WorkState : uint8_t {
#define WORK_STATE(E, N) E,
#include "seqc/workspace/work_states.def"
#undef WORK_STATE
};
inline constexpr std::string_view kWorkStateNames[] = {
#define WORK_STATE(E, N) N,
#include "seqc/workspace/work_states.def"
#undef WORK_STATE
};

struct WorkItem {        // a row of `seqc worklist`
  std::string record, sequence;
  int32_t version = 0;
  std::string assignee;    // empty: unassigned
  std::string label, kind, title;
  uint32_t line = 0;
  int64_t since = 0;       // when it became current
  std::optional<int64_t> due;
  WorkState state = WorkState::Open;
};

struct Stats {
  std::vector<std::pair<std::string, int64_t>> byStatus;  // rt::kStatusNames order
  struct StepStats {
    std::string label, kind, title;
    int64_t reached = 0, done = 0, skipped = 0, current = 0;
  };
  std::vector<StepStats> steps;  // the latest version's steps; history of all versions by label
  std::optional<double> averageDaysToCompletion;
  int64_t completed = 0;
  // Over the completed runs, from connecting to completing (none when none completed).
  std::optional<double> medianDaysToCompletion, p90DaysToCompletion;

  // The latest version's email-like steps (email, auto email, text, auto text), each run
  // counted once per step (a second open is not a second one); older versions by label.
  struct MessageStats {
    std::string label, kind, title;
    bool email = true;  // false: a text, which can only be replied to
    int64_t sent = 0, opened = 0, clicked = 0, replied = 0, downloaded = 0;
  };
  std::vector<MessageStats> messages;

  struct VersionStats {
    int32_t version = 0;
    int64_t runs = 0;
    std::vector<int64_t> byStatus;  // rt::kStatusNames order
  };
  std::vector<VersionStats> versions;  // those with runs, by number

  // Users manual activities were assigned to: runs with at least one activity assigned
  // to them, how many of those runs completed, and the activities done while assigned.
  struct AssigneeStats {
    std::string user;
    int64_t runs = 0, completed = 0, done = 0;
  };
  std::vector<AssigneeStats> assignees;  // by user id

  // The latest version's experiments: records that hold each variant (stored, across
  // versions) and those whose latest run converted.
  // decided: converted, or the window is over (docs/experiments-statistics.md).
  struct VariantStats {
    std::string name;
    int weight = 0;
    int64_t assigned = 0, decided = 0, converted = 0;
    std::optional<double> low, high;  // Wilson 95% interval of converted/decided
    // Against the control (none for the control itself): difference of rates, the
    // always-valid p-value of the mSPRT and the verdict at alpha.
    std::optional<double> difference, pValue;
    std::string verdict;
  };
  struct ExperimentStats {
    std::string name;
    std::vector<VariantStats> variants;  // the control first
    int64_t perVariant = 0;              // records needed per variant (seqc build's note)
    double alpha = 0.05;
    double srmPValue = 1;                // sample-ratio mismatch of `assigned` against the weights
    bool srmAlarm = false;
  };
  std::vector<ExperimentStats> experiments;
};

struct SegmentSummary {  // a row of `seqc segments`
  std::string name, entity, sequence;
  uint32_t priority = 0;
  bool disconnect = false;  // on leave
  int64_t members = 0;      // now
  int64_t entries = 0;      // since the workspace began
  int64_t connections = 0;  // entries that connected the record
};

// ---- the workspace ---------------------------------------------------------------------

class Workspace {
 public:
  // Called as a long command goes, at most every ~10,000 records: records done so far
  // and in all (0 when not known yet).
  using Progress = std::function<void(uint64_t done, uint64_t total)>;

  // Creates `dir` (when missing) and its database; the clock starts at `clock` (default:
  // now). Error when `dir` already holds a workspace.
  static void init(const std::string& dir, std::optional<int64_t> clock);
  // The same on a PostgreSQL database (`database`: a postgresql:// URL, which `dir`
  // records); the database must hold no workspace yet.
  static void init(const std::string& dir, std::optional<int64_t> clock, const std::string& database);
  // Opens the workspace in `dir`; Error when there is none, StoreError when it is corrupt.
  Workspace(const std::string& dir, std::string stdlibDir);
  // A workspace on another store (a server database); `dir` only names it in messages.
  Workspace(std::unique_ptr<Store> store, std::string dir, std::string stdlibDir);
  ~Workspace();

  Store& store() { return *store_; }
  int64_t clock();                 // the workspace clock (seconds since the epoch)
  const std::string& dir() const { return dir_; }

  // Stores a new version of each sequence of `path`, compiled (and ok), or only of
  // `only`, and makes it active. An unchanged source is not a new version (and
  // reactivates an inactive sequence).
  std::vector<Activation> activate(const CompileResult& compiled, const std::string& path,
                                   const std::string& only, const std::string& change);
  // Makes a stored sequence active again at its latest version (an imported or cloned
  // sequence has no source to activate).
  Activation reactivate(const std::string& name);
  void deactivate(const std::string& name);
  std::vector<SequenceSummary> list(const ListFilter& filter);
  SequenceDetail show(const std::string& name, std::optional<int32_t> version);

  // The schema records of `entity` are typed by: the standard library's entity and the
  // fields `extend entity` added in activated sources.
  bc::RecordSchema schema(const std::string& entity);
  LoadResult loadRecords(const std::string& path, const std::string& entity, const Progress& progress = {});
  RecordDetail recordDetail(const std::string& id);
  // The records of `entity` as CSV that loadRecords reads back unchanged: `id`, then
  // the fields any record has a value for, in the schema's order; rows by id. `write`
  // gets the text in pieces. Returns how many records were written.
  size_t exportRecords(const std::string& entity, const std::function<void(std::string_view)>& write);

  // `where`: a .seq bool expression over the entity (`lead.statecode == "Open"`).
  // Diagnostics of a bad expression come back as an Error whose text is the rendered
  // diagnostics.
  ConnectResult connect(const std::string& name, const std::vector<std::string>& ids,
                        const std::string& where, bool allowMultiple, const Progress& progress = {});
  size_t disconnect(const std::string& name, const std::vector<std::string>& ids, bool all);
  std::vector<ConnectionView> records(const std::string& name);

  // Seller and customer actions at the workspace clock, with the simulator's semantics.
  // `sequence` picks the connection when the record is on several sequences. `at`
  // dates the action in the past (engagement synced late from a CRM): not after the
  // clock, nor before the record's last transition on the sequence.
  ActionResult complete(const std::string& record, std::optional<CallOutcome> outcome,
                        const std::string& sequence, std::optional<int64_t> at = {});
  ActionResult skip(const std::string& record, const std::string& sequence, std::optional<int64_t> at = {});
  // `step`: a label; empty: the step sent last that can receive the event.
  ActionResult event(const std::string& record, EngagementEvent event, const std::string& step,
                     const std::string& sequence, std::optional<int64_t> at = {});
  // `assignments`: field=value texts, typed by the record's entity.
  ActionResult update(const std::string& record, const std::vector<std::string>& assignments,
                      std::optional<int64_t> at = {});

  // Advances the clock to `to` (default: now; never backwards) and runs every timer due.
  // On a store with shared ticks, several processes may tick at once: each runs the due
  // work of one bucket at a time, in short transactions, until none is left.
  TickResult tick(std::optional<int64_t> to, const Progress& progress = {});
  // Ticks to the wall clock again and again, waking when work falls due, when another
  // process changes connections, or every `pollSeconds`; returns once `stop()` is true
  // (checked between transactions). `report` sees each tick that moved something.
  void follow(int pollSeconds, const std::function<bool()>& stop, const std::function<void(const TickResult&)>& report);

  void clone(const std::string& name, const std::string& newName, const std::string& description);
  // Deactivates, disconnects its records (history: "disconnected", "sequence deleted")
  // and removes it from the listing.
  size_t remove(const std::string& name);

  // A bundle is a JSON file: the sequences with all their versions (sources, bytecode,
  // change descriptions) and tags (docs/workspace.md).
  void exportBundle(const std::vector<std::string>& names, const std::string& path);
  std::vector<std::string> importBundle(const std::string& path);

  // Every current manual activity assigned to `owner` (everyone's when empty; "-"
  // for the unassigned ones), with its state at `at` (default: the clock), in the work
  // list's order. `at` comes back set.
  std::vector<WorkItem> worklist(const std::string& owner, std::optional<int64_t>& at);
  // Gives `record`'s current manual activity to `user` (an active systemuser record).
  ActionResult assign(const std::string& record, const std::string& user, const std::string& sequence);

  std::vector<HistoryView> history(const std::string& record);
  // The segments of the active sequences (docs/workspace.md "Segments"), by entity then
  // priority; and the members of one of them, by record (Error when none is called `name`).
  std::vector<SegmentSummary> segments();
  std::vector<SegmentMemberRow> segmentMembers(const std::string& name);
  Stats stats(const std::string& name);

  struct Impl;  // internals shared by the workspace's source files (internal.h)

 private:
  // Brings a database of an older format up to date, in one transaction (records.cc).
  void upgrade();

  std::string dir_;
  std::string stdlibDir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Impl> impl_;  // loaded modules, by (sequence, version)
};

}  // namespace seqc::ws
