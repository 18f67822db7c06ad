// The language server's requests on the real examples: hover, completion (also on
// half-typed text), definition (also into the standard library), references, rename,
// document symbols, formatting, and diagnostics of imported files.
#include <catch2/catch.hpp>

#include "compiler/compilation.h"
#include "tests/unit/lsp_test_util.h"

using namespace lsptest;

namespace {

std::string hoverText(const Session& s, int id) {
  const json& r = s.result(id);
  INFO(r.dump());
  REQUIRE(r.is_object());
  CHECK(r["contents"]["kind"] == "markdown");
  return r["contents"]["value"].get<std::string>();
}

std::vector<std::string> labels(const json& completion) {
  std::vector<std::string> out;
  for (const json& i : completion["items"]) out.push_back(i["label"].get<std::string>());
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

const json* item(const json& completion, const std::string& label) {
  for (const json& i : completion["items"])
    if (i["label"] == label) return &i;
  return nullptr;
}

}  // namespace

TEST_CASE("lsp: hover: fields, option labels, steps, sequences, variables", "[lsp][hover]") {
  std::string webinar = readFile(sourceDir() / "examples/webinar_follow_up.seq");
  std::string scored = readFile(sourceDir() / "examples/scored_lead_nurture.seq");
  std::string wUri = exampleUri("webinar_follow_up.seq"), sUri = exampleUri("scored_lead_nurture.seq");
  Session s;
  s.initialize();
  s.open(wUri, webinar);
  s.open(sUri, scored);
  auto hoverAt = [&](const std::string& uri, const json& p) {
    return s.request("textDocument/hover", {{"textDocument", {{"uri", uri}}}, {"position", p}});
  };
  int field = hoverAt(wUri, find(webinar, "lead.statecode", 7));
  int option = hoverAt(wUri, find(webinar, "\"Contacted\"", 3));
  int label = hoverAt(wUri, find(webinar, "recap.downloaded", 2));
  int labelDef = hoverAt(wUri, find(webinar, "recap:", 1));
  int event = hoverAt(wUri, find(webinar, "recap.downloaded", 8));
  int seq = hoverAt(wUri, find(webinar, "sequence \"Webinar follow up\"", 13));
  int variable = hoverAt(sUri, find(scored, "points + 15", 2));
  int custom = hoverAt(sUri, find(scored, "lead.new_segment ==", 6));
  int nothing = hoverAt(wUri, pos(0, 0));  // in a comment
  s.run();
  CHECK(s.diagnostics(wUri).empty());
  CHECK(s.diagnostics(sUri).empty());

  std::string f = hoverText(s, field);
  CHECK(f.find("lead.statecode") != std::string::npos);
  CHECK(f.find("choice") != std::string::npos);
  CHECK(f.find("Display name: Status") != std::string::npos);
  CHECK(f.find("`0` \"Open\"") != std::string::npos);
  std::string o = hoverText(s, option);
  CHECK(o.find("\"Contacted\"") != std::string::npos);
  CHECK(o.find("statuscode") != std::string::npos);
  CHECK(o.find("value `2`") != std::string::npos);
  std::string l = hoverText(s, label);
  CHECK(l.find("`auto email` step") != std::string::npos);
  CHECK(l.find("Thanks for registering") != std::string::npos);
  CHECK(l.find("webinar-recap") != std::string::npos);
  CHECK(hoverText(s, labelDef) == l);
  CHECK(hoverText(s, event).find("**downloaded** — event") != std::string::npos);
  std::string q = hoverText(s, seq);
  CHECK(q.find("on `lead`") != std::string::npos);
  CHECK(q.find("Share the recording") != std::string::npos);
  CHECK(hoverText(s, variable).find("let points: int") != std::string::npos);
  std::string c = hoverText(s, custom);
  CHECK(c.find("new_segment") != std::string::npos);
  CHECK(c.find("\"Enterprise\"") != std::string::npos);
  CHECK(s.result(nothing).is_null());
}

TEST_CASE("lsp: completion: fields, events, outcomes, options, sequences, snippets", "[lsp][completion]") {
  std::string uri = "file:///tmp/seqc-lsp-test/complete.seq";
  std::string text =
      "sequence \"Other\" on lead { task \"x\" }\n"
      "sequence \"Main\" on lead {\n"
      "  intro: auto email \"Hi\" template \"t\"\n"
      "  c1: call \"Call\"\n"
      "  sms: text \"Hi\"\n"
      "  wait 1d\n"
      "  if lead.statuscode == \"Con\" { set lead.leadqualitycode = \"\" }\n"
      "  if lead.statecode in [\"Open\", \"\"] { end }\n"
      "  advance to \"\"\n"
      "}\n";
  Session s;
  s.initialize();
  s.open(uri, text);
  // Half-typed edits, each a syntax error the parser cannot recover a field from.
  auto completeAfterInsert = [&](const json& p, const std::string& insert, int version) {
    // The text is inserted on a line of its own, before the statement at `p`.
    s.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", version}}},
                                        {"contentChanges", {{{"range", {{"start", p}, {"end", p}}}, {"text", insert + "\n  "}}}}});
    json after = {{"line", p["line"]}, {"character", p["character"].get<int>() + static_cast<int>(insert.size())}};
    int id = s.request("textDocument/completion", {{"textDocument", {{"uri", uri}}}, {"position", after}});
    json end = {{"line", p["line"].get<int>() + 1}, {"character", p["character"]}};
    s.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", version + 1}}},
                                        {"contentChanges", {{{"range", {{"start", p}, {"end", end}}}, {"text", ""}}}}});
    return id;
  };
  json wait = find(text, "wait 1d");
  int fields = completeAfterInsert(wait, "if lead.", 2);
  int partial = completeAfterInsert(wait, "if lead.status", 4);
  int events = completeAfterInsert(wait, "if intro.", 6);
  int outcomes = completeAfterInsert(wait, "if c1.", 8);
  int textEvents = completeAfterInsert(wait, "if sms.", 10);
  int options = s.request("textDocument/completion", at(uri, 6, find(text, "\"Con\"", 4)["character"].get<int>()));
  int setOptions = s.request("textDocument/completion", at(uri, 6, find(text, "= \"\"", 3)["character"].get<int>()));
  int inOptions = s.request("textDocument/completion", at(uri, 7, find(text, ", \"\"]", 3)["character"].get<int>()));
  int sequences = s.request("textDocument/completion", at(uri, 8, find(text, "to \"\"", 4)["character"].get<int>()));
  int statement = completeAfterInsert(wait, "au", 12);
  int top = s.request("textDocument/completion", at(uri, 10, 0));
  int comment = completeAfterInsert(pos(10, 0), "// lead.", 14);
  s.run();

  auto f = labels(s.result(fields));
  CHECK(has(f, "statuscode"));
  CHECK(has(f, "budgetamount"));
  CHECK(f.size() > 50);
  const json* sc = item(s.result(fields), "statuscode");
  REQUIRE(sc);
  CHECK((*sc)["kind"] == 5);
  CHECK((*sc)["detail"] == "Status Reason · choice (statuscode)");
  // The edit replaces the partial word after the dot.
  const json* ps = item(s.result(partial), "statuscode");
  REQUIRE(ps);
  CHECK((*ps)["textEdit"]["range"]["start"] == pos(5, 10));
  CHECK((*ps)["textEdit"]["range"]["end"] == pos(5, 16));
  CHECK(labels(s.result(events)) == std::vector<std::string>{"opened", "clicked", "replied", "downloaded"});
  CHECK(labels(s.result(outcomes)) == std::vector<std::string>{"answered", "voicemail", "no_answer", "wrong_number"});
  CHECK(labels(s.result(textEvents)) == std::vector<std::string>{"replied"});
  auto o = labels(s.result(options));
  CHECK(has(o, "Contacted"));
  CHECK(has(o, "Cannot Contact"));
  CHECK(!has(o, "Open"));
  const json* cc = item(s.result(options), "Cannot Contact");
  REQUIRE(cc);
  CHECK((*cc)["textEdit"]["newText"] == "Cannot Contact");
  CHECK((*cc)["textEdit"]["range"]["start"]["character"] == find(text, "\"Con\"", 1)["character"]);
  CHECK(has(labels(s.result(setOptions)), "Hot"));
  CHECK(has(labels(s.result(inOptions)), "Qualified"));
  CHECK(labels(s.result(sequences)) == std::vector<std::string>{"Other"});
  auto st = labels(s.result(statement));
  CHECK(has(st, "auto email"));
  CHECK(has(st, "linkedin research"));
  CHECK(has(st, "intro"));
  const json* ae = item(s.result(statement), "auto email");
  REQUIRE(ae);
  CHECK((*ae)["insertTextFormat"] == 2);
  CHECK((*ae)["textEdit"]["newText"] == "auto email \"${1:Title}\" template \"${2:template}\"");
  auto t = labels(s.result(top));
  CHECK(has(t, "sequence"));
  CHECK(!has(t, "wait"));
  CHECK(s.result(comment)["items"].empty());
}

