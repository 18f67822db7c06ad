// Loading what `simulate` and `graph` run: see program_input.h.
#include "tools/seqc/program_input.h"

#include <cstdio>

#include <fmt/format.h>


namespace seqc::cli {

namespace {

bool endsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::optional<int> loadProgram(const std::string& path, const Context& ctx, ProgramInput& out) {
  out.path = path;
  if (endsWith(path, ".seq")) {
    CompileResult r = compileFile(path, CompileOptions{ctx.stdlibDir()});
    if (r.ok) {
      out.module = std::move(r.module);
      out.compilation = std::move(r.compilation);
      return std::nullopt;
    }
    if (r.compilation->diagnostics().hasErrors())
      std::fputs(r.diagnosticsText().c_str(), stderr);
    else
      std::fprintf(stderr, "error: %s\n", r.error.c_str());
    return kExitInputError;
  }
  std::string error;
  if (!bc::loadFile(path, out.module, error)) {
    std::fprintf(stderr, "error: %s\n", error.c_str());
    return kExitInputError;
  }
  return std::nullopt;
}

std::optional<int> pickSequence(const ProgramInput& in, const std::string& name, uint32_t& out) {
  const bc::Module& m = in.module;
  std::string names;
  for (const bc::Sequence& s : m.sequences) names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", m.str(s.name));
  if (name.empty()) {
    if (m.sequences.size() == 1) {
      out = 0;
      return std::nullopt;
    }
    if (m.sequences.empty()) {
      std::fprintf(stderr, "error: %s defines no sequence\n", in.path.c_str());
      return kExitInputError;
    }
    std::fprintf(stderr, "error: %s defines %zu sequences; choose one with --sequence (%s)\n",
                 in.path.c_str(), m.sequences.size(), names.c_str());
    return kExitUsage;
  }
  for (uint32_t i = 0; i < m.sequences.size(); ++i)
    if (m.str(m.sequences[i].name) == name) {
      out = i;
      return std::nullopt;
    }
  std::fprintf(stderr, "error: %s has no sequence \"%s\" (it defines %s)\n", in.path.c_str(),
               name.c_str(), names.c_str());
  return kExitInputError;
}

bool recordSchema(const ProgramInput& in, uint32_t seq, const Context& ctx, rt::RecordSchema& out,
                  std::string& error) {
  const bc::Module& m = in.module;
  std::string entity(m.str(m.sequences[seq].entity));
  out.entity = entity;
  out.fields.clear();
  // The schema the program runs with: the compilation's, or the standard library's.
  const Program* program = in.compilation ? in.compilation->program() : standardProgram(ctx.stdlibDir());
  if (auto declared = program ? entitySchema(*program, entity) : std::nullopt) out.fields = std::move(declared->fields);
  // The module's own fields: added when the schema lacks them (a .seqb whose entity was
  // extended), checked when it has them.
  for (const bc::Field& f : m.fields) {
    if (m.str(f.entity) != entity) continue;
    rt::FieldSpec spec = rt::fieldSpec(m, f);
    if (const rt::FieldSpec* have = out.find(spec.name)) {
      if (have->type != spec.type) {
        error = fmt::format("field {}.{} is {} in the module but {} in the schema", entity, spec.name,
                            bc::name(spec.type), bc::name(have->type));
        return false;
      }
      continue;
    }
    out.fields.push_back(std::move(spec));
  }
  return true;
}

}  // namespace seqc::cli
