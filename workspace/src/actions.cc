// Seller and customer actions on one record: complete, skip, engagement events and
// field updates, at the workspace clock with the simulator's rules.
#include "seqc/workspace/workspace.h"

#include <set>

#include <fmt/format.h>

#include "engine.h"
#include "fields.h"
#include "segments.h"
#include "seqc/sim/records.h"
#include "seqc/support/time.h"

namespace seqc::ws {

// The record's active connections the action applies to: one, unless it is an update.
static std::vector<ConnectionRow> pickConnections(Store& store, Workspace::Impl& impl, const Action& a,
                                                  const std::string& sequence) {
  const std::string& record = a.record;
  if (!store.record(record)) throw Error(fmt::format("no record '{}' in the workspace", record));
  ConnectionFilter f;
  f.record = record;
  f.activeOnly = true;
  if (!sequence.empty()) f.sequence = impl.require(sequence).id;
  std::vector<ConnectionRow> rows = store.connections(f);
  std::string_view action = a.name();
  if (rows.empty())
    throw Error(sequence.empty() ? fmt::format("{}: record '{}' is not on any sequence", action, record)
                                 : fmt::format("{}: record '{}' is not on '{}'", action, record, sequence));
  if (a.kind == Action::Kind::Update || rows.size() == 1) return rows;
  // On several sequences: the one where the action makes sense, if only one.
  std::vector<ConnectionRow> fit;
  for (const auto& c : rows) {
    auto w = static_cast<rt::Waiting>(c.waiting);
    bool ok = false;
    if (a.kind == Action::Kind::Complete) ok = w == rt::Waiting::Manual;
    else if (a.kind == Action::Kind::Skip)
      ok = w == rt::Waiting::Manual || w == rt::Waiting::Timer || w == rt::Waiting::Held;
    else {
      const LoadedVersion& v = impl.version(c.sequence, c.version);
      for (uint16_t s = 0; s < v.sequence().stepCount && !ok; ++s) {
        const bc::Step& st = v.step(s);
        ok = a.step.empty() ? st.kind == bc::StepKind::Activity && acceptsEvent(st.activity, a.event)
                            : st.label != bc::kNone && v.module.str(st.label) == a.step;
      }
    }
    if (ok) fit.push_back(c);
  }
  if (fit.size() == 1) return fit;
  std::vector<std::string> names;
  for (const auto& c : (fit.empty() ? rows : fit))
    if (auto s = store.sequenceById(c.sequence)) names.push_back(s->name);
  throw Error(fmt::format("{}: record '{}' is on {} sequences ({}); choose one with --sequence", action, record,
                          names.size(), quotedList(names)));
}

namespace {

// An action dated in the past applies to the record as it stood then: not before its
// last transition (what happened since would be undone), nor after the clock.
void checkAt(const std::vector<ConnectionRow>& rows, std::optional<int64_t> at, int64_t now,
             std::string_view action, const std::string& record) {
  if (!at) return;
  if (*at > now)
    throw Error(fmt::format("{}: --at {} is after the workspace clock ({}); run `seqc tick` first", action,
                            formatDateTime(*at), formatDateTime(now)));
  for (const auto& c : rows)
    if (*at < c.entered)
      throw Error(fmt::format("{}: --at {} is before the last transition of '{}' ({}); an action cannot be "
                              "dated before it", action, formatDateTime(*at), record, formatDateTime(c.entered)));
}

ActionResult act(Store& store, Workspace::Impl& impl, const std::string& sequence, const Action& action,
                 std::optional<int64_t> at) {
  return inWriteTransaction(store, [&] {
    int64_t now = metaInt(store, "clock"), epoch = metaInt(store, "epoch");
    std::vector<ConnectionRow> rows = pickConnections(store, impl, action, sequence);
    checkAt(rows, at, now, action.name(), action.record);
    // The simulator completes the step and ignores a wrong outcome with a warning; a
    // command refuses it instead, so the seller can correct it.
    if (action.kind == Action::Kind::Complete && action.outcome && rows.size() == 1 &&
        rows[0].waiting == static_cast<uint8_t>(rt::Waiting::Manual)) {
      const LoadedVersion& v = impl.version(rows[0].sequence, rows[0].version);
      const bc::Step& s = v.step(rows[0].step);
      if (s.activity != ActivityKind::Call)
        throw Error(fmt::format("complete: --outcome applies to call steps only; the current step of '{}' is {} "
                                "{} step", action.record, std::string_view("aeiou").find(info(s.activity).name[0]) ==
                                std::string_view::npos ? "a" : "an", info(s.activity).name));
    }
    Mover mover{store, impl, epoch};
    mover.actionAt = at;
    mover.run(rows, {action}, now);
    evaluateSegments(store, impl, epoch, now, mover.fieldsSet);
    ActionResult result;
    for (const auto& c : rows) result.moved.push_back(impl.view(c));
    return result;
  });
}

}  // namespace

ActionResult Workspace::complete(const std::string& record, std::optional<CallOutcome> outcome,
                                 const std::string& sequence, std::optional<int64_t> at) {
  Action a;
  a.kind = Action::Kind::Complete;
  a.record = record;
  a.outcome = outcome;
  return act(*store_, *impl_, sequence, a, at);
}

ActionResult Workspace::skip(const std::string& record, const std::string& sequence, std::optional<int64_t> at) {
  Action a;
  a.kind = Action::Kind::Skip;
  a.record = record;
  return act(*store_, *impl_, sequence, a, at);
}

ActionResult Workspace::event(const std::string& record, EngagementEvent event, const std::string& step,
                              const std::string& sequence, std::optional<int64_t> at) {
  Action a;
  a.kind = Action::Kind::Engage;
  a.record = record;
  a.event = event;
  a.step = step;
  return act(*store_, *impl_, sequence, a, at);
}

ActionResult Workspace::update(const std::string& record, const std::vector<std::string>& assignments,
                              std::optional<int64_t> at) {
  return inWriteTransaction(*store_, [&] {
    auto rec = store_->record(record);
    if (!rec) throw Error(fmt::format("no record '{}' in the workspace", record));
    if (assignments.empty()) throw Error("update: give at least one field=value");
    rt::RecordSchema s = schema(rec->entity);
    rt::StringArena arena;
    Action e;
    e.kind = Action::Kind::Update;
    e.record = record;
    FieldNumbers numbers(*store_, rec->entity);
    std::vector<std::pair<uint32_t, rt::Value>> changes;
    for (const auto& a : assignments) {
      size_t eq = a.find('=');
      if (eq == std::string::npos || eq == 0)
        throw Error(fmt::format("update: '{}' is not field=value", a));
      std::string field = a.substr(0, eq), text = a.substr(eq + 1);
      const rt::FieldSpec* spec = s.find(field);
      if (!spec) {
        std::vector<std::string> names;
        for (const auto& f : s.fields) names.push_back(f.name);
        auto close = suggest(field, names);
        throw Error(fmt::format("update: {} records have no field '{}'{}", rec->entity, field,
                                close.empty() ? "" : fmt::format("; did you mean '{}'?", close)));
      }
      std::string error;
      auto v = rt::parseFieldText(*spec, text, arena, error);
      if (!v) throw Error(fmt::format("update: field '{}': {}", field, error));
      changes.emplace_back(numbers.number(field), *v);
      e.fields.emplace_back(field, *v);
    }
    int64_t now = metaInt(*store_, "clock"), epoch = metaInt(*store_, "epoch");
    ConnectionFilter f;
    f.record = record;
    f.activeOnly = true;
    std::vector<ConnectionRow> rows = store_->connections(f);
    checkAt(rows, at, now, "update", record);
    store_->updateRecordFields(record, withChanges(rec->fields, changes), at.value_or(now));
    Mover mover{*store_, *impl_, epoch};
    mover.actionAt = at;
    mover.run(rows, {e}, now);
    if (rec->entity == "systemuser") mover.assigner.reassignInactive(*impl_, at.value_or(now));
    // The record's new values may make it enter or leave segments (so may those `set` gave).
    mover.fieldsSet.push_back(record);
    evaluateSegments(*store_, *impl_, epoch, now, mover.fieldsSet);
    if (!activeSegments(*store_, *impl_, rec->entity).empty()) {
      // Entering or leaving may have ended a run or started one: show them as they are now.
      std::set<int64_t> shown;
      for (const auto& c : rows) shown.insert(c.id);
      ConnectionFilter mine;
      mine.record = record;
      std::vector<ConnectionRow> after;
      for (ConnectionRow& c : store_->connections(mine))
        if (shown.count(c.id) || (c.connected == now && c.status == static_cast<uint8_t>(rt::Status::Active)))
          after.push_back(std::move(c));
      rows = std::move(after);
    }
    ActionResult result;
    for (const auto& c : rows) result.moved.push_back(impl_->view(c));
    return result;
  });
}

}  // namespace seqc::ws
