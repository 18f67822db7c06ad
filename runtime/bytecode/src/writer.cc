// Encodes a Module as `.seqb` bytes (docs/bytecode.md). Deterministic: the bytes depend
// only on the module's contents, and every value has exactly one encoding, so
// load(write(m)) followed by write gives the same bytes again.
#include <cstring>

#include "seqc/format/bytecode.h"
#include "encoding.h"

namespace seqc::bc {
namespace {

using namespace encoding;

class Encoder {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v));
    out_.push_back(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void uleb(uint64_t v) {
    do {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      out_.push_back(v ? static_cast<uint8_t>(byte | 0x80) : byte);
    } while (v);
  }
  void sleb(int64_t v) {
    for (;;) {
      uint8_t byte = static_cast<uint8_t>(v) & 0x7f;
      v >>= 7;  // arithmetic shift (C++20)
      bool done = (v == 0 && !(byte & 0x40)) || (v == -1 && (byte & 0x40));
      out_.push_back(done ? byte : static_cast<uint8_t>(byte | 0x80));
      if (done) return;
    }
  }
  // A required string index (kNone encodes as itself and fails verification).
  void str(uint32_t index) { uleb(index); }
  // An optional string index: 0 for kNone, index + 1 otherwise.
  void optStr(uint32_t index) { uleb(static_cast<uint32_t>(index + 1)); }
  // `value` relative to `previous`, modulo 2^32 (lines, pcs: mostly small steps).
  void delta(uint32_t value, uint32_t& previous) {
    sleb(static_cast<int32_t>(value - previous));
    previous = value;
  }
  void bytes(const void* data, size_t n) {
    auto* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + n);
  }
  void text(const std::string& s) {
    uleb(s.size());
    bytes(s.data(), s.size());
  }

  // Sections: a u32 byte length patched in when the section ends.
  void beginSection() {
    sectionStart_ = out_.size();
    u32(0);
  }
  void endSection() {
    auto length = static_cast<uint32_t>(out_.size() - sectionStart_ - 4);
    for (int i = 0; i < 4; ++i) out_[sectionStart_ + i] = static_cast<uint8_t>(length >> (8 * i));
  }

  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
  size_t sectionStart_ = 0;
};

void writeConstant(Encoder& e, const Constant& c) {
  e.u8(static_cast<uint8_t>(c.type));
  switch (c.type) {
    case ValueType::Null: break;
    case ValueType::Decimal: {
      uint64_t bits;
      static_assert(sizeof bits == sizeof c.d);
      std::memcpy(&bits, &c.d, sizeof bits);
      for (int i = 0; i < 8; ++i) e.u8(static_cast<uint8_t>(bits >> (8 * i)));
      break;
    }
    case ValueType::String: e.str(c.str); break;
    default: e.sleb(c.i); break;
  }
}

// Step durations are whole minutes but for hand-made modules: minutes << 1, or
// seconds << 1 | 1 when not a whole number of minutes.
uint64_t durationCode(uint32_t seconds) {
  return seconds % 60 == 0 ? uint64_t{seconds / 60} << 1 : (uint64_t{seconds} << 1) | 1;
}

// Lines and term ranges are stored relative to the previous step's.
struct StepContext {
  uint32_t line = 0;
  uint32_t nextTerm = 0;  // where the previous condition's terms end
};

void writeStep(Encoder& e, const Step& s, StepContext& context) {
  uint8_t head = static_cast<uint8_t>(static_cast<uint8_t>(s.kind) & kStepKindMask);
  if (s.label != kNone) head |= kHasLabel;
  if (s.title != kNone) head |= kHasTitle;
  if (s.templ != kNone) head |= kHasTemplate;
  if (s.description != kNone) head |= kHasDescription;
  if (s.kind == StepKind::Condition && s.all) head |= kAll;
  if (s.slot != kNoSlot) head |= kHasSlot;
  e.u8(head);
  if (s.kind == StepKind::Activity) e.u8(static_cast<uint8_t>(s.activity));
  if (head & kHasLabel) e.str(s.label);
  if (head & kHasTitle) e.str(s.title);
  if (head & kHasTemplate) e.str(s.templ);
  if (head & kHasDescription) e.str(s.description);
  e.uleb(durationCode(s.seconds));
  if (head & kHasSlot) e.uleb(s.slot);
  e.delta(s.line, context.line);
  if (s.kind == StepKind::Condition) {
    e.delta(s.termBegin, context.nextTerm);
    e.uleb(s.termCount);
    context.nextTerm = s.termBegin + s.termCount;
  }
}

