// Parsing: source text to AST. The only entry point to the ANTLR-generated parser.
#pragma once

#include <memory>

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

}  // namespace seqc
