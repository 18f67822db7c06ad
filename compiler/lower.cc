// Lowering of checked sequences to bytecode. Statements become statement opcodes joined
// by absolute jumps; expressions become stack code (`and`/`or` short-circuit to a
// normalized bool); activity steps, waits and engagement conditions become rows of the
// step table, `if` arms rows of the branch table. Every table is filled in source order
// and every string, constant and field is interned at first use, so equal programs give
// equal modules.
#include "compiler/lower.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>
#include <llvm/Support/Casting.h>

#include "compiler/format.h"
#include "seqc/support/quote.h"

namespace seqc {
namespace {

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;
using bc::Opcode;

constexpr size_t kMaxU16Index = 0xFFFF;
constexpr int64_t kSecondsPerMinute = 60;

// A decimal literal read exactly as money (scaled by 10^4); nothing when it has more
// than four significant fractional digits or does not fit in 64 bits.
std::optional<int64_t> exactMoney(std::string_view text, bool negate) {
  int64_t v = 0;
  int frac = -1;  // fractional digits taken; -1 before the point
  auto push = [&](int digit) {
    return !__builtin_mul_overflow(v, 10, &v) && !__builtin_add_overflow(v, digit, &v);
  };
  for (char ch : text) {
    if (ch == '.') {
      if (frac >= 0) return std::nullopt;
      frac = 0;
      continue;
    }
    if (ch < '0' || ch > '9') return std::nullopt;
    int digit = ch - '0';
    if (frac >= 4) {
      if (digit != 0) return std::nullopt;
      continue;
    }
    if (frac >= 0) ++frac;
    if (!push(digit)) return std::nullopt;
  }
  for (int i = std::max(frac, 0); i < 4; ++i)
    if (!push(0)) return std::nullopt;
  return negate ? -v : v;
}

std::optional<uint8_t> builtinIndex(std::string_view name) {
  for (size_t i = 0; i < bc::kBuiltinInfo.size(); ++i)
    if (bc::kBuiltinInfo[i].name == name) return static_cast<uint8_t>(i);
  return std::nullopt;
}

// The operands of a chain of one operator (`a and b and (c and d)` → a, b, c, d),
// without recursion: chains are as long as the parser allows.
std::vector<const ast::Expr*> flatten(const ast::Expr& e, ast::BinaryOp op) {
  std::vector<const ast::Expr*> out, stack{&e};
  while (!stack.empty()) {
    const ast::Expr* x = stack.back();
    stack.pop_back();
    if (const auto* b = dyn_cast<ast::BinaryExpr>(x); b && b->op == op) {
      stack.push_back(b->rhs.get());
      stack.push_back(b->lhs.get());
    } else {
      out.push_back(x);
    }
  }
  return out;
}

Opcode arithmeticOpcode(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Eq: return Opcode::Eq;
    case ast::BinaryOp::Ne: return Opcode::Ne;
    case ast::BinaryOp::Lt: return Opcode::Lt;
    case ast::BinaryOp::Le: return Opcode::Le;
    case ast::BinaryOp::Gt: return Opcode::Gt;
    case ast::BinaryOp::Ge: return Opcode::Ge;
    case ast::BinaryOp::Add: return Opcode::Add;
    case ast::BinaryOp::Sub: return Opcode::Sub;
    case ast::BinaryOp::Mul: return Opcode::Mul;
    case ast::BinaryOp::Div: return Opcode::Div;
    case ast::BinaryOp::Mod: return Opcode::Mod;
    case ast::BinaryOp::And:
    case ast::BinaryOp::Or: break;  // short-circuit code, never one opcode
  }
  return Opcode::Pop;
}

// The step references (`X.event`, `X.outcome`) of a condition, left to right.
std::vector<const ast::MemberExpr*> stepRefs(const ast::Expr& e) {
  std::vector<const ast::MemberExpr*> refs;
  std::vector<const ast::Expr*> stack{&e};
  while (!stack.empty()) {
    const ast::Expr* x = stack.back();
    stack.pop_back();
    if (const auto* m = dyn_cast<ast::MemberExpr>(x)) {
      if (m->step) refs.push_back(m);
    } else if (const auto* b = dyn_cast<ast::BinaryExpr>(x)) {
      stack.push_back(b->rhs.get());
      stack.push_back(b->lhs.get());
    }
  }
  return refs;
}

// The most activity steps on the paths through a block: those that run off its end
// (`open`) and those that stop at an `end` or `advance to` in it (`closed`); -1: none.
struct PathSteps {
  int64_t open = 0;
  int64_t closed = -1;
};

PathSteps pathSteps(const ast::Block& block) {
  PathSteps r;
  for (const auto& s : block.stmts) {
    if (r.open < 0) break;  // nothing after here is reached
    if (isa<ast::ActivityStmt>(*s)) ++r.open;
    if (isa<ast::EndStmt>(*s) || isa<ast::AdvanceStmt>(*s)) {
      r.closed = std::max(r.closed, r.open);
      r.open = -1;
    }
    if (const auto* i = dyn_cast<ast::IfStmt>(s.get())) {
      PathSteps none;  // a missing `else` runs nothing
      int64_t open = -1;
      auto join = [&](const PathSteps& arm) {
        if (arm.open >= 0) open = std::max(open, r.open + arm.open);
        if (arm.closed >= 0) r.closed = std::max(r.closed, r.open + arm.closed);
      };
      for (const ast::IfArm& arm : i->arms) join(pathSteps(arm.body));
      join(i->elseBlock ? pathSteps(*i->elseBlock) : none);
      r.open = open;
    }
    if (const auto* e = dyn_cast<ast::ExperimentStmt>(s.get())) {  // one variant runs
      int64_t open = -1;
      for (const ast::ExperimentItem* v : e->variants()) {
        PathSteps arm = pathSteps(v->body);
        if (arm.open >= 0) open = std::max(open, r.open + arm.open);
        if (arm.closed >= 0) r.closed = std::max(r.closed, r.open + arm.closed);
      }
      r.open = open;
    }
  }
  return r;
}

// Sequence::total: the most activity steps on any path through the body.
int64_t pathTotal(const ast::Block& body) {
  PathSteps r = pathSteps(body);
  return std::max(r.open, r.closed);
}

bool endsFlow(const ast::Block& block) {
  return !block.stmts.empty() &&
         (isa<ast::EndStmt>(*block.stmts.back()) || isa<ast::AdvanceStmt>(*block.stmts.back()));
}

// What a literal meets: the type it is compared with or stored into. A string literal
// meeting a choice is its option value; a decimal literal meeting money is exact money;
// a numeric literal stored into money or decimal takes that type.
struct Hint {
  TypeKind kind = TypeKind::Error;
  const FieldInfo* choice = nullptr;
  bool store = false;

