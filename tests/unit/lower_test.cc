// Lowering: checked sources → bc::Module tables and code.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/compilation.h"
#include "compiler/lower.h"

using namespace seqc;

namespace {

bc::Module lowerSource(const std::string& text) {
  Compilation c({SEQC_STDLIB_DIR});
  runWithLargeStack([&] { c.checkSource("dir/mem.seq", text); });
  INFO(renderText(c.sources(), c.diagnostics().sorted(c.sources())));
  REQUIRE(!c.diagnostics().hasErrors());
  bc::Module m;
  std::string error;
  bool ok = false;
  runWithLargeStack([&] { ok = lower(c, m, error); });
  INFO(error);
  REQUIRE(ok);
  return m;
}

// The error lowering reports for a source that checks clean.
std::string lowerError(const std::string& text) {
  Compilation c({SEQC_STDLIB_DIR});
  runWithLargeStack([&] { c.checkSource("mem.seq", text); });
  INFO(renderText(c.sources(), c.diagnostics().sorted(c.sources())));
  REQUIRE(!c.diagnostics().hasErrors());
  bc::Module m;
  std::string error;
  bool ok = true;
  runWithLargeStack([&] { ok = lower(c, m, error); });
  CHECK(!ok);
  return error;
}

struct Instr {
  uint32_t pc = 0;
  bc::Opcode op = bc::Opcode::End;
  uint32_t a = 0, b = 0;  // operands in layout order
  std::string_view name() const { return bc::info(op).mnemonic; }
};

std::vector<Instr> decode(const bc::Module& m, uint32_t begin, uint32_t end) {
  std::vector<Instr> out;
  for (uint32_t pc = begin; pc < end;) {
    REQUIRE(m.code[pc] < bc::kOpcodeCount);
    Instr in;
    in.pc = pc;
    in.op = static_cast<bc::Opcode>(m.code[pc]);
    REQUIRE(pc + bc::instructionSize(in.op) <= end);
    const uint8_t* p = m.code.data() + pc + 1;
    switch (bc::info(in.op).layout) {
      case bc::Layout::None: break;
      case bc::Layout::U8: in.a = p[0]; break;
      case bc::Layout::U16: in.a = bc::readU16(p); break;
      case bc::Layout::U32: in.a = bc::readU32(p); break;
      case bc::Layout::U16U8: in.a = bc::readU16(p); in.b = p[2]; break;
      case bc::Layout::U16U32: in.a = bc::readU16(p); in.b = bc::readU32(p + 2); break;
    }
    out.push_back(in);
    pc += static_cast<uint32_t>(bc::instructionSize(in.op));
  }
  return out;
}

std::vector<std::string> mnemonics(const std::vector<Instr>& code) {
  std::vector<std::string> out;
  for (const Instr& i : code) out.emplace_back(i.name());
  return out;
}

// The instruction at `pc` (by index into `code`), -1 if none starts there.
int indexAt(const std::vector<Instr>& code, uint32_t pc) {
  for (size_t i = 0; i < code.size(); ++i)
    if (code[i].pc == pc) return static_cast<int>(i);
  return -1;
}

// The line of `pc` by the module's line table (as Module::lineAt, which the runtime defines).
uint32_t lineAt(const bc::Module& m, uint32_t pc) {
  uint32_t line = 0;
  for (const bc::LineEntry& e : m.lines)
    if (e.pc <= pc) line = e.line;
  return line;
}

std::vector<Instr> mainCode(const bc::Module& m, size_t seq = 0) {
  return decode(m, m.sequences[seq].codeBegin, m.sequences[seq].codeEnd);
}

// The verifier accepts the module, and the tables and code hold together the way the
// lowering promises (contiguous runs, local indices, code ending with `end`).
void checkWellFormed(const bc::Module& m) {
  std::string error;
  bool verified = bc::verify(m, error);
  INFO(error);
  CHECK(verified);
  uint32_t code = 0, steps = 0, branches = 0;
  for (const bc::Sequence& s : m.sequences) {
    CHECK(s.codeBegin == code);
    CHECK(s.stepBegin == steps);
    CHECK(s.branchBegin == branches);
    CHECK(s.codeBegin < s.codeEnd);
    CHECK(s.codeEnd == s.exitBegin);
    code = s.exitEnd;
    if (s.zoneBegin != s.zoneEnd) {  // the time zone block follows, ending in zone_result
      CHECK(s.zoneBegin == s.exitEnd);
      CHECK(decode(m, s.zoneBegin, s.zoneEnd).back().op == bc::Opcode::ZoneResult);
      code = s.zoneEnd;
    }
    steps += s.stepCount;
    branches += s.branchCount;
    auto main = decode(m, s.codeBegin, s.codeEnd);
    CHECK(main.back().op == bc::Opcode::End);
    auto exit = decode(m, s.exitBegin, s.exitEnd);
    if (!exit.empty()) CHECK(exit.back().op == bc::Opcode::ExitTest);
    for (auto* part : {&main, &exit})
      for (const Instr& i : *part) {
        if (i.op == bc::Opcode::Jump || i.op == bc::Opcode::JumpIfFalse) CHECK(indexAt(*part, i.a) >= 0);
        if (i.op == bc::Opcode::Await) {
          CHECK(indexAt(*part, i.b) >= 0);
          CHECK(m.steps[s.stepBegin + i.a].kind == bc::StepKind::Condition);
        }
        if (i.op == bc::Opcode::Activity) CHECK(m.steps[s.stepBegin + i.a].kind == bc::StepKind::Activity);
        if (i.op == bc::Opcode::Wait) CHECK(m.steps[s.stepBegin + i.a].kind == bc::StepKind::Wait);
        if (i.op == bc::Opcode::Branch) CHECK(i.a < s.branchCount);
        if (i.op == bc::Opcode::Const) CHECK(i.a < m.constants.size());
        if (i.op == bc::Opcode::LoadField || i.op == bc::Opcode::SetField) CHECK(i.a < m.fields.size());
        if (i.op == bc::Opcode::LoadVar || i.op == bc::Opcode::StoreVar) CHECK(i.a < s.vars);
      }
    for (uint32_t k = s.stepBegin; k < s.stepBegin + s.stepCount; ++k) {
      const bc::Step& st = m.steps[k];
      CHECK(st.line > 0);
      if (st.kind == bc::StepKind::Condition)
        for (uint32_t t = st.termBegin; t < st.termBegin + st.termCount; ++t) CHECK(m.terms[t].step < s.stepCount);
      if (st.slot != bc::kNoSlot) CHECK(st.slot < s.slots);
    }
  }
  for (const bc::Segment& g : m.segments) {  // where blocks follow, each ending in exit_test
    CHECK(g.condBegin == code);
    CHECK(decode(m, g.condBegin, g.condEnd).back().op == bc::Opcode::ExitTest);
    code = g.condEnd;
  }
  CHECK(code == m.code.size());
  CHECK(steps == m.steps.size());
  CHECK(branches == m.branches.size());
  for (size_t i = 1; i < m.lines.size(); ++i) CHECK(m.lines[i - 1].pc < m.lines[i].pc);
}

bool sameModule(const bc::Module& a, const bc::Module& b) {
  auto constants = [](const bc::Module& m) {
    std::ostringstream o;
    for (const auto& c : m.constants) o << int(c.type) << ':' << c.i << ':' << c.d << ':' << c.str << ';';
    return o.str();
  };
  auto steps = [](const bc::Module& m) {
    std::ostringstream o;
    for (const auto& s : m.steps)
      o << int(s.kind) << int(s.activity) << s.all << s.label << ',' << s.title << ',' << s.templ << ','
        << s.description << ',' << s.seconds << ',' << s.line << ',' << s.slot << ',' << s.termBegin << ','
        << s.termCount << ';';
    for (const auto& t : m.terms) o << t.step << '/' << int(t.events) << ';';
    for (const auto& br : m.branches) o << br.line << '/' << br.arm << ';';
    for (const auto& l : m.lines) o << l.pc << '/' << l.line << ';';
    for (const auto& f : m.fields) {
      o << f.entity << '.' << f.name << ':' << int(f.type) << ':' << f.maxLength;
      for (const auto& opt : f.options) o << '(' << opt.value << ' ' << opt.label << ')';
      o << ';';
    }
    for (const auto& s : m.sequences) {
      o << s.name << s.entity << s.description << s.exitOnReply << s.total << s.vars << s.slots << s.line
        << s.stepBegin << s.stepCount << s.branchBegin << s.branchCount << s.codeBegin << s.codeEnd
        << s.exitBegin << s.exitEnd;
      for (uint32_t t : s.tags) o << t << ',';
      o << ';';
    }
    return o.str();
  };
  return a.source == b.source && a.strings == b.strings && a.code == b.code && constants(a) == constants(b) &&
         steps(a) == steps(b);
}

const bc::Constant& constantOf(const bc::Module& m, const Instr& i) {
  REQUIRE(i.op == bc::Opcode::Const);
  return m.constants[i.a];
}

constexpr uint8_t bit(EngagementEvent e) { return static_cast<uint8_t>(1u << static_cast<unsigned>(e)); }
constexpr uint8_t bit(CallOutcome o) { return static_cast<uint8_t>(1u << static_cast<unsigned>(o)); }

}  // namespace

