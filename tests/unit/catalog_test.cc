// The workspace catalog (workspace/src/catalog.cc): list filters and sorting, clone,
// delete, bundles (export/import round trip and failures that import nothing), history
// and stats.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "seqc/workspace/workspace.h"
#include "workspace_fixture.h"

using namespace seqc;
using namespace seqc::ws;
namespace fs = std::filesystem;

namespace {

using namespace seqc::testing;

std::vector<std::string> names(const std::vector<SequenceSummary>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.row.name);
  return out;
}

std::string sequenceText(const std::string& name, const std::string& entity, const std::string& tags,
                         const std::string& description, const std::string& body) {
  return "sequence \"" + name + "\" on " + entity + " {\n  description \"" + description +
         "\"\n  tags " + tags + "\n" + body + "}\n";
}

const char* kManualBody =
    "  intro: email \"Thanks for attending\"\n"
    "  wait 2d\n"
    "  call1: call \"Follow-up call\"\n";

// Four sequences with tags for the filters, and three leads.
struct Catalog {
  TempDir tmp;
  std::unique_ptr<Workspace> ws = makeWorkspace(tmp / "ws");
  Catalog() {
    activate(*ws, tmp / "webinar.seq",
             sequenceText("Webinar nurture", "lead", "\"marketing/webinar\"", "After the webinar", kManualBody));
    activate(*ws, tmp / "basics.seq",
             sequenceText("Marketing basics", "lead", "\"marketing\"", "Plain nurture", kManualBody));
    activate(*ws, tmp / "other.seq",
             sequenceText("Other team", "lead", "\"marketingx\"", "Mentions a WEBINAR too", kManualBody));
    activate(*ws, tmp / "contacts.seq",
             sequenceText("Contact onboarding", "contact", "\"onboarding\"", "New contacts", kManualBody));
    writeText(tmp / "leads.csv", "id,lastname\nL-1,Ruiz\nL-2,Okafor\nL-3,Lee\n");
    ws->loadRecords(tmp / "leads.csv", "lead");
  }
};

}  // namespace

TEST_CASE("list filters by status, entity, tag (with children) and search", "[catalog]") {
  Catalog cat;
  Workspace& ws = *cat.ws;
  using V = std::vector<std::string>;

  CHECK(names(ws.list({})) == V{"Contact onboarding", "Marketing basics", "Other team", "Webinar nurture"});

  ListFilter f;
  f.tag = "marketing";
  CHECK(names(ws.list(f)) == V{"Marketing basics", "Webinar nurture"});  // not "marketingx"
  f.tag = "marketing/webinar";
  CHECK(names(ws.list(f)) == V{"Webinar nurture"});
  f.tag = "marketing/web";
  CHECK(names(ws.list(f)).empty());

  ListFilter e;
  e.entity = "contact";
  CHECK(names(ws.list(e)) == V{"Contact onboarding"});

  ListFilter s;
  s.search = "webinar";  // the name of one, the description of another
  CHECK(names(ws.list(s)) == V{"Other team", "Webinar nurture"});
  s.search = "marketing/";  // tags are not searched
  CHECK(names(ws.list(s)).empty());

  ws.deactivate("Other team");
  CHECK_THROWS_WITH(ws.deactivate("Other team"), "sequence 'Other team' is already inactive");
  CHECK_THROWS_AS(ws.deactivate("Nope"), Error);
  ListFilter a;
  a.active = false;
  CHECK(names(ws.list(a)) == V{"Other team"});
  a.active = true;
  CHECK(names(ws.list(a)) == V{"Contact onboarding", "Marketing basics", "Webinar nurture"});
}

