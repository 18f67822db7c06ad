// The interpreter: runs a record's code from its resume point until it must wait
// (LANGUAGE.md §6), and the actions drivers apply to records. The module is verified, so
// operands and stack depths are trusted; operand *types* are still checked, and a
// mismatch fails the record, not the process.
#include "seqc/interp/interpreter.h"

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>

#include <fmt/format.h>

#include "seqc/interp/money.h"
#include "seqc/support/time.h"
#include "seqc/support/utf8.h"

namespace seqc::rt {

using bc::Opcode;

namespace {

constexpr uint8_t kEventBits = kSlotEventBits;
constexpr uint8_t kOutcomeBits = kSlotOutcomeBits;
constexpr uint8_t kDone = kSlotDone;
constexpr uint8_t kSkipped = kSlotSkipped;
static_assert(kEngagementEventNames.size() <= 4 && kCallOutcomeNames.size() < kOutcomeBits);

// Why an operation failed: becomes the record's error message.
struct Fault {
  std::string message;
};

bool isNumeric(Tag t) { return t == Tag::Int || t == Tag::Decimal || t == Tag::Money; }

double asDouble(const Value& v) {
  switch (v.tag) {
    case Tag::Int: return static_cast<double>(v.i);
    case Tag::Money: return money::toDouble(v.i);
    default: return v.d;
  }
}

Fault moneyOverflow() {
  return {fmt::format("money overflow: money ranges from {} to {}",
                      money::format(std::numeric_limits<int64_t>::min()),
                      money::format(std::numeric_limits<int64_t>::max()))};
}

// The number a numeric value stands for, exactly (money.h).
money::Exact exactNumber(const Value& v) {
  switch (v.tag) {
    case Tag::Int: return money::ofInt(v.i);
    case Tag::Money: return money::ofMoney(v.i);
    default:
      if (auto x = money::ofDecimal(v.d)) return *x;
      throw moneyOverflow();  // inf or nan: no decimal makes them
  }
}

Value moneyValue(money::Result r) {
  switch (r.status) {
    case money::Status::Ok: break;
    case money::Status::Overflow: throw moneyOverflow();
    case money::Status::DivisionByZero: throw Fault{"division by zero"};
  }
  return Value::money(r.units);
}

// A datetime result, or the record's fault when it is outside the calendar (time.h);
// `late` tells which side when the arithmetic overflowed.
Value checkedDateTime(int64_t seconds, bool overflow = false, bool late = false) {
  if (!overflow && seconds >= kFirstInstant && seconds <= kLastInstant) return Value::datetime(seconds);
  if (!overflow) late = seconds > kLastInstant;
  std::string side = fmt::format("{} {}", late ? "after" : "before",
                                 formatDateTime(late ? kLastInstant : kFirstInstant));
  if (overflow) throw Fault{"datetime out of range: " + side};
  throw Fault{fmt::format("datetime out of range: {} is {}", formatDateTime(seconds), side)};
}

// The tags are the first value types, in the same order: a tag is named as its type.
#define SAME_AS_VALUE_TYPE(T) static_assert(static_cast<int>(Tag::T) == static_cast<int>(bc::ValueType::T));
SAME_AS_VALUE_TYPE(Null) SAME_AS_VALUE_TYPE(Bool) SAME_AS_VALUE_TYPE(Int) SAME_AS_VALUE_TYPE(Decimal)
SAME_AS_VALUE_TYPE(Money) SAME_AS_VALUE_TYPE(String) SAME_AS_VALUE_TYPE(Date) SAME_AS_VALUE_TYPE(DateTime)
SAME_AS_VALUE_TYPE(Duration)
#undef SAME_AS_VALUE_TYPE

std::string_view tagName(Tag t) {
  return bc::name(static_cast<bc::ValueType>(t));
}

Fault typeFault(std::string_view op, const Value& a, const Value& b) {
  return {fmt::format("cannot apply '{}' to {} and {}", op, tagName(a.tag), tagName(b.tag))};
}

// Seconds since the epoch of a date or datetime.
int64_t instant(const Value& v) { return v.tag == Tag::Date ? v.i * kSecondsPerDay : v.i; }

Value arith(Opcode op, const Value& a, const Value& b, StringArena& arena) {
  if (a.isNull() || b.isNull()) return Value::null();
  if (a.tag == Tag::String && b.tag == Tag::String && op == Opcode::Add) {
    std::string joined;
    joined.reserve(a.len + b.len);
    joined.append(a.str()).append(b.str());
    return Value::string(arena.store(joined));
  }
  std::string_view sym = bc::info(op).mnemonic;
  if (a.tag == Tag::Int && b.tag == Tag::Int) {
    int64_t r = 0;
    switch (op) {
      case Opcode::Add:
        if (__builtin_add_overflow(a.i, b.i, &r)) throw Fault{"integer overflow"};
        return Value::integer(r);
      case Opcode::Sub:
        if (__builtin_sub_overflow(a.i, b.i, &r)) throw Fault{"integer overflow"};
        return Value::integer(r);
      case Opcode::Mul:
        if (__builtin_mul_overflow(a.i, b.i, &r)) throw Fault{"integer overflow"};
        return Value::integer(r);
      case Opcode::Div:
        if (b.i == 0) throw Fault{"division by zero"};
        return Value::decimal(static_cast<double>(a.i) / static_cast<double>(b.i));
      case Opcode::Mod:
        if (b.i == 0) throw Fault{"division by zero"};
        if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) return Value::integer(0);
        return Value::integer(a.i % b.i);
      default: break;
    }
  }
  if (isNumeric(a.tag) && isNumeric(b.tag) && op != Opcode::Mod) {
    // Exact (money.h). The checker rejects money * money and a number / money.
    bool am = a.tag == Tag::Money, bm = b.tag == Tag::Money;
    if (am || bm) {
      const Value& m = am ? a : b;
      const Value& other = am ? b : a;
      switch (op) {
        case Opcode::Add: return moneyValue(money::add(m.i, exactNumber(other)));
        case Opcode::Sub:
          return moneyValue(am ? money::subtract(a.i, exactNumber(b)) : money::subtractFrom(exactNumber(a), b.i));
        case Opcode::Mul:
          if (am && bm) break;
          return moneyValue(money::multiply(m.i, exactNumber(other)));
        case Opcode::Div:
          if (am && bm) {  // a ratio: decimal
            if (auto r = money::ratio(a.i, b.i)) return Value::decimal(*r);
            throw Fault{"division by zero"};
          }
          if (am) return moneyValue(money::divide(a.i, exactNumber(b)));
          break;
        default: break;
      }
      throw typeFault(sym, a, b);
    }
    double x = asDouble(a), y = asDouble(b), r = 0;
    switch (op) {
      case Opcode::Add: r = x + y; break;
      case Opcode::Sub: r = x - y; break;
      case Opcode::Mul: r = x * y; break;
      case Opcode::Div:
        if (y == 0) throw Fault{"division by zero"};
        r = x / y;
        break;
      default: throw typeFault(sym, a, b);
    }
    if (!std::isfinite(r)) throw Fault{"arithmetic overflow"};
    return Value::decimal(r);
  }
  // Temporal arithmetic: datetime ± duration, datetime − datetime, duration ± duration.
  int64_t r = 0;
  bool aTime = a.tag == Tag::DateTime || a.tag == Tag::Date;
  bool bTime = b.tag == Tag::DateTime || b.tag == Tag::Date;
  if (aTime && b.tag == Tag::Duration && (op == Opcode::Add || op == Opcode::Sub)) {
    bool overflow = op == Opcode::Add ? __builtin_add_overflow(instant(a), b.i, &r)
                                      : __builtin_sub_overflow(instant(a), b.i, &r);
    return checkedDateTime(r, overflow, (op == Opcode::Add) == (b.i > 0));
  }
  if (a.tag == Tag::Duration && bTime && op == Opcode::Add) {
    bool overflow = __builtin_add_overflow(a.i, instant(b), &r);
    return checkedDateTime(r, overflow, a.i > 0);
  }
  if (aTime && bTime && op == Opcode::Sub) {
    if (__builtin_sub_overflow(instant(a), instant(b), &r)) throw Fault{"duration overflow"};
    return Value::duration(r);
  }
  if (a.tag == Tag::Duration && b.tag == Tag::Duration &&
      (op == Opcode::Add || op == Opcode::Sub)) {
    bool overflow = op == Opcode::Add ? __builtin_add_overflow(a.i, b.i, &r)
                                      : __builtin_sub_overflow(a.i, b.i, &r);
    if (overflow) throw Fault{"duration overflow"};
    return Value::duration(r);
  }
  throw typeFault(sym, a, b);
}

// Three-way comparison of two present values; nullopt when they do not compare.
std::optional<int> compare(const Value& a, const Value& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.tag == b.tag) {
    switch (a.tag) {
      case Tag::Bool: return cmp(a.b, b.b);
      case Tag::Int: case Tag::Money: case Tag::Date: case Tag::DateTime: case Tag::Duration:
        return cmp(a.i, b.i);
      case Tag::Decimal: return cmp(a.d, b.d);
      case Tag::String: {
        int c = a.str().compare(b.str());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      case Tag::Null: return 0;
    }
  }
  if (isNumeric(a.tag) && isNumeric(b.tag)) {
    if (a.tag == Tag::Money) return money::compare(a.i, exactNumber(b));
    if (b.tag == Tag::Money) return -money::compare(b.i, exactNumber(a));
    return cmp(asDouble(a), asDouble(b));
  }
  bool aTime = a.tag == Tag::DateTime || a.tag == Tag::Date;
  bool bTime = b.tag == Tag::DateTime || b.tag == Tag::Date;
  if (aTime && bTime) return cmp(instant(a), instant(b));
  return std::nullopt;
}

bool equal(const Value& a, const Value& b) {
  if (a.isNull() || b.isNull()) return a.isNull() && b.isNull();
  auto c = compare(a, b);
  return c && *c == 0;
}

bool truthy(const Value& v) { return v.tag == Tag::Bool && v.b; }

Value constant(const bc::Module& m, const bc::Constant& c) {
  switch (c.type) {
    case bc::ValueType::Bool: return Value::boolean(c.i != 0);
    case bc::ValueType::Int: case bc::ValueType::Choice: return Value::integer(c.i);
    case bc::ValueType::Decimal: return Value::decimal(c.d);
    case bc::ValueType::Money: return Value::money(c.i);
    case bc::ValueType::Date: return Value::date(c.i);
    case bc::ValueType::DateTime: return Value::datetime(c.i);
    case bc::ValueType::Duration: return Value::duration(c.i);
    case bc::ValueType::String: case bc::ValueType::Id: case bc::ValueType::Lookup:
      return Value::string(m.str(c.str));
    case bc::ValueType::Null: break;
  }
  return Value::null();
}

// Converts `v` to the declared type of a field for `set_field` (LANGUAGE.md §5 widening).
Value coerce(const bc::Field& f, const Value& v, std::string_view fieldName) {
  if (v.isNull()) return v;
  using VT = bc::ValueType;
  auto bad = [&] {
    return Fault{fmt::format("cannot store {} in field '{}' of type {}", tagName(v.tag),
                             fieldName, bc::name(f.type))};
  };
  switch (f.type) {
    case VT::Bool: if (v.tag == Tag::Bool) return v; break;
    case VT::Int: case VT::Choice: if (v.tag == Tag::Int) return v; break;
    case VT::Decimal: if (isNumeric(v.tag)) return Value::decimal(asDouble(v)); break;
    case VT::Money: {
      if (!isNumeric(v.tag)) break;
      money::Result m = money::from(exactNumber(v));
      if (m.status != money::Status::Ok)
        throw Fault{fmt::format("value too large for field '{}'", fieldName)};
      return Value::money(m.units);
    }
    case VT::String: case VT::Id: case VT::Lookup:
      if (v.tag == Tag::String) {
        size_t n = utf8::countCodePoints(v.str());
        if (f.maxLength != 0 && n > f.maxLength)
          throw Fault{fmt::format("value too long for field '{}': {} characters, at most {}",
                                  fieldName, n, f.maxLength)};
        return v;
      }
      break;
    case VT::Date:
      if (v.tag == Tag::Date) return v;
      if (v.tag == Tag::DateTime) return Value::date(v.i >= 0 ? v.i / kSecondsPerDay
                                                             : -((-v.i + kSecondsPerDay - 1) / kSecondsPerDay));
      break;
    case VT::DateTime:
      if (v.tag == Tag::DateTime) return v;
      if (v.tag == Tag::Date) return Value::datetime(v.i * kSecondsPerDay);
      break;
    case VT::Duration: if (v.tag == Tag::Duration) return v; break;
    case VT::Null: break;
  }
  throw bad();
}

}  // namespace

