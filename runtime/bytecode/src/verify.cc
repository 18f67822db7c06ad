// The bytecode verifier: everything the interpreter trusts about a Module is checked
// here, once, at load time (docs/bytecode.md, "What the verifier guarantees"). The
// interpreter indexes tables and follows jumps without checking them again.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "seqc/format/bytecode.h"
#include "seqc/support/utf8.h"

namespace seqc::bc {
namespace {

std::string_view stepKindName(StepKind k) {
  switch (k) {
    case StepKind::Activity: return "activity";
    case StepKind::Wait: return "wait";
    case StepKind::Condition: return "condition";
  }
  return "?";
}

// The code ranges of a sequence: its statements, its `exit when` and `time zone` blocks.
enum class Block : uint8_t { Main, Exit, Zone, Metric };
// "jump target outside the …", "… ends without …".
std::string_view noun(Block b) {
  switch (b) {
    case Block::Main: return "sequence";
    case Block::Exit: return "exit block";
    case Block::Zone: return "time zone block";
    case Block::Metric: return "metric block";
  }
  return "?";
}

// A half-open run [begin, end) of some table owned by `owner`.
struct Run {
  uint64_t begin, end;
  size_t owner;
};

// Sorts `runs` and returns the first pair that overlaps (empty runs never do).
std::optional<std::pair<Run, Run>> firstOverlap(std::vector<Run> runs) {
  std::erase_if(runs, [](const Run& r) { return r.begin == r.end; });
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.owner < b.owner;
  });
  for (size_t i = 1; i < runs.size(); ++i)
    if (runs[i].begin < runs[i - 1].end) return std::pair{runs[i - 1], runs[i]};
  return std::nullopt;
}

// Names what a message is about ("step 3", "sequence 0: step 2: term 1"); formatted
// only when a check fails, so verifying a large module allocates no messages.
struct Where {
  std::string_view noun;
  size_t index;
  const Where* parent = nullptr;
  std::string text() const {
    std::string own = fmt::format("{} {}", noun, index);
    return parent ? parent->text() + ": " + own : own;
  }
};

class Verifier {
 public:
  explicit Verifier(const Module& m) : m_(m) {}

  bool run(std::string& error) {
    bool ok = strings() && constants() && fields() && calendars() && steps() && sequences() &&
              segments() && lines();
    for (size_t i = 0; ok && i < m_.sequences.size(); ++i) ok = sequence(i);
    // A segment's `where` runs as an exit block of the sequence it feeds (same entity).
    for (size_t i = 0; ok && i < m_.segments.size(); ++i)
      ok = code(m_.segments[i].feeds, m_.segments[i].condBegin, m_.segments[i].condEnd, Block::Exit);
    if (!ok) error = error_;
    return ok;
  }

 private:
  bool fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  // A string index field: `what` names it in messages (empty: `where` is the field).
  bool checkStr(uint32_t index, std::string_view what, const Where& where, bool optional = false) {
    if (index < m_.strings.size() || (optional && index == kNone)) return true;
    std::string at = what.empty() ? where.text() : where.text() + ": " + std::string(what);
    if (index == kNone) return fail(fmt::format("{} is missing", at));
    return fail(
        fmt::format("{}: string index {} out of range ({} strings)", at, index, m_.strings.size()));
  }

  bool strings() {
    if (!utf8::isValid(m_.source)) return fail("source name is not valid UTF-8");
    for (size_t i = 0; i < m_.strings.size(); ++i)
      if (!utf8::isValid(m_.strings[i])) return fail(fmt::format("string {} is not valid UTF-8", i));
    return true;
  }

  bool constants() {
    for (size_t i = 0; i < m_.constants.size(); ++i) {
      const Constant& c = m_.constants[i];
      Where where{"constant", i};
      if (static_cast<size_t>(c.type) >= kValueTypeNames.size())
        return fail(
            fmt::format("{}: unknown value type {}", where.text(), static_cast<int>(c.type)));
      if (c.type == ValueType::String && !checkStr(c.str, "string", where)) return false;
      if (c.type == ValueType::Bool && c.i != 0 && c.i != 1)
        return fail(fmt::format("{}: bool value {} is neither 0 nor 1", where.text(), c.i));
      if (c.type == ValueType::Decimal && !std::isfinite(c.d))
        return fail(fmt::format("{}: decimal value is not finite", where.text()));
    }
    return true;
  }

