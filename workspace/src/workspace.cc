// The workspace lifecycle (workspace.h): opening, activation, records, and the engine
// that moves connected records — the simulator's interpreter, resumed from each
// record's saved position and saved again, all inside the command's one transaction.
// Listings, clone, delete, export/import, history and stats are in catalog.cc.
#include "seqc/workspace/workspace.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "internal.h"
#include "seqc/interp/interpreter.h"
#include "seqc/sim/records.h"
#include "seqc/support/quote.h"
#include "seqc/support/suggest.h"
#include "seqc/support/time.h"

namespace seqc::ws {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

// Interpreter times are int32 seconds from the workspace's epoch (its creation).
constexpr int64_t kMaxOffset = INT32_MAX / 2;

// A record may advance from sequence to sequence this often within one command; more
// is a loop of `advance to` between sequences whose steps take no time.
constexpr int kMaxAdvances = 32;

// How many connections one interpreter run holds: bounds memory on a large tick.
constexpr size_t kBatch = 200000;

int64_t wallClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t fnv1a(std::string_view text, uint64_t h = 0xcbf29ce484222325ull) {
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

std::string specJson(const rt::FieldSpec& s) {
  Json j;
  j["type"] = std::string(bc::name(s.type));
  if (s.maxLength) j["max_length"] = s.maxLength;
  if (!s.options.empty()) {
    Json options = Json::array();
    for (const auto& [value, label] : s.options) options.push_back(Json::array({value, label}));
    j["options"] = options;
  }
  return j.dump();
}

std::optional<rt::FieldSpec> specFromJson(const std::string& name, const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  rt::FieldSpec s;
  s.name = name;
  auto it = std::find(bc::kValueTypeNames.begin(), bc::kValueTypeNames.end(), j["type"].get<std::string>());
  if (it == bc::kValueTypeNames.end()) return std::nullopt;
  s.type = static_cast<bc::ValueType>(it - bc::kValueTypeNames.begin());
  if (j.contains("max_length") && j["max_length"].is_number_unsigned()) s.maxLength = j["max_length"].get<uint32_t>();
  if (j.contains("options") && j["options"].is_array())
    for (const auto& o : j["options"])
      if (o.is_array() && o.size() == 2 && o[0].is_number_integer() && o[1].is_string())
        s.options.emplace_back(o[0].get<int64_t>(), o[1].get<std::string>());
  return s;
}

bool sameSpec(const rt::FieldSpec& a, const rt::FieldSpec& b) {
  return a.type == b.type && a.maxLength == b.maxLength && a.options == b.options;
}

// The standard library checked alone: the entity schemas records are typed by.
const Program& stdlibProgram(const std::string& stdlibDir) {
  const Program* p = standardProgram(stdlibDir);
  if (!p) throw Error(fmt::format("the standard library in '{}' does not load", stdlibDir));
  return *p;
}

// What a sequence does, independent of where it sits in its file: its header, steps,
// branches and code with every operand resolved (constants and fields by value, jumps
// relative to the sequence). Two activations with equal fingerprints behave the same,
// so the second is not a new version, even if other parts of the file changed.
std::string fingerprint(const bc::Module& m, uint32_t index) {
  const bc::Sequence& seq = m.sequences[index];
  auto text = [&](uint32_t i) { return i == bc::kNone ? std::string("~") : seqc::quoted(m.str(i)); };
  std::string out = fmt::format("seq {} {} {} {} {} {} {} {}\n", text(seq.name), text(seq.entity),
                                text(seq.description), text(seq.assign), seq.exitOnReply, seq.total, seq.vars, seq.slots);
  for (uint32_t t : seq.tags) out += "tag " + text(t) + "\n";
  for (uint32_t i = seq.stepBegin; i < seq.stepBegin + seq.stepCount; ++i) {
    const bc::Step& st = m.steps[i];
    out += fmt::format("step {} {} {} {} {} {} {} {} {}", static_cast<int>(st.kind), static_cast<int>(st.activity),
                       st.all, text(st.label), text(st.title), text(st.templ), text(st.description), st.seconds,
                       st.slot);
    for (uint32_t t = st.termBegin; t < st.termBegin + st.termCount; ++t)
      out += fmt::format(" {}:{}", m.terms[t].step, m.terms[t].events);
    out += "\n";
  }
  for (uint32_t b = seq.branchBegin; b < seq.branchBegin + seq.branchCount; ++b)
    out += fmt::format("branch {}\n", m.branches[b].arm);
  auto constant = [&](uint16_t k) {
    const bc::Constant& c = m.constants[k];
    return fmt::format("{}:{}:{}:{}", static_cast<int>(c.type), c.i, c.d, text(c.str));
  };
  auto field = [&](uint16_t f) {
    const bc::Field& x = m.fields[f];
    std::string o = fmt::format("{}.{}:{}:{}", text(x.entity), text(x.name), static_cast<int>(x.type), x.maxLength);
    for (const bc::Option& opt : x.options) o += fmt::format(",{}={}", opt.value, text(opt.label));
    return o;
  };
  auto walk = [&](uint32_t begin, uint32_t end) {
    for (uint32_t pc = begin; pc < end;) {
      const uint8_t* ip = m.code.data() + pc;
      auto op = static_cast<bc::Opcode>(ip[0]);
      out += bc::info(op).mnemonic;
      switch (op) {
        case bc::Opcode::Const: case bc::Opcode::Advance: out += " " + constant(bc::readU16(ip + 1)); break;
        case bc::Opcode::LoadField: case bc::Opcode::SetField: out += " " + field(bc::readU16(ip + 1)); break;
        case bc::Opcode::Jump: case bc::Opcode::JumpIfFalse:
          out += fmt::format(" @{}", static_cast<int64_t>(bc::readU32(ip + 1)) - seq.codeBegin);
          break;
        case bc::Opcode::Await:
          out += fmt::format(" {} @{}", bc::readU16(ip + 1), static_cast<int64_t>(bc::readU32(ip + 3)) - seq.codeBegin);
          break;
        default:  // operands that are already sequence-local: steps, variables, counts, builtins
          for (size_t k = 1; k < bc::instructionSize(op); ++k) out += fmt::format(" {}", ip[k]);
      }
      out += "\n";
      pc += static_cast<uint32_t>(bc::instructionSize(op));
    }
  };
  walk(seq.codeBegin, seq.codeEnd);
  out += "exit\n";
  walk(seq.exitBegin, seq.exitEnd);
  return out;
}

std::string quotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += fmt::format("{}'{}'", out.empty() ? "" : ", ", n);
  return out;
}

std::string suggest(std::string_view name, const std::vector<std::string>& names) {
  std::vector<std::string_view> views(names.begin(), names.end());
  return std::string(closestMatch(name, views));
}

int32_t offset(int64_t at, int64_t epoch) {
  int64_t d = at - epoch;
  if (d > kMaxOffset || d < -kMaxOffset)
    throw Error(fmt::format("{} is too far from the workspace's start ({}); a workspace spans 34 years",
                            seqc::formatDateTime(at), seqc::formatDateTime(epoch)));
  return static_cast<int32_t>(d);
}

}  // namespace