TEST_CASE("lower: steps: activities, waits and engagement conditions in source order", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"                                             // 1
      "  description \"About\"\n"                                               // 2
      "  tags \"a\", \"b/c\"\n"                                                 // 3
      "  exit on reply\n"                                                       // 4
      "  intro: auto email \"Hi\" template \"t1\" description \"d\" due 1d\n"   // 5
      "  wait 2d\n"                                                             // 6
      "  check: if intro.opened or intro.clicked within 3d {\n"                 // 7
      "    call1: call \"Call\"\n"                                              // 8
      "  } else if intro.replied within 1h {\n"                                 // 9
      "    task \"Task\"\n"                                                     // 10
      "  }\n"                                                                   // 11
      "  text \"Txt\"\n"                                                        // 12
      "}\n");
  CHECK(m.source == "mem.seq");
  REQUIRE(m.sequences.size() == 1);
  const bc::Sequence& s = m.sequences[0];
  CHECK(m.str(s.name) == "s");
  CHECK(m.str(s.entity) == "lead");
  CHECK(m.str(s.description) == "About");
  REQUIRE(s.tags.size() == 2);
  CHECK(m.str(s.tags[1]) == "b/c");
  CHECK(s.exitOnReply);
  CHECK(s.line == 1);
  CHECK(s.total == 3);  // intro, call1 or task, text
  CHECK(s.slots == 3);  // intro, call1, the text
  REQUIRE(s.stepCount == 7);

  const bc::Step& intro = m.steps[0];
  CHECK(intro.kind == bc::StepKind::Activity);
  CHECK(intro.activity == ActivityKind::AutoEmail);
  CHECK(m.str(intro.label) == "intro");
  CHECK(m.str(intro.title) == "Hi");
  CHECK(m.str(intro.templ) == "t1");
  CHECK(m.str(intro.description) == "d");
  CHECK(intro.seconds == 86400);
  CHECK(intro.line == 5);
  CHECK(intro.slot == 0);

  const bc::Step& wait = m.steps[1];
  CHECK(wait.kind == bc::StepKind::Wait);
  CHECK(wait.seconds == 2 * 86400);
  CHECK(wait.label == bc::kNone);
  CHECK(wait.slot == bc::kNoSlot);
  CHECK(wait.line == 6);

  const bc::Step& first = m.steps[2];
  CHECK(first.kind == bc::StepKind::Condition);
  CHECK(m.str(first.label) == "check");
  CHECK(first.line == 7);
  CHECK(first.seconds == 3 * 86400);
  CHECK(!first.all);
  REQUIRE(first.termCount == 1);  // both events of one step: one mask
  CHECK(m.terms[first.termBegin].step == 0);
  CHECK(m.terms[first.termBegin].events == (bit(EngagementEvent::Opened) | bit(EngagementEvent::Clicked)));

  CHECK(m.steps[3].activity == ActivityKind::Call);
  CHECK(m.steps[3].slot == 1);
  CHECK(m.steps[3].templ == bc::kNone);
  CHECK(m.steps[3].seconds == 0);

  const bc::Step& second = m.steps[4];
  CHECK(second.kind == bc::StepKind::Condition);
  CHECK(second.label == bc::kNone);  // the label belongs to the first arm
  CHECK(second.line == 9);
  CHECK(second.seconds == 3600);
  REQUIRE(second.termCount == 1);
  CHECK(m.terms[second.termBegin].events == bit(EngagementEvent::Replied));

  CHECK(m.steps[5].activity == ActivityKind::Task);
  CHECK(m.steps[5].slot == bc::kNoSlot);
  CHECK(m.steps[5].line == 10);
  CHECK(m.steps[6].activity == ActivityKind::Text);
  CHECK(m.steps[6].slot == 2);
  checkWellFormed(m);
}

