// The workspace commands (sequence lifecycle): `seqc init`, `activate`, `deactivate`,
// `list`, `show`, `records`, `connect`, `disconnect`, `complete`, `skip`, `event`,
// `update`, `tick`, `clone`, `delete`, `export`, `import`, `history`, `stats`. Each opens
// the workspace given by `--workspace DIR` (default: the current directory), calls one
// Workspace method (one transaction) and prints what it did.
//
// Exit status: 0 done; 1 a problem the user can fix (`error: …` on stderr: unknown
// sequence, no workspace, corrupt database, diagnostics); 2 wrong usage (bad option
// values such as an unparsable time).
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

namespace seqc::cli {

namespace {

using Json = nlohmann::ordered_json;

// A usage problem found after parsing (a bad option value): `error: …`, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void print(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

// Invalid UTF-8 (from a record file, say) is replaced rather than thrown on.
void printJson(const Json& j) { print(j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n"); }

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
                const std::string& align = "", const std::string& indent = "") {
  std::vector<size_t> width(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) width[c] = utf8::countCodePoints(header[c]);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], utf8::countCodePoints(row[c]));
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (size_t c = 0; c < header.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : std::string();
      std::string pad(width[c] - std::min(width[c], utf8::countCodePoints(cell)), ' ');
      if (c > 0) text += "  ";
      bool right = c < align.size() && align[c] == 'r';
      text += right ? pad + cell : cell + pad;
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out += text + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  print(out);
}

// ---- formatting ---------------------------------------------------------------------

std::string iso(int64_t t) { return seqc::formatDateTime(t); }

Json isoOrNull(const std::optional<int64_t>& t) { return t ? Json(iso(*t)) : Json(nullptr); }

Json textOrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

std::string plural(size_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string_view statusName(uint8_t status) {
  return status < rt::kStatusNames.size() ? rt::kStatusNames[status] : std::string_view("unknown");
}

// "completed", "completed (reply)", "error": the status with its reason, as simulate shows it.
std::string statusText(const ws::ConnectionRow& row) {
  std::string s(statusName(row.status));
  if (row.reason < rt::kReasonSuffixes.size()) s += rt::kReasonSuffixes[row.reason];
  return s;
}

Json reasonJson(const ws::ConnectionRow& row) {
  switch (static_cast<rt::Reason>(row.reason)) {
    case rt::Reason::Reply:
    case rt::Reason::ExitWhen: return rt::name(static_cast<rt::Reason>(row.reason));
    case rt::Reason::Error: return row.message;
    default: return nullptr;
  }
}

// A step as one cell: its label when it has one, else `kind "title"` (or the kind).
std::string stepCell(const std::string& label, const std::string& kind, const std::string& title) {
  if (!label.empty()) return label;
  if (kind.empty()) return "-";
  if (title.empty()) return kind;
  return fmt::format("{} \"{}\"", kind, title);
}

bool isActive(const ws::ConnectionRow& row) { return row.status == static_cast<uint8_t>(rt::Status::Active); }

// The current step of a connection, or "-" when it is not on one.
std::string currentStep(const ws::ConnectionView& v) {
  if (!isActive(v.row)) return "-";
  return stepCell(v.stepLabel, v.stepKind, v.stepTitle);
}

// Days elapsed as LANGUAGE.md defines them (as `simulate` shows them): whole days since
// the record entered its current step; none once it is no longer active.
std::optional<int64_t> daysElapsed(const ws::ConnectionRow& row, int64_t clock) {
  if (!isActive(row)) return std::nullopt;
  int64_t since = clock - row.entered;
  return since < 0 ? 0 : since / seqc::kSecondsPerDay;
}

// `L-1 on "Seq": active, step call1 (progress 2/5)`.
std::string movedLine(const ws::ConnectionView& v) {
  std::string s = fmt::format("{} on \"{}\": {}", v.row.record, v.sequence, statusText(v.row));
  if (isActive(v.row)) {
    std::string step = currentStep(v);
    if (step != "-") s += ", step " + step;
  } else if (v.row.status == static_cast<uint8_t>(rt::Status::Error) && !v.row.message.empty()) {
    s += " (" + v.row.message + ")";
  }
  s += fmt::format(" (progress {}/{})", v.row.progress, v.total);
  return s;
}

// An engagement condition as written: `slots.opened or slots.clicked`.
std::string conditionText(const bc::Module& m, const bc::Sequence& seq, const bc::Step& s) {
  std::vector<std::string> parts;
  for (uint32_t t = 0; t < s.termCount && s.termBegin + t < m.terms.size(); ++t) {
    const bc::Term& term = m.terms[s.termBegin + t];
    std::string who = "?";
    if (term.step < seq.stepCount && seq.stepBegin + term.step < m.steps.size()) {
      const bc::Step& target = m.steps[seq.stepBegin + term.step];
      if (target.label != bc::kNone) who = std::string(m.str(target.label));
    }
    for (size_t e = 0; e < kEngagementEventNames.size(); ++e)
      if (term.events & (1u << e)) parts.push_back(fmt::format("{}.{}", who, kEngagementEventNames[e]));
  }
  return join(parts, s.all ? " and " : " or ");
}

// ---- options and the guard around every runner ---------------------------------------

std::optional<int64_t> timeOption(const std::string& flag, const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto t = seqc::parseDateTime(text);
  if (!t)
    throw UsageError(fmt::format("{}: '{}' is not an ISO 8601 time (like 2026-01-05T09:00:00Z)", flag, text));
  return t;
}

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

CLI::App* command(CLI::App& app, const char* name, const char* help, Common& common, bool json) {
  auto* cmd = app.add_subcommand(name, help);
  cmd->add_option("--workspace", common.dir, "the workspace directory (default: the current directory)")
      ->type_name("DIR");
  if (json) cmd->add_flag("--json", common.json, "print JSON instead of a table");
  return cmd;
}

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

// ---- the commands ---------------------------------------------------------------------

Runner addInit(CLI::App& app) {
  struct Opts : Common {
    std::string clock;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "init", "Create a workspace (a directory with a state database)", *opts, false);
  cmd->add_option("--clock", opts->clock, "the workspace clock's starting time (default: now)")
      ->type_name("ISO8601");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> clock = timeOption("--clock", opts->clock);
      ws::Workspace::init(opts->dir, clock);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      print(fmt::format("initialized workspace in {} (clock {})\n", opts->dir, iso(w.clock())));
      return kExitOk;
    });
  };
}

