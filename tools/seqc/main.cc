// The `seqc` command line (spec/CLI.md). Exit status: 0 success, 1 the input had
// errors, 2 wrong usage. Each subcommand lives in its own file (command.h).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "compiler/compilation.h"
#include "tools/seqc/command.h"

namespace seqc::cli {

std::string Context::stdlibDir() const { return defaultStdlibDir(argv0); }

bool writeFileAtomically(const std::string& path, const std::string& bytes, std::string& error) {
  namespace fs = std::filesystem;
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      error = "cannot write '" + path + "'";
      return false;
    }
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      error = "cannot write '" + path + "'";
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}

}  // namespace seqc::cli

int main(int argc, char** argv) {
  using namespace seqc::cli;
#if defined(__GLIBC__)
  // A command allocates and frees big buffers batch after batch (a tick's rows, values,
  // history). By default glibc maps each one afresh and unmaps it on free, so every
  // batch page-faults its memory in again: a quarter of a big tick's time. Keep freed
  // memory for reuse instead (the process is short-lived; the peak is the same).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 512 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
  CLI::App app{"seqc: compiler and simulator for .seq sales sequences", "seqc"};
  app.set_version_flag("--version", std::string("seqc ") + SEQC_VERSION);
  app.require_subcommand(1);
  app.footer("Run `seqc help COMMAND` for a command's options. Exit status: 0 ok, 1 input errors, 2 usage.");

  std::vector<Runner> runners = {addCheck(app), addBuild(app), addDisasm(app), addGraph(app),
                                 addSimulate(app), addLsp(app)};
  runners.push_back(addFmt(app));
  runners.push_back(addTokens(app));
  for (Runner& r : addWorkspaceCommands(app)) runners.push_back(std::move(r));

  std::string helpTopic;
  auto* helpCmd = app.add_subcommand("help", "Describe a command");
  helpCmd->add_option("command", helpTopic, "the command to describe");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  if (helpCmd->parsed()) {
    if (helpTopic.empty()) {
      std::cout << app.get_formatter()->make_help(&app, "seqc", CLI::AppFormatMode::Normal);
      return kExitOk;
    }
    for (CLI::App* sub : app.get_subcommands({}))
      if (sub->get_name() == helpTopic && sub != helpCmd) {
        std::cout << sub->help();
        return kExitOk;
      }
    std::cerr << "seqc: unknown command '" << helpTopic << "'\n";
    return kExitUsage;
  }
  Context ctx{argv[0]};
  for (const Runner& run : runners) {
    int rc = run(ctx);
    if (rc >= 0) return rc;
  }
  return kExitUsage;
}