std::string_view name(Result r) {
  static constexpr std::array names = {
#define RESULT(E, N) std::string_view(N),
#include "seqc/interp/record_states.def"
#undef RESULT
#define CALL_OUTCOME(E, N) std::string_view(N),
#include "seqc/format/activity_kinds.def"
#undef CALL_OUTCOME
#define ENGAGEMENT_EVENT(E, N) std::string_view(N),
#include "seqc/format/activity_kinds.def"
#undef ENGAGEMENT_EVENT
#define EXPERIMENT_RESULT(E, N) std::string_view(N),
#include "seqc/interp/record_states.def"
#undef EXPERIMENT_RESULT
  };
  static_assert(names.size() == static_cast<size_t>(Result::Converted) + 1);
  static_assert(static_cast<size_t>(Result::Experiment) == static_cast<size_t>(kFirstEvent) + kEngagementEventNames.size());
  return names[static_cast<size_t>(r)];
}

std::optional<Result> resultNamed(std::string_view text) {
  for (size_t i = 0; i < static_cast<size_t>(kFirstEvent) + kEngagementEventNames.size(); ++i)
    if (name(static_cast<Result>(i)) == text) return static_cast<Result>(i);
  return std::nullopt;
}

// ---- setup ----------------------------------------------------------------------------

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugeFrom = 4 * kHugePage;  // below this, huge pages gain nothing
}  // namespace

// Straight from mmap, not malloc: freed blocks would come back from malloc's heap,
// already touched in small pages.
void* allocateRecordArray(size_t bytes) {
  if (bytes < kHugeFrom) return ::operator new(bytes);
  size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  size_t mapped = rounded + kHugePage;  // room to align to a huge page
  void* m = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  auto base = reinterpret_cast<uintptr_t>(m);
  uintptr_t aligned = (base + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > base) ::munmap(m, aligned - base);
  if (uintptr_t end = base + mapped, used = aligned + rounded; end > used)
    ::munmap(reinterpret_cast<void*>(used), end - used);
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);  // advice: a refusal changes nothing
#endif
  return reinterpret_cast<void*>(aligned);
}