  static Hint of(const Type& t, bool store = false) {
    return {t.kind, t.kind == TypeKind::Choice ? t.field : nullptr, store};
  }
};

// A value computed at compile time.
struct Folded {
  bool isBool = false;
  int64_t i = 0;
  bool b = false;
};

std::optional<Folded> fold(const ast::Expr& e) {
  using B = ast::BinaryOp;
  switch (e.kind) {
    case ast::ExprKind::IntLit: return Folded{false, cast<ast::IntLit>(e).value, false};
    case ast::ExprKind::BoolLit: return Folded{true, 0, cast<ast::BoolLit>(e).value};
    case ast::ExprKind::Unary: {
      const auto& u = cast<ast::UnaryExpr>(e);
      auto x = fold(*u.operand);
      if (!x) return std::nullopt;
      if (u.op == ast::UnaryOp::Not && x->isBool) return Folded{true, 0, !x->b};
      if (u.op == ast::UnaryOp::Neg && !x->isBool && x->i != std::numeric_limits<int64_t>::min())
        return Folded{false, -x->i, false};
      return std::nullopt;
    }
    case ast::ExprKind::Binary: {
      const auto& b = cast<ast::BinaryExpr>(e);
      auto l = fold(*b.lhs);
      if (!l) return std::nullopt;
      auto r = fold(*b.rhs);
      if (!r || l->isBool != r->isBool) return std::nullopt;
      if (l->isBool) {
        switch (b.op) {
          case B::And: return Folded{true, 0, l->b && r->b};
          case B::Or: return Folded{true, 0, l->b || r->b};
          case B::Eq: return Folded{true, 0, l->b == r->b};
          case B::Ne: return Folded{true, 0, l->b != r->b};
          default: return std::nullopt;
        }
      }
      int64_t x = l->i, y = r->i, v = 0;
      auto number = [&v](bool overflow) {
        return overflow ? std::nullopt : std::optional(Folded{false, v, false});
      };
      switch (b.op) {
        case B::Add: return number(__builtin_add_overflow(x, y, &v));
        case B::Sub: return number(__builtin_sub_overflow(x, y, &v));
        case B::Mul: return number(__builtin_mul_overflow(x, y, &v));
        // Only where every definition of `%` agrees; `/` gives a decimal at run time.
        case B::Mod:
          if (x < 0 || y <= 0) return std::nullopt;
          v = x % y;
          return number(false);
        case B::Eq: return Folded{true, 0, x == y};
        case B::Ne: return Folded{true, 0, x != y};
        case B::Lt: return Folded{true, 0, x < y};
        case B::Le: return Folded{true, 0, x <= y};
        case B::Gt: return Folded{true, 0, x > y};
        case B::Ge: return Folded{true, 0, x >= y};
        default: return std::nullopt;
      }
    }
    default: return std::nullopt;
  }
}

class Lowerer {
 public:
  Lowerer(const Program& program, const SourceManager& sources, bc::Module& out)
      : program_(program), sm_(sources), m_(out) {}

  bool run(std::string& error) {
    for (const SequenceInfo& info : program_.sequences) {
      if (!info.checked || !info.decl || !info.entity) {
        fail(info.decl ? info.decl->keyword : SourceRange(),
             fmt::format("sequence \"{}\" was not checked cleanly; nothing can be lowered",
                         info.decl ? info.decl->name : std::string()));
        break;
      }
      lowerSequence(info);
      if (!error_.empty()) break;
    }
    for (const SegmentInfo& info : program_.segments) {
      if (!error_.empty()) break;
      lowerSegment(info);
    }
    if (error_.empty() && m_.code.size() > std::numeric_limits<uint32_t>::max())
      fail(SourceRange(), "the module's code is larger than 4 GiB");
    error = error_;
    return error_.empty();
  }

 private:
  // ---- module-wide tables --------------------------------------------------------

  // Keeps the first failure, as `path:line: message` when the place is known.
  void fail(SourceRange where, std::string_view message) {
    if (!error_.empty()) return;
    error_ = where.valid() ? fmt::format("{}:{}: {}", printable(sm_.file(where.file).path()), line(where), message)
                           : std::string(message);
  }
  void fail(std::string_view message) { fail(statement_, message); }

  uint32_t line(SourceRange r) const { return r.valid() ? sm_.file(r.file).lineCol(r.begin).line : 0; }