TEST_CASE("list sorts by name, modified and records", "[catalog]") {
  Catalog cat;
  Workspace& ws = *cat.ws;
  using V = std::vector<std::string>;

  ws.tick(kStart + 3600);
  ws.deactivate("Marketing basics");  // modified an hour later than the others
  ws.connect("Webinar nurture", {"L-1", "L-2"}, "", false);
  ws.connect("Other team", {"L-3"}, "", false);

  ListFilter f;
  f.sort = "modified";
  auto rows = ws.list(f);
  CHECK(names(rows) == V{"Marketing basics", "Contact onboarding", "Other team", "Webinar nurture"});
  CHECK(rows[0].row.modified == kStart + 3600);

  f.sort = "records";
  rows = ws.list(f);
  CHECK(names(rows) == V{"Webinar nurture", "Other team", "Contact onboarding", "Marketing basics"});
  CHECK(rows[0].records == 2);
  CHECK(rows[1].records == 1);
  CHECK(rows[2].records == 0);

  f.sort = "size";
  CHECK_THROWS_AS(ws.list(f), Error);
}

TEST_CASE("show picks a version; records lists active connections", "[catalog]") {
  Catalog cat;
  Workspace& ws = *cat.ws;
  activate(ws, cat.tmp / "webinar.seq",
           sequenceText("Webinar nurture", "lead", "\"marketing/webinar\"", "After the webinar",
                        std::string(kManualBody) + "  task \"Book a demo\"\n"),
           "adds a task");
  SequenceDetail d = ws.show("Webinar nurture", std::nullopt);
  CHECK(d.shown == 2);
  REQUIRE(d.versions.size() == 2);
  CHECK(d.versions[1].change == "adds a task");
  CHECK(d.module.sequences[d.index].stepCount == 4);
  CHECK(ws.show("Webinar nurture", 1).module.sequences[0].stepCount == 3);
  CHECK_THROWS_WITH(ws.show("Webinar nurture", 3), "sequence 'Webinar nurture' has no version 3 (versions 1–2)");
  CHECK_THROWS_AS(ws.show("Webinar nurture", 0), Error);

  ws.connect("Webinar nurture", {"L-2", "L-1"}, "", false);
  auto recs = ws.records("Webinar nurture");
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].row.id < recs[1].row.id);
  CHECK(recs[0].sequence == "Webinar nurture");
  CHECK(recs[0].stepLabel == "intro");
  CHECK(ws.show("Webinar nurture", std::nullopt).records == 2);
}

TEST_CASE("clone copies every version into an inactive sequence", "[catalog]") {
  Catalog cat;
  Workspace& ws = *cat.ws;
  activate(ws, cat.tmp / "webinar.seq",
           sequenceText("Webinar nurture", "lead", "\"marketing/webinar\"", "After the webinar",
                        std::string(kManualBody) + "  task \"Book a demo\"\n"),
           "adds a task");
  ws.clone("Webinar nurture", "Webinar copy", "");
  ws.clone("Webinar nurture", "Webinar EMEA", "For EMEA");

  SequenceDetail original = ws.show("Webinar nurture", std::nullopt);
  SequenceDetail copy = ws.show("Webinar copy", std::nullopt);
  CHECK(!copy.row.active);
  CHECK(copy.row.entity == "lead");
  CHECK(copy.row.description == "After the webinar");
  CHECK(copy.row.tags == original.row.tags);
  CHECK(copy.row.latest == 2);
  REQUIRE(copy.versions.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    CHECK(copy.versions[i].number == original.versions[i].number);
    CHECK(copy.versions[i].change == original.versions[i].change);
    CHECK(copy.versions[i].sources == original.versions[i].sources);
    CHECK(copy.versions[i].bytecode == original.versions[i].bytecode);
    CHECK(copy.versions[i].hash == original.versions[i].hash);
  }
  CHECK(ws.show("Webinar EMEA", 1).row.description == "For EMEA");

  CHECK_THROWS_WITH(ws.clone("Webinar nurture", "Marketing basics", ""),
                    "a sequence named 'Marketing basics' already exists");
  CHECK_THROWS_AS(ws.clone("Webinar nurture", "", ""), Error);
  CHECK_THROWS_AS(ws.clone("Webinar nurture", std::string(161, 'x'), ""), Error);
  CHECK_NOTHROW(ws.clone("Webinar nurture", std::string(160, 'x'), ""));
  CHECK_THROWS_AS(ws.clone("Missing", "Another", ""), Error);
  CHECK(ws.list({}).size() == 7);
}

