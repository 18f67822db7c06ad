// What the workspace takes from outside and does not trust (issue 11, docs/workspace.md):
// saved interpreter positions read back from the database, and bundles to import.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "seqc/interp/interpreter.h"
#include "seqc/workspace/workspace.h"
#include "workspace_fixture.h"

using namespace seqc;
using namespace seqc::ws;
using namespace seqc::testing;

namespace {


const char* kTwoSteps =
    "sequence \"Nurture\" on lead {\n"
    "  intro: email \"Hello\"\n"
    "  wait 1d\n"
    "  call \"Call them\"\n"
    "}\n";

struct Damaged {
  TempDir tmp;
  std::unique_ptr<Workspace> ws = makeWorkspace(tmp / "ws");
  Damaged() {
    writeText(tmp / "leads.csv", "id,lastname\nL-1,Ruiz\nL-2,Okafor\nL-3,Lee\n");
    ws->loadRecords(tmp / "leads.csv", "lead");
    activate(*ws, tmp / "n.seq", kTwoSteps);
    ws->connect("Nurture", {"L-1", "L-2", "L-3"}, "", false);
    for (const char* r : {"L-1", "L-2", "L-3"}) ws->complete(r, std::nullopt, "");  // all wait 1d
  }
  void corrupt(const std::string& record, const std::string& set) {
    ws.reset();  // as another process would: the workspace is closed meanwhile
    exec(tmp / "ws/seqc.db", "UPDATE connections SET " + set + " WHERE record = '" + record + "'");
    ws = std::make_unique<Workspace>(tmp / "ws", SEQC_STDLIB_DIR);
  }
  ConnectionView on(const std::string& record) {
    for (const auto& v : ws->records("Nurture"))
      if (v.row.record == record) return v;
    FAIL("record " << record << " is not on Nurture");
    return {};
  }
  // The record's latest connection, whatever its status.
  ConnectionRow latest(const std::string& record) {
    ConnectionFilter f;
    f.record = record;
    auto rows = ws->store().connections(f);
    REQUIRE_FALSE(rows.empty());
    return rows.back();
  }
  std::string status(const std::string& record) {
    uint8_t s = latest(record).status;
    return s < rt::kStatusNames.size() ? std::string(rt::kStatusNames[s]) : "unknown";
  }
};

}  // namespace

TEST_CASE("a damaged saved position fails its record, with why; the others go on", "[workspace][trust][sqlite]") {
  Damaged d;
  std::string set = GENERATE(as<std::string>{}, "pc = 7", "pc = 99999", "pc = -1", "step = 40",
                             "waiting = 9", "waiting = 300", "reason = 9", "data = x'ff'", "data = x''",
                             "entered = -9223372036854775808", "due = -9223372036854775808",
                             "due = 9223372036854775807", "connected = -9223372036854775808",
                             "generation = -5, progress = 60000");
  CAPTURE(set);
  d.corrupt("L-2", set);
  // Neither a tick nor an action on the damaged record crashes or stops the others.
  SECTION("tick") {
    d.ws->tick(kStart + kDay);
    // A timer no clock reaches is never due: the record is caught when next touched.
    if (set == "due = 9223372036854775807") {
      CHECK(d.status("L-2") == "active");
      CHECK(d.ws->records("Nurture").size() == 3);  // showing it is safe
      d.ws->complete("L-2", std::nullopt, "");
    }
  }
  SECTION("skip") {
    // The skip reports the damage (the record fails) instead of refusing.
    auto moved = d.ws->skip("L-2", "").moved;
    REQUIRE(moved.size() == 1);
    CHECK(moved[0].row.status == static_cast<uint8_t>(rt::Status::Error));
    d.ws->tick(kStart + kDay);
  }
  CHECK(d.status("L-2") == "error");
  CHECK_THAT(d.latest("L-2").message, Catch::Contains("damaged") || Catch::Contains("out of range"));
  for (const char* other : {"L-1", "L-3"}) {
    CHECK(d.status(other) == "active");
    CHECK(d.on(other).stepKind == "call");
  }
  // The failure is in the record's history, and the next tick leaves it alone.
  auto history = d.ws->history("L-2");
  REQUIRE_FALSE(history.empty());
  CHECK(history.back().row.result == "error");
  d.ws->tick(kStart + 2 * kDay);
  CHECK(d.status("L-2") == "error");
}

TEST_CASE("a saved position at a real resume point, waiting in another way, is refused", "[workspace][trust][sqlite]") {
  Damaged d;
  d.ws->tick(kStart + kDay);  // all three reach the call (a manual step)
  REQUIRE(d.on("L-2").stepKind == "call");
  d.corrupt("L-2", "waiting = " + std::to_string(static_cast<int>(rt::Waiting::Timer)) +
                       ", due = " + std::to_string(kStart + kDay));
  // and gives it a timer (a timers row naming its connection id, one LEB128 byte)
  exec(d.tmp / "ws/seqc.db", "INSERT INTO timers(due, ids) SELECT " + std::to_string(kStart + kDay) +
                                 ", CAST(char(id) AS BLOB) FROM connections WHERE record = 'L-2'");
  d.ws->tick(kStart + 2 * kDay);
  CHECK(d.status("L-2") == "error");
  CHECK_THAT(d.latest("L-2").message, Catch::Contains("another way"));
  CHECK(d.status("L-1") == "active");
}

