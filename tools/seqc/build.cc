// `seqc build FILE.seq [-o OUT.seqb] [--diagnostics text|json]`: check, lower, verify,
// encode, and write the module atomically. A file with errors writes nothing.
#include <cstdio>
#include <memory>

#include <fmt/core.h>

#include "compiler/driver.h"
#include "seqc/format/bytecode.h"
#include "seqc/stats/experiment.h"
#include "tools/seqc/command.h"
#include "tools/seqc/program_input.h"

namespace seqc::cli {

namespace {

// FILE.seq → FILE.seqb; any other name gets `.seqb` appended.
std::string defaultOutput(const std::string& file) {
  constexpr std::string_view kExt = ".seq";
  if (file.size() > kExt.size() && file.compare(file.size() - kExt.size(), kExt.size(), kExt) == 0)
    return file + "b";
  return file + ".seqb";
}

}  // namespace

std::string experimentNote(const bc::Module& m, const bc::Experiment& x) {
  int64_t n = stats::recordsPerVariant({x.baseline, x.mde, x.alpha, x.power, static_cast<int>(x.variants.size())})
                  .value_or(0);
  return fmt::format("note: experiment \"{}\" of \"{}\" (line {}) needs {} records per variant ({} in all) to "
                     "detect a lift of {:g} over {:g} at alpha {:g} with power {:g}\n",
                     m.str(x.name), m.str(m.sequences[x.sequence].name), x.line, n,
                     n * static_cast<int64_t>(x.variants.size()), x.mde, x.baseline, x.alpha, x.power);
}

Runner addBuild(CLI::App& app) {
  struct Options {
    std::string file;
    std::string output;
    std::string diagnostics = "text";
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand("build", "Compile a .seq file to bytecode (.seqb)");
  cmd->add_option("file", opts->file, "the .seq file to compile")->required()->type_name("FILE.seq");
  cmd->add_option("-o,--output", opts->output, "where to write the bytecode (default: FILE.seqb)")
      ->type_name("OUT.seqb");
  cmd->add_option("--diagnostics", opts->diagnostics, "output format of diagnostics")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("text|json");
  return [opts, cmd](const Context& ctx) {
    if (!cmd->parsed()) return -1;
    CompileResult r = compileFile(opts->file, CompileOptions{ctx.stdlibDir()});
    // Diagnostics (warnings too) as `check` prints them.
    std::fputs((opts->diagnostics == "json" ? r.diagnosticsJson() : r.diagnosticsText()).c_str(), stdout);
    if (!r.ok) {
      if (!r.compilation->diagnostics().hasErrors()) std::fputs(fmt::format("error: {}\n", r.error).c_str(), stderr);
      return kExitInputError;
    }
    std::string error;
    std::vector<uint8_t> bytes = bc::write(r.module);
    std::string out = opts->output.empty() ? defaultOutput(opts->file) : opts->output;
    if (!writeFileAtomically(out, std::string(bytes.begin(), bytes.end()), error)) {
      std::fputs(fmt::format("error: {}\n", error).c_str(), stderr);
      return kExitInputError;
    }
    // What each experiment needs to be decided (docs/language.md, "Experiments").
    for (const bc::Experiment& x : r.module.experiments) std::fputs(experimentNote(r.module, x).c_str(), stderr);
    return kExitOk;
  };
}

}  // namespace seqc::cli