TEST_CASE("lower: code of an if: await, branches, jumps", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"                                  // 1
      "  e: email \"Hi\"\n"                                         // 2
      "  if e.opened and e.clicked within 1d {\n"                   // 3
      "    task \"A\"\n"                                            // 4
      "  } else if lead.donotemail {\n"                             // 5
      "    end\n"                                                   // 6
      "  }\n"                                                       // 7
      "  task \"B\"\n"                                              // 8
      "}\n");
  auto code = mainCode(m);
  CHECK(mnemonics(code) == std::vector<std::string>{"activity", "await", "branch", "activity", "jump",
                                                    "load_field", "jump_if_false", "branch", "end",
                                                    "branch", "activity", "end"});
  // await falls through when true, else goes to the next arm's test
  CHECK(code[1].a == 1);
  CHECK(indexAt(code, code[1].b) == 5);
  CHECK(indexAt(code, code[4].a) == 10);  // after the if
  CHECK(indexAt(code, code[6].a) == 9);   // the else path
  // `and` keeps one term per event
  const bc::Step& cond = m.steps[1];
  CHECK(cond.all);
  REQUIRE(cond.termCount == 2);
  CHECK(m.terms[cond.termBegin].events == bit(EngagementEvent::Opened));
  CHECK(m.terms[cond.termBegin + 1].events == bit(EngagementEvent::Clicked));
  // branches: arm 0, arm 1, else; all on the line of the if
  REQUIRE(m.branches.size() == 3);
  CHECK(code[2].a == 0);
  CHECK(code[7].a == 1);
  CHECK(code[9].a == 2);
  CHECK(m.branches[0].arm == 0);
  CHECK(m.branches[1].arm == 1);
  CHECK(m.branches[2].arm == bc::kElseArm);
  for (const bc::Branch& b : m.branches) CHECK(b.line == 3);
  CHECK(m.sequences[0].total == 3);
  // line table: each statement and each arm
  CHECK(lineAt(m, code[5].pc) == 5);
  CHECK(lineAt(m, code[8].pc) == 6);
  CHECK(lineAt(m, code[10].pc) == 8);
  CHECK(lineAt(m, code[0].pc) == 2);
  checkWellFormed(m);
}

