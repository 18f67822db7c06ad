// What only the PostgreSQL store has: its schema version, refusing URLs with passwords,
// server failures as one clear line, a lost connection that applies nothing, and the
// buckets tick workers lock. Run by the `pg/unit/pg` case (SEQC_TEST_PG, test_database.h).
#include <catch2/catch.hpp>
#include <libpq-fe.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "seqc/workspace/store.h"
#include "test_database.h"

using namespace seqc::ws;
using Catch::Matchers::Contains;

namespace {

// Runs `sql` on `url` behind the store's back.
void pgExec(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  INFO(PQerrorMessage(conn));
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn, sql.c_str());
  INFO(PQerrorMessage(conn));
  auto status = PQresultStatus(r);
  PQclear(r);
  PQfinish(conn);
  REQUIRE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
}

void requireCluster() {
  if (!seqc::testing::onPostgres()) FAIL("run with SEQC_TEST_PG (ctest -R pg/)");
}

// The first row of `sql` on `url`, its columns as text.
std::vector<std::string> pgRow(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn, sql.c_str());
  INFO(PQerrorMessage(conn));
  bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
  std::vector<std::string> row;
  for (int i = 0; ok && i < PQnfields(r); ++i) row.emplace_back(PQgetvalue(r, 0, i));
  PQclear(r);
  PQfinish(conn);
  REQUIRE(ok);
  return row;
}

// A sequence with a version and `n` connections on records r0…, the odd ones due at
// 100, the even ones at 1000 (none without a timer): their rows.
std::vector<ConnectionRow> connectSome(Store& store, int n) {
  std::vector<ConnectionRow> rows;
  inWriteTransaction(store, [&] {
    SequenceRow s;
    s.name = "alpha";
    s.entity = "lead";
    int64_t id = store.insertSequence(s);
    VersionRow v;
    v.sequence = id;
    v.number = 1;
    store.insertVersion(v);
    std::vector<RecordRow> records;
    for (int i = 0; i < n; ++i) {
      records.push_back({"r" + std::to_string(i), "lead", "", 1});
      ConnectionRow c;
      c.record = records.back().id;
      c.sequence = id;
      c.version = 1;
      c.due = i % 2 ? 100 : 1000;
      c.data = std::string(200, 'x');  // about the size of a real run's state
      rows.push_back(c);
    }
    store.upsertRecords(records);
    store.insertConnections(rows);
  });
  return rows;
}

// What schema 8 added, taken away: a database of an older schema.
const std::string kUndo8 =
    "ALTER TABLE buckets DROP COLUMN readers_at, DROP COLUMN readers_to, DROP COLUMN readers_after; "
    "DROP INDEX connections_bucket; ";

std::string messageOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("pg: the schema has a version; a newer one and a database without a workspace are refused", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  CHECK_THROWS_WITH(openPostgresStore(url, false), Contains("holds no seqc workspace") && Contains(url));
  openPostgresStore(url, true).reset();
  CHECK_THROWS_WITH(openPostgresStore(url, true), Contains("holds a seqc workspace already"));
  openPostgresStore(url, false).reset();
  pgExec(url, "UPDATE seqc_schema SET version = 99");
  CHECK_THROWS_WITH(openPostgresStore(url, false), Contains("was made by a newer seqc (schema 99)"));
  pgExec(url, "DELETE FROM seqc_schema");
  CHECK_THROWS_WITH(openPostgresStore(url, false), Contains("is corrupt"));
}

