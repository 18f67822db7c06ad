// The workspace engine (workspace/src/engine.cc and the commands): versions and the records that stay
// on them, the active-sequence limit, connect rules, actions at the clock, tick,
// `advance to`, `set` and `exit when` through updates and reloads.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "seqc/interp/interpreter.h"
#include "seqc/support/time.h"
#include "seqc/workspace/workspace.h"
#include "workspace_fixture.h"
#include "../../workspace/src/fields.h"  // the stored encoding, an internal

using namespace seqc;
using namespace seqc::ws;
using namespace seqc::testing;

namespace {


// intro (manual email) → wait WAIT → if intro.opened within 2d { call } else { task }
std::string nurture(const std::string& wait) {
  return "sequence \"Nurture\" on lead {\n"
         "  exit when lead.statecode != \"Open\"\n"
         "  intro: email \"Hello\"\n"
         "  wait " + wait + "\n"
         "  if intro.opened within 2d {\n"
         "    call1: call \"Call them\"\n"
         "  } else {\n"
         "    task \"Look them up\"\n"
         "  }\n"
         "}\n";
}

struct Fixture {
  TempDir tmp;
  std::unique_ptr<Workspace> ws = makeWorkspace(tmp / "ws");
  Fixture() {
    writeText(tmp / "leads.csv",
              "id,lastname,statecode,leadqualitycode\nL-1,Ruiz,Open,\nL-2,Okafor,Open,\nL-3,Lee,Open,\n");
    ws->loadRecords(tmp / "leads.csv", "lead");
    writeText(tmp / "contacts.csv", "id,lastname\nC-1,Diaz\n");
    ws->loadRecords(tmp / "contacts.csv", "contact");
  }
  ConnectionView on(const std::string& record) {
    for (const auto& v : ws->records("Nurture"))
      if (v.row.record == record) return v;
    FAIL("record " << record << " is not on Nurture");
    return {};
  }
};

std::string status(const ConnectionView& v) {
  return std::string(rt::kStatusNames[v.row.status]);
}

}  // namespace

TEST_CASE("records stay on the version they connected to; new connections get the latest", "[workspace]") {
  Fixture f;
  auto a = activate(*f.ws, f.tmp / "n.seq", nurture("1d"));
  REQUIRE(a.size() == 1);
  CHECK(a[0].what == Activation::What::NewVersion);
  CHECK(a[0].version == 1);
  f.ws->connect("Nurture", {"L-1"}, "", false);
  f.ws->complete("L-1", std::nullopt, "");  // intro done: waits 1d

  auto b = activate(*f.ws, f.tmp / "n.seq", nurture("3d"));
  CHECK(b[0].what == Activation::What::NewVersion);
  CHECK(b[0].version == 2);
  f.ws->connect("Nurture", {"L-2"}, "", false);
  f.ws->complete("L-2", std::nullopt, "");  // waits 3d
  CHECK(f.on("L-1").row.version == 1);
  CHECK(f.on("L-2").row.version == 2);
  CHECK(*f.on("L-1").row.due == kStart + kDay);
  CHECK(*f.on("L-2").row.due == kStart + 3 * kDay);

  // One day later only the version-1 record has moved on.
  f.ws->tick(kStart + kDay);
  CHECK(f.on("L-1").stepKind == "condition");
  CHECK(f.on("L-2").stepKind == "wait");

  SECTION("an unchanged source is not a new version") {
    auto c = activate(*f.ws, f.tmp / "n.seq", nurture("3d"));
    CHECK(c[0].what == Activation::What::Unchanged);
    CHECK(c[0].version == 2);
    CHECK(f.ws->show("Nurture", std::nullopt).versions.size() == 2);
  }
  SECTION("reactivating an unchanged, deactivated source makes no version either") {
    f.ws->deactivate("Nurture");
    CHECK_THROWS_WITH(f.ws->connect("Nurture", {"L-3"}, "", false), Catch::Contains("inactive"));
    // Connected records keep moving while the sequence is inactive.
    f.ws->tick(kStart + 3 * kDay);
    CHECK(f.on("L-2").stepKind == "condition");
    auto c = activate(*f.ws, f.tmp / "n.seq", nurture("3d"));
    CHECK(c[0].what == Activation::What::Reactivated);
    CHECK(c[0].version == 2);
    f.ws->connect("Nurture", {"L-3"}, "", false);
    CHECK(f.on("L-3").row.version == 2);
  }
  SECTION("the automatic change description says what changed") {
    auto versions = f.ws->show("Nurture", std::nullopt).versions;
    CHECK(versions[0].change == "first version");
    CHECK_THAT(versions[1].change, Catch::Contains("1 new or changed"));
  }
}