Runner addActivate(CLI::App& app) {
  struct Opts : Common {
    std::string file, sequence, message;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "activate",
                      "Store a new version of each sequence of a .seq file and make it active", *opts, false);
  cmd->add_option("file", opts->file, "the .seq source, or the name of a stored sequence to reactivate")
      ->required()
      ->type_name("FILE.seq|NAME");
  cmd->add_option("--sequence", opts->sequence, "activate only this sequence of the file")->type_name("NAME");
  cmd->add_option("-m,--message", opts->message, "describe the change (shown in the versions of `seqc show`)")
      ->type_name("TEXT");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context& ctx) {
    // A name, not a file: reactivate the stored sequence (an imported or cloned one has
    // no source on this machine).
    if (!opts->file.ends_with(".seq") && !std::filesystem::exists(opts->file)) {
      if (!opts->sequence.empty() || !opts->message.empty()) {
        std::fprintf(stderr, "seqc activate: --sequence and --message apply to a .seq file, not to the stored "
                             "sequence '%s'\n", opts->file.c_str());
        return kExitUsage;
      }
      ws::Activation a = w.reactivate(opts->file);
      print(a.what == ws::Activation::What::Unchanged
                ? fmt::format("\"{}\" is already active (version {})\n", a.sequence, a.version)
                : fmt::format("activated \"{}\" (version {})\n", a.sequence, a.version));
      return kExitOk;
    }
    CompileResult r = compileFile(opts->file, CompileOptions{ctx.stdlibDir()});
    // Diagnostics (warnings too) as `check` prints them, on stderr: stdout says what
    // was activated.
    std::fputs(r.diagnosticsText().c_str(), stderr);
    if (!r.ok) {
      if (!r.compilation->diagnostics().hasErrors()) std::fprintf(stderr, "error: %s\n", r.error.c_str());
      return kExitInputError;
    }
    std::string out;
    for (const ws::Activation& a : w.activate(r, opts->file, opts->sequence, opts->message)) {
      switch (a.what) {
        case ws::Activation::What::NewVersion:
          out += fmt::format("activated \"{}\" version {}\n", a.sequence, a.version);
          break;
        case ws::Activation::What::Unchanged:
          out += fmt::format("\"{}\" is unchanged (version {}, active)\n", a.sequence, a.version);
          break;
        case ws::Activation::What::Reactivated:
          out += fmt::format("reactivated \"{}\" (version {}, unchanged)\n", a.sequence, a.version);
          break;
      }
    }
    print(out);
    return kExitOk;
  });
}

