// The records of a workspace: the schema they are typed by, and `seqc records load`.
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "engine.h"
#include "segments.h"
#include "fields.h"
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

void Workspace::upgrade() {
  if (!store_->needsUpgrade()) return;
  inWriteTransaction(*store_, [&] {
    // Format 1 kept each record's fields as a JSON object of texts. Each becomes its
    // typed value; a text its field no longer accepts (or a field the schema lost) is
    // kept as a string, which reads as null where the field is not a string, as before.
    std::map<std::string, std::optional<rt::RecordSchema>> schemas;
    std::map<std::string, std::unique_ptr<FieldNumbers>> numbers;
    rt::StringArena arena;
    store_->upgrade([&](const std::string& entity, const std::string& text) {
      auto s = schemas.find(entity);
      if (s == schemas.end()) {
        std::optional<rt::RecordSchema> found;
        try {
          found = schema(entity);
        } catch (const Error&) {  // an entity the standard library no longer has
        }
        s = schemas.emplace(entity, std::move(found)).first;
        numbers.emplace(entity, std::make_unique<FieldNumbers>(*store_, entity));
      }
      FieldNumbers& n = *numbers.at(entity);
      Json j = Json::parse(text, nullptr, false);
      if (!j.is_object()) throw StoreError(fmt::format("a record's fields are damaged: {}", text));
      std::string out;
      for (const auto& [name, value] : j.items()) {
        if (!value.is_string()) continue;
        const std::string& t = value.get_ref<const std::string&>();
        const rt::FieldSpec* spec = s->second ? s->second->find(name) : nullptr;
        std::string error;
        std::optional<rt::Value> v;
        if (spec) v = rt::parseFieldText(*spec, t, arena, error);
        if (!v) v = rt::Value::string(arena.store(t));
        appendField(n.number(name), *v, out);
      }
      return out;
    });
    if (store_->meta("run_counts") == "fill") fillRunCounts(*store_, *impl_);
  });
}