TEST_CASE("at most 250 active sequences; the 251st is refused and nothing changes", "[workspace]") {
  Fixture f;
  auto many = [](int from, int to) {
    std::string text;
    for (int i = from; i < to; ++i)
      text += "sequence \"S" + std::to_string(i) + "\" on lead {\n  task \"t\"\n}\n";
    return text;
  };
  // One file of 251 sequences: all or nothing.
  {
    CompileResult r = compileSource(f.tmp / "many.seq", many(0, 251), CompileOptions{SEQC_STDLIB_DIR});
    REQUIRE(r.ok);
    CHECK_THROWS_WITH(f.ws->activate(r, f.tmp / "many.seq", "", ""), Catch::Contains("250 active sequences"));
    CHECK(f.ws->list({}).empty());
  }
  CHECK(activate(*f.ws, f.tmp / "a.seq", many(0, 250)).size() == 250);
  CHECK_THROWS_WITH(activate(*f.ws, f.tmp / "b.seq", many(250, 251)), Catch::Contains("250 active sequences"));
  f.ws->deactivate("S7");
  CHECK(activate(*f.ws, f.tmp / "b.seq", many(250, 251)).size() == 1);
  // Reactivating S7 would make 251.
  CHECK_THROWS_WITH(activate(*f.ws, f.tmp / "a.seq", many(0, 250)), Catch::Contains("250 active sequences"));
}

TEST_CASE("connect: active sequences, the sequence's entity, one sequence at a time", "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "n.seq", nurture("1d"));
  activate(*f.ws, f.tmp / "o.seq", "sequence \"Other\" on lead {\n  task \"t\"\n}\n");
  CHECK_THROWS_WITH(f.ws->connect("Nurture", {"C-1"}, "", false), Catch::Contains("is a contact record"));
  CHECK_THROWS_WITH(f.ws->connect("Nurture", {"L-9"}, "", false), Catch::Contains("no record 'L-9'"));
  CHECK_THROWS_WITH(f.ws->connect("Nurtur", {"L-1"}, "", false), Catch::Contains("did you mean 'Nurture'"));
  f.ws->connect("Other", {"L-1"}, "", false);
  CHECK_THROWS_WITH(f.ws->connect("Nurture", {"L-1", "L-2"}, "", false),
                    Catch::Contains("already on sequence 'Other'") && Catch::Contains("--allow-multiple"));
  CHECK(f.ws->records("Nurture").empty());  // L-2 was not connected either
  CHECK(f.ws->connect("Nurture", {"L-1", "L-2"}, "", true).connected == 2);
  CHECK_THROWS_WITH(f.ws->connect("Nurture", {"L-1"}, "", true), Catch::Contains("already connected"));

  // --where skips and counts the records it cannot connect.
  auto r = f.ws->connect("Other", {}, "lead.statecode == \"Open\"", false);
  CHECK(r.matched == 3);
  CHECK(r.alreadyConnected == 1);   // L-1
  CHECK(r.onOtherSequences == 1);   // L-2 is on Nurture
  CHECK(r.connected == 1);          // L-3
  CHECK_THROWS_WITH(f.ws->connect("Other", {}, "lead.statecode == 3", false), Catch::Contains("--where:1:"));
}

