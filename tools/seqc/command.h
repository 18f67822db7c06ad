// How the `seqc` subcommands plug into the CLI: each command file registers its
// subcommand and returns the function that runs it once parsed.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "seqc/format/bytecode.h"

namespace seqc::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInputError = 1;
inline constexpr int kExitUsage = 2;

struct Context {
  const char* argv0 = "seqc";
  std::string stdlibDir() const;
};

using Runner = std::function<int(const Context&)>;

// Each returns the runner of the subcommand it added to `app`.
Runner addCheck(CLI::App& app);
Runner addBuild(CLI::App& app);
Runner addDisasm(CLI::App& app);
Runner addGraph(CLI::App& app);
Runner addSimulate(CLI::App& app);
// The language server (lsp.cc).
Runner addLsp(CLI::App& app);
Runner addFmt(CLI::App& app);  // fmt.cc
Runner addTokens(CLI::App& app);  // tokens.cc
// The workspace (sequence lifecycle) commands: init, activate, list, connect, tick, …
std::vector<Runner> addWorkspaceCommands(CLI::App& app);

// The note `seqc build` prints for an experiment (build.cc): the records it needs per
// variant; `seqc show` lists the same.
std::string experimentNote(const bc::Module& m, const bc::Experiment& x);

// Writes `bytes` to `path` through a temporary file renamed into place, so a failure
// never leaves a partial output. False with `error` set on failure.
bool writeFileAtomically(const std::string& path, const std::string& bytes, std::string& error);

// Prints the diagnostics of a compilation as `format` ("text" or "json") on stdout;
// with several compilations in one run, JSON is merged into one array by the caller.
}  // namespace seqc::cli