// A database of schema 1 (history with a foreign key to connections) is upgraded in
// place by the first command that opens it.
TEST_CASE("pg: schema 1 is upgraded to the current one, dropping history's foreign key", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  openPostgresStore(url, true).reset();
  pgExec(url, "ALTER TABLE history ADD CONSTRAINT history_connection_fkey FOREIGN KEY (connection) "
              "REFERENCES connections(id); DROP TABLE segment_members, segment_counts, experiment_variants, timers, "
              "slot_counts, duration_counts; DROP INDEX history_assigned; "
              "CREATE INDEX connections_due ON connections(bucket, due) WHERE due IS NOT NULL; " + kUndo8 +
              "UPDATE seqc_schema SET version = 1");
  openPostgresStore(url, false).reset();
  PGconn* conn = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn,
                       "SELECT (SELECT version FROM seqc_schema), (SELECT count(*) FROM pg_constraint "
                       "WHERE conname = 'history_connection_fkey'), "
                       "to_regclass('segment_members') IS NOT NULL AND to_regclass('experiment_variants') IS NOT NULL "
                       "AND to_regclass('timers') IS NOT NULL AND to_regclass('slot_counts') IS NOT NULL, "
                       "(SELECT value FROM meta WHERE key = 'run_counts')");
  REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "8");
  CHECK(std::string(PQgetvalue(r, 0, 1)) == "0");
  CHECK(std::string(PQgetvalue(r, 0, 2)) == "t");
  CHECK(std::string(PQgetvalue(r, 0, 3)) == "fill");  // the workspace fills the counts (the store alone cannot)
  PQclear(r);
  PQfinish(conn);
}

TEST_CASE("pg: no password in a URL; server errors are one line", "[pg]") {
  requireCluster();
  CHECK_THROWS_WITH(checkDatabaseUrl("postgresql://me:secret@db.example/sales"), Contains("password"));
  CHECK_THROWS_WITH(checkDatabaseUrl("postgresql:///sales?password=secret"), Contains("password"));
  CHECK_THROWS_WITH(checkDatabaseUrl("mysql://db/sales"), Contains("not a PostgreSQL URL"));
  CHECK_THROWS_WITH(checkDatabaseUrl("postgresql://db/sales?nonsense=1"), Contains("not a valid PostgreSQL URL"));
  CHECK_NOTHROW(checkDatabaseUrl("postgresql://me@db.example:5433/sales?sslmode=require"));

  std::string unreachable = messageOf([] { openPostgresStore("postgresql://seqc@/x?host=/nonexistent-dir", false); });
  CHECK_THAT(unreachable, Contains("cannot connect to workspace database 'postgresql://seqc@/x?host=/nonexistent-dir'"));
  CHECK(unreachable.find('\n') == std::string::npos);
  std::string url = seqc::testing::freshPgDatabase();
  std::string noDb = url.substr(0, url.find("/t")) + "/no_such_database" + url.substr(url.find('?'));
  std::string missing = messageOf([&] { openPostgresStore(noDb, false); });
  CHECK_THAT(missing, Contains("no_such_database") && Contains("does not exist"));
  CHECK(missing.find('\n') == std::string::npos);
}

TEST_CASE("pg: a connection lost mid-command applies nothing", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  auto store = openPostgresStore(url, true);
  SequenceRow row;
  row.name = "kept";
  row.entity = "lead";
  inWriteTransaction(*store, [&] { store->insertSequence(row); });

  store->begin(true);
  row.name = "lost";
  store->insertSequence(row);
  pgExec(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND "
              "pid <> pg_backend_pid()");
  row.name = "lost too";
  std::string message = messageOf([&] {
    store->insertSequence(row);
    store->commit();
  });
  CHECK_THAT(message, Contains("lost the connection to workspace database"));
  CHECK(message.find('\n') == std::string::npos);
  store->rollback();  // safe on a dead connection

  auto again = openPostgresStore(url, false);
  inReadTransaction(*again, [&] {
    CHECK(again->sequence("kept"));
    CHECK_FALSE(again->sequence("lost"));
  });
}

