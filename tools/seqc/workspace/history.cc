// `seqc history`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

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

}  // namespace seqc::cli::wscmd