  // Each calendar is well formed (cal::validate, the rules the compiler reports as
  // BadHours/BadHoliday) and named uniquely. Its zone need not exist on this machine: the
  // runtime falls back to UTC and says so.
  bool calendars() {
    for (size_t i = 0; i < m_.calendars.size(); ++i) {
      const cal::CalendarSpec& c = m_.calendars[i];
      Where where{"calendar", i};
      bool utf8 = utf8::isValid(c.name) && utf8::isValid(c.zone);
      for (const cal::HolidayRule& h : c.holidays) utf8 = utf8 && utf8::isValid(h.name);
      if (!utf8) return fail(fmt::format("{}: a name is not valid UTF-8", where.text()));
      if (c.name.empty()) return fail(fmt::format("{}: no name", where.text()));
      for (size_t k = 0; k < i; ++k)
        if (m_.calendars[k].name == c.name)
          return fail(fmt::format("{}: \"{}\" is also the name of calendar {}", where.text(),
                                  c.name, k));
      if (auto e = cal::validate(c)) return fail(fmt::format("{}: {}", where.text(), *e));
    }
    return true;
  }

  bool fields() {
    for (size_t i = 0; i < m_.fields.size(); ++i) {
      const Field& f = m_.fields[i];
      Where where{"field", i};
      if (!checkStr(f.entity, "entity", where) || !checkStr(f.name, "name", where)) return false;
      if (static_cast<size_t>(f.type) >= kValueTypeNames.size())
        return fail(
            fmt::format("{}: unknown value type {}", where.text(), static_cast<int>(f.type)));
      if (!f.options.empty() && f.type != ValueType::Choice)
        return fail(fmt::format("{}: a {} field has options", where.text(), name(f.type)));
      for (size_t k = 0; k < f.options.size(); ++k)
        if (!checkStr(f.options[k].label, "label", Where{"option", k, &where})) return false;
    }
    return true;
  }

  // What each step says about itself; what needs its sequence is checked in sequence().
  bool steps() {
    std::vector<Run> termRuns;
    for (size_t i = 0; i < m_.steps.size(); ++i) {
      const Step& s = m_.steps[i];
      Where where{"step", i};
      if (static_cast<size_t>(s.kind) > static_cast<size_t>(StepKind::Condition))
        return fail(
            fmt::format("{}: unknown step kind {}", where.text(), static_cast<int>(s.kind)));
      if (!checkStr(s.label, "label", where, true) || !checkStr(s.title, "title", where, true) ||
          !checkStr(s.templ, "template", where, true) ||
          !checkStr(s.description, "description", where, true))
        return false;
      if (s.seconds > kMaxStepSeconds)
        return fail(fmt::format("{}: {} seconds is more than the limit of {}", where.text(),
                                s.seconds, kMaxStepSeconds));
      if (!businessDuration(s, where)) return false;
      switch (s.kind) {
        case StepKind::Activity: {
          if (static_cast<size_t>(s.activity) >= kActivityInfo.size())
            return fail(fmt::format("{}: unknown activity kind {}", where.text(),
                                    static_cast<int>(s.activity)));
          bool needsSlot = info(s.activity).events != EventClass::NoEvents;
          if (needsSlot && s.slot == kNoSlot)
            return fail(fmt::format("{}: a {} step needs an engagement slot", where.text(),
                                    info(s.activity).name));
          if (!needsSlot && s.slot != kNoSlot)
            return fail(fmt::format("{}: a {} step cannot have an engagement slot", where.text(),
                                    info(s.activity).name));
          break;
        }
        case StepKind::Wait:
          if (s.slot != kNoSlot)
            return fail(
                fmt::format("{}: a wait step cannot have an engagement slot", where.text()));
          break;
        case StepKind::Condition:
          if (s.slot != kNoSlot)
            return fail(
                fmt::format("{}: a condition step cannot have an engagement slot", where.text()));
          if (s.termCount == 0)
            return fail(fmt::format("{}: a condition without terms", where.text()));
          if (uint64_t{s.termBegin} + s.termCount > m_.terms.size())
            return fail(fmt::format("{}: terms {}..{} outside the term table ({} terms)",
                                    where.text(), s.termBegin, uint64_t{s.termBegin} + s.termCount,
                                    m_.terms.size()));
          termRuns.push_back({s.termBegin, uint64_t{s.termBegin} + s.termCount, i});
          break;
      }
    }
    if (auto o = firstOverlap(std::move(termRuns)))
      return fail(fmt::format("step {}: its terms overlap those of step {}", o->second.owner,
                              o->first.owner));
    return true;
  }

