// The workspace's Store on SQLite: one database file in WAL mode (readers never block
// the writer; a kill -9 at any instant leaves the last commit), statements prepared
// once per store and reused, rows streamed to callbacks.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <poll.h>
#include <unistd.h>
#include <type_traits>
#include <utility>

#include "seqc/support/leb128.h"
#include "seqc/workspace/store.h"
#include "connection_row.h"

namespace seqc::ws {
namespace {

constexpr int32_t kApplicationId = 0x53455143;  // "SEQC": `file` and sqlite tell it apart
// 2: records' fields as typed bytes by field number (record_fields), step_counts.
// 3: connections.assignee.
// 4: segment_members, segment_counts.
// 5: experiment_variants.
// 6: slot_counts, duration_counts (filled from the connections by the upgrade),
//    history_assigned.
// 7: history keyed by (connection, id), with no rowid, index by connection or foreign
//    key (kSchema7); meta 'history_next'.
// 8: timers, grouped by due time, in place of the index connections_due (kSchema8).
// A database of an older schema is upgraded in place (upgrade()).
constexpr int32_t kSchemaVersion = 8;
constexpr int kBusyTimeoutMs = 30000;
constexpr const char* kBusyMessage = "the workspace is busy: another seqc holds it for more than 30 s";

// Version 2. Times are Unix seconds; text columns are never NULL (empty instead).
constexpr const char* kSchema = R"sql(
CREATE TABLE meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sequences(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  entity TEXT NOT NULL,
  description TEXT NOT NULL,
  tags TEXT NOT NULL,          -- JSON array of strings
  active INTEGER NOT NULL,
  latest INTEGER NOT NULL,
  created INTEGER NOT NULL,
  modified INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
-- A deleted sequence keeps its name (for history); a new one may take it.
CREATE UNIQUE INDEX sequences_name ON sequences(name) WHERE deleted = 0;

CREATE TABLE versions(
  sequence INTEGER NOT NULL REFERENCES sequences(id),
  number INTEGER NOT NULL,
  change TEXT NOT NULL,
  source_path TEXT NOT NULL,
  sources TEXT NOT NULL,       -- JSON object: path -> text
  hash TEXT NOT NULL,
  bytecode BLOB NOT NULL,
  module_index INTEGER NOT NULL,
  created INTEGER NOT NULL,
  PRIMARY KEY(sequence, number)
);

CREATE TABLE extensions(
  entity TEXT NOT NULL,
  field TEXT NOT NULL,
  spec TEXT NOT NULL,          -- JSON
  sequence INTEGER NOT NULL REFERENCES sequences(id),
  PRIMARY KEY(entity, field)
) WITHOUT ROWID;

CREATE TABLE records(
  id TEXT PRIMARY KEY,
  entity TEXT NOT NULL,
  fields BLOB NOT NULL,        -- by field number: workspace/src/fields.h
  updated INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX records_entity ON records(entity);

CREATE TABLE connections(
  id INTEGER PRIMARY KEY,
  record TEXT NOT NULL REFERENCES records(id),
  sequence INTEGER NOT NULL,
  version INTEGER NOT NULL,
  status INTEGER NOT NULL,     -- rt::Status; 0 is Active
  reason INTEGER NOT NULL,
  waiting INTEGER NOT NULL,
  step INTEGER NOT NULL,
  progress INTEGER NOT NULL,
  pc INTEGER NOT NULL,
  generation INTEGER NOT NULL,
  connected INTEGER NOT NULL,
  entered INTEGER NOT NULL,
  due INTEGER,                 -- only while a timer is pending
  ended INTEGER,
  message TEXT NOT NULL,
  data BLOB NOT NULL,          -- rt::encodeValues
  assignee TEXT NOT NULL DEFAULT '',  -- of the current manual activity (schema 3)
  FOREIGN KEY(sequence, version) REFERENCES versions(sequence, number)
);
CREATE INDEX connections_sequence ON connections(sequence, status);
CREATE INDEX connections_record ON connections(record);
-- Small: only connections waiting on a timer are in it (what a tick looks for).
CREATE INDEX connections_due ON connections(due) WHERE due IS NOT NULL;

CREATE TABLE history(
  id INTEGER PRIMARY KEY,      -- insertion order, kept by VACUUM (unlike a bare rowid)
  connection INTEGER NOT NULL REFERENCES connections(id),
  at INTEGER NOT NULL,
  step INTEGER NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX history_connection ON history(connection);
)sql";

// What schema 2 added to schema 1; upgrade() runs it on a database of schema 1.
constexpr const char* kSchema2 = R"sql(
CREATE TABLE record_fields(
  entity TEXT NOT NULL,
  number INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY(entity, number),
  UNIQUE(entity, name)
) WITHOUT ROWID;

-- History entries with a step, counted by step and result (what stats reads).
CREATE TABLE step_counts(
  sequence INTEGER NOT NULL,
  version INTEGER NOT NULL,
  step INTEGER NOT NULL,
  result TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY(sequence, version, step, result)
) WITHOUT ROWID;
)sql";

// What schema 4 added: segments' members and counts (docs/workspace.md "Segments").
constexpr const char* kSchema4 = R"sql(
CREATE TABLE segment_members(
  segment TEXT NOT NULL,
  record TEXT NOT NULL,
  entity TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  entered INTEGER NOT NULL,
  connection INTEGER NOT NULL,  -- 0: none
  note TEXT NOT NULL,
  PRIMARY KEY(segment, record)
) WITHOUT ROWID;
CREATE INDEX segment_members_entity ON segment_members(entity);

CREATE TABLE segment_counts(
  segment TEXT PRIMARY KEY,
  entries INTEGER NOT NULL,
  connections INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// What schema 5 added: each record's variant per experiment (docs/workspace.md,
// "Experiments"). upgrade() runs it on older databases.
constexpr const char* kSchema5 = R"sql(
CREATE TABLE IF NOT EXISTS experiment_variants(
  record TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  experiment TEXT NOT NULL,
  variant TEXT NOT NULL,
  assigned INTEGER NOT NULL,
  started INTEGER NOT NULL,
  converted INTEGER NOT NULL,
  PRIMARY KEY(sequence, record, experiment)
) WITHOUT ROWID;
)sql";

// What schema 6 added: the runs' engagement per (version, slot) and completed runs per
// duration, kept as runs are saved (what `stats` reads instead of the connections), and
// the runs with an assignment (per-assignee stats read only their history).
constexpr const char* kSchema6 = R"sql(
CREATE TABLE IF NOT EXISTS slot_counts(
  sequence INTEGER NOT NULL,
  version INTEGER NOT NULL,
  slot INTEGER NOT NULL,
  sent INTEGER NOT NULL,
  opened INTEGER NOT NULL,
  clicked INTEGER NOT NULL,
  replied INTEGER NOT NULL,
  downloaded INTEGER NOT NULL,
  PRIMARY KEY(sequence, version, slot)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS duration_counts(
  sequence INTEGER NOT NULL,
  seconds INTEGER NOT NULL,    -- ended - connected of completed runs
  count INTEGER NOT NULL,
  PRIMARY KEY(sequence, seconds)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS history_assigned ON history(connection) WHERE result IN ('assigned', 'reassigned');
)sql";

// Schema 7: history clustered by run, so that a row is one B-tree insert instead of a
// table row and an index entry, and without REFERENCES connections(id), whose check cost
// a quarter of each row's insert: history rows are written only with their connection,
// in its transaction, and connections are never deleted (docs/workspace.md). SQLite
// cannot drop a constraint: the table is made again, ids (the insertion order) kept.
constexpr const char* kSchema7 = R"sql(
CREATE TABLE history7(
  connection INTEGER NOT NULL, -- connections(id)
  id INTEGER NOT NULL,         -- insertion order: the meta 'history_next' is the next
  at INTEGER NOT NULL,
  step INTEGER NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY(connection, id)
) WITHOUT ROWID;
INSERT INTO history7(connection, id, at, step, result, detail)
  SELECT connection, id, at, step, result, detail FROM history ORDER BY connection, id;
INSERT OR REPLACE INTO meta(key, value) SELECT 'history_next', coalesce(max(id), 0) + 1 FROM history;
DROP TABLE history;
ALTER TABLE history7 RENAME TO history;
CREATE INDEX history_assigned ON history(connection) WHERE result IN ('assigned', 'reassigned');
)sql";

// Schema 8: what a tick looks for, the pending timers, as rows of connection ids that
// fall due at one time, in place of an index on connections.due: every step of a tick
// moved the connection's entry in that index (a quarter of the tick's work), while a
// chunk of connections the tick moves on to the same time is one row here. A row may
// name a connection whose timer has moved since (a later write added the new time):
// readers check each connection's own `due`, and a tick deletes the rows it takes.
constexpr const char* kSchema8 = R"sql(
CREATE TABLE timers(
  due INTEGER NOT NULL,
  ids BLOB NOT NULL            -- connection ids, ascending (encodeIds)
);
CREATE INDEX timers_due ON timers(due);
)sql";

// A timers row's ids: the first, then each one's difference from the one before, as
// LEB128. (A 16,384-id row of a tick's chunk is ~16 KB.)
std::string encodeIds(std::span<const int64_t> ids) {
  std::string out;
  out.reserve(ids.size() * 2);
  int64_t last = 0;
  for (int64_t id : ids) {
    leb128::append(static_cast<uint64_t>(id - last), out);
    last = id;
  }
  return out;
}
// Appends the ids of `blob` to out; false when it is damaged.
bool decodeIds(std::string_view blob, std::vector<int64_t>& out) {
  uint64_t last = 0;
  for (size_t at = 0; at < blob.size();) {
    uint64_t delta = 0;
    if (!leb128::read(blob, at, delta) || delta > static_cast<uint64_t>(INT64_MAX) - last) return false;
    last += delta;
    out.push_back(static_cast<int64_t>(last));
  }
  return true;
}

// ---- the database handle --------------------------------------------------------

class Database {
 public:
  // `uri`, when given, is what SQLite opens (with SQLITE_OPEN_URI); `path` names it.
  Database(std::string path, int flags, const std::string& uri = {}) : path_(std::move(path)) {
    int rc = sqlite3_open_v2(uri.empty() ? path_.c_str() : uri.c_str(), &db_,
                             uri.empty() ? flags : flags | SQLITE_OPEN_URI, nullptr);
    if (rc != SQLITE_OK) {
      if (!db_) throw StoreError(fmt::format("cannot open workspace database '{}': out of memory", path_));
      std::string detail = sqlite3_errmsg(db_);
      sqlite3_close_v2(db_);
      throw StoreError(fmt::format("cannot open workspace database '{}': {}", path_, detail));
    }
    sqlite3_extended_result_codes(db_, 1);
  }
  ~Database() { sqlite3_close_v2(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }

  // The StoreError for SQLite result `rc`, in the user's terms.
  [[noreturn]] void fail(int rc) const {
    std::string detail = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    switch (rc & 0xFF) {
      case SQLITE_CORRUPT:
        corrupt(detail);
      case SQLITE_NOTADB:
        throw StoreError(
            fmt::format("workspace database '{}' is corrupt or not a seqc workspace: {}", path_, detail));
      case SQLITE_BUSY:
        if (rc == SQLITE_BUSY_SNAPSHOT)
          throw StoreError("the workspace changed while it was being read: try again");
        throw StoreError(kBusyMessage);
      case SQLITE_FULL:
        throw StoreError(fmt::format("workspace database '{}': the disk is full", path_));
      case SQLITE_READONLY:
        throw StoreError(fmt::format("workspace database '{}' cannot be written: {}", path_, detail));
      default:
        throw StoreError(fmt::format("workspace database '{}': {}", path_, detail));
    }
  }
  [[noreturn]] void corrupt(std::string_view detail) const {
    throw StoreError(fmt::format("workspace database '{}' is corrupt: {}", path_, detail));
  }

  void exec(const char* sql) const {
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); rc != SQLITE_OK) fail(rc);
  }
  // The integer in the first column of the first row.
  int64_t queryInteger(const char* sql) const;

