// The workspace's Store on PostgreSQL (libpq): one server, many seqc processes. Write
// commands exclude each other with a transaction-scoped advisory lock; tick workers
// hold it shared and split the due work by buckets (row locks taken with SKIP LOCKED),
// so they run side by side. Statements are prepared once per connection; parameters
// and results travel in binary; batches of writes are pipelined; long reads stream
// through cursors, so a callback may query the store while rows arrive.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <deque>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "seqc/support/hash.h"
#include "seqc/workspace/store.h"
#include "connection_row.h"

namespace seqc::ws {
namespace {

// 1: the first PostgreSQL schema (the SQLite schema 2's tables, plus buckets).
// 2: history without its foreign key to connections (below).
// 3: segment_members, segment_counts (SQLite schema 4).
// 4: each record's variant per experiment (docs/workspace.md, "Experiments"; SQLite 5).
// 5: slot_counts, duration_counts (SQLite 6), filled from the connections after the
//    upgrade; history_assigned.
// 6: the pending timers in a table of their own (kSchema6).
// 7: timers without a primary key, one index (bucket, due, connection) (kSchema7).
// 8: how far each bucket's clock readers were checked, and their index (kSchema8).
constexpr int32_t kSchemaVersion = 8;
constexpr int64_t kLockKey = 0x5345514357530001;  // "SEQCWS" 1: the workspace's write lock
constexpr int kBuckets = 64;
constexpr size_t kPipelineChunk = 512;  // results of one chunk fit the socket's buffers
constexpr int kFetchRows = 5000;
constexpr const char* kBusyMessage = "the workspace is busy: another seqc holds it for more than 30 s";
constexpr const char* kNotifyChannel = "seqc_workspace";

// What schema 3 added: segments' members and counts (docs/workspace.md "Segments").
constexpr const char* kSchema3 = R"sql(
CREATE TABLE segment_members(
  segment text COLLATE "C" NOT NULL,
  record text COLLATE "C" NOT NULL,
  entity text NOT NULL,
  sequence bigint NOT NULL,
  entered bigint NOT NULL,
  connection bigint NOT NULL,
  note text NOT NULL,
  PRIMARY KEY(segment, record)
);
CREATE INDEX segment_members_entity ON segment_members(entity);
CREATE TABLE segment_counts(
  segment text COLLATE "C" PRIMARY KEY,
  entries bigint NOT NULL,
  connections bigint NOT NULL
);
)sql";

// What schema 4 added: each record's variant per experiment (docs/workspace.md,
// "Experiments").
constexpr const char* kSchema4 = R"sql(
CREATE TABLE experiment_variants(
  record text NOT NULL,
  sequence bigint NOT NULL,
  experiment text NOT NULL,
  variant text NOT NULL,
  assigned bigint NOT NULL,
  started bigint NOT NULL,
  converted integer NOT NULL,
  PRIMARY KEY(sequence, record, experiment)
);
)sql";

// What schema 5 added: the runs' engagement per (version, slot) and completed runs per
// duration, kept as runs are saved (what `stats` reads instead of the connections), and
// the runs with an assignment (per-assignee stats read only their history).
constexpr const char* kSchema5 = R"sql(
CREATE TABLE slot_counts(
  sequence bigint NOT NULL,
  version integer NOT NULL,
  slot integer NOT NULL,
  sent bigint NOT NULL,
  opened bigint NOT NULL,
  clicked bigint NOT NULL,
  replied bigint NOT NULL,
  downloaded bigint NOT NULL,
  PRIMARY KEY(sequence, version, slot)
);
CREATE TABLE duration_counts(
  sequence bigint NOT NULL,
  seconds bigint NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY(sequence, seconds)
);
CREATE INDEX history_assigned ON history(connection) WHERE result IN ('assigned', 'reassigned');
)sql";
// An upgrade from before schema 5 leaves those to the workspace, which knows the
// versions' slots (Store::needsUpgrade).
constexpr const char* kFillRunCounts =
    "INSERT INTO meta(key, value) VALUES('run_counts', 'fill') ON CONFLICT(key) DO UPDATE SET value = excluded.value";

// What schema 6 changed: the due times of connections are indexed in `timers`, a narrow
// table with a row per active connection whose `due` is set (the store keeps it so on
// every write), and no longer on `connections`.
// A step moves `due`: with it indexed on the wide row no update was HOT (heap-only: it
// changes no indexed column and fits on its page), so each one wrote an entry into all
// four of its indexes; now the wide row is updated in place (HOT, the fill factor
// leaves room on its page) and only the timer's two small index entries move.
constexpr const char* kSchema6 = R"sql(
CREATE TABLE timers(
  connection bigint PRIMARY KEY,  -- no REFERENCES: written only with its connection
  bucket integer NOT NULL,
  due bigint NOT NULL
);
INSERT INTO timers(connection, bucket, due)
  SELECT id, bucket, due FROM connections WHERE due IS NOT NULL AND status = 0;
CREATE INDEX timers_due ON timers(bucket, due);
DROP INDEX IF EXISTS connections_due;
ALTER TABLE connections SET (fillfactor = 80);
)sql";

// What schema 7 changed: a timer is found by what the connection held (bucket, due, id),
// so the timers need one index, not two: no primary key. Each step moves one index
// entry instead of two, and the index has no duplicates to merge (every timer of a
// bucket had the same few due times: long posting lists rewritten on each insert).
constexpr const char* kSchema7 = R"sql(
ALTER TABLE timers DROP CONSTRAINT timers_pkey;
DROP INDEX timers_due;
CREATE INDEX timers_due ON timers(bucket, due, connection);
)sql";

// What schema 8 added: shared ticks check clock-reading exits a bucket and a batch at a
// time (workspace/src/tick.cc), so each bucket keeps how far its readers got (an
// upgraded workspace's were checked up to its clock), and they are read by an index
// range per bucket and version. Its columns never change with a step, so steps stay HOT.
constexpr const char* kSchema8 = R"sql(
ALTER TABLE buckets ADD COLUMN readers_at bigint NOT NULL DEFAULT 0,
  ADD COLUMN readers_to bigint NOT NULL DEFAULT 0, ADD COLUMN readers_after bigint NOT NULL DEFAULT 0;
UPDATE buckets SET readers_at = m.clock, readers_to = m.clock
  FROM (SELECT value::bigint AS clock FROM meta WHERE key = 'clock' AND value ~ '^[0-9]{1,18}$') m;
CREATE INDEX connections_bucket ON connections(bucket, sequence, version, id) WHERE status = 0;
)sql";

// Schema 2; with the steps below, the current one. Times are Unix seconds; text
// columns are never NULL (empty instead); texts that order rows compare bytes
// (COLLATE "C"), as SQLite does.
constexpr const char* kSchema = R"sql(
CREATE TABLE seqc_schema(version integer NOT NULL);
CREATE TABLE meta(key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE sequences(
  id bigserial PRIMARY KEY,
  name text COLLATE "C" NOT NULL,
  entity text NOT NULL,
  description text NOT NULL,
  tags text NOT NULL,
  active integer NOT NULL,
  latest integer NOT NULL,
  created bigint NOT NULL,
  modified bigint NOT NULL,
  deleted integer NOT NULL
);
CREATE UNIQUE INDEX sequences_name ON sequences(name) WHERE deleted = 0;
CREATE TABLE versions(
  sequence bigint NOT NULL REFERENCES sequences(id),
  number integer NOT NULL,
  change text NOT NULL,
  source_path text NOT NULL,
  sources text NOT NULL,
  hash text NOT NULL,
  bytecode bytea NOT NULL,
  module_index bigint NOT NULL,
  created bigint NOT NULL,
  PRIMARY KEY(sequence, number)
);
CREATE TABLE extensions(
  entity text NOT NULL,
  field text COLLATE "C" NOT NULL,
  spec text NOT NULL,
  sequence bigint NOT NULL REFERENCES sequences(id),
  PRIMARY KEY(entity, field)
);
CREATE TABLE records(
  id text COLLATE "C" PRIMARY KEY,
  entity text NOT NULL,
  fields bytea NOT NULL,
  updated bigint NOT NULL
);
CREATE INDEX records_entity ON records(entity, id);
CREATE TABLE record_fields(
  entity text NOT NULL,
  number integer NOT NULL,
  name text NOT NULL,
  PRIMARY KEY(entity, number),
  UNIQUE(entity, name)
);
CREATE TABLE buckets(id integer PRIMARY KEY);
INSERT INTO buckets SELECT generate_series(0, 63);
CREATE TABLE connections(
  id bigserial PRIMARY KEY,
  record text COLLATE "C" NOT NULL REFERENCES records(id),
  sequence bigint NOT NULL,
  version integer NOT NULL,
  bucket integer NOT NULL,
  status bigint NOT NULL,
  reason bigint NOT NULL,
  waiting bigint NOT NULL,
  step bigint NOT NULL,
  progress bigint NOT NULL,
  pc bigint NOT NULL,
  generation bigint NOT NULL,
  connected bigint NOT NULL,
  entered bigint NOT NULL,
  due bigint,
  ended bigint,
  message text NOT NULL,
  data bytea NOT NULL,
  assignee text COLLATE "C" NOT NULL DEFAULT '',  -- of the current manual activity
  FOREIGN KEY(sequence, version) REFERENCES versions(sequence, number)
);
CREATE INDEX connections_sequence ON connections(sequence, status);
CREATE INDEX connections_record ON connections(record);
CREATE TABLE history(
  id bigserial PRIMARY KEY,
  -- No REFERENCES connections(id): PostgreSQL checks a foreign key with a trigger per
  -- row that locks the connection row again (FOR KEY SHARE), a third of a tick's server
  -- time; a history row is only ever written with the connection it belongs to, in the
  -- same transaction, and connections are never deleted on their own.
  connection bigint NOT NULL,
  at bigint NOT NULL,
  step integer NOT NULL,
  result text NOT NULL,
  detail text NOT NULL
);
CREATE INDEX history_connection ON history(connection);
CREATE TABLE step_counts(
  sequence bigint NOT NULL,
  version integer NOT NULL,
  step integer NOT NULL,
  result text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY(sequence, version, step, result)
);
INSERT INTO seqc_schema VALUES (2);
)sql";