  // An `assign to field`/`assign to team` setting as written after `assign to`, in the
  // layout of `seqc fmt` (the workspace shows it; the simulator assigns to no one), so
  // the module does not depend on blanks or comments.
  std::string assignment(const ast::Setting& st) const {
    if (st.kind == ast::SettingKind::AssignField)
      return st.field ? "field " + st.field->object + "." + st.field->member : "field";
    std::string out = st.teamAccess ? "team access" : "team owner";
    if (st.where && st.where->range.valid())
      out += " where " + formatExpr(sm_.file(st.where->range.file).text(), *st.where);
    return out;
  }

  uint32_t intern(std::string_view s) {
    auto [it, inserted] = stringIndex_.try_emplace(std::string(s), static_cast<uint32_t>(m_.strings.size()));
    if (inserted) {
      if (m_.strings.size() >= bc::kNone) fail("the module has more strings than the format can index");
      m_.strings.emplace_back(s);
    }
    return it->second;
  }

  uint16_t constant(const bc::Constant& c) {
    uint64_t bits = 0;
    std::memcpy(&bits, &c.d, sizeof bits);
    auto key = std::make_tuple(static_cast<uint8_t>(c.type), c.i, bits, c.str);
    auto it = constantIndex_.find(key);
    if (it != constantIndex_.end()) return it->second;
    if (m_.constants.size() > kMaxU16Index) {
      fail(fmt::format("the module needs more than {} constants", kMaxU16Index + 1));
      return 0;
    }
    auto index = static_cast<uint16_t>(m_.constants.size());
    m_.constants.push_back(c);
    constantIndex_.emplace(key, index);
    return index;
  }

  uint16_t intConstant(bc::ValueType t, int64_t v) {
    bc::Constant c;
    c.type = t;
    c.i = v;
    return constant(c);
  }

  // The module's index of a sequence's calendar: Module::calendars holds the calendars
  // the sequences use, in the order they are first used.
  uint32_t calendar(const ast::Setting& st) {
    const ast::CalendarDecl* c = st.calendar;
    if (!c || !c->spec) {
      fail(st.range, fmt::format("internal: calendar \"{}\" was not checked cleanly", st.text));
      return bc::kNone;
    }
    if (auto it = calendarIndex_.find(c); it != calendarIndex_.end()) return it->second;
    auto index = static_cast<uint32_t>(m_.calendars.size());
    m_.calendars.push_back(*c->spec);
    calendarIndex_.emplace(c, index);
    return index;
  }

  uint16_t field(const FieldInfo& f) {
    if (auto it = fieldIndex_.find(&f); it != fieldIndex_.end()) return it->second;
    if (m_.fields.size() > kMaxU16Index) {
      fail(fmt::format("the module uses more than {} fields", kMaxU16Index + 1));
      return 0;
    }
    bc::Field out;
    out.entity = intern(f.entity ? std::string_view(f.entity->name) : std::string_view());
    out.name = intern(f.name);
    if (entity_ && f.entity && f.entity != entity_) {
      // The candidate member of an `assign to team … where` (a condition checked with
      // readsMember): a module reads its sequence's entity only, so the member's field is
      // declared on it as "systemuser.F", a name no real field has; the caller fills it
      // from the member's record.
      out.entity = intern(entity_->name);
      out.name = intern(f.entity->name + "." + f.name);
    }
    out.type = valueType(f.type);
    if (f.type.kind == TypeKind::Error) fail(fmt::format("field '{}' has no valid type", f.name));
    if (f.type.kind == TypeKind::String) out.maxLength = f.type.maxLength;
    for (const OptionInfo& o : f.options) out.options.push_back({o.value, intern(o.label)});
    auto index = static_cast<uint16_t>(m_.fields.size());
    m_.fields.push_back(std::move(out));
    fieldIndex_.emplace(&f, index);
    return index;
  }

  // A duration as step seconds, within the format's bound; a business one as its count
  // N, with its unit set on `st`.
  uint32_t stepSeconds(const ast::Duration& d, std::string_view what, bc::Step& st) {
    if (d.business()) {
      st.unit = d.unit;
      if (!d.valid || d.count < 1 || d.count > bc::kDueBusinessLimits.hours) {
        fail(d.range, fmt::format("internal: {} of {} business units was not checked", what, d.count));
        return 0;
      }
      return static_cast<uint32_t>(d.count);
    }
    int64_t s = 0;
    if (!d.valid || __builtin_mul_overflow(d.minutes, kSecondsPerMinute, &s) || s < 0 ||
        s > static_cast<int64_t>(bc::kMaxStepSeconds)) {
      fail(d.range, fmt::format("{} is longer than the {} days a step may last", what,
                       bc::kMaxStepSeconds / 86400));
      return 0;
    }
    return static_cast<uint32_t>(s);
  }

  // ---- code emission -------------------------------------------------------------

  uint32_t here() const { return static_cast<uint32_t>(m_.code.size()); }

  void put16(uint16_t v) {
    m_.code.push_back(static_cast<uint8_t>(v));
    m_.code.push_back(static_cast<uint8_t>(v >> 8));
  }
  void put32(uint32_t v) {
    for (int i = 0; i < 4; ++i) m_.code.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }

  // Appends opcode `o` and accounts for its stack effect (`operand`: the item count of
  // `in`, the builtin of `call`).
  void opcode(Opcode o, bc::Layout layout, uint32_t operand = 0) {
    const bc::OpInfo& oi = bc::info(o);
    if (oi.layout != layout) fail(fmt::format("internal: '{}' emitted with the wrong operands", oi.mnemonic));
    m_.code.push_back(static_cast<uint8_t>(o));
    int pops = oi.pops == bc::kPopsOperand ? static_cast<int>(operand) + 1
               : oi.pops == bc::kPopsCall  ? bc::kBuiltinInfo[operand].arity
                                           : oi.pops;
    depth_ += oi.pushes - pops;
    if (depth_ > static_cast<int>(bc::kMaxStack) && !stackReported_) {
      fail(fmt::format("this expression is too large: it needs more than {} values on the stack",
                       bc::kMaxStack));
      stackReported_ = true;
    }
  }

