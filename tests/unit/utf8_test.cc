// UTF-8 counting and validation (seqc/support/utf8.h): the one definition every part uses.
#include <catch2/catch.hpp>

#include <string>

#include "seqc/support/utf8.h"

using namespace seqc;

TEST_CASE("ASCII is valid, one code point per byte", "[utf8]") {
  CHECK(utf8::isValid(""));
  CHECK(utf8::isValid("lead.email"));
  CHECK(utf8::validLength("lead.email") == 10u);
  CHECK(utf8::countCodePoints("abc") == 3u);
  CHECK(utf8::sequenceLength("a") == 1u);
  CHECK(utf8::sequenceLength("") == 0u);
  CHECK(utf8::validPrefix("abc") == 3u);
  // NUL and DEL are ASCII, so valid.
  CHECK(utf8::validLength(std::string_view("a\0\x7F", 3)) == 3u);
}

TEST_CASE("multi-byte sequences count as one code point", "[utf8]") {
  CHECK(utf8::sequenceLength("\xC3\xA9") == 2u);              // é
  CHECK(utf8::sequenceLength("\xE2\x82\xAC") == 3u);          // €
  CHECK(utf8::sequenceLength("\xF0\x9F\x98\x80") == 4u);      // 😀
  CHECK(utf8::sequenceLength("\xF4\x8F\xBF\xBF") == 4u);      // U+10FFFF, the last
  CHECK(utf8::sequenceLength("\xEF\xBF\xBF") == 3u);          // U+FFFF
  CHECK(utf8::validLength("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == 4u);
  CHECK(utf8::countCodePoints("\xC3\xA9\xF0\x9F\x98\x80") == 2u);
  CHECK(utf8::isContinuation(0x80));
  CHECK(utf8::isContinuation(0xBF));
  CHECK(!utf8::isContinuation(0xC3));
  CHECK(!utf8::isContinuation('a'));
}

TEST_CASE("overlong encodings are invalid", "[utf8]") {
  CHECK(utf8::sequenceLength("\xC0\x80") == 0u);          // U+0000 in two bytes
  CHECK(utf8::sequenceLength("\xC1\xBF") == 0u);          // U+007F in two bytes
  CHECK(utf8::sequenceLength("\xE0\x9F\xBF") == 0u);      // U+07FF in three bytes
  CHECK(utf8::sequenceLength("\xF0\x8F\xBF\xBF") == 0u);  // U+FFFF in four bytes
  CHECK(utf8::sequenceLength("\xE0\xA0\x80") == 3u);      // U+0800: the shortest three-byte
  CHECK(!utf8::isValid("ab\xC0\xAF"));
  CHECK(utf8::validPrefix("ab\xC0\xAF") == 2u);
  CHECK(!utf8::validLength("\xE0\x80\x80"));
}

TEST_CASE("surrogates and code points past U+10FFFF are invalid", "[utf8]") {
  CHECK(utf8::sequenceLength("\xED\xA0\x80") == 0u);      // U+D800
  CHECK(utf8::sequenceLength("\xED\xBF\xBF") == 0u);      // U+DFFF
  CHECK(utf8::sequenceLength("\xED\x9F\xBF") == 3u);      // U+D7FF, just below
  CHECK(utf8::sequenceLength("\xF4\x90\x80\x80") == 0u);  // U+110000
  CHECK(utf8::sequenceLength("\xF5\x80\x80\x80") == 0u);
  CHECK(utf8::sequenceLength("\xFF") == 0u);
  CHECK(utf8::validPrefix("x\xED\xA0\x80y") == 1u);
}

TEST_CASE("truncated sequences and stray continuation bytes are invalid", "[utf8]") {
  CHECK(utf8::sequenceLength("\xC3") == 0u);
  CHECK(utf8::sequenceLength("\xE2\x82") == 0u);
  CHECK(utf8::sequenceLength("\xF0\x9F\x98") == 0u);
  CHECK(utf8::sequenceLength("\xE2\x82x") == 0u);  // cut short by an ASCII byte
  CHECK(utf8::sequenceLength("\x80") == 0u);
  CHECK(!utf8::isValid("abc\xE2\x82"));
  CHECK(utf8::validPrefix("abc\xE2\x82") == 3u);
  CHECK(utf8::validPrefix("\xC3\xA9\xBF") == 2u);
  CHECK(!utf8::validLength("\xC3\xA9\xBF"));
  // Runs of eight ASCII bytes and more are counted a word at a time: around them,
  // between them and after them the characters count and bad bytes are found alike.
  CHECK(utf8::validLength("abcdefgh") == 8u);
  CHECK(utf8::validLength("abcdefghijklmnopq") == 17u);
  CHECK(utf8::validLength("\xC3\xA9" "abcdefghij" "\xE2\x82\xAC" "abcdefgh" "\xF0\x9F\x98\x80" "x") == 22u);
  CHECK(!utf8::validLength("abcdefghijklmnop\xBF"));
  CHECK(!utf8::validLength("abcdefgh\xC3"));
  CHECK(!utf8::validLength("abcdefg\xFFhijklmnop"));
  // Counting does not validate: each byte that is not a continuation counts.
  CHECK(utf8::countCodePoints("\xC3\xA9\xBF") == 1u);
  CHECK(utf8::countCodePoints("\xC3x") == 2u);
}

TEST_CASE("isAscii: any byte from 0x80 up, in a whole word or the tail, is not ASCII", "[utf8]") {
  CHECK(utf8::isAscii(""));
  CHECK(utf8::isAscii("abcdefghijklmnopq"));
  CHECK_FALSE(utf8::isAscii("abcdefg\x80ijklmnopq"));  // in the first word
  CHECK_FALSE(utf8::isAscii("abcdefghijklmnop\xC3"));  // in the tail
  CHECK_FALSE(utf8::isAscii("\xC3\xA9"));
}