void freeRecordArray(void* p, size_t bytes) noexcept {
  if (bytes < kHugeFrom) {
    ::operator delete(p);
    return;
  }
  ::munmap(p, (bytes + kHugePage - 1) / kHugePage * kHugePage);
}

namespace {
// Whether code[begin, end) reads the clock (now, today, days_since) or, with `orState`,
// a variable or an outcome: what makes a value change without a field changing.
bool readsMoreThanFields(const uint8_t* code, uint32_t begin, uint32_t end, bool orState) {
  for (uint32_t pc = begin; pc < end;) {
    auto op = static_cast<Opcode>(code[pc]);
    if (orState && (op == Opcode::LoadVar || op == Opcode::Outcome)) return true;
    if (op == Opcode::Call) {
      auto fn = static_cast<bc::Builtin>(code[pc + 1]);
      if (fn == bc::Builtin::Now || fn == bc::Builtin::Today || fn == bc::Builtin::DaysSince) return true;
    }
    pc += static_cast<uint32_t>(bc::instructionSize(op));
  }
  return false;
}
}  // namespace

Interpreter::Interpreter(const bc::Module& module, uint32_t sequence, Options options, Listener* listener)
    : module_(module), seq_(module.sequences[sequence]), options_(options), listener_(listener),
      code_(module.code.data()) {
  width_ = static_cast<uint32_t>(module_.fields.size());
  for (size_t f = 0; f < module_.fields.size(); ++f)
    if (module_.fields[f].entity == seq_.entity)
      fieldByName_.emplace(module_.str(module_.fields[f].name), static_cast<uint16_t>(f));
  constants_.reserve(module_.constants.size());
  for (const bc::Constant& c : module_.constants) constants_.push_back(constant(module_, c));
  stepCounts_.resize(seq_.stepCount);
  branchCounts_.resize(seq_.branchCount);
  for (uint16_t s = 0; s < seq_.stepCount; ++s)
    if (step(s).label != bc::kNone) stepByLabel_.emplace(module_.str(step(s).label), s);
  if (seq_.calendar != bc::kNone) {
    // The verifier checked the spec; its zone may still be unknown to this machine.
    const cal::CalendarSpec& spec = module_.calendars[seq_.calendar];
    auto zone = cal::Zone::find(spec.zone);
    ownZoneKnown_ = zone.has_value();
    calendars_.emplace_back(spec, zone.value_or(cal::Zone::utc()));
  }
  // The pcs execute() saves when a record stops to wait (the module verified, so
  // every instruction decodes and every step operand is in range).
  for (uint32_t pc = seq_.codeBegin; pc < seq_.codeEnd;) {
    auto op = static_cast<Opcode>(code_[pc]);
    uint32_t next = pc + static_cast<uint32_t>(bc::instructionSize(op));
    if (op == Opcode::Activity || op == Opcode::Wait || op == Opcode::Await) {
      uint16_t local = bc::readU16(code_ + pc + 1);
      if (op == Opcode::Await) resumePoints_.push_back({pc, local, Waiting::Condition});
      else if (op == Opcode::Wait) resumePoints_.push_back({next, local, Waiting::Timer});
      else if (!info(step(local).activity).automated) resumePoints_.push_back({next, local, Waiting::Manual});
      else if (hasCalendar()) resumePoints_.push_back({next, local, Waiting::Held});
    }
    pc = next;
  }
  variantCounts_.resize(static_cast<size_t>(seq_.experimentCount) * bc::kMaxVariants);
  exitReadsClock_ = rt::exitReadsClock(module_, sequence);
  if (seq_.zoneBegin != seq_.zoneEnd)
    zoneReadsOnlyFields_ = !readsMoreThanFields(code_, seq_.zoneBegin, seq_.zoneEnd, true);
}

bool exitReadsClock(const bc::Module& module, uint32_t sequence) {
  const bc::Sequence& seq = module.sequences[sequence];
  return readsMoreThanFields(module.code.data(), seq.exitBegin, seq.exitEnd, false);
}

bc::Module segmentConditionModule(const bc::Module& module, size_t segment) {
  bc::Module m = module;
  const bc::Segment& g = m.segments[segment];
  m.sequences[g.feeds].exitBegin = g.condBegin;
  m.sequences[g.feeds].exitEnd = g.condEnd;
  return m;
}

uint32_t Interpreter::addRecords(size_t count, std::vector<Value> values) {
  for (Value& v : values)
    if (v.tag == Tag::String) v = Value::string(arena_.store(v.str()));
  return addRecords(count, std::move(values), StringArena());
}

uint32_t Interpreter::addRecords(size_t count, std::vector<Value> values, StringArena&& strings) {
  auto first = static_cast<uint32_t>(states_.size());
  size_t n = states_.size() + count;
  RecordState disconnected;
  disconnected.status = Status::Disconnected;
  states_.resize(n, disconnected);
  slots_.resize(n * seq_.slots);
  vars_.resize(n * seq_.vars);
  if (seq_.zoneBegin != seq_.zoneEnd) zoneUsed_.resize(n, kNoZoneYet);
  runs_.resize(n * seq_.experimentCount);
  if (values.size() != count * width_) values.resize(count * width_);
  if (fields_.empty()) fields_ = std::move(values);
  else fields_.insert(fields_.end(), values.begin(), values.end());
  if (strings.bytes() > 0) adopted_.push_back(std::move(strings));
  return first;
}

void Interpreter::reserveHistory(size_t records) {
  // A guess of steps per record, capped (it is only a reservation).
  if (options_.history)
    history_.reserve(std::min<size_t>(records * std::min<size_t>(seq_.stepCount, 2u * seq_.total + 4),
                                      size_t{16} << 20));
}

size_t Interpreter::stateBytesPerRecord() const {
  return sizeof(RecordState) + seq_.slots + seq_.vars * sizeof(Value);
}

size_t Interpreter::bytesPerRecord() const { return stateBytesPerRecord() + width_ * sizeof(Value); }