  void emit(Opcode o) { opcode(o, bc::Layout::None); }
  void emit(Opcode o, uint16_t a) {
    opcode(o, bc::Layout::U16, a);
    put16(a);
  }
  void emitCall(uint8_t fn) {
    opcode(Opcode::Call, bc::Layout::U8, fn);
    m_.code.push_back(fn);
  }
  void emitOutcome(uint16_t step, uint8_t mask) {
    opcode(Opcode::Outcome, bc::Layout::U16U8);
    put16(step);
    m_.code.push_back(mask);
  }
  // A jump whose target is patched later; returns where its target goes.
  uint32_t emitJump(Opcode o) {
    opcode(o, bc::Layout::U32);
    uint32_t at = here();
    put32(0);
    return at;
  }
  uint32_t emitAwait(uint16_t step) {
    opcode(Opcode::Await, bc::Layout::U16U32);
    put16(step);
    uint32_t at = here();
    put32(0);
    return at;
  }
  void patch(uint32_t at, uint32_t target) {
    for (int i = 0; i < 4; ++i) m_.code[at + i] = static_cast<uint8_t>(target >> (8 * i));
  }

  void markLine(uint32_t ln) {
    uint32_t pc = here();
    if (!m_.lines.empty() && m_.lines.back().pc == pc) {
      m_.lines.back().line = ln;
      if (m_.lines.size() >= 2 && m_.lines[m_.lines.size() - 2].line == ln) m_.lines.pop_back();
      return;
    }
    if (!m_.lines.empty() && m_.lines.back().line == ln) return;
    m_.lines.push_back({pc, ln});
  }

  // ---- sequences -----------------------------------------------------------------

  void lowerSequence(const SequenceInfo& info) {
    const ast::Sequence& decl = *info.decl;
    statement_ = decl.keyword;
    stepBegin_ = m_.steps.size();
    branchBegin_ = m_.branches.size();
    experimentBegin_ = m_.experiments.size();
    stepOf_.clear();
    varOf_.clear();
    slots_ = 0;

    bc::Sequence s;
    s.name = intern(decl.name);
    s.entity = intern(info.entity->name);
    entity_ = info.entity;
    std::vector<const ast::Setting*> exits;
    const ast::Setting* zone = nullptr;
    for (const ast::Setting& st : decl.settings) {
      switch (st.kind) {
        case ast::SettingKind::Description: s.description = intern(st.text); break;
        case ast::SettingKind::Tags:
          for (const auto& tag : st.tags) s.tags.push_back(intern(tag.first));
          break;
        case ast::SettingKind::ExitOnReply: s.exitOnReply = true; break;
        case ast::SettingKind::ExitWhen:
          if (st.condition && st.condition->expr) exits.push_back(&st);
          break;
        case ast::SettingKind::AssignOwner: s.assign = intern("owner"); break;
        case ast::SettingKind::AssignField:
        case ast::SettingKind::AssignTeam: s.assign = intern(assignment(st)); break;
        case ast::SettingKind::Calendar: s.calendar = calendar(st); break;
        case ast::SettingKind::TimeZone: zone = &st; break;
      }
    }
    s.line = line(decl.keyword);
    s.total = static_cast<uint16_t>(std::clamp<int64_t>(pathTotal(decl.body), 0, 0xFFFF));
    s.stepBegin = static_cast<uint32_t>(stepBegin_);
    s.branchBegin = static_cast<uint32_t>(branchBegin_);

    s.codeBegin = here();
    lowerBlock(decl.body);
    if (decl.body.stmts.empty() || !isa<ast::EndStmt>(*decl.body.stmts.back())) emit(Opcode::End);
    s.codeEnd = here();

    s.exitBegin = here();
    if (!exits.empty()) {
      depth_ = 0;
      auto operand = [&](size_t i) {
        statement_ = exits[i]->range;
        markLine(line(exits[i]->range));
        emitExpr(*exits[i]->condition->expr);
      };
      if (exits.size() == 1)
        operand(0);
      else
        emitChain(ast::BinaryOp::Or, exits.size(), operand);
      emit(Opcode::ExitTest);
    }
    s.exitEnd = here();

    s.zoneBegin = here();
    if (zone && zone->zone) {
      depth_ = 0;
      statement_ = zone->range;
      markLine(line(zone->range));
      emitExpr(*zone->zone);
      emit(Opcode::ZoneResult);
    }
    s.zoneEnd = here();

    for (const auto& [index, condition] : pendingMetrics_) {
      bc::Experiment& x = m_.experiments[index];
      depth_ = 0;
      statement_ = condition->range;
      markLine(line(condition->range));
      x.metricBegin = here();
      emitExpr(*condition);
      emit(Opcode::MetricResult);
      x.metricEnd = here();
    }
    pendingMetrics_.clear();
    s.experimentBegin = static_cast<uint32_t>(experimentBegin_);
    s.experimentCount = static_cast<uint32_t>(m_.experiments.size() - experimentBegin_);

    s.stepCount = static_cast<uint32_t>(m_.steps.size() - stepBegin_);
    s.branchCount = static_cast<uint32_t>(m_.branches.size() - branchBegin_);
    if (varOf_.size() > bc::kMaxVars)
      fail(decl.keyword, fmt::format("sequence \"{}\" declares {} variables; the format allows {}", decl.name,
                                     varOf_.size(), bc::kMaxVars));
    s.vars = static_cast<uint16_t>(std::min<size_t>(varOf_.size(), 0xFFFF));
    s.slots = slots_;
    m_.sequences.push_back(std::move(s));
  }

