// Decodes `.seqb` bytes into a Module (docs/bytecode.md), then verifies it. Hostile input
// is expected: every read is bounds-checked, every count is checked against the bytes
// left before anything is allocated for it, and each value must be in its one canonical
// encoding (so a module that loads writes back to the same bytes).
#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "seqc/format/bytecode.h"
#include "seqc/support/file.h"
#include "encoding.h"

namespace seqc::bc {
namespace {

using namespace encoding;

constexpr size_t kHeaderSize = kMagic.size() + 4;

// Reads one section's bytes. Each read fails (returns false and records why) instead of
// running past the end; after the first failure every read fails.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n, std::string_view what) : p_(p), end_(p + n), what_(what) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  bool atEnd() const { return p_ == end_; }

  bool fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }
  // Names the item being read in messages about it ("step 3: …").
  void item(std::string_view noun, size_t index) {
    noun_ = noun;
    index_ = index;
  }
  bool truncated() { return fail(fmt::format("truncated {}", what_)); }
  bool corrupt(std::string_view why) {
    if (noun_.empty()) return fail(fmt::format("corrupt {}: {}", what_, why));
    return fail(fmt::format("corrupt {}: {} {}: {}", what_, noun_, index_, why));
  }

  bool u8(uint8_t& v) {
    if (!ok()) return false;
    if (p_ == end_) return truncated();
    v = *p_++;
    return true;
  }
  bool flag(bool& v) {
    uint8_t b = 0;
    if (!u8(b)) return false;
    if (b > 1) return corrupt(fmt::format("flag byte {} is neither 0 nor 1", b));
    v = b != 0;
    return true;
  }

  // Unsigned LEB128 of at most `bits` bits, in its shortest form.
  bool uleb(uint64_t& v, unsigned bits) {
    if (!ok()) return false;
    v = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (p_ == end_) return truncated();
      uint8_t byte = *p_++;
      if (shift >= bits || (bits - shift < 7 && (byte & 0x7f) >> (bits - shift)))
        return corrupt("integer too large");
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) {
        if (byte == 0 && shift > 0) return corrupt("overlong LEB128");
        return true;
      }
    }
  }
  bool u32(uint32_t& v) {
    uint64_t x = 0;
    if (!uleb(x, 32)) return false;
    v = static_cast<uint32_t>(x);
    return true;
  }
  bool u16(uint16_t& v) {
    uint64_t x = 0;
    if (!uleb(x, 16)) return false;
    v = static_cast<uint16_t>(x);
    return true;
  }
  // Signed LEB128 of a 64-bit value, in its shortest form.
  bool sleb(int64_t& v) {
    if (!ok()) return false;
    uint64_t x = 0;
    uint8_t previous = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (p_ == end_) return truncated();
      uint8_t byte = *p_++;
      if (shift == 63 && byte != 0 && byte != 0x7f) return corrupt("integer too large");
      x |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte & 0x80) {
        previous = byte;
        continue;
      }
      if (shift > 0 && ((byte == 0 && !(previous & 0x40)) || (byte == 0x7f && (previous & 0x40))))
        return corrupt("overlong LEB128");
      if (shift + 7 < 64 && (byte & 0x40)) x |= ~uint64_t{0} << (shift + 7);
      v = static_cast<int64_t>(x);
      return true;
    }
  }
  // A 32-bit value stored as a signed difference from `previous` (modulo 2^32); `previous`
  // becomes the value.
  bool delta(uint32_t& v, uint32_t& previous) {
    int64_t d = 0;
    if (!sleb(d)) return false;
    if (d < INT32_MIN || d > INT32_MAX) return corrupt("delta out of range");
    v = previous + static_cast<uint32_t>(static_cast<int32_t>(d));
    previous = v;
    return true;
  }
  // A count of items, each at least `minBytes` long: more than the bytes left is corrupt.
  bool count(size_t& n, size_t minBytes) {
    uint32_t c = 0;
    if (!u32(c)) return false;
    if (static_cast<uint64_t>(c) * minBytes > left()) return truncated();
    n = c;
    return true;
  }
  bool str(uint32_t& index) { return u32(index); }
  bool optStr(uint32_t& index) {
    if (!u32(index)) return false;
    index -= 1;  // 0 → kNone
    return true;
  }
  bool text(std::string& s) {
    uint32_t n = 0;
    if (!u32(n)) return false;
    if (n > left()) return truncated();
    s.assign(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  bool bytes(std::vector<uint8_t>& out, size_t n) {
    if (!ok()) return false;
    if (n > left()) return truncated();
    out.assign(p_, p_ + n);
    p_ += n;
    return true;
  }
  bool finish() {
    if (!ok()) return false;
    noun_ = {};
    if (!atEnd()) return corrupt(fmt::format("{} unexpected bytes at its end", left()));
    return true;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  std::string_view what_;
  std::string_view noun_;
  size_t index_ = 0;
  std::string error_;
};

bool readSource(Reader& r, Module& m) { return r.text(m.source); }

bool readStrings(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 1)) return false;
  m.strings.resize(n);
  for (size_t i = 0; i < n; ++i) {
    r.item("string", i);
    if (!r.text(m.strings[i])) return false;
  }
  return true;
}