std::optional<uint16_t> Interpreter::field(std::string_view name) const {
  auto it = fieldByName_.find(std::string(name));
  if (it == fieldByName_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint16_t> Interpreter::stepByLabel(std::string_view label) const {
  auto it = stepByLabel_.find(std::string(label));
  if (it == stepByLabel_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint16_t> Interpreter::lastSent(uint32_t r, EngagementEvent event) const {
  for (uint16_t s = static_cast<uint16_t>(seq_.stepCount); s-- > 0;) {
    const bc::Step& st = step(s);
    if (st.kind == bc::StepKind::Activity && acceptsEvent(st.activity, event) && sent(r, s)) return s;
  }
  return std::nullopt;
}

bool Interpreter::sent(uint32_t r, uint16_t s) const {
  const bc::Step& st = step(s);
  return st.slot != bc::kNoSlot && (slots_[static_cast<size_t>(r) * seq_.slots + st.slot] & kDone);
}

bool Interpreter::skipped(uint32_t r, uint16_t s) const {
  const bc::Step& st = step(s);
  return st.slot != bc::kNoSlot && (slots_[static_cast<size_t>(r) * seq_.slots + st.slot] & kSkipped);
}

std::vector<HistoryEntry> Interpreter::historyByRecord() const {
  std::vector<size_t> start(states_.size() + 1, 0);
  for (const HistoryEntry& h : history_) ++start[h.record + 1];
  for (size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<HistoryEntry> out(history_.size());
  for (const HistoryEntry& h : history_) out[start[h.record]++] = h;
  return out;
}

// ---- calendars (CALENDARS.md) ---------------------------------------------------------

uint16_t Interpreter::evalZone(uint32_t r, int32_t now) {
  // Runs the `time zone` block; a fault in it counts as naming no zone.
  zoneResult_ = Value::null();
  bool outer = inZoneBlock_;
  inZoneBlock_ = true;
  execute(r, seq_.zoneBegin, now);
  inZoneBlock_ = outer;
  uint16_t index = kFallbackZone;
  if (zoneResult_.tag == Tag::String) {
    std::string_view name = zoneResult_.str();
    auto it = zoneByName_.find(name);
    int32_t found = -1;
    if (it != zoneByName_.end()) {
      found = it->second;
    } else {
      if (auto zone = cal::Zone::find(name)) {
        found = static_cast<int32_t>(calendars_.size());
        calendars_.push_back(calendars_[0].withZone(*zone));
      }
      // Names of no zone are remembered too, up to a bound (a file of random text).
      if (found >= 0 || zoneByName_.size() < 4096) zoneByName_.emplace(std::string(name), found);
    }
    if (found >= 0) index = static_cast<uint16_t>(found);
  }
  zoneUsed_[r] = index;
  if (zoneReadsOnlyFields_ && (index & ~kFallbackZone) < 0xFF)
    states_[r].zone = static_cast<uint8_t>((index & ~kFallbackZone) + 1);
  return index & ~kFallbackZone;
}

Interpreter::RecordZone Interpreter::zoneOf(uint32_t r, int32_t now) {
  uint16_t used = zoneUsed_.empty() ? 0 : zoneUsed_[r];
  if (used == kNoZoneYet) {
    evalZone(r, now);
    used = zoneUsed_[r];
  }
  return {calendars_[used & ~kFallbackZone].zone(), (used & kFallbackZone) != 0};
}

int32_t Interpreter::relative(int64_t instant) const {
  int64_t t = instant - options_.start;
  if (t > INT32_MAX / 2 || t < INT32_MIN / 2)
    throw Fault{fmt::format("time out of range: {}", formatDateTime(instant))};
  return static_cast<int32_t>(t);
}

int32_t Interpreter::durationEnd(uint32_t r, const bc::Step& s, int32_t now, bool end) {
  if (s.unit == bc::DurationUnit::Seconds) return now + static_cast<int32_t>(s.seconds);
  const cal::Calendar& c = calendarFor(r, now);
  int64_t t = options_.start + now;
  std::optional<int64_t> at;
  if (s.unit == bc::DurationUnit::BusinessHours) at = c.addBusinessHours(t, s.seconds);
  else if (end) at = c.businessDaysEnd(t, static_cast<int>(s.seconds));
  else at = c.businessDaysWait(t, static_cast<int>(s.seconds));
  if (!at)
    throw Fault{fmt::format("calendar \"{}\" has no working time within {} days of {} in {}",
                            c.spec().name, cal::kSearchDays, formatDateTime(t), c.zone().name())};
  return relative(*at);
}

std::optional<int32_t> Interpreter::currentDue(uint32_t r) const {
  const RecordState& st = states_[r];
  if (st.status != Status::Active || st.step == kNoStep) return std::nullopt;
  switch (st.waiting) {
    case Waiting::Manual: return step(st.step).seconds > 0 ? std::optional(st.due) : std::nullopt;
    case Waiting::Timer:
    case Waiting::Condition:
    case Waiting::Held: return st.due;
    default: return std::nullopt;
  }
}

std::optional<int32_t> Interpreter::manualDue(uint32_t r, uint16_t s, int32_t entered) {
  if (s >= seq_.stepCount) return std::nullopt;
  const bc::Step& st = step(s);
  if (st.kind != bc::StepKind::Activity || st.seconds == 0) return std::nullopt;
  if (st.unit != bc::DurationUnit::Seconds && !hasCalendar()) return std::nullopt;  // business time needs one
  try {
    return durationEnd(r, st, entered, true);
  } catch (const Fault&) {
    return std::nullopt;  // no working time within reach: no due to show
  }
}

int64_t Interpreter::localToday(uint32_t r, int64_t nowAbs) {
  // Inside the `time zone` block itself the record has no zone yet: the calendar's own.
  const cal::Calendar& c = inZoneBlock_ ? calendars_[0] : calendarFor(r, static_cast<int32_t>(nowAbs - options_.start));
  return c.localDate(nowAbs);
}

// ---- the record's life ----------------------------------------------------------------

void Interpreter::fail(uint32_t r, uint32_t pc, std::string message, int32_t now) {
  fault(r, fmt::format("line {}: {}", module_.lineAt(pc), message), now);
}

void Interpreter::finish(uint32_t r, Status status, Reason reason, int32_t now) {
  RecordState& st = states_[r];
  st.entered = now;  // once the record is done: when it ended
  st.status = status;
  st.reason = reason;
  st.waiting = Waiting::Nothing;
  st.step = kNoStep;
  ++st.generation;
}

// The record leaves its current step with `result` (history, funnel, progress).
void Interpreter::leaveStep(uint32_t r, uint16_t step, Result result, int32_t now) {
  const bc::Step& s = this->step(step);
  RecordState& st = states_[r];
  record(r, step, result, now);
  bool skipped = isSkip(result);
  (skipped ? stepCounts_[step].skipped : stepCounts_[step].done)++;
  if (s.kind == bc::StepKind::Activity) {
    ++st.progress;
    if (s.slot != bc::kNoSlot) {
      uint8_t& b = bits(r, s);
      if (result == Result::Skipped) {
        b |= kSkipped;
      } else {
        b |= kDone;
        if (isOutcome(result))
          b = static_cast<uint8_t>((b & ~kOutcomeBits) |
                                   (static_cast<int>(result) - static_cast<int>(kFirstOutcome) + 1));
      }
    }
  }
  st.step = kNoStep;
  st.waiting = Waiting::Nothing;
  ++st.generation;
}

int Interpreter::decide(uint32_t r, const bc::Step& s, Result& why) const {
  const uint8_t* bits = &slots_[static_cast<size_t>(r) * seq_.slots];
  size_t satisfied = 0, skipped = 0;
  std::optional<Result> first, last;
  for (uint32_t t = 0; t < s.termCount; ++t) {
    const bc::Term& term = module_.terms[s.termBegin + t];
    uint8_t b = bits[step(term.step).slot];
    if (b & kSkipped) {
      ++skipped;
      continue;
    }
    uint8_t hit = b & term.events & kEventBits;
    if (hit) {
      ++satisfied;
      Result res = resultOf(static_cast<EngagementEvent>(__builtin_ctz(hit)));
      if (!first) first = res;
      last = res;
    }
  }
  if (s.all) {
    if (skipped > 0) return why = Result::Skipped, 2;
    if (satisfied == s.termCount) return why = *last, 1;
  } else {
    if (first) return why = *first, 1;
    if (skipped == s.termCount) return why = Result::Skipped, 2;
  }
  return 0;
}

void Interpreter::connect(uint32_t r, int32_t now) {
  RecordState& st = states_[r];
  uint32_t generation = st.generation + 1;
  st = RecordState{};
  st.generation = generation;
  st.connected = now;
  st.entered = now;
  std::fill_n(slots_.begin() + static_cast<ptrdiff_t>(r) * seq_.slots, seq_.slots, 0);
  std::fill_n(vars_.begin() + static_cast<ptrdiff_t>(r) * seq_.vars, seq_.vars, Value::null());
  std::fill_n(runs_.begin() + static_cast<ptrdiff_t>(r) * seq_.experimentCount, seq_.experimentCount,
              ExperimentRun{});
  auto exit = exitCondition(r, now);
  if (!exit) return;
  if (*exit) return finish(r, Status::Exited, Reason::ExitWhen, now);
  execute(r, seq_.codeBegin, now);
  if (watchUntil_ && states_[r].status == Status::Active) scheduleClockExit(r, now);
}

void Interpreter::connectAt(uint32_t r, int32_t at) {
  RecordState& st = states_[r];
  st.status = Status::Disconnected;
  st.waiting = Waiting::Connect;
  st.due = at;
  setTimer(r, at);
}

std::string Interpreter::checkSaved(const RecordState& st, std::span<const uint8_t> slots) const {
  if (static_cast<size_t>(st.status) >= kStatusNames.size()) return fmt::format("status {}", static_cast<int>(st.status));
  if (static_cast<size_t>(st.reason) >= kReasonNames.size()) return fmt::format("reason {}", static_cast<int>(st.reason));
  if (st.waiting > Waiting::Held) return fmt::format("waiting kind {}", static_cast<int>(st.waiting));
  if (st.step != kNoStep && st.step >= seq_.stepCount)
    return fmt::format("step {} (the version has {})", st.step, seq_.stepCount);
  if (st.progress > seq_.stepCount) return fmt::format("progress {}", st.progress);
  if (slots.size() < seq_.slots) return "engagement slots missing";
  for (size_t i = 0; i < seq_.slots; ++i)
    if (slots[i] & ~(kEventBits | kDone | kSkipped)) return fmt::format("engagement slot {} is {:#x}", i, slots[i]);
  if (st.status == Status::Disconnected && st.waiting == Waiting::Connect) return {};
  if (st.status != Status::Active) {
    if (st.waiting != Waiting::Nothing) return "a finished record waits";
    return {};
  }
  // One pc can be two resume points: after a `wait`, and at the `within` that follows.
  auto [first, last] = std::equal_range(resumePoints_.begin(), resumePoints_.end(), ResumePoint{st.pc, 0, {}},
                                        [](const ResumePoint& a, const ResumePoint& b) { return a.pc < b.pc; });
  if (first == last) return fmt::format("pc {} is not a point where this version waits", st.pc);
  for (auto it = first; it != last; ++it)
    if (it->waiting == st.waiting && it->step == st.step) return {};
  return fmt::format("pc {} waits at another step or in another way", st.pc);
}

bool Interpreter::restore(uint32_t r, const RecordState& state, std::span<const uint8_t> slots,
                          std::span<const Value> vars) {
  if (std::string why = checkSaved(state, slots); !why.empty()) {
    states_[r] = RecordState{};
    states_[r].generation = state.generation;
    fault(r, fmt::format("its saved position is damaged ({}); the record was stopped", why), state.entered);
    return false;
  }
  states_[r] = state;
  states_[r].error = 0;
  states_[r].zone = 0;
  std::copy_n(slots.begin(), std::min<size_t>(slots.size(), seq_.slots),
              slots_.begin() + static_cast<ptrdiff_t>(r) * seq_.slots);
  Value* dst = vars_.data() + static_cast<size_t>(r) * seq_.vars;
  for (size_t v = 0; v < std::min<size_t>(vars.size(), seq_.vars); ++v)
    dst[v] = vars[v].tag == Tag::String ? Value::string(arena_.store(vars[v].str())) : vars[v];
  const RecordState& st = states_[r];
  if (st.status == Status::Active &&
      (st.waiting == Waiting::Timer || st.waiting == Waiting::Condition || st.waiting == Waiting::Held))
    setTimer(r, st.due);
  return true;
}

void Interpreter::fault(uint32_t r, std::string message, int32_t now) {
  RecordState& st = states_[r];
  st.entered = now;
  errors_.push_back(std::move(message));
  st.error = static_cast<uint32_t>(errors_.size() - 1);
  st.status = Status::Error;
  st.reason = Reason::Error;
  st.waiting = Waiting::Nothing;
  st.step = kNoStep;
  ++st.generation;
}

void Interpreter::watchClock(int32_t until) {
  if (exitReadsClock_) watchUntil_ = until;
}

void Interpreter::watchRecord(uint32_t r, int32_t from) {
  if (watchUntil_ && states_[r].status == Status::Active) scheduleClockExit(r, std::max(from, states_[r].entered));
}

bool Interpreter::probeExit(uint32_t r, int32_t now) {
  RecordState saved = states_[r];
  std::optional<bool> verdict = exitCondition(r, now);
  states_[r] = saved;  // a failure at an instant not reached yet is not the record's
  return verdict.value_or(false);
}

void Interpreter::scheduleClockExit(uint32_t r, int32_t from) {
  int32_t hi = *watchUntil_;
  if (from > hi || !probeExit(r, hi)) return;
  int32_t lo = from;
  if (!probeExit(r, lo)) {
    while (hi - lo > 1) {  // invariant: false at lo, true at hi
      int32_t mid = lo + (hi - lo) / 2;
      (probeExit(r, mid) ? hi : lo) = mid;
    }
    lo = hi;
  }
  clockExits_.push(lo, r);
}

std::optional<int32_t> Interpreter::nextTimer() const {
  if (timers_.empty() && clockExits_.empty()) return std::nullopt;
  if (timers_.empty()) return clockExits_.next();
  if (clockExits_.empty()) return timers_.next();
  return std::min(timers_.next(), clockExits_.next());
}

size_t Interpreter::fireTimers(int32_t now) {
  size_t moved = 0;
  // A clock-reading `exit when` that turned true at `now` goes before the timers due then.
  if (!clockExits_.empty() && clockExits_.next() == now) {
    clockExits_.take(due_);
    for (uint32_t r : due_) {
      if (states_[r].status != Status::Active) continue;
      auto exit = exitCondition(r, now);
      if (!exit || *exit) ++moved;
      if (exit && *exit) finish(r, Status::Exited, Reason::ExitWhen, now);
    }
  }
  if (timers_.empty() || timers_.next() != now) return moved;
  timers_.take(due_);
  // A bucket's records are scattered (with per-record zones, each zone's openings are
  // their own instants): fetch states ahead, most entries are only looked at.
  for (size_t i = 0; i < due_.size(); ++i) {
    if (i + kPrefetchAhead < due_.size()) {
      uint32_t ahead = due_[i + kPrefetchAhead];
      __builtin_prefetch(&states_[ahead]);
      if (seq_.slots) __builtin_prefetch(&slots_[static_cast<size_t>(ahead) * seq_.slots]);
    }
    uint32_t r = due_[i];
    RecordState& st = states_[r];
    if (st.due != now) continue;  // the record moved on since the timer was set
    if (st.waiting == Waiting::Connect && st.status == Status::Disconnected) {
      ++moved;
      connect(r, now);
    } else if (st.status != Status::Active) {
      continue;
    } else if (st.waiting == Waiting::Timer) {
      ++moved;
      leaveStep(r, st.step, Result::Waited, now);
      resume(r, now);
    } else if (st.waiting == Waiting::Held) {
      ++moved;
      uint16_t s = st.step;
      leaveStep(r, s, Result::Sent, now);
      if (listener_) listener_->stepDone(r, s, now);
      resume(r, now);
    } else if (st.waiting == Waiting::Condition) {
      ++moved;
      uint32_t elseTarget = bc::readU32(code_ + st.pc + 3);
      leaveStep(r, st.step, Result::TimedOut, now);
      execute(r, elseTarget, now);
    }
  }
  return moved;
}

Refusal Interpreter::complete(uint32_t r, std::optional<CallOutcome> outcome, int32_t now) {
  RecordState& st = states_[r];
  if (st.status != Status::Active) return Refusal::NotActive;
  if (st.waiting != Waiting::Manual) return Refusal::NoManualStep;
  uint16_t s = st.step;
  if (step(s).activity != ActivityKind::Call) outcome.reset();
  leaveStep(r, s, outcome ? resultOf(*outcome) : Result::Completed, now);
  if (listener_) listener_->stepDone(r, s, now);
  resume(r, now);
  return Refusal::None;
}

Refusal Interpreter::skip(uint32_t r, int32_t now) {
  RecordState& st = states_[r];
  if (st.status != Status::Active) return Refusal::NotActive;
  if (st.waiting != Waiting::Manual && st.waiting != Waiting::Timer && st.waiting != Waiting::Held)
    return Refusal::NothingToSkip;
  leaveStep(r, st.step, Result::Skipped, now);
  resume(r, now);
  return Refusal::None;
}

Refusal Interpreter::engage(uint32_t r, uint16_t local, EngagementEvent ev, int32_t now) {
  RecordState& st = states_[r];
  // A metric counts the event even after the record finished (its window may be open).
  if (seq_.experimentCount > 0 && step(local).kind == bc::StepKind::Activity &&
      acceptsEvent(step(local).activity, ev) && (bits(r, step(local)) & kDone))
    eventForMetric(r, local, ev, now);
  if (st.status != Status::Active) return Refusal::NotActive;
  const bc::Step& s = step(local);
  if (s.kind != bc::StepKind::Activity) return Refusal::NotAnActivity;
  if (!acceptsEvent(s.activity, ev)) return Refusal::WrongKind;
  uint8_t& b = bits(r, s);
  if (!(b & kDone)) return Refusal::NotSent;
  b |= static_cast<uint8_t>(1u << static_cast<int>(ev));
  // `exit on reply` wins over a condition the same reply would decide.
  if (ev == EngagementEvent::Replied && seq_.exitOnReply &&
      (s.activity == ActivityKind::Email || s.activity == ActivityKind::AutoEmail)) {
    finish(r, Status::Exited, Reason::Reply, now);
    return Refusal::None;
  }
  if (st.waiting != Waiting::Condition) return Refusal::None;
  Result why = Result::TimedOut;
  if (decide(r, step(st.step), why) != 1) return Refusal::None;
  leaveStep(r, st.step, resultOf(ev), now);
  st.pc += static_cast<uint32_t>(bc::instructionSize(bc::Opcode::Await));
  resume(r, now);
  return Refusal::None;
}

Refusal Interpreter::update(uint32_t r, std::span<const std::pair<uint16_t, Value>> values, int32_t now,
                            std::string_view context) {
  if (states_[r].status != Status::Active) return Refusal::NotActive;
  if (std::string error; !storeFields(r, values, error)) {
    finish(r, Status::Error, Reason::Error, now);
    errors_.push_back(fmt::format("{}: {}", context, error));
    states_[r].error = static_cast<uint32_t>(errors_.size() - 1);
    return Refusal::None;
  }
  if (seq_.experimentCount > 0) fieldsForMetric(r, now);
  auto exit = exitCondition(r, now);
  if (exit && *exit) finish(r, Status::Exited, Reason::ExitWhen, now);
  else if (watchUntil_ && states_[r].status == Status::Active) scheduleClockExit(r, now);
  return Refusal::None;
}

bool Interpreter::storeFields(uint32_t r, std::span<const std::pair<uint16_t, Value>> values, std::string& error) {
  Value* fields = fields_.data() + static_cast<size_t>(r) * width_;
  fieldsChanged(r);
  try {
    for (const auto& [f, value] : values) {
      const bc::Field& field = module_.fields[f];
      Value v = coerce(field, value, module_.str(field.name));
      fields[f] = v.tag == Tag::String ? Value::string(arena_.store(v.str())) : v;
    }
  } catch (const Fault& f) {
    error = f.message;
    return false;
  }
  return true;
}

void Interpreter::disconnect(uint32_t r, int32_t now) { finish(r, Status::Disconnected, Reason::None, now); }

std::optional<bool> Interpreter::exitCondition(uint32_t r, int32_t now) {
  if (seq_.exitBegin == seq_.exitEnd) return false;
  // The exit block ends in `exit_test`, which stores the verdict in `reason`.
  RecordState& st = states_[r];
  Reason saved = st.reason;
  st.reason = Reason::None;
  execute(r, seq_.exitBegin, now);
  if (st.status == Status::Error) return std::nullopt;
  bool verdict = st.reason == Reason::ExitWhen;
  st.reason = saved;
  return verdict;
}

void Interpreter::execute(uint32_t r, uint32_t pc, int32_t now) {
  RecordState& st = states_[r];
  // One operand stack for all: nested runs (`exit when` after `set`) start only at
  // statement boundaries, where the verifier guarantees the stack is empty.
  // The `time zone` block runs in the middle of an expression (today()): the upper half.
  Value* stack = stack_.data() + (inZoneBlock_ ? bc::kMaxStack : 0);
  size_t sp = 0;
  const bool inExitBlock = pc >= seq_.exitBegin && pc < seq_.exitEnd && seq_.exitBegin != seq_.exitEnd;
  Value* vars = vars_.data() + static_cast<size_t>(r) * seq_.vars;
  Value* fields = fields_.data() + static_cast<size_t>(r) * width_;
  uint32_t at = pc;
  try {
    for (;;) {
      at = pc;
      const uint8_t* ip = code_ + pc;
      auto op = static_cast<Opcode>(ip[0]);
      pc += static_cast<uint32_t>(bc::instructionSize(op));
      switch (op) {
        case Opcode::Const:
          stack[sp++] = constants_[bc::readU16(ip + 1)];
          break;
        case Opcode::Null: stack[sp++] = Value::null(); break;
        case Opcode::True: stack[sp++] = Value::boolean(true); break;
        case Opcode::False: stack[sp++] = Value::boolean(false); break;
        case Opcode::LoadField: stack[sp++] = fields[bc::readU16(ip + 1)]; break;
        case Opcode::LoadVar: stack[sp++] = vars[bc::readU16(ip + 1)]; break;
        case Opcode::StoreVar: vars[bc::readU16(ip + 1)] = stack[--sp]; break;
        case Opcode::Pop: --sp; break;
        case Opcode::Neg: {
          Value& v = stack[sp - 1];
          if (v.isNull()) break;
          if (v.tag == Tag::Decimal) v.d = -v.d;
          else if (v.tag == Tag::Money) v = moneyValue(money::negate(v.i));
          else if (v.tag != Tag::Int && v.tag != Tag::Duration)
            throw Fault{fmt::format("cannot negate {}", tagName(v.tag))};
          else if (v.i == std::numeric_limits<int64_t>::min())
            throw Fault{v.tag == Tag::Int ? "integer overflow" : "duration overflow"};
          else v.i = -v.i;
          break;
        }
        case Opcode::Not: stack[sp - 1] = Value::boolean(!truthy(stack[sp - 1])); break;
        case Opcode::Add: case Opcode::Sub: case Opcode::Mul: case Opcode::Div: case Opcode::Mod:
          --sp;
          stack[sp - 1] = arith(op, stack[sp - 1], stack[sp], arena_);
          break;
        case Opcode::Eq: case Opcode::Ne: {
          --sp;
          bool eq = equal(stack[sp - 1], stack[sp]);
          stack[sp - 1] = Value::boolean(op == Opcode::Eq ? eq : !eq);
          break;
        }
        case Opcode::Lt: case Opcode::Le: case Opcode::Gt: case Opcode::Ge: {
          --sp;
          const Value &a = stack[sp - 1], &b = stack[sp];
          bool result = false;
          if (!a.isNull() && !b.isNull()) {
            auto c = compare(a, b);
            if (!c) throw typeFault(bc::info(op).mnemonic, a, b);
            result = op == Opcode::Lt ? *c < 0 : op == Opcode::Le ? *c <= 0
                   : op == Opcode::Gt ? *c > 0 : *c >= 0;
          }
          stack[sp - 1] = Value::boolean(result);
          break;
        }
        case Opcode::In: {
          uint16_t n = bc::readU16(ip + 1);
          sp -= n;
          const Value& lhs = stack[sp - 1];
          bool found = false;
          if (!lhs.isNull())
            for (uint16_t i = 0; i < n && !found; ++i) found = equal(lhs, stack[sp + i]);
          stack[sp - 1] = Value::boolean(found);
          break;
        }
        case Opcode::Call: {
          auto fn = static_cast<bc::Builtin>(ip[1]);
          int64_t nowAbs = options_.start + now;
          auto floorDiv = [](int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); };
          switch (fn) {
            case bc::Builtin::Now: stack[sp++] = checkedDateTime(nowAbs); break;
            case bc::Builtin::Today:
              checkedDateTime(nowAbs);
              // With a calendar: the local date in the record's zone (CALENDARS.md §4).
              stack[sp++] = Value::date(hasCalendar() ? localToday(r, nowAbs) : floorDiv(nowAbs, kSecondsPerDay));
              break;
            case bc::Builtin::DaysSince: {
              Value& v = stack[sp - 1];
              if (v.isNull()) break;
              if (v.tag != Tag::Date && v.tag != Tag::DateTime)
                throw Fault{fmt::format("days_since of {}", tagName(v.tag))};
              if (hasCalendar()) {  // local dates apart; a date is already local
                int64_t today = localToday(r, nowAbs);
                int64_t then = v.tag == Tag::Date ? v.i : localToday(r, v.i);
                v = Value::integer(today - then);
              } else {
                v = Value::integer(floorDiv(nowAbs - instant(v), kSecondsPerDay));
              }
              break;
            }
            case bc::Builtin::Len: case bc::Builtin::Lower: case bc::Builtin::Upper: {
              Value& v = stack[sp - 1];
              if (v.isNull()) break;
              if (v.tag != Tag::String)
                throw Fault{fmt::format("{} of {}", bc::kBuiltinInfo[ip[1]].name, tagName(v.tag))};
              if (fn == bc::Builtin::Len) {
                v = Value::integer(static_cast<int64_t>(utf8::countCodePoints(v.str())));
              } else {
                // ASCII case mapping: the same result on every machine and locale.
                std::string s(v.str());
                for (char& c : s)
                  if (fn == bc::Builtin::Lower ? (c >= 'A' && c <= 'Z') : (c >= 'a' && c <= 'z'))
                    c = static_cast<char>(c ^ 0x20);
                v = Value::string(arena_.store(s));
              }
              break;
            }
            case bc::Builtin::Contains: {
              --sp;
              const Value &a = stack[sp - 1], &b = stack[sp];
              bool found = a.tag == Tag::String && b.tag == Tag::String &&
                           a.str().find(b.str()) != std::string_view::npos;
              stack[sp - 1] = Value::boolean(found);
              break;
            }
          }
          break;
        }
        case Opcode::Outcome: {
          const bc::Step& s = step(bc::readU16(ip + 1));
          uint8_t b = slots_[static_cast<size_t>(r) * seq_.slots + s.slot];
          uint8_t outcome = b & kOutcomeBits;
          stack[sp++] = Value::boolean(outcome != 0 && ((ip[3] >> (outcome - 1)) & 1));
          break;
        }
        case Opcode::Jump: pc = bc::readU32(ip + 1); break;
        case Opcode::JumpIfFalse:
          if (!truthy(stack[--sp])) pc = bc::readU32(ip + 1);
          break;
        case Opcode::Branch: ++branchCounts_[bc::readU16(ip + 1)]; break;
        case Opcode::SetField: {
          uint16_t f = bc::readU16(ip + 1);
          const bc::Field& field = module_.fields[f];
          fields[f] = coerce(field, stack[--sp], module_.str(field.name));
          fieldsChanged(r);
          if (listener_) listener_->fieldSet(r, f, now);
          if (seq_.experimentCount > 0) fieldsForMetric(r, now);
          auto exit = exitCondition(r, now);
          if (!exit) return;
          if (*exit) return finish(r, Status::Exited, Reason::ExitWhen, now);
          if (watchUntil_) scheduleClockExit(r, now);
          break;
        }
        case Opcode::Activity: {
          uint16_t local = bc::readU16(ip + 1);
          const bc::Step& s = step(local);
          ++stepsExecuted_;
          ++stepCounts_[local].reached;
          if (info(s.activity).automated) {
            if (hasCalendar()) {
              // Held until the next opening in the record's zone (CALENDARS.md §4).
              const cal::Calendar& c = calendarFor(r, now);
              int64_t t = options_.start + now;
              auto open = c.nextOpening(t);  // t itself when open: one search, not two
              if (!open)
                throw Fault{fmt::format("calendar \"{}\" has no working time within {} days of {} in {}",
                                        c.spec().name, cal::kSearchDays, formatDateTime(t), c.zone().name())};
              if (*open != t) {
                st.pc = pc;
                st.step = local;
                st.entered = now;
                st.due = relative(*open);
                st.waiting = Waiting::Held;
                ++st.generation;
                setTimer(r, st.due);
                return;
              }
            }
            leaveStep(r, local, Result::Sent, now);
            if (listener_) listener_->stepDone(r, local, now);
            break;
          }
          st.pc = pc;
          st.step = local;
          st.entered = now;
          // `due`: when the activity is due (CALENDARS.md §3), fixed as it becomes current.
          if (s.seconds > 0) st.due = durationEnd(r, s, now, true);
          st.waiting = Waiting::Manual;
          ++st.generation;
          if (listener_) listener_->manualStep(r, local, now);
          return;
        }
        case Opcode::Wait: {
          uint16_t local = bc::readU16(ip + 1);
          ++stepsExecuted_;
          ++stepCounts_[local].reached;
          st.pc = pc;
          st.step = local;
          st.entered = now;
          st.due = durationEnd(r, step(local), now, false);
          st.waiting = Waiting::Timer;
          ++st.generation;
          setTimer(r, st.due);
          return;
        }
        case Opcode::Await: {
          uint16_t local = bc::readU16(ip + 1);
          const bc::Step& s = step(local);
          ++stepsExecuted_;
          ++stepCounts_[local].reached;
          Result why = Result::TimedOut;
          int verdict = decide(r, s, why);
          if (verdict != 0) {
            st.step = local;
            leaveStep(r, local, why, now);
            if (verdict == 2) pc = bc::readU32(ip + 3);
            break;
          }
          st.pc = at;
          st.step = local;
          st.entered = now;
          st.due = durationEnd(r, s, now, true);
          st.waiting = Waiting::Condition;
          ++st.generation;
          setTimer(r, st.due);
          return;
        }
        case Opcode::End: return finish(r, Status::Completed, Reason::None, now);
        case Opcode::Advance: {
          // Keep the target's name: the workspace connects the record to it.
          uint16_t k = bc::readU16(ip + 1);
          if (advanceMessages_.size() <= k) advanceMessages_.resize(k + 1u, 0);
          if (advanceMessages_[k] == 0) {
            const Value& target = constants_[k];
            errors_.emplace_back(target.tag == Tag::String ? target.str() : std::string_view());
            advanceMessages_[k] = static_cast<uint32_t>(errors_.size() - 1);
          }
          finish(r, Status::Advanced, Reason::None, now);
          st.error = advanceMessages_[k];
          return;
        }
        case Opcode::ExitTest:
          if (!inExitBlock) throw Fault{"exit_test outside the exit block"};
          st.reason = truthy(stack[--sp]) ? Reason::ExitWhen : Reason::None;
          return;
        case Opcode::ZoneResult:  // evalZone() reads it
          zoneResult_ = stack[--sp];
          return;
        case Opcode::Experiment:
          pc = enterExperiment(r, bc::readU16(ip + 1), now);
          if (st.status != Status::Active) return;
          break;
        case Opcode::MetricResult:  // metricHolds() reads it
          metricResult_ = truthy(stack[--sp]);
          return;
      }
    }
  } catch (const Fault& f) {
    if (inZoneBlock_ && at >= seq_.zoneBegin && at < seq_.zoneEnd) {
      zoneResult_ = Value::null();  // the record names no zone (CALENDARS.md §2)
      return;
    }
    fail(r, at, f.message, now);
  }
}

// ---- experiments (docs/language.md, "Experiments") ------------------------------------

uint8_t Interpreter::bucketVariant(uint32_t r, uint16_t k) {
  const bc::Experiment& x = experiment(k);
  std::string_view id = listener_ ? listener_->recordId(r) : std::string_view();
  std::string index;
  if (id.empty()) id = index = std::to_string(r);
  uint32_t bucket = bc::experimentBucket(id, module_.str(seq_.name), module_.str(x.name));
  return static_cast<uint8_t>(bc::variantOfBucket(x, bucket));
}

uint32_t Interpreter::enterExperiment(uint32_t r, uint16_t k, int32_t now) {
  const bc::Experiment& x = experiment(k);
  uint8_t v = kNoVariant;
  if (listener_)
    if (auto stored = listener_->storedVariant(r, module_.str(x.name)))
      for (size_t i = 0; i < x.variants.size(); ++i)
        if (module_.str(x.variants[i].name) == *stored) v = static_cast<uint8_t>(i);
  if (v == kNoVariant) v = bucketVariant(r, k);  // first time, or the version lost the name
  runs_[static_cast<size_t>(r) * seq_.experimentCount + k] = {now, v, false};
  record(r, k, Result::Experiment, now, v);
  ++variantCounts_[static_cast<size_t>(k) * bc::kMaxVariants + v].entered;
  if (listener_) listener_->experimentEntered(r, k, v, now);
  if (x.metric == bc::MetricKind::Field && metricHolds(r, x, now)) convert(r, k, now);
  return x.variants[v].target;
}

void Interpreter::restoreExperiment(uint32_t r, uint16_t k, const ExperimentRun& run) {
  if (k >= seq_.experimentCount) return;
  ExperimentRun& out = runs_[static_cast<size_t>(r) * seq_.experimentCount + k];
  out = run;
  if (out.variant >= experiment(k).variants.size()) out.variant = kNoVariant;
}

bool Interpreter::metricHolds(uint32_t r, const bc::Experiment& x, int32_t now) {
  RecordState saved = states_[r];
  metricResult_ = false;
  execute(r, x.metricBegin, now);
  bool verdict = metricResult_ && states_[r].status == saved.status;
  states_[r] = saved;  // a failure is not the record's: the metric is just not reached
  return verdict;
}

void Interpreter::convert(uint32_t r, uint16_t k, int32_t now) {
  ExperimentRun& run = runs_[static_cast<size_t>(r) * seq_.experimentCount + k];
  run.converted = true;
  record(r, k, Result::Converted, now, run.variant);
  ++variantCounts_[static_cast<size_t>(k) * bc::kMaxVariants + run.variant].converted;
}

void Interpreter::modelConversion(uint32_t r, uint16_t k, int32_t now) {
  if (k >= seq_.experimentCount) return;
  const ExperimentRun& run = runs_[static_cast<size_t>(r) * seq_.experimentCount + k];
  if (run.variant != kNoVariant && !run.converted && int64_t{now} - run.start <= experiment(k).within)
    convert(r, k, now);
}

void Interpreter::eventForMetric(uint32_t r, uint16_t step, EngagementEvent event, int32_t now) {
  for (uint16_t k = 0; k < seq_.experimentCount; ++k) {
    const ExperimentRun& run = runs_[static_cast<size_t>(r) * seq_.experimentCount + k];
    const bc::Experiment& x = experiment(k);
    if (run.variant == kNoVariant || run.converted || x.metric != bc::MetricKind::Event || x.event != event)
      continue;
    const bc::Variant& v = x.variants[run.variant];
    if (step >= v.stepBegin && step < v.stepEnd && int64_t{now} - run.start <= x.within) convert(r, k, now);
  }
}

void Interpreter::fieldsForMetric(uint32_t r, int32_t now) {
  for (uint16_t k = 0; k < seq_.experimentCount; ++k) {
    const ExperimentRun& run = runs_[static_cast<size_t>(r) * seq_.experimentCount + k];
    const bc::Experiment& x = experiment(k);
    if (run.variant == kNoVariant || run.converted || x.metric != bc::MetricKind::Field ||
        int64_t{now} - run.start > x.within)
      continue;
    if (metricHolds(r, x, now)) convert(r, k, now);
  }
}

// ---- refusals -------------------------------------------------------------------------

std::string refusalText(Refusal why, const Interpreter& in, uint32_t r, std::string_view record,
                        std::string_view action, std::string_view label) {
  const RecordState& st = in.state(r);
  switch (why) {
    case Refusal::None: break;
    case Refusal::NotActive:
      return fmt::format("{}: record '{}' is {}", action, record, kStatusNames[static_cast<size_t>(st.status)]);
    case Refusal::NoManualStep:
      return fmt::format("{}: record '{}' has no current activity step to complete", action, record);
    case Refusal::NothingToSkip:
      return fmt::format("{}: record '{}' has no current activity step or wait to skip", action, record);
    case Refusal::NotAnActivity:
      return fmt::format("{}: step '{}' is not an activity step, which cannot be {}", action, label, action);
    case Refusal::WrongKind: {
      std::string kind = "?";
      if (auto s = in.stepByLabel(label)) kind = std::string(info(in.step(*s).activity).name);
      return fmt::format("{}: step '{}' is a {} step, which cannot be {}", action, label, kind, action);
    }
    case Refusal::NotSent: {
      auto s = in.stepByLabel(label);
      return fmt::format("{}: record '{}' has not been sent step '{}'{}", action, record, label,
                         s && in.skipped(r, *s) ? " (it was skipped)" : "");
    }
  }
  return {};
}

}  // namespace seqc::rt
