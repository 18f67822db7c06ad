// `seqc fmt FILE… [--check] [--stdout]`: the canonical layout (compiler/format.h).
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "compiler/compilation.h"
#include "compiler/format.h"
#include "seqc/support/quote.h"
#include "tools/seqc/command.h"

namespace seqc::cli {
namespace {

// The file's bytes, or nullopt after printing why it cannot be read.
std::optional<std::string> readSource(const std::string& path) {
  std::string text;
  if (std::string why = readSourceFile(path, text); !why.empty()) {
    std::fprintf(stderr, "seqc: cannot read '%s': %s\n", printable(path).c_str(), why.c_str());
    return std::nullopt;
  }
  return text;
}

// Rewrites `path` in place (through a renamed temporary), keeping its permissions and
// writing through a symbolic link to the file it names.
bool rewrite(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string target = fs::is_symlink(path, ec) ? fs::canonical(path, ec).string() : path;
  if (ec || target.empty()) target = path;
  fs::perms perms = fs::status(target, ec).permissions();
  bool keepPerms = !ec;
  std::string error;
  if (!writeFileAtomically(target, text, error)) {
    std::fprintf(stderr, "seqc: %s\n", error.c_str());
    return false;
  }
  if (keepPerms) fs::permissions(target, perms, ec);
  return true;
}

}  // namespace

Runner addFmt(CLI::App& app) {
  struct Options {
    std::vector<std::string> files;
    bool check = false;
    bool toStdout = false;
  };
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "fmt", "Rewrite .seq files in the canonical layout (a file with syntax errors is left as it is)");
  cmd->add_option("files", opts->files, "the .seq files to format")->required()->type_name("FILE.seq");
  auto* check = cmd->add_flag("--check", opts->check,
                              "write nothing; print the files that are not canonical, exit 1 if any");
  cmd->add_flag("--stdout", opts->toStdout, "print the formatted text instead of rewriting the files")
      ->excludes(check);
  return [opts, cmd](const Context&) {
    if (!cmd->parsed()) return -1;
    bool failed = false, different = false;
    for (const std::string& path : opts->files) {
      std::optional<std::string> text = readSource(path);
      if (!text) {
        failed = true;
        continue;
      }
      SourceManager sources;
      DiagnosticEngine diags;
      std::optional<std::string> formatted = formatSource(sources, path, *text, diags);
      if (!formatted) {
        std::fputs(renderText(sources, diags.sorted(sources)).c_str(), stdout);
        failed = true;
        continue;
      }
      if (opts->toStdout) {
        std::fwrite(formatted->data(), 1, formatted->size(), stdout);
      } else if (*formatted != *text) {
        if (opts->check) {
          std::printf("%s\n", path.c_str());
          different = true;
        } else if (!rewrite(path, *formatted)) {
          failed = true;
        }
      }
    }
    std::fflush(stdout);
    return failed || different ? kExitInputError : kExitOk;
  };
}

}  // namespace seqc::cli