Runner addDeactivate(CLI::App& app) {
  struct Opts : Common {
    std::string name;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "deactivate", "Stop a sequence: records on it stay where they are", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    w.deactivate(opts->name);
    print(fmt::format("deactivated \"{}\"\n", opts->name));
    return kExitOk;
  });
}

Runner addList(CLI::App& app) {
  struct Opts : Common {
    std::string status, entity, tag, search, sort = "name";
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "list", "List the workspace's sequences", *opts, true);
  cmd->add_option("--status", opts->status, "only active or only inactive sequences")
      ->check(CLI::IsMember({"active", "inactive"}))
      ->type_name("active|inactive");
  cmd->add_option("--entity", opts->entity, "only sequences on this entity")->type_name("ENTITY");
  cmd->add_option("--tag", opts->tag, "only sequences with this tag (or a tag under it: a matches a/b)")
      ->type_name("TAG");
  cmd->add_option("--search", opts->search, "only sequences whose name or description contains TEXT")
      ->type_name("TEXT");
  cmd->add_option("--sort", opts->sort, "order of the rows (default name)")
      ->check(CLI::IsMember({"name", "modified", "records"}))
      ->type_name("name|modified|records");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    ws::ListFilter filter;
    if (!opts->status.empty()) filter.active = opts->status == "active";
    filter.entity = opts->entity;
    filter.tag = opts->tag;
    filter.search = opts->search;
    filter.sort = opts->sort;
    std::vector<ws::SequenceSummary> list = w.list(filter);
    if (opts->json) {
      Json out = Json::array();
      for (const ws::SequenceSummary& s : list)
        out.push_back({{"name", s.row.name},
                       {"status", s.row.active ? "active" : "inactive"},
                       {"entity", s.row.entity},
                       {"version", s.row.latest},
                       {"records", s.records},
                       {"tags", s.row.tags},
                       {"description", s.row.description},
                       {"modified", iso(s.row.modified)}});
      printJson(out);
      return kExitOk;
    }
    if (list.empty()) {
      print("no sequences\n");
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const ws::SequenceSummary& s : list)
      rows.push_back({s.row.name, s.row.active ? "active" : "inactive", s.row.entity,
                      std::to_string(s.row.latest), std::to_string(s.records), join(s.row.tags, ", ")});
    printTable({"NAME", "STATUS", "ENTITY", "VERSION", "RECORDS", "TAGS"}, rows, "lllrrl");
    return kExitOk;
  });
}