void writeSequence(Encoder& e, const Sequence& s) {
  e.str(s.name);
  e.str(s.entity);
  e.optStr(s.description);
  e.uleb(s.tags.size());
  for (uint32_t t : s.tags) e.str(t);
  e.u8(s.exitOnReply ? 1 : 0);
  e.uleb(s.total);
  e.uleb(s.vars);
  e.uleb(s.slots);
  e.uleb(s.line);
  for (uint32_t v : {s.stepBegin, s.stepCount, s.branchBegin, s.branchCount, s.codeBegin, s.codeEnd,
                     s.exitBegin, s.exitEnd})
    e.uleb(v);
}

// Only what the rule's kind uses is stored; the loader gives the other fields the values
// the HolidayRule factories give them.
void writeHoliday(Encoder& e, const cal::HolidayRule& h) {
  e.text(h.name);
  e.u8(static_cast<uint8_t>(h.kind));
  auto date = [&](const cal::CivilDate& d) {
    e.sleb(d.year);
    e.u8(d.month);
    e.u8(d.day);
  };
  switch (h.kind) {
    case cal::HolidayKind::Fixed:
      e.u8(h.date.month);
      e.u8(h.date.day);
      break;
    case cal::HolidayKind::Date: date(h.date); break;
    case cal::HolidayKind::Range:
      date(h.date);
      date(h.end);
      break;
    case cal::HolidayKind::NthWeekday:
      e.u8(h.nth);
      [[fallthrough]];
    case cal::HolidayKind::LastWeekday:
      e.u8(h.weekday);
      e.u8(h.date.month);
      break;
    case cal::HolidayKind::Easter: break;
  }
  e.u8(static_cast<uint8_t>(h.observed));
  e.sleb(h.offsetDays);
}

void writeCalendar(Encoder& e, const cal::CalendarSpec& c) {
  e.text(c.name);
  e.text(c.zone);
  e.u8(c.hasHours ? 1 : 0);
  e.uleb(c.hours.size());
  for (const cal::HoursRange& r : c.hours) {
    e.u8(r.day);
    e.uleb(r.startMinute);
    e.uleb(r.endMinute);
  }
  e.uleb(c.holidays.size());
  for (const cal::HolidayRule& h : c.holidays) writeHoliday(e, h);
}

}  // namespace