TEST_CASE("actions happen at the clock with the simulator's rules, and a refused one changes nothing",
          "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "n.seq", nurture("1d"));
  f.ws->connect("Nurture", {"L-1", "L-2"}, "", false);
  CHECK_THROWS_WITH(f.ws->event("L-1", EngagementEvent::Opened, "intro", ""), Catch::Contains("has not been sent"));
  f.ws->tick(kStart + 3600);
  auto done = f.ws->complete("L-1", std::nullopt, "");
  REQUIRE(done.moved.size() == 1);
  CHECK(done.moved[0].row.progress == 1);
  CHECK(done.moved[0].stepKind == "wait");
  CHECK(*done.moved[0].row.due == kStart + 3600 + kDay);
  // Opened during the wait: remembered although the record did not move.
  f.ws->event("L-1", EngagementEvent::Opened, "intro", "");
  CHECK_THROWS_WITH(f.ws->complete("L-1", std::nullopt, ""), Catch::Contains("no current activity step"));
  CHECK_THROWS_WITH(f.ws->event("L-1", EngagementEvent::Opened, "nope", ""), Catch::Contains("no step labelled"));
  f.ws->complete("L-2", std::nullopt, "");
  f.ws->tick(kStart + 3600 + kDay);
  CHECK(f.on("L-1").stepLabel == "call1");          // opened: the condition held at once
  CHECK(f.on("L-2").stepKind == "condition");       // waits up to 2d for an open
  f.ws->complete("L-1", CallOutcome::Answered, "");
  auto history = f.ws->history("L-1");
  std::vector<std::string> results;
  for (const auto& h : history) results.push_back(h.row.result);
  // Each manual step that became current has its assignment entry (no owner here).
  CHECK(results == std::vector<std::string>{"connected", "assigned", "completed", "waited", "opened", "assigned",
                                            "answered", "completed"});
  CHECK(history[1].row.detail == "unassigned (no owner)");

  SECTION("tick is idempotent and never goes back") {
    auto t1 = f.ws->tick(kStart + 4 * kDay);
    CHECK(t1.records == 1);  // L-2 timed out
    CHECK(f.ws->tick(kStart + 4 * kDay).records == 0);
    auto back = f.ws->tick(kStart);
    CHECK(back.to == kStart + 4 * kDay);
    CHECK(f.ws->clock() == kStart + 4 * kDay);
    CHECK(f.on("L-2").stepKind == "task");
  }
}

// A `set` by one sequence is seen by the record's run on another sequence later in the
// same tick (the engine reads a batch's fields when the batch runs, not before).
// `tick --follow`'s stop signal can come after the loop's last check and before its wait
// begins (the handler only sets a flag): the wait is cut into slices with `stop` asked
// between them, so the follower stops within a slice instead of sleeping out --poll.
TEST_CASE("follow: a stop that comes just before the wait ends it within a slice, not the poll", "[workspace]") {
  Fixture f;  // nothing connected: nothing falls due, the follower waits its whole poll
  int asked = 0;
  auto start = std::chrono::steady_clock::now();
  // Asked before the tick and after it; from the third time on, stop: a signal that
  // arrived between that last check and the wait.
  f.ws->follow(6, [&] { return ++asked >= 3; }, {});
  CHECK(asked >= 3);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
}

TEST_CASE("tick: a field one sequence sets is seen by another in the same tick", "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "a.seq",
           "sequence \"Setter\" on lead {\n  auto email \"Hi\" template \"hi\"\n  wait 1d\n  set lead.leadqualitycode = \"Cold\"\n  task \"a\"\n}\n");
  activate(*f.ws, f.tmp / "b.seq",
           "sequence \"Reader\" on lead {\n  auto email \"Hi\" template \"hi\"\n  wait 1d\n  if lead.leadqualitycode == \"Cold\" {\n"
           "    cold: task \"cold\"\n  } else {\n    warm: task \"warm\"\n  }\n}\n");
  f.ws->connect("Setter", {"L-1", "L-2"}, "", false);
  f.ws->connect("Reader", {"L-1", "L-2", "L-3"}, "", true);
  CHECK(f.ws->tick(kStart + kDay).records == 5);
  std::map<std::string, std::string> labels;
  for (const auto& v : f.ws->records("Reader")) labels[v.row.record] = v.stepLabel;
  CHECK(labels == std::map<std::string, std::string>{{"L-1", "cold"}, {"L-2", "cold"}, {"L-3", "warm"}});
}

