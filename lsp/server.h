// The language server: JSON-RPC 2.0 over a byte stream with LSP's `Content-Length`
// framing, a store of open documents (full and incremental sync), and the LSP 3.17
// requests answered from lsp/analysis.h. Streams are parameters, so tests and the
// fuzzer drive it in-process; `seqc lsp` (tools/seqc/lsp.cc) gives it stdin/stdout.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "lsp/analysis.h"
#include "lsp/text.h"

namespace seqc::lsp {

// Largest message body accepted; a longer one is read past and dropped.
inline constexpr size_t kMaxMessageBytes = 64u << 20;
// Deepest JSON nesting accepted (LSP messages nest a few levels).
inline constexpr size_t kMaxJsonDepth = 128;

struct ServerOptions {
  std::string stdlibDir;
  std::ostream* log = nullptr;  // one line per message handled, with its time; null: silent
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  // Serves messages from `in` until `exit` or the end of the input, writing responses
  // and notifications to `out`. Returns the process exit code: 0 after `shutdown`
  // then `exit`, 1 otherwise. Never throws; runs on a large stack (runWithLargeStack).
  int run(std::istream& in, std::ostream& out);

 private:
  struct Document {
    std::string uri, path, text;
    int64_t version = 0;
    std::shared_ptr<const Analysis> analysis;
    std::shared_ptr<const Analysis> lastClean;  // the last one without syntax errors
  };

  int loop(std::istream& in);
  void handleBody(const std::string& body);
  nlohmann::json dispatch(const std::string& method, const nlohmann::json& params, bool isRequest);
  void send(const nlohmann::json& message);
  void sendError(const nlohmann::json& id, int code, const std::string& message);
  void log(const std::string& line);

  Document& document(const nlohmann::json& params);
  void analyze(Document& doc);
  void publish(const Document& doc);
  uint32_t offsetOf(const Document& doc, const nlohmann::json& position) const;
  nlohmann::json range(std::string_view text, uint32_t begin, uint32_t end) const;
  nlohmann::json location(const Location& loc) const;

  nlohmann::json initialize(const nlohmann::json& params);
  nlohmann::json hover(const nlohmann::json& params);
  nlohmann::json completion(const nlohmann::json& params);
  nlohmann::json definition(const nlohmann::json& params);
  nlohmann::json references(const nlohmann::json& params);
  nlohmann::json prepareRename(const nlohmann::json& params);
  nlohmann::json rename(const nlohmann::json& params);
  nlohmann::json documentSymbol(const nlohmann::json& params);
  nlohmann::json formatting(const nlohmann::json& params);
  void didOpen(const nlohmann::json& params);
  void didChange(const nlohmann::json& params);
  void didSave(const nlohmann::json& params);
  void didClose(const nlohmann::json& params);

  ServerOptions options_;
  std::ostream* out_ = nullptr;
  PositionEncoding encoding_ = PositionEncoding::Utf16;
  bool initialized_ = false;
  bool shutdown_ = false;
  bool exit_ = false;
  std::map<std::string, Document> documents_;
};

}  // namespace seqc::lsp
