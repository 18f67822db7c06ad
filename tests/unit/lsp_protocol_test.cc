// The language server's protocol layer: header framing, malformed and invalid
// messages, the lifecycle (initialize, shutdown, exit codes), text sync.
#include <catch2/catch.hpp>

#include "tests/unit/lsp_test_util.h"

using namespace lsptest;

TEST_CASE("lsp: initialize advertises incremental sync and the providers", "[lsp][protocol]") {
  Session s;
  int id = s.request("initialize", {{"processId", nullptr}, {"capabilities", json::object()}});
  s.shutdownAndExit();
  s.run();
  const json& caps = s.result(id)["capabilities"];
  CHECK(caps["textDocumentSync"]["change"] == 2);
  CHECK(caps["textDocumentSync"]["openClose"] == true);
  CHECK(caps["positionEncoding"] == "utf-16");
  for (const char* p : {"hoverProvider", "definitionProvider", "referencesProvider", "documentSymbolProvider",
                        "documentFormattingProvider"})
    CHECK(caps[p] == true);
  CHECK(caps["renameProvider"]["prepareProvider"] == true);
  CHECK(caps["completionProvider"]["triggerCharacters"].size() == 2);
  CHECK(s.result(id)["serverInfo"]["name"] == "seqc");
  CHECK(s.exitCode == 0);
}

TEST_CASE("lsp: headers: Content-Type, any case, blank lines; bad lengths are dropped", "[lsp][protocol]") {
  Session s;
  std::string init = json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "initialize"}, {"params", {{"capabilities", json::object()}}}}.dump();
  s.raw("\r\n");
  s.raw("content-length: " + std::to_string(init.size()) +
        "\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + init);
  s.raw("Content-Length: abc\r\n\r\n");             // not a number: dropped
  s.raw("Content-Length: -5\r\n\r\n");              // negative: dropped
  s.raw("X-Other: 1\r\n\r\n");                      // no length: dropped
  s.raw("Content-Length: 99999999999999999999\r\n\r\n");  // too many digits: dropped
  s.nextId = 2;
  int id = s.request("shutdown", nullptr);
  // LF-only line breaks are accepted too.
  std::string exit = json{{"jsonrpc", "2.0"}, {"method", "exit"}}.dump();
  s.raw("Content-Length: " + std::to_string(exit.size()) + "\n\n" + exit);
  s.run();
  CHECK(s.result(1).contains("capabilities"));
  CHECK(s.response(id).contains("result"));
  CHECK(s.exitCode == 0);
}

TEST_CASE("lsp: a huge or truncated body ends or skips without allocating it", "[lsp][protocol]") {
  {
    Session s;
    s.raw("Content-Length: 1000000000000\r\n\r\n{\"jsonrpc\":");  // claims 1 TB, then EOF
    s.run();
    CHECK(s.output.empty());
    CHECK(s.exitCode == 1);
  }
  {
    Session s;  // larger than the limit but present: read past, then the next message
    s.raw("Content-Length: " + std::to_string(seqc::lsp::kMaxMessageBytes + 1) + "\r\n\r\n" +
          std::string(seqc::lsp::kMaxMessageBytes + 1, ' '));
    s.initialize();
    s.shutdownAndExit();
    s.run();
    CHECK(s.result(1).contains("capabilities"));
    CHECK(s.exitCode == 0);
  }
}