TEST_CASE("lsp: completion of labels works from the last clean parse when the text breaks", "[lsp][completion]") {
  std::string uri = "file:///tmp/seqc-lsp-test/broken.seq";
  std::string text = "sequence \"s\" on lead {\n  recap: email \"Hi\"\n  wait 1d\n  task \"t\"\n}\n";
  Session s;
  s.initialize();
  s.open(uri, text);
  // Break the label line (`recap:` becomes `recap:: `) and complete `recap.` below it.
  s.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                      {"contentChanges", {{{"range", {{"start", pos(1, 8)}, {"end", pos(1, 8)}}}, {"text", ": ("}},
                                                          {{"range", {{"start", pos(3, 2)}, {"end", pos(3, 2)}}}, {"text", "if recap. "}}}}});
  int id = s.request("textDocument/completion", at(uri, 3, 11));
  s.run();
  CHECK(labels(s.result(id)) == std::vector<std::string>{"opened", "clicked", "replied", "downloaded"});
}

TEST_CASE("lsp: definition: labels, variables, advance targets, imports, stdlib entities and fields", "[lsp][definition]") {
  std::string webinar = readFile(sourceDir() / "examples/webinar_follow_up.seq");
  std::string scored = readFile(sourceDir() / "examples/scored_lead_nurture.seq");
  std::string routing = readFile(sourceDir() / "examples/inbound_lead_routing.seq");
  std::string wUri = exampleUri("webinar_follow_up.seq"), sUri = exampleUri("scored_lead_nurture.seq"),
              rUri = exampleUri("inbound_lead_routing.seq");
  Session s;
  s.initialize();
  s.open(wUri, webinar);
  s.open(sUri, scored);
  s.open(rUri, routing);
  auto def = [&](const std::string& uri, const json& p) {
    return s.request("textDocument/definition", {{"textDocument", {{"uri", uri}}}, {"position", p}});
  };
  int label = def(wUri, find(webinar, "call1.answered", 1));
  int variable = def(sUri, find(scored, "points + 15", 1));
  int advance = def(rUri, find(routing, "advance to \"Enterprise", 13));
  int import = def(sUri, find(scored, "import \"schemas", 10));
  int entity = def(wUri, find(webinar, "on lead", 4));
  int field = def(wUri, find(webinar, "lead.statuscode", 7));
  int custom = def(sUri, find(scored, "lead.new_score >=", 7));
  int option = def(wUri, find(webinar, "\"Contacted\"", 2));
  s.run();

  auto one = [&](int id) {
    const json& r = s.result(id);
    INFO(r.dump());
    REQUIRE(r.size() == 1);
    return r[0];
  };
  CHECK(one(label)["uri"] == wUri);
  CHECK(one(label)["range"]["start"] == find(webinar, "call1:"));
  CHECK(one(variable)["range"]["start"] == find(scored, "points = 0"));
  CHECK(one(advance)["range"]["start"] == find(routing, "\"Enterprise lead outreach\" on"));
  CHECK(one(import)["uri"] == exampleUri("schemas/custom_fields.seq"));
  CHECK(one(custom)["uri"] == exampleUri("schemas/custom_fields.seq"));
  CHECK(one(custom)["range"]["start"]["line"] == 3);

  // Into the standard library: a file:// URI of a file on disk.
  std::string leadUri = one(entity)["uri"].get<std::string>();
  REQUIRE(leadUri.rfind("file:///", 0) == 0);
  std::string leadPath = seqc::lsp::uriToPath(leadUri);
  CHECK(std::filesystem::path(leadPath).filename() == "lead.seq");
  std::string lead = readFile(leadPath);
  REQUIRE(!lead.empty());
  CHECK(one(entity)["range"]["start"] == find(lead, "entity lead", 7));
  CHECK(one(field)["uri"] == leadUri);
  CHECK(one(field)["range"]["start"] == find(lead, "\n  statuscode:", 3));
  CHECK(one(option)["range"]["start"] == find(lead, "2 \"Contacted\"", 2));
}