 private:
  std::string path_;
  sqlite3* db_ = nullptr;
};

// ---- statements -----------------------------------------------------------------

// A statement prepared on first use and kept for the store's lifetime.
class Statement {
 public:
  Statement() = default;
  explicit Statement(std::string sql) : sql_(std::move(sql)) {}
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool empty() const { return sql_.empty(); }
  void setSql(std::string sql) { sql_ = std::move(sql); }

 private:
  friend class Query;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
  bool inUse_ = false;
};

// One use of a Statement: bind, step, read columns. Resets the statement when done,
// also when a callback throws. If the statement is already in use (a callback
// querying the store while rows stream), a private copy is prepared instead.
class Query {
 public:
  Query(const Database& db, Statement& statement) : db_(db), statement_(statement) {
    if (!statement_.inUse_ && statement_.stmt_) {
      stmt_ = statement_.stmt_;
    } else {
      bool persistent = !statement_.inUse_;
      int rc = sqlite3_prepare_v3(db_.get(), statement_.sql_.c_str(), -1,
                                  persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
      if (rc != SQLITE_OK) db_.fail(rc);
      if (persistent) statement_.stmt_ = stmt_;
    }
    owned_ = stmt_ != statement_.stmt_;
    if (!owned_) statement_.inUse_ = true;
  }
  ~Query() {
    if (owned_) {
      sqlite3_finalize(stmt_);
    } else {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);  // no pointers to the caller's (SQLITE_STATIC) data stay
      statement_.inUse_ = false;
    }
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  // For the next row of a batch (every parameter is bound again).
  void reset() { sqlite3_reset(stmt_); }

  void integer(int i, int64_t v) { check(sqlite3_bind_int64(stmt_, i, v)); }
  void optional(int i, const std::optional<int64_t>& v) {
    check(v ? sqlite3_bind_int64(stmt_, i, *v) : sqlite3_bind_null(stmt_, i));
  }
  // Text and blobs are bound without a copy: the caller's data outlives the step.
  void text(int i, std::string_view v) {
    check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  void blob(int i, std::string_view v) {
    check(sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_STATIC));
  }

  // True while there is a row.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    db_.fail(rc);
  }
  void run() {
    while (step()) {
    }
  }

  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  // A column of a narrower type: out of range means someone else wrote the file.
  template <class T>
  T number(int col) const {
    int64_t v = sqlite3_column_int64(stmt_, col);
    if (!std::in_range<T>(v)) db_.corrupt(fmt::format("the value {} is out of range", v));
    return static_cast<T>(v);
  }
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::optional<int64_t> optional(int col) const {
    if (isNull(col)) return std::nullopt;
    return integer(col);
  }
  std::string text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }
  // Valid until the next step or reset.
  std::string_view view(int col) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string_view(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string_view();
  }
  std::string blob(int col) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
  }

 private:
  void check(int rc) const {
    if (rc != SQLITE_OK) db_.fail(rc);
  }

  const Database& db_;
  Statement& statement_;
  sqlite3_stmt* stmt_ = nullptr;
  bool owned_ = false;
};

int64_t Database::queryInteger(const char* sql) const {
  Statement statement(sql);
  Query q(*this, statement);
  return q.step() ? q.integer(0) : 0;
}

// ---- row conversions --------------------------------------------------------------