TEST_CASE("lower: call outcomes: one outcome per step with merged masks", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  c1: call \"One\"\n"
      "  c2: call \"Two\"\n"
      "  if c1.answered or c2.no_answer or c1.voicemail {\n"
      "    task \"A\"\n"
      "  } else {\n"
      "    task \"B\"\n"
      "  }\n"
      "}\n");
  auto code = mainCode(m);
  CHECK(mnemonics(code) == std::vector<std::string>{"activity", "activity", "outcome", "jump_if_false", "jump",
                                                    "outcome", "jump_if_false", "true", "jump", "false",
                                                    "jump_if_false", "branch", "activity", "jump", "branch",
                                                    "activity", "end"});
  CHECK(code[2].a == 0);
  CHECK(code[2].b == (bit(CallOutcome::Answered) | bit(CallOutcome::Voicemail)));
  CHECK(code[5].a == 1);
  CHECK(code[5].b == bit(CallOutcome::NoAnswer));
  CHECK(m.steps.size() == 4);  // no condition step for outcomes
  CHECK(m.sequences[0].slots == 2);
  CHECK(m.sequences[0].total == 3);
  checkWellFormed(m);
}

TEST_CASE("lower: total: the longest path, stopping at end and advance", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  task \"1\"\n"
      "  if lead.donotemail {\n"
      "    task \"2\" task \"3\" task \"4\"\n"
      "    end\n"
      "  } else if lead.numberofemployees > 5 {\n"
      "    task \"2\"\n"
      "    if lead.numberofemployees > 50 { task \"3\" task \"4\" task \"5\" task \"6\" advance to \"t\" }\n"
      "  }\n"
      "  task \"last\"\n"
      "}\n"
      "sequence \"t\" on lead { task \"x\" }\n");
  CHECK(m.sequences[0].total == 6);  // 1, then the else-if arm: 2, 3, 4, 5, 6 and advance
  CHECK(m.sequences[1].total == 1);
  // the second sequence's tables start where the first's end; indices are local
  const bc::Sequence& t = m.sequences[1];
  CHECK(t.stepBegin == m.sequences[0].stepCount);
  CHECK(t.stepCount == 1);
  CHECK(t.branchCount == 0);
  auto code = mainCode(m, 1);
  CHECK(mnemonics(code) == std::vector<std::string>{"activity", "end"});
  CHECK(code[0].a == 0);
  // advance names its target by a string constant
  auto first = mainCode(m, 0);
  auto adv = std::find_if(first.begin(), first.end(), [](const Instr& i) { return i.op == bc::Opcode::Advance; });
  REQUIRE(adv != first.end());
  CHECK(m.constants[adv->a].type == bc::ValueType::String);
  CHECK(m.str(m.constants[adv->a].str) == "t");
  checkWellFormed(m);
}

TEST_CASE("lower: total: a branch that ends does not continue after the if", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"a\" on lead {\n"
      "  task \"1\"\n"
      "  if lead.donotemail { task \"2\" task \"3\" task \"4\" end }\n"
      "  task \"5\" task \"6\" task \"7\"\n"
      "}\n"
      "sequence \"b\" on lead {\n"
      "  task \"1\"\n"
      "  if lead.donotemail { task \"2\" task \"3\" advance to \"a\" }\n"
      "  task \"4\" task \"5\"\n"
      "}\n"
      "sequence \"c\" on lead {\n"
      "  task \"1\"\n"
      "  if lead.donotemail { task \"2\" task \"3\" task \"4\" task \"5\" end } else { end }\n"
      "}\n");
  CHECK(m.sequences[0].total == 4);
  CHECK(m.sequences[1].total == 3);
  CHECK(m.sequences[2].total == 5);
}

