// Runs one .seq test file: compiles it and compares the diagnostics with the
// expectations written in its comments (and in the comments of the files it imports):
//
//   // expect-error: Kind                 a diagnostic [Kind] on this line
//   // expect-error@+2: Kind              ... two lines below (@-N: above)
//   // expect-warning: Kind {{text}}      ... whose message or a note contains `text`
//   // expect-error: KindA, KindB         several on one line
//
// A file without expectations must compile clean. Every unmatched expectation and every
// unexpected diagnostic fails the test.
//
// `check_runner --coverage DIR…` instead fails if some diagnostic kind is expected by
// no test file (.seq, or a CLI test .sh that asserts it) under DIR.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/compilation.h"

namespace fs = std::filesystem;

namespace {

struct Expectation {
  std::string file;
  uint32_t line;
  seqc::Severity severity;
  std::string kind;
  std::string text;  // required substring, may be empty
  bool matched = false;
};

// Parses the expectations in one file's text; `file` is the path as the compiler names it.
std::vector<Expectation> parseExpectations(const std::string& file, std::string_view text,
                                           std::vector<std::string>& errors) {
  static const std::regex kLine(R"(//\s*expect-(error|warning)(@([+-]?)(\d+))?:\s*(.*)$)");
  static const std::regex kItem(R"(^\s*([A-Za-z]+)\s*(\{\{(.*?)\}\})?\s*(,|$))");
  std::vector<Expectation> out;
  std::istringstream in{std::string(text)};
  std::string lineText;
  for (uint32_t line = 1; std::getline(in, lineText); ++line) {
    if (!lineText.empty() && lineText.back() == '\r') lineText.pop_back();
    std::smatch m;
    if (!std::regex_search(lineText, m, kLine)) continue;
    auto sev = m[1] == "error" ? seqc::Severity::Error : seqc::Severity::Warning;
    int64_t target = line;
    if (m[2].matched) {
      int64_t n = std::stoll(m[4]);
      target = m[3] == "+" ? line + n : m[3] == "-" ? line - n : n;
    }
    std::string rest = m[5];
    while (!rest.empty() && rest.find_first_not_of(" \t\r") != std::string::npos) {
      std::smatch im;
      if (!std::regex_search(rest, im, kItem)) {
        errors.push_back(file + ":" + std::to_string(line) + ": cannot read expectation '" + rest + "'");
        break;
      }
      out.push_back({file, static_cast<uint32_t>(target), sev, im[1], im[3], false});
      rest = im.suffix();
    }
  }
  return out;
}

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int runOne(const std::string& stdlib, const std::string& path) {
  seqc::Compilation c({stdlib});
  seqc::runWithLargeStack([&] { c.checkFile(path); });
  const auto& sm = c.sources();
  std::vector<std::string> errors;
  std::vector<Expectation> expected;
  for (seqc::FileId id = 0; id < sm.size(); ++id) {
    if (c.isStdlib(id)) continue;
    auto e = parseExpectations(sm.file(id).path(), sm.file(id).text(), errors);
    expected.insert(expected.end(), e.begin(), e.end());
  }
  auto diags = c.diagnostics().sorted(sm);
  std::vector<seqc::Diagnostic> unexpected;
  for (const seqc::Diagnostic& d : diags) {
    if (d.severity == seqc::Severity::Note) continue;
    std::string file = d.range.valid() ? sm.file(d.range.file).path() : "";
    uint32_t line = d.range.valid() ? sm.file(d.range.file).lineCol(d.range.begin).line : 0;
    bool found = false;
    for (Expectation& e : expected) {
      if (e.matched || e.file != file || e.line != line || e.severity != d.severity ||
          e.kind != seqc::kindName(d.kind))
        continue;
      bool textOk = e.text.empty() || d.message.find(e.text) != std::string::npos;
      for (const auto& n : d.notes) textOk |= n.message.find(e.text) != std::string::npos;
      if (!textOk) continue;
      e.matched = found = true;
      break;
    }
    if (!found) unexpected.push_back(d);
  }
  int failures = static_cast<int>(errors.size());
  for (const std::string& e : errors) std::cerr << e << "\n";
  for (const Expectation& e : expected) {
    if (e.matched) continue;
    ++failures;
    std::cerr << e.file << ":" << e.line << ": expected " << seqc::severityName(e.severity) << " [" << e.kind
              << "]" << (e.text.empty() ? "" : " containing '" + e.text + "'") << ", but none was reported\n";
  }
  if (!unexpected.empty()) {
    failures += static_cast<int>(unexpected.size());
    std::cerr << "unexpected diagnostics:\n" << seqc::renderText(sm, unexpected);
  }
  if (failures == 0) std::cout << "ok: " << path << " (" << expected.size() << " expectations)\n";
  return failures == 0 ? 0 : 1;
}

int coverage(const std::vector<std::string>& roots) {
  std::set<std::string> seen;
  std::vector<std::string> errors;
  for (const std::string& root : roots)
    for (const auto& entry : fs::recursive_directory_iterator(root))
      if (entry.path().extension() == ".seq" || entry.path().extension() == ".sh")
        for (const Expectation& e : parseExpectations(entry.path().string(), readFile(entry.path()), errors))
          seen.insert(e.kind);
  int missing = 0;
  for (seqc::DiagKind k : seqc::allDiagKinds())
    if (!seen.count(std::string(seqc::kindName(k)))) {
      std::cerr << "diagnostic kind [" << seqc::kindName(k) << "] is exercised by no test\n";
      ++missing;
    }
  for (const std::string& s : seen) {
    bool known = false;
    for (seqc::DiagKind k : seqc::allDiagKinds()) known |= seqc::kindName(k) == s;
    if (!known) {
      std::cerr << "tests expect [" << s << "], which is not a diagnostic kind\n";
      ++missing;
    }
  }
  if (missing == 0) std::cout << "all " << seqc::allDiagKinds().size() << " diagnostic kinds are tested\n";
  return missing == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "--coverage") return coverage({args.begin() + 1, args.end()});
  if (args.size() == 3 && args[0] == "--stdlib") return runOne(args[1], args[2]);
  std::cerr << "usage: check_runner --stdlib DIR FILE.seq | check_runner --coverage DIR...\n";
  return 2;
}
