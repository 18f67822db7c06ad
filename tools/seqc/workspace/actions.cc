// the seller's and customer's actions: `seqc complete`, `skip`, `event`, `update`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

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

}  // namespace seqc::cli::wscmd