  // After every sequence: its `where` as an exit block (ending in exit_test).
  void lowerSegment(const SegmentInfo& info) {
    const ast::SegmentDecl& decl = *info.decl;
    statement_ = decl.keyword;
    if (!info.entity || !info.where || !info.where->expr || info.feeds >= program_.sequences.size()) {
      fail(decl.keyword, fmt::format("segment \"{}\" was not checked cleanly; nothing can be lowered", decl.name));
      return;
    }
    bc::Segment g;
    g.name = intern(decl.name);
    g.entity = intern(info.entity->name);
    g.feeds = static_cast<uint32_t>(info.feeds);
    g.priority = static_cast<uint32_t>(info.priority);
    g.disconnect = info.disconnect;
    g.line = line(decl.keyword);
    entity_ = info.entity;
    stepOf_.clear();
    varOf_.clear();
    depth_ = 0;
    g.condBegin = here();
    const ast::SegmentItem* where = decl.item(ast::SegmentItemKind::Where);
    statement_ = where ? where->range : decl.keyword;
    markLine(line(statement_));
    emitExpr(*info.where->expr);
    emit(Opcode::ExitTest);
    g.condEnd = here();
    m_.segments.push_back(g);
  }

  void lowerBlock(const ast::Block& block) {
    for (const auto& s : block.stmts) {
      lowerStmt(*s);
      if (isa<ast::EndStmt>(*s) || isa<ast::AdvanceStmt>(*s)) break;
    }
  }

  void lowerStmt(const ast::Stmt& s) {
    statement_ = s.range;
    depth_ = 0;
    markLine(line(s.range));
    switch (s.kind) {
      case ast::StmtKind::Activity: emit(Opcode::Activity, activityStep(cast<ast::ActivityStmt>(s))); return;
      case ast::StmtKind::Wait: {
        const auto& w = cast<ast::WaitStmt>(s);
        bc::Step st;
        st.kind = bc::StepKind::Wait;
        st.label = label(s);
        st.seconds = stepSeconds(w.duration, "a wait", st);
        st.line = line(s.range);
        emit(Opcode::Wait, addStep(st));
        return;
      }
      case ast::StmtKind::If: lowerIf(cast<ast::IfStmt>(s)); return;
      case ast::StmtKind::Experiment: lowerExperiment(cast<ast::ExperimentStmt>(s)); return;
      case ast::StmtKind::Set: {
        const auto& st = cast<ast::SetStmt>(s);
        if (!st.target || !st.target->field || !st.value) {
          fail(s.range, "internal: unresolved `set`");
          return;
        }
        emitExpr(*st.value, Hint::of(st.target->field->type, /*store=*/true));
        emit(Opcode::SetField, field(*st.target->field));
        return;
      }
      case ast::StmtKind::Let: {
        const auto& l = cast<ast::LetStmt>(s);
        if (!l.value) {
          fail(s.range, "internal: `let` without a value");
          return;
        }
        emitExpr(*l.value);
        auto slot = static_cast<uint16_t>(std::min<size_t>(varOf_.size(), 0xFFFF));
        varOf_.emplace(&l, slot);
        emit(Opcode::StoreVar, slot);
        return;
      }
      case ast::StmtKind::Assign: {
        const auto& as = cast<ast::AssignStmt>(s);
        if (!as.variable || !as.value) {
          fail(s.range, "internal: unresolved assignment");
          return;
        }
        emitExpr(*as.value, Hint::of(as.variable->type, /*store=*/true));
        emit(Opcode::StoreVar, variable(as.variable));
        return;
      }
      case ast::StmtKind::End: emit(Opcode::End); return;
      case ast::StmtKind::Advance: {
        bc::Constant c;
        c.type = bc::ValueType::String;
        c.str = intern(cast<ast::AdvanceStmt>(s).target);
        emit(Opcode::Advance, constant(c));
        return;
      }
    }
  }

  uint32_t label(const ast::Stmt& s) { return s.label.empty() ? bc::kNone : intern(s.label); }

  uint16_t addStep(const bc::Step& st) {
    size_t local = m_.steps.size() - stepBegin_;
    if (local > kMaxU16Index) {
      fail(fmt::format("a sequence has more than {} steps", kMaxU16Index + 1));
      return 0;
    }
    m_.steps.push_back(st);
    return static_cast<uint16_t>(local);
  }

  uint16_t activityStep(const ast::ActivityStmt& a) {
    bc::Step st;
    st.kind = bc::StepKind::Activity;
    st.activity = a.activity;
    st.label = label(a);
    st.title = intern(a.title);
    if (const auto* o = a.option(ast::ActivityOptionKind::Template)) st.templ = intern(o->text);
    if (const auto* o = a.option(ast::ActivityOptionKind::Description)) st.description = intern(o->text);
    if (const auto* o = a.option(ast::ActivityOptionKind::Due)) st.seconds = stepSeconds(o->due, "`due`", st);
    st.line = line(a.range);
    if (info(a.activity).events != EventClass::NoEvents) {
      if (slots_ >= bc::kMaxSlots)
        fail(a.range,
             fmt::format("the sequence has more than {} steps with engagement events", bc::kMaxSlots));
      else
        st.slot = slots_++;
    }
    uint16_t index = addStep(st);
    stepOf_.emplace(&a, index);
    return index;
  }

  uint16_t stepOf(const ast::Stmt* s) {
    auto it = stepOf_.find(s);
    if (it != stepOf_.end()) return it->second;
    fail(statement_, "internal: a condition refers to a step not lowered before it");
    return 0;
  }