// ---- internals shared with catalog.cc ------------------------------------------------------

const LoadedVersion& Workspace::Impl::version(int64_t id, int32_t number) {
  auto key = std::make_pair(id, number);
  if (auto it = versions.find(key); it != versions.end()) return *it->second;
  auto row = store.version(id, number);
  if (!row) throw StoreError(fmt::format("the workspace has lost version {} of sequence #{}", number, id));
  auto v = std::make_unique<LoadedVersion>();
  v->row = std::move(*row);
  std::string error;
  const auto* bytes = reinterpret_cast<const uint8_t*>(v->row.bytecode.data());
  if (!bc::load(bytes, v->row.bytecode.size(), v->module, error) || !bc::verify(v->module, error) ||
      v->row.index >= v->module.sequences.size())
    throw StoreError(fmt::format("version {} of sequence #{} is damaged: {}", number, id,
                                 error.empty() ? "no such sequence in its module" : error));
  v->row.bytecode.clear();
  v->row.bytecode.shrink_to_fit();
  return *versions.emplace(key, std::move(v)).first->second;
}

SequenceRow Workspace::Impl::require(const std::string& name) {
  if (auto row = store.sequence(name)) return *row;
  std::vector<std::string> names;
  for (const auto& s : store.sequences()) names.push_back(s.name);
  std::string hint;
  if (auto close = suggest(name, names); !close.empty()) hint = fmt::format("; did you mean '{}'?", close);
  else if (names.empty()) hint = " (the workspace has no sequences yet: `seqc activate FILE.seq`)";
  throw Error(fmt::format("no sequence named '{}' in the workspace{}", name, hint));
}

void Workspace::Impl::describe(const LoadedVersion& v, int32_t step, std::string& label, std::string& kind,
                               std::string& title) {
  label.clear(), kind.clear(), title.clear();
  if (step < 0 || static_cast<uint32_t>(step) >= v.sequence().stepCount) return;
  const bc::Step& s = v.step(static_cast<uint16_t>(step));
  if (s.label != bc::kNone) label = std::string(v.module.str(s.label));
  if (s.title != bc::kNone) title = std::string(v.module.str(s.title));
  switch (s.kind) {
    case bc::StepKind::Activity: kind = std::string(info(s.activity).name); break;
    case bc::StepKind::Wait: kind = "wait"; break;
    case bc::StepKind::Condition: kind = "condition"; break;
  }
}

