// libFuzzer harness for the language server: any bytes as the JSON-RPC input stream
// must give framed answers, never a crash, hang or sanitizer report. Seeded with
// message sequences from tests/fuzz/lsp_seeds (scripts/fuzz; SEQC_STDLIB set).
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "lsp/server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* stdlib = std::getenv("SEQC_STDLIB");
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out;
  seqc::lsp::Server server({stdlib ? stdlib : "stdlib"});
  (void)server.run(in, out);
  return 0;
}
