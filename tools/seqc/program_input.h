// The program a command runs: a `.seq` compiled on the fly or a `.seqb` loaded and
// verified, plus the schema its records are typed by.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "compiler/driver.h"
#include "seqc/format/bytecode.h"
#include "seqc/sim/records.h"
#include "tools/seqc/command.h"

namespace seqc::cli {

struct ProgramInput {
  std::string path;
  bc::Module module;
  std::unique_ptr<Compilation> compilation;  // set when compiled from .seq
};

// Loads `path` (.seq compiled, anything else read as .seqb). On failure prints the
// diagnostics or `error: invalid bytecode: …` and returns the exit status.
std::optional<int> loadProgram(const std::string& path, const Context& ctx, ProgramInput& out);

// Picks the sequence: `name` when given, else the only one. Prints the problem and
// returns the exit status when it cannot.
std::optional<int> pickSequence(const ProgramInput& in, const std::string& name, uint32_t& out);

// The schema records of sequence `seq` are typed by: the compilation's entity for .seq;
// for .seqb the standard library's entity with the module's fields, each checked to
// have the type the module expects. False with `error` set on a mismatch.
bool recordSchema(const ProgramInput& in, uint32_t seq, const Context& ctx, rt::RecordSchema& out,
                  std::string& error);

}  // namespace seqc::cli