// The steps from schema 2 on, by the version each makes: a database below a step's
// version gets it, in order; a new one (kSchema) gets them all.
struct SchemaStep {
  int32_t version;
  const char* sql;
};
constexpr std::array kSchemaSteps{
    SchemaStep{2, "ALTER TABLE history DROP CONSTRAINT IF EXISTS history_connection_fkey"},
    SchemaStep{3, kSchema3},
    SchemaStep{4, kSchema4},
    SchemaStep{5, kSchema5},
    SchemaStep{6, kSchema6},
    SchemaStep{7, kSchema7},
    SchemaStep{8, kSchema8},
};
static_assert(kSchemaSteps.back().version == kSchemaVersion);

// PostgreSQL type oids of the parameters (pg_type.h is a server header).
constexpr Oid kInt8 = 20, kText = 25, kBytea = 17;

// The server's message on one line: libpq's can span several.
std::string oneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ', space = false;
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Parameters of one statement, in binary.
class Params {
 public:
  void integer(int64_t v) {
    uint64_t u = static_cast<uint64_t>(v);
    auto& b = ints_[count_];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (56 - 8 * i));
    add(b.data(), 8);
  }
  void optional(const std::optional<int64_t>& v) {
    if (v) integer(*v);
    else add(nullptr, 0);
  }
  void text(std::string_view v) { add(v.data() ? v.data() : "", static_cast<int>(v.size())); }
  // An array literal (Array::finish), sent as text: the binary form needs element oids.
  void array(const std::string& literal) {
    add(literal.c_str(), static_cast<int>(literal.size()));
    formats_[count_ - 1] = 0;
  }
  int size() const { return count_; }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  static constexpr int kMax = 20;
  void add(const char* p, int n) {
    if (count_ >= kMax) throw StoreError("internal error: too many statement parameters");
    values_[count_] = p;
    lengths_[count_] = n;
    formats_[count_] = 1;
    ++count_;
  }
  std::array<std::array<char, 8>, kMax> ints_{};
  std::array<const char*, kMax> values_{};
  std::array<int, kMax> lengths_{};
  std::array<int, kMax> formats_{};
  int count_ = 0;
};

// A statement's parameters copied, for a statement sent later (Connection::defer).
struct OwnedParams {
  std::vector<std::string> values;
  std::vector<char> isNull;
  std::vector<int> formats;
  OwnedParams() = default;
  explicit OwnedParams(const Params& p) {
    for (int i = 0; i < p.size(); ++i) {
      isNull.push_back(p.values()[i] == nullptr);
      values.emplace_back(p.values()[i] ? std::string(p.values()[i], static_cast<size_t>(p.lengths()[i])) : "");
      formats.push_back(p.formats()[i]);
    }
  }
};

// One column of a batch as an array literal (`{1,NULL,"text","\\x00ff"}`), so that a
// single statement (`unnest($1::bigint[], …)`) writes thousands of rows.
class Array {
 public:
  void integer(int64_t v) { sep(), out_ += std::to_string(v); }
  void optional(const std::optional<int64_t>& v) {
    if (v) integer(*v);
    else sep(), out_ += "NULL";
  }
  void text(std::string_view v) {
    sep();
    out_ += '"';
    for (char c : v) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
  }
  void bytes(std::string_view v) {
    static constexpr char kHex[] = "0123456789abcdef";
    sep();
    out_ += "\"\\\\x";
    for (unsigned char c : v) out_ += kHex[c >> 4], out_ += kHex[c & 15];
    out_ += '"';
  }
  const std::string& finish() {
    out_ += '}';
    return out_;
  }

 private:
  void sep() { out_ += out_.size() > 1 ? "," : ""; }
  std::string out_ = "{";
};

// Rows per batched statement: bounds the literals' size (a few MB).
constexpr size_t kArrayRows = 5000;

// Owns a PGresult.
struct ResultPtr {
  PGresult* r = nullptr;
  explicit ResultPtr(PGresult* p = nullptr) : r(p) {}
  ~ResultPtr() { PQclear(r); }
  ResultPtr(ResultPtr&& o) noexcept : r(std::exchange(o.r, nullptr)) {}
  ResultPtr& operator=(ResultPtr&& o) noexcept {
    std::swap(r, o.r);
    return *this;
  }
};

// A row of a binary result.
class Row {
 public:
  Row(const PGresult* r, int row, const std::string& name) : r_(r), row_(row), name_(name) {}
  bool isNull(int col) const { return PQgetisnull(r_, row_, col) != 0; }
  int64_t integer(int col) const {
    if (isNull(col)) return 0;
    auto p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row_, col));
    int n = PQgetlength(r_, row_, col);
    if (n != 2 && n != 4 && n != 8) corrupt("a number column has an unexpected size");
    uint64_t u = 0;
    for (int i = 0; i < n; ++i) u = (u << 8) | p[i];
    if (n == 2) return static_cast<int16_t>(u);
    if (n == 4) return static_cast<int32_t>(u);
    return static_cast<int64_t>(u);
  }
  template <class T>
  T number(int col) const {
    int64_t v = integer(col);
    if (!std::in_range<T>(v)) corrupt(fmt::format("the value {} is out of range", v));
    return static_cast<T>(v);
  }
  std::optional<int64_t> optional(int col) const {
    if (isNull(col)) return std::nullopt;
    return integer(col);
  }
  std::string_view view(int col) const {
    return {PQgetvalue(r_, row_, col), static_cast<size_t>(PQgetlength(r_, row_, col))};
  }
  std::string text(int col) const { return std::string(view(col)); }
  [[noreturn]] void corrupt(std::string_view detail) const {
    throw StoreError(fmt::format("workspace database '{}' is corrupt: {}", name_, detail));
  }

 private:
  const PGresult* r_;
  int row_;
  const std::string& name_;
};

// A statement prepared on the connection on first use.
struct Statement {
  Statement(std::string text, std::vector<Oid> parameterTypes)
      : sql(std::move(text)), types(std::move(parameterTypes)) {}
  std::string sql;
  std::vector<Oid> types;
  std::string name;  // set once prepared
};