std::string encodeTags(const std::vector<std::string>& tags) {
  return nlohmann::json(tags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> decodeTags(const Database& db, const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> tags;
  if (!json.is_array()) db.corrupt("a sequence's tags are not a list");
  for (const auto& tag : json) {
    if (!tag.is_string()) db.corrupt("a sequence's tags are not a list");
    tags.push_back(tag.get<std::string>());
  }
  return tags;
}

constexpr const char* kSequenceColumns =
    "id, name, entity, description, tags, active, latest, created, modified, deleted";

SequenceRow readSequence(const Database& db, const Query& q) {
  SequenceRow row;
  row.id = q.integer(0);
  row.name = q.text(1);
  row.entity = q.text(2);
  row.description = q.text(3);
  row.tags = decodeTags(db, q.text(4));
  row.active = q.integer(5) != 0;
  row.latest = q.number<int32_t>(6);
  row.created = q.integer(7);
  row.modified = q.integer(8);
  row.deleted = q.integer(9) != 0;
  return row;
}

// ?2 … ?10 in kSequenceColumns' order (?1 is the id).
void bindSequence(Query& q, const SequenceRow& row, const std::string& tags) {
  q.text(2, row.name);
  q.text(3, row.entity);
  q.text(4, row.description);
  q.text(5, tags);
  q.integer(6, row.active ? 1 : 0);
  q.integer(7, row.latest);
  q.integer(8, row.created);
  q.integer(9, row.modified);
  q.integer(10, row.deleted ? 1 : 0);
}

constexpr const char* kVersionColumns =
    "sequence, number, change, source_path, sources, hash, bytecode, module_index, created";

VersionRow readVersion(const Query& q) {
  VersionRow row;
  row.sequence = q.integer(0);
  row.number = q.number<int32_t>(1);
  row.change = q.text(2);
  row.sourcePath = q.text(3);
  row.sources = q.text(4);
  row.hash = q.text(5);
  row.bytecode = q.blob(6);
  row.index = q.number<uint32_t>(7);
  row.created = q.integer(8);
  return row;
}

RecordRow readRecord(const Query& q) {
  return RecordRow{q.text(0), q.text(1), q.blob(2), q.integer(3)};
}

ConnectionRow readConnection(const Query& q) {
  ConnectionRow row = readConnectionRow(q, [](const Query& r, int col) { return r.blob(col); });
  if (row.status == 0) row.timerStored = row.due;  // every active timer is in `timers`
  return row;
}

// ?3 … ?17 in kConnectionColumns' order: what updateConnections changes. `base` moves
// them for a row of a multi-row statement (row k's ?3 is ?(base + 3)).
void bindConnectionState(Query& q, const ConnectionRow& row, int base = 0) {
  q.integer(base + 3, row.version);
  q.integer(base + 4, row.status);
  q.integer(base + 5, row.reason);
  q.integer(base + 6, row.waiting);
  q.integer(base + 7, row.step);
  q.integer(base + 8, row.progress);
  q.integer(base + 9, row.pc);
  q.integer(base + 10, row.generation);
  q.integer(base + 11, row.connected);
  q.integer(base + 12, row.entered);
  q.optional(base + 13, row.due);
  q.optional(base + 14, row.ended);
  q.text(base + 15, row.message);
  q.blob(base + 16, row.data);
  q.text(base + 17, row.assignee);
}

HistoryRow readHistory(const Query& q) {
  return HistoryRow{q.integer(0), q.integer(1), q.number<int32_t>(2), q.text(3), q.text(4)};
}

// forEachConnection's WHERE clause, one bit per ConnectionFilter member.
constexpr unsigned kBySequence = 1, kByRecord = 2, kActive = 4, kDue = 8, kByVersion = 16;
constexpr size_t kFilterVariants = 32;

std::string connectionQuery(unsigned bits) {
  std::string sql = fmt::format("SELECT {} FROM connections", kConnectionColumns);
  const char* glue = " WHERE ";
  auto add = [&](const char* condition) {
    sql += glue;
    sql += condition;
    glue = " AND ";
  };
  if (bits & kBySequence) add("sequence = ?1");
  if (bits & kByRecord) add("record = ?2");
  if (bits & kActive) add("status = 0");
  // Due rows: a run of ids close together (scanConnections), read in table order.
  if (bits & kDue) add("due IS NOT NULL AND due <= ?3 AND id BETWEEN ?5 AND ?6");
  if (bits & kByVersion) add("version = ?4");
  sql += " ORDER BY id";
  return sql;
}

// ---- the store --------------------------------------------------------------------

// A WAL database opened read-only needs its -shm file, which a reader without the right
// to write the directory cannot create. With no -wal file the database file holds every
// change, so it is read as immutable; with one, a writer is about, and SQLite reads its
// -shm as it is.
std::string readOnlyUri(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path + "-wal", ec)) return {};
  std::string uri = "file:";
  for (unsigned char c : std::filesystem::absolute(path, ec).string()) {
    if (std::isalnum(c) || std::strchr("/-_.~", c)) uri += static_cast<char>(c);
    else uri += fmt::format("%{:02X}", c);
  }
  return uri + "?immutable=1";
}

class SqliteStore final : public Store {
 public:
  // `readOnly` (why, when not empty): the user may not write the database or its
  // directory (a read-only mount, another user's workspace); reading still works.
  SqliteStore(const std::string& path, bool create, std::string readOnly = {})
      : db_(path, (readOnly.empty() ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX,
            readOnly.empty() ? std::string() : readOnlyUri(path)),
        readOnly_(std::move(readOnly)) {
    sqlite3* db = db_.get();
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    // The file may come from anywhere: its schema must not run functions or let
    // writes corrupt it.
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    if (!create) checkIdentity();
    if (readOnly_.empty()) db_.exec("PRAGMA journal_mode = WAL");  // persistent; a no-op once set
    db_.exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
    // A tick of 1M connections touches indexes all over: with the default 2 MiB cache
    // it takes twice as long. Pages are allocated as used. (256 MiB made `records load`
    // of 1M records 15% slower and 200 MB bigger.) After a big transaction, the WAL
    // shrinks back once checkpointed.
    db_.exec("PRAGMA cache_size = -65536; PRAGMA journal_size_limit = 67108864");
    if (create) {
      db_.exec("BEGIN IMMEDIATE");
      db_.exec(kSchema);
      db_.exec(kSchema2);
      db_.exec(kSchema4);
      db_.exec(kSchema5);
      db_.exec(kSchema6);
      db_.exec(kSchema7);
      db_.exec(kSchema8);
      db_.exec("DROP INDEX connections_due");
      db_.exec(fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {}", kApplicationId,
                           kSchemaVersion)
                   .c_str());
      db_.exec("COMMIT");
    }
  }

  // Inserts `rows` kBatchRows a statement (`many`) while there are that many, the rest
  // one a statement (`one`); `bind(q, first, row)` binds a row's `width` parameters
  // from `first`. A statement's step, reset and binding calls per row cost about as
  // much as the row's insert (a tick's history, `records load`).
  static constexpr size_t kBatchRows = 64;
  static std::string batchedValues(const std::string& head, int width, const std::string& tail = {}) {
    std::string row = "(?";
    for (int c = 1; c < width; ++c) row += ", ?";
    row += ")";
    std::string sql = head + " VALUES";
    for (size_t k = 0; k < kBatchRows; ++k) sql += (k ? ", " : "") + row;
    return sql + tail;
  }
  template <class Row, class Bind>
  void insertBatched(Statement& many, Statement& one, int width, const std::vector<Row>& rows, Bind&& bind) {
    size_t i = 0;
    if (rows.size() >= kBatchRows) {
      Query q(db_, many);
      for (; i + kBatchRows <= rows.size(); i += kBatchRows) {
        q.reset();
        for (size_t k = 0; k < kBatchRows; ++k) bind(q, static_cast<int>(width * k + 1), rows[i + k]);
        q.run();
      }
    }
    Query q(db_, one);
    for (; i < rows.size(); ++i) {
      q.reset();
      bind(q, 1, rows[i]);
      q.run();
    }
  }

  // ---- transactions

