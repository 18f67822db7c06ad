// Parsing: source text to AST. The only entry point to the ANTLR-generated parser.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace seqc {

// Limits that protect the parser from hostile input (docs/language.md, "Limits").
inline constexpr unsigned kMaxNesting = 256;     // brackets, blocks, prefix `not`/`-`
inline constexpr unsigned kMaxExprDepth = 1000;  // depth of one expression's tree

// Parses file `id`. Never throws: syntax errors (including invalid UTF-8) are reported
// as diagnostics and the declarations they touch are marked `hasSyntaxError`.
// Deeply nested input needs a large stack; callers run this via runWithLargeStack().
std::unique_ptr<ast::File> parseFile(const SourceManager& sm, FileId id, DiagnosticEngine& diags);

// Parses file `id` as one condition (an expression with an optional `within`), the
// text of `seqc connect --where`. Nullopt after reporting a syntax error.
std::optional<ast::Condition> parseCondition(const SourceManager& sm, FileId id, DiagnosticEngine& diags);

// The tokens of `text` as the lexer sees them, for tools that read half-typed text the
// parser rejects (the language server's completion). Byte offsets, half-open. Never
// throws: invalid UTF-8 bytes lex as Bad tokens, anything unknown as Bad or Punct.
enum class TokenKind : uint8_t {
  Name,        // an identifier
  Keyword,     // a reserved word (`sequence`, `if`, `email`, …)
  String,      // a complete string literal (also one with an invalid escape)
  OpenString,  // a string without its closing quote (it ends at the line break)
  Number,      // integer, decimal or duration (`2d`)
  Punct,       // operators and brackets
  Comment,
  Bad,
};
struct LexToken {
  TokenKind kind;
  uint32_t begin, end;
  std::string_view name;  // the grammar's token name: IDENT, DURATION, IF, LBRACE, …
};
std::vector<LexToken> lexSource(std::string_view text);

// The value of a string literal as written (`raw` with its quotes): escapes decoded, an
// invalid `\u{…}` as U+FFFD (then false). A literal without its closing quote (an
// OpenString token) decodes to its end.
bool decodeStringLiteral(std::string_view raw, std::string& out);

// Whether `word` is a reserved word of the language (the grammar's keyword tokens).
bool isKeyword(std::string_view word);

}  // namespace seqc
