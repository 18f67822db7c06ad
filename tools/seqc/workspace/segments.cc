// `seqc segments [NAME]`: the active segments, or the members of one.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

Runner addSegments(CLI::App& app) {
  struct Opts : Common {
    std::string name;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = command(app, "segments", "List the active segments, or the members of one", *opts, true);
  cmd->add_option("name", opts->name, "a segment: list its members")->type_name("NAME");
  return runner(cmd, opts, [opts](ws::Workspace& w, const Context&) {
    if (!opts->name.empty()) {
      std::vector<ws::SegmentMemberRow> members = w.segmentMembers(opts->name);
      if (opts->json) {
        Json out = Json::array();
        for (const ws::SegmentMemberRow& m : members)
          out.push_back({{"record", m.record}, {"entered", iso(m.entered)}, {"connected", m.connection != 0},
                         {"note", m.note}});
        printJson(out);
        return kExitOk;
      }
      if (members.empty()) {
        print(fmt::format("segment '{}' has no members\n", opts->name));
        return kExitOk;
      }
      std::vector<std::vector<std::string>> rows;
      for (const ws::SegmentMemberRow& m : members) rows.push_back({m.record, iso(m.entered), m.note});
      printTable({"RECORD", "ENTERED", "ENTRY"}, rows, "lll");
      return kExitOk;
    }
    std::vector<ws::SegmentSummary> list = w.segments();
    if (opts->json) {
      Json out = Json::array();
      for (const ws::SegmentSummary& s : list)
        out.push_back({{"name", s.name},
                       {"entity", s.entity},
                       {"sequence", s.sequence},
                       {"priority", s.priority},
                       {"on_leave", s.disconnect ? "disconnect" : "stay"},
                       {"members", s.members},
                       {"entries", s.entries},
                       {"connections", s.connections}});
      printJson(out);
      return kExitOk;
    }
    if (list.empty()) {
      print("no active segments\n");
      return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const ws::SegmentSummary& s : list)
      rows.push_back({s.name, s.entity, s.sequence, std::to_string(s.priority), s.disconnect ? "disconnect" : "stay",
                      std::to_string(s.members), std::to_string(s.entries), std::to_string(s.connections)});
    printTable({"NAME", "ENTITY", "SEQUENCE", "PRIORITY", "ON LEAVE", "MEMBERS", "ENTRIES", "CONNECTIONS"}, rows,
               "lllrlrrr");
    return kExitOk;
  });
}

}  // namespace seqc::cli::wscmd