TEST_CASE("lower: constants: choice labels, exact money, folding, deduplication", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  task \"x\"\n"
      "  if lead.statuscode == \"Contacted\" { set lead.statuscode = \"Lost\" }\n"
      "  if lead.budgetamount >= 12.3456 { set lead.budgetamount = 0.1 }\n"
      "  if lead.leadqualitycode in [\"Hot\", \"Warm\"] { task \"y\" }\n"
      "  let a = -5\n"
      "  let b = 2 * 3 + 1\n"
      "  let c = 0.1\n"
      "  let d = lead.budgetamount\n"
      "  d = 7\n"
      "  if a < b and c > 0.0 and d > 0 and not false { task \"z\" }\n"
      "  let e = 1d 2h\n"
      "  if e > 1h and lead.subject == \"Contacted\" { task \"w\" }\n"
      "}\n");
  auto code = mainCode(m);
  auto consts = [&](bc::ValueType t) {
    std::vector<int64_t> out;
    for (const bc::Constant& c : m.constants)
      if (c.type == t) out.push_back(c.i);
    return out;
  };
  // "Contacted" → 2, "Lost" → 4, "Hot" → 1, "Warm" → 2 (deduplicated), folded -5, 7, 0
  CHECK(consts(bc::ValueType::Int) == std::vector<int64_t>{2, 4, 1, -5, 7, 0});
  CHECK(consts(bc::ValueType::Money) == std::vector<int64_t>{123456, 1000, 70000});
  CHECK(consts(bc::ValueType::Duration) == std::vector<int64_t>{93600, 3600});
  std::vector<double> decimals;
  for (const bc::Constant& c : m.constants)
    if (c.type == bc::ValueType::Decimal) decimals.push_back(c.d);
  CHECK(decimals == std::vector<double>{0.1, 0.0});
  // the string "Contacted" compared with a string field stays a string
  std::vector<std::string> strings;
  for (const bc::Constant& c : m.constants)
    if (c.type == bc::ValueType::String) strings.emplace_back(m.str(c.str));
  CHECK(strings == std::vector<std::string>{"Contacted"});
  // folded: no neg/mul/add/not in the code
  for (const Instr& i : code) {
    CHECK(i.op != bc::Opcode::Neg);
    CHECK(i.op != bc::Opcode::Mul);
    CHECK(i.op != bc::Opcode::Add);
    CHECK(i.op != bc::Opcode::Not);
  }
  // `let b = 2 * 3 + 1` is one constant
  auto storeB = std::find_if(code.begin(), code.end(),
                             [](const Instr& i) { return i.op == bc::Opcode::StoreVar && i.a == 1; });
  REQUIRE(storeB != code.begin());
  CHECK(constantOf(m, *(storeB - 1)).i == 7);
  CHECK(m.sequences[0].vars == 5);
  checkWellFormed(m);
}

TEST_CASE("lower: folding stops where the result would differ at run time", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  task \"x\"\n"
      "  let a = 7 % 3\n"
      "  let b = 9223372036854775807 + 1\n"
      "  let c = -7 % 3\n"
      "  let d = 1 / 2\n"
      "  let e = 5 > 3\n"
      "  if a + b + c + d > 0 and e { task \"y\" }\n"
      "}\n");
  auto code = mainCode(m);
  std::vector<std::string> ops;
  for (const Instr& i : code)
    if (i.op != bc::Opcode::Const && i.op != bc::Opcode::StoreVar) ops.emplace_back(i.name());
  // a: folded; b: overflows; c: `%` of a negative (-7 itself folds); d: int / int is a
  // decimal; e: folded
  CHECK(std::vector<std::string>(ops.begin(), ops.begin() + 5) ==
        std::vector<std::string>{"activity", "add", "mod", "div", "true"});
  CHECK(constantOf(m, code[1]).i == 1);
}

TEST_CASE("lower: fields: each touched field once, with type, length and options", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  task \"x\"\n"
      "  if lead.statuscode == \"New\" and lead.subject != \"a\" { set lead.subject = \"b\" }\n"
      "  set lead.statuscode = 5\n"
      "}\n");
  REQUIRE(m.fields.size() == 2);
  const bc::Field& status = m.fields[0];
  CHECK(m.str(status.entity) == "lead");
  CHECK(m.str(status.name) == "statuscode");
  CHECK(status.type == bc::ValueType::Choice);
  REQUIRE(status.options.size() == 7);
  CHECK(status.options[4].value == 5);
  CHECK(m.str(status.options[4].label) == "Cannot Contact");
  const bc::Field& subject = m.fields[1];
  CHECK(subject.type == bc::ValueType::String);
  CHECK(subject.maxLength == 300);
  CHECK(subject.options.empty());
  checkWellFormed(m);
}