  // A business duration (CALENDARS.md §3): 1..the limit of its unit for the step's kind;
  // an activity without `due` stays in seconds.
  bool businessDuration(const Step& s, const Where& where) {
    if (static_cast<size_t>(s.unit) >= kDurationUnitNames.size())
      return fail(fmt::format("{}: unknown duration unit {}", where.text(),
                              static_cast<int>(s.unit)));
    if (s.unit == DurationUnit::Seconds) return true;
    BusinessLimits limits = s.kind == StepKind::Activity ? kDueBusinessLimits : kWaitBusinessLimits;
    uint32_t most = s.unit == DurationUnit::BusinessDays ? limits.days : limits.hours;
    if (s.seconds < 1 || s.seconds > most)
      return fail(fmt::format("{}: {} {} is outside 1..{}", where.text(), s.seconds, name(s.unit),
                              most));
    return true;
  }

  bool sequences() {
    std::vector<Run> stepRuns, branchRuns, codeRuns;
    for (size_t i = 0; i < m_.sequences.size(); ++i) {
      const Sequence& s = m_.sequences[i];
      Where where{"sequence", i};
      if (!checkStr(s.name, "name", where) || !checkStr(s.entity, "entity", where) ||
          !checkStr(s.description, "description", where, true) || !checkStr(s.assign, "assign", where, true))
        return false;
      for (size_t k = 0; k < s.tags.size(); ++k)
        if (!checkStr(s.tags[k], "", Where{"tag", k, &where})) return false;
      if (s.vars > kMaxVars)
        return fail(fmt::format("{}: {} variables is more than the limit of {}", where.text(),
                                s.vars, kMaxVars));
      if (s.slots > kMaxSlots)
        return fail(fmt::format("{}: {} engagement slots is more than the limit of {}",
                                where.text(), s.slots, kMaxSlots));
      if (uint64_t{s.stepBegin} + s.stepCount > m_.steps.size())
        return fail(fmt::format("{}: steps {}..{} outside the step table ({} steps)", where.text(),
                                s.stepBegin, uint64_t{s.stepBegin} + s.stepCount, m_.steps.size()));
      if (uint64_t{s.branchBegin} + s.branchCount > m_.branches.size())
        return fail(fmt::format("{}: branches {}..{} outside the branch table ({} branches)",
                                where.text(), s.branchBegin,
                                uint64_t{s.branchBegin} + s.branchCount, m_.branches.size()));
      if (s.codeBegin >= s.codeEnd || s.codeEnd > m_.code.size())
        return fail(
            fmt::format("{}: code 0x{:x}..0x{:x} is empty or outside the code (0x{:x} "
                        "bytes)",
                        where.text(), s.codeBegin, s.codeEnd, m_.code.size()));
      if (s.exitBegin > s.exitEnd || s.exitEnd > m_.code.size())
        return fail(fmt::format("{}: exit block 0x{:x}..0x{:x} outside the code (0x{:x} bytes)",
                                where.text(), s.exitBegin, s.exitEnd, m_.code.size()));
      if (s.calendar != kNone && s.calendar >= m_.calendars.size())
        return fail(fmt::format("{}: calendar {} out of range ({} calendars)", where.text(),
                                s.calendar, m_.calendars.size()));
      if (s.zoneBegin > s.zoneEnd || s.zoneEnd > m_.code.size())
        return fail(fmt::format("{}: time zone block 0x{:x}..0x{:x} outside the code (0x{:x} bytes)",
                                where.text(), s.zoneBegin, s.zoneEnd, m_.code.size()));
      if (s.zoneBegin != s.zoneEnd && s.calendar == kNone)
        return fail(fmt::format("{}: a time zone block without a calendar", where.text()));
      stepRuns.push_back({s.stepBegin, uint64_t{s.stepBegin} + s.stepCount, i});
      branchRuns.push_back({s.branchBegin, uint64_t{s.branchBegin} + s.branchCount, i});
      codeRuns.push_back({s.codeBegin, s.codeEnd, 3 * i});
      codeRuns.push_back({s.exitBegin, s.exitEnd, 3 * i + 1});
      codeRuns.push_back({s.zoneBegin, s.zoneEnd, 3 * i + 2});
    }
    if (auto o = firstOverlap(std::move(stepRuns)))
      return fail(fmt::format("sequence {}: its steps overlap those of sequence {}",
                              o->second.owner, o->first.owner));
    if (auto o = firstOverlap(std::move(branchRuns)))
      return fail(fmt::format("sequence {}: its branches overlap those of sequence {}",
                              o->second.owner, o->first.owner));
    if (auto o = firstOverlap(std::move(codeRuns))) {
      auto name = [](size_t owner) {
        constexpr std::string_view kWhat[] = {"the code", "the exit block", "the time zone block"};
        return fmt::format("{} of sequence {}", kWhat[owner % 3], owner / 3);
      };
      return fail(fmt::format("sequence {}: {} overlaps {}", o->second.owner / 3,
                              name(o->second.owner), name(o->first.owner)));
    }
    return true;
  }

