// the seller's and customer's actions: `seqc complete`, `skip`, `event`, `update`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

void printMoved(const ws::ActionResult& r) {
  std::string out;
  for (const ws::ConnectionView& v : r.moved) out += movedLine(v) + "\n";
  print(out);
}

namespace {

// --at of the four actions: one text, one place.
void addAtOption(CLI::App* cmd, std::string& at) {
  cmd->add_option("--at", at, "when it happened (default: the workspace clock; not before the record's "
                  "last transition)")->type_name("ISO8601");
}

}  // namespace

Runner addComplete(CLI::App& app) {
  struct Opts : Common {
    std::string record, outcome, sequence, at;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "complete", "Complete a record's current manual step (at the workspace clock)", *opts,
                      false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("--outcome", opts->outcome, "a call's outcome")
      ->type_name("answered|voicemail|no_answer|wrong_number");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  addAtOption(cmd, opts->at);
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> at = timeOption("--at", opts->at);
      std::optional<CallOutcome> outcome;
      if (!opts->outcome.empty()) {
        outcome = parseCallOutcome(opts->outcome);
        if (!outcome)
          throw UsageError(fmt::format("--outcome: '{}' is not a call outcome (answered, voicemail, no_answer, "
                                       "wrong_number)",
                                       opts->outcome));
      }
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      printMoved(w.complete(opts->record, outcome, opts->sequence, at));
      return kExitOk;
    });
  };
}

Runner addSkip(CLI::App& app) {
  struct Opts : Common {
    std::string record, sequence, at;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "skip", "Skip a record's current step or wait (at the workspace clock)", *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  addAtOption(cmd, opts->at);
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> at = timeOption("--at", opts->at);
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      printMoved(w.skip(opts->record, opts->sequence, at));
      return kExitOk;
    });
  };
}

Runner addEvent(CLI::App& app) {
  struct Opts : Common {
    std::string record, type, step, sequence, at;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "event", "Record a customer's engagement with a sent step (at the workspace clock)",
                      *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("type", opts->type, "what happened")->required()->type_name("opened|clicked|replied|downloaded");
  cmd->add_option("--step", opts->step, "the label of the step it concerns (default: the step sent last that "
                  "can receive it)")->type_name("LABEL");
  cmd->add_option("--sequence", opts->sequence, "the sequence, when the record is on several")->type_name("NAME");
  addAtOption(cmd, opts->at);
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> at = timeOption("--at", opts->at);
      auto e = parseEngagementEvent(opts->type);
      if (!e)
        throw UsageError(
            fmt::format("event: '{}' is not an event (opened, clicked, replied, downloaded)", opts->type));
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      printMoved(w.event(opts->record, *e, opts->step, opts->sequence, at));
      return kExitOk;
    });
  };
}

Runner addUpdate(CLI::App& app) {
  struct Opts : Common {
    std::string record, at;
    std::vector<std::string> assignments;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "update", "Change fields of a record (at the workspace clock)", *opts, false);
  cmd->add_option("record", opts->record, "the record")->required()->type_name("RECORD");
  cmd->add_option("assignments", opts->assignments, "the new values (empty value: null)")
      ->required()
      ->type_name("FIELD=VALUE");
  addAtOption(cmd, opts->at);
  return [cmd, opts](const Context& ctx) -> int {
    if (!cmd->parsed()) return -1;
    return guarded([&] {
      std::optional<int64_t> at = timeOption("--at", opts->at);
      for (const std::string& a : opts->assignments)
        if (a.find('=') == std::string::npos || a.front() == '=')
          throw UsageError(fmt::format("update: '{}' is not FIELD=VALUE", a));
      ws::Workspace w(opts->dir, ctx.stdlibDir());
      ws::ActionResult r = w.update(opts->record, opts->assignments, at);
      print(fmt::format("updated {}\n", opts->record));
      printMoved(r);
      return kExitOk;
    });
  };
}

}  // namespace seqc::cli::wscmd