TEST_CASE("lsp: references and rename of labels and variables; bad names are refused", "[lsp][rename]") {
  std::string webinar = readFile(sourceDir() / "examples/webinar_follow_up.seq");
  std::string scored = readFile(sourceDir() / "examples/scored_lead_nurture.seq");
  std::string wUri = exampleUri("webinar_follow_up.seq"), sUri = exampleUri("scored_lead_nurture.seq");
  Session s;
  s.initialize();
  s.open(wUri, webinar);
  s.open(sUri, scored);
  json recap = find(webinar, "recap.clicked", 2);
  int refs = s.request("textDocument/references",
                       {{"textDocument", {{"uri", wUri}}}, {"position", recap}, {"context", {{"includeDeclaration", true}}}});
  int refsNoDecl = s.request("textDocument/references",
                             {{"textDocument", {{"uri", wUri}}}, {"position", recap}, {"context", {{"includeDeclaration", false}}}});
  int prepare = s.request("textDocument/prepareRename", {{"textDocument", {{"uri", wUri}}}, {"position", recap}});
  int prepareNone = s.request("textDocument/prepareRename", {{"textDocument", {{"uri", wUri}}}, {"position", find(webinar, "wait 1d")}});
  int rename = s.request("textDocument/rename", {{"textDocument", {{"uri", wUri}}}, {"position", recap}, {"newName", "recording"}});
  int renameVar = s.request("textDocument/rename",
                            {{"textDocument", {{"uri", sUri}}}, {"position", find(scored, "points == 0", 3)}, {"newName", "score_points"}});
  int keyword = s.request("textDocument/rename", {{"textDocument", {{"uri", wUri}}}, {"position", recap}, {"newName", "wait"}});
  int invalid = s.request("textDocument/rename", {{"textDocument", {{"uri", wUri}}}, {"position", recap}, {"newName", "1st step"}});
  int clash = s.request("textDocument/rename", {{"textDocument", {{"uri", wUri}}}, {"position", recap}, {"newName", "call1"}});
  int field = s.request("textDocument/rename",
                        {{"textDocument", {{"uri", wUri}}}, {"position", find(webinar, "lead.statuscode", 6)}, {"newName", "x"}});
  s.run();

  CHECK(s.result(refs).size() == 3);  // recap:, recap.downloaded, recap.clicked
  CHECK(s.result(refsNoDecl).size() == 2);
  CHECK(s.result(prepare)["placeholder"] == "recap");
  CHECK(s.result(prepare)["range"]["start"] == find(webinar, "recap.clicked"));
  CHECK(s.result(prepareNone).is_null());
  for (int bad : {keyword, invalid, clash, field}) CHECK(s.response(bad)["error"]["code"] == -32803);

  // The renamed text compiles, with the new name everywhere.
  auto check = [](const std::string& path, const std::string& text) {
    seqc::Compilation c({SEQC_STDLIB_DIR});
    seqc::runWithLargeStack([&] { c.checkSource(path, text); });
    INFO(seqc::renderText(c.sources(), c.diagnostics().sorted(c.sources())));
    CHECK(c.diagnostics().diagnostics().empty());
  };
  const json& edits = s.result(rename)["changes"][wUri];
  CHECK(edits.size() == 3);
  std::string renamed = applyEdits(webinar, edits);
  CHECK(renamed.find("recap:") == std::string::npos);
  CHECK(renamed.find("recap.") == std::string::npos);
  CHECK(renamed.find("recording.downloaded or recording.clicked") != std::string::npos);
  check((sourceDir() / "examples/webinar_follow_up.seq").string(), renamed);
  const json& varEdits = s.result(renameVar)["changes"][sUri];
  CHECK(varEdits.size() == 6);
  std::string renamedVar = applyEdits(scored, varEdits);
  CHECK(renamedVar.find("let score_points = 0") != std::string::npos);
  CHECK(renamedVar.find("lead.new_score + score_points") != std::string::npos);
  check((sourceDir() / "examples/scored_lead_nurture.seq").string(), renamedVar);
}