TEST_CASE("remove disconnects the records and hides the sequence", "[catalog]") {
  Catalog cat;
  Workspace& ws = *cat.ws;
  ws.connect("Webinar nurture", {"L-1", "L-2"}, "", false);
  ws.tick(kStart + 600);
  CHECK(ws.remove("Webinar nurture") == 2);

  using V = std::vector<std::string>;
  CHECK(names(ws.list({})) == V{"Contact onboarding", "Marketing basics", "Other team"});
  CHECK_THROWS_AS(ws.show("Webinar nurture", std::nullopt), Error);
  CHECK_THROWS_AS(ws.remove("Webinar nurture"), Error);

  auto h = ws.history("L-1");
  REQUIRE(!h.empty());
  const HistoryView& last = h.back();
  CHECK(last.sequence == "Webinar nurture");  // deleted sequences keep their name in history
  CHECK(last.version == 1);
  CHECK(last.row.result == "disconnected");
  CHECK(last.row.detail == "sequence deleted");
  CHECK(last.row.at == kStart + 600);
  CHECK(last.row.step == -1);
  CHECK(last.stepLabel.empty());

  // The name is free again.
  activate(ws, cat.tmp / "webinar2.seq",
           sequenceText("Webinar nurture", "lead", "\"marketing\"", "Again", kManualBody));
  CHECK(ws.show("Webinar nurture", std::nullopt).row.latest == 1);
  CHECK(ws.records("Webinar nurture").empty());
}

TEST_CASE("history and stats", "[catalog]") {
  Catalog cat;
  Workspace& ws = *cat.ws;
  CHECK_THROWS_WITH(ws.history("L-404"), "no record 'L-404' in the workspace");
  ws.connect("Webinar nurture", {"L-1", "L-2", "L-3"}, "", false);
  ws.complete("L-1", std::nullopt, "");
  ws.skip("L-2", "");

  auto h = ws.history("L-1");
  bool sawIntro = false, sawAssigned = false;
  for (const auto& e : h)
    if (e.stepLabel == "intro" && e.row.result == "assigned") {
      sawAssigned = true;  // the manual email's assignment, at the same step
    } else if (e.stepLabel == "intro") {
      sawIntro = true;
      CHECK(e.row.result == "completed");
      CHECK(e.stepKind == "email");
      CHECK(e.stepTitle == "Thanks for attending");
    }
  CHECK(sawIntro);
  CHECK(sawAssigned);

  Stats st = ws.stats("Webinar nurture");
  REQUIRE(st.byStatus.size() == 6);
  CHECK(st.byStatus[0].first == "active");
  CHECK(st.byStatus[0].second == 3);
  CHECK(st.byStatus[1].first == "completed");
  CHECK(st.byStatus[1].second == 0);
  REQUIRE(st.steps.size() == 3);
  CHECK(st.steps[0].label == "intro");
  CHECK(st.steps[0].done == 1);
  CHECK(st.steps[0].skipped == 1);
  CHECK(st.steps[0].current == 1);
  CHECK(st.steps[0].reached == 3);
  CHECK(st.steps[1].kind == "wait");
  CHECK(st.steps[1].current == 2);
  CHECK(!st.averageDaysToCompletion);

  // Run the rest: the wait ends, the calls are completed.
  ws.tick(kStart + 3 * 86400);
  ws.complete("L-1", CallOutcome::Answered, "");
  ws.complete("L-2", CallOutcome::Voicemail, "");
  st = ws.stats("Webinar nurture");
  CHECK(st.completed == 2);
  CHECK(st.byStatus[1].second == 2);
  REQUIRE(st.averageDaysToCompletion);
  CHECK(*st.averageDaysToCompletion == Approx(3.0));
  CHECK(st.steps[2].done == 2);
  CHECK(st.steps[1].done == 2);

  // A new version: the old version's history counts by label.
  activate(ws, cat.tmp / "webinar.seq",
           sequenceText("Webinar nurture", "lead", "\"marketing/webinar\"", "After the webinar",
                        "  task \"Prepare\"\n" + std::string(kManualBody)));
  st = ws.stats("Webinar nurture");
  REQUIRE(st.steps.size() == 4);
  CHECK(st.steps[0].reached == 0);  // the new task: no history
  CHECK(st.steps[1].label == "intro");
  CHECK(st.steps[1].done == 1);
  CHECK(st.steps[1].current == 1);  // L-3, on version 1, still at intro
  CHECK(st.steps[2].reached == 0);  // the unlabelled wait of version 1 does not carry over
  CHECK(st.steps[3].label == "call1");
  CHECK(st.steps[3].done == 2);
}