TEST_CASE("pg: tick workers lock different buckets and see only their due connections", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  auto a = openPostgresStore(url, true);
  auto b = openPostgresStore(url, false);
  REQUIRE(a->sharedTicks());
  inWriteTransaction(*a, [&] {
    SequenceRow s;
    s.name = "alpha";
    s.entity = "lead";
    int64_t id = a->insertSequence(s);
    VersionRow v;
    v.sequence = id;
    v.number = 1;
    a->insertVersion(v);
    std::vector<RecordRow> records;
    std::vector<ConnectionRow> rows;
    for (int i = 0; i < 200; ++i) {
      records.push_back({"r" + std::to_string(i), "lead", "", 1});
      ConnectionRow c;
      c.record = records.back().id;
      c.sequence = id;
      c.version = 1;
      c.due = i % 2 ? 100 : 1000;  // half due by 100
      rows.push_back(c);
    }
    a->upsertRecords(records);
    a->insertConnections(rows);
  });

  a->beginShared();
  auto first = a->lockDueBucket(100);
  REQUIRE(first);
  std::vector<ConnectionRow> mine = a->dueInBucket(*first, 100, 1000);
  CHECK_FALSE(mine.empty());
  for (const auto& c : mine) CHECK(c.due == 100);

  // The other worker never gets the bucket the first holds.
  b->beginShared();
  for (int i = 0; i < 20; ++i) {
    b->rollback();
    b->beginShared();
    auto other = b->lockDueBucket(100);
    REQUIRE(other);
    CHECK(*other != *first);
  }
  // Every due connection is in exactly one bucket.
  size_t due = 0;
  std::set<int64_t> ids;
  for (int32_t bucket = 0; bucket < 64; ++bucket)
    for (const auto& c : b->dueInBucket(bucket, 100, 1000)) due += 1, ids.insert(c.id);
  CHECK(due == 100);
  CHECK(ids.size() == 100);
  b->commit();
  a->commit();

  // Nothing due: no bucket.
  inTransaction(*a, true, [&] { CHECK_FALSE(a->lockDueBucket(99)); });
  CHECK(inReadTransaction(*a, [&] { return a->nextDue(); }) == 100);
}

// Schema 4 kept the due times in an index on connections; schema 6 moves them into
// `timers`, taking every pending timer along.
TEST_CASE("pg: schema 4 is upgraded to the current one, its due times moved into timers", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  {
    auto store = openPostgresStore(url, true);
    std::vector<ConnectionRow> rows = connectSome(*store, 40);
    rows[0].due.reset();  // one without a timer
    inWriteTransaction(*store, [&] { store->updateConnections({rows[0]}); });
  }
  pgExec(url, "DROP TABLE timers, slot_counts, duration_counts; DROP INDEX history_assigned; CREATE INDEX connections_due ON connections(bucket, due) WHERE due IS NOT NULL; "
              "ALTER TABLE connections RESET (fillfactor); " + kUndo8 + "UPDATE seqc_schema SET version = 4");
  auto store = openPostgresStore(url, false);
  CHECK(pgRow(url, "SELECT (SELECT version FROM seqc_schema), to_regclass('connections_due') IS NULL, "
                   "(SELECT count(*) FROM timers), (SELECT count(*) FROM timers t JOIN connections c "
                   "ON c.id = t.connection AND c.due = t.due AND c.bucket = t.bucket), "
                   "(SELECT reloptions::text FROM pg_class WHERE relname = 'connections')") ==
        std::vector<std::string>{"8", "t", "39", "39", "{fillfactor=80}"});
  CHECK(inReadTransaction(*store, [&] { return store->nextDue(); }) == 100);
  size_t due = 0;
  inTransaction(*store, true, [&] {
    for (int32_t bucket = 0; bucket < 64; ++bucket) due += store->dueInBucket(bucket, 100, 1000).size();
  });
  CHECK(due == 20);
}

