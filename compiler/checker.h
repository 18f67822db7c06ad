// The checker: name resolution, types and every rule of LANGUAGE.md §3–5 over all files
// of a compilation. Results are data: diagnostics in the engine, resolutions in the AST.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <llvm/ADT/StringMap.h>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/schema.h"

namespace seqc {

// Limits of LANGUAGE.md, named once.
inline constexpr size_t kMaxSequenceName = 160;
inline constexpr size_t kMaxDescription = 2000;
inline constexpr size_t kMaxTitle = 100;
inline constexpr size_t kMaxTagLevels = 4;
inline constexpr size_t kMaxStatements = 400;
inline constexpr int64_t kMinWaitMinutes = 1;
inline constexpr int64_t kMaxWaitMinutes = 30 * 24 * 60;
inline constexpr int64_t kMinWithinMinutes = 60;
inline constexpr int64_t kMaxWithinMinutes = 30 * 24 * 60;
inline constexpr int64_t kMinSegmentPriority = 1;  // the highest
inline constexpr int64_t kMaxSegmentPriority = 1000;

// Why `tag` breaks the rules of `tags` ("has an empty level"), or empty.
std::string tagProblem(std::string_view tag);

struct SequenceInfo {
  const ast::Sequence* decl = nullptr;
  const EntityInfo* entity = nullptr;  // null when the entity is unknown
  bool checked = false;                // false when skipped for a syntax error
};

// A segment of the user files, in declaration order (checked: the fields are those of a
// clean declaration only when the compilation has no errors).
struct SegmentInfo {
  const ast::SegmentDecl* decl = nullptr;
  const EntityInfo* entity = nullptr;
  const ast::Condition* where = nullptr;
  size_t feeds = SIZE_MAX;  // index into Program::sequences
  int64_t priority = 0;
  bool disconnect = false;  // `on leave disconnect` (else stay)
};

// What checking a compilation produced, for the later stages.
struct Program {
  Schema schema;
  std::vector<SequenceInfo> sequences;  // in declaration order, user files only
  llvm::StringMap<size_t> sequenceByName;
  std::vector<SegmentInfo> segments;  // user files only, in declaration order
  // Calendars of every file, by name (the first declaration of a name).
  llvm::StringMap<const ast::CalendarDecl*> calendarByName;
};

// Checks `files` (standard library first, then user files in load order).
std::unique_ptr<Program> checkProgram(const std::vector<ast::File*>& files,
                                      size_t stdlibFileCount, DiagnosticEngine& diags);

}  // namespace seqc