TEST_CASE("export and import round trip", "[catalog]") {
  TempDir tmp;
  auto ws1 = makeWorkspace(tmp / "ws1");
  activate(*ws1, tmp / "pair.seq",
           "sequence \"Triage\" on lead {\n  tags \"inbound\", \"routing/triage\"\n"
           "  welcome: auto email \"Hi\" template \"hi\"\n  advance to \"Enterprise\"\n}\n"
           "sequence \"Enterprise\" on lead {\n  description \"Big ones\"\n"
           "  call \"Call the buyer\"\n}\n");
  activate(*ws1, tmp / "pair.seq",
           "sequence \"Triage\" on lead {\n  tags \"inbound\", \"routing/triage\"\n"
           "  welcome: auto email \"Hello\" template \"hello\"\n  advance to \"Enterprise\"\n}\n"
           "sequence \"Enterprise\" on lead {\n  description \"Big ones\"\n"
           "  call \"Call the buyer\"\n  task \"Then a task\"\n}\n",
           "second");
  ws1->deactivate("Triage");
  ws1->deactivate("Enterprise");

  std::string bundle = tmp / "bundle.json";
  ws1->exportBundle({"Triage", "Enterprise"}, bundle);
  std::string first = readText(bundle);
  ws1->exportBundle({"Triage", "Enterprise"}, bundle);
  CHECK(readText(bundle) == first);  // deterministic
  CHECK(first.find("\"format\": \"seqc-bundle\"") != std::string::npos);
  CHECK_THROWS_AS(ws1->exportBundle({"Triage", "Nope"}, tmp / "other.json"), Error);
  CHECK(!fs::exists(tmp / "other.json"));
  CHECK_THROWS_AS(ws1->exportBundle({"Triage"}, tmp / "no-such-dir/b.json"), Error);

  auto ws2 = makeWorkspace(tmp / "ws2");
  auto imported = ws2->importBundle(bundle);
  CHECK(imported == std::vector<std::string>{"Triage", "Enterprise"});
  for (const char* name : {"Triage", "Enterprise"}) {
    SequenceDetail a = ws1->show(name, std::nullopt), b = ws2->show(name, std::nullopt);
    CHECK(!b.row.active);
    CHECK(b.row.tags == a.row.tags);
    CHECK(b.row.description == a.row.description);
    REQUIRE(b.versions.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(b.versions[i].number == a.versions[i].number);
      CHECK(b.versions[i].change == a.versions[i].change);
      CHECK(b.versions[i].sourcePath == a.versions[i].sourcePath);
      CHECK(b.versions[i].sources == a.versions[i].sources);
      CHECK(b.versions[i].hash == a.versions[i].hash);
      CHECK(b.versions[i].bytecode == a.versions[i].bytecode);
      CHECK(b.versions[i].index == a.versions[i].index);
      CHECK(b.versions[i].created == a.versions[i].created);
    }
  }
  // Everything that defines the sequences survived: the second workspace exports the same bundle.
  ws2->exportBundle({"Triage", "Enterprise"}, tmp / "again.json");
  CHECK(readText(tmp / "again.json") == first);

  // No names: everything.
  ws2->exportBundle({}, tmp / "all.json");
  CHECK(readText(tmp / "all.json").find("\"Triage\"") != std::string::npos);

  // Importing twice clashes.
  CHECK_THROWS_WITH(ws2->importBundle(bundle), Catch::Contains("already exists") && Catch::Contains("nothing imported"));
}