ConnectionView Workspace::Impl::view(const ConnectionRow& row) {
  ConnectionView v;
  v.row = row;
  if (auto seq = store.sequenceById(row.sequence)) v.sequence = seq->name;
  const LoadedVersion& lv = version(row.sequence, row.version);
  v.total = lv.sequence().total;
  if (row.status == static_cast<uint8_t>(rt::Status::Active) && row.step != 0xFFFF)
    describe(lv, row.step, v.stepLabel, v.stepKind, v.stepTitle);
  return v;
}

// ---- the engine ------------------------------------------------------------------------------

namespace {

// The fields of `entity` a module's code touches, and reading them from a record's
// stored JSON into one row of Module::fields-wide values.
struct FieldColumns {
  FieldColumns(const bc::Module& m, const std::string& entity) : width(m.fields.size()) {
    for (size_t f = 0; f < m.fields.size(); ++f)
      if (m.str(m.fields[f].entity) == entity) {
        used.push_back(static_cast<uint16_t>(f));
        specs.push_back(rt::fieldSpec(m, m.fields[f]));
      }
  }
  // False when `json` is not an object. A stored value that no longer fits the field's
  // type (the schema changed) reads as null.
  bool read(const std::string& json, rt::Value* row, rt::StringArena& arena) const {
    if (used.empty()) return true;
    Json j = Json::parse(json, nullptr, false);
    if (!j.is_object()) return false;
    for (size_t k = 0; k < used.size(); ++k) {
      auto it = j.find(specs[k].name);
      if (it == j.end() || !it->is_string()) continue;
      std::string error;
      if (auto v = rt::parseFieldText(specs[k], it->get_ref<const std::string&>(), arena, error)) row[used[k]] = *v;
    }
    return true;
  }
  size_t width;
  std::vector<uint16_t> used;
  std::vector<rt::FieldSpec> specs;
};

// What a seller or customer did to one record, applied at the workspace clock with the
// simulator's rules; a refusal (no current step to complete, a step not yet sent) is an
// Error and the command changes nothing.
struct Action {
  enum class Kind { Complete, Skip, Engage, Update } kind = Kind::Complete;
  std::string record;
  std::optional<CallOutcome> outcome;                       // Complete
  EngagementEvent event = EngagementEvent::Opened;          // Engage
  std::string step;                                         // Engage: the label
  std::vector<std::pair<std::string, rt::Value>> fields;    // Update
  std::string context = "update";                            // Update: names it in an error
  std::string_view name() const {
    switch (kind) {
      case Kind::Complete: return "complete";
      case Kind::Skip: return "skip";
      case Kind::Engage: return kEngagementEventNames[static_cast<size_t>(event)];
      case Kind::Update: return "update";
    }
    return {};
  }
};

// Runs connections of one version from their saved positions (or connecting the fresh
// ones at `connected`) up to `until`, applying the action, and saves them back: a
// driver of the interpreter.
class Engine {
 public:
  Engine(Store& store, Workspace::Impl& impl, int64_t epoch) : store_(store), impl_(impl), epoch_(epoch) {}

  struct Outcome {
    uint64_t steps = 0;
    size_t moved = 0;
    // Records that advanced: (record, target name, when, from connection).
    struct Advance {
      std::string record, target;
      int64_t at;
      int64_t from;
    };
    std::vector<Advance> advances;
  };