LoadResult Workspace::loadRecords(const std::string& path, const std::string& entity, const Progress& progress) {
  // The file is read and checked before the write lock is taken: a slow input, or one
  // without end, never holds up the workspace's other commands.
  rt::RecordSchema s = inReadTransaction(*store_, [&] { return schema(entity); });
  std::vector<std::string> keep;
  for (const auto& f : s.fields) keep.push_back(f.name);
  rt::StringArena arena;
  rt::RecordTable table;
  std::string error;
  if (!rt::readRecords(path, s, keep, arena, table, error, /*presentOnly=*/true)) throw Error(error);
  return inWriteTransaction(*store_, [&] {
    rt::RecordSchema current = schema(entity);
    bool same = current.fields.size() == s.fields.size();
    for (size_t i = 0; same && i < s.fields.size(); ++i)
      same = current.fields[i].name == s.fields[i].name && sameSpec(current.fields[i], s.fields[i]);
    if (!same)
      throw Error(fmt::format("the fields of {} changed while {} was read (an activation added some); "
                              "nothing loaded: run the command again", entity, path));
    int64_t now = metaInt(*store_, "clock");
    FieldNumbers numbers(*store_, entity);
    std::vector<uint32_t> number;
    for (const auto& column : table.columns) number.push_back(numbers.number(column));
    // Ids are unique in the file (readRecords refuses a second one); the index from id
    // to row is made only when a loaded record is already in the workspace: a million
    // strings hashed into nodes cost more than the inserts.
    std::unordered_map<std::string_view, size_t> byId;
    auto index = [&]() -> const std::unordered_map<std::string_view, size_t>& {
      if (byId.empty())
        for (size_t i = 0; i < table.ids.size(); ++i) byId.emplace(table.ids[i], i);
      return byId;
    };
    LoadResult result;
    // Into an empty workspace (the first load, often the largest), no id can be there.
    std::vector<RecordRow> existingRows;
    if (store_->hasRecords()) existingRows = store_->records(table.ids);
    for (const RecordRow& existing : existingRows) {
      if (existing.entity != entity) {
        size_t i = index().at(existing.id);
        throw Error(fmt::format("{}:{}: record '{}' is already in the workspace as a {} record; ids are unique "
                                "across entities", path, table.lines[i], existing.id, existing.entity));
      }
      ++result.updated;
    }
    result.inserted = table.ids.size() - result.updated;
    // A chunk at a time, to report progress. The chunk's rows are reused: their strings
    // keep their capacity, so encoding a record allocates nothing.
    constexpr size_t kChunk = 10000;
    std::vector<RecordRow> chunk(std::min(kChunk, table.ids.size()));
    for (RecordRow& row : chunk) {
      row.entity = entity;
      row.updated = now;
    }
    for (size_t b = 0; b < table.ids.size(); b += kChunk) {
      size_t e = std::min(table.ids.size(), b + kChunk);
      chunk.resize(e - b);
      for (size_t i = b; i < e; ++i) {
        RecordRow& row = chunk[i - b];
        row.id = table.ids[i];
        row.fields.clear();
        for (size_t c = 0; c < table.columns.size(); ++c)
          appendField(number[c], table.values[i * table.columns.size() + c], row.fields);
      }
      store_->upsertRecords(chunk);
      if (progress) progress(e, table.ids.size());
    }
    // A reloaded record on a sequence gets its values as `seqc update` would give them,
    // so `exit when` sees the change.
    if (result.updated > 0) {
      std::vector<ConnectionRow> connected;
      ConnectionFilter f;
      f.activeOnly = true;
      store_->forEachConnection(f, [&](const ConnectionRow& c) {
        if (index().count(c.record)) connected.push_back(c);
      });
      std::vector<Action> updates;
      std::set<std::string> done;
      for (const ConnectionRow& c : connected) {
        if (!done.insert(c.record).second) continue;
        size_t i = index().at(c.record);
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
      // Records that `set` changed are looked at too (after the last use of `index`,
      // whose keys point into the ids).
      table.ids.insert(table.ids.end(), mover.fieldsSet.begin(), mover.fieldsSet.end());
    }
    // New and changed records may enter or leave segments.
    evaluateSegments(*store_, *impl_, metaInt(*store_, "epoch"), now, table.ids);
    if (entity == "systemuser") Assigner(*store_, stdlibDir_).reassignInactive(*impl_, now);
    return result;
  });
}

// The stored fields of a record as (schema field, value), in the schema's order.
static std::vector<std::pair<const rt::FieldSpec*, rt::Value>> decodeRecord(const RecordRow& row,
                                                                            const rt::RecordSchema& schema,
                                                                            const FieldNumbers& numbers,
                                                                            rt::StringArena& arena) {
  std::vector<std::pair<const rt::FieldSpec*, rt::Value>> out;
  bool ok = forEachField(row.fields, [&](uint32_t number, std::string_view bytes) {
    if (number >= numbers.names().size()) return;
    const rt::FieldSpec* spec = schema.find(numbers.names()[number]);
    rt::Value v;
    if (spec && decodeValue(bytes, v, arena) && !v.isNull() && fits(*spec, v)) out.emplace_back(spec, v);
  });
  if (!ok) throw StoreError(fmt::format("record '{}' has damaged fields", row.id));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

RecordDetail Workspace::recordDetail(const std::string& id) {
  return inReadTransaction(*store_, [&] {
    auto row = store_->record(id);
    if (!row) throw Error(fmt::format("no record '{}' in the workspace", id));
    RecordDetail d;
    d.row = *row;
    rt::RecordSchema s = schema(row->entity);
    FieldNumbers numbers(*store_, row->entity);
    rt::StringArena arena;
    for (const auto& [spec, v] : decodeRecord(*row, s, numbers, arena))
      d.fields.emplace_back(spec->name, rt::fieldText(*spec, v));
    ConnectionFilter f;
    f.record = id;
    std::vector<ConnectionRow> rows = store_->connections(f);
    auto dues = manualDues(*store_, *impl_, rows, metaInt(*store_, "epoch"));
    for (size_t i = 0; i < rows.size(); ++i) {
      d.connections.push_back(impl_->view(rows[i]));
      if (dues[i]) d.connections.back().row.due = dues[i];  // shown where a timer's is
    }
    return d;
  });
}

// A CSV cell: quoted when it holds a comma, quote, line break or surrounding blanks.
static std::string csvCell(std::string_view text) {
  bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

size_t Workspace::exportRecords(const std::string& entity, const std::function<void(std::string_view)>& write) {
  return inReadTransaction(*store_, [&] {
    rt::RecordSchema s = schema(entity);
    FieldNumbers numbers(*store_, entity);
    // Two passes: which fields have a value anywhere, then the rows.
    std::vector<bool> used(s.fields.size(), false);
    std::vector<std::string> ids;
    store_->forEachRecord(entity, [&](const RecordRow& r) {
      rt::StringArena arena;
      for (const auto& [spec, v] : decodeRecord(r, s, numbers, arena))
        used[static_cast<size_t>(spec - s.fields.data())] = true;
      ids.push_back(r.id);
    });
    std::sort(ids.begin(), ids.end());
    std::string line = "id";
    for (size_t k = 0; k < s.fields.size(); ++k)
      if (used[k]) line += "," + s.fields[k].name;
    write(line + "\n");
    constexpr size_t kChunk = 10000;
    for (size_t b = 0; b < ids.size(); b += kChunk) {
      std::vector<std::string> some(ids.begin() + static_cast<ptrdiff_t>(b),
                                    ids.begin() + static_cast<ptrdiff_t>(std::min(ids.size(), b + kChunk)));
      std::string out;
      for (const RecordRow& r : store_->records(some)) {
        rt::StringArena arena;
        std::vector<std::string> cells(s.fields.size());
        for (const auto& [spec, v] : decodeRecord(r, s, numbers, arena))
          cells[static_cast<size_t>(spec - s.fields.data())] = rt::fieldText(*spec, v);
        out += csvCell(r.id);
        for (size_t k = 0; k < s.fields.size(); ++k)
          if (used[k]) out += "," + csvCell(cells[k]);
        out += "\n";
      }
      write(out);
    }
    return ids.size();
  });
}

}  // namespace seqc::ws