TEST_CASE("lsp: document symbols: sequences with their labelled steps, entities", "[lsp][symbols]") {
  std::string webinar = readFile(sourceDir() / "examples/webinar_follow_up.seq");
  std::string custom = readFile(sourceDir() / "examples/schemas/custom_fields.seq");
  std::string wUri = exampleUri("webinar_follow_up.seq"), cUri = exampleUri("schemas/custom_fields.seq");
  Session s;
  s.initialize();
  s.open(wUri, webinar);
  s.open(cUri, custom);
  int w = s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", wUri}}}});
  int c = s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", cUri}}}});
  s.run();
  const json& syms = s.result(w);
  REQUIRE(syms.size() == 1);
  CHECK(syms[0]["name"] == "Webinar follow up");
  CHECK(syms[0]["detail"] == "on lead");
  std::vector<std::string> steps;
  for (const json& ch : syms[0]["children"]) steps.push_back(ch["name"]);
  CHECK(steps == std::vector<std::string>{"recap", "call1", "resources"});
  CHECK(syms[0]["children"][1]["detail"] == "call \"Discuss the webinar and next steps\"");
  CHECK(syms[0]["children"][1]["selectionRange"]["start"] == find(webinar, "call1:"));
  const json& ent = s.result(c);
  REQUIRE(ent.size() == 1);
  CHECK(ent[0]["name"] == "extend lead");
  CHECK(ent[0]["kind"] == 5);
  CHECK(ent[0]["children"].size() == 3);
}

