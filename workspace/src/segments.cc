// Segments in the workspace (segments.h).
#include "segments.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "engine.h"
#include "fields.h"
#include "internal.h"
#include "seqc/interp/interpreter.h"

namespace seqc::ws {

std::vector<ActiveSegment> activeSegments(Store& store, Workspace::Impl& impl, const std::string& entity) {
  std::vector<ActiveSegment> out;
  for (const SequenceRow& s : store.sequences()) {
    if (!s.active || s.latest == 0 || (!entity.empty() && s.entity != entity)) continue;
    const LoadedVersion& v = impl.version(s.id, s.latest);
    for (size_t g = 0; g < v.module.segments.size(); ++g) {
      const bc::Segment& seg = v.module.segments[g];
      if (seg.feeds != v.row.index) continue;
      ActiveSegment a;
      a.name = std::string(v.module.str(seg.name));
      a.entity = s.entity;
      a.sequence = s.id;
      a.sequenceName = s.name;
      a.version = s.latest;
      a.priority = seg.priority;
      a.disconnect = seg.disconnect;
      a.feeds = seg.feeds;
      auto m = std::make_shared<bc::Module>(rt::segmentConditionModule(v.module, g));
      a.readsClock = rt::exitReadsClock(*m, seg.feeds);
      a.condition = std::move(m);
      out.push_back(std::move(a));
    }
  }
  std::sort(out.begin(), out.end(), [](const ActiveSegment& a, const ActiveSegment& b) {
    return a.entity != b.entity ? a.entity < b.entity : a.priority != b.priority ? a.priority < b.priority
                                                                                 : a.name < b.name;
  });
  return out;
}

std::string segmentClash(Store& store, Workspace::Impl& impl, const bc::Module& module, uint32_t index,
                         const std::string& name) {
  std::vector<ActiveSegment> active = activeSegments(store, impl, std::string(module.str(module.sequences[index].entity)));
  for (const bc::Segment& g : module.segments) {
    if (g.feeds != index) continue;
    for (const ActiveSegment& a : active)
      if (a.sequenceName != name && a.name == module.str(g.name))
        return fmt::format("active sequence '{}' has a segment named '{}' already; segment names are unique in a "
                           "workspace", a.sequenceName, a.name);
    for (const ActiveSegment& a : active)
      if (a.sequenceName != name && a.priority == g.priority)
        return fmt::format("segment '{}' would clash with active segment '{}' (feeding '{}'): another segment on "
                           "{} has priority {}: a record matching both could not choose",
                           module.str(g.name), a.name, a.sequenceName, a.entity, g.priority);
  }
  return {};
}

namespace {

// Which of `records` match each of `segments` (all on `entity`): matches[s][r].
std::vector<std::vector<bool>> match(Store& store, const std::vector<const ActiveSegment*>& segments,
                                     const std::string& entity, const std::vector<RecordRow>& records, int64_t now) {
  std::vector<std::vector<bool>> out;
  FieldNumbers numbers(store, entity);
  for (const ActiveSegment* s : segments) {
    const bc::Module& m = *s->condition;
    FieldColumns columns(m, entity, numbers);
    std::vector<rt::Value> values(records.size() * columns.width);
    rt::StringArena arena;
    for (size_t r = 0; r < records.size(); ++r)
      if (!columns.read(records[r].fields, values.data() + r * columns.width, arena))
        throw StoreError(fmt::format("record '{}' has damaged fields", records[r].id));
    rt::Interpreter in(m, s->feeds, {now, false});
    if (!records.empty()) in.addRecords(records.size(), std::move(values), std::move(arena));
    std::vector<bool> row(records.size());
    for (uint32_t r = 0; r < records.size(); ++r) row[r] = in.exitCondition(r, 0).value_or(false);
    out.push_back(std::move(row));
  }
  return out;
}

// Disconnects connection `id` of `record` when still active (a member left a segment
// with `on leave disconnect`).
void disconnectRun(Store& store, int64_t id, const std::string& record, const std::string& segment, int64_t now) {
  ConnectionFilter f;
  f.record = record;
  f.activeOnly = true;
  std::vector<ConnectionRow> rows;
  store.forEachConnection(f, [&](ConnectionRow& c) {
    if (c.id == id) rows.push_back(std::move(c));
  });
  if (rows.empty()) return;
  HistoryRow h = markDisconnected(rows.front(), now, fmt::format("left segment '{}'", segment));
  store.updateConnections(rows);
  store.appendHistory({h});
}

void evaluateEntity(Store& store, Workspace::Impl& impl, int64_t epoch, int64_t now, const std::string& entity,
                    const std::vector<RecordRow>& records, bool clockOnly, int depth) {
  std::vector<ActiveSegment> all = activeSegments(store, impl, entity);
  std::vector<const ActiveSegment*> segments;
  for (const ActiveSegment& s : all)
    if (!clockOnly || s.readsClock) segments.push_back(&s);
  if (segments.empty() || records.empty()) return;
  auto matches = match(store, segments, entity, records, now);

  std::map<std::pair<std::string, std::string>, SegmentMemberRow> members;  // (segment, record)
  for (SegmentMemberRow& m : store.segmentMembers(entity)) members[{m.segment, m.record}] = std::move(m);
  // The sequences each record is active on now.
  std::unordered_map<std::string, int64_t> activeOn;
  if (records.size() <= 64) {  // a few records (update, set): by record, not a scan
    for (const RecordRow& r : records) {
      ConnectionFilter f;
      f.activeOnly = true;
      f.record = r.id;
      store.forEachConnection(f, [&](const ConnectionRow& c) { activeOn.emplace(c.record, c.sequence); });
    }
  } else {
    std::unordered_set<std::string_view> wanted;
    for (const RecordRow& r : records) wanted.insert(r.id);
    ConnectionFilter f;
    f.activeOnly = true;
    store.forEachConnection(f, [&](const ConnectionRow& c) {
      if (wanted.count(c.record)) activeOn.emplace(c.record, c.sequence);
    });
  }
  std::map<std::string, SegmentCount> counts;
  std::vector<SegmentMemberRow> entered;
  std::vector<ConnectionRow> connect;
  std::vector<size_t> connectMember;  // index into `entered` of each row of `connect`
  for (size_t r = 0; r < records.size(); ++r) {
    const std::string& id = records[r].id;
    // Leaving first: a record that leaves one segment and enters another is free to go.
    for (size_t s = 0; s < segments.size(); ++s) {
      auto it = members.find({segments[s]->name, id});
      if (matches[s][r] || it == members.end()) continue;
      if (segments[s]->disconnect && it->second.connection != 0) {
        disconnectRun(store, it->second.connection, id, segments[s]->name, now);
        if (activeOn.count(id) && activeOn[id] == it->second.sequence) activeOn.erase(id);
      } else if (it->second.connection != 0) {
        store.appendHistory({{it->second.connection, now, -1, "segment left", segments[s]->name}});
      }
      store.removeSegmentMember(segments[s]->name, id);
      members.erase(it);
    }
    const ActiveSegment* winner = nullptr;
    for (size_t s = 0; s < segments.size(); ++s) {  // by priority: the first entered wins
      if (!matches[s][r] || members.count({segments[s]->name, id})) continue;
      const ActiveSegment& seg = *segments[s];
      SegmentMemberRow m{seg.name, id, seg.sequence, now, 0, {}};
      SegmentCount& c = counts[seg.name];
      c.segment = seg.name;
      ++c.entries;
      if (winner) {
        m.note = fmt::format("passed over: segment '{}' has a higher priority", winner->name);
      } else {
        winner = &seg;
        if (auto on = activeOn.find(id); on != activeOn.end()) {
          auto other = store.sequenceById(on->second);
          m.note = fmt::format("not connected: already on sequence '{}'", other ? other->name : "?");
        } else {
          m.note = "connected";
          ++c.connections;
          ConnectionRow row;
          row.record = id;
          row.sequence = seg.sequence;
          row.version = seg.version;
          row.connected = now;
          connect.push_back(std::move(row));
          connectMember.push_back(entered.size());
          activeOn.emplace(id, seg.sequence);
        }
      }
      members[{seg.name, id}] = m;
      entered.push_back(std::move(m));
    }
  }
  std::vector<std::string> again;
  if (!connect.empty()) {
    Mover mover{store, impl, epoch};
    mover.run(connect, {}, now);
    std::vector<HistoryRow> history;
    for (size_t i = 0; i < connect.size(); ++i) {
      SegmentMemberRow& m = entered[connectMember[i]];
      m.connection = connect[i].id;
      history.push_back({m.connection, now, -1, "segment entered", m.segment});
    }
    store.appendHistory(history);
    again = std::move(mover.fieldsSet);
  }
  store.putSegmentMembers(entered, entity);
  std::vector<SegmentCount> added;
  for (auto& [name, c] : counts) added.push_back(c);
  store.addSegmentCounts(added);
  // A `set` of the runs just started may change what the records match.
  if (!again.empty() && depth < kMaxAdvances) {
    std::sort(again.begin(), again.end());
    again.erase(std::unique(again.begin(), again.end()), again.end());
    std::vector<RecordRow> rows;
    for (RecordRow& row : store.records(again))
      if (row.entity == entity) rows.push_back(std::move(row));
    evaluateEntity(store, impl, epoch, now, entity, rows, false, depth + 1);
  }
}

}  // namespace

void evaluateSegments(Store& store, Workspace::Impl& impl, int64_t epoch, int64_t now,
                      const std::vector<std::string>& ids) {
  if (ids.empty() || activeSegments(store, impl).empty()) return;
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  std::map<std::string, std::vector<RecordRow>> byEntity;
  for (RecordRow& r : store.records(sorted)) byEntity[r.entity].push_back(std::move(r));
  for (auto& [entity, rows] : byEntity) {
    std::sort(rows.begin(), rows.end(), [](const RecordRow& a, const RecordRow& b) { return a.id < b.id; });
    evaluateEntity(store, impl, epoch, now, entity, rows, false, 0);
  }
}

void evaluateClockSegments(Store& store, Workspace::Impl& impl, int64_t epoch, int64_t now) {
  std::set<std::string> entities;
  for (const ActiveSegment& s : activeSegments(store, impl))
    if (s.readsClock) entities.insert(s.entity);
  for (const std::string& entity : entities) {
    std::vector<RecordRow> rows;
    store.forEachRecord(entity, [&](const RecordRow& r) { rows.push_back(r); });
    evaluateEntity(store, impl, epoch, now, entity, rows, true, 0);
  }
}

std::vector<SegmentSummary> Workspace::segments() {
  return inReadTransaction(*store_, [&] {
    std::vector<SegmentSummary> out;
    std::map<std::string, SegmentCount> counts;
    for (SegmentCount& c : store_->segmentCounts()) counts[c.segment] = c;
    std::map<std::string, std::vector<SegmentMemberRow>> membersOf;  // by entity
    for (const ActiveSegment& a : activeSegments(*store_, *impl_)) {
      auto [it, fresh] = membersOf.try_emplace(a.entity);
      if (fresh) it->second = store_->segmentMembers(a.entity);
      SegmentSummary s{a.name, a.entity, a.sequenceName, a.priority, a.disconnect, 0, 0, 0};
      for (const SegmentMemberRow& m : it->second) s.members += m.segment == a.name;
      if (auto c = counts.find(a.name); c != counts.end()) {
        s.entries = c->second.entries;
        s.connections = c->second.connections;
      }
      out.push_back(std::move(s));
    }
    return out;
  });
}

std::vector<SegmentMemberRow> Workspace::segmentMembers(const std::string& name) {
  return inReadTransaction(*store_, [&] {
    std::vector<std::string> names;
    for (const ActiveSegment& a : activeSegments(*store_, *impl_)) {
      if (a.name != name) {
        names.push_back(a.name);
        continue;
      }
      std::vector<SegmentMemberRow> out;
      for (SegmentMemberRow& m : store_->segmentMembers(a.entity))
        if (m.segment == name) out.push_back(std::move(m));
      return out;
    }
    std::string close = suggest(name, names);
    throw Error(fmt::format("no active segment named '{}'{}", name,
                            close.empty() ? "" : fmt::format("; did you mean '{}'?", close)));
  });
}

}  // namespace seqc::ws
