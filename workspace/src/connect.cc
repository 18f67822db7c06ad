// `seqc connect` (by id or --where) and `seqc disconnect`.
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "compiler/driver.h"
#include "engine.h"
#include "segments.h"
#include "fields.h"

namespace seqc::ws {

ConnectResult Workspace::connect(const std::string& name, const std::vector<std::string>& ids,
                                 const std::string& where, bool allowMultiple, const Progress& progress) {
  // Compile the --where condition before taking the write lock.
  CompileResult condition;
  if (!where.empty()) {
    SequenceRow row;
    std::string fields;  // the condition may read the fields `extend entity` added
    inReadTransaction(*store_, [&] {
      row = impl_->require(name);
      fields = extensionDeclarations(*store_, row.entity);
    });
    condition = compileCondition("--where", where, row.entity, CompileOptions{stdlibDir_}, fields);
    if (!condition.compilation->diagnostics().hasErrors() && !condition.ok)
      throw Error(fmt::format("--where: {}", condition.error));
    if (!condition.ok) {
      std::string rendered = condition.diagnosticsText();
      while (!rendered.empty() && rendered.back() == '\n') rendered.pop_back();
      throw Error(fmt::format("--where is not a valid condition on {} records:\n{}", row.entity, rendered));
    }
  }

  return inWriteTransaction(*store_, [&] {
    SequenceRow seq = impl_->require(name);
    if (!seq.active)
      throw Error(fmt::format("sequence '{}' is inactive: activate it before connecting records", name));
    int64_t now = metaInt(*store_, "clock"), epoch = metaInt(*store_, "epoch");
    ConnectResult result;
    std::vector<std::string> candidates;
    if (!where.empty()) {
      // Evaluate the condition for every record of the entity, at the clock.
      const bc::Module& m = condition.module;
      FieldColumns columns(m, seq.entity, FieldNumbers(*store_, seq.entity));
      // A chunk of records at a time, each chunk in an interpreter of its own that
      // adopts the chunk's values and strings: memory stays at one chunk, and no value
      // is copied per record.
      constexpr size_t kChunk = 4096;
      std::vector<std::string> chunk;
      std::vector<rt::Value> values;
      rt::StringArena arena;
      auto evaluate = [&] {
        if (chunk.empty()) return;
        rt::Interpreter in(m, 0, {now, false});
        in.addRecords(chunk.size(), std::move(values), std::move(arena));
        for (uint32_t r = 0; r < chunk.size(); ++r)
          if (in.exitCondition(r, 0).value_or(false)) candidates.push_back(std::move(chunk[r]));
        chunk.clear();
        values.clear();
        arena = rt::StringArena();
      };
      uint64_t scanned = 0;
      store_->forEachRecord(seq.entity, [&](const RecordRow& r) {
        values.resize(values.size() + columns.width);
        if (!columns.read(r.fields, values.data() + values.size() - columns.width, arena))
          throw StoreError(fmt::format("record '{}' has damaged fields", r.id));
        chunk.push_back(r.id);
        if (chunk.size() == kChunk) evaluate();
        if (progress && ++scanned % 10000 == 0) progress(scanned, 0);
      });
      evaluate();
      result.matched = candidates.size();
    } else {
      candidates = ids;
    }

    // Check every record before connecting any.
    std::set<std::string> seen;
    std::vector<std::string> missing;
    std::unordered_map<std::string, std::string> entityOf;
    if (where.empty()) {
      for (const RecordRow& r : store_->records(candidates)) entityOf.emplace(r.id, r.entity);
      for (const auto& id : candidates) {
        if (!seen.insert(id).second) throw Error(fmt::format("record '{}' is named twice", id));
        auto it = entityOf.find(id);
        if (it == entityOf.end()) missing.push_back(id);
        else if (it->second != seq.entity)
          throw Error(fmt::format("record '{}' is a {} record; '{}' runs on {} records", id, it->second, name,
                                  seq.entity));
      }
      if (!missing.empty())
        throw Error(fmt::format("no record {} in the workspace (load records with `seqc records load`)",
                                quotedList(missing)));
    }
    // Where each candidate already is.
    std::unordered_map<std::string, std::vector<int64_t>> on;
    {
      ConnectionFilter f;
      f.activeOnly = true;
      std::unordered_set<std::string_view> wanted;  // made at the first active connection
      store_->forEachConnection(f, [&](const ConnectionRow& c) {
        if (wanted.empty()) wanted.insert(candidates.begin(), candidates.end());
        if (wanted.count(c.record)) on[c.record].push_back(c.sequence);
      });
    }
    // A condition selects records to start the sequence: one that already ran it is
    // not started over (connect it by id to run it again).
    std::unordered_set<std::string> ran;
    if (!where.empty()) {
      ConnectionFilter f;
      f.sequence = seq.id;
      store_->forEachConnection(f, [&](const ConnectionRow& c) {
        if (c.status != static_cast<uint8_t>(rt::Status::Active)) ran.insert(c.record);
      });
    }
    std::vector<ConnectionRow> rows;
    for (const auto& id : candidates) {
      auto it = on.find(id);
      if (it != on.end()) {
        bool here = std::find(it->second.begin(), it->second.end(), seq.id) != it->second.end();
        if (here) {
          if (where.empty()) throw Error(fmt::format("record '{}' is already connected to '{}'", id, name));
          ++result.alreadyConnected;
          continue;
        }
        if (!allowMultiple) {
          if (where.empty()) {
            auto other = store_->sequenceById(it->second.front());
            throw Error(fmt::format("record '{}' is already on sequence '{}'; a record follows one sequence at a "
                                    "time unless you pass --allow-multiple", id, other ? other->name : "?"));
          }
          ++result.onOtherSequences;
          continue;
        }
      }
      if (ran.count(id)) {
        ++result.alreadyRan;
        continue;
      }
      ConnectionRow c;
      c.record = id;
      c.sequence = seq.id;
      c.version = seq.latest;
      c.connected = now;
      rows.push_back(std::move(c));
    }
    Mover mover{*store_, *impl_, epoch};
    mover.progress = progress;
    mover.run(rows, {}, now);
    evaluateSegments(*store_, *impl_, epoch, now, mover.fieldsSet);
    result.connected = rows.size();
    return result;
  });
}

size_t Workspace::disconnect(const std::string& name, const std::vector<std::string>& ids, bool all) {
  return inWriteTransaction(*store_, [&] {
    SequenceRow seq = impl_->require(name);
    int64_t now = metaInt(*store_, "clock");
    ConnectionFilter f;
    f.sequence = seq.id;
    f.activeOnly = true;
    std::vector<ConnectionRow> rows;
    std::set<std::string> wanted(ids.begin(), ids.end());
    store_->forEachConnection(f, [&](const ConnectionRow& c) {
      if (all || wanted.count(c.record)) rows.push_back(c);
    });
    if (!all) {
      std::set<std::string> found;
      for (const auto& c : rows) found.insert(c.record);
      std::vector<std::string> missing;
      for (const auto& id : ids)
        if (!found.count(id)) missing.push_back(id);
      if (!missing.empty())
        throw Error(fmt::format("{} {} not connected to '{}'", quotedList(missing),
                                missing.size() == 1 ? "is" : "are", name));
    }
    std::vector<HistoryRow> history;
    for (auto& c : rows) history.push_back(markDisconnected(c, now, "disconnected by `seqc disconnect`"));
    store_->updateConnections(rows);
    store_->appendHistory(history);
    return rows.size();
  });
}

}  // namespace seqc::ws
