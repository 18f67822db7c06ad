// The workspace commands (sequence lifecycle), registered in the order `seqc --help`
// lists them; each lives in tools/seqc/workspace/NAME.cc.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli {

std::vector<Runner> addWorkspaceCommands(CLI::App& app) {
  using namespace wscmd;
  return {addInit(app),     addActivate(app), addDeactivate(app), addList(app),   addShow(app),
          addRecords(app),  addConnect(app),  addDisconnect(app), addComplete(app), addSkip(app),
          addEvent(app),    addUpdate(app),   addTick(app),       addWorklist(app), addAssign(app),
          addClone(app),    addDelete(app),   addExport(app),     addImport(app), addHistory(app),
          addStats(app),    addReport(app),   addSegments(app)};
}

}  // namespace seqc::cli
