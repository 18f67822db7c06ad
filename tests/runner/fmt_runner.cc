// Checks `seqc fmt` (compiler/format.h) on one .seq file:
//
//   fmt_runner --stdlib DIR FILE.seq               idempotent and meaning-preserving
//   fmt_runner --stdlib DIR --canonical FILE.seq   … and FILE.seq is already canonical
//   fmt_runner --stdlib DIR --golden FILE.seq      … and fmt(FILE.seq) == FILE.expected
//   fmt_runner --stdlib DIR --golden FILE.seq --bless   rewrites FILE.expected
//
// A file with syntax errors must be refused (nullopt, with a SyntaxError) and passes.
// Meaning-preserving: the original and the formatted text compile (each as the main file
// at FILE's path, imports read from disk) to the same diagnostics — compared as sets of
// (file, severity, kind, message, notes), without positions, since lines move — and,
// when clean, to the same bytecode once every source-line field is cleared.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/compilation.h"
#include "compiler/format.h"
#include "compiler/lower.h"

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Outcome {
  std::vector<std::string> diagnostics;  // position-free, sorted
  bool clean = false;
  std::vector<uint8_t> bytes;  // the module with lines cleared, when clean
  std::string lowerError;
};

// The source-line fields of a module: the pc → line table and the line of every
// sequence, segment, step and branch. Everything else must be equal.
void clearLines(seqc::bc::Module& m) {
  m.lines.clear();
  for (auto& s : m.sequences) s.line = 0;
  for (auto& g : m.segments) g.line = 0;
  for (auto& s : m.steps) s.line = 0;
  for (auto& b : m.branches) b.line = 0;
}

Outcome compile(const std::string& stdlib, const std::string& path, const std::string& text) {
  Outcome out;
  seqc::Compilation c({stdlib});
  seqc::runWithLargeStack([&] { c.checkSource(path, text); });
  for (const seqc::Diagnostic& d : c.diagnostics().diagnostics()) {
    std::string file = d.range.valid() ? c.sources().file(d.range.file).path() : "";
    std::string line = fmt::format("{} {} [{}] {}", file, seqc::severityName(d.severity),
                                   seqc::kindName(d.kind), d.message);
    for (const seqc::Note& n : d.notes) line += " | note: " + n.message;
    out.diagnostics.push_back(line);
  }
  std::sort(out.diagnostics.begin(), out.diagnostics.end());
  out.clean = !c.diagnostics().hasErrors();
  if (out.clean) {
    seqc::bc::Module m;
    if (!seqc::lower(c, m, out.lowerError)) {
      out.lowerError = std::regex_replace(out.lowerError, std::regex(":[0-9]+: "), ": ");
    } else {
      clearLines(m);
      out.bytes = seqc::bc::write(m);
    }
  }
  return out;
}

bool fail(const std::string& file, const std::string& what) {
  std::cerr << file << ": FAIL: " << what << "\n";
  return false;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x + "\n";
  return s.empty() ? "  (none)\n" : s;
}

// Checks one file; false (with a message on stderr) when it fails.
bool checkFile(const std::string& stdlib, const std::string& file, bool golden, bool canonical,
               bool bless) {
  std::string original = readFile(file);

  seqc::DiagnosticEngine diags;
  std::optional<std::string> once = seqc::formatSource(file, original, diags);
  if (!once) {
    bool syntax = false;
    for (const auto& d : diags.diagnostics())
      syntax |= d.kind == seqc::DiagKind::SyntaxError || d.kind == seqc::DiagKind::NestingTooDeep ||
                d.kind == seqc::DiagKind::InvalidNumber ||
                d.kind == seqc::DiagKind::MixedCondition;  // `e.opened within 1d and …` does not parse
    if (golden || canonical || !syntax) {
      std::string kinds;
      for (const auto& d : diags.diagnostics())
        kinds += fmt::format(" [{}] {}", seqc::kindName(d.kind), d.message);
      return fail(file, "not formatted:" + kinds);
    }
    std::cout << file << ": has syntax errors, refused: ok\n";
    return true;
  }

  seqc::DiagnosticEngine diags2;
  std::optional<std::string> twice = seqc::formatSource(file, *once, diags2);
  if (!twice) return fail(file, "the formatted text does not format again:\n" + *once);
  if (*twice != *once)
    return fail(file, "not idempotent; first pass:\n" + *once + "\nsecond pass:\n" + *twice);
  if (canonical && *once != original)
    return fail(file, "not in the canonical layout; `seqc fmt` gives:\n" + *once);
  if (golden) {
    std::string expectedPath = file.substr(0, file.size() - 4) + ".expected";
    if (bless) {
      std::ofstream(expectedPath, std::ios::binary) << *once;
    } else if (readFile(expectedPath) != *once) {
      return fail(file, "differs from " + expectedPath + "; got:\n" + *once);
    }
  }

  Outcome a = compile(stdlib, file, original), b = compile(stdlib, file, *once);
  if (a.diagnostics != b.diagnostics)
    return fail(file, "diagnostics differ after formatting; before:\n" + join(a.diagnostics) +
                          "after:\n" + join(b.diagnostics));
  if (a.clean != b.clean || a.lowerError != b.lowerError)
    return fail(file, "lowering differs: '" + a.lowerError + "' vs '" + b.lowerError + "'");
  if (a.bytes != b.bytes) return fail(file, "the bytecode differs after formatting (lines cleared)");
  std::cout << file << ": ok (" << (a.clean ? "same bytecode" : "same diagnostics") << ")\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string stdlib;
  std::vector<std::string> files;
  bool golden = false, canonical = false, bless = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--stdlib" && i + 1 < argc) stdlib = argv[++i];
    else if (a == "--golden") golden = true;
    else if (a == "--canonical") canonical = true;
    else if (a == "--bless") bless = true;
    else files.push_back(a);
  }
  if (stdlib.empty() || files.empty()) {
    std::cerr << "usage: fmt_runner --stdlib DIR [--golden [--bless] | --canonical] FILE.seq…\n";
    return 2;
  }
  size_t failed = 0;
  for (const std::string& f : files)
    if (!checkFile(stdlib, f, golden, canonical, bless)) ++failed;
  std::cout << files.size() - failed << " of " << files.size() << " files ok\n";
  return failed ? 1 : 0;
}