std::vector<uint8_t> write(const Module& m) {
  Encoder e;
  e.bytes(kMagic.data(), kMagic.size());
  e.u16(kVersionMajor);
  e.u16(kVersionMinor);

  e.beginSection();  // source name
  e.text(m.source);
  e.endSection();

  e.beginSection();  // strings
  e.uleb(m.strings.size());
  for (const std::string& s : m.strings) e.text(s);
  e.endSection();

  e.beginSection();  // constants
  e.uleb(m.constants.size());
  for (const Constant& c : m.constants) writeConstant(e, c);
  e.endSection();

  e.beginSection();  // fields
  e.uleb(m.fields.size());
  for (const Field& f : m.fields) {
    e.str(f.entity);
    e.str(f.name);
    e.u8(static_cast<uint8_t>(f.type));
    e.uleb(f.maxLength);
    e.uleb(f.options.size());
    for (const Option& o : f.options) {
      e.sleb(o.value);
      e.str(o.label);
    }
  }
  e.endSection();

  e.beginSection();  // steps
  e.uleb(m.steps.size());
  StepContext context;
  for (const Step& s : m.steps) writeStep(e, s, context);
  e.endSection();

  e.beginSection();  // terms
  e.uleb(m.terms.size());
  for (const Term& t : m.terms) {
    e.uleb(t.step);
    e.u8(t.events);
  }
  e.endSection();

  e.beginSection();  // branches
  e.uleb(m.branches.size());
  uint32_t line = 0;
  for (const Branch& b : m.branches) {
    e.delta(b.line, line);
    e.uleb(static_cast<uint16_t>(b.arm + 1));  // kElseArm → 0
  }
  e.endSection();

  e.beginSection();  // sequences
  e.uleb(m.sequences.size());
  for (const Sequence& s : m.sequences) writeSequence(e, s);
  e.endSection();

  e.beginSection();  // code, verbatim
  e.bytes(m.code.data(), m.code.size());
  e.endSection();

  e.beginSection();  // lines
  e.uleb(m.lines.size());
  uint32_t pc = 0;
  line = 0;
  for (const LineEntry& l : m.lines) {
    e.uleb(static_cast<uint32_t>(l.pc - pc));
    pc = l.pc;
    e.delta(l.line, line);
  }
  e.endSection();

  e.beginSection();  // assignments (1.1): one per sequence
  e.uleb(m.sequences.size());
  for (const Sequence& s : m.sequences) e.optStr(s.assign);
  e.endSection();

  e.beginSection();  // calendars (1.2)
  e.uleb(m.calendars.size());
  for (const cal::CalendarSpec& c : m.calendars) writeCalendar(e, c);
  e.endSection();

  e.beginSection();  // sequence calendars (1.2): one per sequence
  e.uleb(m.sequences.size());
  for (const Sequence& s : m.sequences) {
    e.uleb(static_cast<uint32_t>(s.calendar + 1));  // kNone → 0
    e.uleb(s.zoneBegin);
    e.uleb(s.zoneEnd);
  }
  e.endSection();

  e.beginSection();  // step units (1.2): only the steps not in seconds, in step order
  uint32_t units = 0;
  for (const Step& s : m.steps) units += s.unit != DurationUnit::Seconds;
  e.uleb(units);
  uint32_t next = 0;  // the gap to the previous such step + 1
  for (uint32_t i = 0; i < m.steps.size(); ++i) {
    if (m.steps[i].unit == DurationUnit::Seconds) continue;
    e.uleb(i - next);
    e.u8(static_cast<uint8_t>(m.steps[i].unit));
    next = i + 1;
  }
  e.endSection();

  e.beginSection();  // segments (1.3)
  e.uleb(m.segments.size());
  for (const Segment& g : m.segments) {
    e.str(g.name);
    e.str(g.entity);
    e.uleb(g.feeds);
    e.uleb(g.priority);
    e.u8(g.disconnect ? 1 : 0);
    e.uleb(g.line);
    e.uleb(g.condBegin);
    e.uleb(g.condEnd);
  }
  e.endSection();

  e.beginSection();  // experiments (1.4)
  e.uleb(m.experiments.size());
  for (const Experiment& x : m.experiments) {
    e.uleb(x.sequence);
    e.str(x.name);
    e.uleb(x.line);
    e.uleb(x.variants.size());
    for (const Variant& v : x.variants) {
      e.str(v.name);
      e.u8(v.weight);
      e.uleb(v.target);
      e.uleb(v.stepBegin);
      e.uleb(v.stepEnd);
    }
    e.u8(static_cast<uint8_t>(x.metric));
    if (x.metric == MetricKind::Event) {
      e.u8(static_cast<uint8_t>(x.event));
    } else {
      e.uleb(x.metricBegin);
      e.uleb(x.metricEnd);
    }
    e.uleb(x.within);
    for (double d : {x.baseline, x.mde, x.alpha, x.power}) {
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      for (int i = 0; i < 8; ++i) e.u8(static_cast<uint8_t>(bits >> (8 * i)));
    }
  }
  e.endSection();

  return e.take();
}

}  // namespace seqc::bc