TEST_CASE("lower: expressions: short-circuit and/or, in, calls", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  task \"x\"\n"
      "  let a = lead.donotemail or lead.numberofemployees in [1, 2, 3] or contains(lead.subject, \"x\")\n"
      "  if a { task \"y\" }\n"
      "}\n");
  auto code = mainCode(m);
  CHECK(mnemonics(code) == std::vector<std::string>{
                               "activity",
                               "load_field", "jump_if_false", "jump",                               // a
                               "load_field", "const", "const", "const", "in", "jump_if_false", "jump",  // b
                               "load_field", "const", "call", "jump_if_false",                      // c
                               "true", "jump", "false", "store_var",
                               "load_var", "jump_if_false", "branch", "activity", "jump", "branch", "end"});
  CHECK(code[8].a == 3);
  CHECK(code[13].a == static_cast<uint32_t>(bc::Builtin::Contains));
  CHECK(indexAt(code, code[2].a) == 4);   // a false: try b
  CHECK(indexAt(code, code[3].a) == 15);  // a true: true
  CHECK(indexAt(code, code[14].a) == 17); // c false: false
  CHECK(indexAt(code, code[16].a) == 18); // past false
  checkWellFormed(m);
}

TEST_CASE("lower: exit when: one block or-ing every condition, or none", "[lower]") {
  bc::Module none = lowerSource("sequence \"s\" on lead { task \"x\" }\n");
  CHECK(none.sequences[0].exitBegin == none.sequences[0].exitEnd);
  CHECK(mnemonics(mainCode(none)) == std::vector<std::string>{"activity", "end"});

  bc::Module one = lowerSource(
      "sequence \"s\" on lead {\n  exit when lead.statecode != \"Open\"\n  task \"x\"\n}\n");
  const bc::Sequence& s1 = one.sequences[0];
  auto exit1 = decode(one, s1.exitBegin, s1.exitEnd);
  CHECK(mnemonics(exit1) == std::vector<std::string>{"load_field", "const", "ne", "exit_test"});
  CHECK(constantOf(one, exit1[1]).type == bc::ValueType::Int);
  CHECK(constantOf(one, exit1[1]).i == 0);
  CHECK(lineAt(one, s1.exitBegin) == 2);

  bc::Module two = lowerSource(
      "sequence \"s\" on lead {\n  exit when lead.donotemail\n  exit when lead.numberofemployees > 10\n"
      "  task \"x\"\n}\n");
  const bc::Sequence& s2 = two.sequences[0];
  auto exit2 = decode(two, s2.exitBegin, s2.exitEnd);
  CHECK(mnemonics(exit2) == std::vector<std::string>{"load_field", "jump_if_false", "jump", "load_field",
                                                     "const", "gt", "jump_if_false", "true", "jump", "false",
                                                     "exit_test"});
  CHECK(lineAt(two, exit2[3].pc) == 3);
  checkWellFormed(two);
}

TEST_CASE("lower: segments: a row each and a where block after every sequence", "[lower]") {
  bc::Module m = lowerSource(
      "segment \"Big\" on lead {\n  priority 3\n  where lead.numberofemployees > 10\n  feeds \"b\"\n"
      "  on leave disconnect\n}\n"
      "sequence \"a\" on lead { task \"x\" }\nsequence \"b\" on lead { task \"y\" }\n");
  REQUIRE(m.segments.size() == 1);
  const bc::Segment& g = m.segments[0];
  CHECK(m.str(g.name) == "Big");
  CHECK(m.str(g.entity) == "lead");
  CHECK(g.feeds == 1);
  CHECK(g.priority == 3);
  CHECK(g.disconnect);
  CHECK(g.line == 1);
  CHECK(g.condBegin == m.sequences[1].zoneEnd);  // after the last sequence's blocks
  auto where = decode(m, g.condBegin, g.condEnd);
  CHECK(mnemonics(where) == std::vector<std::string>{"load_field", "const", "gt", "exit_test"});
  CHECK(lineAt(m, g.condBegin) == 3);
  checkWellFormed(m);
  std::string error;
  CHECK(bc::verify(m, error));
  INFO(error);
  // The default on leave is stay.
  bc::Module stay = lowerSource(
      "segment \"S\" on lead {\n  where lead.donotemail\n  feeds \"a\"\n  priority 1\n}\n"
      "sequence \"a\" on lead { task \"x\" }\n");
  REQUIRE(stay.segments.size() == 1);
  CHECK_FALSE(stay.segments[0].disconnect);
}