bool readConstants(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 1)) return false;
  m.constants.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Constant& c = m.constants[i];
    r.item("constant", i);
    uint8_t type = 0;
    if (!r.u8(type)) return false;
    if (type >= kValueTypeNames.size())
      return r.corrupt(fmt::format("unknown value type {}", type));
    c.type = static_cast<ValueType>(type);
    switch (c.type) {
      case ValueType::Null: break;
      case ValueType::Decimal: {
        uint64_t bits = 0;
        for (int k = 0; k < 8; ++k) {
          uint8_t b = 0;
          if (!r.u8(b)) return false;
          bits |= static_cast<uint64_t>(b) << (8 * k);
        }
        std::memcpy(&c.d, &bits, sizeof bits);
        break;
      }
      case ValueType::String:
        if (!r.str(c.str)) return false;
        break;
      default:
        if (!r.sleb(c.i)) return false;
        break;
    }
  }
  return true;
}

bool readFields(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 5)) return false;
  m.fields.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Field& f = m.fields[i];
    r.item("field", i);
    uint8_t type = 0;
    size_t options = 0;
    if (!r.str(f.entity) || !r.str(f.name) || !r.u8(type)) return false;
    if (type >= kValueTypeNames.size())
      return r.corrupt(fmt::format("unknown value type {}", type));
    f.type = static_cast<ValueType>(type);
    if (!r.u32(f.maxLength) || !r.count(options, 2)) return false;
    f.options.resize(options);
    for (Option& o : f.options)
      if (!r.sleb(o.value) || !r.str(o.label)) return false;
  }
  return true;
}

bool readSteps(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 3)) return false;
  m.steps.resize(n);
  uint32_t line = 0, nextTerm = 0;
  for (size_t i = 0; i < n; ++i) {
    Step& s = m.steps[i];
    r.item("step", i);
    uint8_t head = 0;
    if (!r.u8(head)) return false;
    uint8_t kind = head & kStepKindMask;
    if (kind > static_cast<uint8_t>(StepKind::Condition))
      return r.corrupt(fmt::format("unknown step kind {}", kind));
    s.kind = static_cast<StepKind>(kind);
    if ((head & kAll) && s.kind != StepKind::Condition)
      return r.corrupt(fmt::format("a {} step with the `and` flag",
                                   s.kind == StepKind::Wait ? "wait" : "activity"));
    s.all = (head & kAll) != 0;
    if (s.kind == StepKind::Activity) {
      uint8_t activity = 0;
      if (!r.u8(activity)) return false;
      if (activity >= kActivityInfo.size())
        return r.corrupt(fmt::format("unknown activity kind {}", activity));
      s.activity = static_cast<ActivityKind>(activity);
    }
    for (auto [bit, field] :
         {std::pair{kHasLabel, &s.label}, std::pair{kHasTitle, &s.title},
          std::pair{kHasTemplate, &s.templ}, std::pair{kHasDescription, &s.description}}) {
      if (!(head & bit)) continue;
      if (!r.str(*field)) return false;
      if (*field == kNone) return r.corrupt("string index 0xffffffff");
    }
    uint64_t code = 0;
    if (!r.uleb(code, 33)) return false;
    uint64_t seconds = code & 1 ? code >> 1 : (code >> 1) * 60;
    if (seconds > UINT32_MAX) return r.corrupt("duration too large");
    if ((code & 1) && seconds % 60 == 0) return r.corrupt("duration not in minutes");
    s.seconds = static_cast<uint32_t>(seconds);
    if (head & kHasSlot) {
      if (!r.u16(s.slot)) return false;
      if (s.slot == kNoSlot) return r.corrupt("slot 0xffff");
    }
    if (!r.delta(s.line, line)) return false;
    if (s.kind == StepKind::Condition) {
      if (!r.delta(s.termBegin, nextTerm) || !r.u32(s.termCount)) return false;
      nextTerm = s.termBegin + s.termCount;
    }
  }
  return true;
}