Runner addShow(CLI::App& app) {
  struct Opts : Common {
    std::string name;
    int32_t version = 0;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "show", "Describe a sequence: properties, versions and steps", *opts, true);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  auto* version = cmd->add_option("--version", opts->version, "show this version's steps (default: the latest)")
                      ->type_name("N");
  return runner(cmd, opts, [opts, version](ws::Workspace& w, const Context&) {
    std::optional<int32_t> which;
    if (version->count() > 0) which = opts->version;
    ws::SequenceDetail d = w.show(opts->name, which);
    const bc::Module& m = d.module;
    if (d.index >= m.sequences.size()) throw ws::StoreError("version " + std::to_string(d.shown) + " of \"" +
                                                            d.row.name + "\" has no such sequence");
    const bc::Sequence& seq = m.sequences[d.index];
    // Modules before bytecode 1.1 carry no assignment: the default, the record's owner.
    std::string assignment = seq.assign == bc::kNone ? "owner" : std::string(m.str(seq.assign));
    struct StepView {
      std::string label, kind, title, templ, description, condition;
      std::optional<int64_t> due, wait, within;
      uint32_t line = 0;
    };
    std::vector<StepView> steps;
    for (uint32_t i = 0; i < seq.stepCount && seq.stepBegin + i < m.steps.size(); ++i) {
      const bc::Step& s = m.steps[seq.stepBegin + i];
      StepView v;
      if (s.label != bc::kNone) v.label = m.str(s.label);
      v.kind = bc::kindName(s);
      v.line = s.line;
      if (s.kind == bc::StepKind::Activity) {
        v.title = m.str(s.title);
        if (s.templ != bc::kNone) v.templ = m.str(s.templ);
        if (s.description != bc::kNone) v.description = m.str(s.description);
        if (s.seconds > 0) v.due = s.seconds;
      } else if (s.kind == bc::StepKind::Wait) {
        v.wait = s.seconds;
      } else {
        v.condition = conditionText(m, seq, s);
        v.within = s.seconds;
      }
      steps.push_back(std::move(v));
    }
    std::string status = d.row.active ? "active" : "inactive";

    if (opts->json) {
      Json versions = Json::array();
      for (const ws::VersionRow& v : d.versions)
        versions.push_back({{"number", v.number},
                            {"created", iso(v.created)},
                            {"change", v.change},
                            {"source", v.sourcePath},
                            {"shown", v.number == d.shown}});
      Json js = Json::array();
      for (const StepView& s : steps) {
        Json j;
        j["label"] = textOrNull(s.label);
        j["kind"] = s.kind;
        j["title"] = textOrNull(s.title);
        if (!s.condition.empty()) j["condition"] = s.condition;
        if (s.due) j["due"] = seqc::formatDuration(*s.due);
        if (s.wait) j["wait"] = seqc::formatDuration(*s.wait);
        if (s.within) j["within"] = seqc::formatDuration(*s.within);
        if (!s.templ.empty()) j["template"] = s.templ;
        if (!s.description.empty()) j["description"] = s.description;
        j["line"] = s.line;
        js.push_back(std::move(j));
      }
      Json out;
      out["name"] = d.row.name;
      out["description"] = d.row.description;
      out["entity"] = d.row.entity;
      out["assign_to"] = assignment;
      out["status"] = status;
      out["tags"] = d.row.tags;
      out["records"] = d.records;
      out["latest"] = d.row.latest;
      out["created"] = iso(d.row.created);
      out["modified"] = iso(d.row.modified);
      out["versions"] = std::move(versions);
      out["shown"] = d.shown;
      out["exit_on_reply"] = seq.exitOnReply;
      out["steps"] = std::move(js);
      printJson(out);
      return kExitOk;
    }

    std::string out = fmt::format("\"{}\"\n", d.row.name);
    if (!d.row.description.empty()) out += fmt::format("  description: {}\n", d.row.description);
    out += fmt::format("  entity:      {}\n", d.row.entity);
    out += fmt::format("  assign to:   {}\n", assignment);
    out += fmt::format("  status:      {} (latest version {})\n", status, d.row.latest);
    out += fmt::format("  tags:        {}\n", d.row.tags.empty() ? "-" : join(d.row.tags, ", "));
    out += fmt::format("  records:     {} connected\n", d.records);
    out += fmt::format("  modified:    {}\n", iso(d.row.modified));
    out += "\nVersions:\n";
    print(out);
    std::vector<std::vector<std::string>> rows;
    for (const ws::VersionRow& v : d.versions)
      rows.push_back({v.number == d.shown ? "*" : "", std::to_string(v.number), iso(v.created),
                      v.change.empty() ? "-" : v.change});
    printTable({"", "NUMBER", "CREATED", "CHANGE"}, rows, "lr", "  ");
    out = fmt::format("\nSteps of version {}{}:\n", d.shown, seq.exitOnReply ? " (exit on reply)" : "");
    if (steps.empty()) out += "  (none)\n";
    for (const StepView& s : steps) {
      std::string line = "  ";
      if (!s.label.empty()) line += s.label + ": ";
      line += s.kind;
      if (!s.title.empty()) line += fmt::format(" \"{}\"", s.title);
      if (!s.condition.empty()) line += " " + s.condition;
      if (s.due) line += " due " + seqc::formatDuration(*s.due);
      if (s.wait) line += " " + seqc::formatDuration(*s.wait);
      if (s.within) line += " within " + seqc::formatDuration(*s.within);
      if (!s.templ.empty()) line += fmt::format(" template \"{}\"", s.templ);
      out += line + "\n";
    }
    print(out);
    return kExitOk;
  });
}