  bool segments() {
    std::vector<Run> runs;
    for (size_t i = 0; i < m_.sequences.size(); ++i) {
      const Sequence& s = m_.sequences[i];
      runs.push_back({s.codeBegin, s.codeEnd, i});
      runs.push_back({s.exitBegin, s.exitEnd, i});
      runs.push_back({s.zoneBegin, s.zoneEnd, i});
    }
    const size_t first = m_.sequences.size();  // owners from here on are segments
    for (size_t i = 0; i < m_.segments.size(); ++i) {
      const Segment& g = m_.segments[i];
      Where where{"segment", i};
      if (!checkStr(g.name, "name", where) || !checkStr(g.entity, "entity", where)) return false;
      if (g.feeds >= m_.sequences.size())
        return fail(fmt::format("{}: sequence {} out of range ({} sequences)", where.text(), g.feeds,
                                m_.sequences.size()));
      if (m_.str(g.entity) != m_.str(m_.sequences[g.feeds].entity))
        return fail(fmt::format("{}: its entity is not that of sequence {}", where.text(), g.feeds));
      if (g.priority < kMinSegmentPriority || g.priority > kMaxSegmentPriority)
        return fail(fmt::format("{}: priority {} is outside {}..{}", where.text(), g.priority, kMinSegmentPriority,
                                kMaxSegmentPriority));
      if (g.condBegin >= g.condEnd || g.condEnd > m_.code.size())
        return fail(fmt::format("{}: where block 0x{:x}..0x{:x} is empty or outside the code (0x{:x} bytes)",
                                where.text(), g.condBegin, g.condEnd, m_.code.size()));
      runs.push_back({g.condBegin, g.condEnd, first + i});
    }
    if (auto o = firstOverlap(std::move(runs))) {
      // sequences() found no overlap among sequences: one of the two is a segment.
      auto name = [&](size_t owner) {
        return owner >= first ? fmt::format("the where block of segment {}", owner - first)
                              : fmt::format("the code of sequence {}", owner);
      };
      return fail(fmt::format("{} overlaps {}", name(std::max(o->first.owner, o->second.owner)),
                              name(std::min(o->first.owner, o->second.owner))));
    }
    return true;
  }

  bool lines() {
    for (size_t i = 0; i < m_.lines.size(); ++i) {
      const LineEntry& l = m_.lines[i];
      if (l.pc > m_.code.size())
        return fail(fmt::format("line table: entry {}: pc 0x{:x} outside the code (0x{:x} bytes)",
                                i, l.pc, m_.code.size()));
      if (i > 0 && l.pc < m_.lines[i - 1].pc)
        return fail(fmt::format("line table: entry {}: pc 0x{:x} comes after 0x{:x} (not sorted)",
                                i, l.pc, m_.lines[i - 1].pc));
    }
    return true;
  }

