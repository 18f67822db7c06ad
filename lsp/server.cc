// JSON-RPC framing, dispatch and the document store of the language server (server.h).
// Every message is handled inside one try block: whatever a message holds, the server
// answers it (or drops it, for a notification) and goes on to the next.
#include "lsp/server.h"

#include <chrono>
#include <functional>
#include <istream>
#include <ostream>

#include <fmt/core.h>

#include "compiler/format.h"

using nlohmann::json;

namespace seqc::lsp {

namespace {

// JSON-RPC and LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kServerNotInitialized = -32002;
constexpr int kRequestFailed = -32803;

struct RpcError {
  int code;
  std::string message;
};

enum class Read { Message, Skipped, End };

// One line of a header, without its line break; longer lines are cut (not stored).
bool readLine(std::istream& in, std::string& line) {
  line.clear();
  std::streambuf* sb = in.rdbuf();
  for (;;) {
    int c = sb->sbumpc();
    if (c == std::char_traits<char>::eof()) return false;
    if (c == '\n') break;
    if (line.size() < 4096) line += static_cast<char>(c);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

// Reads one framed message: headers up to an empty line, then Content-Length bytes.
Read readMessage(std::istream& in, std::string& body, std::string& problem) {
  std::optional<size_t> length;
  bool any = false, bad = false;
  std::string line;
  for (;;) {
    if (!readLine(in, line)) return Read::End;
    if (line.empty()) {
      if (!any) continue;  // blank lines between messages
      break;
    }
    any = true;
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      bad = true;
      problem = "malformed header line";
      continue;
    }
    if (lower(trim(line.substr(0, colon))) != "content-length") continue;  // Content-Type, …
    std::string v = trim(line.substr(colon + 1));
    size_t n = 0;
    bool ok = !v.empty() && v.size() <= 19;
    for (char c : v) ok = ok && std::isdigit(static_cast<unsigned char>(c));
    if (ok) n = std::stoull(v);
    if (!ok) {
      bad = true;
      problem = "invalid Content-Length '" + v.substr(0, 40) + "'";
    } else {
      length = n;
    }
  }
  if (!length) {
    if (!bad) problem = "message without Content-Length";
    return Read::Skipped;
  }
  // Read in chunks: memory follows what arrives, not what the header claims.
  body.clear();
  size_t remaining = *length;
  bool keep = *length <= kMaxMessageBytes;
  char buf[65536];
  while (remaining > 0) {
    std::streamsize want = static_cast<std::streamsize>(std::min(remaining, sizeof buf));
    std::streamsize got = in.rdbuf()->sgetn(buf, want);
    if (got <= 0) return Read::End;
    if (keep) body.append(buf, static_cast<size_t>(got));
    remaining -= static_cast<size_t>(got);
  }
  if (!keep) {
    problem = fmt::format("message of {} bytes is larger than the {} MiB limit", *length, kMaxMessageBytes >> 20);
    return Read::Skipped;
  }
  if (bad) return Read::Skipped;
  return Read::Message;
}

// Nesting depth of JSON text, outside strings (bounded before the parser sees it).
size_t jsonDepth(std::string_view s) {
  size_t depth = 0, maxDepth = 0;
  bool str = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (str) {
      if (c == '\\') ++i;
      else if (c == '"') str = false;
    } else if (c == '"') {
      str = true;
    } else if (c == '[' || c == '{') {
      maxDepth = std::max(maxDepth, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return maxDepth;
}

int severityCode(Severity s) {
  switch (s) {
    case Severity::Error: return 1;
    case Severity::Warning: return 2;
    case Severity::Note: return 3;
  }
  return 1;
}

int completionKindCode(CompletionKind k) {
  switch (k) {
    case CompletionKind::Keyword: return 14;
    case CompletionKind::Snippet: return 15;
    case CompletionKind::Field: return 5;
    case CompletionKind::Event: return 23;
    case CompletionKind::Option: return 20;   // EnumMember
    case CompletionKind::Label: return 18;    // Reference
    case CompletionKind::Variable: return 6;
    case CompletionKind::Sequence: return 9;  // Module
    case CompletionKind::Entity: return 7;    // Class
    case CompletionKind::Function: return 3;
    case CompletionKind::Calendar: return 9;  // Module
    case CompletionKind::Zone: return 21;     // Constant
  }
  return 1;
}

int symbolKindCode(SymbolKind k) {
  switch (k) {
    case SymbolKind::Sequence: return 2;  // Module
    case SymbolKind::Step: return 24;     // Event
    case SymbolKind::Entity: return 5;    // Class
    case SymbolKind::Field: return 8;
    case SymbolKind::Import: return 1;    // File
    case SymbolKind::Calendar: return 3;  // Namespace
    case SymbolKind::Segment: return 19;     // Object
    case SymbolKind::Experiment: return 10;  // Enum: one of its variants
    case SymbolKind::Variant: return 22;     // EnumMember
  }
  return 1;
}

const json& member(const json& j, const char* key) {
  if (!j.is_object()) throw RpcError{kInvalidParams, fmt::format("expected an object with '{}'", key)};
  auto it = j.find(key);
  if (it == j.end()) throw RpcError{kInvalidParams, fmt::format("missing '{}'", key)};
  return *it;
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}
Server::~Server() = default;

int Server::run(std::istream& in, std::ostream& out) {
  out_ = &out;
  int rc = 1;
  runWithLargeStack([&] {
    try {
      rc = loop(in);
    } catch (...) {
      rc = 1;
    }
  });
  return rc;
}

int Server::loop(std::istream& in) {
  std::string body, problem;
  while (!exit_) {
    problem.clear();
    Read r = readMessage(in, body, problem);
    if (r == Read::End) break;
    if (r == Read::Skipped) {
      log("dropped: " + problem);
      continue;
    }
    handleBody(body);
  }
  return exit_ && shutdown_ ? 0 : 1;
}

void Server::log(const std::string& line) {
  if (options_.log) *options_.log << line << std::endl;
}

void Server::send(const json& message) {
  std::string body = message.dump(-1, ' ', false, json::error_handler_t::replace);
  *out_ << "Content-Length: " << body.size() << "\r\n\r\n" << body;
  out_->flush();
}

void Server::sendError(const json& id, int code, const std::string& message) {
  send({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
}

void Server::handleBody(const std::string& body) {
  auto t0 = std::chrono::steady_clock::now();
  json id = nullptr;
  bool isRequest = false;
  std::string method;
  try {
    if (jsonDepth(body) > kMaxJsonDepth) {
      sendError(nullptr, kInvalidRequest, "message nests deeper than the server accepts");
      return;
    }
    json msg = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (msg.is_discarded()) {
      sendError(nullptr, kParseError, "parse error: the message is not valid JSON");
      return;
    }
    if (!msg.is_object()) {
      sendError(nullptr, kInvalidRequest, "a message must be a JSON object (batches are not supported)");
      return;
    }
    if (auto it = msg.find("id"); it != msg.end()) {
      if (!it->is_number_integer() && !it->is_string()) {
        sendError(nullptr, kInvalidRequest, "'id' must be an integer or a string");
        return;
      }
      id = *it;
      isRequest = true;
    }
    auto m = msg.find("method");
    if (m == msg.end()) {
      if (isRequest && (msg.contains("result") || msg.contains("error"))) return;  // a response to us
      sendError(id, kInvalidRequest, "a message must have a 'method'");
      return;
    }
    if (!m->is_string()) {
      sendError(id, kInvalidRequest, "'method' must be a string");
      return;
    }
    method = m->get<std::string>();
    json params = msg.contains("params") ? msg["params"] : json(nullptr);
    if (!params.is_null() && !params.is_object() && !params.is_array()) {
      if (isRequest) sendError(id, kInvalidParams, "'params' must be an object or an array");
      return;
    }
    try {
      json result = dispatch(method, params, isRequest);
      if (isRequest) send({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
    } catch (const RpcError& e) {
      if (isRequest) sendError(id, e.code, e.message);
      else log(method + ": " + e.message);
    } catch (const json::exception& e) {
      if (isRequest) sendError(id, kInvalidParams, std::string("invalid params: ") + e.what());
      else log(method + ": invalid params: " + e.what());
    } catch (const std::exception& e) {
      if (isRequest) sendError(id, kInternalError, std::string("internal error: ") + e.what());
      else log(method + ": internal error: " + e.what());
    }
  } catch (...) {
    // Nothing escapes a message; not even a failure to answer it.
    try {
      if (isRequest) sendError(id, kInternalError, "internal error");
    } catch (...) {
    }
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (options_.log) log(fmt::format("{} {:.2f} ms", method.empty() ? "(invalid)" : method, ms));
}

json Server::dispatch(const std::string& method, const json& params, bool isRequest) {
  if (method == "exit") {
    exit_ = true;
    return nullptr;
  }
  if (shutdown_) {
    if (isRequest) throw RpcError{kInvalidRequest, "the server is shut down; only 'exit' is accepted"};
    return nullptr;
  }
  if (method == "initialize") {
    if (!isRequest) return nullptr;
    if (initialized_) throw RpcError{kInvalidRequest, "the server is already initialized"};
    return initialize(params);
  }
  if (!initialized_) {
    if (isRequest) throw RpcError{kServerNotInitialized, "the server is not initialized"};
    return nullptr;
  }
  if (isRequest) {
    if (method == "shutdown") {
      shutdown_ = true;
      return nullptr;
    }
    if (method == "textDocument/hover") return hover(params);
    if (method == "textDocument/completion") return completion(params);
    if (method == "textDocument/definition") return definition(params);
    if (method == "textDocument/references") return references(params);
    if (method == "textDocument/prepareRename") return prepareRename(params);
    if (method == "textDocument/rename") return rename(params);
    if (method == "textDocument/documentSymbol") return documentSymbol(params);
    if (method == "textDocument/formatting") return formatting(params);
    throw RpcError{kMethodNotFound, "method not found: " + method.substr(0, 200)};
  }
  if (method == "textDocument/didOpen") didOpen(params);
  else if (method == "textDocument/didChange") didChange(params);
  else if (method == "textDocument/didSave") didSave(params);
  else if (method == "textDocument/didClose") didClose(params);
  else if (method == "workspace/didChangeWatchedFiles")
    for (auto& [uri, doc] : documents_) analyze(doc);
  // Anything else (initialized, $/cancelRequest, $/setTrace, …) needs nothing.
  return nullptr;
}

json Server::initialize(const json& params) {
  initialized_ = true;
  encoding_ = PositionEncoding::Utf16;
  if (params.is_object()) {
    auto caps = params.find("capabilities");
    if (caps != params.end() && caps->is_object()) {
      auto general = caps->find("general");
      if (general != caps->end() && general->is_object()) {
        auto encs = general->find("positionEncodings");
        if (encs != general->end() && encs->is_array())
          for (const json& e : *encs)
            if (e.is_string() && e.get<std::string>() == "utf-8") encoding_ = PositionEncoding::Utf8;
      }
    }
  }
  json capabilities = {
      {"positionEncoding", encoding_ == PositionEncoding::Utf8 ? "utf-8" : "utf-16"},
      {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
      {"hoverProvider", true},
      {"completionProvider", {{"triggerCharacters", {".", "\""}}, {"resolveProvider", false}}},
      {"definitionProvider", true},
      {"referencesProvider", true},
      {"renameProvider", {{"prepareProvider", true}}},
      {"documentSymbolProvider", true},
      {"documentFormattingProvider", true},
  };
  return {{"capabilities", capabilities}, {"serverInfo", {{"name", "seqc"}, {"version", "0.1.0"}}}};
}

// ---- documents ----------------------------------------------------------------------

Server::Document& Server::document(const json& params) {
  std::string uri = member(member(params, "textDocument"), "uri").get<std::string>();
  auto it = documents_.find(uri);
  if (it == documents_.end()) throw RpcError{kInvalidParams, "document not open: " + uri.substr(0, 200)};
  if (!it->second.analysis) throw RpcError{kInternalError, "the document could not be analysed"};
  return it->second;
}

void Server::analyze(Document& doc) {
  auto t0 = std::chrono::steady_clock::now();
  doc.analysis = Analysis::build(options_.stdlibDir, doc.path, doc.text);
  if (!doc.analysis->hasSyntaxErrors()) doc.lastClean = doc.analysis;
  auto t1 = std::chrono::steady_clock::now();
  publish(doc);
  if (options_.log)
    log(fmt::format("  {}: compiled and indexed in {:.2f} ms, published in {:.2f} ms", doc.uri,
                    std::chrono::duration<double, std::milli>(t1 - t0).count(),
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count()));
}

void Server::publish(const Document& doc) {
  json diags = json::array();
  LineIndex index(doc.text);
  for (const DocDiagnostic& d : doc.analysis->diagnostics()) {
    json j = {{"range", range(doc.text, d.begin, d.end)},
              {"severity", severityCode(d.severity)},
              {"code", d.code},
              {"source", "seqc"},
              {"message", d.message}};
    if (!d.related.empty()) {
      json rel = json::array();
      for (const RelatedInfo& r : d.related) rel.push_back({{"location", location(r.location)}, {"message", r.message}});
      j["relatedInformation"] = rel;
    }
    if (d.unnecessary) j["tags"] = {1};
    diags.push_back(std::move(j));
  }
  send({{"jsonrpc", "2.0"},
        {"method", "textDocument/publishDiagnostics"},
        {"params", {{"uri", doc.uri}, {"version", doc.version}, {"diagnostics", diags}}}});
}

void Server::didOpen(const json& params) {
  const json& td = member(params, "textDocument");
  std::string uri = member(td, "uri").get<std::string>();
  Document& doc = documents_[uri];
  doc.uri = uri;
  doc.path = uriToPath(uri);
  doc.text = member(td, "text").get<std::string>();
  doc.version = td.contains("version") && td["version"].is_number_integer() ? td["version"].get<int64_t>() : 0;
  doc.lastClean.reset();
  analyze(doc);
}

void Server::didChange(const json& params) {
  Document& doc = document(params);
  const json& changes = member(params, "contentChanges");
  if (!changes.is_array()) throw RpcError{kInvalidParams, "'contentChanges' must be an array"};
  for (const json& c : changes) {
    std::string text = member(c, "text").get<std::string>();
    if (c.contains("range")) {
      const json& r = c["range"];
      uint32_t b = offsetOf(doc, member(r, "start"));
      uint32_t e = offsetOf(doc, member(r, "end"));
      if (e < b) std::swap(b, e);
      if (doc.text.size() - (e - b) + text.size() > kMaxMessageBytes)
        throw RpcError{kInvalidParams, "the document would be too large"};
      applyEdit(doc.text, b, e, text);
    } else {
      doc.text = std::move(text);
    }
  }
  const json& td = member(params, "textDocument");
  if (td.contains("version") && td["version"].is_number_integer()) doc.version = td["version"].get<int64_t>();
  analyze(doc);
}

void Server::didSave(const json& params) {
  Document& doc = document(params);
  if (params.contains("text") && params["text"].is_string()) doc.text = params["text"].get<std::string>();
  // Other open documents may import the saved file: check them again too.
  for (auto& [uri, d] : documents_) analyze(d);
}

void Server::didClose(const json& params) {
  std::string uri = member(member(params, "textDocument"), "uri").get<std::string>();
  if (documents_.erase(uri))
    send({{"jsonrpc", "2.0"},
          {"method", "textDocument/publishDiagnostics"},
          {"params", {{"uri", uri}, {"diagnostics", json::array()}}}});
}

// ---- positions ------------------------------------------------------------------------

uint32_t Server::offsetOf(const Document& doc, const json& position) const {
  auto coord = [&](const char* key) -> uint32_t {
    const json& v = member(position, key);
    if (!v.is_number_integer() && !v.is_number_unsigned()) throw RpcError{kInvalidParams, fmt::format("'{}' must be an integer", key)};
    int64_t n = v.get<int64_t>();
    if (v.is_number_unsigned()) n = v.get<uint64_t>() > UINT32_MAX ? UINT32_MAX : static_cast<int64_t>(v.get<uint64_t>());
    if (n < 0) throw RpcError{kInvalidParams, fmt::format("'{}' must not be negative", key)};
    return static_cast<uint32_t>(std::min<int64_t>(n, UINT32_MAX));
  };
  return LineIndex(doc.text).offsetAt({coord("line"), coord("character")}, encoding_);
}

json Server::range(std::string_view text, uint32_t begin, uint32_t end) const {
  LineIndex index(text);
  Position b = index.positionAt(begin, encoding_), e = index.positionAt(std::max(begin, end), encoding_);
  return {{"start", {{"line", b.line}, {"character", b.character}}}, {"end", {{"line", e.line}, {"character", e.character}}}};
}

json Server::location(const Location& loc) const {
  std::string uri;
  for (const auto& [u, doc] : documents_)
    if (doc.path == loc.path) uri = u;
  if (uri.empty()) uri = pathToUri(loc.path);
  return {{"uri", uri}, {"range", range(loc.text, loc.begin, loc.end)}};
}

// ---- requests ---------------------------------------------------------------------------

json Server::hover(const json& params) {
  Document& doc = document(params);
  auto h = doc.analysis->hover(offsetOf(doc, member(params, "position")));
  if (!h) return nullptr;
  return {{"contents", {{"kind", "markdown"}, {"value", h->markdown}}}, {"range", range(doc.text, h->begin, h->end)}};
}

json Server::completion(const json& params) {
  Document& doc = document(params);
  uint32_t offset = offsetOf(doc, member(params, "position"));
  json items = json::array();
  for (const CompletionItem& c : doc.analysis->complete(offset, doc.lastClean.get())) {
    json it = {{"label", c.label},
               {"kind", completionKindCode(c.kind)},
               {"insertTextFormat", c.snippet ? 2 : 1},
               {"textEdit", {{"range", range(doc.text, c.replaceBegin, c.replaceEnd)}, {"newText", c.insertText}}}};
    if (!c.detail.empty()) it["detail"] = c.detail;
    if (!c.documentation.empty()) it["documentation"] = {{"kind", "markdown"}, {"value", c.documentation}};
    if (c.kind == CompletionKind::Sequence) it["filterText"] = c.insertText;
    items.push_back(std::move(it));
  }
  return {{"isIncomplete", false}, {"items", items}};
}

json Server::definition(const json& params) {
  Document& doc = document(params);
  json out = json::array();
  for (const Location& l : doc.analysis->definition(offsetOf(doc, member(params, "position"))))
    out.push_back(location(l));
  return out;
}

json Server::references(const json& params) {
  Document& doc = document(params);
  auto t = doc.analysis->renameTarget(offsetOf(doc, member(params, "position")));
  if (!t) return json::array();
  bool withDecl = true;
  if (params.contains("context") && params["context"].is_object() && params["context"].contains("includeDeclaration"))
    withDecl = params["context"]["includeDeclaration"].get<bool>();
  json out = json::array();
  for (size_t i = withDecl ? 0 : 1; i < t->occurrences.size(); ++i)
    out.push_back({{"uri", doc.uri}, {"range", range(doc.text, t->occurrences[i].first, t->occurrences[i].second)}});
  return out;
}

json Server::prepareRename(const json& params) {
  Document& doc = document(params);
  auto t = doc.analysis->renameTarget(offsetOf(doc, member(params, "position")));
  if (!t) return nullptr;
  return {{"range", range(doc.text, t->begin, t->end)}, {"placeholder", t->name}};
}

json Server::rename(const json& params) {
  Document& doc = document(params);
  std::string newName = member(params, "newName").get<std::string>();
  auto t = doc.analysis->renameTarget(offsetOf(doc, member(params, "position")));
  if (!t) throw RpcError{kRequestFailed, "only a step label or a variable can be renamed"};
  if (!isValidName(newName))
    throw RpcError{kRequestFailed, fmt::format("'{}' is not a valid name: a label or variable is an identifier "
                                               "([A-Za-z_][A-Za-z0-9_]*) that is not a keyword",
                                               newName.substr(0, 200))};
  if (newName != t->name)
    for (const std::string& taken : t->taken)
      if (taken == newName) throw RpcError{kRequestFailed, fmt::format("'{}' is already a name in this sequence", newName)};
  json edits = json::array();
  for (const auto& [b, e] : t->occurrences) edits.push_back({{"range", range(doc.text, b, e)}, {"newText", newName}});
  return {{"changes", {{doc.uri, edits}}}};
}

json Server::documentSymbol(const json& params) {
  Document& doc = document(params);
  std::function<json(const DocSymbol&)> convert = [&](const DocSymbol& s) {
    uint32_t b = std::min(s.begin, s.nameBegin), e = std::max(s.end, s.nameEnd);
    json j = {{"name", s.name.empty() ? std::string("?") : s.name},
              {"kind", symbolKindCode(s.kind)},
              {"range", range(doc.text, b, e)},
              {"selectionRange", range(doc.text, s.nameBegin, s.nameEnd)}};
    if (!s.detail.empty()) j["detail"] = s.detail;
    json children = json::array();
    for (const DocSymbol& c : s.children) children.push_back(convert(c));
    if (!children.empty()) j["children"] = children;
    return j;
  };
  json out = json::array();
  for (const DocSymbol& s : doc.analysis->symbols()) out.push_back(convert(s));
  return out;
}

json Server::formatting(const json& params) {
  Document& doc = document(params);
  DiagnosticEngine diags;
  std::optional<std::string> formatted = formatSource(doc.path, doc.text, diags);
  if (!formatted || *formatted == doc.text) return json::array();  // syntax errors: leave it alone
  return json::array({{{"range", range(doc.text, 0, static_cast<uint32_t>(doc.text.size()))}, {"newText", *formatted}}});
}

}  // namespace seqc::lsp