TEST_CASE("lsp: document symbols: segments, experiments with their variants and steps", "[lsp][symbols]") {
  std::string routing = readFile(sourceDir() / "examples/segment_routing.seq");
  std::string uri = exampleUri("segment_routing.seq");
  std::string expUri = "file:///tmp/seqc-lsp-test/experiment.seq";
  std::string exp =
      "sequence \"S\" on lead {\n"
      "  first: email \"Hi\"\n"
      "  experiment \"Subject\" {\n"
      "    variant plain 60 { a: auto email \"A\" template \"a\" }\n"
      "    variant bold 40 { b: auto email \"B\" template \"b\" }\n"
      "    metric replied within 3d\n"
      "    baseline 0.1\n"
      "    mde 0.05\n"
      "  }\n"
      "}\n";
  Session s;
  s.initialize();
  s.open(uri, routing);
  s.open(expUri, exp);
  int r = s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}});
  int e = s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", expUri}}}});
  s.run();
  const json& syms = s.result(r);
  std::vector<std::string> names;
  for (const json& j : syms) names.push_back(j["name"]);
  CHECK(names == std::vector<std::string>{"Enterprise track", "Welcome track", "Big open budgets", "Open web leads"});
  REQUIRE(syms.size() == 4);
  CHECK(syms[2]["kind"] == 19);
  CHECK(syms[2]["detail"] == "on lead feeds \"Enterprise track\"");
  CHECK(syms[2]["selectionRange"]["start"] == find(routing, "\"Big open budgets\""));
  CHECK(syms[2]["range"]["start"] == find(routing, "segment \"Big open budgets\""));

  const json& seq = s.result(e);
  REQUIRE(seq.size() == 1);
  const json& children = seq[0]["children"];
  REQUIRE(children.size() == 2);
  CHECK(children[0]["name"] == "first");
  CHECK(children[1]["name"] == "Subject");
  CHECK(children[1]["kind"] == 10);
  CHECK(children[1]["selectionRange"]["start"] == find(exp, "\"Subject\""));
  const json& variants = children[1]["children"];
  REQUIRE(variants.size() == 2);
  CHECK(variants[0]["name"] == "plain");
  CHECK(variants[0]["detail"] == "60%");
  CHECK(variants[1]["kind"] == 22);
  REQUIRE(variants[1]["children"].size() == 1);
  CHECK(variants[1]["children"][0]["name"] == "b");
}