TEST_CASE("lower: the code of each sequence ends with end", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"a\" on lead { task \"x\" end }\n"
      "sequence \"b\" on lead { task \"x\" advance to \"a\" }\n"
      "sequence \"c\" on lead { task \"x\" if lead.donotemail { end } }\n");
  CHECK(mnemonics(mainCode(m, 0)) == std::vector<std::string>{"activity", "end"});
  CHECK(mnemonics(mainCode(m, 1)) == std::vector<std::string>{"activity", "advance", "end"});
  CHECK(mnemonics(mainCode(m, 2)) ==
        std::vector<std::string>{"activity", "load_field", "jump_if_false", "branch", "end", "branch", "end"});
  checkWellFormed(m);
}

TEST_CASE("lower: variables: one slot per let, reassignment stores to it", "[lower]") {
  bc::Module m = lowerSource(
      "sequence \"s\" on lead {\n"
      "  task \"x\"\n"
      "  let n = 1\n"
      "  if lead.donotemail { let k = n + 1  n = k } else { let j = 2  n = j }\n"
      "  if n > 1 { task \"y\" }\n"
      "}\n");
  CHECK(m.sequences[0].vars == 3);
  std::vector<uint32_t> stores;
  for (const Instr& i : mainCode(m))
    if (i.op == bc::Opcode::StoreVar) stores.push_back(i.a);
  CHECK(stores == std::vector<uint32_t>{0, 1, 0, 2, 0});
  checkWellFormed(m);
}

TEST_CASE("lower: is deterministic", "[lower]") {
  std::string text =
      "sequence \"s\" on lead {\n  exit when lead.statecode != \"Open\"\n"
      "  e: email \"Hi\"\n  wait 1d\n  if e.opened within 2d { set lead.statuscode = \"Contacted\" }\n"
      "  let x = lead.budgetamount + 1.25\n  if x > 10 { advance to \"t\" }\n}\n"
      "sequence \"t\" on lead { task \"x\" }\n";
  bc::Module a = lowerSource(text);
  bc::Module b = lowerSource(text);
  CHECK(sameModule(a, b));
  std::vector<uint8_t> bytes = bc::write(a);
  CHECK(bytes == bc::write(b));
  // and the encoding keeps everything
  bc::Module loaded;
  std::string error;
  bool ok = bc::load(bytes.data(), bytes.size(), loaded, error);
  INFO(error);
  REQUIRE(ok);
  CHECK(sameModule(a, loaded));
}

TEST_CASE("lower: limits of the format are errors, not truncation", "[lower]") {
  CHECK_THAT(lowerError("sequence \"s\" on lead { task \"x\" due 400d }\n"), Catch::Contains("`due`"));
}

TEST_CASE("lower: the checker knows the operand stack's limit, and at it both agree", "[lower]") {
  auto list = [](int n) {
    std::string items;
    for (int i = 0; i < n; ++i) items += (i ? ", " : "") + std::to_string(i);
    return "[" + items + "]";
  };
  auto source = [](const std::string& cond) {
    return "sequence \"s\" on lead { task \"x\"\n if " + cond + " { task \"y\" } }\n";
  };
  auto checkErrors = [](const std::string& text) {
    Compilation c({SEQC_STDLIB_DIR});
    runWithLargeStack([&] { c.checkSource("mem.seq", text); });
    return renderText(c.sources(), c.diagnostics().sorted(c.sources()));
  };
  // The value and 255 items: 256 values, what the verifier admits.
  lowerSource(source("lead.numberofemployees in " + list(255)));
  lowerSource(source("(lead.numberofemployees in " + list(255) + ") == true"));
  // One more is the checker's error, at the list, and never reaches the lowering.
  CHECK_THAT(checkErrors(source("lead.numberofemployees in " + list(256))),
             Catch::StartsWith("mem.seq:2:31: error: this `in` list is too long (256 items)") &&
                 Catch::Contains("[NestingTooDeep]"));
  // Below the left operand of `==`, 255 items are one too many.
  CHECK_THAT(checkErrors(source("true == (lead.numberofemployees in " + list(255) + ")")),
             Catch::StartsWith("mem.seq:2:5: error: expression is too large") && Catch::Contains("[NestingTooDeep]"));
  // Short-circuit operands start from an empty stack: a chain of long lists is fine.
  lowerSource(source("lead.numberofemployees in " + list(255) + " or lead.numberofemployees in " + list(255)));
}

TEST_CASE("lower: refuses a compilation with errors", "[lower]") {
  Compilation c({SEQC_STDLIB_DIR});
  c.checkSource("mem.seq", "sequence \"s\" on lead { wait 1d }\n");
  REQUIRE(c.diagnostics().hasErrors());
  bc::Module m;
  std::string error;
  CHECK(!lower(c, m, error));
  CHECK(!error.empty());
}