  // `rows`: one version's connections; those with id 0 are new and connect at their
  // `connected` time. Rows are updated in place, new ones inserted.
  Outcome run(std::vector<ConnectionRow>& rows, std::span<const Action> actions, int64_t until) {
    Outcome out;
    if (rows.empty()) return out;
    const LoadedVersion& v = impl_.version(rows.front().sequence, rows.front().version);
    const bc::Module& m = v.module;
    const bc::Sequence& seq = v.sequence();
    const std::string entity(m.str(seq.entity));

    // Field values of the records, for the fields the code touches.
    FieldColumns columns(m, entity);
    const size_t width = columns.width;
    std::vector<std::string> ids;
    ids.reserve(rows.size());
    for (const auto& r : rows) ids.push_back(r.record);
    std::vector<rt::Value> values(ids.size() * width);
    std::vector<std::string> fieldsText(ids.size());
    rt::StringArena arena;
    if (!columns.used.empty()) {
      std::unordered_map<std::string, size_t> at;
      at.reserve(ids.size());
      for (size_t i = 0; i < ids.size(); ++i) at.emplace(ids[i], i);
      for (RecordRow& rec : store_.records(ids)) {
        size_t i = at.at(rec.id);
        if (!columns.read(rec.fields, values.data() + i * width, arena))
          throw StoreError(fmt::format("record '{}' has damaged fields", rec.id));
        fieldsText[i] = std::move(rec.fields);
      }
    }

    rt::Interpreter sim(m, v.row.index, {epoch_, true});
    sim.addRecords(ids.size(), values);
    std::vector<uint8_t> slots;
    std::vector<rt::Value> vars;
    for (uint32_t r = 0; r < rows.size(); ++r) {
      const ConnectionRow& c = rows[r];
      if (c.id == 0) {
        sim.connectAt(r, offset(c.connected, epoch_));
        continue;
      }
      rt::RecordState st;
      st.pc = c.pc;
      st.entered = offset(c.entered, epoch_);
      st.due = c.due ? offset(*c.due, epoch_) : 0;
      st.connected = offset(c.connected, epoch_);
      st.step = c.step;
      st.progress = c.progress;
      st.status = static_cast<rt::Status>(c.status);
      st.waiting = static_cast<rt::Waiting>(c.waiting);
      st.reason = static_cast<rt::Reason>(c.reason);
      st.generation = c.generation;
      if (c.data.size() < seq.slots) throw StoreError(fmt::format("the saved state of record '{}' is damaged", c.record));
      slots.assign(c.data.begin(), c.data.begin() + seq.slots);
      vars.assign(seq.vars, rt::Value());
      if (!rt::decodeValues(std::string_view(c.data).substr(seq.slots), vars, arena))
        throw StoreError(fmt::format("the saved state of record '{}' is damaged", c.record));
      sim.restore(r, st, slots, vars);
    }
    const int32_t end = offset(until, epoch_);
    // The action happens at `until`, before the timers due then (LANGUAGE.md §6).
    std::vector<bool> touched(rows.size(), false);  // rows it names are saved even when they did not move
    if (!actions.empty()) {
      std::unordered_map<std::string_view, const Action*> byRecord;
      for (const Action& a : actions) byRecord.emplace(a.record, &a);
      for (uint32_t r = 0; r < rows.size(); ++r)
        if (auto it = byRecord.find(rows[r].record); it != byRecord.end()) {
          touched[r] = true;
          apply(sim, r, *it->second, end);
        }
    }
    while (auto t = sim.nextTimer()) {
      if (*t > end) break;
      sim.fireTimers(*t);
    }
    out.steps = sim.stepsExecuted();

    // Save positions; insert the new connections first: history needs their ids.
    std::vector<ConnectionRow> fresh, changed;
    std::vector<uint32_t> freshIndex;
    std::vector<HistoryRow> history;
    std::vector<std::pair<uint32_t, std::string>> ends;  // lifecycle entries after the steps
    std::vector<uint32_t> advanced;                       // the row of each of out.advances
    for (uint32_t r = 0; r < rows.size(); ++r) {
      ConnectionRow& c = rows[r];
      const rt::RecordState& st = sim.state(r);
      bool isNew = c.id == 0;
      bool moved = isNew || st.generation != c.generation || static_cast<uint8_t>(st.status) != c.status;
      if (!moved && !touched[r]) continue;
      out.moved += moved;
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
                   (st.waiting == rt::Waiting::Timer || st.waiting == rt::Waiting::Condition);
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
      (isNew ? fresh : changed).push_back(c);
      if (isNew) freshIndex.push_back(r);
    }
    store_.insertConnections(fresh);
    for (size_t i = 0; i < fresh.size(); ++i) rows[freshIndex[i]].id = fresh[i].id;
    for (size_t i = 0; i < out.advances.size(); ++i) out.advances[i].from = rows[advanced[i]].id;
    store_.updateConnections(changed);

    for (uint32_t r : freshIndex)
      history.push_back({rows[r].id, rows[r].connected, -1, "connected", fmt::format("version {}", rows[r].version)});
    std::vector<rt::HistoryEntry> steps = sim.historyByRecord();
    for (const rt::HistoryEntry& h : steps)
      history.push_back({rows[h.record].id, epoch_ + h.at, h.step, std::string(rt::name(h.result)), {}});
    for (const auto& [r, detail] : ends)
      history.push_back({rows[r].id, *rows[r].ended, -1,
                         std::string(rt::kStatusNames[static_cast<size_t>(sim.state(r).status)]), detail});
    store_.appendHistory(history);

    // Fields `set` changed go back to the records.
    const auto& used = columns.used;
    const auto& specs = columns.specs;
    if (!used.empty()) {
      for (uint32_t r = 0; r < rows.size(); ++r) {
        auto now = sim.fields(r);
        bool dirty = false;
        Json j;
        for (size_t k = 0; k < used.size(); ++k) {
          const rt::Value& a = now[used[k]];
          const rt::Value& b = values[r * width + used[k]];
          std::string textA = rt::fieldText(specs[k], a), textB = rt::fieldText(specs[k], b);
          if (textA == textB) continue;
          if (!dirty) {
            j = Json::parse(fieldsText[r], nullptr, false);
            if (!j.is_object()) j = Json::object();
            dirty = true;
          }
          if (a.isNull()) j.erase(specs[k].name);
          else j[specs[k].name] = textA;
        }
        if (dirty) store_.updateRecordFields(rows[r].record, j.dump(), until);
      }
    }
    return out;
  }