Runner addRecords(CLI::App& app) {
  struct Opts : Common {
    std::vector<std::string> args;
    std::string entity;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "records",
                      "List the records on a sequence (records NAME), or load records (records load FILE --entity E)",
                      *opts, true);
  cmd->add_option("args", opts->args, "NAME, or `load FILE`")->required()->type_name("NAME | load FILE");
  auto* entity = cmd->add_option("--entity", opts->entity, "(load) the entity the records are of")
                     ->type_name("ENTITY");
  return runner(cmd, opts, [opts, entity](ws::Workspace& w, const Context&) {
    const auto& args = opts->args;
    if (args[0] == "load") {
      if (args.size() != 2) throw UsageError("records load: give exactly one FILE (.csv or .jsonl)");
      if (opts->entity.empty()) throw UsageError("records load: --entity is required");
      if (opts->json) throw UsageError("records load: --json does not apply");
      ws::LoadResult r = w.loadRecords(args[1], opts->entity);
      print(fmt::format("loaded {} ({} new, {} updated) from {}\n", plural(r.inserted + r.updated, "record", "records"),
                        r.inserted, r.updated, args[1]));
      return kExitOk;
    }
    if (args.size() != 1)
      throw UsageError("records: give one sequence NAME (quote a name with spaces), or `load FILE`");
    if (entity->count() > 0) throw UsageError("records: --entity applies to `records load` only");
    std::vector<ws::ConnectionView> views = w.records(args[0]);
    int64_t clock = w.clock();
    if (opts->json) {
      JsonArrayPrinter out;
      for (const ws::ConnectionView& v : views) {
        Json step = nullptr;
        if (isActive(v.row) && !v.stepKind.empty())
          step = {{"label", textOrNull(v.stepLabel)}, {"kind", v.stepKind}, {"title", textOrNull(v.stepTitle)}};
        out.add({{"record", v.row.record},
                       {"version", v.row.version},
                       {"status", statusName(v.row.status)},
                       {"reason", reasonJson(v.row)},
                       {"progress", v.row.progress},
                       {"total", v.total},
                       {"step", step},
                       {"days_elapsed", daysElapsed(v.row, clock) ? Json(*daysElapsed(v.row, clock)) : Json()},
                       {"due", isoOrNull(v.row.due)},
                       {"connected", iso(v.row.connected)}});
      }
      out.finish();
      return kExitOk;
    }
    if (views.empty()) {
      print(fmt::format("no records connected to \"{}\"\n", args[0]));
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const ws::ConnectionView& v : views)
      rows.push_back({v.row.record, std::to_string(v.row.version), statusText(v.row),
                      fmt::format("{}/{}", v.row.progress, v.total), currentStep(v),
                      daysElapsed(v.row, clock) ? std::to_string(*daysElapsed(v.row, clock)) : "-",
                      v.row.due ? iso(*v.row.due) : "-"});
    printTable({"RECORD", "VERSION", "STATUS", "PROGRESS", "STEP", "DAYS", "DUE"}, rows, "lrlrlrl");
    return kExitOk;
  });
}