TEST_CASE("update and a reload re-check `exit when`; `set` writes the record", "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "n.seq", nurture("1d"));
  activate(*f.ws, f.tmp / "s.seq",
           "sequence \"Score\" on lead {\n  set lead.leadqualitycode = \"Hot\"\n  task \"t\"\n}\n");
  f.ws->connect("Nurture", {"L-1", "L-2"}, "", false);
  CHECK_THROWS_WITH(f.ws->update("L-1", {"statecode=Closedish"}), Catch::Contains("statecode"));
  CHECK_THROWS_WITH(f.ws->update("L-1", {"statcode=Open"}), Catch::Contains("did you mean 'statecode'"));
  auto u = f.ws->update("L-1", {"statecode=Qualified"});
  REQUIRE(u.moved.size() == 1);
  CHECK(status(u.moved[0]) == "exited");
  // The reload changes L-2's state: it exits the same way.
  writeText(f.tmp / "leads2.csv", "id,lastname,statecode\nL-2,Okafor,Disqualified\n");
  auto load = f.ws->loadRecords(f.tmp / "leads2.csv", "lead");
  CHECK(load.updated == 1);
  CHECK(f.ws->records("Nurture").empty());
  CHECK(f.ws->history("L-2").back().row.result == "exited");

  f.ws->connect("Score", {"L-3"}, "", false);
  // The record's stored fields hold the option's value (fields.h: by field number).
  auto rec = f.ws->store().record("L-3");
  REQUIRE(rec);
  auto names = f.ws->store().fieldNames("lead");
  auto number = std::find(names.begin(), names.end(), "leadqualitycode") - names.begin();
  REQUIRE(number < static_cast<ptrdiff_t>(names.size()));
  auto schema = f.ws->schema("lead");
  const auto* spec = schema.find("leadqualitycode");
  REQUIRE(spec);
  int64_t hot = -1;
  for (const auto& [value, label] : spec->options)
    if (label == "Hot") hot = value;
  std::optional<int64_t> stored;
  rt::StringArena arena;
  CHECK(forEachField(rec->fields, [&](uint32_t n, std::string_view bytes) {
    rt::Value v;
    if (n == number && decodeValue(bytes, v, arena) && v.tag == rt::Tag::Int) stored = v.i;
  }));
  CHECK(stored == hot);
  CHECK(f.ws->records("Score").front().row.record == "L-3");
}

TEST_CASE("advance to connects the record to the target's latest version", "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "a.seq",
           "sequence \"First\" on lead {\n  auto email \"Hi\" template \"hi\"\n  advance to \"Second\"\n}\n"
           "sequence \"Second\" on lead {\n  task \"Next\"\n}\n");
  f.ws->connect("First", {"L-1"}, "", false);
  auto on = f.ws->records("Second");
  REQUIRE(on.size() == 1);
  CHECK(on[0].row.record == "L-1");
  CHECK(on[0].stepKind == "task");

  f.ws->deactivate("Second");
  f.ws->connect("First", {"L-2"}, "", false);
  auto h = f.ws->history("L-2");
  REQUIRE(!h.empty());
  CHECK(h.back().row.result == "not advanced");
  CHECK_THAT(h.back().row.detail, Catch::Contains("inactive"));
}

TEST_CASE("a damaged or foreign database is a clear error", "[workspace][sqlite]") {
  TempDir tmp;
  CHECK_THROWS_WITH(Workspace(tmp / "none", SEQC_STDLIB_DIR), Catch::Contains("no workspace"));
  std::filesystem::create_directories(tmp / "bad");
  writeText(tmp / "bad/seqc.db", std::string(4096, 'x'));
  CHECK_THROWS_AS(Workspace(tmp / "bad", SEQC_STDLIB_DIR), StoreError);
  makeWorkspace(tmp / "ok");
  CHECK_THROWS_WITH(Workspace::init(tmp / "ok", kStart), Catch::Contains("already holds a workspace"));
}

