// A compilation: a main file, everything it imports, and the standard library, parsed
// and checked. The front end's one entry point for the CLI, tests, fuzzers and tools.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <llvm/ADT/StringMap.h>

#include "compiler/ast.h"
#include "compiler/checker.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace seqc {

inline constexpr size_t kMaxFileBytes = 16u << 20;

struct CompileOptions {
  std::string stdlibDir;  // directory of the standard library's .seq files
};

class Compilation {
 public:
  explicit Compilation(CompileOptions options);

  // Reads, parses and checks `path` and its imports.
  void checkFile(const std::string& path);
  // The same for a main file whose text is given (imports are still read from disk).
  void checkSource(const std::string& path, std::string text);

  const SourceManager& sources() const { return sources_; }
  const DiagnosticEngine& diagnostics() const { return diags_; }
  const Program* program() const { return program_.get(); }
  // Every parsed file: the standard library's first, then the main file and its imports.
  const std::vector<std::unique_ptr<ast::File>>& files() const { return files_; }
  bool isStdlib(FileId id) const { return id < stdlibFiles_; }

 private:
  enum class LoadState { Loading, Done };
  void loadStdlib();
  std::optional<FileId> read(const std::string& path, SourceRange from);
  void load(FileId id, unsigned depth);
  void finish();

  CompileOptions options_;
  SourceManager sources_;
  DiagnosticEngine diags_;
  std::vector<std::unique_ptr<ast::File>> files_;
  llvm::StringMap<FileId> byPath_;  // canonical path -> file
  std::vector<LoadState> state_;    // per FileId
  size_t stdlibFiles_ = 0;
  std::unique_ptr<Program> program_;
};

// The standard library next to the running executable: <exe dir>/../share/seqc/stdlib,
// or $SEQC_STDLIB when set.
std::string defaultStdlibDir(const char* argv0);

// Runs `fn` on a thread with a large stack: the recursive-descent parser and the
// checker recurse as deep as the (bounded) nesting of the input.
void runWithLargeStack(const std::function<void()>& fn);

}  // namespace seqc