  // IMMEDIATE takes the write lock now: two writers wait for each other here, instead
  // of one failing when it upgrades a read.
  void begin(bool write) override {
    if (write && !readOnly_.empty())
      throw StoreError(fmt::format("the workspace database '{}' is read-only here ({}); this command changes it",
                                   db_.path(), readOnly_));
    db_.exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  void commit() override { db_.exec("COMMIT"); }
  void rollback() override {
    if (!sqlite3_get_autocommit(db_.get())) db_.exec("ROLLBACK");
  }

  // ---- meta

  std::optional<std::string> meta(const std::string& key) override {
    Query q(db_, getMeta_);
    q.text(1, key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
  }
  void setMeta(const std::string& key, const std::string& value) override {
    Query q(db_, setMeta_);
    q.text(1, key);
    q.text(2, value);
    q.run();
  }

  // ---- sequences and versions

  std::vector<SequenceRow> sequences() override {
    Query q(db_, sequences_);
    std::vector<SequenceRow> rows;
    while (q.step()) rows.push_back(readSequence(db_, q));
    return rows;
  }
  std::optional<SequenceRow> sequence(const std::string& name) override {
    Query q(db_, sequenceByName_);
    q.text(1, name);
    if (!q.step()) return std::nullopt;
    return readSequence(db_, q);
  }
  std::optional<SequenceRow> sequenceById(int64_t id) override {
    Query q(db_, sequenceById_);
    q.integer(1, id);
    if (!q.step()) return std::nullopt;
    return readSequence(db_, q);
  }
  int64_t insertSequence(const SequenceRow& row) override {
    Query q(db_, insertSequence_);
    std::string tags = encodeTags(row.tags);
    bindSequence(q, row, tags);
    runNaming(q, row.name);
    return sqlite3_last_insert_rowid(db_.get());
  }
  void updateSequence(const SequenceRow& row) override {
    Query q(db_, updateSequence_);
    std::string tags = encodeTags(row.tags);
    q.integer(1, row.id);
    bindSequence(q, row, tags);
    runNaming(q, row.name);
    expectChanged(fmt::format("no sequence with id {}", row.id));
  }

  void insertVersion(const VersionRow& row) override {
    Query q(db_, insertVersion_);
    q.integer(1, row.sequence);
    q.integer(2, row.number);
    q.text(3, row.change);
    q.text(4, row.sourcePath);
    q.text(5, row.sources);
    q.text(6, row.hash);
    q.blob(7, row.bytecode);
    q.integer(8, row.index);
    q.integer(9, row.created);
    q.run();
  }
  std::optional<VersionRow> version(int64_t sequence, int32_t number) override {
    Query q(db_, version_);
    q.integer(1, sequence);
    q.integer(2, number);
    if (!q.step()) return std::nullopt;
    return readVersion(q);
  }
  std::vector<VersionRow> versions(int64_t sequence) override {
    Query q(db_, versions_);
    q.integer(1, sequence);
    std::vector<VersionRow> rows;
    while (q.step()) rows.push_back(readVersion(q));
    return rows;
  }

  std::vector<ExtensionRow> extensions(const std::string& entity) override {
    Query q(db_, extensions_);
    q.text(1, entity);
    std::vector<ExtensionRow> rows;
    while (q.step()) rows.push_back(ExtensionRow{q.text(0), q.text(1), q.text(2), q.integer(3)});
    return rows;
  }
  void insertExtension(const ExtensionRow& row) override {
    Query q(db_, insertExtension_);
    q.text(1, row.entity);
    q.text(2, row.field);
    q.text(3, row.spec);
    q.integer(4, row.sequence);
    try {
      q.run();
    } catch (const StoreError&) {
      if (sqlite3_extended_errcode(db_.get()) == SQLITE_CONSTRAINT_PRIMARYKEY)
        throw StoreError(fmt::format("workspace database '{}': field '{}' of {} is registered already",
                                     db_.path(), row.field, row.entity));
      throw;
    }
  }

  // ---- format

  bool needsUpgrade() override { return db_.queryInteger("PRAGMA user_version") < kSchemaVersion; }

  void upgrade(const std::function<std::string(const std::string&, const std::string&)>& convert) override {
    if (!needsUpgrade()) return;  // another process did it while we waited for the lock
    if (db_.queryInteger("SELECT count(*) FROM pragma_table_info('connections') WHERE name = 'assignee'") == 0)
      db_.exec("ALTER TABLE connections ADD COLUMN assignee TEXT NOT NULL DEFAULT ''");
    if (db_.queryInteger("SELECT count(*) FROM sqlite_master WHERE name = 'segment_members'") == 0)
      db_.exec(kSchema4);
    db_.exec(kSchema5);
    db_.exec(kSchema6);
    int64_t from = db_.queryInteger("PRAGMA user_version");
    if (from < 6) setMeta("run_counts", "fill");  // the workspace fills them (it knows the versions' slots)
    if (from < 7) db_.exec(kSchema7);
    if (from < 8) {
      db_.exec("DROP TABLE IF EXISTS timers");  // a leftover of a failed attempt is made again
      db_.exec(kSchema8);
      std::vector<std::pair<int64_t, int64_t>> pending;
      {
        Statement all{"SELECT due, id FROM connections WHERE status = 0 AND due IS NOT NULL ORDER BY due, id"};
        Query q(db_, all);
        while (q.step()) pending.emplace_back(q.integer(0), q.integer(1));
      }
      writeTimers(pending);
      db_.exec("DROP INDEX IF EXISTS connections_due");
    }
    if (from >= 2) {
      db_.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion).c_str());
      return;
    }
    db_.exec(kSchema2);
    // Records a page at a time by id: the rows are rewritten while no query reads them.
    Statement page{"SELECT id, entity, fields FROM records WHERE id > ?1 ORDER BY id LIMIT 10000"};
    std::string after;
    std::vector<RecordRow> rows;
    for (;;) {
      rows.clear();
      {
        Query q(db_, page);
        q.text(1, after);
        while (q.step()) rows.push_back(RecordRow{q.text(0), q.text(1), q.text(2), 0});
      }
      if (rows.empty()) break;
      Query u(db_, upgradeRecord_);
      for (RecordRow& r : rows) {
        std::string fields = convert(r.entity, r.fields);
        u.reset();
        u.text(1, r.id);
        u.blob(2, fields);
        u.run();
      }
      after = rows.back().id;
    }
    db_.exec(
        "INSERT INTO step_counts(sequence, version, step, result, count) "
        "SELECT c.sequence, c.version, h.step, h.result, count(*) FROM history h "
        "JOIN connections c ON c.id = h.connection WHERE h.step >= 0 GROUP BY 1, 2, 3, 4");
    db_.exec(fmt::format("PRAGMA user_version = {}", kSchemaVersion).c_str());
  }

  // ---- segments

  std::vector<SegmentMemberRow> segmentMembers(const std::string& entity) override {
    Query q(db_, segmentMembers_);
    q.text(1, entity);
    std::vector<SegmentMemberRow> rows;
    while (q.step())
      rows.push_back(SegmentMemberRow{q.text(0), q.text(1), q.integer(2), q.integer(3), q.integer(4), q.text(5)});
    return rows;
  }
  void putSegmentMembers(const std::vector<SegmentMemberRow>& rows, const std::string& entity) override {
    for (const SegmentMemberRow& m : rows) {
      Query q(db_, putSegmentMember_);
      q.text(1, m.segment);
      q.text(2, m.record);
      q.text(3, entity);
      q.integer(4, m.sequence);
      q.integer(5, m.entered);
      q.integer(6, m.connection);
      q.text(7, m.note);
      q.run();
    }
  }
  void removeSegmentMember(const std::string& segment, const std::string& record) override {
    Query q(db_, removeSegmentMember_);
    q.text(1, segment);
    q.text(2, record);
    q.run();
  }
  void addSegmentCounts(const std::vector<SegmentCount>& counts) override {
    for (const SegmentCount& c : counts) {
      Query q(db_, addSegmentCount_);
      q.text(1, c.segment);
      q.integer(2, c.entries);
      q.integer(3, c.connections);
      q.run();
    }
  }
  std::vector<SegmentCount> segmentCounts() override {
    Query q(db_, segmentCounts_);
    std::vector<SegmentCount> out;
    while (q.step()) out.push_back(SegmentCount{q.text(0), q.integer(1), q.integer(2)});
    return out;
  }

  // ---- records

  std::vector<std::string> fieldNames(const std::string& entity) override {
    Query q(db_, fieldNames_);
    q.text(1, entity);
    std::vector<std::string> names;
    while (q.step()) {
      if (q.integer(0) != static_cast<int64_t>(names.size())) db_.corrupt("the field numbers have a gap");
      names.push_back(q.text(1));
    }
    return names;
  }
  void addFieldName(const std::string& entity, uint32_t number, const std::string& name) override {
    Query q(db_, addFieldName_);
    q.text(1, entity);
    q.integer(2, number);
    q.text(3, name);
    q.run();
  }

