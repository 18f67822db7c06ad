// A compilation: a main file, everything it imports, and the standard library, parsed
// and checked. The front end's one entry point for the CLI, tests, fuzzers and tools.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
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
inline constexpr unsigned kMaxImportDepth = 256;

// The standard library, parsed once per process and shared by every compilation: its
// files are always FileIds 0…n-1. The checker only reads its entity declarations.
struct Stdlib {
  std::vector<std::shared_ptr<const SourceFile>> sources;
  std::vector<std::unique_ptr<ast::File>> files;
  std::vector<Diagnostic> diagnostics;  // problems loading it (missing, malformed)

  // The library in `dir`, loaded on first use.
  static std::shared_ptr<const Stdlib> get(const std::string& dir);
};

struct CompileOptions {
  std::string stdlibDir;  // directory of the standard library's .seq files
  // When set, the user's files are these (path as the compilation names it → text) and
  // nothing else is read from disk: recompiling stored sources (`seqc import`).
  std::shared_ptr<const std::map<std::string, std::string>> files = nullptr;
};

class Compilation {
 public:
  explicit Compilation(CompileOptions options);

  // Reads, parses and checks `path` and its imports.
  void checkFile(const std::string& path);
  // The same for a main file whose text is given (imports are still read from disk).
  void checkSource(const std::string& path, std::string text);
  // Checks `text` as the `exit when` condition of a sequence called `name` on `entity`,
  // with one task: what lowers to a module whose exit block is the condition. `name`
  // is the file name in diagnostics (`--where`), and it is never read from disk.
  // `declarations`, when given, is checked with it: `.seq` declarations the condition
  // may use (the `extend entity` fields a workspace knows).
  // `readsMember`: it may also read systemuser.FIELD (an `assign to team … where`).
  void checkCondition(const std::string& name, std::string text, const std::string& entity,
                      std::string declarations = {}, bool readsMember = false);

  const SourceManager& sources() const { return sources_; }
  const DiagnosticEngine& diagnostics() const { return diags_; }
  const Program* program() const { return program_.get(); }
  // Every parsed file by FileId: the standard library's first, then the main file and
  // its imports in load order.
  const std::vector<ast::File*>& files() const { return files_; }
  bool isStdlib(FileId id) const { return id < stdlib_->files.size(); }

 private:
  enum class LoadState { Loading, Done };
  std::optional<FileId> read(const std::string& path, SourceRange from);
  FileId add(const std::string& canonical, std::string path, std::string text);
  void load(FileId id, unsigned depth);
  void finish();

  std::string canonical(const std::string& path) const;
  bool available(const std::filesystem::path& path) const;

  std::string stdlibDir_;  // where an import not found beside its file is looked for
  std::shared_ptr<const Stdlib> stdlib_;
  std::shared_ptr<const std::map<std::string, std::string>> memory_;  // by canonical()
  SourceManager sources_;
  DiagnosticEngine diags_;
  std::vector<ast::File*> files_;                 // by FileId
  std::vector<std::unique_ptr<ast::File>> owned_;  // the non-stdlib ones
  llvm::StringMap<FileId> byPath_;                 // canonical path -> file
  std::vector<LoadState> state_;                   // by FileId
  std::unique_ptr<Program> program_;
};

// Reads the source file `path` into `text`, sized to the file. Empty when it did; else
// why not: "no such file", "not a regular file", "a loop of symbolic links" (then
// `*missing` is set: nothing there to read), "larger than the 16 MiB limit" or an I/O error.
std::string readSourceFile(const std::string& path, std::string& text, bool* missing = nullptr);

// The standard library next to the running executable: <exe dir>/../share/seqc/stdlib,
// or $SEQC_STDLIB when set.
std::string defaultStdlibDir(const char* argv0);

// Runs `fn` on a thread with a large stack: the recursive-descent parser and the
// checker recurse as deep as the (bounded) nesting of the input.
void runWithLargeStack(const std::function<void()>& fn);

}  // namespace seqc