 private:
  void apply(rt::Interpreter& in, uint32_t r, const Action& a, int32_t now) {
    rt::Refusal why = rt::Refusal::None;
    switch (a.kind) {
      case Action::Kind::Complete: why = in.complete(r, a.outcome, now); break;
      case Action::Kind::Skip: why = in.skip(r, now); break;
      case Action::Kind::Engage: {
        auto step = in.stepByLabel(a.step);
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

  Store& store_;
  Workspace::Impl& impl_;
  int64_t epoch_;
};

}  // namespace

namespace {

// Moves connections (grouped by version, in batches) up to `until`; follows `advance
// to` into the target sequences. Returns what moved.
struct Mover {
  Mover(Store& s, Workspace::Impl& i, int64_t e) : store(s), impl(i), epoch(e) {}
  Store& store;
  Workspace::Impl& impl;
  int64_t epoch;
  uint64_t steps = 0;
  size_t moved = 0;

  // `actions`: at most one per record.
  void run(std::vector<ConnectionRow>& rows, const std::vector<Action>& actions, int64_t until) {
    std::map<std::pair<int64_t, int32_t>, std::vector<size_t>> groups;
    for (size_t i = 0; i < rows.size(); ++i) groups[{rows[i].sequence, rows[i].version}].push_back(i);
    std::unordered_map<std::string_view, size_t> byRecord;
    for (size_t k = 0; k < actions.size(); ++k) byRecord.emplace(actions[k].record, k);
    std::vector<Engine::Outcome::Advance> advances;
    Engine engine(store, impl, epoch);
    for (auto& [key, members] : groups) {
      for (size_t b = 0; b < members.size(); b += kBatch) {
        size_t e = std::min(members.size(), b + kBatch);
        std::vector<ConnectionRow> batch;
        batch.reserve(e - b);
        for (size_t i = b; i < e; ++i) batch.push_back(std::move(rows[members[i]]));
        std::vector<Action> mine;
        if (!byRecord.empty())
          for (const auto& c : batch)
            if (auto it = byRecord.find(c.record); it != byRecord.end()) mine.push_back(actions[it->second]);
        auto out = engine.run(batch, mine, until);
        steps += out.steps;
        moved += out.moved;
        advances.insert(advances.end(), out.advances.begin(), out.advances.end());
        for (size_t i = b; i < e; ++i) rows[members[i]] = std::move(batch[i - b]);
      }
    }
    follow(advances, until, 0);
  }

  // Connects records that reached `advance to` to the target's latest version.
  void follow(const std::vector<Engine::Outcome::Advance>& advances, int64_t until, int depth) {
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
    for (auto& [key, batch] : groups) {
      auto out = engine.run(batch, {}, until);
      steps += out.steps;
      moved += out.moved;
      more.insert(more.end(), out.advances.begin(), out.advances.end());
    }
    follow(more, until, depth + 1);
  }
};

}  // namespace

// ---- opening -------------------------------------------------------------------------------

void Workspace::init(const std::string& dir, std::optional<int64_t> clock) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create the directory '{}': {}", dir, ec.message()));
  fs::path db = fs::path(dir) / kDatabaseName;
  if (fs::exists(db, ec)) throw Error(fmt::format("'{}' already holds a workspace ({})", dir, db.string()));
  int64_t now = clock.value_or(wallClock());
  // Built aside and linked into place: a workspace exists complete or not at all, and
  // of two concurrent inits one fails (link, unlike rename, never replaces).
  std::string prefix = fmt::format(".{}.init-", kDatabaseName);
  for (const auto& entry : fs::directory_iterator(dir, ec)) {  // left by a killed init
    std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove(entry.path(), ec);
  }
  fs::path aside = fs::path(dir) / fmt::format("{}{}", prefix, ::getpid());
  fs::remove(aside, ec);
  try {
    auto store = openSqliteStore(aside.string(), true);
    inWriteTransaction(*store, [&] {
      store->setMeta("clock", std::to_string(now));
      store->setMeta("epoch", std::to_string(now));
      store->setMeta("created", std::to_string(now));
    });
  } catch (...) {
    fs::remove(aside, ec);
    throw;
  }
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(aside.string() + suffix, ec);
  int linked = ::link(aside.c_str(), db.c_str());
  int why = errno;
  fs::remove(aside, ec);
  if (linked != 0 && why == EEXIST) throw Error(fmt::format("'{}' already holds a workspace ({})", dir, db.string()));
  if (linked != 0) throw Error(fmt::format("cannot create '{}': {}", db.string(), std::strerror(why)));
}

Workspace::Workspace(const std::string& dir, std::string stdlibDir) : dir_(dir), stdlibDir_(std::move(stdlibDir)) {
  fs::path db = fs::path(dir) / kDatabaseName;
  std::error_code ec;
  if (!fs::exists(db, ec))
    throw Error(fmt::format("no workspace in '{}' (create one with `seqc init`, or pass --workspace DIR)", dir));
  store_ = openSqliteStore(db.string(), false);
  impl_ = std::make_unique<Impl>(*store_);
}

Workspace::Workspace(std::unique_ptr<Store> store, std::string dir, std::string stdlibDir)
    : dir_(std::move(dir)), stdlibDir_(std::move(stdlibDir)), store_(std::move(store)) {
  impl_ = std::make_unique<Impl>(*store_);
}

Workspace::~Workspace() = default;

namespace {

int64_t metaInt(Store& store, const char* key) {
  auto v = store.meta(key);
  int64_t out = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), out).ec != std::errc())
    throw StoreError(fmt::format("the workspace's '{}' setting is missing or damaged", key));
  return out;
}

}  // namespace