Runner addConnect(CLI::App& app) {
  struct Opts : Common {
    std::string name, where;
    std::vector<std::string> records;
    bool allowMultiple = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "connect", "Connect records to a sequence", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  auto* rec = cmd->add_option("--record", opts->records, "the records to connect (repeat, or separate with commas)")
                  ->delimiter(',')
                  ->type_name("ID");
  auto* where = cmd->add_option("--where", opts->where,
                                "connect the records of the sequence's entity for which EXPR is true "
                                "(a .seq bool expression, like 'lead.statecode == \"Open\"')")
                    ->type_name("EXPR");
  rec->excludes(where);
  where->excludes(rec);
  cmd->add_flag("--allow-multiple", opts->allowMultiple,
                "also connect records that are already active on another sequence");
  return [cmd, opts, rec, where](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    if (rec->count() == 0 && where->count() == 0) {
      std::fputs("error: connect: give --record ID… or --where EXPR\n", stderr);
      return kExitUsage;
    }
    if (where->count() > 0 && opts->where.empty()) {
      std::fputs("error: --where: the expression is empty\n", stderr);
      return kExitUsage;
    }
    return guarded([&] {
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      ws::ConnectResult r = w.connect(opts->name, opts->records, opts->where, opts->allowMultiple);
      if (where->count() > 0)
      {
        std::string skipped;
        if (r.alreadyConnected) skipped += fmt::format("; {} already on it", r.alreadyConnected);
        if (r.onOtherSequences)
          skipped += fmt::format("; {} on another sequence (--allow-multiple connects them too)", r.onOtherSequences);
        print(fmt::format("connected {} of {} matching {} to \"{}\"{}\n", r.connected, r.matched,
                          r.matched == 1 ? "record" : "records", opts->name, skipped));
      }
      else
        print(fmt::format("connected {} to \"{}\"\n", plural(r.connected, "record", "records"), opts->name));
      return kExitOk;
    });
  };
}

Runner addDisconnect(CLI::App& app) {
  struct Opts : Common {
    std::string name;
    std::vector<std::string> records;
    bool all = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "disconnect", "Take records off a sequence", *opts, false);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  auto* rec = cmd->add_option("--record", opts->records, "the records to disconnect (repeat, or separate with commas)")
                  ->delimiter(',')
                  ->type_name("ID");
  auto* all = cmd->add_flag("--all", opts->all, "disconnect every active record");
  rec->excludes(all);
  all->excludes(rec);
  return [cmd, opts, rec, all](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    if (rec->count() == 0 && all->count() == 0) {
      std::fputs("error: disconnect: give --record ID… or --all\n", stderr);
      return kExitUsage;
    }
    return guarded([&] {
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      size_t n = w.disconnect(opts->name, opts->records, opts->all);
      print(fmt::format("disconnected {} from \"{}\"\n", plural(n, "record", "records"), opts->name));
      return kExitOk;
    });
  };
}

void printMoved(const ws::ActionResult& r) {
  std::string out;
  for (const ws::ConnectionView& v : r.moved) out += movedLine(v) + "\n";
  print(out);
}

Runner addComplete(CLI::App& app) {
  struct Opts : Common {
    std::string record, outcome, sequence;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "complete", "Complete a record's current manual step (at the workspace clock)", *opts,
                      false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("--outcome", opts->outcome, "a call's outcome")
      ->type_name("answered|voicemail|no_answer|wrong_number");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<CallOutcome> outcome;
      if (!opts->outcome.empty()) {
        outcome = parseCallOutcome(opts->outcome);
        if (!outcome)
          throw UsageError(fmt::format("--outcome: '{}' is not a call outcome (answered, voicemail, no_answer, "
                                       "wrong_number)",
                                       opts->outcome));
      }
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      printMoved(w.complete(opts->record, outcome, opts->sequence));
      return kExitOk;
    });
  };
}

Runner addSkip(CLI::App& app) {
  struct Opts : Common {
    std::string record, sequence;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "skip", "Skip a record's current step or wait (at the workspace clock)", *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    printMoved(w.skip(opts->record, opts->sequence));
    return kExitOk;
  });
}

Runner addEvent(CLI::App& app) {
  struct Opts : Common {
    std::string record, type, step, sequence;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "event", "Record a customer's engagement with a sent step (at the workspace clock)",
                      *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("type", opts->type, "what happened")->required()->type_name("opened|clicked|replied|downloaded");
  cmd->add_option("--step", opts->step, "the label of the step it concerns")->required()->type_name("LABEL");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      auto e = parseEngagementEvent(opts->type);
      if (!e)
        throw UsageError(
            fmt::format("event: '{}' is not an event (opened, clicked, replied, downloaded)", opts->type));
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      printMoved(w.event(opts->record, *e, opts->step, opts->sequence));
      return kExitOk;
    });
  };
}

Runner addUpdate(CLI::App& app) {
  struct Opts : Common {
    std::string record;
    std::vector<std::string> assignments;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "update", "Change fields of a record (at the workspace clock)", *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("assignments", opts->assignments, "the new values (empty value: null)")
      ->required()
      ->type_name("FIELD=VALUE");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      for (const std::string& a : opts->assignments)
        if (a.find('=') == std::string::npos || a.front() == '=')
          throw UsageError(fmt::format("update: '{}' is not FIELD=VALUE", a));
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      ws::ActionResult r = w.update(opts->record, opts->assignments);
      print(fmt::format("updated {}\n", opts->record));
      printMoved(r);
      return kExitOk;
    });
  };
}

Runner addTick(CLI::App& app) {
  struct Opts : Common {
    std::string to;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "tick", "Advance the workspace clock and run every timer due", *opts, false);
  cmd->add_option("--to", opts->to, "the new time (default: now; the clock never goes back)")
      ->type_name("ISO8601");
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> to = timeOption("--to", opts->to);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      ws::TickResult r = w.tick(to);
      if (to && *to < r.from)  // a late cron run: say why nothing happened
        print(fmt::format("the clock is already at {}, after {}; it never goes back\n", iso(r.from), iso(*to)));
      print(fmt::format("clock {} → {}: {} moved, {}\n", iso(r.from), iso(r.to),
                        plural(r.records, "record", "records"), plural(r.steps, "step", "steps")));
      return kExitOk;
    });
  };
}

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