TEST_CASE("lower: every example lowers to a well-formed module", "[lower]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(SEQC_SOURCE_DIR) / "examples";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".seq") files.push_back(entry.path());
  REQUIRE(!files.empty());
  for (const fs::path& f : files) {
    INFO(f.string());
    Compilation c({SEQC_STDLIB_DIR});
    runWithLargeStack([&] { c.checkFile(f.string()); });
    REQUIRE(!c.diagnostics().hasErrors());
    bc::Module m;
    std::string error;
    bool ok = false;
    runWithLargeStack([&] { ok = lower(c, m, error); });
    INFO(error);
    REQUIRE(ok);
    CHECK(m.source == f.filename().string());
    checkWellFormed(m);
  }
}

TEST_CASE("lower: `assign to` is kept as written, blanks and comments collapsed", "[lower]") {
  auto assigned = [](const std::string& setting) {
    bc::Module m = lowerSource("sequence \"S\" on lead {\n  " + setting + "\n  task \"t\"\n}\n");
    REQUIRE(m.sequences.size() == 1);
    return m.sequences[0].assign == bc::kNone ? std::string("(default)") : std::string(m.str(m.sequences[0].assign));
  };
  CHECK(assigned("") == "(default)");
  CHECK(assigned("assign to owner") == "owner");
  CHECK(assigned("assign to field lead.ownerid") == "field lead.ownerid");
  CHECK(assigned("assign to team access   where   lead.budgetamount >\n  1000 // big ones\n") ==
        "team access where lead.budgetamount > 1000");
}

TEST_CASE("calendars: only the used ones, in order of first use; units; the time zone block", "[lower][calendar]") {
  bc::Module m = lowerSource(
      "calendar \"B\" {\n  zone \"Europe/Paris\"\n  hours mon-fri 09:00-17:00\n}\n"
      "calendar \"A\" {\n  zone \"Asia/Tokyo\"\n  holiday \"New Year\" jan 1 observed next\n}\n"
      "calendar \"Unused\" {\n  zone \"UTC\"\n}\n"
      "sequence \"S1\" on lead {\n  calendar \"A\"\n  time zone lead.address1_city\n"
      "  e: email \"E\" due 250 business days\n  wait 22 business days\n"
      "  if e.opened within 240 business hours { task \"T\" due 2000 business hours }\n  wait 1d\n  task \"U\"\n}\n"
      "sequence \"S2\" on lead {\n  calendar \"B\"\n  task \"V\" due 1 business day\n}\n"
      "sequence \"S3\" on lead {\n  calendar \"A\"\n  task \"W\" due 4h\n}\n"
      "sequence \"S4\" on lead {\n  task \"X\"\n}\n");
  REQUIRE(m.calendars.size() == 2);
  CHECK(m.calendars[0].name == "A");
  CHECK(m.calendars[0].zone == "Asia/Tokyo");
  CHECK(!m.calendars[0].hasHours);
  REQUIRE(m.calendars[0].holidays.size() == 1);
  CHECK(m.calendars[0].holidays[0] ==
        seqc::cal::HolidayRule::fixed("New Year", 1, 1, seqc::cal::Observed::ObservedNext));
  CHECK(m.calendars[1].name == "B");
  CHECK(m.calendars[1].hours.size() == 5);
  CHECK(m.sequences[0].calendar == 0);
  CHECK(m.sequences[1].calendar == 1);
  CHECK(m.sequences[2].calendar == 0);
  CHECK(m.sequences[3].calendar == bc::kNone);

  using U = bc::DurationUnit;
  const bc::Sequence& s1 = m.sequences[0];
  std::vector<std::pair<U, uint32_t>> units;
  for (uint32_t i = s1.stepBegin; i < s1.stepBegin + s1.stepCount; ++i)
    units.emplace_back(m.steps[i].unit, m.steps[i].seconds);
  CHECK(units == std::vector<std::pair<U, uint32_t>>{{U::BusinessDays, 250}, {U::BusinessDays, 22},
                                                     {U::BusinessHours, 240}, {U::BusinessHours, 2000},
                                                     {U::Seconds, 86400}, {U::Seconds, 0}});
  CHECK(m.steps[m.sequences[2].stepBegin].unit == U::Seconds);
  CHECK(m.steps[m.sequences[2].stepBegin].seconds == 4 * 3600);

  auto zone = decode(m, s1.zoneBegin, s1.zoneEnd);
  REQUIRE(zone.size() == 2);
  CHECK(zone[0].name() == "load_field");
  CHECK(zone[1].name() == "zone_result");
  CHECK(m.sequences[1].zoneBegin == m.sequences[1].zoneEnd);
  std::string error;
  CHECK(bc::verify(m, error));
}