// Schema 6's timers had a primary key on the connection and an index (bucket, due);
// schema 7 keeps one index, (bucket, due, connection), and every timer.
TEST_CASE("pg: schema 6 is upgraded to the current one, the timers keeping one index and every row", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  std::vector<ConnectionRow> rows;
  {
    auto store = openPostgresStore(url, true);
    rows = connectSome(*store, 40);
  }
  pgExec(url, "DROP INDEX timers_due; ALTER TABLE timers ADD PRIMARY KEY (connection); "
              "CREATE INDEX timers_due ON timers(bucket, due); " + kUndo8 + "UPDATE seqc_schema SET version = 6");
  auto store = openPostgresStore(url, false);
  CHECK(pgRow(url, "SELECT (SELECT version FROM seqc_schema), (SELECT count(*) FROM pg_index "
                   "WHERE indrelid = 'timers'::regclass), "
                   "(SELECT pg_get_indexdef('timers_due'::regclass) LIKE '%(bucket, due, connection)'), "
                   "(SELECT count(*) FROM timers t JOIN connections c ON c.id = t.connection AND c.due = t.due "
                   "AND c.bucket = t.bucket)") == std::vector<std::string>{"8", "1", "t", "40"});
  size_t due = 0;
  inTransaction(*store, true, [&] {
    for (int32_t bucket = 0; bucket < 64; ++bucket) due += store->dueInBucket(bucket, 100, 1000).size();
  });
  CHECK(due == 20);
  // A timer dropped (due cleared), then set again, one moved, one left: each found by
  // the due time its connection held.
  rows[0].due.reset();
  rows[1].due = 5;
  inWriteTransaction(*store, [&] { store->updateConnections({rows[0], rows[1], rows[2]}); });
  CHECK(pgRow(url, "SELECT count(*), min(due) FROM timers") == std::vector<std::string>{"39", "5"});
  rows[0].due = 7;
  inWriteTransaction(*store, [&] { store->updateConnections({rows[0]}); });
  CHECK(pgRow(url, "SELECT count(*), count(*) FILTER (WHERE due = 7), (SELECT count(*) FROM timers t "
                   "JOIN connections c ON c.id = t.connection AND c.due = t.due) FROM timers") ==
        std::vector<std::string>{"40", "1", "40"});
  CHECK(inReadTransaction(*store, [&] { return store->nextDue(); }) == 5);
}

