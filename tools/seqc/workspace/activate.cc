// `seqc activate` and `seqc deactivate`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addActivate(CLI::App& app) {
  struct Opts : Common {
    std::string file, sequence, message;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "activate",
                      "Store a new version of each sequence of a .seq file and make it active", *opts, false);
  cmd->add_option("file", opts->file, "the .seq source, or the name of a stored sequence to reactivate")
      ->required()
      ->type_name("FILE.seq|NAME");
  cmd->add_option("--sequence", opts->sequence, "activate only this sequence of the file")->type_name("NAME");
  cmd->add_option("-m,--message", opts->message, "describe the change (shown in the versions of `seqc show`)")
      ->type_name("TEXT");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context& ctx) {
    // A name, not a file: reactivate the stored sequence (an imported or cloned one has
    // no source on this machine).
    if (!opts->file.ends_with(".seq") && !std::filesystem::exists(opts->file)) {
      if (!opts->sequence.empty() || !opts->message.empty()) {
        std::fprintf(stderr, "seqc activate: --sequence and --message apply to a .seq file, not to the stored "
                             "sequence '%s'\n", opts->file.c_str());
        return kExitUsage;
      }
      ws::Activation a = w.reactivate(opts->file);
      print(a.what == ws::Activation::What::Unchanged
                ? fmt::format("\"{}\" is already active (version {})\n", a.sequence, a.version)
                : fmt::format("activated \"{}\" (version {})\n", a.sequence, a.version));
      return kExitOk;
    }
    CompileResult r = compileFile(opts->file, CompileOptions{ctx.stdlibDir()});
    // Diagnostics (warnings too) as `check` prints them, on stderr: stdout says what
    // was activated.
    std::fputs(r.diagnosticsText().c_str(), stderr);
    if (!r.ok) {
      if (!r.compilation->diagnostics().hasErrors()) std::fprintf(stderr, "error: %s\n", r.error.c_str());
      return kExitInputError;
    }
    std::string out;
    for (const ws::Activation& a : w.activate(r, opts->file, opts->sequence, opts->message)) {
      switch (a.what) {
        case ws::Activation::What::NewVersion:
          out += fmt::format("activated \"{}\" version {}\n", a.sequence, a.version);
          break;
        case ws::Activation::What::Unchanged:
          out += fmt::format("\"{}\" is unchanged (version {}, active)\n", a.sequence, a.version);
          break;
        case ws::Activation::What::Reactivated:
          out += fmt::format("reactivated \"{}\" (version {}, unchanged)\n", a.sequence, a.version);
          break;
      }
    }
    print(out);
    return kExitOk;
  });
}

Runner addDeactivate(CLI::App& app) {
  struct Opts : Common {
    std::string name;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "deactivate", "Stop a sequence: records on it stay where they are", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    w.deactivate(opts->name);
    print(fmt::format("deactivated \"{}\"\n", opts->name));
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