TEST_CASE("lsp: malformed JSON is a ParseError with id null; the server goes on", "[lsp][protocol]") {
  Session s;
  s.raw(frame("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": "));
  s.raw(frame("\xff\xfe not json"));
  s.raw(frame(std::string(100000, '[')));  // too deep: refused before parsing
  s.initialize();
  s.shutdownAndExit();
  s.run();
  REQUIRE(s.output.size() >= 4);
  CHECK(s.output[0]["error"]["code"] == -32700);
  CHECK(s.output[0]["id"].is_null());
  CHECK(s.output[1]["error"]["code"] == -32700);
  CHECK(s.output[2]["error"]["code"] == -32600);
  CHECK(s.result(1).contains("capabilities"));
  CHECK(s.exitCode == 0);
}

TEST_CASE("lsp: invalid requests, unknown methods and bad params get the right errors", "[lsp][protocol]") {
  Session s;
  int early = s.request("textDocument/hover", at("file:///x.seq", 0, 0));
  s.initialize();
  s.raw(frame(R"([1, 2])"));
  s.raw(frame(R"({"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"})"));
  s.raw(frame(R"({"jsonrpc": "2.0", "id": 77, "method": 5})"));
  s.raw(frame(R"({"jsonrpc": "2.0", "id": 78})"));
  s.raw(frame(R"({"jsonrpc": "2.0", "id": 79, "result": null})"));  // a response: ignored
  int unknown = s.request("textDocument/colorPresentation", {});
  s.notify("$/cancelRequest", {{"id", 1}});
  s.notify("workspace/somethingNew", {{"x", 1}});
  s.notify("textDocument/didOpen", {{"textDocument", 5}});  // bad params of a notification: dropped
  int badParams = s.request("textDocument/hover", {{"textDocument", {{"uri", 3}}}});
  int notOpen = s.request("textDocument/hover", at("file:///not/open.seq", 0, 0));
  int badPos = s.request("textDocument/hover", {{"textDocument", {{"uri", "file:///x.seq"}}}, {"position", "x"}});
  int again = s.request("initialize", {{"capabilities", json::object()}});
  int shut = s.request("shutdown", nullptr);
  int after = s.request("textDocument/hover", at("file:///x.seq", 0, 0));
  s.notify("exit");
  s.run();
  CHECK(s.response(early)["error"]["code"] == -32002);
  int invalid = 0;
  for (const json& m : s.output)
    if (m.contains("error") && m["error"]["code"] == -32600 && (m["id"].is_null() || m["id"] == 77 || m["id"] == 78)) ++invalid;
  CHECK(invalid == 4);
  CHECK(s.response(unknown)["error"]["code"] == -32601);
  CHECK(s.response(badParams)["error"]["code"] == -32602);
  CHECK(s.response(notOpen)["error"]["code"] == -32602);
  CHECK(s.response(badPos)["error"]["code"] == -32602);
  CHECK(s.response(again)["error"]["code"] == -32600);
  CHECK(s.response(shut)["result"].is_null());
  CHECK(s.response(after)["error"]["code"] == -32600);
  for (const json& m : s.output) CHECK(m.value("id", json()) != 79);
  CHECK(s.exitCode == 0);
}

TEST_CASE("lsp: exit without shutdown is code 1, and so is the end of the input", "[lsp][protocol]") {
  Session a;
  a.initialize();
  a.notify("exit");
  a.run();
  CHECK(a.exitCode == 1);
  Session b;
  b.initialize();
  b.run();
  CHECK(b.exitCode == 1);
}

TEST_CASE("lsp: diagnostics are published on open, change and save with kinds and notes", "[lsp][sync]") {
  Session s;
  s.initialize();
  std::string uri = "file:///tmp/seqc-lsp-test/diag.seq";
  std::string text = "sequence \"s\" on lead {\n  e: email \"Hi\"\n  if lead.statuscod == \"New\" { task \"t\" }\n}\n";
  s.open(uri, text);
  s.run();
  json d = s.diagnostics(uri);
  REQUIRE(d.size() == 1);
  CHECK(d[0]["code"] == "UnknownField");
  CHECK(d[0]["severity"] == 1);
  CHECK(d[0]["source"] == "seqc");
  CHECK(d[0]["range"]["start"] == pos(2, 10));
  CHECK(d[0]["range"]["end"] == pos(2, 19));
  REQUIRE(d[0]["relatedInformation"].size() == 1);
  CHECK(d[0]["relatedInformation"][0]["message"].get<std::string>().find("statuscode") != std::string::npos);
  CHECK(d[0]["relatedInformation"][0]["location"]["uri"] == uri);
}

TEST_CASE("lsp: incremental edits after non-ASCII text land where UTF-16 says", "[lsp][sync]") {
  Session s;
  s.initialize();
  std::string uri = "file:///tmp/seqc-lsp-test/utf16.seq";
  // On line 1, "Café 😀 " is 8 UTF-16 units but 11 bytes before `x`.
  std::string text = "sequence \"s\" on lead {\n  e: email \"Caf\xC3\xA9 \xF0\x9F\x98\x80 \" template \"t\"\n  let v = 1\n}\n";
  s.open(uri, text);
  // Replace the `template` keyword (line 1, UTF-16 columns 22..30) by `due`: `due "t"` is a
  // syntax error at the string, column 26.
  s.notify("textDocument/didChange",
           {{"textDocument", {{"uri", uri}, {"version", 2}}},
            {"contentChanges", {{{"range", {{"start", pos(1, 22)}, {"end", pos(1, 30)}}}, {"text", "due"}}}}});
  // Then fix it with two edits in one notification: `template` back, then rename v.
  s.notify("textDocument/didChange",
           {{"textDocument", {{"uri", uri}, {"version", 3}}},
            {"contentChanges",
             {{{"range", {{"start", pos(1, 22)}, {"end", pos(1, 25)}}}, {"text", "template"}},
              {{"range", {{"start", pos(2, 6)}, {"end", pos(2, 7)}}}, {"text", "count"}}}}});
  int sym = s.request("textDocument/hover", at(uri, 2, 7));
  s.run();
  std::vector<json> published;
  for (const json& m : s.output)
    if (m.value("method", "") == "textDocument/publishDiagnostics") published.push_back(m["params"]);
  REQUIRE(published.size() == 3);
  CHECK(published[0]["version"] == 1);
  REQUIRE(published[0]["diagnostics"].size() == 1);
  CHECK(published[0]["diagnostics"][0]["code"] == "UnusedVariable");
  CHECK(published[0]["diagnostics"][0]["tags"] == json::array({1}));
  CHECK(published[1]["version"] == 2);
  REQUIRE(published[1]["diagnostics"].size() == 1);
  CHECK(published[1]["diagnostics"][0]["code"] == "SyntaxError");
  CHECK(published[1]["diagnostics"][0]["range"]["start"] == pos(1, 26));
  CHECK(published[2]["version"] == 3);
  REQUIRE(published[2]["diagnostics"].size() == 1);
  CHECK(published[2]["diagnostics"][0]["code"] == "UnusedVariable");
  CHECK(published[2]["diagnostics"][0]["message"].get<std::string>().find("count") != std::string::npos);
  CHECK(s.result(sym)["contents"]["value"].get<std::string>().find("let count: int") != std::string::npos);
}

TEST_CASE("lsp: utf-8 positions when the client offers them", "[lsp][sync]") {
  Session s;
  int id = s.request("initialize", {{"capabilities", {{"general", {{"positionEncodings", {"utf-8", "utf-16"}}}}}}});
  std::string uri = "file:///tmp/seqc-lsp-test/utf8.seq";
  std::string text = "sequence \"\xC3\xA9\" on lead { e: email \"x\" if lead.foo == 1 { task \"t\" } }\n";
  s.open(uri, text);
  s.run();
  CHECK(s.result(id)["capabilities"]["positionEncoding"] == "utf-8");
  json d = s.diagnostics(uri);
  REQUIRE(d.size() == 1);
  CHECK(d[0]["range"]["start"] == pos(0, static_cast<int>(text.find("foo"))));  // bytes, not UTF-16 units
}

TEST_CASE("lsp: close clears the diagnostics", "[lsp][sync]") {
  Session s;
  s.initialize();
  std::string uri = "file:///tmp/seqc-lsp-test/close.seq";
  s.open(uri, "sequence \"s\" on lead { wait 1d }");
  s.notify("textDocument/didClose", {{"textDocument", {{"uri", uri}}}});
  s.run();
  CHECK(s.diagnostics(uri).empty());
}
