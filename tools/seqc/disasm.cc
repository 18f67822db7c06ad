// `seqc disasm FILE.seqb`: loads (and so verifies) a module and prints its listing.
#include <cstdio>
#include <memory>
#include <string>

#include "seqc/format/bytecode.h"
#include "tools/seqc/command.h"

namespace seqc::cli {

Runner addDisasm(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("disasm", "Print a .seqb file: header, tables, steps, code");
  cmd->add_option("file", *file, "the bytecode file to list")->required()->type_name("FILE.seqb");
  return [file, cmd](const Context&) {
    if (!cmd->parsed()) return -1;
    bc::Module module;
    std::string error;
    if (!bc::loadFile(*file, module, error)) {
      std::fprintf(stderr, "error: %s\n", error.c_str());
      return kExitInputError;
    }
    std::fputs(bc::disassemble(module).c_str(), stdout);
    return kExitOk;
  };
}

}  // namespace seqc::cli