  // The steps of one sequence (slots, terms), then its code.
  bool sequence(size_t index) {
    const Sequence& seq = m_.sequences[index];
    std::vector<uint32_t> slotOwner(seq.slots, kNone);
    Where inSequence{"sequence", index};
    for (uint32_t local = 0; local < seq.stepCount; ++local) {
      const Step& s = m_.steps[seq.stepBegin + local];
      Where where{"step", local, &inSequence};
      if (s.kind == StepKind::Activity && s.slot != kNoSlot) {
        if (s.slot >= seq.slots)
          return fail(
              fmt::format("{}: slot {} out of range ({} slots)", where.text(), s.slot, seq.slots));
        if (slotOwner[s.slot] != kNone)
          return fail(fmt::format("{}: slot {} is also the slot of step {}", where.text(), s.slot,
                                  slotOwner[s.slot]));
        slotOwner[s.slot] = local;
      }
      if (s.unit != DurationUnit::Seconds && seq.calendar == kNone)
        return fail(fmt::format("{}: {} without a calendar", where.text(), name(s.unit)));
      if (s.kind != StepKind::Condition) continue;
      for (uint32_t t = 0; t < s.termCount; ++t) {
        const Term& term = m_.terms[s.termBegin + t];
        Where at{"term", t, &where};
        if (term.step >= seq.stepCount)
          return fail(fmt::format("{}: step {} out of range ({} steps)", at.text(), term.step,
                                  seq.stepCount));
        const Step& target = m_.steps[seq.stepBegin + term.step];
        if (target.kind != StepKind::Activity || target.slot == kNoSlot)
          return fail(fmt::format("{}: step {} is not an activity step with engagement", at.text(),
                                  term.step));
        if (term.events == 0) return fail(fmt::format("{}: no events", at.text()));
        if (term.events >> kEngagementEventNames.size())
          return fail(fmt::format("{}: unknown events in mask 0x{:x}", at.text(), term.events));
        for (size_t e = 0; e < kEngagementEventNames.size(); ++e)
          if ((term.events & (1u << e)) &&
              !acceptsEvent(target.activity, static_cast<EngagementEvent>(e)))
            return fail(fmt::format("{}: step {} ({}) cannot receive '{}'", at.text(), term.step,
                                    info(target.activity).name, kEngagementEventNames[e]));
      }
    }
    if (!experiments(index)) return false;
    for (uint32_t k = 0; k < seq.experimentCount; ++k) {
      const Experiment& x = m_.experiments[seq.experimentBegin + k];
      if (x.metric == MetricKind::Field && !code(index, x.metricBegin, x.metricEnd, Block::Metric)) return false;
    }
    return code(index, seq.codeBegin, seq.codeEnd, Block::Main) &&
           (seq.exitBegin == seq.exitEnd || code(index, seq.exitBegin, seq.exitEnd, Block::Exit)) &&
           (seq.zoneBegin == seq.zoneEnd || code(index, seq.zoneBegin, seq.zoneEnd, Block::Zone));
  }

  // A sequence's experiments (its `experiment` instructions check the targets).
  bool experiments(size_t index) {
    const Sequence& seq = m_.sequences[index];
    Where inSequence{"sequence", index};
    for (uint32_t k = 0; k < seq.experimentCount; ++k) {
      const Experiment& x = m_.experiments[seq.experimentBegin + k];
      Where where{"experiment", k, &inSequence};
      if (!checkStr(x.name, "name", where)) return false;
      for (uint32_t j = 0; j < k; ++j)
        if (m_.experiments[seq.experimentBegin + j].name == x.name)
          return fail(fmt::format("{}: its name is also that of experiment {}", where.text(), j));
      unsigned sum = 0;
      for (size_t v = 0; v < x.variants.size(); ++v) {
        const Variant& var = x.variants[v];
        Where at{"variant", v, &where};
        if (!checkStr(var.name, "name", at)) return false;
        for (size_t w = 0; w < v; ++w)
          if (x.variants[w].name == var.name)
            return fail(fmt::format("{}: its name is also that of variant {}", at.text(), w));
        if (var.weight < 1 || var.weight > 99)
          return fail(fmt::format("{}: weight {} outside 1-99", at.text(), var.weight));
        sum += var.weight;
        if (var.stepBegin > var.stepEnd || var.stepEnd > seq.stepCount)
          return fail(fmt::format("{}: steps [{}, {}) outside the sequence's {}", at.text(), var.stepBegin,
                                  var.stepEnd, seq.stepCount));
      }
      if (sum != 100) return fail(fmt::format("{}: weights add up to {}, not 100", where.text(), sum));
      if (x.within == 0 || x.within > kMaxStepSeconds)
        return fail(fmt::format("{}: within {} s out of range", where.text(), x.within));
      for (double d : {x.baseline, x.mde, x.alpha, x.power})
        if (!std::isfinite(d)) return fail(fmt::format("{}: a parameter is not finite", where.text()));
      if (x.metric == MetricKind::Field &&
          (x.metricBegin >= x.metricEnd || x.metricEnd > m_.code.size()))
        return fail(fmt::format("{}: metric block [0x{:x}, 0x{:x}) outside the code", where.text(), x.metricBegin,
                                x.metricEnd));
    }
    return true;
  }

