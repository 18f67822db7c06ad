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
