// What only the PostgreSQL store has: its schema version, refusing URLs with passwords,
// server failures as one clear line, a lost connection that applies nothing, and the
// buckets tick workers lock. Run by the `pg/unit/pg` case (SEQC_TEST_PG, test_database.h).
#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <set>
#include <string>

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
              "REFERENCES connections(id); DROP TABLE segment_members, segment_counts, experiment_variants, "
              "slot_counts, duration_counts; DROP INDEX history_assigned; "
              "UPDATE seqc_schema SET version = 1");
  openPostgresStore(url, false).reset();
  PGconn* conn = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn,
                       "SELECT (SELECT version FROM seqc_schema), (SELECT count(*) FROM pg_constraint "
                       "WHERE conname = 'history_connection_fkey'), "
                       "to_regclass('segment_members') IS NOT NULL AND to_regclass('experiment_variants') IS NOT NULL "
                       "AND to_regclass('slot_counts') IS NOT NULL, (SELECT value FROM meta WHERE key = 'run_counts')");
  REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(r, 0, 0)) == "5");
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
