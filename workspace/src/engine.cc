// The engine (engine.h): FieldColumns, Engine (one version's connections through the
// interpreter) and Mover (batches, and `advance to` into other sequences).
#include "engine.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "seqc/sim/records.h"

namespace seqc::ws {

FieldColumns::FieldColumns(const bc::Module& m, const std::string& entity, const FieldNumbers& numbers)
    : width(m.fields.size()) {
  for (size_t f = 0; f < m.fields.size(); ++f)
    if (m.str(m.fields[f].entity) == entity) {
      used.push_back(static_cast<uint16_t>(f));
      specs.push_back(rt::fieldSpec(m, m.fields[f]));
      std::optional<uint32_t> n = numbers.find(specs.back().name);
      stored.push_back(n ? static_cast<int64_t>(*n) : -1);
      if (n) {
        if (*n >= column.size()) column.resize(*n + 1, -1);
        column[*n] = static_cast<int32_t>(used.size() - 1);
      }
    }
}

bool FieldColumns::read(std::string_view fields, rt::Value* row, rt::StringArena& arena) const {
  if (used.empty()) return true;
  bool ok = true;
  bool wellFormed = forEachField(fields, [&](uint32_t number, std::string_view bytes) {
    if (number >= column.size() || column[number] < 0) return;  // a field the code does not read
    auto k = static_cast<size_t>(column[number]);
    rt::Value v;
    if (!decodeValue(bytes, v, arena)) {
      ok = false;
      return;
    }
    if (fits(specs[k], v)) row[used[k]] = v;
  });
  return ok && wellFormed;
}

namespace {
std::string variantKey(std::string_view record, std::string_view experiment) {
  std::string key(record);
  key += '\0';
  key += experiment;
  return key;
}
}  // namespace

Engine::Outcome Engine::run(std::vector<ConnectionRow>& rows, std::span<const Action> actions, int64_t until) {
  Outcome out;
  if (rows.empty()) return out;
  const LoadedVersion& v = impl_.version(rows.front().sequence, rows.front().version);
  const bc::Module& m = v.module;
  const bc::Sequence& seq = v.sequence();
  const std::string entity(m.str(seq.entity));

  // Field values of the records, for the fields the code touches.
  FieldNumbers numbers(store_, entity);
  FieldColumns columns(m, entity, numbers);
  const size_t width = columns.width;
  std::vector<std::string> ids;
  ids.reserve(rows.size());
  for (const auto& r : rows) ids.push_back(r.record);
  std::vector<rt::Value> values(ids.size() * width);
  rt::StringArena arena;
  // Everything read back from the database is checked before the interpreter trusts
  // it: a damaged row fails its record, with why, and the others go on.
  std::vector<std::string> damaged(rows.size());
  if (!columns.used.empty()) {
    store_.recordFields(ids, [&](size_t i, std::string_view fields) {
      if (!columns.read(fields, values.data() + i * width, arena)) {
        std::fill_n(values.begin() + static_cast<ptrdiff_t>(i * width), width, rt::Value::null());
        damaged[i] = "its stored fields are damaged";
      }
    });
  }

  const int32_t end = offset(until, epoch_);
  // What `set` did, for the history: (record, when, "field = value").
  struct Sets : rt::Interpreter::Listener {
    const rt::Interpreter* in = nullptr;
    const std::vector<std::string>* ids = nullptr;
    std::string_view recordId(uint32_t r) override { return (*ids)[r]; }
    // Experiments: the variants stored for these records, by record id \0 experiment.
    std::unordered_map<std::string, VariantRow> variants;
    std::optional<std::string> storedVariant(uint32_t r, std::string_view experiment) override {
      auto it = variants.find(variantKey((*ids)[r], experiment));
      if (it == variants.end()) return std::nullopt;
      return it->second.variant;
    }
    std::vector<std::tuple<uint32_t, int32_t, std::string>> done;
    void manualStep(uint32_t, uint16_t, int32_t) override {}
    void stepDone(uint32_t, uint16_t, int32_t) override {}
    void fieldSet(uint32_t r, uint16_t f, int32_t now) override {
      const bc::Module& mod = in->module();
      rt::FieldSpec spec = rt::fieldSpec(mod, mod.fields[f]);
      std::string text = rt::fieldText(spec, in->fields(r)[f]);
      done.emplace_back(r, now, fmt::format("{} = {}", spec.name, text.empty() ? "(empty)" : text));
    }
  } sets;
  rt::Interpreter sim(m, v.row.index, {epoch_, true}, &sets);
  sets.in = &sim;
  sets.ids = &ids;
  if (seq.experimentCount > 0)
    for (VariantRow& row : store_.variants(rows.front().sequence, ids))
      sets.variants.emplace(variantKey(row.record, row.experiment), std::move(row));
  sim.watchClock(end);
  // On shared ticks a bucket's clock readers may not be checked up to the clock yet (a
  // tick's workers have not reached it): a command watches them from where all stand.
  std::optional<int64_t> watch = watchFrom;
  if (!watch && sim.exitReadsClock() && store_.sharedTicks()) watch = store_.readersChecked();
  sim.addRecords(ids.size(), values);
  std::vector<uint8_t> slots;
  std::vector<rt::Value> vars;
  for (uint32_t r = 0; r < rows.size(); ++r) {
    const ConnectionRow& c = rows[r];
    auto connected = tryOffset(c.connected, epoch_);
    if (c.id == 0) {
      if (connected) sim.connectAt(r, *connected);
      else sim.fault(r, "its connection time is out of range", end);
      continue;
    }
    rt::RecordState st;
    st.generation = c.generation;
    auto entered = tryOffset(c.entered, epoch_);
    auto due = c.due ? tryOffset(*c.due, epoch_) : std::optional<int32_t>(0);
    if (!damaged[r].empty()) {
    } else if (!c.damage.empty()) {
      damaged[r] = c.damage;
    } else if (!entered || !due || !connected) {
      damaged[r] = "its saved times are out of range";
    } else if (c.data.size() < seq.slots) {
      damaged[r] = "its saved state is damaged (engagement slots missing)";
    } else {
      vars.assign(seq.vars, rt::Value());
      if (!rt::decodeValues(std::string_view(c.data).substr(seq.slots), vars, arena))
        damaged[r] = "its saved state is damaged (variables)";
    }
    if (!damaged[r].empty()) {
      sim.fault(r, damaged[r] + "; the record was stopped", end);
      continue;
    }
    st.pc = c.pc;
    st.entered = *entered;
    st.due = *due;
    st.connected = *connected;
    st.step = c.step;
    st.progress = c.progress;
    st.status = static_cast<rt::Status>(c.status);
    st.waiting = static_cast<rt::Waiting>(c.waiting);
    st.reason = static_cast<rt::Reason>(c.reason);
    slots.assign(c.data.begin(), c.data.begin() + seq.slots);
    if (!sim.restore(r, st, slots, vars)) {
      damaged[r] = "its saved position is damaged";  // failed there
      continue;
    }
    if (watch) sim.watchRecord(r, offset(std::max(*watch, epoch_), epoch_));
    // The run's experiments: their metrics are watched until their windows close.
    for (uint16_t k = 0; k < seq.experimentCount; ++k) {
      const bc::Experiment& x = sim.experiment(k);
      auto it = sets.variants.find(variantKey(c.record, m.str(x.name)));
      if (it == sets.variants.end() || it->second.started < c.connected) continue;  // not in this run
      auto started = tryOffset(it->second.started, epoch_);
      for (size_t i = 0; started && i < x.variants.size(); ++i)
        if (m.str(x.variants[i].name) == it->second.variant)
          sim.restoreExperiment(r, k, {*started, static_cast<uint8_t>(i), it->second.converted});
    }
  }
  // The action happens at `until`, before the timers due then (LANGUAGE.md §6).
  std::vector<bool> touched(rows.size(), false);  // rows it names are saved even when they did not move
  if (!actions.empty()) {
    std::unordered_map<std::string_view, const Action*> byRecord;
    for (const Action& a : actions) byRecord.emplace(a.record, &a);
    for (uint32_t r = 0; r < rows.size(); ++r)
      if (auto it = byRecord.find(rows[r].record); it != byRecord.end()) {
        touched[r] = true;
        // A damaged record was failed above: the command reports that, not a refusal.
        if (damaged[r].empty()) apply(sim, r, *it->second, actionAt ? offset(*actionAt, epoch_) : end);
      }
  }
  while (auto t = sim.nextTimer()) {
    if (*t > end) break;
    sim.fireTimers(*t);
  }
  out.steps = sim.stepsExecuted();

  // Save positions; insert the new connections first: history needs their ids.
  std::vector<uint32_t> freshIndex, changedIndex;
  std::vector<HistoryRow> history;
  std::vector<std::pair<uint32_t, std::string>> ends;  // lifecycle entries after the steps
  std::vector<uint32_t> advanced;                       // the row of each of out.advances
  std::vector<std::pair<uint32_t, std::string>> assigned;  // history of assignments
  RunShares shares(v.row.sequence, v.row.number, seq.slots);  // what the saved rows change for stats
  for (uint32_t r = 0; r < rows.size(); ++r) {
    ConnectionRow& c = rows[r];
    const rt::RecordState& st = sim.state(r);
    bool isNew = c.id == 0;
    bool moved = isNew || st.generation != c.generation || static_cast<uint8_t>(st.status) != c.status;
    if (!moved && !touched[r]) continue;
    out.moved += moved;
    if (!isNew) shares.add(c, -1);
    // A manual activity that becomes current gets an assignee; the one it left is no
    // longer open for its user.
    if (moved && !c.assignee.empty()) {
      if (assigner) assigner->release(c.assignee);
      c.assignee.clear();
    }
    if (moved && assigner && st.status == rt::Status::Active && st.waiting == rt::Waiting::Manual) {
      std::string why;
      c.assignee = assigner->assign(v, c.record, &why);
      assigned.emplace_back(r, assignmentDetail(c.assignee, why));
    }
    c.pc = st.pc;
    c.step = st.step;
    c.progress = st.progress;
    c.status = static_cast<uint8_t>(st.status);
    c.waiting = static_cast<uint8_t>(st.waiting);
    c.reason = static_cast<uint8_t>(st.reason);
    c.generation = st.generation;
    c.entered = epoch_ + st.entered;
    c.connected = epoch_ + st.connected;
    bool timer = st.status == rt::Status::Active &&
                 (st.waiting == rt::Waiting::Timer || st.waiting == rt::Waiting::Condition ||
                  st.waiting == rt::Waiting::Held);
    c.due = timer ? std::optional<int64_t>(epoch_ + st.due) : std::nullopt;
    c.data.clear();
    auto sl = sim.slots(r);
    c.data.assign(sl.begin(), sl.end());
    rt::encodeValues(sim.vars(r), c.data);
    if (st.status != rt::Status::Active) {
      c.ended = epoch_ + st.entered;
      std::string detail;
      switch (st.status) {
        case rt::Status::Error: c.message = sim.message(r); detail = c.message; break;
        case rt::Status::Advanced:
          c.message = sim.message(r);
          detail = fmt::format("to '{}'", c.message);
          out.advances.push_back({c.record, c.message, *c.ended, c.id});
          advanced.push_back(r);
          break;
        case rt::Status::Exited:
          detail = st.reason == rt::Reason::Reply ? "exit on reply" : "exit when";
          break;
        default: break;
      }
      ends.emplace_back(r, detail);
    }
    shares.add(c, 1);
    (isNew ? freshIndex : changedIndex).push_back(r);
  }
  // Saved in place when every row is (a tick's or a connect's batch, as a rule), else
  // moved out and back, not copied: a batch is up to kBatch rows.
  auto save = [&](const std::vector<uint32_t>& index, auto&& write) {
    if (index.size() == rows.size()) return write(rows);
    std::vector<ConnectionRow> part;
    part.reserve(index.size());
    for (uint32_t r : index) part.push_back(std::move(rows[r]));
    write(part);
    for (size_t i = 0; i < part.size(); ++i) rows[index[i]] = std::move(part[i]);
  };
  save(freshIndex, [&](std::vector<ConnectionRow>& part) { store_.insertConnections(part); });
  for (size_t i = 0; i < out.advances.size(); ++i) out.advances[i].from = rows[advanced[i]].id;
  save(changedIndex, [&](std::vector<ConnectionRow>& part) { store_.updateConnections(part); });
  shares.write(store_);

  for (uint32_t r : freshIndex)
    history.push_back({rows[r].id, rows[r].connected, -1, "connected", fmt::format("version {}", rows[r].version)});
  std::vector<rt::HistoryEntry> steps = sim.historyByRecord();
  for (const rt::HistoryEntry& h : steps) {
    if (rt::isExperimentResult(h.result)) {  // not a step's: `experiment`/`converted`, detail variant:NAME
      const bc::Experiment& x = sim.experiment(h.step);
      history.push_back({rows[h.record].id, epoch_ + h.at, -1, std::string(rt::name(h.result)),
                         fmt::format("{}: variant:{}", m.str(x.name), m.str(x.variants[h.variant].name))});
      continue;
    }
    history.push_back({rows[h.record].id, epoch_ + h.at, h.step, std::string(rt::name(h.result)), {}});
  }
  for (const auto& [r, at, detail] : sets.done) history.push_back({rows[r].id, epoch_ + at, -1, "set", detail});
  for (const auto& [r, detail] : assigned)
    history.push_back({rows[r].id, epoch_ + sim.state(r).entered, sim.state(r).step, "assigned", detail});
  for (const auto& [r, detail] : ends)
    history.push_back({rows[r].id, *rows[r].ended, -1,
                       std::string(rt::kStatusNames[static_cast<size_t>(sim.state(r).status)]), detail});
  store_.appendHistory(history);
  // Experiments: each record's variant (kept for later runs) and its run's conversion.
  if (seq.experimentCount > 0) {
    std::map<std::string, VariantRow> changedVariants;
    for (const rt::HistoryEntry& h : steps) {
      if (!rt::isExperimentResult(h.result)) continue;
      const bc::Experiment& x = sim.experiment(h.step);
      std::string key = variantKey(rows[h.record].record, m.str(x.name));
      auto [it, first] = changedVariants.try_emplace(key);
      VariantRow& row = it->second;
      if (first) {
        if (auto old = sets.variants.find(key); old != sets.variants.end()) row = old->second;
        else row = VariantRow{rows[h.record].record, rows[h.record].sequence, std::string(m.str(x.name)), {}, 0, 0, false};
      }
      if (h.result == rt::Result::Experiment) {
        row.variant = m.str(x.variants[h.variant].name);
        row.started = epoch_ + h.at;
        if (row.assigned == 0) row.assigned = row.started;
        row.converted = false;
      } else {
        row.converted = true;
      }
    }
    std::vector<VariantRow> upserts;
    for (auto& [key, row] : changedVariants) upserts.push_back(std::move(row));
    store_.upsertVariants(upserts);
  }
  // The step results, counted for stats.
  std::map<std::pair<int32_t, std::string_view>, int64_t> counted;
  for (const rt::HistoryEntry& h : steps)
    if (!rt::isExperimentResult(h.result)) ++counted[{h.step, rt::name(h.result)}];
  std::vector<StepCount> counts;
  for (const auto& [key, n] : counted) counts.push_back({v.row.number, key.first, std::string(key.second), n});
  store_.addStepCounts(v.row.sequence, counts);

  // Fields `set` changed go back to the records.
  const auto& used = columns.used;
  const auto& specs = columns.specs;
  if (!used.empty()) {
    // The changed records are read in one call: a server store answers it in one round trip.
    std::vector<std::pair<uint32_t, std::vector<std::pair<uint32_t, rt::Value>>>> pending;
    std::unordered_map<uint32_t, int64_t> setAt;  // when each record's last `set` ran
    for (const auto& [r, at, detail] : sets.done) setAt[r] = epoch_ + at;
    for (uint32_t r = 0; r < rows.size(); ++r) {
      auto now = sim.fields(r);
      std::vector<std::pair<uint32_t, rt::Value>> changes;
      for (size_t k = 0; k < used.size(); ++k) {
        const rt::Value& a = now[used[k]];
        if (sameValue(a, values[r * width + used[k]])) continue;
        uint32_t number = columns.stored[k] >= 0 ? static_cast<uint32_t>(columns.stored[k]) : numbers.number(specs[k].name);
        changes.emplace_back(number, a);
      }
      if (!changes.empty()) pending.emplace_back(r, std::move(changes));
    }
    std::vector<std::string> pendingIds;
    for (const auto& c : pending) pendingIds.push_back(rows[c.first].record);
    std::vector<std::string> fields(pendingIds.size());
    std::vector<bool> found(pendingIds.size(), false);
    store_.recordFields(pendingIds, [&](size_t i, std::string_view f) { fields[i].assign(f), found[i] = true; });
    for (size_t i = 0; i < pending.size(); ++i)
      if (found[i]) {
        auto when = setAt.find(pending[i].first);
        store_.updateRecordFields(pendingIds[i], withChanges(fields[i], pending[i].second),
                                  when == setAt.end() ? until : when->second);
        out.fieldsSet.push_back(pendingIds[i]);
      }
  }
  return out;
}

void Engine::apply(rt::Interpreter& in, uint32_t r, const Action& a, int32_t now) {
  rt::Refusal why = rt::Refusal::None;
  switch (a.kind) {
    case Action::Kind::Complete: why = in.complete(r, a.outcome, now); break;
    case Action::Kind::Skip: why = in.skip(r, now); break;
    case Action::Kind::Engage: {
      // Without a label: the step sent last that can receive the event (an unlabelled email).
      auto step = a.step.empty() ? in.lastSent(r, a.event) : in.stepByLabel(a.step);
      if (!step && a.step.empty())
        throw Error(fmt::format("{}: record '{}' has been sent no step that can be {} in sequence '{}'", a.name(),
                                a.record, a.name(), in.module().str(in.sequence().name)));
      if (!step)
        throw Error(fmt::format("{}: no step labelled '{}' in sequence '{}'", a.name(), a.step,
                                in.module().str(in.sequence().name)));
      why = in.engage(r, *step, a.event, now);
      break;
    }
    case Action::Kind::Update: {
      std::vector<std::pair<uint16_t, rt::Value>> values;
      for (const auto& [name, value] : a.fields)
        if (auto f = in.field(name)) values.emplace_back(*f, value);  // else: the code never reads it
      why = in.update(r, values, now, a.context);
      break;
    }
  }
  if (why != rt::Refusal::None) throw Error(rt::refusalText(why, in, r, a.record, a.name(), a.step));
}

namespace {

// Runs f(interpreter, r, i) for each row i of a version with a calendar, the
// interpreter holding that version's records as their fields stand, `r` the row's record.
template <typename F>
void forCalendarRows(Store& store, Workspace::Impl& impl, const std::vector<ConnectionRow>& rows,
                     const std::vector<size_t>& which, int64_t epoch, F&& f) {
  std::map<std::pair<int64_t, int32_t>, std::vector<size_t>> groups;
  for (size_t i : which) groups[{rows[i].sequence, rows[i].version}].push_back(i);
  for (const auto& [key, members] : groups) {
    const LoadedVersion& v = impl.version(key.first, key.second);
    const bc::Module& m = v.module;
    if (v.sequence().calendar == bc::kNone) continue;
    const std::string entity(m.str(v.sequence().entity));
    FieldNumbers numbers(store, entity);
    FieldColumns columns(m, entity, numbers);
    std::vector<std::string> ids;
    for (size_t i : members) ids.push_back(rows[i].record);
    std::vector<rt::Value> values(ids.size() * columns.width);
    rt::StringArena arena;
    if (!columns.used.empty())
      store.recordFields(ids, [&](size_t i, std::string_view fields) {
        if (!columns.read(fields, values.data() + i * columns.width, arena))
          std::fill_n(values.begin() + static_cast<ptrdiff_t>(i * columns.width), columns.width, rt::Value::null());
      });
    rt::Interpreter in(m, v.row.index, {epoch, false});
    in.addRecords(ids.size(), values);
    for (uint32_t r = 0; r < members.size(); ++r) f(in, r, members[r]);
  }
}

}  // namespace

std::vector<std::pair<std::string, bool>> recordZones(Store& store, Workspace::Impl& impl,
                                                      const std::vector<ConnectionRow>& rows, int64_t epoch,
                                                      int64_t now) {
  std::vector<std::pair<std::string, bool>> out(rows.size());
  std::vector<size_t> all(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) all[i] = i;
  int32_t at = offset(now, epoch);
  forCalendarRows(store, impl, rows, all, epoch, [&](rt::Interpreter& in, uint32_t r, size_t i) {
    rt::Interpreter::RecordZone z = in.zoneOf(r, at);
    out[i] = {z.zone.name(), z.fallback};
  });
  return out;
}

std::vector<std::optional<int64_t>> manualDues(Store& store, Workspace::Impl& impl,
                                               const std::vector<ConnectionRow>& rows, int64_t epoch) {
  std::vector<std::optional<int64_t>> out(rows.size());
  std::vector<size_t> business;
  for (size_t i = 0; i < rows.size(); ++i) {
    const ConnectionRow& c = rows[i];
    if (c.status != static_cast<uint8_t>(rt::Status::Active) ||
        c.waiting != static_cast<uint8_t>(rt::Waiting::Manual))
      continue;
    const LoadedVersion& v = impl.version(c.sequence, c.version);
    if (c.step >= v.sequence().stepCount) continue;  // damaged: the next command that runs it says so
    const bc::Step& s = v.step(c.step);
    if (s.seconds == 0) continue;
    if (s.unit == bc::DurationUnit::Seconds) out[i] = c.entered + static_cast<int64_t>(s.seconds);
    else business.push_back(i);
  }
  forCalendarRows(store, impl, rows, business, epoch, [&](rt::Interpreter& in, uint32_t r, size_t i) {
    auto entered = tryOffset(rows[i].entered, epoch);
    if (!entered) return;
    if (auto due = in.manualDue(r, rows[i].step, *entered)) out[i] = epoch + *due;
  });
  return out;
}

void Mover::run(std::vector<ConnectionRow>& rows, const std::vector<Action>& actions, int64_t until) {
  add(rows, actions, until);
  finish(until);
}

void Mover::finish(int64_t until) {
  std::vector<Engine::Outcome::Advance> advances = std::move(advances_);
  advances_.clear();
  follow(advances, until, 0);
}

void Mover::add(std::vector<ConnectionRow>& rows, const std::vector<Action>& actions, int64_t until) {
  std::map<std::pair<int64_t, int32_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < rows.size(); ++i) groups[{rows[i].sequence, rows[i].version}].push_back(i);
  std::unordered_map<std::string_view, size_t> byRecord;
  for (size_t k = 0; k < actions.size(); ++k) byRecord.emplace(actions[k].record, k);
  Engine engine(store, impl, epoch);
  engine.watchFrom = watchFrom;
  engine.actionAt = actionAt;
  engine.assigner = &assigner;
  uint64_t done = 0;
  for (auto& [key, members] : groups) {
    for (size_t b = 0; b < members.size(); b += kBatch) {
      size_t e = std::min(members.size(), b + kBatch);
      // One batch of all the rows (one version, as a rule) runs in place; others are
      // moved out and back.
      bool whole = e - b == rows.size();
      std::vector<ConnectionRow> own;
      std::vector<ConnectionRow>& batch = whole ? rows : own;
      if (!whole) {
        batch.reserve(e - b);
        for (size_t i = b; i < e; ++i) batch.push_back(std::move(rows[members[i]]));
      }
      std::vector<Action> mine;
      if (!byRecord.empty())
        for (const auto& c : batch)
          if (auto it = byRecord.find(c.record); it != byRecord.end()) mine.push_back(actions[it->second]);
      auto out = engine.run(batch, mine, until);
      steps += out.steps;
      moved += out.moved;
      advances_.insert(advances_.end(), out.advances.begin(), out.advances.end());
      fieldsSet.insert(fieldsSet.end(), out.fieldsSet.begin(), out.fieldsSet.end());
      if (!whole)
        for (size_t i = b; i < e; ++i) rows[members[i]] = std::move(batch[i - b]);
      done += e - b;
      if (progress) progress(done, rows.size());
    }
  }
}