TEST_CASE("lsp: errors in an imported file are reported at the import", "[lsp][diagnostics]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "seqc-lsp-import-test";
  fs::create_directories(dir / "lib");
  std::ofstream(dir / "lib/bad.seq") << "extend entity lead {\n  x: notatype\n}\n";
  std::string main = "import \"lib/bad.seq\"\nimport \"missing.seq\"\nsequence \"s\" on lead { email \"Hi\" }\n";
  std::string uri = seqc::lsp::pathToUri((dir / "main.seq").string());
  Session s;
  s.initialize();
  s.open(uri, main);
  int def = s.request("textDocument/definition", at(uri, 0, 9));
  s.run();
  json d = s.diagnostics(uri);
  REQUIRE(d.size() == 2);
  CHECK(d[0]["range"]["start"] == pos(0, 0));
  CHECK(d[0]["code"] == "UnknownType");
  CHECK(d[0]["message"].get<std::string>().find("'lib/bad.seq' has 1 error") != std::string::npos);
  REQUIRE(d[0]["relatedInformation"].size() == 1);
  CHECK(d[0]["relatedInformation"][0]["location"]["uri"] == seqc::lsp::pathToUri((dir / "lib/bad.seq").string()));
  CHECK(d[0]["relatedInformation"][0]["location"]["range"]["start"]["line"] == 1);
  CHECK(d[1]["code"] == "ImportNotFound");
  CHECK(d[1]["range"]["start"]["line"] == 1);
  CHECK(s.result(def)[0]["uri"] == seqc::lsp::pathToUri((dir / "lib/bad.seq").string()));
  fs::remove_all(dir);
}

TEST_CASE("lsp: hostile documents and positions never break a request", "[lsp][robustness]") {
  std::string uri = "file:///tmp/seqc-lsp-test/hostile.seq";
  Session s;
  s.initialize();
  std::vector<std::string> texts = {std::string(100000, '('), std::string(5000, '{'), "sequence \"", "\"\\u{",
                                    "sequence \"s\" on lead { if lead.", "/* lead.", "\xC3\xA9\xF0\x9F\x98\x80."};
  std::vector<int> ids;
  int v = 1;
  for (const std::string& t : texts) {
    s.open(uri, t, v++);
    for (const json& p : {pos(0, 0), pos(0, 5), pos(0, 100000), pos(3, 1), pos(0, static_cast<int>(t.size()))})
      for (const char* m : {"textDocument/hover", "textDocument/completion", "textDocument/definition",
                            "textDocument/references", "textDocument/prepareRename"})
        ids.push_back(s.request(m, at(uri, p["line"], p["character"])));
    ids.push_back(s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}}));
  }
  s.shutdownAndExit();
  s.run();
  for (int id : ids) CHECK(s.response(id).contains("result"));
  CHECK(s.exitCode == 0);
}

TEST_CASE("lsp: formatting: one edit replacing the document; none with syntax errors", "[lsp][format]") {
  std::string uri = "file:///tmp/seqc-lsp-test/format.seq";
  std::string messy = "sequence   \"s\" on lead {\n      e: email \"Hi\"\n  wait   1d\n task \"t\" }\n";
  Session s;
  int init = s.request("initialize", {{"capabilities", json::object()}});
  s.open(uri, messy);
  json options = {{"tabSize", 2}, {"insertSpaces", true}};
  int fmt = s.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}, {"options", options}});
  s.notify("textDocument/didChange", {{"textDocument", {{"uri", uri}, {"version", 2}}},
                                      {"contentChanges", {{{"text", messy + "sequence {"}}}}});
  int broken = s.request("textDocument/formatting", {{"textDocument", {{"uri", uri}}}, {"options", options}});
  s.run();
  CHECK(s.result(init)["capabilities"]["documentFormattingProvider"] == true);
  const json& edits = s.result(fmt);
  REQUIRE(edits.size() == 1);
  CHECK(edits[0]["range"]["start"] == pos(0, 0));
  CHECK(edits[0]["range"]["end"] == pos(4, 0));
  std::string formatted = applyEdits(messy, edits);
  CHECK(formatted != messy);
  CHECK(formatted.find("sequence \"s\" on lead {\n") == 0);
  CHECK(formatted.find("\n  wait 1d\n") != std::string::npos);
  CHECK(s.result(broken).empty());
}

