// The `seqc disasm` listing, in the manner of clox's debug.c: the module's tables, then
// each sequence's steps and instructions as `offset line mnemonic operands 'comment'`.
// It is a golden format (tests/disasm): keep it stable. It never trusts the module — an
// unverified one prints with `?` where an index is out of range instead of crashing.
#include <array>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "seqc/format/bytecode.h"
#include "seqc/format/step_text.h"
#include "seqc/support/quote.h"
#include "seqc/support/time.h"

namespace seqc::bc {
namespace {

constexpr std::string_view kUnknown = "?";


std::string duration(int64_t seconds) { return seqc::formatDuration(seconds); }

std::string hhmm(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

std::string civil(const cal::CivilDate& d) {
  return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

std::string ordinal(int n) {
  constexpr std::string_view kSuffix[] = {"th", "st", "nd", "rd", "th", "th"};
  return fmt::format("{}{}", n, kSuffix[n >= 0 && n <= 5 ? n : 0]);
}

// A holiday in the `calendar` syntax (CALENDARS.md §1).
std::string holiday(const cal::HolidayRule& h) {
  std::string rule;
  switch (h.kind) {
    case cal::HolidayKind::Fixed:
      rule = fmt::format("{} {}", cal::monthName(h.date.month), h.date.day);
      break;
    case cal::HolidayKind::Date: rule = civil(h.date); break;
    case cal::HolidayKind::Range: rule = civil(h.date) + " to " + civil(h.end); break;
    case cal::HolidayKind::NthWeekday:
      rule = fmt::format("{} {} of {}", ordinal(h.nth), cal::weekdayName(h.weekday),
                         cal::monthName(h.date.month));
      break;
    case cal::HolidayKind::LastWeekday:
      rule = fmt::format("last {} of {}", cal::weekdayName(h.weekday), cal::monthName(h.date.month));
      break;
    case cal::HolidayKind::Easter: rule = "easter"; break;
    default: rule = std::string(kUnknown); break;
  }
  switch (h.observed) {
    case cal::Observed::None: break;
    case cal::Observed::Observed: rule += " observed"; break;
    case cal::Observed::ObservedNext: rule += " observed next"; break;
    default: rule += " ?"; break;
  }
  if (h.offsetDays) rule += fmt::format(" {} {}d", h.offsetDays < 0 ? '-' : '+', std::abs(h.offsetDays));
  return fmt::format("holiday {} {}", seqc::quoted(h.name), rule);
}

std::string money(int64_t scaled) {
  uint64_t abs = scaled < 0 ? 0 - static_cast<uint64_t>(scaled) : static_cast<uint64_t>(scaled);
  std::string out = fmt::format("{}{}", scaled < 0 ? "-" : "", abs / 10000);
  if (uint64_t frac = abs % 10000) {
    std::string digits = fmt::format("{:04}", frac);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

class Disassembler {
 public:
  explicit Disassembler(const Module& m) : m_(m) {}

  std::string run() {
    header();
    constants();
    fields();
    calendars();
    for (size_t i = 0; i < m_.sequences.size(); ++i) sequence(i);
    for (size_t i = 0; i < m_.segments.size(); ++i) segment(i);
    return std::move(out_);
  }

 private:
  template <typename... Args>
  void line(fmt::format_string<Args...> f, Args&&... args) {
    out_ += fmt::format(f, std::forward<Args>(args)...);
    out_ += '\n';
  }

  std::string str(uint32_t index) const {
    if (index == kNone) return "-";
    if (index >= m_.strings.size()) return std::string(kUnknown);
    return seqc::quoted(m_.strings[index]);
  }
  std::string_view raw(uint32_t index) const {
    return index < m_.strings.size() ? std::string_view(m_.strings[index]) : kUnknown;
  }

  std::string constant(uint32_t index) const {
    if (index >= m_.constants.size()) return std::string(kUnknown);
    const Constant& c = m_.constants[index];
    switch (c.type) {
      case ValueType::Null: return "null";
      case ValueType::Bool: return c.i ? "true" : "false";
      case ValueType::Decimal: return fmt::format("{}", c.d);
      case ValueType::Money: return money(c.i);
      case ValueType::String: return str(c.str);
      case ValueType::Date:  // outside the calendar: a plain number
        return c.i >= seqc::kFirstDay && c.i <= seqc::kLastDay ? seqc::formatDate(c.i)
                                                               : fmt::format("day {}", c.i);
      case ValueType::DateTime:
        return c.i >= seqc::kFirstInstant && c.i <= seqc::kLastInstant ? seqc::formatDateTime(c.i)
                                                                       : fmt::format("second {}", c.i);
      case ValueType::Duration: return duration(c.i);
      default: return fmt::format("{}", c.i);
    }
  }
  std::string_view typeName(ValueType t) const {
    return static_cast<size_t>(t) < kValueTypeNames.size() ? name(t) : kUnknown;
  }
  std::string field(uint32_t index) const {
    if (index >= m_.fields.size()) return std::string(kUnknown);
    return fmt::format("{}.{}", raw(m_.fields[index].entity), raw(m_.fields[index].name));
  }

  // A sequence-local step, or null when out of range.
  const Step* step(const Sequence& seq, uint32_t local) const {
    if (local >= seq.stepCount || uint64_t{seq.stepBegin} + local >= m_.steps.size())
      return nullptr;
    return &m_.steps[seq.stepBegin + local];
  }
  std::string stepName(const Sequence& seq, uint32_t local) const {
    const Step* s = step(seq, local);
    if (s && s->label != kNone) return std::string(raw(s->label));
    return fmt::format("#{}", local);
  }
  static std::string mask(uint8_t bits, const std::array<std::string_view, 4>& names) {
    std::string out;
    for (size_t i = 0; i < 8; ++i) {
      if (!(bits & (1u << i))) continue;
      if (!out.empty()) out += '|';
      out += i < names.size() ? std::string(names[i]) : fmt::format("bit{}", i);
    }
    return out.empty() ? "none" : out;
  }
  // `intro.opened|clicked or nudge.replied`
  std::string terms(const Sequence& seq, const Step& s) const {
    std::string out;
    for (uint64_t t = s.termBegin; t < uint64_t{s.termBegin} + s.termCount; ++t) {
      if (!out.empty()) out += s.all ? " and " : " or ";
      if (t >= m_.terms.size()) return out + std::string(kUnknown);
      const Term& term = m_.terms[t];
      out += stepName(seq, term.step) + "." + mask(term.events, kEngagementEventNames);
    }
    return out;
  }
  // `intro: auto_email "Introduction"`, `wait 2d`, `intro.opened within 3d`.
  std::string stepSummary(const Sequence& seq, uint32_t local) const {
    const Step* s = step(seq, local);
    if (!s) return std::string(kUnknown);
    std::string label = s->label != kNone ? std::string(raw(s->label)) + ": " : "";
    switch (s->kind) {
      case StepKind::Activity: return fmt::format("{}{} {}", label, kindName(*s), str(s->title));
      case StepKind::Wait: return fmt::format("{}wait {}", label, durationText(*s));
      case StepKind::Condition:
        return fmt::format("{}{} within {}", label, terms(seq, *s), durationText(*s));
    }
    return std::string(kUnknown);
  }

  void header() {
    line("seqb {}.{}  source {}", kVersionMajor, kVersionMinor, seqc::quoted(m_.source));
    std::string calendars =
        m_.calendars.empty() ? "" : fmt::format("  calendars {}", m_.calendars.size());
    line(
        "strings {}  constants {}  fields {}  steps {}  terms {}  branches {}  sequences {}  "
        "code {} bytes  lines {}{}",
        m_.strings.size(), m_.constants.size(), m_.fields.size(), m_.steps.size(), m_.terms.size(),
        m_.branches.size(), m_.sequences.size(), m_.code.size(), m_.lines.size(), calendars);
  }

  // Each calendar as its declaration would read, hours grouped by day in week order.
  void calendars() {
    if (m_.calendars.empty()) return;
    line("");
    line("== calendars");
    for (uint32_t i = 0; i < m_.calendars.size(); ++i) {
      const cal::CalendarSpec& c = m_.calendars[i];
      line("{:4}  {}  zone {}", i, seqc::quoted(c.name), seqc::quoted(c.zone));
      if (!c.hasHours) line("      open all day");
      std::array<std::string, 7> ranges;
      for (const cal::HoursRange& r : c.hours) {
        if (r.day > cal::kSun) continue;
        std::string& text = ranges[r.day];
        if (!text.empty()) text += ", ";
        text += hhmm(r.startMinute) + "-" + hhmm(r.endMinute);
      }
      // Consecutive days with the same ranges on one line: `hours mon-thu …`.
      for (int day = 0; day < 7;) {
        int last = day;
        while (last + 1 < 7 && ranges[last + 1] == ranges[day]) ++last;
        if (!ranges[day].empty())
          line("      hours {}{} {}", cal::weekdayName(day),
               last > day ? "-" + std::string(cal::weekdayName(last)) : "", ranges[day]);
        day = last + 1;
      }
      for (const cal::HoursRange& r : c.hours)
        if (r.day > cal::kSun) line("      hours ? {}-{}", hhmm(r.startMinute), hhmm(r.endMinute));
      for (const cal::HolidayRule& h : c.holidays) line("      {}", holiday(h));
    }
  }

  void constants() {
    if (m_.constants.empty()) return;
    line("");
    line("== constants");
    for (uint32_t i = 0; i < m_.constants.size(); ++i)
      line("{:4}  {:<8}  {}", i, typeName(m_.constants[i].type), constant(i));
  }

  void fields() {
    if (m_.fields.empty()) return;
    line("");
    line("== fields");
    for (uint32_t i = 0; i < m_.fields.size(); ++i) {
      const Field& f = m_.fields[i];
      std::string type(typeName(f.type));
      if (f.maxLength) type += fmt::format("({})", f.maxLength);
      if (!f.options.empty())
        type += fmt::format(" ({} option{})", f.options.size(), f.options.size() == 1 ? "" : "s");
      line("{:4}  {}  {}", i, field(i), type);
    }
  }

  void segment(size_t index) {
    const Segment& g = m_.segments[index];
    line("");
    line("== segment {} {} on {}, line {}", index, str(g.name), raw(g.entity), g.line);
    line("feeds {} {}  priority {}  on leave {}  where {:04x}..{:04x}", g.feeds,
         g.feeds < m_.sequences.size() ? str(m_.sequences[g.feeds].name) : std::string(kUnknown), g.priority,
         g.disconnect ? "disconnect" : "stay", g.condBegin, g.condEnd);
    if (g.feeds < m_.sequences.size()) {
      line("-- where");
      code(m_.sequences[g.feeds], g.condBegin, g.condEnd);
    }
  }

  void sequence(size_t index) {
    const Sequence& s = m_.sequences[index];
    line("");
    line("== sequence {} {} on {}, line {}", index, str(s.name), raw(s.entity), s.line);
    line("exit on reply {}  total {}  vars {}  slots {}", s.exitOnReply ? "yes" : "no", s.total,
         s.vars, s.slots);
    if (s.description != kNone) line("description {}", str(s.description));
    if (s.assign != kNone) line("assign to {}", raw(s.assign));
    if (s.calendar != kNone)
      line("calendar {}{}", s.calendar < m_.calendars.size()
                                ? seqc::quoted(m_.calendars[s.calendar].name)
                                : std::string(kUnknown),
           s.zoneBegin == s.zoneEnd
               ? std::string()
               : fmt::format("  time zone {:04x}..{:04x}", s.zoneBegin, s.zoneEnd));
    if (!s.tags.empty()) {
      std::string tags;
      for (uint32_t t : s.tags) tags += (tags.empty() ? "" : ", ") + str(t);
      line("tags {}", tags);
    }
    line("steps {}..{}  branches {}..{}  code {:04x}..{:04x}  exit when {}", s.stepBegin,
         uint64_t{s.stepBegin} + s.stepCount, s.branchBegin,
         uint64_t{s.branchBegin} + s.branchCount, s.codeBegin, s.codeEnd,
         s.exitBegin == s.exitEnd ? std::string("none")
                                  : fmt::format("{:04x}..{:04x}", s.exitBegin, s.exitEnd));

    line("-- steps");
    for (uint32_t local = 0; local < s.stepCount; ++local) {
      const Step* st = step(s, local);
      if (!st) {
        line("{:4}  ?", local);
        break;
      }
      std::string text =
          fmt::format("{:4}  {:<18}  {:<12}  line {:<4}", local, kindName(*st),
                      st->label != kNone ? std::string(raw(st->label)) : "-", st->line);
      if (st->slot != kNoSlot) text += fmt::format("  slot {}", st->slot);
      if (st->title != kNone) text += "  title " + str(st->title);
      if (st->templ != kNone) text += "  template " + str(st->templ);
      if (st->description != kNone) text += "  description " + str(st->description);
      switch (st->kind) {
        case StepKind::Activity:
          if (st->seconds) text += "  due " + durationText(*st);
          break;
        case StepKind::Wait: text += "  duration " + durationText(*st); break;
        case StepKind::Condition:
          text += fmt::format("  {}: {} within {}", st->all ? "all" : "any", terms(s, *st),
                              durationText(*st));
          break;
      }
      line("{}", text);
    }

    line("-- code");
    code(s, s.codeBegin, s.codeEnd);
    if (s.exitBegin != s.exitEnd) {
      line("-- exit when");
      code(s, s.exitBegin, s.exitEnd);
    }
    if (s.zoneBegin != s.zoneEnd) {
      line("-- time zone");
      code(s, s.zoneBegin, s.zoneEnd);
    }
    for (uint32_t k = 0; k < s.experimentCount; ++k) {
      const Experiment* x = experiment(s, static_cast<uint16_t>(k));
      if (!x) break;
      line("-- experiment {} {}, line {}", k, str(x->name), x->line);
      std::string metric =
          x->metric == MetricKind::Event
              ? std::string(static_cast<size_t>(x->event) < kEngagementEventNames.size()
                                ? kEngagementEventNames[static_cast<size_t>(x->event)]
                                : kUnknown)
              : fmt::format("field {:04x}..{:04x}", x->metricBegin, x->metricEnd);
      line("metric {} within {}  baseline {}  mde {}  alpha {}  power {}", metric, formatDuration(x->within),
           x->baseline, x->mde, x->alpha, x->power);
      for (size_t v = 0; v < x->variants.size(); ++v) {
        const Variant& var = x->variants[v];
        line("{:4}  {:<18}  weight {:<3}  -> {:04x}  steps {}..{}", v, raw(var.name), var.weight, var.target,
             var.stepBegin, var.stepEnd);
      }
      if (x->metric == MetricKind::Field) code(s, x->metricBegin, x->metricEnd);
    }
  }

  const Experiment* experiment(const Sequence& s, uint16_t local) const {
    if (local >= s.experimentCount || uint64_t{s.experimentBegin} + local >= m_.experiments.size()) return nullptr;
    return &m_.experiments[s.experimentBegin + local];
  }

  std::string branch(const Sequence& s, uint16_t local) const {
    if (local >= s.branchCount || uint64_t{s.branchBegin} + local >= m_.branches.size())
      return std::string(kUnknown);
    const Branch& b = m_.branches[s.branchBegin + local];
    if (b.arm == kElseArm) return fmt::format("else of the if at line {}", b.line);
    return fmt::format("arm {} of the if at line {}", b.arm, b.line);
  }

  void code(const Sequence& s, uint32_t begin, uint32_t end) {
    if (end > m_.code.size() || begin > end) {
      line("  (outside the code)");
      return;
    }
    uint32_t previousLine = 0;
    bool first = true;
    for (uint32_t pc = begin; pc < end;) {
      uint8_t byte = m_.code[pc];
      uint32_t sourceLine = m_.lineAt(pc);
      std::string where = first || sourceLine != previousLine ? fmt::format("{:4}", sourceLine)
                                                              : std::string("   |");
      first = false;
      previousLine = sourceLine;
      if (byte >= kOpcodeCount) {
        line("{:04x} {} <bad opcode 0x{:02x}>", pc, where, byte);
        return;
      }
      auto op = static_cast<Opcode>(byte);
      if (instructionSize(op) > end - pc) {
        line("{:04x} {} {} <truncated>", pc, where, info(op).mnemonic);
        return;
      }
      const uint8_t* a = m_.code.data() + pc + 1;
      std::string operands, comment;
      switch (op) {
        case Opcode::Const:
        case Opcode::Advance:
          operands = fmt::format("{}", readU16(a));
          comment = constant(readU16(a));
          break;
        case Opcode::LoadField:
        case Opcode::SetField:
          operands = fmt::format("{}", readU16(a));
          comment = field(readU16(a));
          break;
        case Opcode::LoadVar:
        case Opcode::StoreVar:
        case Opcode::In: operands = fmt::format("{}", readU16(a)); break;
        case Opcode::Call:
          operands = fmt::format("{}", a[0]);
          comment = a[0] < kBuiltinInfo.size() ? std::string(kBuiltinInfo[a[0]].name) : "?";
          break;
        case Opcode::Outcome:
          operands = fmt::format("{} 0x{:x}", readU16(a), a[2]);
          comment = stepName(s, readU16(a)) + "." + mask(a[2], kCallOutcomeNames);
          break;
        case Opcode::Jump:
        case Opcode::JumpIfFalse: operands = fmt::format("-> {:04x}", readU32(a)); break;
        case Opcode::Branch:
          operands = fmt::format("{}", readU16(a));
          comment = branch(s, readU16(a));
          break;
        case Opcode::Activity:
        case Opcode::Wait:
          operands = fmt::format("{}", readU16(a));
          comment = stepSummary(s, readU16(a));
          break;
        case Opcode::Await:
          operands = fmt::format("{} -> {:04x}", readU16(a), readU32(a + 2));
          comment = stepSummary(s, readU16(a));
          break;
        case Opcode::Experiment: {
          operands = fmt::format("{}", readU16(a));
          const Experiment* x = experiment(s, readU16(a));
          comment = x ? std::string(raw(x->name)) : std::string(kUnknown);
          break;
        }
        default: break;
      }
      std::string text =
          fmt::format("{:04x} {} {:<13} {:<10}", pc, where, info(op).mnemonic, operands);
      if (!comment.empty()) text += fmt::format(" '{}'", comment);
      while (!text.empty() && text.back() == ' ') text.pop_back();
      line("{}", text);
      pc += static_cast<uint32_t>(instructionSize(op));
    }
  }

  const Module& m_;
  std::string out_;
};

}  // namespace

std::string disassemble(const Module& m) { return Disassembler(m).run(); }

}  // namespace seqc::bc
