// How the workspace stores records (workspace/src/fields.h) and keeps counts for stats,
// the upgrades of older databases in place, and the progress callbacks.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "seqc/interp/interpreter.h"
#include "seqc/workspace/workspace.h"
#include "workspace_fixture.h"
#include "../../workspace/src/fields.h"  // the stored encoding, an internal

using namespace seqc;
using namespace seqc::ws;
using namespace seqc::testing;

namespace {


const char* kNurture =
    "sequence \"Nurture\" on lead {\n"
    "  exit when lead.statecode != \"Open\"\n"
    "  intro: auto email \"Hello\" template \"hi\"\n"
    "  wait 1d\n"
    "  if intro.opened within 2d {\n"
    "    call1: call \"Call them\"\n"
    "  } else {\n"
    "    set lead.leadqualitycode = \"Cold\"\n"
    "    task \"Look them up\"\n"
    "  }\n"
    "}\n";


std::string statsText(const Stats& st) {
  std::string out;
  for (const auto& [status, n] : st.byStatus) out += status + "=" + std::to_string(n) + " ";
  for (const auto& s : st.steps)
    out += s.label + ":" + std::to_string(s.reached) + "/" + std::to_string(s.done) + "/" +
           std::to_string(s.skipped) + "/" + std::to_string(s.current) + " ";
  return out + "completed=" + std::to_string(st.completed);
}

// Stats' figures that come from the kept slot and duration counts, and the assignees.
std::string insightText(const Stats& st) {
  std::string out;
  for (const auto& m : st.messages)
    out += fmt::format("{}:{}/{}/{}/{}/{} ", m.label, m.sent, m.opened, m.clicked, m.replied, m.downloaded);
  auto days = [](const std::optional<double>& d) { return d ? fmt::format("{:.6f}", *d) : std::string("-"); };
  out += "median=" + days(st.medianDaysToCompletion) + " p90=" + days(st.p90DaysToCompletion);
  for (const auto& u : st.assignees) out += fmt::format(" {}:{}/{}/{}", u.user, u.runs, u.completed, u.done);
  return out + " " + statsText(st);
}

}  // namespace

TEST_CASE("fields: encoded by number, changed in place, damage detected", "[workspace]") {
  rt::StringArena arena;
  std::string bytes;
  appendField(0, rt::Value::string("Ruiz"), bytes);
  appendField(1, rt::Value(), bytes);  // null: not stored
  appendField(200, rt::Value::integer(-7), bytes);
  std::vector<std::pair<uint32_t, std::string>> seen;
  CHECK(forEachField(bytes, [&](uint32_t n, std::string_view b) {
    rt::Value v;
    REQUIRE(decodeValue(b, v, arena));
    seen.emplace_back(n, v.tag == rt::Tag::String ? std::string(v.str()) : std::to_string(v.i));
  }));
  CHECK(seen == std::vector<std::pair<uint32_t, std::string>>{{0, "Ruiz"}, {200, "-7"}});

  std::string changed = withChanges(bytes, {{0, rt::Value()}, {5, rt::Value::boolean(true)}, {200, rt::Value::integer(3)}});
  seen.clear();
  CHECK(forEachField(changed, [&](uint32_t n, std::string_view b) {
    rt::Value v;
    REQUIRE(decodeValue(b, v, arena));
    seen.emplace_back(n, std::to_string(v.i & 0xFF));
  }));
  CHECK(seen == std::vector<std::pair<uint32_t, std::string>>{{200, "3"}, {5, "1"}});

  // appendField writes a number, then exactly what rt::encodeValues writes for the value.
  std::string longText(300, 'x');
  for (const rt::Value& v : {rt::Value::boolean(false), rt::Value::boolean(true), rt::Value::integer(-1),
                             rt::Value::decimal(2.5), rt::Value::money(12345), rt::Value::date(20000),
                             rt::Value::datetime(1700000000), rt::Value::duration(86400), rt::Value::string(""),
                             rt::Value::string("añb"), rt::Value::string(longText)})
    for (uint32_t number : {0u, 127u, 128u, 300000u}) {
      std::string field, expected;
      appendField(number, v, field);
      for (uint32_t n = number;; n >>= 7) {
        expected.push_back(static_cast<char>((n & 0x7F) | (n >> 7 ? 0x80 : 0)));
        if (!(n >> 7)) break;
      }
      rt::encodeValues(std::span<const rt::Value>(&v, 1), expected);
      CHECK(field == expected);
    }

  CHECK_FALSE(forEachField(bytes.substr(0, bytes.size() - 1), [](uint32_t, std::string_view) {}));
  CHECK_FALSE(forEachField(std::string("\x01\x63", 2), [](uint32_t, std::string_view) {}));  // no tag 0x63

  bc::FieldSpec choice{"c", bc::ValueType::Choice, 0, {{1, "A"}, {2, "B"}}};
  CHECK(fits(choice, rt::Value::integer(2)));
  CHECK_FALSE(fits(choice, rt::Value::integer(3)));
  CHECK_FALSE(fits(choice, rt::Value::string("A")));
  bc::FieldSpec text{"t", bc::ValueType::String, 3, {}};
  CHECK(fits(text, rt::Value::string("añb")));  // 3 characters, 4 bytes
  CHECK_FALSE(fits(text, rt::Value::string("abcd")));
}

