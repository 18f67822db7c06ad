// `seqc list`.
#include "tools/seqc/workspace/common.h"

namespace seqc::cli::wscmd {

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

}  // namespace seqc::cli::wscmd
