// A scripted language-server session for the lsp_* tests: messages are framed into one
// input stream, the server runs over it in-process, and its output is parsed back.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lsp/server.h"
#include "lsp/text.h"

namespace lsptest {

using nlohmann::json;

// SEQC_SOURCE_DIR, not __FILE__: a compiler cache with a base directory (or any build
// that names sources by relative path) makes __FILE__ relative to the build tree.
inline std::filesystem::path sourceDir() { return SEQC_SOURCE_DIR; }
inline std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
inline std::string exampleUri(const std::string& name) {
  return seqc::lsp::pathToUri((sourceDir() / "examples" / name).string());
}

inline std::string frame(const std::string& body) {
  return "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

struct Session {
  std::string input;
  std::vector<json> output;
  int exitCode = -1;
  int nextId = 1;

  int request(const std::string& method, json params = json::object()) {
    int id = nextId++;
    input += frame(json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    return id;
  }
  void notify(const std::string& method, json params = json::object()) {
    input += frame(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
  }
  void raw(const std::string& bytes) { input += bytes; }
  void initialize(json capabilities = json::object()) {
    request("initialize", {{"processId", nullptr}, {"rootUri", nullptr}, {"capabilities", capabilities}});
    notify("initialized");
  }
  void open(const std::string& uri, const std::string& text, int version = 1) {
    notify("textDocument/didOpen",
           {{"textDocument", {{"uri", uri}, {"languageId", "seq"}, {"version", version}, {"text", text}}}});
  }
  void shutdownAndExit() {
    request("shutdown", nullptr);
    notify("exit");
  }

  // Runs the server over everything queued; parses what it wrote.
  void run() {
    std::istringstream in(input);
    std::ostringstream out;
    seqc::lsp::Server server({SEQC_STDLIB_DIR});
    exitCode = server.run(in, out);
    std::string s = out.str();
    size_t i = 0;
    while (i < s.size()) {
      size_t hdrEnd = s.find("\r\n\r\n", i);
      REQUIRE(hdrEnd != std::string::npos);
      std::string header = s.substr(i, hdrEnd - i);
      REQUIRE(header.rfind("Content-Length: ", 0) == 0);
      size_t len = std::stoul(header.substr(16));
      output.push_back(json::parse(s.substr(hdrEnd + 4, len)));
      i = hdrEnd + 4 + len;
    }
  }

  const json& response(int id) const {
    for (const json& m : output)
      if (m.contains("id") && m["id"] == id && !m.contains("method")) return m;
    FAIL("no response to request " << id);
    static json none;
    return none;
  }
  const json& result(int id) const {
    const json& r = response(id);
    INFO(r.dump());
    REQUIRE(r.contains("result"));
    return r["result"];
  }
  // The last diagnostics published for `uri`.
  json diagnostics(const std::string& uri) const {
    json last;
    for (const json& m : output)
      if (m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
        last = m["params"]["diagnostics"];
    REQUIRE(!last.is_null());
    return last;
  }
};

inline json pos(int line, int character) { return {{"line", line}, {"character", character}}; }
inline json at(const std::string& uri, int line, int character) {
  return {{"textDocument", {{"uri", uri}}}, {"position", pos(line, character)}};
}

// Line and UTF-16 column of the first occurrence of `needle` (+ `delta` bytes) in
// `text`, which is ASCII up to there.
inline json find(const std::string& text, const std::string& needle, int delta = 0) {
  size_t off = text.find(needle);
  REQUIRE(off != std::string::npos);
  off += static_cast<size_t>(delta);
  int line = 0;
  size_t start = 0;
  for (size_t i = 0; i < off; ++i)
    if (text[i] == '\n') {
      ++line;
      start = i + 1;
    }
  return pos(line, static_cast<int>(off - start));
}

// Applies LSP TextEdits (UTF-16 positions) to `text`, last first.
inline std::string applyEdits(std::string text, json edits) {
  std::vector<std::pair<uint32_t, std::pair<uint32_t, std::string>>> byOffset;
  seqc::lsp::LineIndex idx(text);
  auto off = [&](const json& p) {
    return idx.offsetAt({p["line"].get<uint32_t>(), p["character"].get<uint32_t>()}, seqc::lsp::PositionEncoding::Utf16);
  };
  for (const json& e : edits)
    byOffset.push_back({off(e["range"]["start"]), {off(e["range"]["end"]), e["newText"].get<std::string>()}});
  std::sort(byOffset.begin(), byOffset.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [b, rest] : byOffset) seqc::lsp::applyEdit(text, b, rest.first, rest.second);
  return text;
}

}  // namespace lsptest
