// .seq string literals (seqc/support/quote.h): what the disassembler, the language
// server, the workspace and `seqc graph` show for a text.
#include <catch2/catch.hpp>

#include <string>

#include "seqc/support/quote.h"

using namespace seqc;

TEST_CASE("quoted escapes what a .seq string literal must", "[quote]") {
  CHECK(quoted("") == "\"\"");
  CHECK(quoted("Intro") == "\"Intro\"");
  CHECK(quoted("say \"hi\"") == "\"say \\\"hi\\\"\"");
  CHECK(quoted("a\\b") == "\"a\\\\b\"");
  CHECK(quoted("1\n2\t3") == "\"1\\n2\\t3\"");
  CHECK(quoted(std::string_view("\0\r\x7F", 3)) == "\"\\u{0}\\u{d}\\u{7f}\"");
  CHECK(quoted("caf\xC3\xA9") == "\"caf\xC3\xA9\"");  // UTF-8 as is
}

TEST_CASE("printable escapes what a terminal line must not hold", "[quote]") {
  CHECK(printable("task \"Intro\"\tcaf\xC3\xA9 \\ ok") == "task \"Intro\"\tcaf\xC3\xA9 \\ ok");
  CHECK(printable(std::string_view("a\0b", 3)) == "a\\u{0}b");  // a NUL would end a C string
  CHECK(printable("\r\n\x1B[31m\x7F") == "\\u{d}\\u{a}\\u{1b}[31m\\u{7f}");
  CHECK(printable("\xC2\x85|\xC2\xA0") == "\\u{85}|\xC2\xA0");  // C1 control; U+00A0 is text
  CHECK(printable("\xFF\xC3(\xED\xA0\x80") == "\\xFF\\xC3(\\xED\\xA0\\x80");  // not UTF-8, a surrogate
  CHECK(printable("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");
}