  void upsertRecords(const std::vector<RecordRow>& rows) override {
    insertBatched(upsertRecordsMany_, upsertRecord_, 4, rows, [](Query& q, int first, const RecordRow& row) {
      q.text(first, row.id);
      q.text(first + 1, row.entity);
      q.blob(first + 2, row.fields);
      q.integer(first + 3, row.updated);
    });
  }
  bool hasRecords() override {
    Query q(db_, hasRecords_);
    return q.step();
  }
  std::optional<RecordRow> record(const std::string& id) override {
    Query q(db_, record_);
    q.text(1, id);
    if (!q.step()) return std::nullopt;
    return readRecord(q);
  }
  std::vector<RecordRow> records(const std::vector<std::string>& ids) override {
    Query q(db_, record_);
    std::vector<RecordRow> rows;
    for (const auto& id : ids) {
      q.reset();
      q.text(1, id);
      if (q.step()) rows.push_back(readRecord(q));
    }
    return rows;
  }
  // `SELECT id, … FROM records WHERE id >= ?1 ORDER BY id` walked beside ids wanted in
  // ascending order: stepping to the next record costs a fraction of a lookup by id (a
  // tick's, a connect's ids are mostly in order and close together), so the walk steps
  // over at most kSkipRecords records not wanted, then seeks again: sparse ids cost a
  // lookup each, as before.
  class RecordWalk {
   public:
    explicit RecordWalk(Query& q) : q_(q) {}
    // Onto the first record whose id is >= want; false when there is none (nor for any
    // later want).
    bool seek(std::string_view want) {
      if (ended_) return false;
      for (int skipped = 0; on_ && q_.view(0) < want && skipped < kSkipRecords; ++skipped)
        if (!(on_ = q_.step())) return !(ended_ = true);
      if (!on_ || q_.view(0) < want) {
        from_.assign(want);  // the caller's view may not outlive its next step
        q_.reset();
        q_.text(1, from_);
        if (!(on_ = q_.step())) return !(ended_ = true);
      }
      return true;
    }
    bool at(std::string_view want) { return q_.view(0) == want; }

