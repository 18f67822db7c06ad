// The tree-walking baseline of bench_simulate (see tree_walk.h). The timing rules and
// the model follow runtime/interp/src/interpreter.cc and runtime/sim/src/simulator.cc; the model's decisions
// are the runtime's own (rt::planManual, rt::planEngagements), so both engines see the
// same behaviour.
#include "bench/tree_walk.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <limits>
#include <optional>

#include <fmt/format.h>
#include <llvm/Support/Casting.h>

#include "seqc/support/time.h"
#include "seqc/support/utf8.h"

namespace seqc::bench {

using llvm::cast;
using llvm::dyn_cast;
using rt::Result;
using rt::Tag;

namespace {

struct Fault {
  std::string message;
};

// ---- values -------------------------------------------------------------------------

TwValue make(Tag t, int64_t i) {
  TwValue v;
  v.tag = t;
  v.i = i;
  return v;
}
TwValue boolean(bool b) {
  TwValue v;
  v.tag = Tag::Bool;
  v.b = b;
  return v;
}
TwValue decimal(double d) {
  TwValue v;
  v.tag = Tag::Decimal;
  v.d = d;
  return v;
}
TwValue string(std::string s) {
  TwValue v;
  v.tag = Tag::String;
  v.s = std::move(s);
  return v;
}

bool truthy(const TwValue& v) { return v.tag == Tag::Bool && v.b; }
bool isNumeric(Tag t) { return t == Tag::Int || t == Tag::Decimal || t == Tag::Money; }
bool isTime(Tag t) { return t == Tag::Date || t == Tag::DateTime; }
int64_t instant(const TwValue& v) { return v.tag == Tag::Date ? v.i * seqc::kSecondsPerDay : v.i; }

double asDouble(const TwValue& v) {
  switch (v.tag) {
    case Tag::Int: return static_cast<double>(v.i);
    case Tag::Money: return static_cast<double>(v.i) / rt::kMoneyScale;
    default: return v.d;
  }
}

bool asMoney(const TwValue& v, int64_t& out) {
  switch (v.tag) {
    case Tag::Money: out = v.i; return true;
    case Tag::Int: return !__builtin_mul_overflow(v.i, rt::kMoneyScale, &out);
    case Tag::Decimal: {
      double scaled = std::round(v.d * rt::kMoneyScale);
      if (!(std::fabs(scaled) < 9.2e18)) return false;
      out = static_cast<int64_t>(scaled);
      return true;
    }
    default: return false;
  }
}

const char* tagName(Tag t) {
  static constexpr const char* names[] = {"null", "bool", "int", "decimal", "money",
                                          "string", "date", "datetime", "duration"};
  return names[static_cast<size_t>(t)];
}

std::optional<int> compare(const TwValue& a, const TwValue& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  if (a.tag == b.tag) {
    switch (a.tag) {
      case Tag::Bool: return cmp(a.b, b.b);
      case Tag::Int: case Tag::Money: case Tag::Date: case Tag::DateTime: case Tag::Duration:
        return cmp(a.i, b.i);
      case Tag::Decimal: return cmp(a.d, b.d);
      case Tag::String: {
        int c = a.s.compare(b.s);
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      case Tag::Null: return 0;
    }
  }
  if (isNumeric(a.tag) && isNumeric(b.tag)) {
    int64_t x = 0, y = 0;
    if (a.tag != Tag::Decimal && b.tag != Tag::Decimal && asMoney(a, x) && asMoney(b, y)) return cmp(x, y);
    return cmp(asDouble(a), asDouble(b));
  }
  if (isTime(a.tag) && isTime(b.tag)) return cmp(instant(a), instant(b));
  return std::nullopt;
}

bool equal(const TwValue& a, const TwValue& b) {
  if (a.tag == Tag::Null || b.tag == Tag::Null) return a.tag == b.tag;
  auto c = compare(a, b);
  return c && *c == 0;
}

// A string literal compared with (or stored into) a choice is the option of that label.
void choiceOperand(const Type& other, TwValue& v) {
  if (other.kind != TypeKind::Choice || !other.field || v.tag != Tag::String) return;
  if (const OptionInfo* o = other.field->optionByLabel(v.s)) v = make(Tag::Int, o->value);
}

Fault typeFault(const char* op, const TwValue& a, const TwValue& b) {
  return {fmt::format("cannot apply '{}' to {} and {}", op, tagName(a.tag), tagName(b.tag))};
}

TwValue arith(ast::BinaryOp op, const TwValue& a, const TwValue& b) {
  using B = ast::BinaryOp;
  if (a.tag == Tag::Null || b.tag == Tag::Null) return {};
  const char* sym = ast::spelling(op);
  if (a.tag == Tag::Int && b.tag == Tag::Int) {
    int64_t r = 0;
    switch (op) {
      case B::Add:
        if (__builtin_add_overflow(a.i, b.i, &r)) throw Fault{"integer overflow"};
        return make(Tag::Int, r);
      case B::Sub:
        if (__builtin_sub_overflow(a.i, b.i, &r)) throw Fault{"integer overflow"};
        return make(Tag::Int, r);
      case B::Mul:
        if (__builtin_mul_overflow(a.i, b.i, &r)) throw Fault{"integer overflow"};
        return make(Tag::Int, r);
      case B::Div:
        if (b.i == 0) throw Fault{"division by zero"};
        return decimal(static_cast<double>(a.i) / static_cast<double>(b.i));
      case B::Mod:
        if (b.i == 0) throw Fault{"division by zero"};
        if (a.i == std::numeric_limits<int64_t>::min() && b.i == -1) return make(Tag::Int, 0);
        return make(Tag::Int, a.i % b.i);
      default: break;
    }
  }
  if (isNumeric(a.tag) && isNumeric(b.tag) && op != B::Mod) {
    bool money = a.tag == Tag::Money || b.tag == Tag::Money;
    if (money && (op == B::Add || op == B::Sub)) {
      int64_t x = 0, y = 0, r = 0;
      if (!asMoney(a, x) || !asMoney(b, y)) throw Fault{"money overflow"};
      if (op == B::Add ? __builtin_add_overflow(x, y, &r) : __builtin_sub_overflow(x, y, &r))
        throw Fault{"money overflow"};
      return make(Tag::Money, r);
    }
    double x = asDouble(a), y = asDouble(b), r = 0;
    switch (op) {
      case B::Add: r = x + y; break;
      case B::Sub: r = x - y; break;
      case B::Mul: r = x * y; break;
      case B::Div:
        if (y == 0) throw Fault{"division by zero"};
        r = x / y;
        break;
      default: throw typeFault(sym, a, b);
    }
    if (!std::isfinite(r)) throw Fault{"arithmetic overflow"};
    if (money) {
      int64_t m = 0;
      if (!asMoney(decimal(r), m)) throw Fault{"money overflow"};
      return make(Tag::Money, m);
    }
    return decimal(r);
  }
  if (a.tag == Tag::String && b.tag == Tag::String && op == B::Add) return string(a.s + b.s);
  int64_t r = 0;
  if (isTime(a.tag) && b.tag == Tag::Duration && (op == B::Add || op == B::Sub)) {
    if (op == B::Add ? __builtin_add_overflow(instant(a), b.i, &r) : __builtin_sub_overflow(instant(a), b.i, &r))
      throw Fault{"datetime overflow"};
    return make(Tag::DateTime, r);
  }
  if (a.tag == Tag::Duration && isTime(b.tag) && op == B::Add) {
    if (__builtin_add_overflow(a.i, instant(b), &r)) throw Fault{"datetime overflow"};
    return make(Tag::DateTime, r);
  }
  if (isTime(a.tag) && isTime(b.tag) && op == B::Sub) {
    if (__builtin_sub_overflow(instant(a), instant(b), &r)) throw Fault{"duration overflow"};
    return make(Tag::Duration, r);
  }
  if (a.tag == Tag::Duration && b.tag == Tag::Duration && (op == B::Add || op == B::Sub)) {
    if (op == B::Add ? __builtin_add_overflow(a.i, b.i, &r) : __builtin_sub_overflow(a.i, b.i, &r))
      throw Fault{"duration overflow"};
    return make(Tag::Duration, r);
  }
  throw typeFault(sym, a, b);
}

int64_t floorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Numbers steps in source order as the lowering does (activities, waits, engagement
// conditions), so that random draws keyed by step agree with rt::Simulator.
void number(const ast::Block& block, std::unordered_map<const void*, uint16_t>& out) {
  for (const auto& s : block.stmts) {
    if (dyn_cast<ast::ActivityStmt>(s.get()) || dyn_cast<ast::WaitStmt>(s.get())) {
      out.emplace(s.get(), static_cast<uint16_t>(out.size()));
    } else if (const auto* i = dyn_cast<ast::IfStmt>(s.get())) {
      for (const ast::IfArm& arm : i->arms) {
        if (arm.condition.within) out.emplace(&arm, static_cast<uint16_t>(out.size()));
        number(arm.body, out);
      }
      if (i->elseBlock) number(*i->elseBlock, out);
    }
    if (dyn_cast<ast::EndStmt>(s.get()) || dyn_cast<ast::AdvanceStmt>(s.get())) break;
  }
}

}  // namespace

TreeWalker::TreeWalker(const ast::Sequence& sequence, int64_t start, const rt::Model* model, uint64_t seed,
                       bool history)
    : seq_(sequence), start_(start), model_(model), seed_(seed), history_(history) {
  number(seq_.body, ordinal_);
}

TreeWalker::~TreeWalker() = default;

void TreeWalker::addRecords(const std::vector<std::string>& ids, const std::vector<std::string>& fields,
                            const std::vector<rt::Value>& values) {
  records_.reserve(records_.size() + ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = std::make_unique<Record>();
    r->id = ids[i];
    r->index = static_cast<uint32_t>(records_.size());
    for (size_t f = 0; f < fields.size(); ++f) {
      const rt::Value& in = values[i * fields.size() + f];
      TwValue v;
      v.tag = in.tag;
      switch (in.tag) {
        case Tag::Null: break;
        case Tag::Bool: v.b = in.b; break;
        case Tag::Decimal: v.d = in.d; break;
        case Tag::String: v.s = std::string(in.str()); break;
        default: v.i = in.i; break;
      }
      r->fields.emplace(fields[f], std::move(v));
    }
    records_.push_back(std::move(r));
  }
}

// ---- the run ------------------------------------------------------------------------

void TreeWalker::run() {
  const auto limit = static_cast<int32_t>(std::min<int64_t>(365 * 86400, INT32_MAX / 2));
  for (auto& r : records_) connect(*r, 0);
  end_ = 0;
  std::vector<Record*> due;
  for (;;) {
    int64_t t = INT64_MAX;
    if (!generated_.empty()) t = generated_.top().at;
    if (!timers_.empty()) t = std::min<int64_t>(t, timers_.top().at);
    if (t == INT64_MAX || t > limit) break;
    auto now = static_cast<int32_t>(t);
    // Model events at an instant before the timers due at it.
    while (!generated_.empty() && generated_.top().at == now) {
      Generated g = generated_.top();
      generated_.pop();
      applyGenerated(g, now);
    }
    due.clear();
    while (!timers_.empty() && timers_.top().at == now) {
      due.push_back(timers_.top().record);
      timers_.pop();
    }
    for (Record* rp : due) {
      Record& r = *rp;
      if (r.status != rt::Status::Active || r.due != now) continue;
      if (r.waiting == rt::Waiting::Timer) {
        markEnd(now);
        leaveStep(r, r.current, nullptr, Result::Waited, now);
        walk(r, now);
      } else if (r.waiting == rt::Waiting::Condition) {
        markEnd(now);
        const ast::IfStmt* s = r.waitingIf;
        size_t arm = r.waitingArm;
        leaveStep(r, &s->arms[arm], nullptr, Result::TimedOut, now);
        walk(r, now, s, arm + 1);
      }
    }
  }
}

void TreeWalker::connect(Record& r, int32_t now) {
  r.generation = r.generation + 1;
  r.status = rt::Status::Active;
  r.waiting = rt::Waiting::Nothing;
  r.reason = rt::Reason::None;
  r.current = nullptr;
  r.waitingIf = nullptr;
  r.entered = r.connected = now;
  r.due = 0;
  r.progress = 0;
  r.vars.clear();
  r.steps.clear();
  r.frames.clear();
  bool exit = false;
  if (!exitWhen(r, now, exit)) return;
  if (exit) return finish(r, rt::Status::Exited, rt::Reason::ExitWhen, now);
  r.frames.push_back({&seq_.body, 0});
  walk(r, now);
}

bool TreeWalker::exitWhen(Record& r, int32_t now, bool& exit) {
  exit = false;
  try {
    for (const ast::Setting& s : seq_.settings)
      if (s.kind == ast::SettingKind::ExitWhen && s.condition && s.condition->expr &&
          truthy(eval(*s.condition->expr, r, now))) {
        exit = true;
        break;
      }
  } catch (const Fault& f) {
    fail(r, f.message);
    return false;
  }
  return true;
}

// Runs the record from its continuation (after resuming the `if` resumeIf at arm
// resumeArm, when given) until it must wait or is done.
void TreeWalker::walk(Record& r, int32_t now, const ast::IfStmt* resumeIf, size_t resumeArm) {
  try {
    if (resumeIf && !chooseArm(r, *resumeIf, resumeArm, now)) return;
    for (;;) {
      if (r.frames.empty()) return finish(r, rt::Status::Completed, rt::Reason::None, now);
      Frame& f = r.frames.back();
      if (f.next == f.block->stmts.size()) {
        r.frames.pop_back();
        continue;
      }
      const ast::Stmt* s = f.block->stmts[f.next++].get();
      if (const auto* a = dyn_cast<ast::ActivityStmt>(s)) {
        ++stepsExecuted_;
        ++stepCounts_[a].reached;
        if (info(a->activity).automated) {
          leaveStep(r, a, a, Result::Sent, now);
          if (model_) planEngagement(r, *a, now);
          continue;
        }
        r.current = a;
        r.entered = now;
        r.waiting = rt::Waiting::Manual;
        ++r.generation;
        if (model_) planManual(r, *a, now);
        return;
      }
      if (const auto* w = dyn_cast<ast::WaitStmt>(s)) {
        ++stepsExecuted_;
        ++stepCounts_[w].reached;
        r.current = w;
        r.entered = now;
        r.due = now + static_cast<int32_t>(w->duration.minutes * 60);
        r.waiting = rt::Waiting::Timer;
        ++r.generation;
        pushTimer(r.due, r);
        return;
      }
      if (const auto* i = dyn_cast<ast::IfStmt>(s)) {
        if (!chooseArm(r, *i, 0, now)) return;
        continue;
      }
      if (const auto* set = dyn_cast<ast::SetStmt>(s)) {
        store(r, *set->target->field, eval(*set->value, r, now));
        bool exit = false;
        if (!exitWhen(r, now, exit)) return;
        if (exit) return finish(r, rt::Status::Exited, rt::Reason::ExitWhen, now);
        continue;
      }
      if (const auto* let = dyn_cast<ast::LetStmt>(s)) {
        r.vars[let->name] = eval(*let->value, r, now);
        continue;
      }
      if (const auto* as = dyn_cast<ast::AssignStmt>(s)) {
        TwValue v = eval(*as->value, r, now);
        TypeKind k = as->variable->type.kind;  // an int stored into a decimal or money variable widens
        if (v.tag == Tag::Int && k == TypeKind::Decimal) v = decimal(static_cast<double>(v.i));
        else if (v.tag == Tag::Int && k == TypeKind::Money) v = make(Tag::Money, v.i * rt::kMoneyScale);
        r.vars[as->name] = std::move(v);
        continue;
      }
      if (dyn_cast<ast::EndStmt>(s)) return finish(r, rt::Status::Completed, rt::Reason::None, now);
      if (dyn_cast<ast::AdvanceStmt>(s)) return finish(r, rt::Status::Advanced, rt::Reason::None, now);
    }
  } catch (const Fault& f) {
    fail(r, f.message);
  }
}

// Tests the arms of `s` from `arm` on and enters the first that holds (or the else
// block). False when the record must wait for an engagement condition.
bool TreeWalker::chooseArm(Record& r, const ast::IfStmt& s, size_t arm, int32_t now) {
  for (size_t k = arm; k < s.arms.size(); ++k) {
    const ast::IfArm& a = s.arms[k];
    const ast::Condition& c = a.condition;
    if (c.within) {  // an engagement condition: a step of its own
      ++stepsExecuted_;
      ++stepCounts_[&a].reached;
      Result why = Result::TimedOut;
      int verdict = decide(r, c, why);
      if (verdict == 0) {
        r.waitingIf = &s;
        r.waitingArm = k;
        r.entered = now;
        r.due = now + static_cast<int32_t>(c.within->minutes * 60);
        r.waiting = rt::Waiting::Condition;
        ++r.generation;
        pushTimer(r.due, r);
        return false;
      }
      leaveStep(r, &a, nullptr, why, now);
      if (verdict == 1) {
        takeArm(r, s, k, &a.body);
        return true;
      }
      continue;
    }
    // A field condition or call outcomes: evaluated at once.
    if (truthy(eval(*c.expr, r, now))) {
      takeArm(r, s, k, &a.body);
      return true;
    }
  }
  takeArm(r, s, s.arms.size(), s.elseBlock ? &*s.elseBlock : nullptr);
  return true;
}

void TreeWalker::takeArm(Record& r, const ast::IfStmt& s, size_t arm, const ast::Block* body) {
  ++branchCounts_[{&s, arm}];
  if (body) r.frames.push_back({body, 0});
}

// An engagement condition against what the record's steps received: 0 undecided,
// 1 true, 2 false; `why` is the deciding result (docs/simulation.md).
int TreeWalker::decide(const Record& r, const ast::Condition& c, Result& why) {
  terms_.clear();
  auto collect = [&](auto& self, const ast::Expr& e) -> void {
    if (const auto* b = dyn_cast<ast::BinaryExpr>(&e)) {
      self(self, *b->lhs);
      self(self, *b->rhs);
    } else if (const auto* m = dyn_cast<ast::MemberExpr>(&e)) {
      terms_.push_back(m);
    }
  };
  collect(collect, *c.expr);
  const auto* top = dyn_cast<ast::BinaryExpr>(c.expr.get());
  bool all = top && top->op == ast::BinaryOp::And;
  auto memory = [&](const std::string& label) {
    auto it = r.steps.find(label);
    return it == r.steps.end() ? StepMemory{} : it->second;
  };
  auto bit = [](const ast::MemberExpr* m) {
    return static_cast<uint8_t>(1u << static_cast<unsigned>(*parseEngagementEvent(m->member)));
  };
  if (all) {
    size_t satisfied = 0;
    Result last = Result::TimedOut;
    for (const ast::MemberExpr* m : terms_) {
      StepMemory mem = memory(m->object);
      if (mem.skipped) return why = Result::Skipped, 2;
      if (mem.events & bit(m)) {
        ++satisfied;
        last = static_cast<Result>(static_cast<int>(Result::Opened) + static_cast<int>(*parseEngagementEvent(m->member)));
      }
    }
    if (satisfied == terms_.size()) return why = last, 1;
    return 0;
  }
  // `or`: one term per step (its events merged); the first step with an event decides.
  size_t steps = 0, skipped = 0;
  for (size_t i = 0; i < terms_.size(); ++i) {
    const std::string& label = terms_[i]->object;
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = terms_[j]->object == label;
    if (seen) continue;
    ++steps;
    StepMemory mem = memory(label);
    if (mem.skipped) {
      ++skipped;
      continue;
    }
    uint8_t wanted = 0;
    for (size_t j = i; j < terms_.size(); ++j)
      if (terms_[j]->object == label) wanted |= bit(terms_[j]);
    if (uint8_t hit = mem.events & wanted)
      return why = static_cast<Result>(static_cast<int>(Result::Opened) + __builtin_ctz(hit)), 1;
  }
  if (skipped == steps) return why = Result::Skipped, 2;
  return 0;
}

// ---- expressions ----------------------------------------------------------------------

TwValue TreeWalker::eval(const ast::Expr& e, Record& r, int32_t now) {
  switch (e.kind) {
    case ast::ExprKind::IntLit: return make(Tag::Int, cast<ast::IntLit>(e).value);
    case ast::ExprKind::DecimalLit: {
      const std::string& text = cast<ast::DecimalLit>(e).text;
      double d = 0;
      std::from_chars(text.data(), text.data() + text.size(), d);
      return decimal(d);
    }
    case ast::ExprKind::StringLit: return string(cast<ast::StringLit>(e).value);
    case ast::ExprKind::BoolLit: return boolean(cast<ast::BoolLit>(e).value);
    case ast::ExprKind::NullLit: return {};
    case ast::ExprKind::DurationLit: return make(Tag::Duration, cast<ast::DurationLit>(e).minutes * 60);
    case ast::ExprKind::Name: {
      auto it = r.vars.find(cast<ast::NameExpr>(e).name);
      return it == r.vars.end() ? TwValue{} : it->second;
    }
    case ast::ExprKind::Member: {
      const auto& m = cast<ast::MemberExpr>(e);
      if (m.field) {
        auto it = r.fields.find(m.field->name);
        return it == r.fields.end() ? TwValue{} : it->second;
      }
      // A call outcome: what the completed call recorded.
      auto it = r.steps.find(m.object);
      auto outcome = parseCallOutcome(m.member);
      return boolean(it != r.steps.end() && outcome && it->second.outcome == static_cast<int>(*outcome));
    }
    case ast::ExprKind::Call: {
      const auto& c = cast<ast::CallExpr>(e);
      int64_t nowAbs = start_ + now;
      if (c.callee == "now") return make(Tag::DateTime, nowAbs);
      if (c.callee == "today") return make(Tag::Date, floorDiv(nowAbs, seqc::kSecondsPerDay));
      TwValue v = eval(*c.args[0], r, now);
      if (c.callee == "contains") {
        TwValue w = eval(*c.args[1], r, now);
        return boolean(v.tag == Tag::String && w.tag == Tag::String && v.s.find(w.s) != std::string::npos);
      }
      if (v.tag == Tag::Null) return v;
      if (c.callee == "days_since") {
        if (!isTime(v.tag)) throw Fault{fmt::format("days_since of {}", tagName(v.tag))};
        return make(Tag::Int, floorDiv(nowAbs - instant(v), seqc::kSecondsPerDay));
      }
      if (v.tag != Tag::String) throw Fault{fmt::format("{} of {}", c.callee, tagName(v.tag))};
      if (c.callee == "len") return make(Tag::Int, static_cast<int64_t>(utf8::countCodePoints(v.s)));
      bool lower = c.callee == "lower";
      for (char& ch : v.s)
        if (lower ? (ch >= 'A' && ch <= 'Z') : (ch >= 'a' && ch <= 'z')) ch = static_cast<char>(ch ^ 0x20);
      return v;
    }
    case ast::ExprKind::Unary: {
      const auto& u = cast<ast::UnaryExpr>(e);
      TwValue v = eval(*u.operand, r, now);
      if (u.op == ast::UnaryOp::Not) return boolean(!truthy(v));
      if (v.tag == Tag::Null) return v;
      if (v.tag == Tag::Decimal) v.d = -v.d;
      else if ((v.tag == Tag::Int || v.tag == Tag::Money || v.tag == Tag::Duration) &&
               v.i != std::numeric_limits<int64_t>::min())
        v.i = -v.i;
      else throw Fault{fmt::format("cannot negate {}", tagName(v.tag))};
      return v;
    }
    case ast::ExprKind::Binary: return evalBinary(cast<ast::BinaryExpr>(e), r, now);
    case ast::ExprKind::In: {
      const auto& in = cast<ast::InExpr>(e);
      TwValue lhs = eval(*in.lhs, r, now);
      if (lhs.tag == Tag::Null) return boolean(false);
      for (const auto& item : in.items) {
        TwValue v = eval(*item, r, now);
        choiceOperand(in.lhs->type, v);
        if (equal(lhs, v)) return boolean(true);
      }
      return boolean(false);
    }
    case ast::ExprKind::Error: break;
  }
  throw Fault{"an erroneous expression"};
}

TwValue TreeWalker::evalBinary(const ast::BinaryExpr& b, Record& r, int32_t now) {
  using B = ast::BinaryOp;
  if (b.op == B::And) return boolean(truthy(eval(*b.lhs, r, now)) && truthy(eval(*b.rhs, r, now)));
  if (b.op == B::Or) return boolean(truthy(eval(*b.lhs, r, now)) || truthy(eval(*b.rhs, r, now)));
  TwValue x = eval(*b.lhs, r, now), y = eval(*b.rhs, r, now);
  switch (b.op) {
    case B::Eq: case B::Ne: {
      choiceOperand(b.lhs->type, y);
      choiceOperand(b.rhs->type, x);
      return boolean(equal(x, y) == (b.op == B::Eq));
    }
    case B::Lt: case B::Le: case B::Gt: case B::Ge: {
      if (x.tag == Tag::Null || y.tag == Tag::Null) return boolean(false);
      auto c = compare(x, y);
      if (!c) throw typeFault(ast::spelling(b.op), x, y);
      return boolean(b.op == B::Lt ? *c < 0 : b.op == B::Le ? *c <= 0 : b.op == B::Gt ? *c > 0 : *c >= 0);
    }
    default: return arith(b.op, x, y);
  }
}

// `set`: converts the value to the field's declared type (LANGUAGE.md §5).
void TreeWalker::store(Record& r, const FieldInfo& f, TwValue v) {
  if (v.tag != Tag::Null) {
    bool ok = false;
    switch (f.type.kind) {
      case TypeKind::Bool: ok = v.tag == Tag::Bool; break;
      case TypeKind::Int: ok = v.tag == Tag::Int; break;
      case TypeKind::Choice:
        choiceOperand(f.type, v);
        ok = v.tag == Tag::Int;
        break;
      case TypeKind::Decimal:
        if ((ok = isNumeric(v.tag))) v = decimal(asDouble(v));
        break;
      case TypeKind::Money: {
        int64_t m = 0;
        if (!isNumeric(v.tag)) break;
        if (!asMoney(v, m)) throw Fault{fmt::format("value too large for field '{}'", f.name)};
        v = make(Tag::Money, m);
        ok = true;
        break;
      }
      case TypeKind::String: case TypeKind::Id: case TypeKind::Lookup:
        ok = v.tag == Tag::String;
        if (ok && f.type.maxLength != 0 && utf8::countCodePoints(v.s) > f.type.maxLength)
          throw Fault{fmt::format("value too long for field '{}': {} characters, at most {}", f.name,
                                  utf8::countCodePoints(v.s), f.type.maxLength)};
        break;
      case TypeKind::Date:
        if (v.tag == Tag::DateTime) v = make(Tag::Date, floorDiv(v.i, seqc::kSecondsPerDay));
        ok = v.tag == Tag::Date;
        break;
      case TypeKind::DateTime:
        if (v.tag == Tag::Date) v = make(Tag::DateTime, v.i * seqc::kSecondsPerDay);
        ok = v.tag == Tag::DateTime;
        break;
      case TypeKind::Duration: ok = v.tag == Tag::Duration; break;
      default: break;
    }
    if (!ok)
      throw Fault{fmt::format("cannot store {} in field '{}' of type {}", tagName(v.tag), f.name,
                              typeName(f.type))};
  }
  r.fields[f.name] = std::move(v);
}

// ---- steps and states -------------------------------------------------------------------

void TreeWalker::leaveStep(Record& r, const void* step, const ast::ActivityStmt* activity, Result result,
                           int32_t now) {
  if (history_) r.history.push_back({now, result, step});
  Counts& c = stepCounts_[step];
  (result == Result::Skipped || result == Result::TimedOut ? c.skipped : c.done)++;
  if (activity) {
    ++r.progress;
    if (!activity->label.empty() && info(activity->activity).events != EventClass::NoEvents) {
      StepMemory& m = r.steps[activity->label];
      if (result == Result::Skipped) {
        m.skipped = true;
      } else {
        m.done = true;
        if (result >= Result::Answered && result <= Result::WrongNumber)
          m.outcome = static_cast<int8_t>(static_cast<int>(result) - static_cast<int>(Result::Answered));
      }
    }
  }
  r.current = nullptr;
  r.waitingIf = nullptr;
  r.waiting = rt::Waiting::Nothing;
  ++r.generation;
}

void TreeWalker::finish(Record& r, rt::Status status, rt::Reason reason, int32_t now) {
  r.status = status;
  r.reason = reason;
  r.waiting = rt::Waiting::Nothing;
  r.current = nullptr;
  r.waitingIf = nullptr;
  r.frames.clear();
  ++r.generation;
  if (status == rt::Status::Completed) {
    auto days = static_cast<size_t>((now - r.connected) / seqc::kSecondsPerDay);
    if (daysToCompletion_.size() <= days) daysToCompletion_.resize(days + 1);
    ++daysToCompletion_[days];
  }
}

void TreeWalker::fail(Record& r, std::string message) {
  r.error = std::move(message);
  r.status = rt::Status::Error;
  r.reason = rt::Reason::Error;
  r.waiting = rt::Waiting::Nothing;
  r.current = nullptr;
  r.waitingIf = nullptr;
  r.frames.clear();
  ++r.generation;
}

// ---- events and the model ----------------------------------------------------------------

void TreeWalker::applyGenerated(const Generated& g, int32_t now) {
  Record& r = *g.record;
  if (r.status != rt::Status::Active) return;
  if (g.kind == GenKind::Engage) {
    if (static_cast<uint32_t>(r.connected) != g.generation) return;
    markEnd(now);
    return engage(r, *g.step, static_cast<EngagementEvent>(g.arg), now);
  }
  if (r.generation != g.generation || r.waiting != rt::Waiting::Manual) return;
  markEnd(now);
  if (g.kind == GenKind::Skip) return skip(r, now);
  complete(r, g.arg < 4 ? g.arg : -1, now);
}

void TreeWalker::engage(Record& r, const ast::ActivityStmt& step, EngagementEvent ev, int32_t now) {
  if (!step.label.empty()) r.steps[step.label].events |= static_cast<uint8_t>(1u << static_cast<unsigned>(ev));
  // `exit on reply` wins over a condition the same reply would decide.
  if (ev == EngagementEvent::Replied &&
      (step.activity == ActivityKind::Email || step.activity == ActivityKind::AutoEmail))
    for (const ast::Setting& s : seq_.settings)
      if (s.kind == ast::SettingKind::ExitOnReply) return finish(r, rt::Status::Exited, rt::Reason::Reply, now);
  if (r.waiting != rt::Waiting::Condition) return;
  const ast::IfStmt* s = r.waitingIf;
  size_t arm = r.waitingArm;
  Result why = Result::TimedOut;
  if (decide(r, s->arms[arm].condition, why) != 1) return;
  leaveStep(r, &s->arms[arm], nullptr, static_cast<Result>(static_cast<int>(Result::Opened) + static_cast<int>(ev)),
            now);
  takeArm(r, *s, arm, &s->arms[arm].body);
  walk(r, now);
}

void TreeWalker::complete(Record& r, int outcome, int32_t now) {
  const auto* a = cast<ast::ActivityStmt>(r.current);
  Result result = outcome >= 0 ? static_cast<Result>(static_cast<int>(Result::Answered) + outcome) : Result::Completed;
  leaveStep(r, a, a, result, now);
  if (model_) planEngagement(r, *a, now);
  walk(r, now);
}

void TreeWalker::skip(Record& r, int32_t now) {
  leaveStep(r, r.current, dyn_cast<ast::ActivityStmt>(r.current), Result::Skipped, now);
  walk(r, now);
}

void TreeWalker::planManual(Record& r, const ast::ActivityStmt& step, int32_t now) {
  rt::ManualPlan plan = rt::planManual(*model_, step.activity, seed_, r.index, r.generation);
  generated_.push({now + plan.delay, order_++, &r, r.generation, plan.skip ? GenKind::Skip : GenKind::Complete,
                   plan.outcome, &step});
}

void TreeWalker::planEngagement(Record& r, const ast::ActivityStmt& step, int32_t now) {
  auto key = static_cast<uint32_t>(r.connected) * 1021u + ordinal_.at(&step);
  rt::planEngagements(*model_, step.activity, now, seed_, r.index, key, [&](EngagementEvent ev, int32_t at) {
    generated_.push({at, order_++, &r, static_cast<uint32_t>(r.connected), GenKind::Engage,
                     static_cast<uint8_t>(ev), &step});
  });
}

std::array<uint64_t, 6> TreeWalker::statusCounts() const {
  std::array<uint64_t, 6> n{};
  for (const auto& r : records_) ++n[static_cast<size_t>(r->status)];
  return n;
}

uint64_t TreeWalker::historyEntries() const {
  uint64_t n = 0;
  for (const auto& r : records_) n += r->history.size();
  return n;
}

uint64_t TreeWalker::progressTotal() const {
  uint64_t n = 0;
  for (const auto& r : records_) n += r->progress;
  return n;
}

uint64_t TreeWalker::branchesTaken() const {
  uint64_t n = 0;
  for (const auto& [key, count] : branchCounts_) n += count;
  return n;
}

}  // namespace seqc::bench
