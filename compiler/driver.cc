// The compiler driver (driver.h): check → lower → verify, in one place.
#include "compiler/driver.h"

#include <map>
#include <mutex>

#include <fmt/format.h>

#include "compiler/lower.h"
#include "compiler/types.h"
#include "seqc/support/utf8.h"

namespace seqc {

namespace {

void finish(CompileResult& r, Stage stage) {
  const Compilation& c = *r.compilation;
  if (c.diagnostics().hasErrors() || stage == Stage::Check) {
    r.ok = !c.diagnostics().hasErrors();
    return;
  }
  if (!lower(c, r.module, r.error)) return;  // a limit of the format, such as a `due` too long
  if (!bc::verify(r.module, r.error)) {
    r.error = "internal: lowering produced invalid bytecode: " + r.error;
    return;
  }
  r.ok = true;
}

template <class Check>
CompileResult compileWith(const CompileOptions& options, Stage stage, Check&& check) {
  CompileResult r;
  r.compilation = std::make_unique<Compilation>(options);
  runWithLargeStack([&] {
    check(*r.compilation);
    finish(r, stage);
  });
  return r;
}

}  // namespace

std::vector<Diagnostic> CompileResult::diagnostics() const {
  return compilation->diagnostics().sorted(compilation->sources());
}

std::string CompileResult::diagnosticsText() const {
  return renderText(compilation->sources(), diagnostics());
}

std::string CompileResult::diagnosticsJson() const {
  return renderJson(compilation->sources(), diagnostics());
}

std::vector<std::pair<std::string, std::string>> CompileResult::sources() const {
  std::vector<std::pair<std::string, std::string>> out;
  const SourceManager& sm = compilation->sources();
  for (size_t id = 0; id < sm.size(); ++id) {
    if (compilation->isStdlib(static_cast<FileId>(id))) continue;
    const SourceFile& f = sm.file(static_cast<FileId>(id));
    out.emplace_back(f.path(), std::string(f.text()));
  }
  return out;
}

CompileResult compileFile(const std::string& path, const CompileOptions& options, Stage stage) {
  return compileWith(options, stage, [&](Compilation& c) { c.checkFile(path); });
}

CompileResult compileSource(const std::string& path, std::string text, const CompileOptions& options,
                            Stage stage) {
  return compileWith(options, stage, [&](Compilation& c) { c.checkSource(path, std::move(text)); });
}

CompileResult compileCondition(const std::string& name, std::string text, const std::string& entity,
                               const CompileOptions& options, std::string declarations, bool readsMember) {
  return compileWith(options, Stage::Module, [&](Compilation& c) {
    c.checkCondition(name, std::move(text), entity, std::move(declarations), readsMember);
  });
}

const Program* standardProgram(const std::string& stdlibDir) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Compilation>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& c = cache[stdlibDir];
  if (!c) {
    c = std::make_unique<Compilation>(CompileOptions{stdlibDir});
    runWithLargeStack([&] { c->checkSource("<schema>", ""); });
  }
  if (!c->program() || c->diagnostics().hasErrors()) return nullptr;
  return c->program();
}

namespace {

// Why `text` is not valid UTF-8 of at most `limit` code points without control
// characters (tab and newline allowed when `lines`), or empty.
std::string textProblem(std::string_view text, size_t limit, bool lines) {
  if (!utf8::isValid(text)) return "is not valid UTF-8";
  for (unsigned char c : text)
    if ((c < 0x20 || c == 0x7F) && !(lines && (c == '\n' || c == '\t')))
      return fmt::format("holds the control character {:#04x}", c);
  if (size_t n = utf8::countCodePoints(text); n > limit)
    return fmt::format("is {} characters long; the limit is {}", n, limit);
  return {};
}

}  // namespace

std::string nameProblem(std::string_view name) {
  if (name.empty()) return "is empty";
  return textProblem(name, kMaxSequenceName, false);
}

std::string descriptionProblem(std::string_view text) { return textProblem(text, kMaxDescription, true); }

std::optional<bc::RecordSchema> entitySchema(const Program& program, const std::string& entity) {
  const EntityInfo* e = program.schema.find(entity);
  if (!e) return std::nullopt;
  bc::RecordSchema out;
  out.entity = entity;
  for (const auto& f : e->fields) {
    bc::FieldSpec spec;
    spec.name = f->name;
    spec.type = valueType(f->type);
    spec.maxLength = f->type.maxLength;
    for (const OptionInfo& o : f->options) spec.options.emplace_back(o.value, o.label);
    out.fields.push_back(std::move(spec));
  }
  return out;
}

std::vector<std::string> entityNames(const Program& program) {
  std::vector<std::string> names;
  for (const EntityInfo* e : program.schema.entities()) names.push_back(e->name);
  return names;
}

std::string diagnosticsJson(std::span<const CompileResult> results) {
  std::vector<std::vector<Diagnostic>> sorted;
  std::vector<DiagnosticSet> sets;
  sorted.reserve(results.size());
  for (const CompileResult& r : results) sorted.push_back(r.diagnostics());
  for (size_t i = 0; i < results.size(); ++i) sets.push_back({&results[i].compilation->sources(), sorted[i]});
  return renderJson(sets);
}

}  // namespace seqc
