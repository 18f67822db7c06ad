// The interpreter core: runs a record's code from its resume point until it must wait
// (LANGUAGE.md §6). The module is verified, so operands and stack depths are trusted;
// operand *types* are still checked, and a mismatch fails the record, not the process.
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "seqc/runtime/simulator.h"
#include "seqc/runtime/time.h"

namespace seqc::rt {

using bc::Opcode;

namespace {

constexpr uint8_t kEventBits = 0x0F;
constexpr uint8_t kDone = 0x10;     // sent or completed
constexpr uint8_t kSkipped = 0x20;  // skipped by the seller
constexpr uint8_t kOutcomeBits = 0x07;  // call steps: outcome + 1

// Why an operation failed: becomes the record's error message.
struct Fault {
  std::string message;
};

bool isNumeric(Tag t) { return t == Tag::Int || t == Tag::Decimal || t == Tag::Money; }

double asDouble(const Value& v) {
  switch (v.tag) {
    case Tag::Int: return static_cast<double>(v.i);
    case Tag::Money: return static_cast<double>(v.i) / kMoneyScale;
    default: return v.d;
  }
}

// Money from any numeric value (exact for int and money).
bool asMoney(const Value& v, int64_t& out) {
  switch (v.tag) {
    case Tag::Money: out = v.i; return true;
    case Tag::Int: return !__builtin_mul_overflow(v.i, kMoneyScale, &out);
    case Tag::Decimal: {
      double scaled = std::round(v.d * kMoneyScale);
      if (!(std::fabs(scaled) < 9.2e18)) return false;
      out = static_cast<int64_t>(scaled);
      return true;
    }
    default: return false;
  }
}

std::string_view tagName(Tag t) {
  static constexpr std::array<std::string_view, 9> names = {
      "null", "bool", "int", "decimal", "money", "string", "date", "datetime", "duration"};
  return names[static_cast<size_t>(t)];
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
    bool money = a.tag == Tag::Money || b.tag == Tag::Money;
    if (money && (op == Opcode::Add || op == Opcode::Sub)) {
      int64_t x = 0, y = 0, r = 0;
      if (!asMoney(a, x) || !asMoney(b, y)) throw Fault{"money overflow"};
      bool overflow = op == Opcode::Add ? __builtin_add_overflow(x, y, &r)
                                        : __builtin_sub_overflow(x, y, &r);
      if (overflow) throw Fault{"money overflow"};
      return Value::money(r);
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
    if (money) {
      int64_t m = 0;
      if (!asMoney(Value::decimal(r), m)) throw Fault{"money overflow"};
      return Value::money(m);
    }
    return Value::decimal(r);
  }
  // Temporal arithmetic: datetime ± duration, datetime − datetime, duration ± duration.
  int64_t r = 0;
  bool aTime = a.tag == Tag::DateTime || a.tag == Tag::Date;
  bool bTime = b.tag == Tag::DateTime || b.tag == Tag::Date;
  if (aTime && b.tag == Tag::Duration && (op == Opcode::Add || op == Opcode::Sub)) {
    bool overflow = op == Opcode::Add ? __builtin_add_overflow(instant(a), b.i, &r)
                                      : __builtin_sub_overflow(instant(a), b.i, &r);
    if (overflow) throw Fault{"datetime overflow"};
    return Value::datetime(r);
  }
  if (a.tag == Tag::Duration && bTime && op == Opcode::Add) {
    if (__builtin_add_overflow(a.i, instant(b), &r)) throw Fault{"datetime overflow"};
    return Value::datetime(r);
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
    int64_t x = 0, y = 0;
    if (a.tag != Tag::Decimal && b.tag != Tag::Decimal && asMoney(a, x) && asMoney(b, y))
      return cmp(x, y);
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

size_t codePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

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
      int64_t m = 0;
      if (!isNumeric(v.tag)) break;
      if (!asMoney(v, m)) throw Fault{fmt::format("value too large for field '{}'", fieldName)};
      return Value::money(m);
    }
    case VT::String: case VT::Id: case VT::Lookup:
      if (v.tag == Tag::String) {
        size_t n = codePoints(v.str());
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

void Simulator::loadConstants() {
  constants_.reserve(module_.constants.size());
  for (const bc::Constant& c : module_.constants) constants_.push_back(constant(module_, c));
}

void Simulator::record(uint32_t r, uint16_t step, Result result, int32_t now) {
  if (options_.history) history_.push_back({r, now, step, result});
}

void Simulator::fail(uint32_t r, uint32_t pc, std::string message, int32_t now) {
  RecordState& st = states_[r];
  st.entered = now;
  errors_.push_back(fmt::format("line {}: {}", module_.lineAt(pc), message));
  st.error = static_cast<uint32_t>(errors_.size() - 1);
  st.status = Status::Error;
  st.reason = Reason::Error;
  st.waiting = Waiting::Nothing;
  st.step = 0xFFFF;
  ++st.generation;
}

void Simulator::finish(uint32_t r, Status status, Reason reason, int32_t now) {
  RecordState& st = states_[r];
  st.entered = now;  // once the record is done: when it ended
  st.status = status;
  st.reason = reason;
  st.waiting = Waiting::Nothing;
  st.step = 0xFFFF;
  ++st.generation;
  if (status == Status::Completed) {
    size_t days = static_cast<size_t>((now - st.connected) / kSecondsPerDay);
    if (daysToCompletion_.size() <= days) daysToCompletion_.resize(days + 1);
    ++daysToCompletion_[days];
  }
}

// The record leaves its current step with `result` (history, funnel, progress).
void Simulator::leaveStep(uint32_t r, uint16_t step, Result result, int32_t now) {
  const bc::Step& s = this->step(step);
  RecordState& st = states_[r];
  record(r, step, result, now);
  bool skipped = result == Result::Skipped || result == Result::TimedOut;
  (skipped ? stepCounts_[step].skipped : stepCounts_[step].done)++;
  if (s.kind == bc::StepKind::Activity) {
    ++st.progress;
    if (s.slot != bc::kNoSlot) {
      uint8_t& bits = slots_[static_cast<size_t>(r) * seq_.slots + s.slot];
      if (result == Result::Skipped) {
        bits |= kSkipped;
      } else {
        bits |= kDone;
        if (result >= Result::Answered && result <= Result::WrongNumber)
          bits = static_cast<uint8_t>((bits & ~kOutcomeBits) |
                                      (static_cast<int>(result) - static_cast<int>(Result::Answered) + 1));
      }
    }
  }
  st.step = 0xFFFF;
  st.waiting = Waiting::Nothing;
  ++st.generation;
}

int Simulator::decide(uint32_t r, const bc::Step& s, Result& why) const {
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
      Result res = static_cast<Result>(static_cast<int>(Result::Opened) + __builtin_ctz(hit));
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

void Simulator::sent(uint32_t r, uint16_t step, int32_t now) {
  leaveStep(r, step, Result::Sent, now);
  if (options_.model) planEngagement(r, step, now);
}

void Simulator::connect(uint32_t r, int32_t now) {
  RecordState& st = states_[r];
  uint32_t generation = st.generation + 1;
  st = RecordState{};
  st.generation = generation;
  st.connected = now;
  st.entered = now;
  std::fill_n(slots_.begin() + static_cast<ptrdiff_t>(r) * seq_.slots, seq_.slots, 0);
  std::fill_n(vars_.begin() + static_cast<ptrdiff_t>(r) * seq_.vars, seq_.vars, Value::null());
  auto exit = exitWhen(r, now);
  if (!exit) return;
  if (*exit) return finish(r, Status::Exited, Reason::ExitWhen, now);
  execute(r, seq_.codeBegin, now);
}

std::optional<bool> Simulator::exitWhen(uint32_t r, int32_t now) {
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

void Simulator::updateFields(uint32_t r, const Event& e, int32_t now) {
  Value* fields = fields_.data() + static_cast<size_t>(r) * width_;
  try {
    for (const auto& [fieldName, value] : e.fields) {
      auto it = fieldByName_.find(fieldName);
      if (it == fieldByName_.end()) continue;  // a field the code never reads
      fields[it->second] = coerce(module_.fields[it->second], value, fieldName);
    }
  } catch (const Fault& f) {
    errors_.push_back(fmt::format("update at {}:{}: {}", eventsFile_, e.line, f.message));
    finish(r, Status::Error, Reason::Error, now);
    states_[r].error = static_cast<uint32_t>(errors_.size() - 1);
    return;
  }
  auto exit = exitWhen(r, now);
  if (exit && *exit) finish(r, Status::Exited, Reason::ExitWhen, now);
}

void Simulator::resume(uint32_t r, int32_t now) { execute(r, states_[r].pc, now); }

void Simulator::execute(uint32_t r, uint32_t pc, int32_t now) {
  RecordState& st = states_[r];
  // One operand stack for all: nested runs (`exit when` after `set`) start only at
  // statement boundaries, where the verifier guarantees the stack is empty.
  Value* stack = stack_.data();
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
          else if ((v.tag == Tag::Int || v.tag == Tag::Money || v.tag == Tag::Duration) &&
                   v.i != std::numeric_limits<int64_t>::min())
            v.i = -v.i;
          else throw Fault{fmt::format("cannot negate {}", tagName(v.tag))};
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
            case bc::Builtin::Now: stack[sp++] = Value::datetime(nowAbs); break;
            case bc::Builtin::Today: stack[sp++] = Value::date(floorDiv(nowAbs, kSecondsPerDay)); break;
            case bc::Builtin::DaysSince: {
              Value& v = stack[sp - 1];
              if (v.isNull()) break;
              if (v.tag != Tag::Date && v.tag != Tag::DateTime)
                throw Fault{fmt::format("days_since of {}", tagName(v.tag))};
              v = Value::integer(floorDiv(nowAbs - instant(v), kSecondsPerDay));
              break;
            }
            case bc::Builtin::Len: case bc::Builtin::Lower: case bc::Builtin::Upper: {
              Value& v = stack[sp - 1];
              if (v.isNull()) break;
              if (v.tag != Tag::String)
                throw Fault{fmt::format("{} of {}", bc::kBuiltinInfo[ip[1]].name, tagName(v.tag))};
              if (fn == bc::Builtin::Len) {
                v = Value::integer(static_cast<int64_t>(codePoints(v.str())));
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
          auto exit = exitWhen(r, now);
          if (!exit) return;
          if (*exit) return finish(r, Status::Exited, Reason::ExitWhen, now);
          break;
        }
        case Opcode::Activity: {
          uint16_t local = bc::readU16(ip + 1);
          const bc::Step& s = step(local);
          ++stepsExecuted_;
          ++stepCounts_[local].reached;
          if (info(s.activity).automated) {
            sent(r, local, now);
            break;
          }
          st.pc = pc;
          st.step = local;
          st.entered = now;
          st.waiting = Waiting::Manual;
          ++st.generation;
          if (options_.model) planManual(r, local, now);
          return;
        }
        case Opcode::Wait: {
          uint16_t local = bc::readU16(ip + 1);
          ++stepsExecuted_;
          ++stepCounts_[local].reached;
          st.pc = pc;
          st.step = local;
          st.entered = now;
          st.due = now + static_cast<int32_t>(step(local).seconds);
          st.waiting = Waiting::Timer;
          ++st.generation;
          timers_.push(st.due, r);
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
          st.due = now + static_cast<int32_t>(s.seconds);
          st.waiting = Waiting::Condition;
          ++st.generation;
          timers_.push(st.due, r);
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
      }
    }
  } catch (const Fault& f) {
    fail(r, at, f.message, now);
  }
}

}  // namespace seqc::rt
