// `seqc clone`, `delete`, `export`, `import`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addClone(CLI::App& app) {
  struct Opts : Common {
    std::string name, newName, description;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "clone", "Copy a sequence with all its versions under a new name (the copy starts inactive)",
                      *opts, false);
  cmd->add_option("name", opts->name, "the sequence to copy")->required()->type_name("NAME");
  cmd->add_option("new", opts->newName, "the copy's name")->required()->type_name("NEW");
  cmd->add_option("--description", opts->description, "the copy's description (default: the original's)")
      ->type_name("TEXT");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    w.clone(opts->name, opts->newName, opts->description);
    print(fmt::format("cloned \"{}\" as \"{}\"\n", opts->name, opts->newName));
    return kExitOk;
  });
}

Runner addDelete(CLI::App& app) {
  struct Opts : Common {
    std::string name;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "delete", "Delete a sequence, disconnecting its records", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    size_t n = w.remove(opts->name);
    print(fmt::format("deleted \"{}\"; {} disconnected\n", opts->name, plural(n, "record", "records")));
    return kExitOk;
  });
}

Runner addExport(CLI::App& app) {
  struct Opts : Common {
    std::vector<std::string> names;
    std::string output;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "export", "Write sequences with all their versions to a bundle (JSON)", *opts, false);
  cmd->add_option("names", opts->names, "the sequences")->required()->type_name("NAME");
  cmd->add_option("-o,--output", opts->output, "the bundle to write")->required()->type_name("BUNDLE");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    w.exportBundle(opts->names, opts->output);
    print(fmt::format("exported {} to {}\n", plural(opts->names.size(), "sequence", "sequences"), opts->output));
    return kExitOk;
  });
}

Runner addImport(CLI::App& app) {
  struct Opts : Common {
    std::string bundle;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "import", "Add the sequences of a bundle to the workspace", *opts, false);
  cmd->add_option("bundle", opts->bundle, "the bundle (written by `seqc export`)")->required()->type_name("BUNDLE");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    std::string out;
    for (const std::string& name : w.importBundle(opts->bundle)) out += fmt::format("imported \"{}\"\n", name);
    print(out);
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