bool readTerms(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 2)) return false;
  m.terms.resize(n);
  for (size_t i = 0; i < n; ++i) {
    r.item("term", i);
    if (!r.u16(m.terms[i].step) || !r.u8(m.terms[i].events)) return false;
  }
  return true;
}

bool readBranches(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 2)) return false;
  m.branches.resize(n);
  uint32_t line = 0;
  for (size_t i = 0; i < n; ++i) {
    Branch& b = m.branches[i];
    r.item("branch", i);
    uint16_t arm = 0;
    if (!r.delta(b.line, line) || !r.u16(arm)) return false;
    b.arm = static_cast<uint16_t>(arm - 1);  // 0 → kElseArm
  }
  return true;
}

bool readSequences(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 17)) return false;
  m.sequences.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Sequence& s = m.sequences[i];
    r.item("sequence", i);
    size_t tags = 0;
    if (!r.str(s.name) || !r.str(s.entity) || !r.optStr(s.description) || !r.count(tags, 1))
      return false;
    s.tags.resize(tags);
    for (uint32_t& t : s.tags)
      if (!r.str(t)) return false;
    if (!r.flag(s.exitOnReply) || !r.u16(s.total) || !r.u16(s.vars) || !r.u16(s.slots) ||
        !r.u32(s.line))
      return false;
    for (uint32_t* v : {&s.stepBegin, &s.stepCount, &s.branchBegin, &s.branchCount, &s.codeBegin,
                        &s.codeEnd, &s.exitBegin, &s.exitEnd})
      if (!r.u32(*v)) return false;
  }
  return true;
}

bool readCode(Reader& r, Module& m) { return r.bytes(m.code, r.left()); }

bool readLines(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 2)) return false;
  m.lines.resize(n);
  uint32_t pc = 0, line = 0;
  for (size_t i = 0; i < n; ++i) {
    LineEntry& l = m.lines[i];
    r.item("entry", i);
    uint32_t d = 0;
    if (!r.u32(d)) return false;
    l.pc = pc += d;
    if (!r.delta(l.line, line)) return false;
  }
  return true;
}

bool readAssignments(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 1)) return false;
  if (n != m.sequences.size()) return r.corrupt(fmt::format("{} assignments for {} sequences", n, m.sequences.size()));
  for (size_t i = 0; i < n; ++i) {
    r.item("assignment", i);
    if (!r.optStr(m.sequences[i].assign)) return false;
  }
  return true;
}

// The fields a kind does not store keep the values the HolidayRule factories give them.
bool readHoliday(Reader& r, cal::HolidayRule& h) {
  uint8_t kind = 0, observed = 0;
  if (!r.text(h.name) || !r.u8(kind)) return false;
  if (kind > static_cast<uint8_t>(cal::HolidayKind::Easter))
    return r.corrupt(fmt::format("unknown holiday kind {}", kind));
  h.kind = static_cast<cal::HolidayKind>(kind);
  auto date = [&](cal::CivilDate& d) {
    int64_t year = 0;
    if (!r.sleb(year) || !r.u8(d.month) || !r.u8(d.day)) return false;
    if (year < INT32_MIN || year > INT32_MAX) return r.corrupt("year out of range");
    d.year = static_cast<int32_t>(year);
    return true;
  };
  switch (h.kind) {
    case cal::HolidayKind::Fixed:
      if (!r.u8(h.date.month) || !r.u8(h.date.day)) return false;
      break;
    case cal::HolidayKind::Date:
      if (!date(h.date)) return false;
      break;
    case cal::HolidayKind::Range:
      if (!date(h.date) || !date(h.end)) return false;
      break;
    case cal::HolidayKind::NthWeekday:
      if (!r.u8(h.nth)) return false;
      [[fallthrough]];
    case cal::HolidayKind::LastWeekday:
      if (!r.u8(h.weekday) || !r.u8(h.date.month)) return false;
      break;
    case cal::HolidayKind::Easter: break;
  }
  int64_t offset = 0;
  if (!r.u8(observed) || !r.sleb(offset)) return false;
  if (observed > static_cast<uint8_t>(cal::Observed::ObservedNext))
    return r.corrupt(fmt::format("unknown observation {}", observed));
  h.observed = static_cast<cal::Observed>(observed);
  if (offset < INT16_MIN || offset > INT16_MAX) return r.corrupt("offset out of range");
  h.offsetDays = static_cast<int16_t>(offset);
  return true;
}

