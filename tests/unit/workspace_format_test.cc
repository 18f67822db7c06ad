// How the workspace stores records (workspace/src/fields.h) and keeps counts for stats,
// the upgrade of a format-1 database in place, and the progress callbacks.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <map>
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
       "BEGIN; DROP TABLE record_fields; DROP TABLE step_counts;"
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
  CHECK(statsText(ws.stats("Nurture")) == statsText(before));  // step counts rebuilt from history

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
