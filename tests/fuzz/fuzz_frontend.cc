// libFuzzer harness for the front end: any bytes as a .seq file must give diagnostics,
// never a crash, hang or sanitizer report. Input that parses is also formatted, and the
// formatter must be idempotent (fmt(fmt(x)) == fmt(x)): it aborts otherwise. Run by
// scripts/fuzz (SEQC_STDLIB set).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "compiler/compilation.h"
#include "compiler/format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* stdlib = std::getenv("SEQC_STDLIB");
  seqc::Compilation c({stdlib ? stdlib : "stdlib"});
  std::string text(reinterpret_cast<const char*>(data), size);
  seqc::DiagnosticEngine formatDiags;
  if (auto once = seqc::formatSource("/tmp/seqc-fuzz/input.seq", text, formatDiags)) {
    seqc::DiagnosticEngine again;
    auto twice = seqc::formatSource("/tmp/seqc-fuzz/input.seq", *once, again);
    if (!twice || *twice != *once) {
      std::fprintf(stderr, "seqc fmt is not idempotent on this input; first pass:\n%s\n", once->c_str());
      std::abort();
    }
  } else {
    for (const auto& d : formatDiags.diagnostics())
      if (d.kind == seqc::DiagKind::FileError) {  // parsed, yet the formatter failed
        std::fprintf(stderr, "seqc fmt failed: %s\n", d.message.c_str());
        std::abort();
      }
  }
  seqc::runWithLargeStack([&] { c.checkSource("/tmp/seqc-fuzz/input.seq", std::move(text)); });
  auto diags = c.diagnostics().sorted(c.sources());
  (void)seqc::renderText(c.sources(), diags);
  (void)seqc::renderJson(c.sources(), diags);
  return 0;
}
