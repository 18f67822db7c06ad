// `seqc disasm FILE.seqb`: loads (and so verifies) a module and prints its listing.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "seqc/format/bytecode.h"
#include "tools/seqc/command.h"

namespace seqc::cli {
namespace {

// The whole file, or false when it cannot be read.
bool readBinary(const std::string& path, std::vector<uint8_t>& bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

Runner addDisasm(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("disasm", "Print a .seqb file: header, tables, steps, code");
  cmd->add_option("file", *file, "the bytecode file to list")->required()->type_name("FILE.seqb");
  return [file, cmd](const Context&) {
    if (!cmd->parsed()) return -1;
    std::vector<uint8_t> bytes;
    if (!readBinary(*file, bytes)) {
      std::fprintf(stderr, "error: cannot read '%s'\n", file->c_str());
      return kExitInputError;
    }
    bc::Module module;
    std::string error;
    if (!bc::load(bytes.data(), bytes.size(), module, error)) {
      std::fprintf(stderr, "error: invalid bytecode: %s: %s\n", file->c_str(), error.c_str());
      return kExitInputError;
    }
    std::fputs(bc::disassemble(module).c_str(), stdout);
    return kExitOk;
  };
}

}  // namespace seqc::cli