int64_t Workspace::clock() {
  return inReadTransaction(*store_, [&] { return metaInt(*store_, "clock"); });
}

// ---- schema and records ----------------------------------------------------------------------

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

// ---- activate --------------------------------------------------------------------------------

std::vector<Activation> Workspace::activate(const CompileResult& compiled, const std::string& path,
                                            const std::string& only, const std::string& change) {
  if (!compiled.ok) throw Error(fmt::format("{} did not compile", path));
  const bc::Module& module = compiled.module;
  // The sources: the main file and its imports, in load order.
  Json sources = Json::object();
  for (auto& [file, text] : compiled.sources()) sources[file] = std::move(text);
  std::vector<uint32_t> picked;
  for (uint32_t i = 0; i < module.sequences.size(); ++i)
    if (only.empty() || module.str(module.sequences[i].name) == only) picked.push_back(i);
  if (picked.empty()) {
    if (only.empty()) throw Error(fmt::format("{} defines no sequence", path));
    std::vector<std::string> names;
    for (const auto& s : module.sequences) names.emplace_back(module.str(s.name));
    throw Error(fmt::format("{} has no sequence '{}' (it defines {})", path, only, quotedList(names)));
  }
  std::vector<uint8_t> bytes = bc::write(module);
  std::string bytecode(bytes.begin(), bytes.end());
  const Program& stdlib = stdlibProgram(stdlibDir_);

  return inWriteTransaction(*store_, [&] {
    int64_t now = metaInt(*store_, "clock");
    std::vector<Activation> out;
    size_t active = 0;
    for (const auto& s : store_->sequences()) active += s.active;
    for (uint32_t index : picked) {
      const bc::Sequence& seq = module.sequences[index];
      std::string name(module.str(seq.name)), entity(module.str(seq.entity));
      std::vector<std::string> tags;
      for (uint32_t t : seq.tags) tags.emplace_back(module.str(t));
      auto existing = store_->sequence(name);
      if (existing && existing->entity != entity)
        throw Error(fmt::format("sequence '{}' runs on {} records in the workspace, but {} declares it on {}; "
                                "records cannot change entity: give it a new name",
                                name, existing->entity, path, entity));
      bool wasActive = existing && existing->active;
      std::string hashText = fmt::format("{:016x}", fnv1a(fingerprint(module, index)));
      if (!wasActive && active >= kMaxActiveSequences)
        throw Error(fmt::format("cannot activate '{}': the workspace already has {} active sequences, the most "
                                "it allows; deactivate one first", name, kMaxActiveSequences));
      // Fields `extend entity` added become part of the workspace's schema.
      std::vector<ExtensionRow> newFields;
      if (auto declared = entitySchema(*compiled.compilation->program(), entity)) {
        auto base = entitySchema(stdlib, entity);
        for (const bc::FieldSpec& spec : declared->fields) {
          if (base && base->find(spec.name)) continue;
          bool known = false;
          for (const ExtensionRow& x : store_->extensions(entity)) {
            if (x.field != spec.name) continue;
            known = true;
            auto have = specFromJson(x.field, x.spec);
            if (!have || !sameSpec(*have, spec))
              throw Error(fmt::format("{}.{} is declared differently than in the workspace ({}); fields "
                                      "added by `extend entity` must keep one type", entity, spec.name, x.spec));
          }
          if (!known) newFields.push_back({entity, spec.name, specJson(spec), 0});
        }
      }
      for (ExtensionRow& x : newFields) {
        x.sequence = existing ? existing->id : 0;
        if (existing) store_->insertExtension(x);
      }
      if (existing) {
        auto latest = store_->version(existing->id, existing->latest);
        if (latest && latest->hash == hashText) {
          if (!wasActive) {
            existing->active = true;
            existing->modified = now;
            store_->updateSequence(*existing);
            ++active;
          }
          out.push_back({name, existing->latest, wasActive ? Activation::What::Unchanged : Activation::What::Reactivated});
          continue;
        }
      }
      SequenceRow row = existing.value_or(SequenceRow{});
      row.name = name;
      row.entity = entity;
      row.description = seq.description == bc::kNone ? "" : std::string(module.str(seq.description));
      row.tags = tags;
      row.active = true;
      row.modified = now;
      if (!existing) {
        row.created = now;
        row.latest = 0;
        row.id = store_->insertSequence(row);
        for (ExtensionRow& x : newFields) {
          x.sequence = row.id;
          store_->insertExtension(x);
        }
      }
      VersionRow v;
      v.sequence = row.id;
      v.number = row.latest + 1;
      v.sourcePath = path;
      v.sources = sources.dump();
      v.hash = hashText;
      v.bytecode = bytecode;
      v.index = index;
      v.created = now;
      v.change = change;
      if (v.change.empty()) {
        // Say what changed in the steps the designer view shows.
        if (!existing) {
          v.change = "first version";
        } else {
          const LoadedVersion& prev = impl_->version(row.id, row.latest);
          std::set<std::string> before, after;
          std::multiset<std::string> stepsBefore, stepsAfter;
          auto shape = [](const bc::Module& mod, const bc::Step& st) {
            auto text = [&](uint32_t i) { return i == bc::kNone ? std::string_view() : mod.str(i); };
            return fmt::format("{}|{}|{}|{}|{}|{}", static_cast<int>(st.kind), static_cast<int>(st.activity),
                               text(st.label), text(st.title), text(st.templ), st.seconds);
          };
          for (uint16_t s = 0; s < prev.sequence().stepCount; ++s) {
            stepsBefore.insert(shape(prev.module, prev.step(s)));
            if (prev.step(s).label != bc::kNone) before.emplace(prev.module.str(prev.step(s).label));
          }
          for (uint32_t s = seq.stepBegin; s < seq.stepBegin + seq.stepCount; ++s) {
            stepsAfter.insert(shape(module, module.steps[s]));
            if (module.steps[s].label != bc::kNone) after.emplace(module.str(module.steps[s].label));
          }
          std::vector<std::string> added, removed, edited;
          std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(added));
          std::set_difference(before.begin(), before.end(), after.begin(), after.end(), std::back_inserter(removed));
          std::set_difference(stepsAfter.begin(), stepsAfter.end(), stepsBefore.begin(), stepsBefore.end(),
                              std::back_inserter(edited));
          v.change = fmt::format("{} steps (was {})", seq.stepCount, prev.sequence().stepCount);
          if (!added.empty()) v.change += "; added " + quotedList(added);
          if (!removed.empty()) v.change += "; removed " + quotedList(removed);
          if (!edited.empty()) v.change += fmt::format("; {} new or changed", edited.size());
          else if (added.empty() && removed.empty()) v.change += "; same steps, other changes";
        }
      }
      store_->insertVersion(v);
      row.latest = v.number;
      store_->updateSequence(row);
      if (!wasActive) ++active;
      out.push_back({name, v.number, Activation::What::NewVersion});
    }
    return out;
  });
}