bool readCalendars(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 5)) return false;
  m.calendars.resize(n);
  for (size_t i = 0; i < n; ++i) {
    cal::CalendarSpec& c = m.calendars[i];
    r.item("calendar", i);
    size_t hours = 0, holidays = 0;
    if (!r.text(c.name) || !r.text(c.zone) || !r.flag(c.hasHours) || !r.count(hours, 3))
      return false;
    // validate() bounds these too, but only after everything was allocated.
    if (hours > cal::kMaxHoursRanges) return r.corrupt("too many hours ranges");
    c.hours.resize(hours);
    for (cal::HoursRange& h : c.hours)
      if (!r.u8(h.day) || !r.u16(h.startMinute) || !r.u16(h.endMinute)) return false;
    if (!r.count(holidays, 4)) return false;
    if (holidays > cal::kMaxHolidayRules) return r.corrupt("too many holidays");
    c.holidays.resize(holidays);
    for (cal::HolidayRule& h : c.holidays)
      if (!readHoliday(r, h)) return false;
  }
  return true;
}

bool readSequenceCalendars(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 3)) return false;
  if (n != m.sequences.size())
    return r.corrupt(fmt::format("{} entries for {} sequences", n, m.sequences.size()));
  for (size_t i = 0; i < n; ++i) {
    Sequence& s = m.sequences[i];
    r.item("sequence", i);
    uint32_t calendar = 0;
    if (!r.u32(calendar) || !r.u32(s.zoneBegin) || !r.u32(s.zoneEnd)) return false;
    s.calendar = calendar - 1;  // 0 → kNone
  }
  return true;
}

bool readStepUnits(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 2)) return false;
  uint64_t next = 0;
  for (size_t i = 0; i < n; ++i) {
    r.item("entry", i);
    uint32_t gap = 0;
    uint8_t unit = 0;
    if (!r.u32(gap) || !r.u8(unit)) return false;
    uint64_t step = next + gap;
    if (step >= m.steps.size())
      return r.corrupt(fmt::format("step {} out of range ({} steps)", step, m.steps.size()));
    if (unit == static_cast<uint8_t>(DurationUnit::Seconds) || unit >= kDurationUnitNames.size())
      return r.corrupt(fmt::format("unit {} is not a business unit", unit));
    m.steps[step].unit = static_cast<DurationUnit>(unit);
    next = step + 1;
  }
  return true;
}

bool readSegments(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 8)) return false;
  m.segments.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Segment& g = m.segments[i];
    r.item("segment", i);
    if (!r.str(g.name) || !r.str(g.entity) || !r.u32(g.feeds) || !r.u32(g.priority) || !r.flag(g.disconnect) ||
        !r.u32(g.line) || !r.u32(g.condBegin) || !r.u32(g.condEnd))
      return false;
  }
  return true;
}

bool readExperiments(Reader& r, Module& m) {
  size_t n = 0;
  if (!r.count(n, 40)) return false;
  m.experiments.resize(n);
  for (Sequence& s : m.sequences) s.experimentBegin = s.experimentCount = 0;
  uint32_t previous = 0;
  for (size_t i = 0; i < n; ++i) {
    Experiment& x = m.experiments[i];
    r.item("experiment", i);
    size_t variants = 0;
    if (!r.u32(x.sequence) || !r.str(x.name) || !r.u32(x.line) || !r.count(variants, 5)) return false;
    if (x.sequence >= m.sequences.size())
      return r.corrupt(fmt::format("sequence {} out of range ({} sequences)", x.sequence, m.sequences.size()));
    if (x.sequence < previous) return r.corrupt("experiments not grouped by sequence in sequence order");
    if (variants == 0 || variants > kMaxVariants)
      return r.corrupt(fmt::format("{} variants (1 to {} allowed)", variants, kMaxVariants));
    Sequence& seq = m.sequences[x.sequence];
    if (seq.experimentCount == 0) seq.experimentBegin = static_cast<uint32_t>(i);
    ++seq.experimentCount;
    previous = x.sequence;
    x.variants.resize(variants);
    for (Variant& v : x.variants)
      if (!r.str(v.name) || !r.u8(v.weight) || !r.u32(v.target) || !r.u32(v.stepBegin) || !r.u32(v.stepEnd))
        return false;
    uint8_t metric = 0;
    if (!r.u8(metric)) return false;
    if (metric > static_cast<uint8_t>(MetricKind::Field)) return r.corrupt(fmt::format("unknown metric kind {}", metric));
    x.metric = static_cast<MetricKind>(metric);
    if (x.metric == MetricKind::Event) {
      uint8_t event = 0;
      if (!r.u8(event)) return false;
      if (event >= kEngagementEventNames.size()) return r.corrupt(fmt::format("unknown event {}", event));
      x.event = static_cast<EngagementEvent>(event);
    } else if (!r.u32(x.metricBegin) || !r.u32(x.metricEnd)) {
      return false;
    }
    if (!r.u32(x.within)) return false;
    for (double* d : {&x.baseline, &x.mde, &x.alpha, &x.power}) {
      uint64_t bits = 0;
      for (int k = 0; k < 8; ++k) {
        uint8_t b = 0;
        if (!r.u8(b)) return false;
        bits |= static_cast<uint64_t>(b) << (8 * k);
      }
      std::memcpy(d, &bits, sizeof bits);
    }
  }
  return true;
}

