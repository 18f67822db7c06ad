// The diagnostics engine: one closed list of kinds (diagnostic_kinds.def), diagnostics
// as data with notes, and the two renderings (text with carets, JSON).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "compiler/source.h"

namespace seqc {

enum class Severity : uint8_t { Error, Warning, Note };

enum class DiagKind : uint8_t {
#define DIAG(K, S, D) K,
#include "compiler/diagnostic_kinds.def"
#undef DIAG
};

std::string_view kindName(DiagKind k);
std::string_view kindSummary(DiagKind k);
Severity defaultSeverity(DiagKind k);
std::span<const DiagKind> allDiagKinds();
std::string_view severityName(Severity s);

struct Note {
  SourceRange range;  // may be invalid: a note without a location
  std::string message;
};

struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;  // may be invalid: a diagnostic about no particular place
  std::string message;
  std::vector<Note> notes;

  Diagnostic& note(SourceRange r, std::string msg) {
    notes.push_back({r, std::move(msg)});
    return *this;
  }
};

// Collects diagnostics; never throws, never stops the caller.
class DiagnosticEngine {
 public:
  // The returned reference is valid until the next report().
  Diagnostic& report(DiagKind kind, SourceRange range, std::string message);
  template <typename... Args>
  Diagnostic& report(DiagKind kind, SourceRange range, fmt::format_string<Args...> f,
                     Args&&... args) {
    return report(kind, range, fmt::format(f, std::forward<Args>(args)...));
  }

  // Adds a diagnostic made elsewhere (e.g. while loading the shared standard library).
  void add(const Diagnostic& d);

  size_t errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ > 0; }
  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  // Diagnostics in a deterministic order: by file path, position, then kind.
  std::vector<Diagnostic> sorted(const SourceManager& sm) const;

 private:
  std::vector<Diagnostic> diags_;
  size_t errors_ = 0;
};

// `file:line:col: error: message [Kind]`, the source line and a caret range.
std::string renderText(const SourceManager& sm, std::span<const Diagnostic> diags);
// A JSON array of {"file","line","column","severity","kind","message"}; notes follow
// their diagnostic as entries of severity "note".
std::string renderJson(const SourceManager& sm, std::span<const Diagnostic> diags);
// The diagnostics of several compilations as one array.
struct DiagnosticSet {
  const SourceManager* sources;
  std::span<const Diagnostic> diagnostics;
};
std::string renderJson(std::span<const DiagnosticSet> sets);

}  // namespace seqc