  // ---- code ----------------------------------------------------------------------

  struct Range {
    size_t seq;
    uint32_t begin, end;
    Block block;
  };

  const Experiment& experimentAt(const Range& r, uint32_t pc) const {
    const Sequence& seq = m_.sequences[r.seq];
    return m_.experiments[seq.experimentBegin + readU16(m_.code.data() + pc + 1)];
  }

  bool failAt(const Range& r, uint32_t pc, std::string_view what) {
    return fail(fmt::format("sequence {}: code at 0x{:x}: {}", r.seq, pc, what));
  }

  bool stepOperand(const Range& r, uint32_t pc, uint16_t step, StepKind kind, Opcode op) {
    const Sequence& seq = m_.sequences[r.seq];
    if (step >= seq.stepCount)
      return failAt(r, pc,
                    fmt::format("{}: step {} out of range ({} steps)", info(op).mnemonic, step,
                                seq.stepCount));
    const Step& s = m_.steps[seq.stepBegin + step];
    if (s.kind != kind)
      return failAt(r, pc,
                    fmt::format("{}: step {} has kind {} (expected: {})", info(op).mnemonic, step,
                                stepKindName(s.kind), stepKindName(kind)));
    return true;
  }

  bool fieldOperand(const Range& r, uint32_t pc, uint16_t field, Opcode op) {
    if (field >= m_.fields.size())
      return failAt(r, pc,
                    fmt::format("{}: field {} out of range ({} fields)", info(op).mnemonic, field,
                                m_.fields.size()));
    std::string_view entity = m_.str(m_.fields[field].entity);
    std::string_view own = m_.str(m_.sequences[r.seq].entity);
    if (entity != own)
      return failAt(r, pc,
                    fmt::format("{}: field {} belongs to '{}', not to the sequence's '{}'",
                                info(op).mnemonic, field, entity, own));
    return true;
  }

  bool constOperand(const Range& r, uint32_t pc, uint16_t index, Opcode op) {
    if (index >= m_.constants.size())
      return failAt(r, pc,
                    fmt::format("{}: constant {} out of range ({} constants)", info(op).mnemonic,
                                index, m_.constants.size()));
    return true;
  }

  bool jumpTarget(const Range& r, uint32_t pc, uint32_t target) {
    if (target < r.begin || target >= r.end)
      return failAt(r, pc,
                    fmt::format("jump target 0x{:x} outside the {}", target,
                                noun(r.block)));
    // Forward only: sequences have no loops, and this bounds every run of a record
    // by the length of its code (hostile bytecode cannot hang the interpreter).
    if (target <= pc)
      return failAt(r, pc, fmt::format("jump target 0x{:x} is not forward", target));
    return true;
  }

  static bool isStatement(Opcode op) {
    switch (op) {
      case Opcode::SetField:
      case Opcode::Activity:
      case Opcode::Wait:
      case Opcode::Await:
      case Opcode::End:
      case Opcode::Advance:
      case Opcode::Experiment: return true;
      default: return false;
    }
  }

