// The lexer as tools see it (compiler/parser.h: lexSource, decodeStringLiteral,
// isKeyword): the language server's completion reads half-typed text through it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "compiler/parser.h"

using seqc::LexToken;
using seqc::TokenKind;

namespace {

std::vector<std::pair<TokenKind, std::string>> lex(std::string_view text) {
  std::vector<std::pair<TokenKind, std::string>> out;
  for (const LexToken& t : seqc::lexSource(text)) out.emplace_back(t.kind, std::string(text.substr(t.begin, t.end - t.begin)));
  return out;
}

}  // namespace

TEST_CASE("lexer: lexSource: every kind of token, with byte offsets", "[lexer]") {
  auto t = lex("sequence \"Café\" on lead { // hi\n  a: wait 1d12h\n  if lead.x >= 2.5 /* c */ { set lead.y = \"open");
  std::vector<std::pair<TokenKind, std::string>> want = {
      {TokenKind::Keyword, "sequence"}, {TokenKind::String, "\"Café\""}, {TokenKind::Keyword, "on"},
      {TokenKind::Name, "lead"},        {TokenKind::Punct, "{"},         {TokenKind::Comment, "// hi"},
      {TokenKind::Name, "a"},           {TokenKind::Punct, ":"},         {TokenKind::Keyword, "wait"},
      {TokenKind::Number, "1d12h"},     {TokenKind::Keyword, "if"},      {TokenKind::Name, "lead"},
      {TokenKind::Punct, "."},          {TokenKind::Name, "x"},          {TokenKind::Punct, ">="},
      {TokenKind::Number, "2.5"},       {TokenKind::Comment, "/* c */"}, {TokenKind::Punct, "{"},
      {TokenKind::Keyword, "set"},      {TokenKind::Name, "lead"},       {TokenKind::Punct, "."},
      {TokenKind::Name, "y"},           {TokenKind::Punct, "="},         {TokenKind::OpenString, "\"open"},
  };
  CHECK(t == want);
}

TEST_CASE("lexer: lexSource: invalid UTF-8 and stray characters are Bad tokens, offsets kept", "[lexer]") {
  std::string text = "if \xff\xfe x # \"a\xc3\"";
  auto toks = seqc::lexSource(text);
  REQUIRE(toks.size() == 6);
  CHECK(toks[0].kind == TokenKind::Keyword);
  CHECK(toks[1].kind == TokenKind::Bad);
  CHECK(toks[1].begin == 3);
  CHECK(toks[2].kind == TokenKind::Bad);
  CHECK(toks[3].kind == TokenKind::Name);
  CHECK(toks[3].begin == 6);
  CHECK(toks[4].kind == TokenKind::Bad);  // '#'
  CHECK(toks[5].kind == TokenKind::String);
  CHECK(toks[5].end == text.size());
  CHECK(seqc::lexSource("").empty());
}

TEST_CASE("lexer: lexSource: a byte order mark shifts no offset", "[lexer]") {
  // The ANTLR runtime drops a leading BOM itself; offsets must stay those of the text.
  auto toks = seqc::lexSource("\xEF\xBB\xBFif x");
  REQUIRE(toks.size() == 2);
  CHECK(toks[0].begin == 3);
  CHECK(toks[0].end == 5);
  CHECK(toks[1].begin == 6);
}

TEST_CASE("lexer: decodeStringLiteral: escapes, invalid \\u, open literals", "[lexer]") {
  std::string out;
  CHECK(seqc::decodeStringLiteral(R"("a\n\t\"\\b")", out));
  CHECK(out == "a\n\t\"\\b");
  CHECK(seqc::decodeStringLiteral(R"("\u{1F600}!")", out));
  CHECK(out == "\xF0\x9F\x98\x80!");
  CHECK_FALSE(seqc::decodeStringLiteral(R"("\u{D800}")", out));
  CHECK(out == "\xEF\xBF\xBD");
  CHECK(seqc::decodeStringLiteral("\"Conta", out));
  CHECK(out == "Conta");
  CHECK(seqc::decodeStringLiteral("\"", out));
  CHECK(out.empty());
}

TEST_CASE("lexer: isKeyword: the grammar's reserved words only", "[lexer]") {
  for (const char* k : {"sequence", "if", "email", "linkedin", "readonly", "import", "within", "null"})
    CHECK(seqc::isKeyword(k));
  for (const char* w : {"lead", "sequences", "Email", "", "auto email", "statuscode", "_if", "1d"})
    CHECK_FALSE(seqc::isKeyword(w));
}