// The timers follow their connections' `due` (set, moved, dropped), and a step that
// moves `due` updates the wide connection row in place: a HOT update, no index entry.
TEST_CASE("pg: timers follow due, and moving due is a HOT update of the connection", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  {
    auto store = openPostgresStore(url, true);
    std::vector<ConnectionRow> rows = connectSome(*store, 200);
    // A tick's batches: a few rows of a page each (a bucket's), one transaction each,
    // so that the versions a batch leaves behind are pruned by the next ones.
    for (int round = 1; round <= 3; ++round) {
      for (size_t first = 0; first < 20; ++first) {
        std::vector<ConnectionRow> batch;
        for (size_t i = first; i < rows.size(); i += 20) {
          rows[i].due = *rows[i].due + 86400, rows[i].pc += 1;
          batch.push_back(rows[i]);
        }
        inWriteTransaction(*store, [&] { store->updateConnections(batch); });
      }
    }
    rows[1].due.reset();
    rows[1].status = 1;  // completed: no timer, and no longer due
    rows[3].due = 5;
    inWriteTransaction(*store, [&] { store->updateConnections({rows[1], rows[3]}); });
    CHECK(inReadTransaction(*store, [&] { return store->nextDue(); }) == 5);
    inTransaction(*store, true, [&] {
      auto bucket = store->lockDueBucket(5);
      REQUIRE(bucket);
      auto due = store->dueInBucket(*bucket, 5, 1000);
      REQUIRE(due.size() == 1);
      CHECK(due[0].id == rows[3].id);
      CHECK(due[0].pc == 3);
    });
  }  // the server counts a session's updates when it ends
  CHECK(pgRow(url, "SELECT (SELECT count(*) FROM timers), (SELECT count(*) FROM timers t JOIN connections c "
                   "ON c.id = t.connection AND c.due = t.due)") == std::vector<std::string>{"199", "199"});
  std::vector<std::string> counts;
  for (int i = 0; i < 50; ++i) {  // the statistics arrive within a second or so
    counts = pgRow(url, "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'connections'");
    if (counts[0] == "602") break;
    usleep(100000);
  }
  INFO("updates, HOT updates of connections: " << counts[0] << ", " << counts[1]);
  REQUIRE(counts[0] == "602");
  // Every update but the status change (status is indexed) can be HOT. How many are
  // depends on the server pruning old row versions, which other sessions of the cluster
  // (tests running beside this one) can hold back; without other load all but one are
  // (601 of 602). The updates leave some room on every page (fill factor 80), so some
  // are HOT however busy the server is: with `due` indexed on connections none were.
  CHECK(std::stoi(counts[1]) > 0);
  // What makes them HOT, independent of load: no index of connections holds a column
  // that a step changes (only id, record, sequence, version, bucket and status are indexed).
  CHECK(pgRow(url, "SELECT string_agg(DISTINCT a.attname, ',' ORDER BY a.attname) FROM pg_index i "
                   "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                   "WHERE i.indrelid = 'connections'::regclass") ==
        std::vector<std::string>{"bucket,id,record,sequence,status,version"});
}

// Schema 8: each bucket keeps how far its clock readers were checked; an upgraded
// workspace's were checked by its ticks up to its clock.
TEST_CASE("pg: schema 7 is upgraded to 8, its buckets' readers checked up to the clock", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  {
    auto store = openPostgresStore(url, true);
    connectSome(*store, 10);
    inWriteTransaction(*store, [&] { store->setMeta("clock", "1767600000"); });
  }
  pgExec(url, kUndo8 + "UPDATE seqc_schema SET version = 7");
  auto store = openPostgresStore(url, false);
  CHECK(pgRow(url, "SELECT (SELECT version FROM seqc_schema), to_regclass('connections_bucket') IS NOT NULL, "
                   "(SELECT count(*) FROM buckets WHERE readers_at = 1767600000 AND readers_to = 1767600000 "
                   "AND readers_after = 0)") == std::vector<std::string>{"8", "t", "64"});
  // Checked up to the clock: no bucket wants its readers checked again until it moves.
  inTransaction(*store, true, [&] {
    CHECK_FALSE(store->lockReadersBucket(1767600000));
    CHECK(store->lockReadersBucket(1767600001));
  });
}

// Clock readers a bucket and a batch at a time (workspace/src/tick.cc): a worker never
// gets a bucket another holds, pages through a bucket's readers by id, and a bucket
// checked up to the clock is not handed out again; never-checked buckets start at the
// clock the tick moved from.
TEST_CASE("pg: clock readers are handed out a bucket at a time, each bucket once per clock", "[pg]") {
  requireCluster();
  std::string url = seqc::testing::freshPgDatabase();
  auto a = openPostgresStore(url, true);
  auto b = openPostgresStore(url, false);
  std::vector<ConnectionRow> rows = connectSome(*a, 300);
  rows[0].status = 1;  // ended: not a reader any more
  rows[0].due.reset();
  inWriteTransaction(*a, [&] { a->updateConnections({rows[0]}); });
  std::vector<std::pair<int64_t, int32_t>> versions{{rows[0].sequence, 1}, {rows[0].sequence + 100, 1}};

  inWriteTransaction(*a, [&] { a->startReaders(50); });
  inWriteTransaction(*a, [&] { a->startReaders(70); });  // only never-checked buckets start
  inTransaction(*a, true, [&] {
    CHECK_FALSE(a->lockReadersBucket(50));
    auto held = a->lockReadersBucket(60);
    REQUIRE(held);
    CHECK(held->at == 50);
    CHECK(held->to == 50);
  });

  std::set<int64_t> seen;
  size_t reads = 0;
  std::set<int32_t> done;
  for (int round = 0; round < 200; ++round) {
    a->beginShared();
    auto mine = a->lockReadersBucket(60);
    if (!mine) {
      a->commit();
      break;
    }
    // The other worker never gets the bucket the first holds.
    b->beginShared();
    if (auto other = b->lockReadersBucket(60)) CHECK(other->bucket != mine->bucket);
    b->rollback();
    CHECK(done.count(mine->bucket) == 0);
    CHECK(a->bucketReaders(mine->bucket).after == mine->after);
    int64_t after = mine->to > mine->at ? mine->after : 0;
    auto batch = a->readersInBucket(mine->bucket, versions, after, 3);  // small batches: paging
    for (size_t i = 0; i < batch.size(); ++i) {
      CHECK(batch[i].id > after);
      if (i > 0) CHECK(batch[i].id > batch[i - 1].id);
      CHECK(batch[i].status == 0);
      seen.insert(batch[i].id);
      ++reads;
    }
    bool last = batch.size() < 3;
    a->setBucketReaders({mine->bucket, last ? 60 : mine->at, 60, last ? 0 : batch.back().id});
    if (last) done.insert(mine->bucket);
    a->commit();
  }
  CHECK(done.size() == 64);
  CHECK(reads == 299);  // every active connection once
  CHECK(seen.size() == 299);
  CHECK(seen.count(rows[0].id) == 0);
  inTransaction(*b, true, [&] { CHECK_FALSE(b->lockReadersBucket(60)); });
}