class Connection {
 public:
  Connection(const std::string& url, std::string name) : name_(std::move(name)) {
    conn_ = PQconnectdb(url.c_str());
    if (!conn_) throw StoreError(fmt::format("cannot connect to workspace database '{}': out of memory", name_));
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string detail = oneLine(PQerrorMessage(conn_));
      PQfinish(conn_);
      conn_ = nullptr;
      throw StoreError(fmt::format("cannot connect to workspace database '{}': {}", name_, detail));
    }
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
  }
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  PGconn* get() const { return conn_; }
  const std::string& name() const { return name_; }

  // The StoreError for a failed result (null: a failure of the connection itself).
  [[noreturn]] void fail(const PGresult* r) const {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    std::string detail = oneLine(r && PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                                     ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                                     : PQerrorMessage(conn_));
    if (detail.empty()) detail = "unknown error";
    if (PQstatus(conn_) == CONNECTION_BAD)
      throw StoreError(fmt::format("lost the connection to workspace database '{}': {}; nothing of this command "
                                   "was saved unless it said so",
                                   name_, detail));
    if (code == "55P03") throw StoreError(kBusyMessage);
    if (code == "40P01" || code == "40001")
      throw StoreConflict(fmt::format("workspace database '{}': {}: try again", name_, detail));
    if (code == "23505") throw Duplicate(fmt::format("workspace database '{}': {}", name_, detail));
    if (code.starts_with("53")) throw StoreError(fmt::format("workspace database '{}' is out of resources: {}", name_, detail));
    if (code.starts_with("57"))
      throw StoreError(fmt::format("workspace database '{}' is shutting down or was stopped: {}", name_, detail));
    throw StoreError(fmt::format("workspace database '{}': {}", name_, detail));
  }
  struct Duplicate : StoreError {
    using StoreError::StoreError;
  };

  // Runs SQL without parameters (several statements allowed).
  void exec(const std::string& sql) {
    flush();
    ResultPtr r(PQexec(conn_, sql.c_str()));
    check(r.r);
  }
  ResultPtr query(const std::string& sql) {
    flush();
    ResultPtr r(PQexecParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1));
    check(r.r);
    return r;
  }
  void check(const PGresult* r) const {
    auto s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) fail(r);
  }

  void prepare(Statement& s) {
    if (!s.name.empty()) return;
    std::string name = fmt::format("s{}", ++prepared_);
    ResultPtr r(PQprepare(conn_, name.c_str(), s.sql.c_str(), static_cast<int>(s.types.size()), s.types.data()));
    check(r.r);
    s.name = std::move(name);
  }
  ResultPtr run(Statement& s, const Params& p) {
    prepare(s);
    if (!deferred_.empty()) return flush(&s, &p);
    ResultPtr r(PQexecPrepared(conn_, s.name.c_str(), p.size(), p.values(), p.lengths(), p.formats(), 1));
    check(r.r);
    return r;
  }

  // Statements whose results nobody waits for (a transaction's start, history, counts,
  // its commit) wait here and go with the next statement, in one pipeline: one round
  // trip instead of one each. A failure among them is thrown by that next statement,
  // before its own result is used; the transaction is then aborted and rolled back.
  void defer(Statement& s, const Params& p) {
    prepare(s);
    deferred_.push_back(Deferred{&s, {}, OwnedParams(p)});
  }
  void defer(std::string sql) { deferred_.push_back(Deferred{nullptr, std::move(sql), {}}); }
  void dropDeferred() { deferred_.clear(); }
  // Sends the deferred statements, then `s` (if any), in one pipeline; returns `s`'s
  // result.
  ResultPtr flush(Statement* s = nullptr, const Params* p = nullptr) {
    if (deferred_.empty() && !s) return ResultPtr();
    std::vector<Deferred> items = std::exchange(deferred_, {});
    if (PQenterPipelineMode(conn_) != 1) fail(nullptr);
    bool failed = false;
    for (const Deferred& d : items) {
      std::vector<const char*> values;
      std::vector<int> lengths;
      for (size_t i = 0; i < d.params.values.size(); ++i) {
        values.push_back(d.params.isNull[i] ? nullptr : d.params.values[i].data());
        lengths.push_back(static_cast<int>(d.params.values[i].size()));
      }
      int sent = d.statement ? PQsendQueryPrepared(conn_, d.statement->name.c_str(), static_cast<int>(values.size()),
                                                   values.data(), lengths.data(), d.params.formats.data(), 1)
                             : PQsendQueryParams(conn_, d.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 1);
      if (!sent) {
        failed = true;
        break;
      }
    }
    if (!failed && s && !PQsendQueryPrepared(conn_, s->name.c_str(), p->size(), p->values(), p->lengths(), p->formats(), 1))
      failed = true;
    if (!failed && PQpipelineSync(conn_) != 1) failed = true;
    ResultPtr error, last;
    for (size_t i = 0; !failed && i < items.size() + (s ? 1 : 0); ++i) {
      ResultPtr r(PQgetResult(conn_));
      if (!r.r) {
        failed = true;
        break;
      }
      auto st = PQresultStatus(r.r);
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_PIPELINE_ABORTED && !error.r)
        error = std::move(r);
      else if (i == items.size()) last = std::move(r);
      while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
    }
    if (!failed) {
      ResultPtr sync(PQgetResult(conn_));
      if (!sync.r || PQresultStatus(sync.r) != PGRES_PIPELINE_SYNC) failed = true;
    }
    if (failed || PQstatus(conn_) == CONNECTION_BAD) fail(error.r);
    if (PQexitPipelineMode(conn_) != 1) fail(nullptr);
    if (error.r) fail(error.r);
    if (s) check(last.r);
    return last;
  }

  // Runs `s` `n` times (bind(i, params)) in a pipeline: one round trip per chunk.
  // onResult(i, result) sees each result. The first failure is thrown once the
  // pipeline is drained.
  template <class Bind, class OnResult>
  void batch(Statement& s, size_t n, Bind&& bind, OnResult&& onResult) {
    if (n == 0) return;
    prepare(s);
    flush();
    if (n == 1) {
      Params p;
      bind(size_t{0}, p);
      ResultPtr r = run(s, p);
      onResult(size_t{0}, r.r);
      return;
    }
    if (PQenterPipelineMode(conn_) != 1) fail(nullptr);
    ResultPtr error;
    bool failed = false;
    for (size_t begin = 0; begin < n; begin += kPipelineChunk) {
      size_t end = std::min(n, begin + kPipelineChunk);
      for (size_t i = begin; i < end; ++i) {
        Params p;
        bind(i, p);
        if (!PQsendQueryPrepared(conn_, s.name.c_str(), p.size(), p.values(), p.lengths(), p.formats(), 1)) {
          failed = true;
          break;
        }
      }
      if (failed || PQpipelineSync(conn_) != 1) {
        failed = true;
        break;
      }
      // Each query's result, then a null; then the sync's.
      for (size_t i = begin; i < end; ++i) {
        ResultPtr r(PQgetResult(conn_));
        if (!r.r) {
          failed = true;
          break;
        }
        auto st = PQresultStatus(r.r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
          if (!error.r) onResult(i, r.r);
        } else if (st != PGRES_PIPELINE_ABORTED && !error.r) {
          error = std::move(r);
        }
        while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);
      }
      if (failed) break;
      ResultPtr sync(PQgetResult(conn_));
      if (!sync.r || PQresultStatus(sync.r) != PGRES_PIPELINE_SYNC) {
        failed = true;
        break;
      }
      if (error.r) break;
    }
    if (failed || PQstatus(conn_) == CONNECTION_BAD) fail(error.r);
    if (PQexitPipelineMode(conn_) != 1) fail(nullptr);
    if (error.r) fail(error.r);
  }

  // Streams the rows of `s` through a cursor, kFetchRows at a time: between fetches
  // the connection is free, so `fn` may run other statements. Inside a transaction.
  template <class Fn>
  void stream(const std::string& sql, const std::vector<Oid>& types, const Params& p, Fn&& fn) {
    flush();
    // A cursor lives in a transaction: a read outside one gets its own.
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) {
      exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      try {
        stream(sql, types, p, fn);
      } catch (...) {
        ResultPtr r(PQexec(conn_, "ROLLBACK"));
        throw;
      }
      exec("COMMIT");
      return;
    }
    std::string cursor = fmt::format("c{}", ++cursors_);
    std::string declare = fmt::format("DECLARE {} BINARY NO SCROLL CURSOR FOR {}", cursor, sql);
    ResultPtr d(PQexecParams(conn_, declare.c_str(), p.size(), types.data(), p.values(), p.lengths(), p.formats(), 1));
    check(d.r);
    std::string fetch = fmt::format("FETCH {} FROM {}", kFetchRows, cursor);
    for (;;) {
      ResultPtr r(PQexec(conn_, fetch.c_str()));
      check(r.r);
      int n = PQntuples(r.r);
      for (int i = 0; i < n; ++i) fn(Row(r.r, i, name_));
      if (n < kFetchRows) break;
    }
    ResultPtr c(PQexec(conn_, fmt::format("CLOSE {}", cursor).c_str()));
  }

 private:
  struct Deferred {
    Statement* statement;  // prepared; or null: `sql`, without parameters
    std::string sql;
    OwnedParams params;
  };
  std::string name_;
  PGconn* conn_ = nullptr;
  int prepared_ = 0;
  int cursors_ = 0;
  std::vector<Deferred> deferred_;
};

// ---- row conversions ----------------------------------------------------------------

std::string encodeTags(const std::vector<std::string>& tags) {
  return nlohmann::json(tags).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> decodeTags(const Row& row, const std::string& text) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  std::vector<std::string> tags;
  if (!json.is_array()) row.corrupt("a sequence's tags are not a list");
  for (const auto& tag : json) {
    if (!tag.is_string()) row.corrupt("a sequence's tags are not a list");
    tags.push_back(tag.get<std::string>());
  }
  return tags;
}

constexpr const char* kSequenceColumns =
    "id, name, entity, description, tags, active, latest, created, modified, deleted";

SequenceRow readSequence(const Row& q) {
  SequenceRow row;
  row.id = q.integer(0);
  row.name = q.text(1);
  row.entity = q.text(2);
  row.description = q.text(3);
  row.tags = decodeTags(q, q.text(4));
  row.active = q.integer(5) != 0;
  row.latest = q.number<int32_t>(6);
  row.created = q.integer(7);
  row.modified = q.integer(8);
  row.deleted = q.integer(9) != 0;
  return row;
}

void bindSequence(Params& p, const SequenceRow& row, const std::string& tags) {
  p.text(row.name);
  p.text(row.entity);
  p.text(row.description);
  p.text(tags);
  p.integer(row.active ? 1 : 0);
  p.integer(row.latest);
  p.integer(row.created);
  p.integer(row.modified);
  p.integer(row.deleted ? 1 : 0);
}

constexpr const char* kVersionColumns =
    "sequence, number, change, source_path, sources, hash, bytecode, module_index, created";

VersionRow readVersion(const Row& q) {
  VersionRow row;
  row.sequence = q.integer(0);
  row.number = q.number<int32_t>(1);
  row.change = q.text(2);
  row.sourcePath = q.text(3);
  row.sources = q.text(4);
  row.hash = q.text(5);
  row.bytecode = q.text(6);
  row.index = q.number<uint32_t>(7);
  row.created = q.integer(8);
  return row;
}

ConnectionRow readConnection(const Row& q) {
  return readConnectionRow(q, [](const Row& r, int col) { return r.text(col); });
}

// The state columns (version … assignee) into the 15 array columns from cols on.
void stateColumns(Array* cols, const ConnectionRow& row) {
  cols[0].integer(row.version);
  cols[1].integer(row.status);
  cols[2].integer(row.reason);
  cols[3].integer(row.waiting);
  cols[4].integer(row.step);
  cols[5].integer(row.progress);
  cols[6].integer(row.pc);
  cols[7].integer(row.generation);
  cols[8].integer(row.connected);
  cols[9].integer(row.entered);
  cols[10].optional(row.due);
  cols[11].optional(row.ended);
  cols[12].text(row.message);
  cols[13].bytes(row.data);
  cols[14].text(row.assignee);
}
// The state columns' array types, in that order.
constexpr const char* kStateArrays =
    "bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], bigint[], "
    "bigint[], bigint[], text[], bytea[], text[]";
constexpr const char* kStateNames =
    "version, status, reason, waiting, step, progress, pc, generation, connected, entered, due, ended, message, data, "
    "assignee";

// The items of a ", "-separated list, each as fn(index, item).
template <class Fn>
void eachItem(std::string_view list, Fn&& fn) {
  for (int i = 0; !list.empty(); ++i) {
    size_t comma = list.find(", ");
    fn(i, list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 2);
  }
}

// unnest($first::T1, $first+1::T2, …) over a list of array types.
std::string unnestOf(int first, std::string_view types) {
  std::string out = "unnest(";
  eachItem(types, [&](int i, std::string_view t) { out += fmt::format("{}${}::{}", i ? ", " : "", first + i, t); });
  return out + ")";
}

