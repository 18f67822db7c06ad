// The compiler's entries for its clients (the CLI, the workspace, tests, benchmarks):
// source → verified module, condition text → checked condition, and the standard
// schema. Each runs on a large stack inside (the parser and checker recurse as deep as
// the input's bounded nesting), and diagnostics come out in their deterministic order.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/compilation.h"
#include "compiler/diagnostics.h"
#include "seqc/format/bytecode.h"
#include "seqc/format/schema.h"

namespace seqc {

// What compiling produced: the compilation (sources, diagnostics, the checked program)
// and, when it succeeded, the lowered and verified module.
struct CompileResult {
  std::unique_ptr<Compilation> compilation;
  bc::Module module;   // valid when ok
  std::string error;   // why it failed when no diagnostic says (a limit of the format)
  bool ok = false;

  // The diagnostics, sorted by file, position and kind.
  std::vector<Diagnostic> diagnostics() const;
  std::string diagnosticsText() const;
  std::string diagnosticsJson() const;
  // The user's files (path, text): the main file and its imports, in load order.
  std::vector<std::pair<std::string, std::string>> sources() const;
};

enum class Stage { Check, Module };  // stop after checking, or lower and verify too

CompileResult compileFile(const std::string& path, const CompileOptions& options, Stage stage = Stage::Module);
CompileResult compileSource(const std::string& path, std::string text, const CompileOptions& options,
                            Stage stage = Stage::Module);

// `text` as a bool condition over a record of `entity` (`seqc connect --where`): the
// module's one sequence, called `name`, has the condition as its `exit when`, which
// rt::Interpreter::exitCondition evaluates. Diagnostics name the file `name`, with
// the condition's own lines and columns. `declarations` (`extend entity` blocks) are
// checked with it, so the condition can read the fields they add. `readsMember`: it is
// an `assign to team … where`, which also reads the candidate member (systemuser.FIELD).
CompileResult compileCondition(const std::string& name, std::string text, const std::string& entity,
                               const CompileOptions& options, std::string declarations = {},
                               bool readsMember = false);

// The standard library checked alone: the entity schemas records are typed by. Checked
// once per process and directory; null when the library does not load cleanly.
const Program* standardProgram(const std::string& stdlibDir);

// The fields of `entity` in a checked program, as records are typed by; nullopt when
// the program has no such entity. And the names of its entities.
std::optional<bc::RecordSchema> entitySchema(const Program& program, const std::string& entity);
std::vector<std::string> entityNames(const Program& program);

// LANGUAGE.md's rules for a sequence's name and description (tags: tagProblem, in
// checker.h), for values that come from elsewhere than a source (an imported bundle,
// `clone`): why one breaks them, or empty. Names may not hold control characters.
std::string nameProblem(std::string_view name);
std::string descriptionProblem(std::string_view text);

// The diagnostics of several compilations as one JSON array (`seqc check` of many files).
std::string diagnosticsJson(std::span<const CompileResult> results);

}  // namespace seqc
