// Protocol-independent queries over one document's compilation, for the language
// server: diagnostics of the document, hover, completion, definitions, references,
// rename targets and document symbols. Positions are byte offsets into the document
// (lsp/text.h converts them); locations in other files carry their path and text.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/compilation.h"

namespace seqc::lsp {

// A range in some file: the document itself, an import, or the standard library.
struct Location {
  std::string path;       // as the compilation read it (made absolute for URIs)
  std::string_view text;  // the file's text, to convert offsets (empty if not loaded)
  uint32_t begin = 0, end = 0;
};

struct RelatedInfo {
  Location location;
  std::string message;
};

struct DocDiagnostic {
  uint32_t begin = 0, end = 0;  // in the document
  Severity severity = Severity::Error;
  std::string code;  // the compiler's kind ("UnknownField")
  std::string message;
  std::vector<RelatedInfo> related;
  bool unnecessary = false;  // an unused variable
};

struct Hover {
  std::string markdown;
  uint32_t begin = 0, end = 0;
};

enum class CompletionKind : uint8_t {
  Keyword, Snippet, Field, Event, Option, Label, Variable, Sequence, Entity, Function, Calendar, Zone,
};

struct CompletionItem {
  std::string label;
  CompletionKind kind = CompletionKind::Keyword;
  std::string detail;
  std::string documentation;  // markdown, may be empty
  std::string insertText;     // replaces [replaceBegin, replaceEnd)
  bool snippet = false;       // insertText is a snippet ($1, ${2:x}, $0)
  uint32_t replaceBegin = 0, replaceEnd = 0;
};

enum class SymbolKind : uint8_t { Sequence, Step, Entity, Field, Import, Calendar, Segment, Experiment, Variant };

struct DocSymbol {
  std::string name, detail;
  SymbolKind kind = SymbolKind::Sequence;
  uint32_t begin = 0, end = 0;          // the whole construct
  uint32_t nameBegin = 0, nameEnd = 0;  // its name
  std::vector<DocSymbol> children;
};

// A renamable name (a label or a variable) and every occurrence of it in the document.
struct RenameTarget {
  std::string name;
  uint32_t begin = 0, end = 0;  // the occurrence at the queried offset
  std::vector<std::pair<uint32_t, uint32_t>> occurrences;  // declaration first
  std::vector<std::string> taken;  // the sequence's labels, variables and entity
};

struct Occurrence;

class Analysis {
 public:
  // Compiles `text` as the file `path` (its imports are read from disk) and indexes
  // the document. Recurses as deep as the input nests: run it via runWithLargeStack().
  static std::shared_ptr<const Analysis> build(const std::string& stdlibDir, const std::string& path,
                                               std::string text);
  ~Analysis();

  std::string_view text() const;
  bool hasSyntaxErrors() const { return syntaxErrors_; }
  const Compilation& compilation() const { return *compilation_; }

  // The compilation's diagnostics that belong to the document: its own, and for each
  // import whose files have errors, one at the import with the errors as related notes.
  std::vector<DocDiagnostic> diagnostics() const;
  std::optional<Hover> hover(uint32_t offset) const;
  std::vector<Location> definition(uint32_t offset) const;
  // Occurrences of the label or variable at `offset` (declaration first), if any.
  std::optional<RenameTarget> renameTarget(uint32_t offset) const;
  std::vector<DocSymbol> symbols() const;
  // Completion at `offset`. Works from the tokens around the cursor, so half-typed
  // text completes; `lastClean` (the last analysis of this document without syntax
  // errors) fills in what the current text no longer says.
  std::vector<CompletionItem> complete(uint32_t offset, const Analysis* lastClean) const;

 private:
  Analysis() = default;
  void index();
  const Occurrence* at(uint32_t offset) const;
  std::optional<Location> locate(SourceRange r) const;

  std::unique_ptr<Compilation> compilation_;
  FileId main_ = kNoFile;
  bool syntaxErrors_ = false;
  std::vector<Occurrence> occurrences_;  // sorted by begin
};

// Whether `name` may be a label or variable: an identifier that is not a keyword.
bool isValidName(std::string_view name);

}  // namespace seqc::lsp