namespace {

using Json = nlohmann::ordered_json;

// A bundle of one sequence, exported from a fresh workspace.
Json bundleOf(const TempDir& tmp, const std::string& dir, const std::string& source) {
  auto ws = makeWorkspace(tmp / dir);
  activate(*ws, tmp / "n.seq", source);
  ws->exportBundle({}, tmp / (dir + ".json"));
  return Json::parse(readText(tmp / (dir + ".json")));
}

const char* kBenign =
    "sequence \"Welcome\" on lead {\n"
    "  intro: email \"Hello\"\n"
    "}\n";
const char* kTampered =
    "sequence \"Welcome\" on lead {\n"
    "  set lead.donotemail = true\n"
    "  intro: email \"Buy now\"\n"
    "}\n";

}  // namespace

TEST_CASE("import compiles the sources again: tampered bytecode is refused", "[workspace][trust]") {
  TempDir tmp;
  Json benign = bundleOf(tmp, "a", kBenign);
  Json evil = bundleOf(tmp, "b", kTampered);
  Json& version = benign["sequences"][0]["versions"][0];
  auto target = makeWorkspace(tmp / "target");

  SECTION("the bytecode of another sequence, the sources and hash kept") {
    version["bytecode"] = evil["sequences"][0]["versions"][0]["bytecode"];
    writeText(tmp / "t.json", benign.dump(2));
    CHECK_THROWS_WITH(target->importBundle(tmp / "t.json"),
                      Catch::Contains("not what its sources compile to") && Catch::Contains("nothing imported"));
    CHECK(target->list({}).empty());
  }
  SECTION("a made-up hash is replaced by the one import computes") {
    std::string real = version["hash"];
    version["hash"] = "0000000000000000";
    writeText(tmp / "t.json", benign.dump(2));
    target->importBundle(tmp / "t.json");
    CHECK(target->show("Welcome", std::nullopt).versions.at(0).hash == real);
    // So activating the same source is "unchanged", and a changed one is a new version.
    auto again = activate(*target, tmp / "n.seq", kBenign);
    CHECK(again[0].what == Activation::What::Reactivated);
    auto changed = activate(*target, tmp / "n.seq", kTampered);
    CHECK(changed[0].what == Activation::What::NewVersion);
  }
  SECTION("sources that do not compile") {
    version["sources"][version["source_path"].get<std::string>()] = "sequence {";
    writeText(tmp / "t.json", benign.dump(2));
    CHECK_THROWS_WITH(target->importBundle(tmp / "t.json"), Catch::Contains("do not compile"));
  }
  SECTION("sources that import a file the bundle does not carry") {
    version["sources"][version["source_path"].get<std::string>()] =
        std::string("import \"/etc/passwd\"\n") + kBenign;
    writeText(tmp / "t.json", benign.dump(2));
    CHECK_THROWS_WITH(target->importBundle(tmp / "t.json"),
                      Catch::Contains("do not compile") && Catch::Contains("no such file"));
  }
}

TEST_CASE("imported names, descriptions and tags obey the language's limits", "[workspace][trust]") {
  TempDir tmp;
  Json bundle = bundleOf(tmp, "a", kBenign);
  auto target = makeWorkspace(tmp / "target");
  Json& seq = bundle["sequences"][0];
  std::string expected;
  SECTION("a 5,000-character name") { seq["name"] = std::string(5000, 'n'); expected = "5000 characters"; }
  SECTION("a name with a newline") { seq["name"] = "Wel\ncome"; expected = "control character"; }
  SECTION("a name with a NUL") { seq["name"] = std::string("Wel\0come", 8); expected = "control character"; }
  SECTION("an empty name") { seq["name"] = ""; expected = "is empty"; }
  SECTION("a 10 MB description") { seq["description"] = std::string(10'000'000, 'd'); expected = "limit is 2000"; }
  SECTION("an empty tag") { seq["tags"] = Json::array({""}); expected = "empty level"; }
  SECTION("a tag of 6 levels") { seq["tags"] = Json::array({"a/b/c/d/e/f"}); expected = "6 levels"; }
  writeText(tmp / "t.json", bundle.dump(2));
  CHECK_THROWS_WITH(target->importBundle(tmp / "t.json"), Catch::Contains(expected));
  CHECK(target->list({}).empty());
}

TEST_CASE("a saved status that is no status leaves the record out of every run", "[workspace][trust][sqlite]") {
  Damaged d;
  std::string set = GENERATE(as<std::string>{}, "status = 77", "status = -1");
  d.corrupt("L-2", set);
  CHECK_THROWS_WITH(d.ws->skip("L-2", ""), Catch::Contains("L-2"));
  d.ws->tick(kStart + kDay);
  CHECK(d.status("L-2") == "unknown");
  CHECK(d.on("L-1").stepKind == "call");
  CHECK(d.on("L-3").stepKind == "call");
}
