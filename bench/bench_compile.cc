// Compile-throughput benchmark (not a test): generates a large .seq file and times
// `check` on it, then the whole of `build` (check, lower, verify, encode). Prints lines,
// seconds, lines/s and the module's size.
// Usage: bench_compile [LINES] [--write FILE]   (--write also saves the generated file)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench/generate.h"
#include "compiler/driver.h"
#include "seqc/format/bytecode.h"

int main(int argc, char** argv) {
  size_t lines = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  std::string stdlib = seqc::defaultStdlibDir(argv[0]);
  std::string text = seqc::bench::generateSequences(lines);
  if (argc > 3 && std::string(argv[2]) == "--write") std::ofstream(argv[3]) << text;
  size_t actual = 0;
  for (char c : text) actual += c == '\n';
  seqc::standardProgram(stdlib);  // load the stdlib once
  constexpr int kRuns = 5;
  double best = 1e9;
  for (int r = 0; r < kRuns; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto c = seqc::compileSource("bench.seq", text, {stdlib}, seqc::Stage::Check);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!c.ok) {
      std::fputs(c.diagnosticsText().c_str(), stderr);
      return 1;
    }
    best = std::min(best, s);
  }
  std::printf("check: %zu lines, %zu bytes, best of %d: %.3f s, %.0f lines/s\n", actual, text.size(), kRuns,
              best, static_cast<double>(actual) / best);
  double bestBuild = 1e9;
  size_t bytes = 0, steps = 0;
  for (int r = 0; r < kRuns; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    auto c = seqc::compileSource("bench.seq", text, {stdlib});
    std::vector<uint8_t> out = seqc::bc::write(c.module);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!c.ok) {
      std::fprintf(stderr, "build failed: %s%s\n", c.diagnosticsText().c_str(), c.error.c_str());
      return 1;
    }
    const seqc::bc::Module& m = c.module;
    bestBuild = std::min(bestBuild, s);
    bytes = out.size();
    steps = m.steps.size();
  }
  std::printf("build: %zu lines, best of %d: %.3f s, %.0f lines/s; .seqb %zu bytes, %zu steps, %.1f B/step\n",
              actual, kRuns, bestBuild, static_cast<double>(actual) / bestBuild, bytes, steps,
              static_cast<double>(bytes) / static_cast<double>(steps));
  return 0;
}
