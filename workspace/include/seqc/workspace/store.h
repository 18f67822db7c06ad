// The workspace's storage interface: what the lifecycle needs from a database, in the
// lifecycle's terms (sequences, versions, records, connections, history), not SQL.
// SQLite implements it (sqlite_store.cc); a server database can implement it too.
//
// Every method runs inside the transaction the caller opened with begin(); nothing is
// visible to other processes until commit(). Failures throw StoreError with a message
// fit for the user ("workspace database ws/seqc.db is corrupt: …").
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace seqc::ws {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Two transactions got in each other's way (a deadlock, a serialization failure): the
// transaction was rolled back and running it again may succeed.
struct StoreConflict : StoreError {
  using StoreError::StoreError;
};

// Times are seconds since the Unix epoch (UTC).

struct SequenceRow {
  int64_t id = 0;              // assigned by insertSequence
  std::string name;
  std::string entity;
  std::string description;
  std::vector<std::string> tags;
  bool active = false;
  int32_t latest = 0;          // the newest version's number (1, 2, …)
  int64_t created = 0;
  int64_t modified = 0;        // last activate/deactivate/clone
  bool deleted = false;        // deleted sequences keep their versions for history
};

struct VersionRow {
  int64_t sequence = 0;        // SequenceRow::id
  int32_t number = 0;
  std::string change;          // the change description
  std::string sourcePath;      // the main file as given to activate
  std::string sources;         // JSON object: path → text (main file and its imports)
  std::string hash;            // of what the sequence does: an unchanged one is not a new version
  std::string bytecode;        // the verified module (.seqb bytes)
  uint32_t index = 0;          // the sequence's index in the module
  int64_t created = 0;
};

struct RecordRow {
  std::string id;              // unique in the workspace, across entities
  std::string entity;
  std::string fields;          // typed values by field number (workspace/src/fields.h), nulls omitted
  int64_t updated = 0;
};

// One record on one sequence, from connect to disconnect/end; a reconnect is a new row.
// The interpreter's position (rt::RecordState) is kept column by column.
struct ConnectionRow {
  int64_t id = 0;              // assigned by insertConnections
  std::string record;
  int64_t sequence = 0;
  int32_t version = 0;
  uint8_t status = 0;          // rt::Status
  uint8_t reason = 0;          // rt::Reason
  uint8_t waiting = 0;         // rt::Waiting
  uint16_t step = 0xFFFF;
  uint16_t progress = 0;
  uint32_t pc = 0;
  uint32_t generation = 0;
  int64_t connected = 0;
  int64_t entered = 0;
  std::optional<int64_t> due;  // set while a timer is pending (Active + Timer/Condition)
  std::optional<int64_t> ended;
  std::string message;         // error message; the sequence advanced to; disconnect reason
  std::string data;            // engagement slots then variables (rt::encodeValues)
  std::string assignee;        // on a manual step: the user it is assigned to; empty: unassigned
  std::string damage;          // read back: why a state column was out of range (not stored)
  // Read back (not stored): the due time the store already has this connection's timer
  // under, if any; a write that keeps it adds no timer again (SQLite's timers table).
  std::optional<int64_t> timerStored;
};

struct HistoryRow {
  int64_t connection = 0;
  int64_t at = 0;
  int32_t step = -1;           // sequence-local step; -1 for lifecycle entries
  std::string result;          // "completed", "sent", …; lifecycle: "connected", "disconnected", …
  std::string detail;          // e.g. the disconnect reason
};

// A record's variant in an experiment of a sequence (docs/workspace.md, "Experiments"):
// kept across its runs and the sequence's versions (stickiness), with its latest run's
// start and whether that run converted.
struct VariantRow {
  std::string record;
  int64_t sequence = 0;
  std::string experiment;
  std::string variant;
  int64_t assigned = 0;    // the first assignment
  int64_t started = 0;     // the latest run's variant start
  bool converted = false;  // in that run
};

// How often a step of one version ended with one result (history entries with a step),
// kept as history is appended so `stats` does not read the history.
struct StepCount {
  int32_t version = 0;
  int32_t step = 0;
  std::string result;
  int64_t count = 0;
};

// The runs of one version at one engagement slot (a message step's): how many have it
// done (sent) and, of those, how many received each event. Kept as runs are saved, so
// that `stats` does not read the connections (workspace/src/internal.h, RunShares).
struct SlotCount {
  int32_t version = 0;
  uint16_t slot = 0;
  int64_t sent = 0;
  int64_t opened = 0;
  int64_t clicked = 0;
  int64_t replied = 0;
  int64_t downloaded = 0;
};

// Completed runs of a sequence that took `seconds` (ended - connected), kept likewise:
// `stats`'s median and p90 days to completion.
struct DurationCount {
  int64_t seconds = 0;
  int64_t count = 0;
};

// Connections of a sequence grouped by (status, version, step), for `stats`.
struct ConnectionCount {
  uint8_t status = 0;
  int32_t version = 0;
  uint16_t step = 0xFFFF;
  int64_t count = 0;
  int64_t ended = 0;           // how many have an end time
  int64_t seconds = 0;         // the sum of (ended - connected) over those
};

struct ExtensionRow {          // a field added by `extend entity`, registered at activate
  std::string entity;
  std::string field;
  std::string spec;            // JSON: {"type": …, "max_length": …, "options": [[value, label], …]}
  int64_t sequence = 0;        // the sequence whose activation registered it
};

// A record that is a member of a segment now (docs/workspace.md "Segments"): it entered
// at `entered`; the entry connected it (`connection`, the run it started) or not (`note`
// says why). Leaving deletes the row; entering again makes a new one.
struct SegmentMemberRow {
  std::string segment;         // the segment's name
  std::string record;
  int64_t sequence = 0;        // the sequence the segment fed at entry
  int64_t entered = 0;
  int64_t connection = 0;      // 0: the entry connected nothing
  std::string note;            // "connected", or why not
};

// What a segment did since the workspace began: entries and the connections they made.
struct SegmentCount {
  std::string segment;
  int64_t entries = 0;
  int64_t connections = 0;
};

// How far a bucket's clock readers (the active connections of versions whose `exit when`
// reads the clock) were checked, on a store with shared ticks: tick workers check them
// a bucket and a batch at a time, each once per clock (docs/workspace.md).
struct BucketReaders {
  int32_t bucket = 0;
  int64_t at = 0;     // every one checked up to this clock (0: never)
  int64_t to = 0;     // a pass under way up to this clock (at: none)
  int64_t after = 0;  // of that pass: the connections with ids up to this one are done
};

// Which connections a query wants.
struct ConnectionFilter {
  std::optional<int64_t> sequence;
  std::optional<std::string> record;
  bool activeOnly = false;           // status Active
  std::optional<int64_t> dueBy;      // Active with a pending timer due at or before this
  std::optional<int32_t> version;
};

class Store {
 public:
  virtual ~Store() = default;

  // ---- transactions: write transactions exclude each other (waiting up to a timeout)
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;  // also safe when no transaction is open

  // ---- workspace settings: "clock", "epoch", "created", "format"
  virtual std::optional<std::string> meta(const std::string& key) = 0;
  virtual void setMeta(const std::string& key, const std::string& value) = 0;

  // ---- sequences and versions
  virtual std::vector<SequenceRow> sequences() = 0;  // not deleted, by name
  virtual std::optional<SequenceRow> sequence(const std::string& name) = 0;  // not deleted
  virtual std::optional<SequenceRow> sequenceById(int64_t id) = 0;  // deleted too
  virtual int64_t insertSequence(const SequenceRow& row) = 0;
  virtual void updateSequence(const SequenceRow& row) = 0;
  virtual void insertVersion(const VersionRow& row) = 0;
  virtual std::optional<VersionRow> version(int64_t sequence, int32_t number) = 0;
  virtual std::vector<VersionRow> versions(int64_t sequence) = 0;  // by number
  virtual std::vector<ExtensionRow> extensions(const std::string& entity) = 0;
  virtual void insertExtension(const ExtensionRow& row) = 0;

  // ---- format: a database of an older format is upgraded in place, in the caller's
  // write transaction; `convert` turns a record's stored fields of format 1 (a JSON
  // object: field → text) into the current encoding (it may call addFieldName).
  // An upgrade that adds the slot and duration counts sets the setting "run_counts" to
  // "fill": the workspace then fills them from the connections, in the same transaction
  // on SQLite (needsUpgrade stays true until then on PostgreSQL, whose schema upgrades
  // run when it opens).
  virtual bool needsUpgrade() = 0;
  virtual void upgrade(const std::function<std::string(const std::string& entity, const std::string& fields)>& convert) = 0;

  // ---- records
  // The numbers of an entity's fields in RecordRow::fields: names by number.
  virtual std::vector<std::string> fieldNames(const std::string& entity) = 0;
  virtual void addFieldName(const std::string& entity, uint32_t number, const std::string& name) = 0;
  virtual void upsertRecords(const std::vector<RecordRow>& rows) = 0;
  // Whether the workspace holds any record, of any entity: a load into an empty
  // workspace has no id to look up (ids are unique across entities).
  virtual bool hasRecords() = 0;
  virtual std::optional<RecordRow> record(const std::string& id) = 0;
  virtual std::vector<RecordRow> records(const std::vector<std::string>& ids) = 0;  // those that exist
  // The fields of the records `ids` names: fn(index in ids, fields) for those that exist.
  virtual void recordFields(const std::vector<std::string>& ids,
                            const std::function<void(size_t, std::string_view)>& fn) = 0;
  virtual void forEachRecord(const std::string& entity, const std::function<void(const RecordRow&)>& fn) = 0;
  virtual void updateRecordFields(const std::string& id, const std::string& fields, int64_t updated) = 0;

  // ---- connections and history
  virtual void insertConnections(std::vector<ConnectionRow>& rows) = 0;  // sets ids
  virtual void updateConnections(const std::vector<ConnectionRow>& rows) = 0;
  virtual void forEachConnection(const ConnectionFilter& filter,
                                 const std::function<void(ConnectionRow&)>& fn) = 0;
  // The same, collected (ordered by id). The rows are moved, not copied: fn's row is
  // the store's scratch, there to be taken.
  virtual std::vector<ConnectionRow> connections(const ConnectionFilter& filter) {
    std::vector<ConnectionRow> rows;
    forEachConnection(filter, [&](ConnectionRow& c) { rows.push_back(std::move(c)); });
    return rows;
  }
  // The active connections with a timer due by `dueBy`, ordered by id, handed to fn
  // at most `chunk` at a time with how many are due in all (at most: a store may count
  // timers that have moved since). Which are due is settled first, so fn may write back
  // the rows it is given; it leaves each row as it now stands in the store. This
  // version reads them all at once; a store that reads each chunk as it hands it over
  // (SQLite) never holds a big tick's rows at once, its pages are still cached when
  // they are written back, and a row an earlier chunk's writes made not due is left out.
  virtual void forEachDueChunk(int64_t dueBy, size_t chunk,
                               const std::function<void(std::vector<ConnectionRow>&, size_t total)>& fn) {
    ConnectionFilter f;
    f.activeOnly = true;
    f.dueBy = dueBy;
    std::vector<ConnectionRow> all = connections(f);
    for (size_t i = 0; i < all.size(); i += chunk) {
      auto from = all.begin() + static_cast<ptrdiff_t>(i);
      auto to = all.begin() + static_cast<ptrdiff_t>(std::min(all.size(), i + chunk));
      std::vector<ConnectionRow> part(std::make_move_iterator(from), std::make_move_iterator(to));
      fn(part, all.size());
    }
  }
  // Active connections per sequence id (the home page's "records" column).
  virtual std::vector<std::pair<int64_t, int64_t>> activeCounts() = 0;
  virtual void appendHistory(const std::vector<HistoryRow>& rows) = 0;
  // A record's history over all its connections, in order of time then insertion.
  virtual std::vector<HistoryRow> history(const std::string& record) = 0;
  virtual void forEachHistory(int64_t sequence, const std::function<void(const HistoryRow&)>& fn) = 0;
  // The same, only of the connections with an "assigned" or "reassigned" entry (what
  // per-assignee stats read): the database filters, most runs have none.
  virtual void forEachAssignedHistory(int64_t sequence, const std::function<void(const HistoryRow&)>& fn) = 0;
  // Step results: whoever appends history entries with a step adds them here too.
  virtual void addStepCounts(int64_t sequence, const std::vector<StepCount>& counts) = 0;
  virtual std::vector<StepCount> stepCounts(int64_t sequence) = 0;
  virtual std::vector<ConnectionCount> connectionCounts(int64_t sequence) = 0;
  // Engagement and completion times of the runs: whoever saves a run whose slots or
  // completion changed adds the difference here (counts may be negative: taken back).
  virtual void addSlotCounts(int64_t sequence, const std::vector<SlotCount>& counts) = 0;
  virtual std::vector<SlotCount> slotCounts(int64_t sequence) = 0;
  virtual void addDurationCounts(int64_t sequence, const std::vector<DurationCount>& counts) = 0;
  virtual std::vector<DurationCount> durationCounts(int64_t sequence) = 0;  // by seconds, count > 0
  // Experiments: the stored variants of these records in the sequence; all of the
  // sequence's; insert or update by (record, sequence, experiment), keeping `assigned`.
  virtual std::vector<VariantRow> variants(int64_t sequence, const std::vector<std::string>& records) = 0;
  virtual std::vector<VariantRow> variantsOfSequence(int64_t sequence) = 0;
  virtual void upsertVariants(const std::vector<VariantRow>& rows) = 0;

  // ---- segments: members (by segment then record) and counts (added to, by name)
  virtual std::vector<SegmentMemberRow> segmentMembers(const std::string& entity) = 0;  // of segments on `entity`
  virtual void putSegmentMembers(const std::vector<SegmentMemberRow>& rows, const std::string& entity) = 0;
  virtual void removeSegmentMember(const std::string& segment, const std::string& record) = 0;
  virtual void addSegmentCounts(const std::vector<SegmentCount>& counts) = 0;
  virtual std::vector<SegmentCount> segmentCounts() = 0;  // by name

  // ---- shared ticks: a server store lets several tick workers run at once. Records are
  // spread over buckets by id (all of a record's connections in one); a worker locks one
  // bucket with due work at a time, skipping those another worker holds.
  virtual bool sharedTicks() const { return false; }
  // A write transaction that runs alongside others of its kind (workers on disjoint
  // buckets) but never alongside a begin(true) one.
  virtual void beginShared() { begin(true); }
  // In a beginShared transaction: locks (until it ends) a bucket with active connections
  // due by `dueBy` that no other transaction holds; nullopt when there is none.
  virtual std::optional<int32_t> lockDueBucket(int64_t) { return std::nullopt; }
  // Active connections of `bucket` due by `dueBy`, at most `limit`, ordered by id.
  virtual std::vector<ConnectionRow> dueInBucket(int32_t, int64_t, size_t) { return {}; }
  // Clock readers, a bucket at a time. In the clock's exclusive transaction: the buckets
  // whose readers were never checked start as checked up to `clock`.
  virtual void startReaders(int64_t) {}
  // In a beginShared transaction: locks a bucket whose readers are checked to before
  // `clock` or have a pass under way, that no other transaction holds; nullopt when none.
  virtual std::optional<BucketReaders> lockReadersBucket(int64_t) { return std::nullopt; }
  // Of a bucket this transaction locked; and setting it.
  virtual BucketReaders bucketReaders(int32_t bucket) { return {bucket}; }
  virtual void setBucketReaders(const BucketReaders&) {}
  // The clock up to which every bucket's readers were checked; nullopt: never.
  virtual std::optional<int64_t> readersChecked() { return std::nullopt; }
  // Active connections of `bucket` on these (sequence, version)s with ids above `after`,
  // at most `limit`, ordered by id.
  virtual std::vector<ConnectionRow> readersInBucket(int32_t, const std::vector<std::pair<int64_t, int32_t>>&, int64_t,
                                                     size_t) {
    return {};
  }
  // The earliest pending timer of an active connection (a waiting worker's alarm).
  virtual std::optional<int64_t> nextDue() = 0;
  // Out of any transaction: waits up to `milliseconds` for another process to commit a
  // change to connections; true when one did. A signal ends the wait early. A store
  // that cannot tell just waits.
  virtual void listen() {}
  virtual bool waitForChange(int milliseconds);
};

// Opens (create = true: creates) the SQLite workspace database at `path`.
std::unique_ptr<Store> openSqliteStore(const std::string& path, bool create);

// A PostgreSQL database (`postgresql://…` or `postgres://…`). The URL holds no password
// (checkDatabaseUrl refuses one): libpq's environment and password file give it.
bool isDatabaseUrl(std::string_view text);
void checkDatabaseUrl(const std::string& url);
// Connects; create = true makes the workspace's tables in an empty database, false
// opens the workspace there (upgrading an older schema).
std::unique_ptr<Store> openPostgresStore(const std::string& url, bool create);

// Runs `fn` in one transaction (a write transaction takes the write lock first):
// commits when it returns, rolls back when it throws.
template <class F>
auto inTransaction(Store& store, bool write, F&& fn) {
  store.begin(write);
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      store.commit();
    } else {
      auto result = fn();
      store.commit();
      return result;
    }
  } catch (...) {
    store.rollback();
    throw;
  }
}
template <class F>
auto inWriteTransaction(Store& store, F&& fn) {
  return inTransaction(store, true, std::forward<F>(fn));
}
template <class F>
auto inReadTransaction(Store& store, F&& fn) {
  return inTransaction(store, false, std::forward<F>(fn));
}

}  // namespace seqc::ws