void Mover::follow(const std::vector<Engine::Outcome::Advance>& advances, int64_t until, int depth) {
  if (advances.empty()) return;
  std::vector<ConnectionRow> next;
  std::vector<HistoryRow> notes;
  for (const auto& a : advances) {
    auto target = store.sequence(a.target);
    std::string problem;
    if (!target) problem = fmt::format("'{}' is not in the workspace; the record was not connected to it", a.target);
    else if (!target->active) problem = fmt::format("'{}' is inactive; the record was not connected to it", a.target);
    else if (depth >= kMaxAdvances) problem = "too many advances at one instant (a loop of `advance to`?); stopped";
    if (problem.empty()) {
      ConnectionFilter f;
      f.record = a.record;
      f.sequence = target->id;
      f.activeOnly = true;
      bool already = false;
      store.forEachConnection(f, [&](const ConnectionRow&) { already = true; });
      if (already) problem = fmt::format("the record is already on '{}'", a.target);
    }
    if (!problem.empty()) {
      notes.push_back({a.from, a.at, -1, "not advanced", problem});
      continue;
    }
    ConnectionRow c;
    c.record = a.record;
    c.sequence = target->id;
    c.version = target->latest;
    c.connected = a.at;
    next.push_back(std::move(c));
  }
  store.appendHistory(notes);
  if (next.empty()) return;
  std::map<std::pair<int64_t, int32_t>, std::vector<ConnectionRow>> groups;
  for (auto& c : next) groups[{c.sequence, c.version}].push_back(std::move(c));
  std::vector<Engine::Outcome::Advance> more;
  Engine engine(store, impl, epoch);
  engine.assigner = &assigner;
  for (auto& [key, batch] : groups) {
    auto out = engine.run(batch, {}, until);
    steps += out.steps;
    moved += out.moved;
    more.insert(more.end(), out.advances.begin(), out.advances.end());
    fieldsSet.insert(fieldsSet.end(), out.fieldsSet.begin(), out.fieldsSet.end());
  }
  follow(more, until, depth + 1);
}

}  // namespace seqc::ws
