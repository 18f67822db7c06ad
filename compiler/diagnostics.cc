// Diagnostic kinds, ordering and rendering. Text output shows paths, messages and source
// lines through printable(): a NUL or a stray byte in a source must not garble the line.
#include "compiler/diagnostics.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "seqc/support/quote.h"
#include "seqc/support/utf8.h"

namespace seqc {
namespace {

struct KindInfo {
  std::string_view name;
  Severity severity;
  std::string_view summary;
};

constexpr std::array kKinds = {
#define DIAG(K, S, D) KindInfo{#K, Severity::S, D},
#include "compiler/diagnostic_kinds.def"
#undef DIAG
};

constexpr std::array kAllKinds = {
#define DIAG(K, S, D) DiagKind::K,
#include "compiler/diagnostic_kinds.def"
#undef DIAG
};

// The caret line under `line` for the part of `range` that lies on it, measured on the
// line as printed (escapes are wider than the bytes they stand for).
std::string caretLine(const SourceFile& f, uint32_t line, const SourceRange& range) {
  std::string_view text = f.lineText(line);
  uint32_t start = f.lineStart(line);
  uint32_t from = range.begin > start ? range.begin - start : 0;
  uint32_t to = std::min<uint32_t>(range.end > start ? range.end - start : 0,
                                    static_cast<uint32_t>(text.size()));
  from = std::min<uint32_t>(from, static_cast<uint32_t>(text.size()));
  std::string out;
  // Keep tabs so the caret lines up however the terminal renders them.
  for (char ch : printable(text.substr(0, from))) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (utf8::isContinuation(c)) continue;
    out += c == '\t' ? '\t' : ' ';
  }
  out += '^';
  size_t width = to > from ? utf8::countCodePoints(printable(text.substr(from, to - from))) : 1;
  if (width > 1) out.append(width - 1, '~');
  return out;
}

void renderOne(std::string& out, const SourceManager& sm, const SourceRange& range,
               Severity sev, std::string_view message, std::string_view kind, bool snippet = true) {
  if (!range.valid()) {
    out += fmt::format("seqc: {}: {}", severityName(sev), printable(message));
  } else {
    const SourceFile& f = sm.file(range.file);
    LineCol lc = f.lineCol(range.begin);
    out += fmt::format("{}:{}:{}: {}: {}", printable(f.path()), lc.line, lc.column, severityName(sev),
                       printable(message));
  }
  if (!kind.empty()) out += fmt::format(" [{}]", kind);
  out += '\n';
  if (range.valid() && snippet) {
    const SourceFile& f = sm.file(range.file);
    uint32_t line = f.lineCol(range.begin).line;
    out += "    ";
    out += printable(f.lineText(line));
    out += "\n    ";
    out += caretLine(f, line, range);
    out += '\n';
  }
}

}  // namespace

std::string_view kindName(DiagKind k) { return kKinds[static_cast<size_t>(k)].name; }
std::string_view kindSummary(DiagKind k) { return kKinds[static_cast<size_t>(k)].summary; }
Severity defaultSeverity(DiagKind k) { return kKinds[static_cast<size_t>(k)].severity; }
std::span<const DiagKind> allDiagKinds() { return kAllKinds; }

std::string_view severityName(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

Diagnostic& DiagnosticEngine::report(DiagKind kind, SourceRange range, std::string message) {
  Severity sev = defaultSeverity(kind);
  if (sev == Severity::Error) ++errors_;
  diags_.push_back({kind, sev, range, std::move(message), {}});
  return diags_.back();
}

void DiagnosticEngine::add(const Diagnostic& d) {
  if (d.severity == Severity::Error) ++errors_;
  diags_.push_back(d);
}

std::vector<Diagnostic> DiagnosticEngine::sorted(const SourceManager& sm) const {
  std::vector<Diagnostic> out = diags_;
  auto key = [&](const Diagnostic& d) {
    std::string_view path = d.range.valid() ? std::string_view(sm.file(d.range.file).path()) : "";
    return std::tuple(d.range.valid(), path, d.range.begin, static_cast<int>(d.kind), d.range.end);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const Diagnostic& a, const Diagnostic& b) { return key(a) < key(b); });
  return out;
}

std::string renderText(const SourceManager& sm, std::span<const Diagnostic> diags) {
  std::string out;
  for (const Diagnostic& d : diags) {
    renderOne(out, sm, d.range, d.severity, d.message, kindName(d.kind));
    // A note at the diagnostic's own place ("did you mean") needs no second snippet.
    for (const Note& n : d.notes)
      renderOne(out, sm, n.range, Severity::Note, n.message, "",
                n.range.file != d.range.file || n.range.begin != d.range.begin);
  }
  return out;
}

std::string renderJson(std::span<const DiagnosticSet> sets) {
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const DiagnosticSet& set : sets) {
    const SourceManager& sm = *set.sources;
    auto entry = [&](const SourceRange& r, Severity sev, DiagKind kind, const std::string& msg) {
      nlohmann::ordered_json j;
      if (r.valid()) {
        const SourceFile& f = sm.file(r.file);
        LineCol lc = f.lineCol(r.begin);
        j["file"] = f.path();
        j["line"] = lc.line;
        j["column"] = lc.column;
      } else {
        j["file"] = nullptr;
        j["line"] = nullptr;
        j["column"] = nullptr;
      }
      j["severity"] = severityName(sev);
      j["kind"] = kindName(kind);
      j["message"] = msg;
      arr.push_back(std::move(j));
    };
    for (const Diagnostic& d : set.diagnostics) {
      entry(d.range, d.severity, d.kind, d.message);
      for (const Note& n : d.notes) entry(n.range, Severity::Note, d.kind, n.message);
    }
  }
  // Replacement keeps output valid even if a message carried invalid UTF-8.
  return arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string renderJson(const SourceManager& sm, std::span<const Diagnostic> diags) {
  DiagnosticSet set{&sm, diags};
  return renderJson(std::span<const DiagnosticSet>(&set, 1));
}

}  // namespace seqc