   private:
    Query& q_;
    std::string from_;
    bool on_ = false, ended_ = false;
  };
  void recordFields(const std::vector<std::string>& ids,
                    const std::function<void(size_t, std::string_view)>& fn) override {
    const size_t n = ids.size();
    std::vector<uint32_t> order;  // only when the ids are not in order already
    if (!std::is_sorted(ids.begin(), ids.end())) {
      order.resize(n);
      for (uint32_t i = 0; i < n; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ids[a] < ids[b]; });
    }
    Query q(db_, recordsFrom_);
    RecordWalk walk(q);
    for (size_t k = 0; k < n; ++k) {
      size_t i = order.empty() ? k : order[k];
      if (!walk.seek(ids[i])) break;  // past the last record: the rest do not exist
      if (walk.at(ids[i])) fn(i, q.view(1));
    }
  }
  static constexpr int kSkipRecords = 8;
  // The entity's ids from its index, in order, and the rows by walking the table beside
  // them: a lookup by id per record cost 3,700 instructions of a connect --where's scan.
  void forEachRecord(const std::string& entity, const std::function<void(const RecordRow&)>& fn) override {
    Query ids(db_, entityIds_);
    ids.text(1, entity);
    Query q(db_, recordsFromAll_);
    RecordWalk walk(q);
    RecordRow row;  // reused: its strings keep their capacity from row to row
    while (ids.step()) {
      std::string_view want = ids.view(0);
      if (!walk.seek(want)) break;
      if (!walk.at(want)) continue;  // in the index, not in the table (cannot happen in one transaction)
      row.id.assign(q.view(0));
      row.entity.assign(q.view(1));
      row.fields.assign(q.view(2));
      row.updated = q.integer(3);
      fn(row);
    }
  }
  void updateRecordFields(const std::string& id, const std::string& fields, int64_t updated) override {
    Query q(db_, updateRecordFields_);
    q.text(1, id);
    q.blob(2, fields);
    q.integer(3, updated);
    q.run();
    expectChanged(fmt::format("no record '{}'", id));
  }

  // ---- connections and history

  // kBatchRows rows per statement while there are that many (the per-statement
  // step, reset and halt cost about as much as a row). The ids are what SQLite would
  // give one row at a time, the largest plus one, given here so that a multi-row insert
  // knows each row's.
  void insertConnections(std::vector<ConnectionRow>& rows) override {
    auto bind = [](Query& q, int base, const ConnectionRow& row) {
      q.integer(base + 1, row.id);
      q.text(base + 2, row.record);
      q.integer(base + 3, row.sequence);
      bindConnectionState(q, row, base + 1);
    };
    size_t i = 0;
    if (rows.size() >= kBatchRows) {
      int64_t last = db_.queryInteger("SELECT coalesce(max(id), 0) FROM connections");
      if (last <= std::numeric_limits<int64_t>::max() - static_cast<int64_t>(rows.size())) {
        Query q(db_, insertConnectionMany_);
        for (; i + kBatchRows <= rows.size(); i += kBatchRows) {
          q.reset();
          for (size_t k = 0; k < kBatchRows; ++k) {
            rows[i + k].id = ++last;
            bind(q, static_cast<int>(kInsertWidth * k), rows[i + k]);
          }
          q.run();
        }
      }
    }
    {
      Query q(db_, insertConnection_);
      for (; i < rows.size(); ++i) {
        q.reset();
        q.text(1, rows[i].record);
        q.integer(2, rows[i].sequence);
        bindConnectionState(q, rows[i]);
        q.run();
        rows[i].id = sqlite3_last_insert_rowid(db_.get());
      }
    }
    addTimers(rows, false);
  }
  // Most updates keep the status and the version (a step of a tick). The first statement
  // leaves both out of its SET, so SQLite neither moves the row's (sequence, status)
  // index entry nor checks the versions foreign key; when either differs it changes no
  // row, and the full update runs. (One row per statement: an UPDATE … FROM (VALUES …)
  // of 64 rows cost 40% more, SQLite copying the rows through two temporary tables.)
  //
  // kBatchRows rows at a time, that first statement is one upsert of them all (one
  // statement per row cost ~4,500 instructions a row beyond the update itself). Its
  // rows carry sequence 0, which no version has: a connection that does not exist is
  // not inserted but fails the versions foreign key. When it changed fewer rows than it
  // had (a status or version changed), those rows go one by one.
  void updateConnections(const std::vector<ConnectionRow>& rows) override {
    size_t i = 0;
    if (rows.size() >= kBatchRows) {
      Query many(db_, upsertConnectionsKeepingStatus_);
      for (; i + kBatchRows <= rows.size(); i += kBatchRows) {
        many.reset();
        for (size_t k = 0; k < kBatchRows; ++k) {
          const ConnectionRow& row = rows[i + k];
          int base = static_cast<int>(kInsertWidth * k);
          many.integer(base + 1, row.id);
          many.text(base + 2, row.record);
          many.integer(base + 3, 0);
          bindConnectionState(many, row, base + 1);
        }
        many.run();
        if (sqlite3_changes(db_.get()) != static_cast<int>(kBatchRows)) updateEach(rows, i, i + kBatchRows);
      }
    }
    updateEach(rows, i, rows.size());
    addTimers(rows, true);
  }

  // ---- timers (kSchema8)

  // Every active row with a timer gets a timers entry at its due time: one row per time
  // (of at most kTimerIds ids) for all of `rows`. `keep`: a row read back with its
  // timer already at that time (an event during a wait) gets none again.
  static constexpr size_t kTimerIds = 16384;
  void addTimers(const std::vector<ConnectionRow>& rows, bool keep) {
    std::vector<std::pair<int64_t, int64_t>> pending;
    for (const ConnectionRow& row : rows)
      if (row.due && row.status == 0 && !(keep && row.timerStored == row.due)) pending.emplace_back(*row.due, row.id);
    if (pending.empty()) return;
    std::sort(pending.begin(), pending.end());
    writeTimers(pending);
  }
  // `pending`: (due, id), sorted.
  void writeTimers(const std::vector<std::pair<int64_t, int64_t>>& pending) {
    Query q(db_, addTimer_);
    std::vector<int64_t> ids;
    for (size_t i = 0; i < pending.size();) {
      ids.clear();
      size_t j = i;
      for (; j < pending.size() && pending[j].first == pending[i].first && ids.size() < kTimerIds; ++j)
        if (ids.empty() || ids.back() != pending[j].second) ids.push_back(pending[j].second);
      std::string blob = encodeIds(ids);
      q.reset();
      q.integer(1, pending[i].first);
      q.blob(2, blob);
      q.run();
      i = j;
    }
  }
  // The ids the timers due by `dueBy` name, sorted, each once; `take`: those timers
  // rows are deleted (a tick runs them).
  std::vector<int64_t> dueIds(int64_t dueBy, bool take = false) {
    std::vector<int64_t> due;
    {
      Query q(db_, timersDue_);
      q.integer(1, dueBy);
      while (q.step())
        if (!decodeIds(q.view(0), due))
          throw StoreError(
              fmt::format("workspace database '{}' is corrupt: a row of its table 'timers' is damaged", db_.path()));
    }
    if (take) {
      Query q(db_, takeTimers_);
      q.integer(1, dueBy);
      q.run();
    }
    std::sort(due.begin(), due.end());
    due.erase(std::unique(due.begin(), due.end()), due.end());
    return due;
  }
  void updateEach(const std::vector<ConnectionRow>& rows, size_t from, size_t to) {
    if (from == to) return;
    Query same(db_, updateConnectionKeepingStatus_);
    Query full(db_, updateConnection_);
    for (size_t i = from; i < to; ++i) {
      const ConnectionRow& row = rows[i];
      same.reset();
      bindConnectionState(same, row);
      same.integer(18, row.id);
      same.run();
      if (sqlite3_changes(db_.get()) == 1) continue;
      full.reset();
      bindConnectionState(full, row);
      full.integer(18, row.id);
      full.run();
      expectChanged(fmt::format("no connection {}", row.id));
    }
  }
  void forEachConnection(const ConnectionFilter& filter,
                         const std::function<void(ConnectionRow&)>& fn) override {
    scanConnections(filter, fn, [](size_t) {});
  }
  // Due rows are counted before they are read: the vector is made once at its size (a
  // big tick's rows are hundreds of MB; growing it moved them twice over).
  std::vector<ConnectionRow> connections(const ConnectionFilter& filter) override {
    std::vector<ConnectionRow> rows;
    scanConnections(
        filter, [&](ConnectionRow& c) { rows.push_back(std::move(c)); }, [&](size_t n) { rows.reserve(n); });
    return rows;
  }
  template <class Fn, class Reserve>
  void scanConnections(const ConnectionFilter& filter, Fn&& fn, Reserve&& reserve) {
    Query q(db_, connectionStatement(filter));
    bindFilter(q, filter);
    if (!filter.dueBy) {
      while (q.step()) {
        ConnectionRow c = readConnection(q);
        fn(c);
      }
      return;
    }
    std::vector<int64_t> due = dueIds(*filter.dueBy);
    reserve(due.size());
    readDue(q, due, fn);
  }
  // The timers due are taken (deleted) first: fn runs the rows. A row fn leaves due by
  // then (it did not move: fn did not write it) gets its timer back, for the next tick.
  void forEachDueChunk(int64_t dueBy, size_t chunk,
                       const std::function<void(std::vector<ConnectionRow>&, size_t)>& fn) override {
    ConnectionFilter filter;
    filter.activeOnly = true;
    filter.dueBy = dueBy;
    std::vector<int64_t> due = dueIds(dueBy, true);
    Statement& statement = connectionStatement(filter);
    std::vector<ConnectionRow> rows;
    for (size_t i = 0; i < due.size(); i += chunk) {
      rows.clear();
      rows.reserve(std::min(chunk, due.size() - i));
      {
        Query q(db_, statement);
        bindFilter(q, filter);
        std::span<const int64_t> part(due.data() + i, std::min(chunk, due.size() - i));
        readDue(q, part, [&](ConnectionRow& c) {
          c.timerStored.reset();  // taken above
          rows.push_back(std::move(c));
        });
      }
      fn(rows, due.size());
      std::vector<ConnectionRow> stay;
      for (const ConnectionRow& row : rows)
        if (row.due && *row.due <= dueBy && row.status == 0) stay.push_back(row);
      addTimers(stay, false);
    }
  }
  Statement& connectionStatement(const ConnectionFilter& filter) {
    unsigned bits = (filter.sequence ? kBySequence : 0u) | (filter.record ? kByRecord : 0u) |
                    (filter.activeOnly || filter.dueBy ? kActive : 0u) | (filter.dueBy ? kDue : 0u) |
                    (filter.version ? kByVersion : 0u);
    Statement& statement = connections_[bits];
    if (statement.empty()) statement.setSql(connectionQuery(bits));
    return statement;
  }
  static void bindFilter(Query& q, const ConnectionFilter& filter) {
    if (filter.sequence) q.integer(1, *filter.sequence);
    if (filter.record) q.text(2, *filter.record);
    if (filter.dueBy) q.integer(3, *filter.dueBy);
    if (filter.version) q.integer(4, *filter.version);
  }
  // Reads the rows of the sorted ids `due` through q (a kDue query, its filter bound):
  // each run of ids at most kDueGap apart as one range of the table (a row between them
  // that is not due costs less to step over than a lookup by id costs).
  template <class Fn>
  void readDue(Query& q, std::span<const int64_t> due, Fn&& fn) {
    for (size_t i = 0; i < due.size();) {
      size_t j = i + 1;
      while (j < due.size() && due[j] - due[j - 1] <= kDueGap) ++j;
      q.reset();
      q.integer(5, due[i]);
      q.integer(6, due[j - 1]);
      while (q.step()) {
        ConnectionRow c = readConnection(q);
        fn(c);
      }
      i = j;
    }
  }
  static constexpr int64_t kDueGap = 8;
  std::vector<std::pair<int64_t, int64_t>> activeCounts() override {
    Query q(db_, activeCounts_);
    std::vector<std::pair<int64_t, int64_t>> counts;
    while (q.step()) counts.emplace_back(q.integer(0), q.integer(1));
    return counts;
  }
  // Ids continue from the setting history_next (the table has no rowid to count on).
  void appendHistory(const std::vector<HistoryRow>& rows) override {
    if (rows.empty()) return;
    int64_t next = 1;
    {
      Query q(db_, getMeta_);
      q.text(1, "history_next");
      if (q.step()) next = q.integer(0);
    }
    const int64_t first = next;
    insertBatched(insertHistoryMany_, insertHistory_, 6, rows, [&](Query& q, int at, const HistoryRow& row) {
      q.integer(at, row.connection);
      q.integer(at + 1, next++);
      q.integer(at + 2, row.at);
      q.integer(at + 3, row.step);
      q.text(at + 4, row.result);
      q.text(at + 5, row.detail);
    });
    setMeta("history_next", std::to_string(first + static_cast<int64_t>(rows.size())));
  }
  std::vector<HistoryRow> history(const std::string& record) override {
    Query q(db_, historyOfRecord_);
    q.text(1, record);
    std::vector<HistoryRow> rows;
    while (q.step()) rows.push_back(readHistory(q));
    return rows;
  }
  void forEachHistory(int64_t sequence, const std::function<void(const HistoryRow&)>& fn) override {
    Query q(db_, historyOfSequence_);
    q.integer(1, sequence);
    while (q.step()) fn(readHistory(q));
  }
  void forEachAssignedHistory(int64_t sequence, const std::function<void(const HistoryRow&)>& fn) override {
    Query q(db_, assignedHistory_);
    q.integer(1, sequence);
    while (q.step()) fn(readHistory(q));
  }
  void addStepCounts(int64_t sequence, const std::vector<StepCount>& counts) override {
    Query q(db_, addStepCount_);
    for (const StepCount& c : counts) {
      q.reset();
      q.integer(1, sequence);
      q.integer(2, c.version);
      q.integer(3, c.step);
      q.text(4, c.result);
      q.integer(5, c.count);
      q.run();
    }
  }
  std::vector<StepCount> stepCounts(int64_t sequence) override {
    Query q(db_, stepCounts_);
    q.integer(1, sequence);
    std::vector<StepCount> out;
    while (q.step()) out.push_back(StepCount{q.number<int32_t>(0), q.number<int32_t>(1), q.text(2), q.integer(3)});
    return out;
  }
  void addSlotCounts(int64_t sequence, const std::vector<SlotCount>& counts) override {
    Query q(db_, addSlotCount_);
    for (const SlotCount& c : counts) {
      q.reset();
      q.integer(1, sequence);
      q.integer(2, c.version);
      q.integer(3, c.slot);
      q.integer(4, c.sent);
      q.integer(5, c.opened);
      q.integer(6, c.clicked);
      q.integer(7, c.replied);
      q.integer(8, c.downloaded);
      q.run();
    }
  }
  std::vector<SlotCount> slotCounts(int64_t sequence) override {
    Query q(db_, slotCounts_);
    q.integer(1, sequence);
    std::vector<SlotCount> out;
    while (q.step())
      out.push_back(SlotCount{q.number<int32_t>(0), q.number<uint16_t>(1), q.integer(2), q.integer(3), q.integer(4),
                              q.integer(5), q.integer(6)});
    return out;
  }
  void addDurationCounts(int64_t sequence, const std::vector<DurationCount>& counts) override {
    Query q(db_, addDurationCount_);
    for (const DurationCount& c : counts) {
      q.reset();
      q.integer(1, sequence);
      q.integer(2, c.seconds);
      q.integer(3, c.count);
      q.run();
    }
  }
  std::vector<DurationCount> durationCounts(int64_t sequence) override {
    Query q(db_, durationCounts_);
    q.integer(1, sequence);
    std::vector<DurationCount> out;
    while (q.step()) out.push_back(DurationCount{q.integer(0), q.integer(1)});
    return out;
  }
  std::vector<VariantRow> variants(int64_t sequence, const std::vector<std::string>& records) override {
    Query q(db_, variantsOfRecord_);
    std::vector<VariantRow> out;
    for (const std::string& id : records) {
      q.reset();
      q.integer(1, sequence);
      q.text(2, id);
      while (q.step()) out.push_back(readVariant(q));
    }
    return out;
  }
  std::vector<VariantRow> variantsOfSequence(int64_t sequence) override {
    Query q(db_, variantsOfSequence_);
    q.integer(1, sequence);
    std::vector<VariantRow> out;
    while (q.step()) out.push_back(readVariant(q));
    return out;
  }
  void upsertVariants(const std::vector<VariantRow>& rows) override {
    Query q(db_, upsertVariant_);
    for (const VariantRow& v : rows) {
      q.reset();
      q.text(1, v.record);
      q.integer(2, v.sequence);
      q.text(3, v.experiment);
      q.text(4, v.variant);
      q.integer(5, v.assigned);
      q.integer(6, v.started);
      q.integer(7, v.converted ? 1 : 0);
      q.run();
    }
  }
  static VariantRow readVariant(Query& q) {
    return VariantRow{q.text(0), q.integer(1), q.text(2), q.text(3), q.integer(4), q.integer(5), q.integer(6) != 0};
  }
  std::optional<int64_t> nextDue() override {
    Query q(db_, nextDue_);
    if (!q.step()) return std::nullopt;
    return q.optional(0);
  }
  std::vector<ConnectionCount> connectionCounts(int64_t sequence) override {
    Query q(db_, connectionCounts_);
    q.integer(1, sequence);
    std::vector<ConnectionCount> out;
    while (q.step())
      out.push_back(ConnectionCount{q.number<uint8_t>(0), q.number<int32_t>(1), q.number<uint16_t>(2), q.integer(3),
                                    q.integer(4), q.integer(5)});
    return out;
  }

 private:
  // The application id tells a seqc workspace from any other SQLite file. Reading the
  // schema first makes a garbage or cut file fail as corrupt rather than as foreign.
  void checkIdentity() {
    db_.queryInteger("SELECT count(*) FROM sqlite_master");
    int64_t id = db_.queryInteger("PRAGMA application_id");
    if (id != kApplicationId)
      throw StoreError(fmt::format("workspace database '{}' is not a seqc workspace", db_.path()));
    int64_t schema = db_.queryInteger("PRAGMA user_version");
    if (schema > kSchemaVersion)
      throw StoreError(fmt::format("workspace database '{}' was made by a newer seqc (schema {})",
                                   db_.path(), schema));
    if (schema < 1) db_.corrupt(fmt::format("unknown schema {}", schema));  // 1: upgraded by upgrade()
  }

  // Runs an insert/update of a sequence: a name taken by another live sequence is the
  // user's error, not the database's.
  void runNaming(Query& q, const std::string& name) {
    try {
      q.run();
    } catch (const StoreError&) {
      if (sqlite3_extended_errcode(db_.get()) == SQLITE_CONSTRAINT_UNIQUE)
        throw StoreError(fmt::format("a sequence named '{}' exists already", name));
      throw;
    }
  }

  void expectChanged(const std::string& what) const {
    if (sqlite3_changes(db_.get()) == 0)
      throw StoreError(fmt::format("workspace database '{}': {}", db_.path(), what));
  }

  // First: closed (rolling back an open transaction) after the statements are finalized.
  Database db_;
  std::string readOnly_;  // why the store is read-only; empty when it is not

  Statement getMeta_{"SELECT value FROM meta WHERE key = ?1"};
  Statement setMeta_{
      "INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value"};

  Statement sequences_{
      fmt::format("SELECT {} FROM sequences WHERE deleted = 0 ORDER BY name", kSequenceColumns)};
  Statement sequenceByName_{
      fmt::format("SELECT {} FROM sequences WHERE name = ?1 AND deleted = 0", kSequenceColumns)};
  Statement sequenceById_{fmt::format("SELECT {} FROM sequences WHERE id = ?1", kSequenceColumns)};
  Statement insertSequence_{fmt::format("INSERT INTO sequences({}) VALUES(NULL, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                        kSequenceColumns)};
  Statement updateSequence_{
      "UPDATE sequences SET name = ?2, entity = ?3, description = ?4, tags = ?5, active = ?6, latest = ?7, "
      "created = ?8, modified = ?9, deleted = ?10 WHERE id = ?1"};
  Statement insertVersion_{fmt::format("INSERT INTO versions({}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                       kVersionColumns)};
  Statement version_{
      fmt::format("SELECT {} FROM versions WHERE sequence = ?1 AND number = ?2", kVersionColumns)};
  Statement versions_{
      fmt::format("SELECT {} FROM versions WHERE sequence = ?1 ORDER BY number", kVersionColumns)};
  Statement segmentMembers_{
      "SELECT segment, record, sequence, entered, connection, note FROM segment_members WHERE entity = ?1 "
      "ORDER BY segment, record"};
  Statement putSegmentMember_{
      "INSERT OR REPLACE INTO segment_members(segment, record, entity, sequence, entered, connection, note) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"};
  Statement removeSegmentMember_{"DELETE FROM segment_members WHERE segment = ?1 AND record = ?2"};
  Statement addSegmentCount_{
      "INSERT INTO segment_counts(segment, entries, connections) VALUES(?1, ?2, ?3) ON CONFLICT(segment) DO "
      "UPDATE SET entries = entries + excluded.entries, connections = connections + excluded.connections"};
  Statement segmentCounts_{"SELECT segment, entries, connections FROM segment_counts ORDER BY segment"};
  Statement extensions_{"SELECT entity, field, spec, sequence FROM extensions WHERE entity = ?1 ORDER BY field"};
  Statement insertExtension_{"INSERT INTO extensions(entity, field, spec, sequence) VALUES(?1, ?2, ?3, ?4)"};

  Statement upsertRecord_{
      "INSERT INTO records(id, entity, fields, updated) VALUES(?1, ?2, ?3, ?4) ON CONFLICT(id) DO UPDATE "
      "SET entity = excluded.entity, fields = excluded.fields, updated = excluded.updated"};
  Statement upsertRecordsMany_{batchedValues(
      "INSERT INTO records(id, entity, fields, updated)", 4,
      " ON CONFLICT(id) DO UPDATE SET entity = excluded.entity, fields = excluded.fields, updated = excluded.updated")};
  Statement record_{"SELECT id, entity, fields, updated FROM records WHERE id = ?1"};
  Statement hasRecords_{"SELECT 1 FROM records LIMIT 1"};
  Statement entityIds_{"SELECT id FROM records INDEXED BY records_entity WHERE entity = ?1 ORDER BY id"};
  Statement recordsFromAll_{"SELECT id, entity, fields, updated FROM records WHERE id >= ?1 ORDER BY id"};
  Statement updateRecordFields_{"UPDATE records SET fields = ?2, updated = ?3 WHERE id = ?1"};
  Statement recordsFrom_{"SELECT id, fields FROM records WHERE id >= ?1 ORDER BY id"};
  Statement upgradeRecord_{"UPDATE records SET fields = ?2 WHERE id = ?1"};
  Statement fieldNames_{"SELECT number, name FROM record_fields WHERE entity = ?1 ORDER BY number"};
  Statement addFieldName_{"INSERT INTO record_fields(entity, number, name) VALUES(?1, ?2, ?3)"};

  Statement insertConnection_{
      fmt::format("INSERT INTO connections({}) VALUES(NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                  "?13, ?14, ?15, ?16, ?17)",
                  kConnectionColumns)};
  // Rows of every column, the id first, in kConnectionColumns' order.
  static constexpr int kInsertWidth = 18;
  Statement insertConnectionMany_{batchedValues(fmt::format("INSERT INTO connections({})", kConnectionColumns),
                                                kInsertWidth)};
  // A connection's record and sequence never change (a reconnect is a new row), so
  // their indexes are left alone.
  Statement updateConnection_{
      "UPDATE connections SET version = ?3, status = ?4, reason = ?5, waiting = ?6, step = ?7, progress = ?8, "
      "pc = ?9, generation = ?10, connected = ?11, entered = ?12, due = ?13, ended = ?14, message = ?15, "
      "data = ?16, assignee = ?17 WHERE id = ?18"};
  Statement updateConnectionKeepingStatus_{
      "UPDATE connections SET reason = ?5, waiting = ?6, step = ?7, progress = ?8, pc = ?9, generation = ?10, "
      "connected = ?11, entered = ?12, due = ?13, ended = ?14, message = ?15, data = ?16, assignee = ?17 "
      "WHERE id = ?18 AND status = ?4 AND version = ?3"};
  Statement upsertConnectionsKeepingStatus_{batchedValues(
      fmt::format("INSERT INTO connections({})", kConnectionColumns), kInsertWidth,
      " ON CONFLICT(id) DO UPDATE SET reason = excluded.reason, waiting = excluded.waiting, step = excluded.step, "
      "progress = excluded.progress, pc = excluded.pc, generation = excluded.generation, "
      "connected = excluded.connected, entered = excluded.entered, due = excluded.due, ended = excluded.ended, "
      "message = excluded.message, data = excluded.data, assignee = excluded.assignee "
      "WHERE connections.status = excluded.status AND connections.version = excluded.version")};
  std::array<Statement, kFilterVariants> connections_;  // by filter bits, made on first use
  // Per sequence, so only active connections are counted (connections_sequence).
  Statement activeCounts_{
      "SELECT s.id, count(*) FROM sequences s JOIN connections c ON c.sequence = s.id AND c.status = 0 "
      "GROUP BY s.id ORDER BY s.id"};
  Statement insertHistory_{
      "INSERT INTO history(connection, id, at, step, result, detail) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"};
  Statement insertHistoryMany_{batchedValues("INSERT INTO history(connection, id, at, step, result, detail)", 6)};
  Statement historyOfRecord_{
      "SELECT h.connection, h.at, h.step, h.result, h.detail FROM connections c "
      "JOIN history h ON h.connection = c.id WHERE c.record = ?1 ORDER BY h.at, h.id"};
  Statement addStepCount_{
      "INSERT INTO step_counts(sequence, version, step, result, count) VALUES(?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT DO UPDATE SET count = count + excluded.count"};
  Statement stepCounts_{"SELECT version, step, result, count FROM step_counts WHERE sequence = ?1"};
  Statement addSlotCount_{
      "INSERT INTO slot_counts(sequence, version, slot, sent, opened, clicked, replied, downloaded) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO UPDATE SET sent = sent + excluded.sent, "
      "opened = opened + excluded.opened, clicked = clicked + excluded.clicked, "
      "replied = replied + excluded.replied, downloaded = downloaded + excluded.downloaded"};
  Statement slotCounts_{
      "SELECT version, slot, sent, opened, clicked, replied, downloaded FROM slot_counts WHERE sequence = ?1"};
  Statement addDurationCount_{
      "INSERT INTO duration_counts(sequence, seconds, count) VALUES(?1, ?2, ?3) "
      "ON CONFLICT DO UPDATE SET count = count + excluded.count"};
  Statement durationCounts_{
      "SELECT seconds, count FROM duration_counts WHERE sequence = ?1 AND count > 0 ORDER BY seconds"};
  Statement variantsOfRecord_{
      "SELECT record, sequence, experiment, variant, assigned, started, converted FROM experiment_variants "
      "WHERE sequence = ?1 AND record = ?2"};
  Statement variantsOfSequence_{
      "SELECT record, sequence, experiment, variant, assigned, started, converted FROM experiment_variants "
      "WHERE sequence = ?1 ORDER BY record, experiment"};
  Statement upsertVariant_{
      "INSERT INTO experiment_variants(record, sequence, experiment, variant, assigned, started, converted) "
      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO UPDATE SET variant = excluded.variant, "
      "started = excluded.started, converted = excluded.converted"};
  Statement connectionCounts_{
      "SELECT status, version, step, count(*), count(ended), coalesce(sum(ended - connected), 0) "
      "FROM connections WHERE sequence = ?1 GROUP BY status, version, step"};
  Statement timersDue_{"SELECT ids FROM timers WHERE due <= ?1"};
  Statement takeTimers_{"DELETE FROM timers WHERE due <= ?1"};
  Statement addTimer_{"INSERT INTO timers(due, ids) VALUES(?1, ?2)"};
  // A timer that moved since may still be named here: a follower wakes for it, finds
  // nothing due, and the tick deletes it.
  Statement nextDue_{"SELECT min(due) FROM timers"};
  Statement historyOfSequence_{
      "SELECT h.connection, h.at, h.step, h.result, h.detail FROM connections c "
      "JOIN history h ON h.connection = c.id WHERE c.sequence = ?1 ORDER BY h.id"};
  Statement assignedHistory_{
      "SELECT h.connection, h.at, h.step, h.result, h.detail FROM history h WHERE h.connection IN "
      "(SELECT a.connection FROM history a CROSS JOIN connections c ON a.connection = c.id "
      "WHERE a.result IN ('assigned', 'reassigned') AND c.sequence = ?1) ORDER BY h.id"};  // CROSS: from the assignments
};

// Creates the file itself, exclusively: never takes over a file that appeared since
// the caller checked.
void createEmptyFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, ec)))
    throw StoreError(fmt::format("workspace database '{}' exists already", path));
  std::FILE* f = std::fopen(path.c_str(), "wbx");
  if (!f) {
    int err = errno;
    if (err == EEXIST) throw StoreError(fmt::format("workspace database '{}' exists already", path));
    throw StoreError(fmt::format("cannot create workspace database '{}': {}", path, std::strerror(err)));
  }
  std::fclose(f);
}