  uint16_t variable(const ast::LetStmt* v) {
    auto it = varOf_.find(v);
    if (it != varOf_.end()) return it->second;
    fail(statement_, fmt::format("internal: variable '{}' used before its `let`", v ? v->name : ""));
    return 0;
  }

  void emitBranch(uint32_t ifLine, uint16_t arm) {
    size_t local = m_.branches.size() - branchBegin_;
    if (local > kMaxU16Index) {
      fail(fmt::format("a sequence has more than {} branches", kMaxU16Index + 1));
      return;
    }
    m_.branches.push_back({ifLine, arm});
    emit(Opcode::Branch, static_cast<uint16_t>(local));
  }

  // if C0 {B0} else if C1 {B1} … else {E}:
  //   C0 (false → L1)  branch 0  B0  jump End
  //   L1: C1 (false → Else)  branch 1  B1  jump End
  //   Else: branch else  E
  //   End:
  void lowerIf(const ast::IfStmt& s) {
    uint32_t ifLine = line(s.range);
    std::vector<uint32_t> toEnd;
    for (size_t i = 0; i < s.arms.size(); ++i) {
      const ast::IfArm& arm = s.arms[i];
      statement_ = arm.keyword;
      depth_ = 0;
      markLine(line(arm.keyword));
      uint32_t toNext = lowerCondition(s, i);
      if (i > kMaxU16Index - 1) fail(s.range, "an `if` has too many arms");
      emitBranch(ifLine, static_cast<uint16_t>(i));
      lowerBlock(arm.body);
      if (!endsFlow(arm.body)) toEnd.push_back(emitJump(Opcode::Jump));
      patch(toNext, here());
    }
    emitBranch(ifLine, bc::kElseArm);
    if (s.elseBlock) lowerBlock(*s.elseBlock);
    for (uint32_t j : toEnd) patch(j, here());
  }

  // experiment K  →  variant 0's code, jump End; variant 1's code, jump End; … End:
  // The experiment's row (Module::experiments) holds each variant's target; a field
  // metric's block is emitted after the sequence's other blocks (lowerSequence).
  void lowerExperiment(const ast::ExperimentStmt& e) {
    size_t local = m_.experiments.size() - experimentBegin_;
    if (local > kMaxU16Index) {
      fail(fmt::format("a sequence has more than {} experiments", kMaxU16Index + 1));
      return;
    }
    size_t index = m_.experiments.size();
    {
      bc::Experiment x;
      x.sequence = static_cast<uint32_t>(m_.sequences.size());
      x.name = intern(e.name);
      x.line = line(e.range);
      x.baseline = e.baseline;
      x.mde = e.mde;
      x.alpha = e.alpha;
      x.power = e.power;
      const ast::ExperimentItem* metric = e.item(ast::ExperimentItemKind::Metric);
      if (!metric || !metric->value.within) {
        fail(e.range, "internal: an experiment without its metric was not checked");
        return;
      }
      x.within = static_cast<uint32_t>(std::clamp<int64_t>(metric->value.within->minutes * kSecondsPerMinute, 0,
                                                           bc::kMaxStepSeconds));
      if (e.metricEvent) {
        x.metric = bc::MetricKind::Event;
        x.event = *e.metricEvent;
      } else {
        x.metric = bc::MetricKind::Field;
        pendingMetrics_.emplace_back(index, metric->value.expr.get());
      }
      m_.experiments.push_back(std::move(x));
    }
    emit(Opcode::Experiment, static_cast<uint16_t>(local));
    std::vector<uint32_t> toEnd;
    std::vector<bc::Variant> variants;
    for (const ast::ExperimentItem* v : e.variants()) {
      bc::Variant out;
      out.name = intern(v->name);
      out.weight = static_cast<uint8_t>(std::clamp<int64_t>(v->weight, 0, 255));
      out.target = here();
      out.stepBegin = static_cast<uint32_t>(m_.steps.size() - stepBegin_);
      lowerBlock(v->body);
      out.stepEnd = static_cast<uint32_t>(m_.steps.size() - stepBegin_);
      if (!endsFlow(v->body)) toEnd.push_back(emitJump(Opcode::Jump));
      variants.push_back(out);
    }
    for (uint32_t j : toEnd) patch(j, here());
    m_.experiments[index].variants = std::move(variants);
  }