Runner addHistory(CLI::App& app) {
  struct Opts : Common {
    std::string record;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "history", "What happened to a record, on every sequence", *opts, true);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    std::vector<ws::HistoryView> history = w.history(opts->record);
    if (opts->json) {
      Json out = Json::array();
      for (const ws::HistoryView& h : history)
        out.push_back({{"at", iso(h.row.at)},
                       {"sequence", h.sequence},
                       {"version", h.version},
                       {"step", textOrNull(h.stepLabel)},
                       {"kind", textOrNull(h.stepKind)},
                       {"title", textOrNull(h.stepTitle)},
                       {"result", h.row.result},
                       {"detail", textOrNull(h.row.detail)}});
      printJson(out);
      return kExitOk;
    }
    if (history.empty()) {
      print(fmt::format("no history for {}\n", opts->record));
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const ws::HistoryView& h : history)
      rows.push_back({iso(h.row.at), h.sequence, std::to_string(h.version),
                      stepCell(h.stepLabel, h.stepKind, h.stepTitle), h.row.result,
                      h.row.detail.empty() ? "-" : h.row.detail});
    printTable({"TIME", "SEQUENCE", "VERSION", "STEP", "RESULT", "DETAIL"}, rows, "llrlll");
    return kExitOk;
  });
}

Runner addStats(CLI::App& app) {
  struct Opts : Common {
    std::string name;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "stats", "A sequence's funnel: records by status, per-step counts", *opts, true);
  cmd->add_option("name", opts->name, "the sequence")->required()->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    ws::Stats s = w.stats(opts->name);
    if (opts->json) {
      Json byStatus = Json::object();
      for (const auto& [status, n] : s.byStatus) byStatus[status] = n;
      Json steps = Json::array();
      for (const ws::Stats::StepStats& st : s.steps)
        steps.push_back({{"label", textOrNull(st.label)},
                         {"kind", st.kind},
                         {"title", textOrNull(st.title)},
                         {"reached", st.reached},
                         {"done", st.done},
                         {"skipped", st.skipped},
                         {"current", st.current}});
      Json out;
      out["sequence"] = opts->name;
      out["by_status"] = std::move(byStatus);
      out["steps"] = std::move(steps);
      out["completed"] = s.completed;
      out["average_days_to_completion"] =
          s.averageDaysToCompletion ? Json(*s.averageDaysToCompletion) : Json(nullptr);
      printJson(out);
      return kExitOk;
    }
    int64_t total = 0;
    std::vector<std::string> parts;
    for (const auto& [status, n] : s.byStatus) {
      total += n;
      parts.push_back(fmt::format("{} {}", n, status));
    }
    print(fmt::format("\"{}\": {}{}{}\n\n", opts->name, plural(static_cast<size_t>(total), "record", "records"),
                      parts.empty() ? "" : ": ", join(parts, ", ")));
    std::vector<std::vector<std::string>> rows;
    for (const ws::Stats::StepStats& st : s.steps)
      rows.push_back({st.label.empty() ? "-" : st.label, st.kind, st.title.empty() ? "-" : st.title,
                      std::to_string(st.reached), std::to_string(st.done), std::to_string(st.skipped),
                      std::to_string(st.current)});
    printTable({"LABEL", "KIND", "TITLE", "REACHED", "DONE", "SKIPPED", "CURRENT"}, rows, "lllrrrr");
    std::string avg = "-";
    if (s.averageDaysToCompletion && std::isfinite(*s.averageDaysToCompletion))
      avg = fmt::format("{:.1f}", *s.averageDaysToCompletion);
    print(fmt::format("\nAverage days to completion: {} ({} completed)\n", avg, s.completed));
    return kExitOk;
  });
}

}  // namespace

std::vector<Runner> addWorkspaceCommands(CLI::App& app) {
  return {addInit(app),     addActivate(app), addDeactivate(app), addList(app),   addShow(app),
          addRecords(app),  addConnect(app),  addDisconnect(app), addComplete(app), addSkip(app),
          addEvent(app),    addUpdate(app),   addTick(app),       addClone(app),  addDelete(app),
          addExport(app),   addImport(app),   addHistory(app),    addStats(app)};
}

}  // namespace seqc::cli