TEST_CASE("a workspace of format 1 is upgraded in place when opened", "[workspace][sqlite]") {
  TempDir tmp;
  std::string dir = tmp / "ws";
  Stats before;
  {
    auto ws = makeWorkspace(dir);
    writeText(tmp / "leads.csv",
              "id,lastname,statecode,budgetamount,donotemail\nL-1,Ruiz,Open,1200.50,true\nL-2,Lee,Open,,\n"
              "L-3,Diaz,Open,7,false\n");
    ws->loadRecords(tmp / "leads.csv", "lead");
    activate(*ws, tmp / "n.seq", kNurture);
    ws->connect("Nurture", {"L-1", "L-2", "L-3"}, "", false);
    ws->tick(kStart + 1 * kDay);
    before = ws->stats("Nurture");
  }
  // What seqc wrote before: fields as JSON text, no field numbers, no step counts.
  exec(dir + "/seqc.db",
       "BEGIN; DROP TABLE record_fields; DROP TABLE step_counts; DROP TABLE slot_counts; DROP TABLE duration_counts;"
       "UPDATE records SET fields = '{\"lastname\":\"Ruiz\",\"statecode\":\"Open\",\"budgetamount\":\"1200.5\","
       "\"donotemail\":\"true\",\"gone\":\"x\"}' WHERE id = 'L-1';"
       "UPDATE records SET fields = '{\"lastname\":\"Lee\",\"statecode\":\"Open\"}' WHERE id = 'L-2';"
       "UPDATE records SET fields = '{\"lastname\":\"Diaz\",\"statecode\":\"Qualified\"}' WHERE id = 'L-3';"
       "PRAGMA user_version = 1; COMMIT;");
  {
    auto store = openSqliteStore(dir + "/seqc.db", false);
    CHECK(store->needsUpgrade());
  }
  Workspace ws(dir, SEQC_STDLIB_DIR);
  CHECK_FALSE(ws.store().needsUpgrade());
  CHECK(insightText(ws.stats("Nurture")) == insightText(before));  // counts rebuilt from history and runs

  ws.store().begin(false);
  auto names = ws.store().fieldNames("lead");
  auto rec = ws.store().record("L-1");
  ws.store().commit();
  REQUIRE(rec);
  std::map<std::string, rt::Value> values;
  rt::StringArena arena;
  CHECK(forEachField(rec->fields, [&](uint32_t n, std::string_view b) {
    REQUIRE(n < names.size());
    REQUIRE(decodeValue(b, values[names[n]], arena));
  }));
  CHECK(values["lastname"].str() == "Ruiz");
  CHECK(values["budgetamount"].tag == rt::Tag::Money);
  CHECK(values["budgetamount"].i == 12005000);
  CHECK(values["donotemail"].tag == rt::Tag::Bool);
  CHECK(values["gone"].str() == "x");  // unknown to the schema: kept as text

  // The upgraded records drive the engine: L-3's state now fails `exit when`.
  ws.update("L-3", {"lastname=Diaz2"});
  std::vector<std::string> on;
  for (const auto& c : ws.records("Nurture")) on.push_back(c.row.record);
  CHECK(on == std::vector<std::string>{"L-1", "L-2"});
  // Opening again finds nothing to do.
  Workspace again(dir, SEQC_STDLIB_DIR);
  CHECK(again.records("Nurture").size() == 2);
}