TEST_CASE("a version belongs to a sequence: editing its neighbour in the file does not make one",
          "[workspace]") {
  Fixture f;
  auto two = [](const std::string& title) {
    return "sequence \"One\" on lead {\n  task \"" + title + "\"\n}\n"
           "\n// a comment that moves lines\n"
           "sequence \"Two\" on lead {\n  task \"Same\"\n}\n";
  };
  activate(*f.ws, f.tmp / "two.seq", two("First"));
  auto again = activate(*f.ws, f.tmp / "two.seq", two("Changed"));
  REQUIRE(again.size() == 2);
  CHECK(again[0].sequence == "One");
  CHECK(again[0].what == Activation::What::NewVersion);
  CHECK(again[1].sequence == "Two");
  CHECK(again[1].what == Activation::What::Unchanged);
  CHECK(again[1].version == 1);
}

TEST_CASE("a stored sequence is reactivated by name; a wrong outcome is refused", "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "n.seq", nurture("1d"));
  CHECK(f.ws->reactivate("Nurture").what == Activation::What::Unchanged);
  f.ws->deactivate("Nurture");
  auto a = f.ws->reactivate("Nurture");
  CHECK(a.what == Activation::What::Reactivated);
  CHECK(a.version == 1);
  CHECK_THROWS_WITH(f.ws->reactivate("Nope"), Catch::Contains("no sequence named 'Nope'"));
  f.ws->connect("Nurture", {"L-1"}, "", false);
  CHECK_THROWS_WITH(f.ws->complete("L-1", CallOutcome::Answered, ""),
                    Catch::Contains("--outcome applies to call steps only") && Catch::Contains("email step"));
  CHECK(f.on("L-1").stepLabel == "intro");  // nothing happened
}

TEST_CASE("init cleans up after a killed init and never replaces a workspace", "[workspace][sqlite]") {
  TempDir tmp;
  std::filesystem::create_directories(tmp / "w");
  // What an init killed before it finished leaves (pid 999999999 is not running).
  writeText(tmp / "w/.seqc.db.init-999999999", "half a database");
  makeWorkspace(tmp / "w");
  CHECK(!std::filesystem::exists(tmp / "w/.seqc.db.init-999999999"));
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(tmp / "w")) left.push_back(e.path().filename().string());
  CHECK(left == std::vector<std::string>{"seqc.db"});
  CHECK_THROWS_WITH(Workspace::init(tmp / "w", kStart), Catch::Contains("already holds a workspace"));
}

TEST_CASE("assign to is part of a version", "[workspace]") {
  Fixture f;
  activate(*f.ws, f.tmp / "a.seq", "sequence \"A\" on lead {\n  task \"t\"\n}\n");
  auto again = activate(*f.ws, f.tmp / "a.seq", "sequence \"A\" on lead {\n  assign to team owner\n  task \"t\"\n}\n");
  CHECK(again[0].what == Activation::What::NewVersion);
  auto shown = f.ws->show("A", std::nullopt);
  const bc::Sequence& s = shown.module.sequences[shown.index];
  REQUIRE(s.assign != bc::kNone);
  CHECK(shown.module.str(s.assign) == "team owner");
}

