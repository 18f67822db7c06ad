// libFuzzer harness for the front end: any bytes as a .seq file must give diagnostics,
// never a crash, hang or sanitizer report. Run by scripts/fuzz (SEQC_STDLIB set).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "compiler/compilation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* stdlib = std::getenv("SEQC_STDLIB");
  seqc::Compilation c({stdlib ? stdlib : "stdlib"});
  std::string text(reinterpret_cast<const char*>(data), size);
  seqc::runWithLargeStack([&] { c.checkSource("/tmp/seqc-fuzz/input.seq", std::move(text)); });
  auto diags = c.diagnostics().sorted(c.sources());
  (void)seqc::renderText(c.sources(), diags);
  (void)seqc::renderJson(c.sources(), diags);
  return 0;
}