TEST_CASE("a workspace of format 3 gains the segment tables when opened", "[workspace][sqlite]") {
  TempDir tmp;
  std::string dir = tmp / "ws";
  makeWorkspace(dir).reset();
  exec(dir + "/seqc.db", "BEGIN; DROP TABLE segment_members; DROP TABLE segment_counts; PRAGMA user_version = 3; COMMIT;");
  {
    auto store = openSqliteStore(dir + "/seqc.db", false);
    CHECK(store->needsUpgrade());
  }
  Workspace ws(dir, SEQC_STDLIB_DIR);
  CHECK_FALSE(ws.store().needsUpgrade());
  CHECK(ws.segments().empty());
  ws.store().begin(false);
  CHECK(ws.store().segmentMembers("lead").empty());
  CHECK(ws.store().segmentCounts().empty());
  ws.store().commit();
}

namespace {

// The integer in the first column of `sql`'s first row, read behind the store's back.
int64_t queryInteger(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  int64_t v = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  sqlite3_finalize(stmt);
  sqlite3_close(h);
  return v;
}

std::string historyText(Workspace& ws, const std::string& record) {
  std::string out;
  for (const HistoryView& h : ws.history(record))
    out += fmt::format("{}@{}:{}:{}:{} ", h.row.connection, h.row.at, h.row.step, h.row.result, h.row.detail);
  return out;
}

// A workspace in `dir` with the leads of `csv` (a file) loaded and `records` connected
// to "Nurture" (kNurture).
std::unique_ptr<Workspace> nurtured(const std::string& dir, const std::string& csv,
                                    const std::vector<std::string>& records) {
  auto ws = makeWorkspace(dir);
  ws->loadRecords(csv, "lead");
  activate(*ws, std::filesystem::path(dir).parent_path() / "n.seq", kNurture);
  ws->connect("Nurture", records, "", false);
  return ws;
}

}  // namespace