TEST_CASE("a datetime computed outside the calendar fails its record and is never stored", "[workspace][time]") {
  // It used to be stored ("10000-01-30T…") and read back as null.
  TempDir tmp;
  auto w = makeWorkspace(tmp / "ws");
  writeText(tmp / "leads.csv", "id,lastusedincampaign\nLate,9999-12-01T09:00:00Z\n"
                               "Early,0001-01-05T00:00:00Z\nFine,2026-01-01T09:00:00Z\n");
  w->loadRecords(tmp / "leads.csv", "lead");
  activate(*w, tmp / "far.seq",
           "sequence \"Far\" on lead {\n"
           "  set lead.estimatedclosedate = lead.lastusedincampaign + 60d\n"
           "  set lead.schedulefollowup_qualify = lead.lastusedincampaign - 5d\n"
           "  task \"t\"\n"
           "}\n");
  w->connect("Far", {"Late", "Early", "Fine"}, "", false);
  auto latest = [&](const std::string& record) {
    ConnectionFilter f;
    f.record = record;
    auto rows = w->store().connections(f);
    REQUIRE(rows.size() == 1);
    return rows.back();
  };
  auto names = w->store().fieldNames("lead");
  auto stored = [&](const std::string& record, const std::string& field) {
    auto rec = w->store().record(record);
    REQUIRE(rec);
    auto number = std::find(names.begin(), names.end(), field) - names.begin();
    std::optional<int64_t> at;
    rt::StringArena arena;
    CHECK(forEachField(rec->fields, [&](uint32_t n, std::string_view bytes) {
      rt::Value v;
      if (n == number && decodeValue(bytes, v, arena) && v.tag == rt::Tag::DateTime) at = v.i;
    }));
    return at;
  };
  ConnectionRow late = latest("Late"), early = latest("Early"), fine = latest("Fine");
  CHECK(rt::kStatusNames[late.status] == "error");
  CHECK(late.message == "line 2: datetime out of range: 10000-01-30T09:00:00Z is after 9999-12-31T23:59:59Z");
  CHECK_FALSE(stored("Late", "estimatedclosedate"));
  CHECK(rt::kStatusNames[early.status] == "error");
  CHECK_THAT(early.message, Catch::StartsWith("line 3: datetime out of range: ") &&
                                Catch::EndsWith(" is before 0001-01-01T00:00:00Z"));
  CHECK(stored("Early", "estimatedclosedate") == *parseDateTime("0001-03-06T00:00:00Z"));
  CHECK_FALSE(stored("Early", "schedulefollowup_qualify"));
  CHECK(rt::kStatusNames[fine.status] == "active");
  CHECK(stored("Fine", "estimatedclosedate") == *parseDateTime("2026-03-02T09:00:00Z"));
  CHECK(stored("Fine", "schedulefollowup_qualify") == *parseDateTime("2025-12-27T09:00:00Z"));
}

// A clock-reading `exit when` is tried once per tick for every active record of its
// version, at the instant it turns true. On PostgreSQL two tick workers share those
// checks a bucket at a time (docs/workspace.md): between them each record is read once.
TEST_CASE("tick: a clock-reading exit is checked once per record, also by two workers", "[workspace]") {
  TempDir tmp;
  auto ws = makeWorkspace(tmp / "ws");
  std::string csv = "id,lastname,statecode,estimatedclosedate\n";
  const int n = 200;
  for (int i = 0; i < n; ++i)  // closing i hours after the start
    csv += "L-" + std::to_string(i) + ",X,Open," + fmt::format("2026-01-{:02d}T{:02d}:00:00Z", 1 + i / 24, i % 24) + "\n";
  writeText(tmp / "leads.csv", csv);
  ws->loadRecords(tmp / "leads.csv", "lead");
  activate(*ws, tmp / "c.seq",
           "sequence \"Closing\" on lead {\n  exit when now() > lead.estimatedclosedate\n  auto email \"Hi\" template \"hi\"\n  wait 2d\n  task \"Check in\"\n}\n");
  ws->connect("Closing", {}, "lead.statecode == \"Open\"", false);

  // Each worker a workspace of its own (its own connection), ticking at once.
  auto tickWith = [&](int64_t to) {
    int workers = onPostgres() ? 2 : 1;
    std::vector<TickResult> results(workers);
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
      threads.emplace_back([&, w] { results[w] = Workspace(tmp / "ws", SEQC_STDLIB_DIR).tick(to); });
    for (auto& t : threads) t.join();
    TickResult sum;
    for (const auto& r : results) sum.records += r.records, sum.checked += r.checked;
    return sum;
  };
  TickResult first = tickWith(kStart + 5 * kDay);
  CHECK(first.checked == n);  // every active record, once
  TickResult second = tickWith(kStart + 10 * kDay);
  CHECK(first.records == n);  // the first 120 exit, the others reach their task
  CHECK(second.checked == n - 5 * 24);  // those still active: closing at +5d or later
  CHECK(second.records == n - 5 * 24);
  for (const auto& v : ws->records("Closing")) {
    INFO(v.row.record);
    int i = std::stoi(v.row.record.substr(2));
    REQUIRE(v.row.ended);
    CHECK(*v.row.ended == kStart + i * 3600 + 1);  // the first second it holds
    CHECK(v.row.reason == static_cast<uint8_t>(rt::Reason::ExitWhen));
  }
}
