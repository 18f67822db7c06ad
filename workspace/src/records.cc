// The records of a workspace: the schema they are typed by, and `seqc records load`.
#include "seqc/workspace/workspace.h"

#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "engine.h"
#include "seqc/sim/records.h"

namespace seqc::ws {

using Json = nlohmann::ordered_json;

bc::RecordSchema Workspace::schema(const std::string& entity) {
  const Program& p = stdlibProgram(stdlibDir_);
  auto base = entitySchema(p, entity);
  if (!base) throw Error(fmt::format("no entity '{}' (entities: {})", entity, quotedList(entityNames(p))));
  bc::RecordSchema out = std::move(*base);
  for (const ExtensionRow& x : store_->extensions(entity))
    if (auto spec = specFromJson(x.field, x.spec); spec && !out.find(x.field)) out.fields.push_back(*spec);
  return out;
}

LoadResult Workspace::loadRecords(const std::string& path, const std::string& entity) {
  return inWriteTransaction(*store_, [&] {
    rt::RecordSchema s = schema(entity);
    std::vector<std::string> keep;
    for (const auto& f : s.fields) keep.push_back(f.name);
    rt::StringArena arena;
    rt::RecordTable table;
    std::string error;
    if (!rt::readRecords(path, s, keep, arena, table, error, /*presentOnly=*/true)) throw Error(error);
    int64_t now = metaInt(*store_, "clock");
    std::vector<RecordRow> rows(table.ids.size());
    std::vector<const rt::FieldSpec*> spec;
    for (const auto& column : table.columns) spec.push_back(s.find(column));
    std::unordered_map<std::string, size_t> seen;
    for (size_t i = 0; i < table.ids.size(); ++i) {
      if (auto [it, fresh] = seen.emplace(table.ids[i], i); !fresh)
        throw Error(fmt::format("{}:{}: record '{}' appears twice (first on line {})", path, table.lines[i],
                                table.ids[i], table.lines[it->second]));
      Json j = Json::object();
      for (size_t c = 0; c < table.columns.size(); ++c) {
        const rt::Value& v = table.values[i * table.columns.size() + c];
        if (!v.isNull()) j[table.columns[c]] = rt::fieldText(*spec[c], v);
      }
      rows[i] = RecordRow{table.ids[i], entity, j.dump(), now};
    }
    LoadResult result;
    for (const RecordRow& existing : store_->records(table.ids)) {
      if (existing.entity != entity) {
        size_t i = seen.at(existing.id);
        throw Error(fmt::format("{}:{}: record '{}' is already in the workspace as a {} record; ids are unique "
                                "across entities", path, table.lines[i], existing.id, existing.entity));
      }
      ++result.updated;
    }
    result.inserted = rows.size() - result.updated;
    store_->upsertRecords(rows);
    // A reloaded record on a sequence gets its values as `seqc update` would give them,
    // so `exit when` sees the change.
    if (result.updated > 0) {
      std::vector<ConnectionRow> connected;
      ConnectionFilter f;
      f.activeOnly = true;
      store_->forEachConnection(f, [&](const ConnectionRow& c) {
        if (seen.count(c.record)) connected.push_back(c);
      });
      std::vector<Action> updates;
      std::set<std::string> done;
      for (const ConnectionRow& c : connected) {
        if (!done.insert(c.record).second) continue;
        size_t i = seen.at(c.record);
        Action a;
        a.kind = Action::Kind::Update;
        a.record = c.record;
        a.context = fmt::format("{}:{}", path, table.lines[i]);
        for (size_t k = 0; k < table.columns.size(); ++k)
          a.fields.emplace_back(table.columns[k], table.values[i * table.columns.size() + k]);
        updates.push_back(std::move(a));
      }
      Mover mover(*store_, *impl_, metaInt(*store_, "epoch"));
      mover.run(connected, updates, now);
    }
    return result;
  });
}

}  // namespace seqc::ws
