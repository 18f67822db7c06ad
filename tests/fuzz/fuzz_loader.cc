// libFuzzer harness for the bytecode loader: any bytes as a .seqb file must load or be
// rejected with a message, never crash, hang or trip a sanitizer. What loads must also
// verify, disassemble, (for this minor version) write back to the very same bytes, and
// run: the verifier's promise is that the interpreter can trust whatever passed it.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "seqc/format/bytecode.h"
#include "seqc/sim/report.h"
#include "seqc/sim/simulator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  seqc::bc::Module m;
  std::string error;
  if (!seqc::bc::load(data, size, m, error)) {
    if (error.empty()) __builtin_trap();  // a rejection always says why
    return 0;
  }
  if (!seqc::bc::verify(m, error)) __builtin_trap();
  (void)seqc::bc::disassemble(m);
  std::vector<uint8_t> again = seqc::bc::write(m);
  bool sameMinor = size >= 8 && seqc::bc::readU16(data + 6) == seqc::bc::kVersionMinor;
  if (sameMinor && (again.size() != size || !std::equal(again.begin(), again.end(), data))) {
    std::fprintf(stderr, "fuzz_loader: a loaded module does not write back to its bytes\n");
    __builtin_trap();
  }
  // Every sequence, for two records with missing fields, under the default model (with
  // --segments for every other one).
  seqc::rt::Model model;
  for (uint32_t s = 0; s < m.sequences.size() && s < 8; ++s) {
    seqc::rt::SimOptions options;
    options.start = 1767603600;  // 2026-01-05T09:00:00Z
    options.until = 30 * 86400;
    options.model = &model;
    options.seed = size;
    options.segments = (s & 1) != 0;  // odd sequences: records connect by their segments
    seqc::rt::Simulator sim(m, s, options);
    sim.addRecords({"a", "b"}, {});
    sim.run();
    static std::FILE* devNull = std::fopen("/dev/null", "w");
    seqc::rt::writeJson(sim, true, devNull);
    seqc::rt::writeTable(sim, true, devNull);
  }
  return 0;
}