// Process-wide settings, taken only before SQLite's first use in the process.
// - SQLite keeps memory statistics under a global mutex on every malloc and free (the
//   system library has no lookaside allocator, so a statement's step makes many); seqc
//   reads none of them.
// - Not SQLITE_CONFIG_STMTJRNL_SPILL: keeping bigger statement journals in memory saved
//   a 900,000-connection tick 0.4 s of system time, but with the thresholds tried (1
//   and 8 MiB) SQLite 3.40 fails a statement whose journal then outgrows it with "the
//   disk is full" (the upgrade to format 8 of a 1,000,000-lead workspace did).
void configureSqlite() {
  static const bool configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK;
  (void)configured;
}

}  // namespace

bool Store::waitForChange(int milliseconds) {
  ::poll(nullptr, 0, milliseconds);
  return false;
}

std::unique_ptr<Store> openSqliteStore(const std::string& path, bool create) {
  configureSqlite();
  if (!create) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec) && !ec)
      throw StoreError(fmt::format("workspace database '{}' does not exist", path));
    // SQLite writes beside the database (its -wal and -shm files): without the right to
    // write both, open it read-only, so that the commands that only read still work.
    std::string dir = std::filesystem::path(path).parent_path().string();
    for (const std::string& p : {path, dir.empty() ? std::string(".") : dir})
      if (::access(p.c_str(), W_OK) != 0)
        return std::make_unique<SqliteStore>(path, false, fmt::format("'{}': {}", p, std::strerror(errno)));
    return std::make_unique<SqliteStore>(path, false);
  }
  createEmptyFile(path);
  try {
    return std::make_unique<SqliteStore>(path, true);
  } catch (...) {
    // A half-made workspace would be refused next time as "not a seqc workspace".
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(path + suffix, ec);
    throw;
  }
}

}  // namespace seqc::ws