// ---- connect and disconnect -------------------------------------------------------------------


ConnectResult Workspace::connect(const std::string& name, const std::vector<std::string>& ids,
                                 const std::string& where, bool allowMultiple) {
  // Compile the --where condition before taking the write lock.
  CompileResult condition;
  if (!where.empty()) {
    auto row = inReadTransaction(*store_, [&] { return impl_->require(name); });
    condition = compileCondition("--where", where, row.entity, CompileOptions{stdlibDir_});
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
      FieldColumns columns(m, seq.entity);
      rt::Interpreter in(m, 0, {now, false});
      std::vector<rt::Value> row(columns.width);
      rt::StringArena arena;
      store_->forEachRecord(seq.entity, [&](const RecordRow& r) {
        std::fill(row.begin(), row.end(), rt::Value());
        columns.read(r.fields, row.data(), arena);
        uint32_t at = in.addRecords(1, row);
        if (in.exitCondition(at, 0).value_or(false)) candidates.push_back(r.id);
      });
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
      std::unordered_set<std::string> wanted(candidates.begin(), candidates.end());
      store_->forEachConnection(f, [&](const ConnectionRow& c) {
        if (wanted.count(c.record)) on[c.record].push_back(c.sequence);
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
      ConnectionRow c;
      c.record = id;
      c.sequence = seq.id;
      c.version = seq.latest;
      c.connected = now;
      rows.push_back(std::move(c));
    }
    Mover mover{*store_, *impl_, epoch};
    mover.run(rows, {}, now);
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
    for (auto& c : rows) {
      c.status = static_cast<uint8_t>(rt::Status::Disconnected);
      c.waiting = static_cast<uint8_t>(rt::Waiting::Nothing);
      c.step = 0xFFFF;
      c.due.reset();
      c.ended = now;
      c.message = "disconnected by `seqc disconnect`";
      ++c.generation;
      history.push_back({c.id, now, -1, "disconnected", c.message});
    }
    store_->updateConnections(rows);
    store_->appendHistory(history);
    return rows.size();
  });
}

