// What the workspace commands share (tools/seqc/workspace/*.cc, one file per command or
// family): the guard that turns errors into exit statuses, option helpers, table and
// JSON printing. Each command opens the workspace given by `--workspace DIR` (default:
// the current directory), calls one Workspace method (one transaction) and prints what
// it did.
//
// Exit status: 0 done; 1 a problem the user can fix (`error: …` on stderr: unknown
// sequence, no workspace, corrupt database, diagnostics); 2 wrong usage (bad option
// values such as an unparsable time).
#pragma once

#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "seqc/format/activity.h"
#include "seqc/format/bytecode.h"
#include "seqc/sim/records.h"
#include "seqc/sim/simulator.h"
#include "seqc/support/time.h"
#include "seqc/support/utf8.h"
#include "seqc/workspace/workspace.h"
#include "tools/seqc/command.h"
#include "tools/seqc/program_input.h"
#include "tools/seqc/progress.h"

namespace seqc::cli::wscmd {

using Json = nlohmann::ordered_json;

// A usage problem found after parsing (a bad option value): `error: …`, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void print(const std::string& text);

// Invalid UTF-8 (from a record file, say) is replaced rather than thrown on.
void printJson(const Json& j);

// A JSON array printed element by element, byte for byte as printJson prints the whole
// array: a million rows never sit in memory as one document.
class JsonArrayPrinter {
 public:
  void add(const Json& element) {
    std::string text = element.dump(2, ' ', false, Json::error_handler_t::replace);
    std::string out = count_++ ? ",\n  " : "[\n  ";
    for (char c : text) {
      out += c;
      if (c == '\n') out += "  ";
    }
    print(out);
  }
  void finish() { print(count_ ? "\n]\n" : "[]\n"); }

 private:
  size_t count_ = 0;
};

// ---- tables -----------------------------------------------------------------------

// Prints `rows` under `header` with columns as wide as their widest cell, two spaces
// apart, each line prefixed by `indent`. `align` has one letter per column: 'l' (left,
// the default) or 'r' (right, for numbers). Trailing blanks are trimmed.
void printTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                const std::string& align = "", const std::string& indent = "");

// ---- formatting ---------------------------------------------------------------------

std::string iso(int64_t t);

Json isoOrNull(const std::optional<int64_t>& t);

Json textOrNull(const std::string& s);

std::string plural(size_t n, const char* one, const char* many);

std::string join(const std::vector<std::string>& items, const char* sep);

std::string_view statusName(uint8_t status);

// "completed", "completed (reply)", "error": the status with its reason, as simulate shows it.
std::string statusText(const ws::ConnectionRow& row);

Json reasonJson(const ws::ConnectionRow& row);

// A step as one cell: its label when it has one, else `kind "title"` (or the kind).
std::string stepCell(const std::string& label, const std::string& kind, const std::string& title);

bool isActive(const ws::ConnectionRow& row);

// The current step of a connection, or "-" when it is not on one.
std::string currentStep(const ws::ConnectionView& v);

// Days elapsed as LANGUAGE.md defines them (as `simulate` shows them): whole days since
// the record entered its current step; none once it is no longer active.
std::optional<int64_t> daysElapsed(const ws::ConnectionRow& row, int64_t clock);

// `L-1 on "Seq": active, step call1 (progress 2/5)`.
std::string movedLine(const ws::ConnectionView& v);

// An engagement condition as written: `slots.opened or slots.clicked`.
std::string conditionText(const bc::Module& m, const bc::Sequence& seq, const bc::Step& s);

// ---- options and the guard around every runner ---------------------------------------

std::optional<int64_t> timeOption(const std::string& flag, const std::string& text);

template <class F>
int guarded(F&& fn) {
  try {
    return fn();
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return kExitUsage;
  } catch (const ws::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (const ws::StoreError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "error: unexpected failure\n");
  }
  return kExitInputError;
}

struct Common {
  std::string dir = ".";
  bool json = false;
};

CLI::App* command(CLI::App& app, const char* name, const char* help, Common& common, bool json);

// Registers a subcommand whose runner opens the workspace and calls `body(ws)`.
template <class Opts, class Body>
Runner runner(CLI::App* cmd, std::shared_ptr<Opts> opts, Body body) {
  return [cmd, opts, body](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      return body(w, ctx);
    });
  };
}


// Prints what an action did to each connection it moved (actions.cc).
void printMoved(const ws::ActionResult& r);

Runner addInit(CLI::App& app);
Runner addActivate(CLI::App& app);
Runner addDeactivate(CLI::App& app);
Runner addList(CLI::App& app);
Runner addShow(CLI::App& app);
Runner addRecords(CLI::App& app);
Runner addConnect(CLI::App& app);
Runner addDisconnect(CLI::App& app);
Runner addComplete(CLI::App& app);
Runner addSkip(CLI::App& app);
Runner addEvent(CLI::App& app);
Runner addUpdate(CLI::App& app);
Runner addTick(CLI::App& app);
Runner addClone(CLI::App& app);
Runner addDelete(CLI::App& app);
Runner addExport(CLI::App& app);
Runner addImport(CLI::App& app);
Runner addHistory(CLI::App& app);
Runner addSegments(CLI::App& app);
Runner addStats(CLI::App& app);
Runner addReport(CLI::App& app);  // report.cc
Runner addWorklist(CLI::App& app);
Runner addAssign(CLI::App& app);

}  // namespace seqc::cli::wscmd
