// The generated .seq file the benchmarks compile (bench_compile) and edit (bench_lsp):
// sequences of up to 70 lines using every kind of statement, until `lines` is reached.
#pragma once

#include <cstddef>
#include <string>

#include <fmt/core.h>

namespace seqc::bench {

inline std::string generateSequences(size_t lines) {
  std::string out;
  size_t n = 0, seq = 0;
  while (n < lines) {
    out += fmt::format("sequence \"Generated {}\" on lead {{\n", seq);
    out += "  description \"A generated sequence for benchmarking\"\n  tags \"bench/generated\"\n";
    out += "  exit when lead.statecode != \"Open\"\n";
    n += 4;
    for (int i = 0; i < 8 && n < lines; ++i) {
      out += fmt::format("  e{}: auto email \"Touch {}\" template \"t{}\"\n", i, i, i);
      out += "  wait 2d\n";
      out += fmt::format("  if e{}.opened or e{}.clicked within 3d {{\n", i, i);
      out += fmt::format("    c{}: call \"Call {}\" due 1d\n", i, i);
      out += fmt::format("    if c{}.answered {{ set lead.statuscode = \"Contacted\" }}\n", i);
      out += "  } else if lead.budgetamount >= 50000 and lead.leadqualitycode in [\"Hot\", \"Warm\"] {\n";
      out += "    linkedin research \"Research the buyer\"\n";
      out += "  }\n";
      n += 8;
    }
    out += "  task \"Wrap up\"\n}\n";
    n += 2;
    ++seq;
  }
  return out;
}

}  // namespace seqc::bench
