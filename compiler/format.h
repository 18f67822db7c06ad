// The canonical formatter behind `seqc fmt` (docs/cli.md, "seqc fmt"): source text in,
// the one layout out. It reprints the AST of a file that parsed without errors, with
// the comments parser.cc collected (ast::File::comments) put back in place. The token
// sequence is unchanged (only whitespace, comment placement, a `choice`'s trailing comma
// and the blanks inside a duration change), so the formatted file means the same.
//
// formatSource() takes exactly the signature the language server uses; its diagnostics
// refer to a private SourceManager in which the file is FileId 0, so their ranges are
// byte offsets into `text`. Use the SourceManager overload to render them (renderText).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace seqc {

// Formats `text` (the contents of `path`); nullopt when it has syntax errors, which are
// reported to `diags`. Never throws; runs the parser on its own large stack, so any
// nesting the parser accepts is fine.
std::optional<std::string> formatSource(const std::string& path, std::string_view text,
                                        DiagnosticEngine& diags);

// The same, adding the file to `sources` so that the diagnostics render with renderText.
std::optional<std::string> formatSource(SourceManager& sources, const std::string& path,
                                        std::string_view text, DiagnosticEngine& diags);

// Formats `file`, parsed from `source` without any error diagnostic. Recurses as deep
// as the nesting of the file: call it on a large stack (runWithLargeStack). Throws
// std::runtime_error on a tree a clean parse cannot produce (an erroneous expression).
std::string formatFile(const SourceFile& source, const ast::File& file);

// `e` on one line in the canonical layout, without comments: what `seqc fmt` prints for
// it. `text` is the text of the file it was parsed from (literals print as written).
std::string formatExpr(std::string_view text, const ast::Expr& e);

}  // namespace seqc
