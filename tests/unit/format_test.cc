// The formatter's API (compiler/format.h) as the CLI and the language server use it:
// results, refusals with diagnostics, diagnostic ranges, and no exceptions.
#include <catch2/catch.hpp>

#include "compiler/format.h"
#include "compiler/parser.h"

using namespace seqc;

TEST_CASE("formatSource: the canonical text of a file that parses", "[format]") {
  DiagnosticEngine diags;
  auto out = formatSource("a.seq", "sequence   \"s\" on lead{\r\n  e:email \"Hi\"  // hi\r\n}", diags);
  REQUIRE(out);
  CHECK(*out == "sequence \"s\" on lead {\n  e: email \"Hi\" // hi\n}\n");
  CHECK(diags.diagnostics().empty());
  DiagnosticEngine again;
  CHECK(formatSource("a.seq", *out, again) == out);
}

TEST_CASE("formatSource: a byte order mark is kept, the rest formatted as without it", "[format]") {
  DiagnosticEngine diags;
  auto out = formatSource("a.seq", "\xEF\xBB\xBFsequence   \"s\" on lead{ // hi\n  task \"x\" }", diags);
  REQUIRE(out);
  CHECK(*out == "\xEF\xBB\xBFsequence \"s\" on lead { // hi\n  task \"x\"\n}\n");
  DiagnosticEngine again;
  CHECK(formatSource("a.seq", *out, again) == out);
}

TEST_CASE("formatSource: syntax errors give nullopt and diagnostics at offsets of the text",
          "[format]") {
  std::string text = "sequence \"s\" on lead {\n  wait\n}\n";
  DiagnosticEngine diags;
  CHECK_FALSE(formatSource("b.seq", text, diags));
  REQUIRE(diags.diagnostics().size() == 1);
  const Diagnostic& d = diags.diagnostics()[0];
  CHECK(d.kind == DiagKind::SyntaxError);
  CHECK(d.range.file == 0);
  CHECK(d.range.begin == text.find('}'));

  // With a SourceManager, the diagnostics render like `seqc check`'s.
  SourceManager sm;
  DiagnosticEngine rendered;
  CHECK_FALSE(formatSource(sm, "b.seq", text, rendered));
  CHECK(renderText(sm, rendered.sorted(sm)).starts_with("b.seq:3:1: error: "));
}

TEST_CASE("formatSource: semantic errors are formatted, hostile bytes are refused", "[format]") {
  DiagnosticEngine diags;
  auto out = formatSource("c.seq", "sequence \"s\" on nosuchentity { set x.y=1 }", diags);
  REQUIRE(out);
  CHECK(*out == "sequence \"s\" on nosuchentity {\n  set x.y = 1\n}\n");

  for (std::string bad : {std::string("\xff\xfe"), std::string("/* open"), std::string(1, '\0'),
                          std::string(300, '('), std::string("sequence \"s\" on lead { let x = 99999999999999999999 }")}) {
    DiagnosticEngine d;
    CHECK_FALSE(formatSource("d.seq", bad, d));
    CHECK(d.hasErrors());
  }
  DiagnosticEngine empty;
  CHECK(formatSource("e.seq", "", empty) == std::string());
  CHECK(formatSource("e.seq", "  \n\n", empty) == std::string());
}

TEST_CASE("formatExpr: one line, canonical spacing, parentheses as written", "[format]") {
  std::string text = "sequence \"s\" on lead { exit when ( lead.a>1 )and not lead.b in [1,2] /* c */ }";
  SourceManager sm;
  DiagnosticEngine diags;
  FileId id = sm.add("f.seq", text);
  auto file = parseFile(sm, id, diags);
  REQUIRE_FALSE(diags.hasErrors());
  const ast::Setting& exit = file->sequences.at(0)->settings.at(0);
  REQUIRE(exit.condition);
  CHECK(formatExpr(text, *exit.condition->expr) == "(lead.a > 1) and not lead.b in [1, 2]");
  CHECK(file->comments.size() == 1);
}