  // Emits the test of arm `i`; returns the jump to patch with where a false test goes.
  uint32_t lowerCondition(const ast::IfStmt& s, size_t i) {
    const ast::IfArm& arm = s.arms[i];
    const ast::Condition& c = arm.condition;
    if (!c.expr) {
      fail(arm.keyword, "internal: condition without an expression");
      return emitJump(Opcode::Jump);
    }
    std::vector<const ast::MemberExpr*> refs = stepRefs(*c.expr);
    if (refs.empty()) {  // a field condition
      emitExpr(*c.expr);
      return emitJump(Opcode::JumpIfFalse);
    }
    if (parseCallOutcome(refs.front()->member)) {
      // Call outcomes, joined by `or`: one `outcome` per step with its outcomes merged.
      std::vector<std::pair<uint16_t, uint8_t>> groups;
      for (const ast::MemberExpr* m : refs) {
        uint16_t step = stepOf(m->step);
        auto outcome = parseCallOutcome(m->member);
        if (!outcome) {
          fail(m->range, fmt::format("internal: '{}' is not a call outcome", m->member));
          continue;
        }
        auto bit = static_cast<uint8_t>(1u << static_cast<unsigned>(*outcome));
        auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& x) { return x.first == step; });
        if (g != groups.end())
          g->second |= bit;
        else
          groups.emplace_back(step, bit);
      }
      auto operand = [&](size_t k) { emitOutcome(groups[k].first, groups[k].second); };
      if (groups.size() == 1)
        operand(0);
      else
        emitChain(ast::BinaryOp::Or, groups.size(), operand);
      return emitJump(Opcode::JumpIfFalse);
    }
    // Engagement events: a condition step awaited by the record.
    const auto* top = dyn_cast<ast::BinaryExpr>(c.expr.get());
    bc::Step st;
    st.kind = bc::StepKind::Condition;
    st.all = top && top->op == ast::BinaryOp::And;
    st.label = i == 0 ? label(s) : bc::kNone;
    st.line = line(arm.keyword);
    if (c.within)
      st.seconds = stepSeconds(*c.within, "`within`", st);
    else
      fail(c.range, "internal: engagement condition without `within`");
    st.termBegin = static_cast<uint32_t>(m_.terms.size());
    for (const ast::MemberExpr* m : refs) {
      uint16_t step = stepOf(m->step);
      auto event = parseEngagementEvent(m->member);
      if (!event) {
        fail(m->range, fmt::format("internal: '{}' is not an engagement event", m->member));
        continue;
      }
      auto bit = static_cast<uint8_t>(1u << static_cast<unsigned>(*event));
      if (!st.all) {
        auto begin = m_.terms.begin() + st.termBegin;
        auto t = std::find_if(begin, m_.terms.end(), [&](const bc::Term& x) { return x.step == step; });
        if (t != m_.terms.end()) {
          t->events |= bit;
          continue;
        }
      }
      m_.terms.push_back({step, bit});
    }
    st.termCount = static_cast<uint32_t>(m_.terms.size() - st.termBegin);
    return emitAwait(addStep(st));
  }

  // ---- expressions ---------------------------------------------------------------

  // `a and b …` → a; jump_if_false F; b; jump_if_false F; …; true; jump E; F: false; E:
  // `a or b …`  → a; jump_if_false N1; jump T; N1: b; …; last; jump_if_false F;
  //               T: true; jump E; F: false; E:
  void emitChain(ast::BinaryOp op, size_t count, const std::function<void(size_t)>& operand) {
    int base = depth_;
    std::vector<uint32_t> toFalse, toTrue;
    for (size_t i = 0; i < count; ++i) {
      operand(i);
      if (op == ast::BinaryOp::And || i + 1 == count) {
        toFalse.push_back(emitJump(Opcode::JumpIfFalse));
      } else {
        uint32_t toNext = emitJump(Opcode::JumpIfFalse);
        toTrue.push_back(emitJump(Opcode::Jump));
        patch(toNext, here());
      }
    }
    for (uint32_t j : toTrue) patch(j, here());
    emit(Opcode::True);
    uint32_t toEnd = emitJump(Opcode::Jump);
    for (uint32_t j : toFalse) patch(j, here());
    depth_ = base;
    emit(Opcode::False);
    patch(toEnd, here());
  }

  void emitExpr(const ast::Expr& e, Hint hint = {}) {
    if (auto f = fold(e)) {
      if (f->isBool)
        emit(f->b ? Opcode::True : Opcode::False);
      else
        emitInt(f->i, hint);
      return;
    }
    switch (e.kind) {
      case ast::ExprKind::IntLit:
      case ast::ExprKind::BoolLit: return;  // folded above
      case ast::ExprKind::DecimalLit: emitDecimal(cast<ast::DecimalLit>(e).text, false, hint); return;
      case ast::ExprKind::StringLit: emitString(cast<ast::StringLit>(e).value, hint); return;
      case ast::ExprKind::NullLit: emit(Opcode::Null); return;
      case ast::ExprKind::DurationLit: emitDuration(cast<ast::DurationLit>(e).minutes, false); return;
      case ast::ExprKind::Name: emit(Opcode::LoadVar, variable(cast<ast::NameExpr>(e).variable)); return;
      case ast::ExprKind::Member: {
        const auto& m = cast<ast::MemberExpr>(e);
        if (!m.field) {
          fail(e.range, fmt::format("internal: '{}.{}' is not a field here", m.object, m.member));
          return;
        }
        emit(Opcode::LoadField, field(*m.field));
        return;
      }
      case ast::ExprKind::Call: {
        const auto& c = cast<ast::CallExpr>(e);
        auto fn = builtinIndex(c.callee);
        if (!fn || bc::kBuiltinInfo[*fn].arity != static_cast<int>(c.args.size())) {
          fail(e.range, fmt::format("internal: no builtin {}() with {} arguments", c.callee, c.args.size()));
          return;
        }
        for (const auto& a : c.args) emitExpr(*a);
        emitCall(*fn);
        return;
      }
      case ast::ExprKind::Unary: {
        const auto& u = cast<ast::UnaryExpr>(e);
        if (u.op == ast::UnaryOp::Neg) {
          if (const auto* lit = dyn_cast<ast::DecimalLit>(u.operand.get()))
            return emitDecimal(lit->text, /*negate=*/true, hint);
          if (const auto* lit = dyn_cast<ast::DurationLit>(u.operand.get()))
            return emitDuration(lit->minutes, /*negate=*/true);
        }
        emitExpr(*u.operand);
        emit(u.op == ast::UnaryOp::Neg ? Opcode::Neg : Opcode::Not);
        return;
      }
      case ast::ExprKind::Binary: emitBinary(cast<ast::BinaryExpr>(e)); return;
      case ast::ExprKind::In: {
        const auto& in = cast<ast::InExpr>(e);
        Hint lhsHint;
        for (const auto& item : in.items)
          if (item->type.kind == TypeKind::Choice || item->type.kind == TypeKind::Money) {
            lhsHint = Hint::of(item->type);
            break;
          }
        emitExpr(*in.lhs, lhsHint);
        for (const auto& item : in.items) emitExpr(*item, Hint::of(in.lhs->type));
        if (in.items.size() > kMaxU16Index) {
          fail(e.range, fmt::format("an `in` list has more than {} items", kMaxU16Index));
          return;
        }
        emit(Opcode::In, static_cast<uint16_t>(in.items.size()));
        return;
      }
      case ast::ExprKind::Error: fail(e.range, "internal: an erroneous expression"); return;
    }
  }

  void emitBinary(const ast::BinaryExpr& b) {
    using B = ast::BinaryOp;
    if (b.op == B::And || b.op == B::Or) {
      std::vector<const ast::Expr*> xs = flatten(b, b.op);
      emitChain(b.op, xs.size(), [&](size_t i) { emitExpr(*xs[i]); });
      return;
    }
    Hint lhsHint, rhsHint;
    switch (b.op) {
      case B::Eq: case B::Ne: case B::Lt: case B::Le: case B::Gt: case B::Ge:
        lhsHint = Hint::of(b.rhs->type);
        rhsHint = Hint::of(b.lhs->type);
        break;
      case B::Add: case B::Sub:  // money ± decimal literal: the literal is exact money
        if (b.rhs->type.kind == TypeKind::Money) lhsHint = Hint::of(b.rhs->type);
        if (b.lhs->type.kind == TypeKind::Money) rhsHint = Hint::of(b.lhs->type);
        break;
      default: break;
    }
    emitExpr(*b.lhs, lhsHint);
    emitExpr(*b.rhs, rhsHint);
    emit(arithmeticOpcode(b.op));
  }

  void emitInt(int64_t v, Hint hint) {
    int64_t scaled = 0;
    if (hint.store && hint.kind == TypeKind::Money && !__builtin_mul_overflow(v, int64_t{10000}, &scaled)) {
      emit(Opcode::Const, intConstant(bc::ValueType::Money, scaled));
    } else if (hint.store && hint.kind == TypeKind::Decimal) {
      bc::Constant c;
      c.type = bc::ValueType::Decimal;
      c.d = static_cast<double>(v);
      emit(Opcode::Const, constant(c));
    } else {
      emit(Opcode::Const, intConstant(bc::ValueType::Int, v));
    }
  }

  void emitDecimal(std::string_view text, bool negate, Hint hint) {
    if (hint.kind == TypeKind::Money)
      if (auto money = exactMoney(text, negate)) {
        emit(Opcode::Const, intConstant(bc::ValueType::Money, *money));
        return;
      }
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec != std::errc() || end != text.data() + text.size())
      fail(statement_, fmt::format("the decimal '{}' cannot be represented", text));
    bc::Constant c;
    c.type = bc::ValueType::Decimal;
    c.d = negate ? -d : d;
    emit(Opcode::Const, constant(c));
  }

  void emitString(const std::string& value, Hint hint) {
    if (hint.kind == TypeKind::Choice && hint.choice) {
      if (const OptionInfo* o = hint.choice->optionByLabel(value)) {
        emit(Opcode::Const, intConstant(bc::ValueType::Int, o->value));
        return;
      }
      fail(statement_, fmt::format("internal: \"{}\" is not an option of '{}'", value, hint.choice->name));
    }
    bc::Constant c;
    c.type = bc::ValueType::String;
    c.str = intern(value);
    emit(Opcode::Const, constant(c));
  }

  void emitDuration(int64_t minutes, bool negate) {
    int64_t s = 0;
    if (__builtin_mul_overflow(minutes, kSecondsPerMinute, &s))
      fail(statement_, "a duration is too large");
    emit(Opcode::Const, intConstant(bc::ValueType::Duration, negate ? -s : s));
  }

  const Program& program_;
  const SourceManager& sm_;
  bc::Module& m_;
  std::string error_;

  std::unordered_map<std::string, uint32_t> stringIndex_;
  std::map<std::tuple<uint8_t, int64_t, uint64_t, uint32_t>, uint16_t> constantIndex_;
  std::unordered_map<const FieldInfo*, uint16_t> fieldIndex_;
  const EntityInfo* entity_ = nullptr;  // the sequence being lowered's
  std::unordered_map<const ast::CalendarDecl*, uint32_t> calendarIndex_;

  // The sequence being lowered.
  size_t stepBegin_ = 0;
  size_t branchBegin_ = 0;
  size_t experimentBegin_ = 0;
  // Experiments with a field metric in the sequence being lowered: (index, condition).
  std::vector<std::pair<size_t, const ast::Expr*>> pendingMetrics_;
  std::unordered_map<const ast::Stmt*, uint16_t> stepOf_;
  std::unordered_map<const ast::LetStmt*, uint16_t> varOf_;
  uint16_t slots_ = 0;
  SourceRange statement_;  // for messages
  int depth_ = 0;          // operand stack depth at the end of the code so far
  bool stackReported_ = false;
};

}  // namespace

bool lower(const Program& program, const SourceManager& sources, std::string sourceName,
           bc::Module& out, std::string& error) {
  out = bc::Module();
  out.source = std::move(sourceName);
  return Lowerer(program, sources, out).run(error);
}

bool lower(const Compilation& compilation, bc::Module& out, std::string& error) {
  if (compilation.diagnostics().hasErrors() || !compilation.program()) {
    error = "the compilation has errors; nothing can be lowered";
    return false;
  }
  std::string source;
  for (FileId id = 0; id < compilation.sources().size(); ++id)
    if (!compilation.isStdlib(id)) {
      // The module's source name is text (the format holds UTF-8); a file name need not be.
      source = printable(std::filesystem::path(compilation.sources().file(id).path()).filename().string());
      break;
    }
  return lower(*compilation.program(), compilation.sources(), std::move(source), out, error);
}

}  // namespace seqc
