// The language server's text model: UTF-16 and UTF-8 positions over non-ASCII text,
// clamping, range edits, URIs.
#include <catch2/catch.hpp>

#include <string>

#include "lsp/text.h"

using namespace seqc::lsp;

TEST_CASE("lsp: UTF-16 positions count surrogate pairs as two units", "[lsp][text]") {
  // "é" is 2 bytes / 1 unit, "€" 3 bytes / 1 unit, "😀" 4 bytes / 2 units.
  std::string text = "ab\n\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80x\r\nlast";
  LineIndex idx(text);
  REQUIRE(idx.lineCount() == 3);
  uint32_t line1 = 3;
  CHECK(idx.offsetAt({1, 0}, PositionEncoding::Utf16) == line1);
  CHECK(idx.offsetAt({1, 1}, PositionEncoding::Utf16) == line1 + 2);   // after é
  CHECK(idx.offsetAt({1, 2}, PositionEncoding::Utf16) == line1 + 5);   // after €
  CHECK(idx.offsetAt({1, 3}, PositionEncoding::Utf16) == line1 + 5);   // inside the pair: its start
  CHECK(idx.offsetAt({1, 4}, PositionEncoding::Utf16) == line1 + 9);   // after 😀
  CHECK(idx.offsetAt({1, 5}, PositionEncoding::Utf16) == line1 + 10);  // after x (before \r)
  CHECK(idx.offsetAt({1, 99}, PositionEncoding::Utf16) == line1 + 10); // clamped to the line's end
  CHECK(idx.offsetAt({9, 0}, PositionEncoding::Utf16) == text.size());
  CHECK(idx.positionAt(line1 + 9, PositionEncoding::Utf16) == Position{1, 4});
  CHECK(idx.positionAt(line1 + 10, PositionEncoding::Utf16) == Position{1, 5});
  CHECK(idx.positionAt(line1 + 6, PositionEncoding::Utf16) == Position{1, 2});  // inside 😀: its start
  CHECK(idx.positionAt(static_cast<uint32_t>(text.size()), PositionEncoding::Utf16) == Position{2, 4});
  // UTF-8: characters are bytes.
  CHECK(idx.offsetAt({1, 5}, PositionEncoding::Utf8) == line1 + 5);
  CHECK(idx.positionAt(line1 + 9, PositionEncoding::Utf8) == Position{1, 9});
  // Round trip at every code point boundary.
  for (uint32_t off : {0u, 1u, 2u, 3u, 5u, 8u, 12u, 13u, 15u, 18u})
    for (auto enc : {PositionEncoding::Utf16, PositionEncoding::Utf8})
      CHECK(idx.offsetAt(idx.positionAt(off, enc), enc) == off);
}

TEST_CASE("lsp: range edits replace, insert and delete; offsets clamp", "[lsp][text]") {
  std::string t = "hello world";
  applyEdit(t, 6, 11, "there");
  CHECK(t == "hello there");
  applyEdit(t, 5, 5, ",");
  CHECK(t == "hello, there");
  applyEdit(t, 0, 7, "");
  CHECK(t == "there");
  applyEdit(t, 100, 200, "!");
  CHECK(t == "there!");
}

TEST_CASE("lsp: file URIs decode and encode percent escapes", "[lsp][text]") {
  CHECK(uriToPath("file:///tmp/a%20b/c.seq") == "/tmp/a b/c.seq");
  CHECK(uriToPath("file://localhost/tmp/x.seq") == "/tmp/x.seq");
  CHECK(uriToPath("file:///tmp/%C3%A9.seq") == "/tmp/\xC3\xA9.seq");
  CHECK(uriToPath("untitled:Untitled-1") == "untitled:Untitled-1");
  CHECK(pathToUri("/tmp/a b/\xC3\xA9.seq") == "file:///tmp/a%20b/%C3%A9.seq");
  CHECK(uriToPath(pathToUri("/tmp/x y#z.seq")) == "/tmp/x y#z.seq");
}