// ---- actions ---------------------------------------------------------------------------------

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
    else if (a.kind == Action::Kind::Skip) ok = w == rt::Waiting::Manual || w == rt::Waiting::Timer;
    else {
      const LoadedVersion& v = impl.version(c.sequence, c.version);
      for (uint16_t s = 0; s < v.sequence().stepCount && !ok; ++s)
        ok = v.step(s).label != bc::kNone && v.module.str(v.step(s).label) == a.step;
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

ActionResult act(Store& store, Workspace::Impl& impl, const std::string& sequence, const Action& action) {
  return inWriteTransaction(store, [&] {
    int64_t now = metaInt(store, "clock"), epoch = metaInt(store, "epoch");
    std::vector<ConnectionRow> rows = pickConnections(store, impl, action, sequence);
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
    mover.run(rows, {action}, now);
    ActionResult result;
    for (const auto& c : rows) result.moved.push_back(impl.view(c));
    return result;
  });
}

}  // namespace

ActionResult Workspace::complete(const std::string& record, std::optional<CallOutcome> outcome,
                                 const std::string& sequence) {
  Action a;
  a.kind = Action::Kind::Complete;
  a.record = record;
  a.outcome = outcome;
  return act(*store_, *impl_, sequence, a);
}

ActionResult Workspace::skip(const std::string& record, const std::string& sequence) {
  Action a;
  a.kind = Action::Kind::Skip;
  a.record = record;
  return act(*store_, *impl_, sequence, a);
}

ActionResult Workspace::event(const std::string& record, EngagementEvent event, const std::string& step,
                              const std::string& sequence) {
  Action a;
  a.kind = Action::Kind::Engage;
  a.record = record;
  a.event = event;
  a.step = step;
  return act(*store_, *impl_, sequence, a);
}

ActionResult Workspace::update(const std::string& record, const std::vector<std::string>& assignments) {
  return inWriteTransaction(*store_, [&] {
    auto rec = store_->record(record);
    if (!rec) throw Error(fmt::format("no record '{}' in the workspace", record));
    if (assignments.empty()) throw Error("update: give at least one field=value");
    rt::RecordSchema s = schema(rec->entity);
    rt::StringArena arena;
    Action e;
    e.kind = Action::Kind::Update;
    e.record = record;
    Json j = Json::parse(rec->fields, nullptr, false);
    if (!j.is_object()) j = Json::object();
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
      if (v->isNull()) j.erase(field);
      else j[field] = rt::fieldText(*spec, *v);
      e.fields.emplace_back(field, *v);
    }
    int64_t now = metaInt(*store_, "clock"), epoch = metaInt(*store_, "epoch");
    store_->updateRecordFields(record, j.dump(), now);
    ConnectionFilter f;
    f.record = record;
    f.activeOnly = true;
    std::vector<ConnectionRow> rows = store_->connections(f);
    Mover mover{*store_, *impl_, epoch};
    mover.run(rows, {e}, now);
    ActionResult result;
    for (const auto& c : rows) result.moved.push_back(impl_->view(c));
    return result;
  });
}

// ---- tick ------------------------------------------------------------------------------------

TickResult Workspace::tick(std::optional<int64_t> to) {
  int64_t target = to.value_or(wallClock());
  return inWriteTransaction(*store_, [&] {
    TickResult result;
    int64_t now = metaInt(*store_, "clock"), epoch = metaInt(*store_, "epoch");
    result.from = now;
    // The clock never goes back: a late or repeated tick has nothing left to do.
    result.to = std::max(now, target);
    offset(result.to, epoch);
    ConnectionFilter f;
    f.activeOnly = true;
    f.dueBy = result.to;
    std::vector<ConnectionRow> rows = store_->connections(f);
    Mover mover{*store_, *impl_, epoch};
    mover.run(rows, {}, result.to);
    store_->setMeta("clock", std::to_string(result.to));
    result.records = mover.moved;
    result.steps = mover.steps;
    return result;
  });
}

}  // namespace seqc::ws