// Format 7 dropped history's foreign key to connections and keeps the table in order of
// connection: the table is made again, its rows and ids kept.
TEST_CASE("a workspace of format 6 loses history's foreign key when opened", "[workspace][sqlite]") {
  TempDir tmp;
  std::string dir = tmp / "ws";
  std::string db = dir + "/seqc.db";
  std::string before, beforeStats;
  {
    auto ws = makeWorkspace(dir);
    writeText(tmp / "leads.csv", "id,lastname,statecode\nL-1,Ruiz,Open\nL-2,Lee,Open\nL-3,Diaz,Open\n");
    ws->loadRecords(tmp / "leads.csv", "lead");
    activate(*ws, tmp / "n.seq", kNurture);
    ws->connect("Nurture", {"L-1", "L-2", "L-3"}, "", false);
    ws->tick(kStart + 1 * kDay);
    ws->disconnect("Nurture", {"L-2"}, false);
    before = historyText(*ws, "L-1") + historyText(*ws, "L-2");
    beforeStats = insightText(ws->stats("Nurture"));
  }
  if (onPostgres()) return;  // PostgreSQL has had no such key since its schema 2
  REQUIRE(queryInteger(db, "SELECT count(*) FROM pragma_foreign_key_list('history')") == 0);
  int64_t ids = queryInteger(db, "SELECT sum(id * connection) FROM history");
  // What seqc wrote before: the history table with the key.
  exec(db,
       "BEGIN; CREATE TABLE h6(id INTEGER PRIMARY KEY, connection INTEGER NOT NULL REFERENCES connections(id), "
       "at INTEGER NOT NULL, step INTEGER NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL); "
       "INSERT INTO h6 SELECT id, connection, at, step, result, detail FROM history; DROP TABLE history; "
       "ALTER TABLE h6 RENAME TO history; CREATE INDEX history_connection ON history(connection); "
       "CREATE INDEX history_assigned ON history(connection) WHERE result IN ('assigned', 'reassigned'); "
       "PRAGMA user_version = 6; COMMIT;");
  REQUIRE(queryInteger(db, "SELECT count(*) FROM pragma_foreign_key_list('history')") == 1);
  {
    auto store = openSqliteStore(db, false);
    CHECK(store->needsUpgrade());
  }
  Workspace ws(dir, SEQC_STDLIB_DIR);
  CHECK_FALSE(ws.store().needsUpgrade());
  CHECK(historyText(ws, "L-1") + historyText(ws, "L-2") == before);
  CHECK(insightText(ws.stats("Nurture")) == beforeStats);  // the kept counts were not filled again
  CHECK(queryInteger(db, "PRAGMA user_version") == 8);
  CHECK(queryInteger(db, "SELECT count(*) FROM pragma_foreign_key_list('history')") == 0);
  CHECK(queryInteger(db, "SELECT sum(id * connection) FROM history") == ids);
  // Kept in order of connection (no index beside it), and the next id after the last.
  CHECK(queryInteger(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'history_assigned'") == 1);
  CHECK(queryInteger(db, "SELECT count(*) FROM sqlite_master WHERE name = 'history_connection'") == 0);
  CHECK(queryInteger(db, "SELECT value FROM meta WHERE key = 'history_next'") ==
        queryInteger(db, "SELECT max(id) + 1 FROM history"));
  // New entries follow the kept ones.
  int64_t last = queryInteger(db, "SELECT max(id) FROM history");
  ws.tick(kStart + 4 * kDay);
  CHECK(historyText(ws, "L-1") + historyText(ws, "L-2") != before);
  CHECK(queryInteger(db, "SELECT min(id) FROM history WHERE at > " + std::to_string(kStart + 1 * kDay)) > last);
}

TEST_CASE("stats come from counts kept as records move", "[workspace]") {
  TempDir tmp;
  auto ws = makeWorkspace(tmp / "ws");
  std::string csv = "id,lastname,statecode\n";
  for (int i = 0; i < 30; ++i) csv += "L-" + std::to_string(i) + ",X,Open\n";
  writeText(tmp / "leads.csv", csv);
  ws->loadRecords(tmp / "leads.csv", "lead");
  activate(*ws, tmp / "n.seq", kNurture);
  ws->connect("Nurture", {}, "lead.statecode == \"Open\"", false);
  ws->event("L-0", EngagementEvent::Opened, "intro", "");
  ws->tick(kStart + 3 * kDay);
  Stats st = ws->stats("Nurture");
  CHECK(st.byStatus[0].second == 30);  // active
  // intro sent 30 times, the wait done 30 times, the condition: 1 answered, 29 timed out.
  REQUIRE(st.steps.size() >= 3);
  CHECK(st.steps[0].done == 30);
  CHECK(st.steps[1].done == 30);
  CHECK(st.steps[2].skipped == 29);
  // `set` on a condition's else branch wrote the 29 records.
  ws->store().begin(false);
  auto names = ws->store().fieldNames("lead");
  auto rec = ws->store().record("L-5");
  ws->store().commit();
  REQUIRE(rec);
  bool cold = false;
  rt::StringArena arena;
  forEachField(rec->fields, [&](uint32_t n, std::string_view) { cold |= names[n] == "leadqualitycode"; });
  CHECK(cold);
}

TEST_CASE("progress: load, connect and tick report as they go", "[workspace]") {
  TempDir tmp;
  auto ws = makeWorkspace(tmp / "ws");
  std::string csv = "id,lastname,statecode\n";
  for (int i = 0; i < 25000; ++i) csv += "L-" + std::to_string(i) + ",X,Open\n";
  writeText(tmp / "leads.csv", csv);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  auto record = [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); };
  ws->loadRecords(tmp / "leads.csv", "lead", record);
  CHECK(calls == std::vector<std::pair<uint64_t, uint64_t>>{{10000, 25000}, {20000, 25000}, {25000, 25000}});
  activate(*ws, tmp / "n.seq", kNurture);
  calls.clear();
  ws->connect("Nurture", {}, "lead.statecode == \"Open\"", false, record);
  REQUIRE(calls.size() >= 3);
  CHECK(calls.back() == std::pair<uint64_t, uint64_t>{25000, 25000});
  calls.clear();
  auto t = ws->tick(kStart + 1 * kDay, record);
  CHECK(t.records == 25000);
  REQUIRE(!calls.empty());
  CHECK(calls.back() == std::pair<uint64_t, uint64_t>{25000, 25000});
  for (size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first > calls[i - 1].first);
}

namespace {

// Makes the workspace in `dir` look as seqc left it before the slot and duration counts
// (SQLite schema 5, PostgreSQL schema 4: without the timers of schema 6 and the clock
// readers' bucket columns and index of schema 8 either).
void dropRunCounts(const std::string& dir) {
  if (!onPostgres()) {
    exec(dir + "/seqc.db", "BEGIN; DROP TABLE slot_counts; DROP TABLE duration_counts; DROP INDEX history_assigned; "
         "PRAGMA user_version = 5; COMMIT;");
    return;
  }
  std::string url = readText(dir + "/" + kDatabaseUrlFile);
  url.erase(url.find_last_not_of("\n") + 1);
  PGconn* conn = PQconnectdb(url.c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  PGresult* r = PQexec(conn, "DROP TABLE slot_counts, duration_counts, timers; DROP INDEX history_assigned; "
                             "CREATE INDEX connections_due ON connections(bucket, due) WHERE due IS NOT NULL; "
                             "ALTER TABLE buckets DROP COLUMN readers_at, DROP COLUMN readers_to, "
                             "DROP COLUMN readers_after; DROP INDEX connections_bucket; "
                             "UPDATE seqc_schema SET version = 4");
  INFO(PQerrorMessage(conn));
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(conn);
  REQUIRE(ok);
}

const char* kInsight =
    "sequence \"Insight\" on lead {\n"
    "  exit when lead.statecode != \"Open\"\n"
    "  intro: auto email \"Hello\" template \"hi\"\n"
    "  if intro.opened within 3d {\n"
    "    ping: auto text \"Ping\" template \"ping\"\n"
    "  }\n"
    "  wait 1d\n"
    "  bye: auto email \"Bye\" template \"bye\"\n"
    "}\n";

}  // namespace

// Engagement per message and the median and p90 days to completion come from counts
// kept as runs are saved: each event once per run, whatever ends the run, every version
// (by label); and an upgrade fills the same counts from the runs.
TEST_CASE("stats: engagement and completion times are kept as runs move; an upgrade fills them", "[workspace]") {
  TempDir tmp;
  std::string dir = tmp / "ws";
  auto ws = makeWorkspace(dir);
  std::string csv = "id,lastname,statecode\n";
  for (int i = 0; i < 12; ++i) csv += fmt::format("L-{},X,Open\n", i);
  writeText(tmp / "leads.csv", csv);
  ws->loadRecords(tmp / "leads.csv", "lead");
  activate(*ws, tmp / "i.seq", kInsight);
  std::vector<std::string> first;
  for (int i = 0; i < 10; ++i) first.push_back(fmt::format("L-{}", i));
  ws->connect("Insight", first, "", false);
  // Day 0: L-0 opens twice and clicks (one opened run), L-1 opens: both get ping and
  // complete a day later. L-9 is disconnected: its intro stays sent.
  ws->event("L-0", EngagementEvent::Opened, "intro", "");
  ws->event("L-0", EngagementEvent::Opened, "intro", "");
  ws->event("L-0", EngagementEvent::Clicked, "intro", "");
  ws->event("L-1", EngagementEvent::Opened, "intro", "");
  ws->disconnect("Insight", {"L-9"}, false);
  ws->tick(kStart + 1 * kDay);
  // Day 1: L-2 opens and replies, and replies to ping; L-3 opens; a load disqualifies L-8,
  // which exits (`exit when`).
  ws->event("L-2", EngagementEvent::Opened, "intro", "");
  ws->event("L-2", EngagementEvent::Replied, "intro", "");
  ws->event("L-2", EngagementEvent::Replied, "ping", "");
  ws->event("L-3", EngagementEvent::Opened, "intro", "");
  writeText(tmp / "closed.csv", "id,lastname,statecode\nL-8,X,Disqualified\n");
  ws->loadRecords(tmp / "closed.csv", "lead");
  ws->tick(kStart + 2 * kDay);
  // Day 2: version 2 waits 2 days; L-10 (opens at once) and L-11 (never) run on it.
  std::string v2 = kInsight;
  v2.replace(v2.find("wait 1d"), 7, "wait 2d");
  activate(*ws, tmp / "i.seq", v2);
  ws->connect("Insight", {"L-10", "L-11"}, "", false);
  ws->event("L-10", EngagementEvent::Opened, "intro", "");
  ws->tick(kStart + 7 * kDay);

  // By hand: intro sent to L-0..L-11 (12), opened by L-0, L-1, L-2, L-3, L-10 (5),
  // clicked by L-0, replied by L-2; ping sent to those five, replied by L-2; bye sent to
  // the ten that completed (not L-8, L-9). Completed
  // after 1 (L-0, L-1), 2 (L-2, L-3, L-10), 4 (L-4..L-7) and 5 days (L-11): ten runs,
  // median (2 + 4) / 2 = 3, p90 the 9th = 4.
  Stats st = ws->stats("Insight");
  REQUIRE(st.messages.size() == 3);
  CHECK_THAT(insightText(st), Catch::Matchers::StartsWith("intro:12/5/1/1/0 ping:5/0/0/1/0 bye:10/0/0/0/0 "
                                                          "median=3.000000 p90=4.000000 "));
  CHECK(st.completed == 10);
  std::string kept = insightText(st);

  // The same figures from a workspace of the old schema, the counts filled on opening.
  ws.reset();
  dropRunCounts(dir);
  {
    Workspace upgraded(dir, SEQC_STDLIB_DIR);
    CHECK_FALSE(upgraded.store().needsUpgrade());
    CHECK(insightText(upgraded.stats("Insight")) == kept);
  }
  Workspace again(dir, SEQC_STDLIB_DIR);  // nothing left to fill: the counts are not doubled
  CHECK_FALSE(again.store().needsUpgrade());
  CHECK(insightText(again.stats("Insight")) == kept);
}

// Format 8 keeps pending timers in a table of their own instead of an index on
// connections.due: the upgrade fills it from the connections (active, with a timer),
// and the workspace then runs exactly as one that never had the index.
TEST_CASE("a workspace of format 7 gets its timers table when opened", "[workspace][sqlite]") {
  if (onPostgres()) return;  // PostgreSQL has its own timers table (its schema 7)
  TempDir tmp;
  writeText(tmp / "leads.csv",
            "id,lastname,statecode\nL-1,Ruiz,Open\nL-2,Lee,Open\nL-3,Diaz,Open\nL-4,Ito,Open\n");
  auto make = [&](const std::string& dir) {
    auto ws = nurtured(dir, tmp / "leads.csv", {"L-1", "L-2", "L-3", "L-4"});
    ws->tick(kStart + 1 * kDay);  // all wait on `intro.opened within 2d`
    ws->disconnect("Nurture", {"L-2"}, false);
  };
  std::string kept = tmp / "kept", upgraded = tmp / "upgraded";
  make(kept);
  make(upgraded);
  std::string db = upgraded + "/seqc.db";
  REQUIRE(queryInteger(db, "SELECT count(*) FROM timers") > 0);
  // What seqc wrote before: no timers table, an index on due.
  exec(db,
       "BEGIN; DROP TABLE timers; CREATE INDEX connections_due ON connections(due) WHERE due IS NOT NULL; "
       "PRAGMA user_version = 7; COMMIT;");
  {
    auto store = openSqliteStore(db, false);
    CHECK(store->needsUpgrade());
  }
  Workspace a(kept, SEQC_STDLIB_DIR), b(upgraded, SEQC_STDLIB_DIR);
  CHECK_FALSE(b.store().needsUpgrade());
  CHECK(queryInteger(db, "PRAGMA user_version") == 8);
  CHECK(queryInteger(db, "SELECT count(*) FROM sqlite_master WHERE name = 'connections_due'") == 0);
  // One row for the three active connections' one due time; the disconnected one has none.
  CHECK(queryInteger(db, "SELECT count(*) FROM timers") == 1);
  CHECK(queryInteger(db, "SELECT length(ids) FROM timers") == 3);
  TickResult ra = a.tick(kStart + 4 * kDay), rb = b.tick(kStart + 4 * kDay);
  CHECK(rb.records == 3);
  CHECK(ra.records == rb.records);
  CHECK(ra.steps == rb.steps);
  for (const char* r : {"L-1", "L-2", "L-3", "L-4"}) CHECK(historyText(a, r) == historyText(b, r));
}

// A timers row damaged by another program is reported with the database's name (the
// tick changes nothing), not read past its end.
TEST_CASE("a damaged timers row is reported by the tick", "[workspace][sqlite]") {
  if (onPostgres()) return;
  TempDir tmp;
  std::string dir = tmp / "ws";
  writeText(tmp / "leads.csv", "id,lastname,statecode\nL-1,Ruiz,Open\n");
  nurtured(dir, tmp / "leads.csv", {"L-1"});
  std::string db = dir + "/seqc.db";
  REQUIRE(queryInteger(db, "SELECT count(*) FROM timers") == 1);
  exec(db, "UPDATE timers SET ids = x'0580'");  // an id, then a number cut off
  Workspace ws(dir, SEQC_STDLIB_DIR);
  CHECK_THROWS_WITH(ws.tick(kStart + 1 * kDay),
                    Catch::Contains("'" + db + "'") && Catch::Contains("'timers' is damaged"));
  CHECK(queryInteger(db, "SELECT length(ids) FROM timers") == 2);  // nothing taken
}

// A write adds a timers row only for a timer the store does not have yet: one that keeps
// its time (an event during a wait) adds none; a new time does.
TEST_CASE("a timer is written once per time it takes", "[workspace][sqlite]") {
  if (onPostgres()) return;
  TempDir tmp;
  std::string dir = tmp / "ws";
  writeText(tmp / "leads.csv", "id,lastname,statecode\nL-1,Ruiz,Open\nL-2,Lee,Open\n");
  nurtured(dir, tmp / "leads.csv", {"L-1", "L-2"});
  std::string db = dir + "/seqc.db";
  REQUIRE(queryInteger(db, "SELECT count(*) FROM timers") == 1);
  auto store = openSqliteStore(db, false);
  auto rewrite = [&](int64_t later) {
    inWriteTransaction(*store, [&] {
      std::vector<ConnectionRow> rows = store->connections({});
      REQUIRE(rows.size() == 2);
      REQUIRE(rows[1].due.has_value());
      *rows[1].due += later;
      store->updateConnections(rows);
    });
  };
  rewrite(0);  // the same times
  CHECK(queryInteger(db, "SELECT count(*) FROM timers") == 1);
  rewrite(60);  // L-2's timer moves: a row for its new time
  CHECK(queryInteger(db, "SELECT count(*) FROM timers") == 2);
  rewrite(0);
  CHECK(queryInteger(db, "SELECT count(*) FROM timers") == 2);
}
