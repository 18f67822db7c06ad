// Source model: line tables and code-point columns.
#include <catch2/catch.hpp>

#include "compiler/source.h"

using seqc::SourceFile;

TEST_CASE("line and column of offsets", "[source]") {
  SourceFile f("a.seq", "ab\ncd\n\nx");
  CHECK(f.lineCol(0).line == 1);
  CHECK(f.lineCol(1).column == 2);
  CHECK(f.lineCol(3).line == 2);
  CHECK(f.lineCol(3).column == 1);
  CHECK(f.lineCol(6).line == 3);
  CHECK(f.lineCol(7).line == 4);
  CHECK(f.lineCount() == 4);
  CHECK(f.lineText(2) == "cd");
  CHECK(f.lineText(3).empty());
  CHECK(f.lineText(99).empty());
}

TEST_CASE("columns count code points, not bytes", "[source]") {
  SourceFile f("a.seq", "\"é😀\" x");
  // 'x' is at byte 9 (1 + 2 + 4 + 1 + 1) and is the 6th code point.
  CHECK(f.lineCol(9).column == 6);
}

TEST_CASE("CRLF line ends are not part of the line text", "[source]") {
  SourceFile f("a.seq", "one\r\ntwo");
  CHECK(f.lineText(1) == "one");
  CHECK(f.lineCol(5).line == 2);
}

TEST_CASE("a byte order mark is in no line: columns and line text start after it", "[source]") {
  SourceFile f("a.seq", "\xEF\xBB\xBFsequence x\nend");
  CHECK(f.lineText(1) == "sequence x");
  CHECK(f.lineCol(3).column == 1);  // `sequence`
  CHECK(f.lineCol(12).column == 10);
  CHECK(f.lineCol(0).column == 1);  // inside the mark: the start of line 1
  CHECK(f.lineCol(14).line == 2);
  CHECK(SourceFile("b.seq", "\xEF\xBB\xBF").lineText(1).empty());
}