  // Checks one instruction's operands (whether or not it is reachable).
  bool operands(const Range& r, uint32_t pc) {
    const Sequence& seq = m_.sequences[r.seq];
    auto op = static_cast<Opcode>(m_.code[pc]);
    const uint8_t* a = m_.code.data() + pc + 1;
    if (r.block != Block::Main && (isStatement(op) || op == Opcode::Branch ||
                                   op == Opcode::Outcome || op == Opcode::StoreVar))
      return failAt(r, pc, fmt::format("{} in {} {}", info(op).mnemonic,
                                       r.block == Block::Exit ? "an" : "a", noun(r.block)));
    switch (op) {
      case Opcode::Const: return constOperand(r, pc, readU16(a), op);
      case Opcode::LoadField:
      case Opcode::SetField: return fieldOperand(r, pc, readU16(a), op);
      case Opcode::LoadVar:
      case Opcode::StoreVar:
        if (readU16(a) >= seq.vars)
          return failAt(r, pc,
                        fmt::format("{}: variable {} out of range ({} variables)",
                                    info(op).mnemonic, readU16(a), seq.vars));
        return true;
      case Opcode::Call:
        if (a[0] >= kBuiltinInfo.size())
          return failAt(r, pc, fmt::format("call: unknown builtin {}", a[0]));
        return true;
      case Opcode::Outcome: {
        if (!stepOperand(r, pc, readU16(a), StepKind::Activity, op)) return false;
        const Step& s = m_.steps[seq.stepBegin + readU16(a)];
        if (s.activity != ActivityKind::Call)
          return failAt(r, pc,
                        fmt::format("outcome: step {} has kind {} (expected: call)", readU16(a),
                                    info(s.activity).name));
        if (a[2] == 0 || a[2] >> kCallOutcomeNames.size())
          return failAt(r, pc, fmt::format("outcome: bad outcome mask 0x{:x}", a[2]));
        return true;
      }
      case Opcode::Jump:
      case Opcode::JumpIfFalse: return jumpTarget(r, pc, readU32(a));
      case Opcode::Branch:
        if (readU16(a) >= seq.branchCount)
          return failAt(
              r, pc,
              fmt::format("branch {} out of range ({} branches)", readU16(a), seq.branchCount));
        return true;
      case Opcode::Activity: return stepOperand(r, pc, readU16(a), StepKind::Activity, op);
      case Opcode::Wait: return stepOperand(r, pc, readU16(a), StepKind::Wait, op);
      case Opcode::Await:
        return stepOperand(r, pc, readU16(a), StepKind::Condition, op) &&
               jumpTarget(r, pc, readU32(a + 2));
      case Opcode::Advance:
        if (!constOperand(r, pc, readU16(a), op)) return false;
        if (m_.constants[readU16(a)].type != ValueType::String)
          return failAt(r, pc, fmt::format("advance: constant {} is not a string", readU16(a)));
        return true;
      case Opcode::ExitTest:
        if (r.block != Block::Exit) return failAt(r, pc, "exit_test outside an exit block");
        return true;
      case Opcode::ZoneResult:
        if (r.block != Block::Zone)
          return failAt(r, pc, "zone_result outside a time zone block");
        return true;
      case Opcode::MetricResult:
        if (r.block != Block::Metric) return failAt(r, pc, "metric_result outside a metric block");
        return true;
      case Opcode::Experiment: {
        uint16_t k = readU16(a);
        if (k >= seq.experimentCount)
          return failAt(r, pc, fmt::format("experiment {} out of range ({} experiments)", k, seq.experimentCount));
        for (const Variant& v : m_.experiments[seq.experimentBegin + k].variants)
          if (!jumpTarget(r, pc, v.target)) return false;
        return true;
      }
      default: return true;
    }
  }

