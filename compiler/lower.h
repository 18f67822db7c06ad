// Lowering: a checked, error-free program → one bytecode module (runtime/bytecode/include/seqc/
// format/bytecode.h) holding every sequence of the user files in declaration order.
// Reads the checker's resolutions (types, fields, steps, variables) and resolves
// nothing again. The same program always gives the same module: strings, constants and
// fields are interned in first-use order.
#pragma once

#include <string>

#include "compiler/checker.h"
#include "compiler/compilation.h"
#include "compiler/source.h"
#include "seqc/format/bytecode.h"

namespace seqc {

// Lowers `program` (its sequences come from files of `sources`); `sourceName` becomes
// Module::source. False with `error` set when the program cannot be lowered: it was not
// checked clean, or the module would overflow a limit of the format (u16 indices,
// kMaxVars, kMaxSlots, kMaxStack, kMaxStepSeconds).
bool lower(const Program& program, const SourceManager& sources, std::string sourceName,
           bc::Module& out, std::string& error);

// The same for a compilation, which must have no errors; Module::source is its main
// file's name without directory.
bool lower(const Compilation& compilation, bc::Module& out, std::string& error);

}  // namespace seqc