struct Section {
  std::string_view what;
  bool (*read)(Reader&, Module&);
};
constexpr Section kSections[] = {
    {"source name", readSource},
    {"string table", readStrings},
    {"constant table", readConstants},
    {"field table", readFields},
    {"step table", readSteps},
    {"term table", readTerms},
    {"branch table", readBranches},
    {"sequence table", readSequences},
    {"code", readCode},
    {"line table", readLines},
};
// Sections added by minor versions, read when the file's minor version has them.
struct LaterSection {
  uint16_t since;
  Section section;
};
constexpr LaterSection kLaterSections[] = {
    {1, {"assignment table", readAssignments}},
    {2, {"calendar table", readCalendars}},
    {2, {"sequence calendar table", readSequenceCalendars}},
    {2, {"step unit table", readStepUnits}},
    {3, {"segment table", readSegments}},
    {4, {"experiment table", readExperiments}},
};

uint32_t le32(const uint8_t* p) { return readU32(p); }

}  // namespace

bool load(const uint8_t* data, size_t size, Module& out, std::string& error) {
  if (size == 0) {
    error = "not a .seqb file (empty)";
    return false;
  }
  size_t magic = std::min(size, kMagic.size());
  if (std::memcmp(data, kMagic.data(), magic) != 0) {
    error = "not a .seqb file (bad magic)";
    return false;
  }
  if (size < kHeaderSize) {
    error = "truncated header";
    return false;
  }
  uint16_t major = readU16(data + 4), minor = readU16(data + 6);
  if (major != kVersionMajor) {
    error = fmt::format("unsupported bytecode version {}.{} (this seqc reads {}.x)", major, minor,
                        kVersionMajor);
    return false;
  }

  Module m;
  size_t pos = kHeaderSize;
  std::vector<Section> sections(std::begin(kSections), std::end(kSections));
  for (const LaterSection& later : kLaterSections)
    if (minor >= later.since) sections.push_back(later.section);
  for (const Section& section : sections) {
    if (size - pos < 4) {
      error = fmt::format("truncated {}", section.what);
      return false;
    }
    uint32_t length = le32(data + pos);
    pos += 4;
    if (length > size - pos) {
      error = fmt::format("truncated {}", section.what);
      return false;
    }
    Reader r(data + pos, length, section.what);
    if (!section.read(r, m) || !r.finish()) {
      error = r.error();
      return false;
    }
    pos += length;
  }
  // A newer minor version may append sections this reader does not know: skip them,
  // but they must still be well-formed length-prefixed sections.
  while (pos < size) {
    if (minor <= kVersionMinor) {
      error = fmt::format("{} bytes of trailing garbage after the last section", size - pos);
      return false;
    }
    if (size - pos < 4 || le32(data + pos) > size - pos - 4) {
      error = "truncated extension section";
      return false;
    }
    pos += 4 + static_cast<size_t>(le32(data + pos));
  }

  if (!verify(m, error)) return false;
  out = std::move(m);
  return true;
}

bool loadFile(const std::string& path, Module& out, std::string& error) {
  std::string bytes;
  if (!seqc::readFile(path, {kMaxFileBytes, std::string_view(kMagic.data(), kMagic.size()), false}, bytes, error))
    return false;
  if (!load(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), out, error)) {
    error = fmt::format("invalid bytecode: {}: {}", path, error);
    return false;
  }
  return true;
}

}  // namespace seqc::bc