  // Decodes the range, checks operands and jump targets, then follows every path from
  // its start computing the stack depth before each instruction.
  bool code(size_t seq, uint32_t begin, uint32_t end, Block block) {
    Range r{seq, begin, end, block};
    std::vector<int> depth(end - begin, -1);  // -1: not an instruction; -2: not reached
    std::vector<uint32_t> jumps;
    for (uint32_t pc = begin; pc < end;) {
      uint8_t byte = m_.code[pc];
      if (byte >= kOpcodeCount) return failAt(r, pc, fmt::format("unknown opcode 0x{:x}", byte));
      auto op = static_cast<Opcode>(byte);
      if (instructionSize(op) > end - pc)
        return failAt(r, pc,
                      fmt::format("{}: operands run past the end of the {}", info(op).mnemonic,
                                  noun(block)));
      if (!operands(r, pc)) return false;
      if (op == Opcode::Jump || op == Opcode::JumpIfFalse || op == Opcode::Await || op == Opcode::Experiment)
        jumps.push_back(pc);
      depth[pc - begin] = -2;
      pc += static_cast<uint32_t>(instructionSize(op));
    }
    for (uint32_t pc : jumps) {
      auto op = static_cast<Opcode>(m_.code[pc]);
      std::vector<uint32_t> targets;
      if (op == Opcode::Experiment)
        for (const Variant& v : experimentAt(r, pc).variants) targets.push_back(v.target);
      else
        targets.push_back(readU32(m_.code.data() + pc + (op == Opcode::Await ? 3 : 1)));
      for (uint32_t target : targets)
        if (depth[target - begin] == -1)
          return failAt(r, pc, fmt::format("jump target 0x{:x} is not an instruction", target));
    }

    std::vector<uint32_t> work;
    auto reach = [&](uint32_t from, uint32_t pc, int d) {
      if (pc >= end)
        return failAt(r, from,
                      block == Block::Exit     ? "the exit block ends without exit_test"
                      : block == Block::Zone   ? "the time zone block ends without zone_result"
                      : block == Block::Metric ? "the metric block ends without metric_result"
                                             : "execution falls off the end of the sequence");
      int& known = depth[pc - begin];
      if (known == -2) {
        known = d;
        work.push_back(pc);
        return true;
      }
      if (known != d)
        return failAt(r, from,
                      fmt::format("stack depth {} at 0x{:x} differs from {} on "
                                  "another path",
                                  d, pc, known));
      return true;
    };
    if (!reach(begin, begin, 0)) return false;
    while (!work.empty()) {
      uint32_t pc = work.back();
      work.pop_back();
      int d = depth[pc - begin];
      auto op = static_cast<Opcode>(m_.code[pc]);
      const OpInfo& oi = info(op);
      const uint8_t* a = m_.code.data() + pc + 1;
      int pops = oi.pops;
      if (pops == kPopsOperand) pops = readU16(a) + 1;
      if (pops == kPopsCall) pops = kBuiltinInfo[a[0]].arity;
      if (d < pops)
        return failAt(
            r, pc,
            fmt::format("stack underflow: {} pops {} with {} on the stack", oi.mnemonic, pops, d));
      if (isStatement(op) && d != pops)
        return failAt(r, pc,
                      fmt::format("{} with {} on the stack (a statement leaves the stack "
                                  "empty)",
                                  oi.mnemonic, d));
      if ((op == Opcode::ExitTest || op == Opcode::ZoneResult || op == Opcode::MetricResult) && d != 1)
        return failAt(r, pc, fmt::format("{} with {} on the stack (needs exactly 1)", oi.mnemonic, d));
      int after = d - pops + oi.pushes;
      if (after > static_cast<int>(kMaxStack))
        return failAt(r, pc, fmt::format("stack deeper than {}", kMaxStack));
      uint32_t next = pc + static_cast<uint32_t>(instructionSize(op));
      bool ok = true;
      switch (op) {
        case Opcode::Jump: ok = reach(pc, readU32(a), after); break;
        case Opcode::JumpIfFalse:
          ok = reach(pc, readU32(a), after) && reach(pc, next, after);
          break;
        case Opcode::Await: ok = reach(pc, readU32(a + 2), after) && reach(pc, next, after); break;
        case Opcode::Experiment:
          for (const Variant& v : experimentAt(r, pc).variants) ok = ok && reach(pc, v.target, after);
          break;
        case Opcode::End:
        case Opcode::Advance:
        case Opcode::ExitTest:
        case Opcode::ZoneResult:
        case Opcode::MetricResult: break;
        default: ok = reach(pc, next, after); break;
      }
      if (!ok) return false;
    }
    return true;
  }

  const Module& m_;
  std::string error_;
};

}  // namespace

bool verify(const Module& m, std::string& error) { return Verifier(m).run(error); }

}  // namespace seqc::bc
