// Small helpers shared by the workspace's source files (declared in internal.h).
#include "internal.h"
#include "seqc/support/suggest.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/driver.h"
#include "seqc/support/quote.h"
#include "seqc/interp/interpreter.h"
#include "seqc/support/time.h"

namespace seqc::ws {

using Json = nlohmann::ordered_json;

int64_t wallClock() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RunShares::RunShares(int64_t seq, int32_t version, uint32_t count) : sequence(seq), slots(count) {
  for (uint32_t i = 0; i < count; ++i) {
    slots[i].version = version;
    slots[i].slot = static_cast<uint16_t>(i);
  }
}

void RunShares::add(const ConnectionRow& c, int sign) {
  size_t n = std::min(slots.size(), c.data.size());
  for (size_t i = 0; i < n; ++i) {
    auto b = static_cast<uint8_t>(c.data[i]);
    if (!(b & rt::kSlotDone)) continue;
    SlotCount& s = slots[i];
    auto has = [&](EngagementEvent e) { return sign * ((b >> static_cast<int>(e)) & 1); };
    s.sent += sign;
    s.opened += has(EngagementEvent::Opened);
    s.clicked += has(EngagementEvent::Clicked);
    s.replied += has(EngagementEvent::Replied);
    s.downloaded += has(EngagementEvent::Downloaded);
  }
  if (c.status == static_cast<uint8_t>(rt::Status::Completed) && c.ended) durations[*c.ended - c.connected] += sign;
}

void RunShares::write(Store& store) {
  std::vector<SlotCount> changed;
  for (const SlotCount& s : slots)
    if (s.sent || s.opened || s.clicked || s.replied || s.downloaded) changed.push_back(s);
  std::vector<DurationCount> times;
  for (auto [seconds, n] : durations)
    if (n) times.push_back({seconds, n});
  if (!changed.empty()) store.addSlotCounts(sequence, changed);
  if (!times.empty()) store.addDurationCounts(sequence, times);
}

void fillRunCounts(Store& store, Workspace::Impl& impl) {
  std::map<std::pair<int64_t, int32_t>, RunShares> shares;
  store.forEachConnection({}, [&](const ConnectionRow& c) {
    auto it = shares.find({c.sequence, c.version});
    if (it == shares.end()) {
      uint32_t slots = 0;  // a damaged version: its runs count their durations only
      try {
        slots = impl.version(c.sequence, c.version).sequence().slots;
      } catch (const StoreError&) {
      }
      it = shares.emplace(std::pair{c.sequence, c.version}, RunShares(c.sequence, c.version, slots)).first;
    }
    it->second.add(c, 1);
  });
  for (auto& [key, s] : shares) s.write(store);
  store.setMeta("run_counts", "kept");
}

HistoryRow markDisconnected(ConnectionRow& c, int64_t now, std::string why) {
  c.status = static_cast<uint8_t>(rt::Status::Disconnected);
  c.waiting = static_cast<uint8_t>(rt::Waiting::Nothing);
  c.step = 0xFFFF;
  c.due.reset();
  c.ended = now;
  c.message = std::move(why);
  ++c.generation;
  return {c.id, now, -1, "disconnected", c.message};
}

std::string specJson(const bc::FieldSpec& s) {
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

std::optional<bc::FieldSpec> specFromJson(const std::string& name, const std::string& text) {
  Json j = Json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return std::nullopt;
  bc::FieldSpec s;
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

bool sameSpec(const bc::FieldSpec& a, const bc::FieldSpec& b) {
  return a.type == b.type && a.maxLength == b.maxLength && a.options == b.options;
}

std::string typeText(const bc::FieldSpec& spec) {
  std::string type;
  switch (spec.type) {
    case bc::ValueType::String: return spec.maxLength ? fmt::format("string({})", spec.maxLength) : "string";
    case bc::ValueType::Choice:
      for (const auto& [value, label] : spec.options)
        type += fmt::format("{}{} {}", type.empty() ? "choice { " : ", ", value, seqc::quoted(label));
      return type.empty() ? "choice {}" : type + " }";
    // Targets are not kept: a condition compares a lookup by the id it holds.
    case bc::ValueType::Lookup: return "lookup systemuser";
    case bc::ValueType::Bool: case bc::ValueType::Int: case bc::ValueType::Decimal: case bc::ValueType::Money:
    case bc::ValueType::Date: case bc::ValueType::DateTime: case bc::ValueType::Id:
      return std::string(bc::name(spec.type));
    default: return {};  // no field has another type
  }
}

std::string extensionDeclarations(Store& store, const std::string& entity, const std::string& more) {
  std::string fields;
  for (const ExtensionRow& x : store.extensions(entity)) {
    auto spec = specFromJson(x.field, x.spec);
    std::string type = spec ? typeText(*spec) : std::string();
    if (!type.empty()) fields += fmt::format("  {}: {} {}\n", x.field, type, seqc::quoted(x.field));
  }
  fields += more;
  if (fields.empty()) return {};
  return fmt::format("extend entity {} {{\n{}}}\n", entity, fields);
}

std::vector<ExtensionRow> newExtensions(Store& store, const Program& program, const Program& stdlib,
                                        const std::string& entity, const std::string& what) {
  std::vector<ExtensionRow> out;
  auto declared = entitySchema(program, entity);
  if (!declared) return out;
  auto base = entitySchema(stdlib, entity);
  std::vector<ExtensionRow> have = store.extensions(entity);
  for (const bc::FieldSpec& spec : declared->fields) {
    if (base && base->find(spec.name)) continue;
    bool known = false;
    for (const ExtensionRow& x : have) {
      if (x.field != spec.name) continue;
      known = true;
      auto old = specFromJson(x.field, x.spec);
      if (!old || !sameSpec(*old, spec))
        throw Error(fmt::format("{}.{} is declared differently {} than in the workspace ({}); fields "
                                "added by `extend entity` must keep one type", entity, spec.name, what, x.spec));
    }
    if (!known) out.push_back({entity, spec.name, specJson(spec), 0});
  }
  return out;
}

// The standard library checked alone: the entity schemas records are typed by.
const Program& stdlibProgram(const std::string& stdlibDir) {
  const Program* p = standardProgram(stdlibDir);
  if (!p) throw Error(fmt::format("the standard library in '{}' does not load", stdlibDir));
  return *p;
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

std::optional<int32_t> tryOffset(int64_t at, int64_t epoch) {
  int64_t d = 0;
  if (__builtin_sub_overflow(at, epoch, &d) || d > kMaxOffset || d < -kMaxOffset) return std::nullopt;
  return static_cast<int32_t>(d);
}

int32_t offset(int64_t at, int64_t epoch) {
  if (auto d = tryOffset(at, epoch)) return *d;
  throw Error(fmt::format("{} is too far from the workspace's start ({}); a workspace spans 34 years",
                          seqc::formatDateTime(at), seqc::formatDateTime(epoch)));
}

int64_t metaInt(Store& store, const char* key) {
  auto v = store.meta(key);
  int64_t out = 0;
  if (!v || std::from_chars(v->data(), v->data() + v->size(), out).ec != std::errc())
    throw StoreError(fmt::format("the workspace's '{}' setting is missing or damaged", key));
  return out;
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
  // The segments feeding it are part of what it does (none: the text of before 1.3).
  for (const bc::Segment& g : m.segments) {
    if (g.feeds != index) continue;
    out += fmt::format("segment {} {} {} {}\n", text(g.name), text(g.entity), g.priority, g.disconnect);
    walk(g.condBegin, g.condEnd);
  }
  // Experiments (1.4): only when there are some, so older fingerprints stay as they were.
  for (uint32_t k = 0; k < seq.experimentCount; ++k) {
    const bc::Experiment& x = m.experiments[seq.experimentBegin + k];
    out += fmt::format("experiment {} {} {} {} {} {} {} {}\n", text(x.name), static_cast<int>(x.metric),
                       static_cast<int>(x.event), x.within, x.baseline, x.mde, x.alpha, x.power);
    for (const bc::Variant& v : x.variants)
      out += fmt::format("variant {} {} @{} {}..{}\n", text(v.name), v.weight,
                         static_cast<int64_t>(v.target) - seq.codeBegin, v.stepBegin, v.stepEnd);
    if (x.metric == bc::MetricKind::Field) walk(x.metricBegin, x.metricEnd);
  }
  return out;
}


}  // namespace seqc::ws
