// The `seqc` command line (spec/CLI.md). Exit status: 0 success, 1 the input had
// errors, 2 wrong usage.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "compiler/compilation.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitInputError = 1;
constexpr int kExitUsage = 2;

struct CheckOptions {
  std::vector<std::string> files;
  std::string diagnostics = "text";
};

int runCheck(const CheckOptions& opts, const char* argv0) {
  bool failed = false;
  std::string json;
  bool anyJson = false;
  std::string stdlib = seqc::defaultStdlibDir(argv0);
  for (const std::string& file : opts.files) {
    seqc::Compilation c({stdlib});
    seqc::runWithLargeStack([&] { c.checkFile(file); });
    auto diags = c.diagnostics().sorted(c.sources());
    failed |= c.diagnostics().hasErrors();
    if (opts.diagnostics == "json") {
      // One array for all files: merge the per-file arrays.
      std::string part = seqc::renderJson(c.sources(), diags);
      auto open = part.find('['), close = part.rfind(']');
      std::string body = part.substr(open + 1, close - open - 1);
      while (!body.empty() && (body.back() == '\n' || body.back() == ' ')) body.pop_back();
      if (!body.empty()) {
        json += anyJson ? "," : "";
        json += body;
        anyJson = true;
      }
    } else {
      std::fputs(seqc::renderText(c.sources(), diags).c_str(), stdout);
    }
  }
  if (opts.diagnostics == "json") std::fputs(anyJson ? ("[" + json + "\n]\n").c_str() : "[]\n", stdout);
  return failed ? kExitInputError : kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"seqc: compiler and simulator for .seq sales sequences", "seqc"};
  app.set_version_flag("--version", std::string("seqc ") + SEQC_VERSION);
  app.require_subcommand(1);
  app.footer("Run `seqc help COMMAND` for a command's options. Exit status: 0 ok, 1 input errors, 2 usage.");

  CheckOptions check;
  auto* checkCmd = app.add_subcommand("check", "Parse and type-check .seq files; print diagnostics");
  checkCmd->add_option("files", check.files, "the .seq files to check (each is its own compilation)")
      ->required()
      ->type_name("FILE.seq");
  checkCmd->add_option("--diagnostics", check.diagnostics, "output format of diagnostics")
      ->check(CLI::IsMember({"text", "json"}))
      ->type_name("text|json");

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
  if (checkCmd->parsed()) return runCheck(check, argv[0]);
  return kExitUsage;
}