TEST_CASE("lsp: calendars: hover, definition, completion of names and zones, symbols", "[lsp][calendar]") {
  std::string uri = "file:///tmp/seqc-lsp-test/calendars.seq";
  std::string text =
      "calendar \"US East\" {\n"
      "  zone \"America/New_York\"\n"
      "  hours mon-fri 09:00-17:00\n"
      "  holiday \"Christmas Day\" dec 25 observed\n"
      "  \n"
      "}\n"
      "calendar \"Europe\" {\n"
      "  zone \"\"\n"
      "}\n"
      "sequence \"Main\" on lead {\n"
      "  calendar \"US East\"\n"
      "  time zone \"\"\n"
      "  task \"T\" due 2 business days\n"
      "}\n"
      "sequence \"Other\" on lead {\n"
      "  calendar \"\"\n"
      "  task \"U\"\n"
      "}\n";
  Session s;
  s.initialize();
  s.open(uri, text);
  auto req = [&](const char* method, const json& p) {
    return s.request(method, {{"textDocument", {{"uri", uri}}}, {"position", p}});
  };
  int hoverRef = req("textDocument/hover", find(text, "calendar \"US East\"\n  time", 11));
  int hoverDef = req("textDocument/hover", find(text, "\"US East\" {", 2));
  int hoverZone = req("textDocument/hover", find(text, "\"America/New_York\"", 3));
  int definition = req("textDocument/definition", find(text, "calendar \"US East\"\n  time", 11));
  int names = s.request("textDocument/completion", at(uri, 15, 12));
  int zones = s.request("textDocument/completion", at(uri, 7, 8));
  int recordZones = s.request("textDocument/completion", at(uri, 11, 13));
  int body = s.request("textDocument/completion", at(uri, 4, 2));
  int symbols = s.request("textDocument/documentSymbol", {{"textDocument", {{"uri", uri}}}});
  s.run();

  std::string h = hoverText(s, hoverRef);
  CHECK(h.find("**calendar \"US East\"** — zone `America/New\\_York`") != std::string::npos);
  CHECK(h.find("`hours mon-fri 09:00-17:00`") != std::string::npos);
  CHECK(h.find("1 holiday: Christmas Day") != std::string::npos);
  CHECK(hoverText(s, hoverDef) == h);
  CHECK(hoverText(s, hoverZone).find("IANA time zone") != std::string::npos);
  const json& d = s.result(definition);
  REQUIRE(d.size() == 1);
  CHECK(d[0]["range"]["start"] == find(text, "\"US East\" {"));
  auto n = labels(s.result(names));
  CHECK(n == std::vector<std::string>{"Europe", "US East"});
  auto z = labels(s.result(zones));
  CHECK(has(z, "America/New_York"));
  CHECK(has(z, "Europe/Paris"));
  CHECK(z.size() > 300);
  CHECK(has(labels(s.result(recordZones)), "Asia/Tokyo"));
  auto b = labels(s.result(body));
  CHECK(b == std::vector<std::string>{"zone", "hours", "holiday"});
  bool calendarSymbol = false;
  for (const json& sym : s.result(symbols))
    if (sym["name"] == "US East" && sym["kind"] == 3) calendarSymbol = true;
  CHECK(calendarSymbol);
}

TEST_CASE("lsp: the common-mistakes catalogue shows the compiler's messages and notes", "[lsp][diagnostics]") {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(SEQC_SOURCE_DIR) / "tests/check/mistakes"))
    if (e.path().extension() == ".seq") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 30);
  Session s;
  s.initialize();
  for (const fs::path& f : files) s.open(seqc::lsp::pathToUri(f.string()), readFile(f));
  s.run();
  for (const fs::path& f : files) {
    INFO(f.filename().string());
    seqc::Compilation c({SEQC_STDLIB_DIR});
    seqc::runWithLargeStack([&] { c.checkSource(f.string(), readFile(f)); });
    std::vector<seqc::Diagnostic> want = c.diagnostics().sorted(c.sources());
    json got = s.diagnostics(seqc::lsp::pathToUri(f.string()));
    REQUIRE(!want.empty());
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const seqc::SourceFile& src = c.sources().file(want[i].range.file);
      seqc::LineCol lc = src.lineCol(want[i].range.begin);
      CHECK(got[i]["code"] == std::string(seqc::kindName(want[i].kind)));
      CHECK(got[i]["message"] == want[i].message);
      CHECK(got[i]["range"]["start"]["line"] == lc.line - 1);
      CHECK(got[i]["range"]["start"]["character"] == lc.column - 1);  // ASCII files: bytes are UTF-16 units
      std::vector<std::string> notes, related;
      for (const seqc::Note& n : want[i].notes) notes.push_back(n.message);
      for (const json& r : got[i].value("relatedInformation", json::array()))
        related.push_back(r["message"].get<std::string>());
      CHECK(related == notes);
    }
  }
}