TEST_CASE("import checks everything and imports nothing on a problem", "[catalog]") {
  TempDir tmp;
  auto ws1 = makeWorkspace(tmp / "ws1");
  activate(*ws1, tmp / "pair.seq",
           "sequence \"Triage\" on lead {\n  welcome: auto email \"Hi\" template \"hi\"\n  advance to \"Enterprise\"\n}\n"
           "sequence \"Enterprise\" on lead {\n  call \"Call the buyer\"\n}\n");
  activate(*ws1, tmp / "scored.seq",
           "extend entity lead {\n  new_score: int \"Score\"\n}\n"
           "sequence \"Scored\" on lead {\n  exit when lead.new_score >= 50\n  email \"Hi\"\n}\n");
  activate(*ws1, tmp / "plain.seq", sequenceText("Plain", "lead", "\"x\"", "Plain", kManualBody));
  auto ws2 = makeWorkspace(tmp / "ws2");
  activate(*ws2, tmp / "mine.seq", sequenceText("Mine", "lead", "\"x\"", "Mine", kManualBody));
  auto unchanged = [&] {
    auto rows = ws2->list({});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].row.name == "Mine");
  };

  SECTION("an advance target missing from both") {
    ws1->exportBundle({"Plain", "Triage"}, tmp / "b.json");
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "b.json"),
                      "sequence 'Triage' advances to 'Enterprise', which is neither in this workspace "
                      "nor in the bundle; nothing imported");
    unchanged();
    // In the workspace is enough.
    ws1->exportBundle({"Enterprise"}, tmp / "e.json");
    ws2->importBundle(tmp / "e.json");
    CHECK(ws2->importBundle(tmp / "b.json") == std::vector<std::string>{"Plain", "Triage"});
  }
  SECTION("a field `extend entity` added comes with the bundle") {
    ws1->exportBundle({"Plain", "Scored"}, tmp / "b.json");
    CHECK(ws2->schema("lead").find("new_score") == nullptr);
    CHECK(ws2->importBundle(tmp / "b.json") == std::vector<std::string>{"Plain", "Scored"});
    bc::RecordSchema lead = ws2->schema("lead");  // find() points into it
    const bc::FieldSpec* score = lead.find("new_score");
    REQUIRE(score != nullptr);
    CHECK(score->type == bc::ValueType::Int);
  }
  SECTION("a field `extend entity` added, of another type in the workspace") {
    ws1->exportBundle({"Plain", "Scored"}, tmp / "b.json");
    activate(*ws2, tmp / "ext.seq",
             "extend entity lead {\n  new_score: string \"Score\"\n}\n"
             "sequence \"Declares\" on lead {\n  email \"Hi\"\n}\n");
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "b.json"),
                      Catch::Contains("lead.new_score is declared differently in the bundle's sequence 'Scored'") &&
                          Catch::Contains("nothing imported"));
    CHECK(ws2->list({}).size() == 2);
  }
  SECTION("a name clash") {
    ws1->clone("Plain", "Mine", "");
    ws1->exportBundle({"Plain", "Mine"}, tmp / "b.json");
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "b.json"),
                      "sequence 'Mine' already exists in this workspace; nothing imported");
    unchanged();
  }
  SECTION("a corrupt bundle") {
    ws1->exportBundle({"Plain"}, tmp / "b.json");
    std::string text = readText(tmp / "b.json");

    writeText(tmp / "cut.json", text.substr(0, text.size() / 2));
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "cut.json"), Catch::StartsWith(tmp / "cut.json"));

    std::string bad = text;
    size_t at = bad.find("\"bytecode\": \"");
    REQUIRE(at != std::string::npos);
    bad.insert(at + 13, "!!");
    writeText(tmp / "base64.json", bad);
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "base64.json"), Catch::Contains("base64"));

    bad = text;
    bad.replace(at + 13, 8, "AAAAAAAA");  // valid base64, not a module
    writeText(tmp / "module.json", bad);
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "module.json"), Catch::Contains("invalid bytecode"));

    bad = text;
    bad.replace(bad.find("seqc-bundle"), 11, "zip-archive");
    writeText(tmp / "format.json", bad);
    CHECK_THROWS_WITH(ws2->importBundle(tmp / "format.json"), Catch::Contains("not a seqc bundle"));

    CHECK_THROWS_AS(ws2->importBundle(tmp / "missing.json"), Error);
    unchanged();
  }
}
