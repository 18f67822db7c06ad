// Diagnostics: the kind list and rendering (text with carets, JSON).
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "compiler/diagnostics.h"

using namespace seqc;

TEST_CASE("every kind has a unique name and a summary", "[diagnostics]") {
  std::set<std::string_view> names;
  for (DiagKind k : allDiagKinds()) {
    CHECK(names.insert(kindName(k)).second);
    CHECK(!kindSummary(k).empty());
  }
  CHECK(names.count("SyntaxError"));
  CHECK(defaultSeverity(DiagKind::UnusedVariable) == Severity::Warning);
  CHECK(defaultSeverity(DiagKind::WaitLast) == Severity::Error);
}

TEST_CASE("text rendering: location, kind, source line and caret range", "[diagnostics]") {
  SourceManager sm;
  FileId id = sm.add("dir/x.seq", "sequence \"s\" on lead {\n\twait 2d\n}\n");
  DiagnosticEngine diags;
  diags.report(DiagKind::WaitFirst, {id, 24, 31}, "starts with a wait");
  auto out = renderText(sm, diags.diagnostics());
  CHECK(out == "dir/x.seq:2:2: error: starts with a wait [WaitFirst]\n"
               "    \twait 2d\n"
               "    \t^~~~~~~\n");
  CHECK(diags.errorCount() == 1);
}

TEST_CASE("text rendering escapes a NUL, control and stray bytes, and carets follow the escapes",
          "[diagnostics]") {
  SourceManager sm;
  FileId id = sm.add("caf\xE9.seq", std::string("a\0b \x1B\xFF c\nnext\n", 14));
  DiagnosticEngine diags;
  diags.report(DiagKind::SyntaxError, {id, 7, 8}, "unexpected 'c'");
  diags.report(DiagKind::SyntaxError, {id, 1, 2}, std::string("unexpected '\0'", 14));
  auto out = renderText(sm, diags.diagnostics());
  CHECK(out == "caf\\xE9.seq:1:8: error: unexpected 'c' [SyntaxError]\n"
               "    a\\u{0}b \\u{1b}\\xFF c\n"
               "                       ^\n"
               "caf\\xE9.seq:1:2: error: unexpected '\\u{0}' [SyntaxError]\n"
               "    a\\u{0}b \\u{1b}\\xFF c\n"
               "     ^~~~~\n");
}

TEST_CASE("a note at the diagnostic's place is printed without a second snippet", "[diagnostics]") {
  SourceManager sm;
  FileId id = sm.add("x.seq", "lead.budgetamout\n");
  DiagnosticEngine diags;
  diags.report(DiagKind::UnknownField, {id, 5, 16}, "no field").note({id, 5, 16}, "did you mean 'budgetamount'?");
  auto out = renderText(sm, diags.diagnostics());
  CHECK(out == "x.seq:1:6: error: no field [UnknownField]\n"
               "    lead.budgetamout\n"
               "         ^~~~~~~~~~~\n"
               "x.seq:1:6: note: did you mean 'budgetamount'?\n");
}

TEST_CASE("JSON rendering has exactly the contract's keys, notes as entries", "[diagnostics]") {
  SourceManager sm;
  FileId id = sm.add("x.seq", "abc\n");
  DiagnosticEngine diags;
  diags.report(DiagKind::UnknownField, {id, 1, 2}, "say \"hi\"").note({id, 0, 1}, "here");
  auto out = renderJson(sm, diags.diagnostics());
  CHECK(out.find(R"("file": "x.seq")") != std::string::npos);
  CHECK(out.find(R"("line": 1)") != std::string::npos);
  CHECK(out.find(R"("column": 2)") != std::string::npos);
  CHECK(out.find(R"("severity": "note")") != std::string::npos);
  CHECK(out.find(R"("message": "say \"hi\"")") != std::string::npos);
}

TEST_CASE("diagnostics sort by file, position, then kind", "[diagnostics]") {
  SourceManager sm;
  FileId b = sm.add("b.seq", "xxxxxxxx");
  FileId a = sm.add("a.seq", "xxxxxxxx");
  DiagnosticEngine diags;
  diags.report(DiagKind::WaitLast, {b, 0, 1}, "3");
  diags.report(DiagKind::WaitFirst, {a, 5, 6}, "2");
  diags.report(DiagKind::WaitFirst, {a, 1, 2}, "1");
  diags.report(DiagKind::FileError, {}, "4");
  auto sorted = diags.sorted(sm);
  REQUIRE(sorted.size() == 4);
  CHECK(sorted[0].message == "4");  // no location first
  CHECK(sorted[1].message == "1");
  CHECK(sorted[2].message == "2");
  CHECK(sorted[3].message == "3");
}