// "a, b" as "t.a, t.b".
std::string qualified(std::string_view table, std::string_view columns) {
  std::string out;
  eachItem(columns, [&](int i, std::string_view c) { out += fmt::format("{}{}.{}", i ? ", " : "", table, c); });
  return out;
}

HistoryRow readHistory(const Row& q) {
  return HistoryRow{q.integer(0), q.integer(1), q.number<int32_t>(2), q.text(3), q.text(4)};
}

std::vector<Oid> types(std::initializer_list<Oid> list) { return list; }
// A text[] literal for `= ANY($1)`.
std::string textArray(const std::vector<std::string>& items, size_t begin, size_t end) {
  std::string out = "{";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out += ',';
    out += '"';
    for (char c : items[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

class PgStore final : public Store {
 public:
  PgStore(const std::string& url, const std::string& name, bool create) : db_(url, name) {
    // The workspace waits up to 30 s for a lock, as on SQLite; a session left idle in a
    // transaction (a worker stopped mid-batch) loses its locks after a minute. A random
    // page costs about what a sequential one does (the working set is cached): with the
    // default 4, the planner scanned every connection to update a batch of a few hundred.
    db_.exec(
        "SET client_min_messages = warning; SET lock_timeout = '30s'; "
        "SET idle_in_transaction_session_timeout = '60s'; SET cursor_tuple_fraction = 1.0; "
        "SET random_page_cost = 1.1");
    db_.exec("BEGIN");
    try {
      db_.exec(fmt::format("SELECT pg_advisory_xact_lock({})", kLockKey));
      std::optional<int64_t> version;
      ResultPtr t = db_.query("SELECT to_regclass('seqc_schema') IS NOT NULL");
      if (PQgetvalue(t.r, 0, 0)[0] != 0) {
        ResultPtr v = db_.query(
            "SELECT version, (SELECT value FROM meta WHERE key = 'run_counts') = 'fill' FROM seqc_schema");
        if (PQntuples(v.r) != 1) throw StoreError(fmt::format("workspace database '{}' is corrupt: no schema version", name));
        version = Row(v.r, 0, name).integer(0);
        fillRunCounts_ = !PQgetisnull(v.r, 0, 1) && PQgetvalue(v.r, 0, 1)[0] != 0;
      }
      if (create) {
        if (version) throw StoreError(fmt::format("workspace database '{}' holds a seqc workspace already", name));
        db_.exec(kSchema);
        for (const SchemaStep& step : kSchemaSteps) db_.exec(step.sql);
        db_.exec(fmt::format("UPDATE seqc_schema SET version = {}", kSchemaVersion));
      } else if (!version) {
        throw StoreError(fmt::format("workspace database '{}' holds no seqc workspace (create one with "
                                     "`seqc init --database URL`)",
                                     name));
      } else if (*version > kSchemaVersion) {
        throw StoreError(fmt::format("workspace database '{}' was made by a newer seqc (schema {})", name, *version));
      } else if (*version < 1) {
        throw StoreError(fmt::format("workspace database '{}' is corrupt: unknown schema {}", name, *version));
      } else {
        for (const SchemaStep& step : kSchemaSteps)
          if (*version < step.version) db_.exec(step.sql);
        if (*version < 5) {
          db_.exec(kFillRunCounts);
          fillRunCounts_ = true;
        }
        if (*version < kSchemaVersion) db_.exec(fmt::format("UPDATE seqc_schema SET version = {}", kSchemaVersion));
      }
      db_.exec("COMMIT");
    } catch (...) {
      rollback();
      throw;
    }
  }

  // ---- transactions

  void begin(bool write) override { begin(write ? Mode::Write : Mode::Read); }
  void beginShared() override { begin(Mode::Shared); }
  // The counts, the history and the commit go in one round trip.
  void commit() override {
    if (mode_ != Mode::Read) flushCounts();
    if (mode_ == Mode::Write && changed_) db_.defer(fmt::format("NOTIFY {}", kNotifyChannel));
    db_.defer("COMMIT");
    db_.flush();
    mode_ = Mode::None;
  }
  void rollback() override {
    clearPendingCounts();
    db_.dropDeferred();
    mode_ = Mode::None;
    if (PQstatus(db_.get()) == CONNECTION_BAD) return;
    if (PQtransactionStatus(db_.get()) != PQTRANS_IDLE) {
      ResultPtr r(PQexec(db_.get(), "ROLLBACK"));
    }
  }

  // ---- meta

  std::optional<std::string> meta(const std::string& key) override {
    Params p;
    p.text(key);
    ResultPtr r = db_.run(getMeta_, p);
    if (PQntuples(r.r) == 0) return std::nullopt;
    return Row(r.r, 0, db_.name()).text(0);
  }
  void setMeta(const std::string& key, const std::string& value) override {
    Params p;
    p.text(key);
    p.text(value);
    db_.run(setMeta_, p);
  }

  // ---- sequences and versions

  std::vector<SequenceRow> sequences() override {
    ResultPtr r = db_.run(sequences_, Params());
    std::vector<SequenceRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) rows.push_back(readSequence(Row(r.r, i, db_.name())));
    return rows;
  }
  std::optional<SequenceRow> sequence(const std::string& name) override {
    Params p;
    p.text(name);
    ResultPtr r = db_.run(sequenceByName_, p);
    if (PQntuples(r.r) == 0) return std::nullopt;
    return readSequence(Row(r.r, 0, db_.name()));
  }
  std::optional<SequenceRow> sequenceById(int64_t id) override {
    Params p;
    p.integer(id);
    ResultPtr r = db_.run(sequenceById_, p);
    if (PQntuples(r.r) == 0) return std::nullopt;
    return readSequence(Row(r.r, 0, db_.name()));
  }
  int64_t insertSequence(const SequenceRow& row) override {
    Params p;
    std::string tags = encodeTags(row.tags);
    bindSequence(p, row, tags);
    ResultPtr r = naming([&] { return db_.run(insertSequence_, p); }, row.name);
    return Row(r.r, 0, db_.name()).integer(0);
  }
  void updateSequence(const SequenceRow& row) override {
    Params p;
    std::string tags = encodeTags(row.tags);
    bindSequence(p, row, tags);
    p.integer(row.id);
    ResultPtr r = naming([&] { return db_.run(updateSequence_, p); }, row.name);
    expectChanged(r.r, fmt::format("no sequence with id {}", row.id));
  }
  void insertVersion(const VersionRow& row) override {
    Params p;
    p.integer(row.sequence);
    p.integer(row.number);
    p.text(row.change);
    p.text(row.sourcePath);
    p.text(row.sources);
    p.text(row.hash);
    p.text(row.bytecode);
    p.integer(row.index);
    p.integer(row.created);
    undoable([&] { return db_.run(insertVersion_, p); });
  }
  std::optional<VersionRow> version(int64_t sequence, int32_t number) override {
    Params p;
    p.integer(sequence);
    p.integer(number);
    ResultPtr r = db_.run(version_, p);
    if (PQntuples(r.r) == 0) return std::nullopt;
    return readVersion(Row(r.r, 0, db_.name()));
  }
  std::vector<VersionRow> versions(int64_t sequence) override {
    Params p;
    p.integer(sequence);
    ResultPtr r = db_.run(versions_, p);
    std::vector<VersionRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) rows.push_back(readVersion(Row(r.r, i, db_.name())));
    return rows;
  }
  std::vector<ExtensionRow> extensions(const std::string& entity) override {
    Params p;
    p.text(entity);
    ResultPtr r = db_.run(extensions_, p);
    std::vector<ExtensionRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      rows.push_back(ExtensionRow{q.text(0), q.text(1), q.text(2), q.integer(3)});
    }
    return rows;
  }
  void insertExtension(const ExtensionRow& row) override {
    Params p;
    p.text(row.entity);
    p.text(row.field);
    p.text(row.spec);
    p.integer(row.sequence);
    try {
      undoable([&] { return db_.run(insertExtension_, p); });
    } catch (const Connection::Duplicate&) {
      throw StoreError(fmt::format("workspace database '{}': field '{}' of {} is registered already", db_.name(),
                                   row.field, row.entity));
    }
  }

  // ---- segments

  std::vector<SegmentMemberRow> segmentMembers(const std::string& entity) override {
    Params p;
    p.text(entity);
    ResultPtr r = db_.run(segmentMembers_, p);
    std::vector<SegmentMemberRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      rows.push_back(SegmentMemberRow{q.text(0), q.text(1), q.integer(2), q.integer(3), q.integer(4), q.text(5)});
    }
    return rows;
  }
  void putSegmentMembers(const std::vector<SegmentMemberRow>& rows, const std::string& entity) override {
    for (const SegmentMemberRow& m : rows) {
      Params p;
      p.text(m.segment);
      p.text(m.record);
      p.text(entity);
      p.integer(m.sequence);
      p.integer(m.entered);
      p.integer(m.connection);
      p.text(m.note);
      db_.run(putSegmentMember_, p);
    }
  }
  void removeSegmentMember(const std::string& segment, const std::string& record) override {
    Params p;
    p.text(segment);
    p.text(record);
    db_.run(removeSegmentMember_, p);
  }
  void addSegmentCounts(const std::vector<SegmentCount>& counts) override {
    for (const SegmentCount& c : counts) {
      Params p;
      p.text(c.segment);
      p.integer(c.entries);
      p.integer(c.connections);
      db_.run(addSegmentCount_, p);
    }
  }
  std::vector<SegmentCount> segmentCounts() override {
    Params p;
    ResultPtr r = db_.run(segmentCounts_, p);
    std::vector<SegmentCount> out;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      out.push_back(SegmentCount{q.text(0), q.integer(1), q.integer(2)});
    }
    return out;
  }

  // ---- format: a PostgreSQL workspace starts at the current record format; its schema
  // upgrades run when it opens, but for the run counts the workspace fills (the caller
  // checks the setting again in its write transaction: another process may have).

  bool needsUpgrade() override { return fillRunCounts_; }
  void upgrade(const std::function<std::string(const std::string&, const std::string&)>&) override {
    fillRunCounts_ = false;
  }

  // ---- records

  std::vector<std::string> fieldNames(const std::string& entity) override {
    Params p;
    p.text(entity);
    ResultPtr r = db_.run(fieldNames_, p);
    std::vector<std::string> names;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      if (q.integer(0) != static_cast<int64_t>(names.size())) q.corrupt("the field numbers have a gap");
      names.push_back(q.text(1));
    }
    return names;
  }
  void addFieldName(const std::string& entity, uint32_t number, const std::string& name) override {
    Params p;
    p.text(entity);
    p.integer(number);
    p.text(name);
    undoable([&] { return db_.run(addFieldName_, p); });
  }
  void upsertRecords(const std::vector<RecordRow>& rows) override {
    db_.batch(
        upsertRecord_, rows.size(),
        [&](size_t i, Params& p) {
          p.text(rows[i].id);
          p.text(rows[i].entity);
          p.text(rows[i].fields);
          p.integer(rows[i].updated);
        },
        [](size_t, const PGresult*) {});
  }
  bool hasRecords() override { return PQntuples(db_.run(hasRecords_, Params()).r) > 0; }
  std::optional<RecordRow> record(const std::string& id) override {
    Params p;
    p.text(id);
    ResultPtr r = db_.run(record_, p);
    if (PQntuples(r.r) == 0) return std::nullopt;
    Row q(r.r, 0, db_.name());
    return RecordRow{q.text(0), q.text(1), q.text(2), q.integer(3)};
  }
  std::vector<RecordRow> records(const std::vector<std::string>& ids) override {
    std::vector<std::optional<RecordRow>> found(ids.size());
    byIds(recordsByIds_, ids, [&](size_t i, const Row& q) {
      found[i] = RecordRow{q.text(0), q.text(1), q.text(2), q.integer(3)};
    });
    std::vector<RecordRow> rows;
    for (auto& r : found)
      if (r) rows.push_back(std::move(*r));
    return rows;
  }
  void recordFields(const std::vector<std::string>& ids,
                    const std::function<void(size_t, std::string_view)>& fn) override {
    byIds(recordsByIds_, ids, [&](size_t i, const Row& q) { fn(i, q.view(2)); });
  }
  void forEachRecord(const std::string& entity, const std::function<void(const RecordRow&)>& fn) override {
    Params p;
    p.text(entity);
    RecordRow row;
    db_.stream("SELECT id, entity, fields, updated FROM records WHERE entity = $1 ORDER BY id", types({kText}), p,
               [&](const Row& q) {
                 row.id.assign(q.view(0));
                 row.entity.assign(q.view(1));
                 row.fields.assign(q.view(2));
                 row.updated = q.integer(3);
                 fn(row);
               });
  }
  void updateRecordFields(const std::string& id, const std::string& fields, int64_t updated) override {
    Params p;
    p.text(id);
    p.text(fields);
    p.integer(updated);
    ResultPtr r = db_.run(updateRecordFields_, p);
    expectChanged(r.r, fmt::format("no record '{}'", id));
  }

  // ---- connections and history

  // Ids are drawn first, in order, then the rows go in a few thousand per statement.
  void insertConnections(std::vector<ConnectionRow>& rows) override {
    changed_ = true;
    for (size_t begin = 0; begin < rows.size(); begin += kArrayRows) {
      size_t end = std::min(rows.size(), begin + kArrayRows);
      Params n;
      n.integer(static_cast<int64_t>(end - begin));
      ResultPtr ids = db_.run(nextConnectionIds_, n);
      if (PQntuples(ids.r) != static_cast<int>(end - begin)) fail(nullptr);
      std::array<Array, 19> cols;
      for (size_t i = begin; i < end; ++i) {
        ConnectionRow& row = rows[i];
        row.id = Row(ids.r, static_cast<int>(i - begin), db_.name()).integer(0);
        cols[0].integer(row.id);
        cols[1].text(row.record);
        cols[2].integer(row.sequence);
        cols[3].integer(bucketOf(row.record));
        stateColumns(cols.data() + 4, row);
      }
      Params p;
      for (auto& c : cols) p.array(c.finish());
      undoable([&] { return db_.run(insertConnections_, p); });
    }
  }
  void updateConnections(const std::vector<ConnectionRow>& rows) override {
    changed_ = true;
    for (size_t begin = 0; begin < rows.size(); begin += kArrayRows) {
      size_t end = std::min(rows.size(), begin + kArrayRows);
      std::array<Array, 16> cols;
      for (size_t i = begin; i < end; ++i) {
        cols[0].integer(rows[i].id);
        stateColumns(cols.data() + 1, rows[i]);
      }
      Params p;
      for (auto& c : cols) p.array(c.finish());
      ResultPtr r = db_.run(updateConnections_, p);
      if (PQntuples(r.r) != 1 || Row(r.r, 0, db_.name()).integer(0) != static_cast<int64_t>(end - begin))
        throw StoreError(fmt::format("workspace database '{}': a connection to update is missing", db_.name()));
    }
  }
  void forEachConnection(const ConnectionFilter& filter,
                         const std::function<void(ConnectionRow&)>& fn) override {
    std::string sql = fmt::format("SELECT {} FROM connections", kConnectionColumns);
    std::vector<Oid> ts;
    Params p;
    const char* glue = " WHERE ";
    auto add = [&](const std::string& condition) {
      sql += glue;
      sql += condition;
      glue = " AND ";
    };
    if (filter.sequence) add(fmt::format("sequence = ${}", (ts.push_back(kInt8), ts.size()))), p.integer(*filter.sequence);
    if (filter.record) add(fmt::format("record = ${}", (ts.push_back(kText), ts.size()))), p.text(*filter.record);
    if (filter.activeOnly || filter.dueBy) add("status = 0");
    if (filter.dueBy) add(fmt::format("due IS NOT NULL AND due <= ${}", (ts.push_back(kInt8), ts.size()))), p.integer(*filter.dueBy);
    if (filter.version) add(fmt::format("version = ${}", (ts.push_back(kInt8), ts.size()))), p.integer(*filter.version);
    sql += " ORDER BY id";
    db_.stream(sql, ts, p, [&](const Row& q) {
      ConnectionRow c = readConnection(q);
      fn(c);
    });
  }
  std::vector<std::pair<int64_t, int64_t>> activeCounts() override {
    ResultPtr r = db_.run(activeCounts_, Params());
    std::vector<std::pair<int64_t, int64_t>> counts;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      counts.emplace_back(q.integer(0), q.integer(1));
    }
    return counts;
  }
  void appendHistory(const std::vector<HistoryRow>& rows) override {
    for (size_t begin = 0; begin < rows.size(); begin += kArrayRows) {
      size_t end = std::min(rows.size(), begin + kArrayRows);
      std::array<Array, 5> cols;
      for (size_t i = begin; i < end; ++i) {
        cols[0].integer(rows[i].connection);
        cols[1].integer(rows[i].at);
        cols[2].integer(rows[i].step);
        cols[3].text(rows[i].result);
        cols[4].text(rows[i].detail);
      }
      Params p;
      for (auto& c : cols) p.array(c.finish());
      db_.defer(insertHistory_, p);  // breaks no constraint: no savepoint needed
    }
  }
  std::vector<HistoryRow> history(const std::string& record) override {
    Params p;
    p.text(record);
    ResultPtr r = db_.run(historyOfRecord_, p);
    std::vector<HistoryRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) rows.push_back(readHistory(Row(r.r, i, db_.name())));
    return rows;
  }
  void forEachHistory(int64_t sequence, const std::function<void(const HistoryRow&)>& fn) override {
    Params p;
    p.integer(sequence);
    db_.stream(
        "SELECT h.connection, h.at, h.step, h.result, h.detail FROM connections c "
        "JOIN history h ON h.connection = c.id WHERE c.sequence = $1 ORDER BY h.id",
        types({kInt8}), p, [&](const Row& q) { fn(readHistory(q)); });
  }
  void forEachAssignedHistory(int64_t sequence, const std::function<void(const HistoryRow&)>& fn) override {
    Params p;
    p.integer(sequence);
    db_.stream(
        "SELECT h.connection, h.at, h.step, h.result, h.detail FROM history h WHERE h.connection IN "
      "(SELECT a.connection FROM connections c JOIN history a ON a.connection = c.id "
      "WHERE c.sequence = $1 AND a.result IN ('assigned', 'reassigned')) ORDER BY h.id",
        types({kInt8}), p, [&](const Row& q) { fn(readHistory(q)); });
  }
  // Kept until commit and written in key order: two tick workers bumping the same
  // counters then lock them in the same order and never deadlock.
  void addStepCounts(int64_t sequence, const std::vector<StepCount>& counts) override {
    for (const StepCount& c : counts) pendingCounts_[{sequence, c.version, c.step, c.result}] += c.count;
  }
  std::vector<StepCount> stepCounts(int64_t sequence) override {
    flushCounts();
    Params p;
    p.integer(sequence);
    ResultPtr r = db_.run(stepCounts_, p);
    std::vector<StepCount> out;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      out.push_back(StepCount{q.number<int32_t>(0), q.number<int32_t>(1), q.text(2), q.integer(3)});
    }
    return out;
  }
  void addSlotCounts(int64_t sequence, const std::vector<SlotCount>& counts) override {
    for (const SlotCount& c : counts) {
      auto& n = pendingSlots_[{sequence, c.version, c.slot}];
      n[0] += c.sent, n[1] += c.opened, n[2] += c.clicked, n[3] += c.replied, n[4] += c.downloaded;
    }
  }
  std::vector<SlotCount> slotCounts(int64_t sequence) override {
    flushCounts();
    Params p;
    p.integer(sequence);
    ResultPtr r = db_.run(slotCounts_, p);
    std::vector<SlotCount> out;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      out.push_back(SlotCount{q.number<int32_t>(0), q.number<uint16_t>(1), q.integer(2), q.integer(3), q.integer(4),
                              q.integer(5), q.integer(6)});
    }
    return out;
  }
  void addDurationCounts(int64_t sequence, const std::vector<DurationCount>& counts) override {
    for (const DurationCount& c : counts) pendingDurations_[{sequence, c.seconds}] += c.count;
  }
  std::vector<DurationCount> durationCounts(int64_t sequence) override {
    flushCounts();
    Params p;
    p.integer(sequence);
    ResultPtr r = db_.run(durationCounts_, p);
    std::vector<DurationCount> out;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      out.push_back(DurationCount{q.integer(0), q.integer(1)});
    }
    return out;
  }
  std::vector<VariantRow> variants(int64_t sequence, const std::vector<std::string>& records) override {
    std::vector<VariantRow> out;
    for (const std::string& id : records) {
      Params p;
      p.integer(sequence);
      p.text(id);
      ResultPtr r = db_.run(variantsOfRecord_, p);
      for (int i = 0; i < PQntuples(r.r); ++i) out.push_back(readVariant(Row(r.r, i, db_.name())));
    }
    return out;
  }
  std::vector<VariantRow> variantsOfSequence(int64_t sequence) override {
    Params p;
    p.integer(sequence);
    ResultPtr r = db_.run(variantsOfSequence_, p);
    std::vector<VariantRow> out;
    for (int i = 0; i < PQntuples(r.r); ++i) out.push_back(readVariant(Row(r.r, i, db_.name())));
    return out;
  }
  void upsertVariants(const std::vector<VariantRow>& rows) override {
    for (const VariantRow& v : rows) {
      Params p;
      p.text(v.record);
      p.integer(v.sequence);
      p.text(v.experiment);
      p.text(v.variant);
      p.integer(v.assigned);
      p.integer(v.started);
      p.integer(v.converted ? 1 : 0);
      db_.run(upsertVariant_, p);
    }
  }
  static VariantRow readVariant(const Row& q) {
    return VariantRow{q.text(0), q.integer(1), q.text(2), q.text(3), q.integer(4), q.integer(5), q.integer(6) != 0};
  }
  std::vector<ConnectionCount> connectionCounts(int64_t sequence) override {
    Params p;
    p.integer(sequence);
    ResultPtr r = db_.run(connectionCounts_, p);
    std::vector<ConnectionCount> out;
    for (int i = 0; i < PQntuples(r.r); ++i) {
      Row q(r.r, i, db_.name());
      out.push_back(ConnectionCount{q.number<uint8_t>(0), q.number<int32_t>(1), q.number<uint16_t>(2), q.integer(3),
                                    q.integer(4), q.integer(5)});
    }
    return out;
  }

  // ---- shared ticks

  bool sharedTicks() const override { return true; }
  // The buckets with due work are listed once (one probe of the due index each), and
  // each claim then probes and locks only the bucket at the head of that list; the list
  // is made again only when it runs out. A tick costs buckets + batches probes, not
  // their product (at 64 probes a claim the probes were a fifth of a tick's time).
  std::optional<int32_t> lockDueBucket(int64_t dueBy) override {
    if (dueBy != candidatesDueBy_) {
      candidates_.clear();
      candidatesDueBy_ = dueBy;
    }
    bool fresh = false;
    for (;;) {
      if (candidates_.empty()) {
        if (fresh) return std::nullopt;  // a fresh list, and every bucket on it is empty or held
        fresh = true;
        // Start at a different bucket in each worker, so that they spread out at once.
        Params p;
        p.integer(dueBy);
        p.integer(static_cast<int64_t>(fnv1a(fmt::format("{}:{}", PQbackendPID(db_.get()), ++claims_)) % kBuckets));
        ResultPtr r = db_.run(dueBuckets_, p);
        for (int i = 0; i < PQntuples(r.r); ++i) candidates_.push_back(Row(r.r, i, db_.name()).number<int32_t>(0));
        if (candidates_.empty()) return std::nullopt;
      }
      Params p;
      p.integer(candidates_.front());
      p.integer(dueBy);
      ResultPtr r = db_.run(lockDueBucket_, p);
      if (PQntuples(r.r) == 1) return candidates_.front();  // stays at the head while it has due work
      candidates_.pop_front();
    }
  }
  std::vector<ConnectionRow> dueInBucket(int32_t bucket, int64_t dueBy, size_t limit) override {
    Params p;
    p.integer(bucket);
    p.integer(dueBy);
    p.integer(static_cast<int64_t>(limit));
    ResultPtr r = db_.run(dueInBucket_, p);
    std::vector<ConnectionRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) rows.push_back(readConnection(Row(r.r, i, db_.name())));
    std::sort(rows.begin(), rows.end(), [](const ConnectionRow& a, const ConnectionRow& b) { return a.id < b.id; });
    // A short batch emptied the bucket: the next claim need not probe it again (work
    // due there since is found by the fresh list made when the list runs out).
    if (rows.size() < limit && !candidates_.empty() && candidates_.front() == bucket) candidates_.pop_front();
    return rows;
  }
  void startReaders(int64_t clock) override {
    Params p;
    p.integer(clock);
    db_.run(startReaders_, p);
  }
  std::optional<BucketReaders> lockReadersBucket(int64_t clock) override {
    Params p;
    p.integer(clock);
    p.integer(static_cast<int64_t>(fnv1a(fmt::format("{}:{}", PQbackendPID(db_.get()), ++claims_)) % kBuckets));
    ResultPtr r = db_.run(lockReadersBucket_, p);
    if (PQntuples(r.r) == 0) return std::nullopt;
    return readBucketReaders(Row(r.r, 0, db_.name()));
  }
  BucketReaders bucketReaders(int32_t bucket) override {
    Params p;
    p.integer(bucket);
    ResultPtr r = db_.run(bucketReaders_, p);
    if (PQntuples(r.r) != 1) throw StoreError(fmt::format("workspace database '{}' is corrupt: no bucket {}", db_.name(), bucket));
    return readBucketReaders(Row(r.r, 0, db_.name()));
  }
  void setBucketReaders(const BucketReaders& b) override {
    Params p;
    p.integer(b.bucket);
    p.integer(b.at);
    p.integer(b.to);
    p.integer(b.after);
    db_.run(setBucketReaders_, p);
  }
  std::optional<int64_t> readersChecked() override {
    ResultPtr r = db_.run(readersChecked_, Params());
    std::optional<int64_t> at = Row(r.r, 0, db_.name()).optional(0);
    if (at && *at == 0) return std::nullopt;
    return at;
  }
  std::vector<ConnectionRow> readersInBucket(int32_t bucket, const std::vector<std::pair<int64_t, int32_t>>& versions,
                                             int64_t after, size_t limit) override {
    std::vector<int64_t> sequences, numbers;
    for (const auto& [sequence, number] : versions) sequences.push_back(sequence), numbers.push_back(number);
    std::string s = fmt::format("{{{}}}", fmt::join(sequences, ",")), n = fmt::format("{{{}}}", fmt::join(numbers, ","));
    Params p;
    p.integer(bucket);
    p.array(s);
    p.array(n);
    p.integer(after);
    p.integer(static_cast<int64_t>(limit));
    ResultPtr r = db_.run(readersInBucket_, p);
    std::vector<ConnectionRow> rows;
    for (int i = 0; i < PQntuples(r.r); ++i) rows.push_back(readConnection(Row(r.r, i, db_.name())));
    return rows;
  }
  std::optional<int64_t> nextDue() override {
    ResultPtr r = db_.run(nextDue_, Params());
    if (PQntuples(r.r) == 0) return std::nullopt;
    return Row(r.r, 0, db_.name()).optional(0);
  }
  void listen() override {
    if (!listening_) db_.exec(fmt::format("LISTEN {}", kNotifyChannel));
    listening_ = true;
  }
  bool waitForChange(int milliseconds) override {
    listen();
    if (drainNotifications()) return true;  // arrived while other statements ran
    pollfd fd{PQsocket(db_.get()), POLLIN, 0};
    if (fd.fd < 0) fail(nullptr);
    if (::poll(&fd, 1, milliseconds) <= 0) return false;
    if (!PQconsumeInput(db_.get())) db_.fail(nullptr);
    return drainNotifications();
  }

 private:
  enum class Mode { None, Read, Write, Shared };

  void begin(Mode mode) {
    // Reads see one snapshot, as SQLite's readers do; writers serialize on the advisory
    // lock (tick workers share it and split the work by bucket row locks).
    if (mode == Mode::Read) {
      db_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    } else if (mode == Mode::Shared) {  // sent with the first statement: a tick's batch has many transactions
      db_.defer("BEGIN");
      db_.defer(fmt::format("SELECT pg_advisory_xact_lock_shared({})", kLockKey));
    } else {
      db_.exec(fmt::format("BEGIN; SELECT {}({})", mode == Mode::Write ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared",
                           kLockKey));
    }
    mode_ = mode;
    changed_ = false;
    clearPendingCounts();
  }
  [[noreturn]] void fail(const PGresult* r) { db_.fail(r); }
  bool drainNotifications() {
    bool any = false;
    while (PGnotify* note = PQnotifies(db_.get())) {
      any = true;
      PQfreemem(note);
    }
    return any;
  }

  static BucketReaders readBucketReaders(const Row& q) {
    return {q.number<int32_t>(0), q.integer(1), q.integer(2), q.integer(3)};
  }
  int32_t bucketOf(const std::string& record) const { return static_cast<int32_t>(fnv1a(record) % kBuckets); }

  void clearPendingCounts() {
    pendingCounts_.clear();
    pendingSlots_.clear();
    pendingDurations_.clear();
  }
  // Each table's counters in key order, the tables in one order: see addStepCounts.
  void flushCounts() {
    flushStepCounts();
    std::vector<std::pair<const SlotKey, std::array<int64_t, 5>>*> slots;
    for (auto& e : pendingSlots_) slots.push_back(&e);
    deferAll(
        addSlotCount_, slots.size(),
        [&](size_t i, Params& p) {
          const auto& [key, n] = *slots[i];
          p.integer(std::get<0>(key));
          p.integer(std::get<1>(key));
          p.integer(std::get<2>(key));
          for (int64_t k : n) p.integer(k);
        });
    pendingSlots_.clear();
    std::vector<std::pair<const std::pair<int64_t, int64_t>, int64_t>*> durations;
    for (auto& e : pendingDurations_) durations.push_back(&e);
    deferAll(
        addDurationCount_, durations.size(),
        [&](size_t i, Params& p) {
          p.integer(durations[i]->first.first);
          p.integer(durations[i]->first.second);
          p.integer(durations[i]->second);
        });
    pendingDurations_.clear();
  }
  void flushStepCounts() {
    if (pendingCounts_.empty()) return;
    std::vector<std::pair<const CountKey, int64_t>*> rows;
    for (auto& e : pendingCounts_) rows.push_back(&e);
    deferAll(
        addStepCount_, rows.size(),
        [&](size_t i, Params& p) {
          const auto& [key, n] = *rows[i];
          p.integer(std::get<0>(key));
          p.integer(std::get<1>(key));
          p.integer(std::get<2>(key));
          p.text(std::get<3>(key));
          p.integer(n);
        });
    pendingCounts_.clear();
  }

  // `s` n times (bind(i, params)), sent with the next statement (Connection::defer); a
  // long run of them in pipelined chunks at once.
  template <class Bind>
  void deferAll(Statement& s, size_t n, Bind&& bind) {
    if (n > kPipelineChunk) return db_.batch(s, n, bind, [](size_t, const PGresult*) {});
    for (size_t i = 0; i < n; ++i) {
      Params p;
      bind(i, p);
      db_.defer(s, p);
    }
  }

  // Rows of `s` (parameter $1: a text[] of ids; column 0: the id) for `ids`, a page at
  // a time: fn(index in ids, row) for each id found, duplicates included.
  template <class Fn>
  void byIds(Statement& s, const std::vector<std::string>& ids, Fn&& fn) {
    constexpr size_t kPage = 5000;
    for (size_t begin = 0; begin < ids.size(); begin += kPage) {
      size_t end = std::min(ids.size(), begin + kPage);
      std::unordered_map<std::string_view, std::vector<size_t>> where;
      for (size_t i = begin; i < end; ++i) where[ids[i]].push_back(i);
      std::string array = textArray(ids, begin, end);
      Params p;
      p.array(array);  // as text: its binary form needs the element type's oid and more
      ResultPtr r = db_.run(s, p);
      for (int k = 0; k < PQntuples(r.r); ++k) {
        Row q(r.r, k, db_.name());
        auto it = where.find(q.view(0));
        if (it == where.end()) continue;
        for (size_t i : it->second) fn(i, q);
      }
    }
  }

  template <class F>
  ResultPtr naming(F&& run, const std::string& name) {
    try {
      return undoable(run);
    } catch (const Connection::Duplicate&) {
      throw StoreError(fmt::format("a sequence named '{}' exists already", name));
    }
  }

  // Runs a statement that may break a constraint in a savepoint: on PostgreSQL a failed
  // statement aborts the whole transaction, on SQLite (and in store.h) only itself.
  template <class F>
  ResultPtr undoable(F&& run) {
    db_.exec("SAVEPOINT statement");
    try {
      ResultPtr result = run();
      db_.exec("RELEASE SAVEPOINT statement");
      return result;
    } catch (...) {
      if (PQstatus(db_.get()) != CONNECTION_BAD) ResultPtr r(PQexec(db_.get(), "ROLLBACK TO SAVEPOINT statement"));
      throw;
    }
  }

  void expectChanged(const PGresult* r, const std::string& what) const {
    if (std::string_view(PQcmdTuples(const_cast<PGresult*>(r))) == "0")
      throw StoreError(fmt::format("workspace database '{}': {}", db_.name(), what));
  }

  Connection db_;
  Mode mode_ = Mode::None;
  bool changed_ = false;
  bool listening_ = false;
  std::deque<int32_t> candidates_;  // lockDueBucket's list for candidatesDueBy_
  int64_t candidatesDueBy_ = 0;
  uint64_t claims_ = 0;
  using CountKey = std::tuple<int64_t, int32_t, int32_t, std::string>;
  std::map<CountKey, int64_t> pendingCounts_;
  using SlotKey = std::tuple<int64_t, int32_t, int32_t>;  // sequence, version, slot
  std::map<SlotKey, std::array<int64_t, 5>> pendingSlots_;
  std::map<std::pair<int64_t, int64_t>, int64_t> pendingDurations_;  // (sequence, seconds)
  bool fillRunCounts_ = false;  // the setting "run_counts" said "fill" when it opened

  Statement getMeta_{"SELECT value FROM meta WHERE key = $1", types({kText})};
  Statement setMeta_{"INSERT INTO meta(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     types({kText, kText})};
  Statement sequences_{fmt::format("SELECT {} FROM sequences WHERE deleted = 0 ORDER BY name", kSequenceColumns), {}};
  Statement sequenceByName_{fmt::format("SELECT {} FROM sequences WHERE name = $1 AND deleted = 0", kSequenceColumns),
                            types({kText})};
  Statement sequenceById_{fmt::format("SELECT {} FROM sequences WHERE id = $1", kSequenceColumns), types({kInt8})};
  Statement insertSequence_{
      "INSERT INTO sequences(name, entity, description, tags, active, latest, created, modified, deleted) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      types({kText, kText, kText, kText, kInt8, kInt8, kInt8, kInt8, kInt8})};
  Statement updateSequence_{
      "UPDATE sequences SET name = $1, entity = $2, description = $3, tags = $4, active = $5, latest = $6, "
      "created = $7, modified = $8, deleted = $9 WHERE id = $10",
      types({kText, kText, kText, kText, kInt8, kInt8, kInt8, kInt8, kInt8, kInt8})};
  Statement insertVersion_{fmt::format("INSERT INTO versions({}) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)", kVersionColumns),
                           types({kInt8, kInt8, kText, kText, kText, kText, kBytea, kInt8, kInt8})};
  Statement version_{fmt::format("SELECT {} FROM versions WHERE sequence = $1 AND number = $2", kVersionColumns),
                     types({kInt8, kInt8})};
  Statement versions_{fmt::format("SELECT {} FROM versions WHERE sequence = $1 ORDER BY number", kVersionColumns),
                      types({kInt8})};
  Statement segmentMembers_{
      "SELECT segment, record, sequence, entered, connection, note FROM segment_members WHERE entity = $1 "
      "ORDER BY segment, record",
      types({kText})};
  Statement putSegmentMember_{
      "INSERT INTO segment_members(segment, record, entity, sequence, entered, connection, note) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT(segment, record) DO UPDATE SET entity = excluded.entity, "
      "sequence = excluded.sequence, entered = excluded.entered, connection = excluded.connection, "
      "note = excluded.note",
      types({kText, kText, kText, kInt8, kInt8, kInt8, kText})};
  Statement removeSegmentMember_{"DELETE FROM segment_members WHERE segment = $1 AND record = $2",
                                 types({kText, kText})};
  Statement addSegmentCount_{
      "INSERT INTO segment_counts(segment, entries, connections) VALUES($1, $2, $3) ON CONFLICT(segment) DO "
      "UPDATE SET entries = segment_counts.entries + excluded.entries, "
      "connections = segment_counts.connections + excluded.connections",
      types({kText, kInt8, kInt8})};
  Statement segmentCounts_{"SELECT segment, entries, connections FROM segment_counts ORDER BY segment", types({})};
  Statement extensions_{"SELECT entity, field, spec, sequence FROM extensions WHERE entity = $1 ORDER BY field",
                        types({kText})};
  Statement insertExtension_{"INSERT INTO extensions(entity, field, spec, sequence) VALUES($1, $2, $3, $4)",
                             types({kText, kText, kText, kInt8})};
  Statement fieldNames_{"SELECT number, name FROM record_fields WHERE entity = $1 ORDER BY number", types({kText})};
  Statement addFieldName_{"INSERT INTO record_fields(entity, number, name) VALUES($1, $2, $3)",
                          types({kText, kInt8, kText})};
  Statement upsertRecord_{
      "INSERT INTO records(id, entity, fields, updated) VALUES($1, $2, $3, $4) ON CONFLICT(id) DO UPDATE "
      "SET entity = excluded.entity, fields = excluded.fields, updated = excluded.updated",
      types({kText, kText, kBytea, kInt8})};
  Statement record_{"SELECT id, entity, fields, updated FROM records WHERE id = $1", types({kText})};
  Statement hasRecords_{"SELECT 1 FROM records LIMIT 1", {}};
  Statement recordsByIds_{"SELECT id, entity, fields, updated FROM records WHERE id = ANY($1::text[])", {}};
  Statement updateRecordFields_{"UPDATE records SET fields = $2, updated = $3 WHERE id = $1",
                                types({kText, kBytea, kInt8})};
  Statement nextConnectionIds_{"SELECT nextval('connections_id_seq') FROM generate_series(1, $1)", types({kInt8})};
  // Each connection with its timer, if it has one: one statement.
  Statement insertConnections_{
      fmt::format("WITH c AS (INSERT INTO connections(id, record, sequence, bucket, {}) SELECT * FROM {} "
                  "RETURNING id, bucket, status, due) INSERT INTO timers(connection, bucket, due) "
                  "SELECT id, bucket, due FROM c WHERE due IS NOT NULL AND status = 0",
                  kStateNames, unnestOf(1, std::string("bigint[], text[], bigint[], bigint[], ") + kStateArrays)),
      {}};
  // The rows, and their timers after them (set, moved or dropped), in one statement
  // that returns how many connections it updated. `c.id = ANY($1)` makes the planner
  // look the rows up by id: estimating the batch joined to the whole table, it hashed a
  // scan of every connection for each batch instead. A timer is found by the bucket,
  // due time and id its connection held before the update: `o`, the same row version
  // (the statement's snapshot) reached by its address, no second index lookup.
  Statement updateConnections_{
      fmt::format("WITH c AS (UPDATE connections AS c SET ({0}) = (u.{1}) FROM {2} AS u(id, {0}), connections AS o "
                  "WHERE c.id = u.id AND c.id = ANY($1::bigint[]) AND o.ctid = c.ctid "
                  "RETURNING c.id, c.bucket, CASE WHEN o.status = 0 THEN o.due END AS was, "
                  "CASE WHEN c.status = 0 THEN c.due END AS due), "
                  "t AS (SELECT * FROM c WHERE was IS DISTINCT FROM due), "
                  "gone AS (DELETE FROM timers x USING t WHERE x.bucket = t.bucket AND x.due = t.was AND "
                  "x.connection = t.id AND t.due IS NULL), "
                  "moved AS (UPDATE timers x SET due = t.due FROM t WHERE x.bucket = t.bucket AND x.due = t.was AND "
                  "x.connection = t.id AND t.due IS NOT NULL), "
                  "added AS (INSERT INTO timers(connection, bucket, due) SELECT id, bucket, due FROM t "
                  "WHERE was IS NULL AND due IS NOT NULL) "
                  "SELECT count(*) FROM c",
                  kStateNames,
                  fmt::join(std::vector<std::string>{"version", "status", "reason", "waiting", "step", "progress", "pc",
                                                     "generation", "connected", "entered", "due", "ended", "message",
                                                     "data", "assignee"},
                            ", u."),
                  unnestOf(1, std::string("bigint[], ") + kStateArrays)),
      {}};
  Statement activeCounts_{
      "SELECT s.id, count(*) FROM sequences s JOIN connections c ON c.sequence = s.id AND c.status = 0 "
      "GROUP BY s.id ORDER BY s.id",
      {}};
  Statement insertHistory_{
      fmt::format("INSERT INTO history(connection, at, step, result, detail) SELECT * FROM {}",
                  unnestOf(1, "bigint[], bigint[], integer[], text[], text[]")),
      {}};
  Statement historyOfRecord_{
      "SELECT h.connection, h.at, h.step, h.result, h.detail FROM connections c "
      "JOIN history h ON h.connection = c.id WHERE c.record = $1 ORDER BY h.at, h.id",
      types({kText})};
  Statement addStepCount_{
      "INSERT INTO step_counts(sequence, version, step, result, count) VALUES($1, $2, $3, $4, $5) "
      "ON CONFLICT(sequence, version, step, result) DO UPDATE SET count = step_counts.count + excluded.count",
      types({kInt8, kInt8, kInt8, kText, kInt8})};
  Statement stepCounts_{"SELECT version, step, result, count FROM step_counts WHERE sequence = $1", types({kInt8})};
  Statement addSlotCount_{
      "INSERT INTO slot_counts(sequence, version, slot, sent, opened, clicked, replied, downloaded) "
      "VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT(sequence, version, slot) DO UPDATE SET "
      "sent = slot_counts.sent + excluded.sent, opened = slot_counts.opened + excluded.opened, "
      "clicked = slot_counts.clicked + excluded.clicked, replied = slot_counts.replied + excluded.replied, "
      "downloaded = slot_counts.downloaded + excluded.downloaded",
      types({kInt8, kInt8, kInt8, kInt8, kInt8, kInt8, kInt8, kInt8})};
  Statement slotCounts_{
      "SELECT version, slot, sent, opened, clicked, replied, downloaded FROM slot_counts WHERE sequence = $1",
      types({kInt8})};
  Statement addDurationCount_{
      "INSERT INTO duration_counts(sequence, seconds, count) VALUES($1, $2, $3) "
      "ON CONFLICT(sequence, seconds) DO UPDATE SET count = duration_counts.count + excluded.count",
      types({kInt8, kInt8, kInt8})};
  Statement durationCounts_{
      "SELECT seconds, count FROM duration_counts WHERE sequence = $1 AND count > 0 ORDER BY seconds",
      types({kInt8})};
  Statement variantsOfRecord_{
      "SELECT record, sequence, experiment, variant, assigned, started, converted FROM experiment_variants "
      "WHERE sequence = $1 AND record = $2",
      types({kInt8, kText})};
  Statement variantsOfSequence_{
      "SELECT record, sequence, experiment, variant, assigned, started, converted FROM experiment_variants "
      "WHERE sequence = $1 ORDER BY record, experiment",
      types({kInt8})};
  Statement upsertVariant_{
      "INSERT INTO experiment_variants(record, sequence, experiment, variant, assigned, started, converted) "
      "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sequence, record, experiment) DO UPDATE SET "
      "variant = excluded.variant, started = excluded.started, converted = excluded.converted",
      types({kText, kInt8, kText, kText, kInt8, kInt8, kInt8})};
  Statement connectionCounts_{
      "SELECT status, version, step, count(*), count(ended), coalesce(sum(ended - connected), 0)::bigint "
      "FROM connections WHERE sequence = $1 GROUP BY status, version, step",
      types({kInt8})};
  // The buckets with due work, from a starting bucket on: the earliest timer of each
  // bucket (a probe of the timers' index, a subplan per bucket), never a scan or a sort
  // of the backlog.
  Statement dueBuckets_{
      "SELECT b.id FROM buckets b WHERE (SELECT min(t.due) FROM timers t WHERE t.bucket = b.id) <= $1 "
      "ORDER BY (b.id - $2 + 64) % 64",
      types({kInt8, kInt8})};
  // That bucket, locked, if it still has due work and nobody holds it.
  Statement lockDueBucket_{
      "SELECT b.id FROM buckets b WHERE b.id = $1 AND (SELECT min(t.due) FROM timers t WHERE t.bucket = b.id) <= $2 "
      "FOR UPDATE OF b SKIP LOCKED",
      types({kInt8, kInt8})};
  Statement dueInBucket_{
      fmt::format("SELECT {} FROM timers t JOIN connections c ON c.id = t.connection WHERE t.bucket = $1 AND "
                  "t.due <= $2 ORDER BY t.due LIMIT $3",
                  qualified("c", kConnectionColumns)),
      types({kInt8, kInt8, kInt8})};
  // Clock readers (tick.cc): the 64 rows of buckets are scanned, never the backlog.
  Statement startReaders_{
      "UPDATE buckets SET readers_at = $1, readers_to = $1, readers_after = 0 WHERE readers_at = 0 AND readers_to = 0",
      types({kInt8})};
  Statement lockReadersBucket_{
      "SELECT id, readers_at, readers_to, readers_after FROM buckets WHERE readers_at < $1 OR readers_to > readers_at "
      "ORDER BY (id - $2 + 64) % 64 LIMIT 1 FOR UPDATE SKIP LOCKED",
      types({kInt8, kInt8})};
  Statement bucketReaders_{"SELECT id, readers_at, readers_to, readers_after FROM buckets WHERE id = $1",
                           types({kInt8})};
  Statement setBucketReaders_{
      "UPDATE buckets SET readers_at = $2, readers_to = $3, readers_after = $4 WHERE id = $1",
      types({kInt8, kInt8, kInt8, kInt8})};
  Statement readersChecked_{"SELECT min(readers_at) FROM buckets", {}};
  // A range of the index connections_bucket per version, merged by id.
  Statement readersInBucket_{
      fmt::format("SELECT x.* FROM unnest($2::bigint[], $3::bigint[]) v(s, n), LATERAL (SELECT {} FROM connections c "
                  "WHERE c.bucket = $1 AND c.sequence = v.s AND c.version = v.n AND c.status = 0 AND c.id > $4 "
                  "ORDER BY c.id LIMIT $5) x ORDER BY x.id LIMIT $5",
                  qualified("c", kConnectionColumns)),
      types({kInt8, 0, 0, kInt8, kInt8})};
  Statement nextDue_{
      "SELECT min(d) FROM buckets b, LATERAL (SELECT due AS d FROM timers t WHERE t.bucket = b.id "
      "ORDER BY due LIMIT 1) n",
      {}};
};

}  // namespace

bool isDatabaseUrl(std::string_view text) {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

void checkDatabaseUrl(const std::string& url) {
  if (!isDatabaseUrl(url))
    throw StoreError(fmt::format("'{}' is not a PostgreSQL URL (postgresql://[HOST][:PORT]/DATABASE[?…])", url));
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (!options) {
    std::string detail = error ? oneLine(error) : "out of memory";
    PQfreemem(error);
    throw StoreError(fmt::format("'{}' is not a valid PostgreSQL URL: {}", url, detail));
  }
  bool password = false;
  for (PQconninfoOption* o = options; o->keyword; ++o)
    if (std::strcmp(o->keyword, "password") == 0 && o->val && *o->val) password = true;
  PQconninfoFree(options);
  if (password)
    throw StoreError(
        "the database URL holds a password: seqc keeps it in the workspace directory, so leave it out and give it "
        "in ~/.pgpass (or PGPASSFILE, PGPASSWORD)");
}

std::unique_ptr<Store> openPostgresStore(const std::string& url, bool create) {
  checkDatabaseUrl(url);
  return std::make_unique<PgStore>(url, url, create);
}

}  // namespace seqc::ws
