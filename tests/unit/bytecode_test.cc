// The `.seqb` writer, loader and verifier on modules built by hand: valid ones round-trip
// byte for byte; each verifier rule rejects a module that breaks it; damaged files
// (truncated, flipped bytes, bad headers) are rejected with a message, never a crash.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "seqc/format/bytecode.h"

namespace bc = seqc::bc;
using bc::Opcode;
using seqc::ActivityKind;

namespace {

// Appends instructions to a module's code.
struct Asm {
  std::vector<uint8_t>& code;

  uint32_t here() const { return static_cast<uint32_t>(code.size()); }
  void u16(uint16_t v) {
    code.push_back(static_cast<uint8_t>(v));
    code.push_back(static_cast<uint8_t>(v >> 8));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) code.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Asm& op(Opcode o) {
    code.push_back(static_cast<uint8_t>(o));
    return *this;
  }
  Asm& op(Opcode o, uint16_t a) {
    op(o);
    u16(a);
    return *this;
  }
  Asm& call(bc::Builtin fn) {
    op(Opcode::Call);
    code.push_back(static_cast<uint8_t>(fn));
    return *this;
  }
  Asm& outcome(uint16_t step, uint8_t mask) {
    op(Opcode::Outcome, step);
    code.push_back(mask);
    return *this;
  }
  // A jump (or await) whose target is patched later; returns where its target is.
  uint32_t jump(Opcode o) {
    op(o);
    uint32_t at = here();
    u32(0xDEADBEEF);
    return at;
  }
  uint32_t await(uint16_t step) {
    op(Opcode::Await, step);
    uint32_t at = here();
    u32(0xDEADBEEF);
    return at;
  }
  void patch(uint32_t at, uint32_t target) {
    for (int i = 0; i < 4; ++i) code[at + i] = static_cast<uint8_t>(target >> (8 * i));
  }
};

struct Builder {
  bc::Module m;

  uint32_t str(const std::string& s) {
    for (uint32_t i = 0; i < m.strings.size(); ++i)
      if (m.strings[i] == s) return i;
    m.strings.push_back(s);
    return static_cast<uint32_t>(m.strings.size() - 1);
  }
  uint16_t constant(bc::Constant c) {
    m.constants.push_back(c);
    return static_cast<uint16_t>(m.constants.size() - 1);
  }
  uint16_t stringConstant(const std::string& s) {
    bc::Constant c;
    c.type = bc::ValueType::String;
    c.str = str(s);
    return constant(c);
  }
  uint16_t intConstant(bc::ValueType t, int64_t v) {
    bc::Constant c;
    c.type = t;
    c.i = v;
    return constant(c);
  }
  uint16_t field(const std::string& entity, const std::string& name, bc::ValueType t) {
    bc::Field f;
    f.entity = str(entity);
    f.name = str(name);
    f.type = t;
    m.fields.push_back(f);
    return static_cast<uint16_t>(m.fields.size() - 1);
  }
  bc::Step activity(ActivityKind k, const std::string& label, const std::string& title,
                    uint32_t line, uint16_t slot = bc::kNoSlot) {
    bc::Step s;
    s.kind = bc::StepKind::Activity;
    s.activity = k;
    if (!label.empty()) s.label = str(label);
    s.title = str(title);
    s.line = line;
    s.slot = slot;
    return s;
  }
};

// Indices into the sample module (sequence 0's local steps).
constexpr uint16_t kIntro = 0, kWait = 1, kEngaged = 2, kCall = 3, kTask = 4;

// Two sequences on `lead`: the first uses every kind of step and most opcodes, the
// second is the target of `advance`.
bc::Module sample() {
  Builder b;
  bc::Module& m = b.m;
  m.source = "sample.seq";
  uint16_t contacted = b.intConstant(bc::ValueType::Int, 2);
  uint16_t budget = b.intConstant(bc::ValueType::Money, 500000000);
  uint16_t other = b.stringConstant("Other");
  uint16_t open = b.intConstant(bc::ValueType::Int, 0);
  b.constant({bc::ValueType::Decimal, 0, 12.5, bc::kNone});
  b.intConstant(bc::ValueType::Bool, 1);
  b.intConstant(bc::ValueType::Date, 20458);
  b.intConstant(bc::ValueType::DateTime, 1767603600);
  b.intConstant(bc::ValueType::Duration, -90061);
  b.constant({});
  uint16_t name = b.stringConstant("Ann \"Q\"\n");

  uint16_t statuscode = b.field("lead", "statuscode", bc::ValueType::Choice);
  m.fields[statuscode].options = {{1, b.str("New")}, {2, b.str("Contacted")}};
  uint16_t budgetamount = b.field("lead", "budgetamount", bc::ValueType::Money);
  uint16_t statecode = b.field("lead", "statecode", bc::ValueType::Choice);
  m.fields[statecode].options = {{0, b.str("Open")}};
  uint16_t subject = b.field("lead", "subject", bc::ValueType::String);
  m.fields[subject].maxLength = 300;

  bc::Sequence s;
  s.name = b.str("Nurture");
  s.entity = b.str("lead");
  s.description = b.str("Three touches");
  s.tags = {b.str("inbound"), b.str("region/emea")};
  s.exitOnReply = true;
  s.assign = b.str("team access where lead.budgetamount > 1000");
  s.total = 3;
  s.vars = 1;
  s.slots = 2;
  s.line = 1;
  s.stepBegin = 0;

  bc::Step intro = b.activity(ActivityKind::AutoEmail, "intro", "Introduction", 9, 0);
  intro.templ = b.str("intro-v2");
  m.steps.push_back(intro);
  bc::Step wait;
  wait.kind = bc::StepKind::Wait;
  wait.seconds = 2 * 86400;
  wait.line = 10;
  m.steps.push_back(wait);
  bc::Step engaged;
  engaged.kind = bc::StepKind::Condition;
  engaged.seconds = 3 * 86400;
  engaged.line = 11;
  engaged.termBegin = 0;
  engaged.termCount = 1;
  m.steps.push_back(engaged);
  m.terms.push_back({kIntro, 0b0011});
  m.steps.push_back(b.activity(ActivityKind::Call, "call1", "Follow-up call", 12, 1));
  bc::Step task = b.activity(ActivityKind::Task, "", "Schedule a demo", 14);
  task.seconds = 3;  // due 3 business days
  task.unit = bc::DurationUnit::BusinessDays;
  task.description = b.str("Use the demo calendar");
  m.steps.push_back(task);
  s.stepCount = 5;
  m.branches = {{11, 0}, {11, bc::kElseArm}};
  s.branchBegin = 0;
  s.branchCount = 2;

  Asm a{m.code};
  auto mark = [&](uint32_t line) { m.lines.push_back({a.here(), line}); };
  s.codeBegin = a.here();
  mark(9);
  a.op(Opcode::Activity, kIntro);
  mark(10);
  a.op(Opcode::Wait, kWait);
  mark(11);
  uint32_t toElse = a.await(kEngaged);
  a.op(Opcode::Branch, 0);
  mark(12);
  a.op(Opcode::Activity, kCall);
  mark(13);
  a.outcome(kCall, 0b0011);
  uint32_t skip = a.jump(Opcode::JumpIfFalse);
  a.op(Opcode::Const, contacted).op(Opcode::SetField, statuscode);
  a.patch(skip, a.here());
  mark(14);
  a.op(Opcode::LoadField, subject).call(bc::Builtin::Len).op(Opcode::StoreVar, 0);
  a.op(Opcode::LoadVar, 0).op(Opcode::Const, name).op(Opcode::Const, name);
  a.op(Opcode::In, 2).op(Opcode::Pop);
  a.op(Opcode::Activity, kTask).op(Opcode::End);
  a.patch(toElse, a.here());
  mark(16);
  a.op(Opcode::Branch, 1);
  a.op(Opcode::LoadField, budgetamount).op(Opcode::Const, budget).op(Opcode::Ge);
  uint32_t toEnd = a.jump(Opcode::JumpIfFalse);
  mark(17);
  a.op(Opcode::Advance, other);
  a.patch(toEnd, a.here());
  a.op(Opcode::End);
  s.codeEnd = a.here();
  s.exitBegin = a.here();
  mark(4);
  a.op(Opcode::LoadField, statecode).op(Opcode::Const, open).op(Opcode::Ne);
  a.op(Opcode::Null).op(Opcode::Not).op(Opcode::Not).op(Opcode::Pop);
  a.op(Opcode::ExitTest);
  s.exitEnd = a.here();
  s.zoneBegin = a.here();
  mark(5);
  a.op(Opcode::LoadField, subject).call(bc::Builtin::Lower).op(Opcode::ZoneResult);
  s.zoneEnd = a.here();
  s.calendar = 0;
  m.sequences.push_back(s);

  seqc::cal::CalendarSpec us;
  us.name = "US East";
  us.zone = "America/New_York";
  us.hasHours = true;
  us.hours = {{0, 510, 720}, {0, 780, 1050}, {4, 510, 900}, {5, 1320, 120}};
  using seqc::cal::HolidayRule;
  us.holidays = {
      HolidayRule::fixed("New Year's Day", 1, 1, seqc::cal::Observed::Observed),
      HolidayRule::lastWeekday("Memorial Day", seqc::cal::kMon, 5),
      HolidayRule::nthWeekday("Day after Thanksgiving", 4, seqc::cal::kThu, 11, 1),
      HolidayRule::fixed("Christmas", 12, 25, seqc::cal::Observed::ObservedNext),
      HolidayRule::easter("Good Friday", -2),
      HolidayRule::onDate("Offsite", 2026, 3, 12),
      HolidayRule::range("Shutdown", {2026, 12, 28}, {2026, 12, 31}),
  };
  m.calendars.push_back(us);
  seqc::cal::CalendarSpec always;
  always.name = "Always";
  always.zone = "Mars/Olympus_Mons";  // not required to exist on this machine
  m.calendars.push_back(always);

  bc::Sequence t;
  t.name = b.str("Other");
  t.entity = b.str("lead");
  t.line = 30;
  t.stepBegin = 5;
  t.stepCount = 1;
  t.branchBegin = 2;
  m.steps.push_back(b.activity(ActivityKind::Email, "", "Hello", 31, 0));
  t.slots = 1;
  t.total = 1;
  t.codeBegin = a.here();
  mark(31);
  a.op(Opcode::Activity, 0).op(Opcode::End);
  t.codeEnd = t.exitBegin = t.exitEnd = a.here();
  m.sequences.push_back(t);
  return m;
}

std::string verifyError(const bc::Module& m) {
  std::string error;
  return bc::verify(m, error) ? std::string("(verified)") : error;
}

std::string loadError(const std::vector<uint8_t>& bytes) {
  bc::Module m;
  std::string error;
  return bc::load(bytes.data(), bytes.size(), m, error) ? std::string("(loaded)") : error;
}

// A module with one sequence whose main code `emit` writes (the sample's steps, fields
// and constants), and optionally an exit block.
bc::Module withCode(const std::function<void(Asm&)>& emit,
                    const std::function<void(Asm&)>& exitBlock = nullptr) {
  bc::Module m = sample();
  m.sequences.resize(1);
  m.steps.resize(5);
  m.code.clear();
  m.lines.clear();
  Asm a{m.code};
  emit(a);
  bc::Sequence& s = m.sequences[0];
  s.codeBegin = 0;
  s.codeEnd = a.here();
  s.exitBegin = s.exitEnd = a.here();
  s.zoneBegin = s.zoneEnd = 0;
  if (exitBlock) {
    exitBlock(a);
    s.exitEnd = a.here();
  }
  return m;
}

}  // namespace

TEST_CASE("the sample module is valid and round-trips byte for byte", "[bytecode]") {
  bc::Module m = sample();
  REQUIRE(verifyError(m) == "(verified)");
  std::vector<uint8_t> bytes = bc::write(m);
  REQUIRE(bytes.size() > 8);
  CHECK(std::memcmp(bytes.data(), "SEQB", 4) == 0);
  CHECK(bytes[4] == bc::kVersionMajor);

  bc::Module loaded;
  std::string error;
  REQUIRE(bc::load(bytes.data(), bytes.size(), loaded, error));
  CHECK(bc::write(loaded) == bytes);
  CHECK(bc::disassemble(loaded) == bc::disassemble(m));
  CHECK(loaded.source == m.source);
  CHECK(loaded.strings == m.strings);
  REQUIRE(loaded.steps.size() == m.steps.size());
  CHECK(loaded.steps[kIntro].slot == 0);
  CHECK(loaded.steps[kWait].slot == bc::kNoSlot);
  CHECK(loaded.steps[kEngaged].termCount == 1);
  CHECK(loaded.steps[kTask].description == m.steps[kTask].description);
  CHECK(loaded.constants[4].d == 12.5);
  CHECK(loaded.constants[8].i == -90061);
  CHECK(loaded.branches[1].arm == bc::kElseArm);
  CHECK(loaded.sequences[0].tags == m.sequences[0].tags);
  CHECK(loaded.sequences[0].assign == m.sequences[0].assign);
  CHECK(loaded.code == m.code);
  CHECK(loaded.lines.size() == m.lines.size());
  CHECK(loaded.calendars == m.calendars);  // every rule kind as its factory makes it
  CHECK(loaded.steps[kTask].unit == bc::DurationUnit::BusinessDays);
  CHECK(loaded.steps[kTask].seconds == 3);
  CHECK(loaded.steps[kWait].unit == bc::DurationUnit::Seconds);
  CHECK(loaded.sequences[0].calendar == 0);
  CHECK(loaded.sequences[0].zoneBegin == m.sequences[0].zoneBegin);
  CHECK(loaded.sequences[0].zoneEnd == m.sequences[0].zoneEnd);
  CHECK(loaded.sequences[1].calendar == bc::kNone);
}

TEST_CASE("writing is deterministic and compact", "[bytecode]") {
  CHECK(bc::write(sample()) == bc::write(sample()));
  bc::Module empty;
  REQUIRE(verifyError(empty) == "(verified)");
  std::vector<uint8_t> bytes = bc::write(empty);
  CHECK(bytes.size() == 8 + 16 * 4 + 15);  // header, section lengths, 15 zero counts (the code is empty)
  CHECK(loadError(bytes) == "(loaded)");
}

TEST_CASE("extreme values round-trip", "[bytecode]") {
  bc::Module m;
  m.strings = {"x", std::string(300, 'y'), "é😀"};
  for (int64_t v : {INT64_MIN, INT64_MAX, int64_t{-1}, int64_t{0}, int64_t{63}, int64_t{64},
                    int64_t{-64}, int64_t{-65}, int64_t{1} << 62, -(int64_t{1} << 62) - 1})
    m.constants.push_back({bc::ValueType::Int, v, 0, bc::kNone});
  m.constants.push_back({bc::ValueType::Decimal, 0, -0.0, bc::kNone});
  m.constants.push_back({bc::ValueType::Decimal, 0, 1e308, bc::kNone});
  m.constants.push_back({bc::ValueType::String, 0, 0, 2});
  m.lines = {{0, 0xFFFFFFFFu}, {0, 1}};  // line deltas wrap around
  for (uint32_t seconds : {0u, 45u, 60u, 61u, 3600u, bc::kMaxStepSeconds}) {
    bc::Step wait;
    wait.kind = bc::StepKind::Wait;
    wait.seconds = seconds;
    wait.line = seconds;
    m.steps.push_back(wait);
  }
  REQUIRE(verifyError(m) == "(verified)");
  std::vector<uint8_t> bytes = bc::write(m);
  bc::Module loaded;
  std::string error;
  REQUIRE(bc::load(bytes.data(), bytes.size(), loaded, error));
  CHECK(bc::write(loaded) == bytes);
  for (size_t i = 0; i < m.constants.size(); ++i) CHECK(loaded.constants[i].i == m.constants[i].i);
  CHECK(std::signbit(loaded.constants[10].d));
  CHECK(loaded.lines[0].line == 0xFFFFFFFFu);
  REQUIRE(loaded.steps.size() == m.steps.size());
  for (size_t i = 0; i < m.steps.size(); ++i) CHECK(loaded.steps[i].seconds == m.steps[i].seconds);
  CHECK(loaded.strings == m.strings);
}

TEST_CASE("the disassembly lists tables, steps and code", "[bytecode]") {
  std::string text = bc::disassemble(sample());
  CHECK_THAT(text, Catch::Contains("seqb 1.4  source \"sample.seq\""));
  CHECK_THAT(text, Catch::Contains("lines 11  calendars 2"));
  CHECK_THAT(text, Catch::Contains("== calendars\n"
                                   "   0  \"US East\"  zone \"America/New_York\"\n"
                                   "      hours mon 08:30-12:00, 13:00-17:30\n"
                                   "      hours fri 08:30-15:00\n"
                                   "      hours sat 22:00-02:00\n"
                                   "      holiday \"New Year's Day\" jan 1 observed\n"
                                   "      holiday \"Memorial Day\" last mon of may\n"
                                   "      holiday \"Day after Thanksgiving\" 4th thu of nov + 1d\n"
                                   "      holiday \"Christmas\" dec 25 observed next\n"
                                   "      holiday \"Good Friday\" easter - 2d\n"
                                   "      holiday \"Offsite\" 2026-03-12\n"
                                   "      holiday \"Shutdown\" 2026-12-28 to 2026-12-31\n"
                                   "   1  \"Always\"  zone \"Mars/Olympus_Mons\"\n"
                                   "      open all day\n"));
  CHECK_THAT(text, Catch::Contains("calendar \"US East\"  time zone "));
  CHECK_THAT(text, Catch::Contains("due 3 business days"));
  CHECK_THAT(text, Catch::Contains("-- time zone\n"));
  CHECK_THAT(text, Catch::Contains("zone_result"));
  CHECK_THAT(text, Catch::Contains("money     50000"));
  CHECK_THAT(text, Catch::Contains("decimal   12.5"));
  CHECK_THAT(text, Catch::Contains("date      2026-01-05"));
  CHECK_THAT(text, Catch::Contains("datetime  2026-01-05T09:00:00Z"));
  CHECK_THAT(text, Catch::Contains("duration  -1d1h1m1s"));
  CHECK_THAT(text, Catch::Contains("string    \"Ann \\\"Q\\\"\\n\""));
  CHECK_THAT(text, Catch::Contains("lead.statuscode  choice (2 options)"));
  CHECK_THAT(text, Catch::Contains("lead.subject  string(300)"));
  CHECK_THAT(text, Catch::Contains("== sequence 0 \"Nurture\" on lead, line 1"));
  CHECK_THAT(text, Catch::Contains("any: intro.opened|clicked within 3d"));
  CHECK_THAT(text, Catch::Contains("'intro: auto_email \"Introduction\"'"));
  CHECK_THAT(text, Catch::Contains("'call1.answered|voicemail'"));
  CHECK_THAT(text, Catch::Contains("'len'"));
  CHECK_THAT(text, Catch::Contains("'else of the if at line 11'"));
  CHECK_THAT(text, Catch::Contains("-- exit when"));
  CHECK_THAT(text, Catch::Contains("   | branch"));
  // Never crashes on an unverified module either.
  bc::Module bad = sample();
  bad.code[0] = 0xEE;
  bad.sequences[0].stepCount = 99;
  bad.constants[2].str = 12345;
  CHECK_THAT(bc::disassemble(bad), Catch::Contains("<bad opcode 0xee>"));
}

// ---- the verifier, one rule at a time ---------------------------------------------

TEST_CASE("the verifier rejects broken tables", "[bytecode][verify]") {
  struct Case {
    const char* rule;
    std::function<void(bc::Module&)> mutate;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"invalid UTF-8", [](bc::Module& m) { m.strings[0] = "\xC0\xAF"; },
       "string 0 is not valid UTF-8"},
      {"surrogate", [](bc::Module& m) { m.strings[1] = "\xED\xA0\x80"; }, "not valid UTF-8"},
      {"source UTF-8", [](bc::Module& m) { m.source = "\xFF"; }, "source name is not valid UTF-8"},
      {"string constant", [](bc::Module& m) { m.constants[2].str = 999; },
       "constant 2: string: string index 999 out of range"},
      {"constant type", [](bc::Module& m) { m.constants[0].type = static_cast<bc::ValueType>(12); },
       "constant 0: unknown value type 12"},
      {"bool constant", [](bc::Module& m) { m.constants[5].i = 2; }, "neither 0 nor 1"},
      {"decimal constant", [](bc::Module& m) { m.constants[4].d = NAN; }, "not finite"},
      {"field entity", [](bc::Module& m) { m.fields[0].entity = bc::kNone; },
       "field 0: entity is missing"},
      {"field name", [](bc::Module& m) { m.fields[1].name = 4000; }, "field 1: name: string index"},
      {"field type", [](bc::Module& m) { m.fields[1].type = static_cast<bc::ValueType>(200); },
       "field 1: unknown value type"},
      {"options",
       [](bc::Module& m) {
         m.fields[1].options.push_back({1, 0});
       },
       "a money field has options"},
      {"option label", [](bc::Module& m) { m.fields[0].options[1].label = bc::kNone; },
       "field 0: option 1: label is missing"},
      {"step kind", [](bc::Module& m) { m.steps[1].kind = static_cast<bc::StepKind>(3); },
       "step 1: unknown step kind 3"},
      {"activity kind", [](bc::Module& m) { m.steps[0].activity = static_cast<ActivityKind>(10); },
       "step 0: unknown activity kind 10"},
      {"step label", [](bc::Module& m) { m.steps[0].label = 777; },
       "step 0: label: string index 777"},
      {"step template", [](bc::Module& m) { m.steps[0].templ = 777; }, "template: string index"},
      {"missing slot", [](bc::Module& m) { m.steps[3].slot = bc::kNoSlot; },
       "step 3: a call step needs an engagement slot"},
      {"extra slot", [](bc::Module& m) { m.steps[4].slot = 1; },
       "a task step cannot have an engagement slot"},
      {"wait slot", [](bc::Module& m) { m.steps[1].slot = 1; }, "a wait step cannot have"},
      {"slot range", [](bc::Module& m) { m.steps[3].slot = 2; },
       "sequence 0: step 3: slot 2 out of range (2 slots)"},
      {"slot reuse", [](bc::Module& m) { m.steps[3].slot = 0; },
       "sequence 0: step 3: slot 0 is also the slot of step 0"},
      {"seconds", [](bc::Module& m) { m.steps[1].seconds = bc::kMaxStepSeconds + 1; },
       "step 1: 31622401 seconds is more than the limit"},
      {"term range", [](bc::Module& m) { m.steps[2].termCount = 2; }, "outside the term table"},
      {"no terms", [](bc::Module& m) { m.steps[2].termCount = 0; }, "a condition without terms"},
      {"shared terms",
       [](bc::Module& m) {
         m.steps[4] = m.steps[2];
         m.steps[4].slot = bc::kNoSlot;
       },
       "step 4: its terms overlap those of step 2"},
      {"term step range", [](bc::Module& m) { m.terms[0].step = 9; },
       "sequence 0: step 2: term 0: step 9 out of range (5 steps)"},
      {"term step kind", [](bc::Module& m) { m.terms[0].step = kWait; },
       "term 0: step 1 is not an activity step with engagement"},
      {"term events", [](bc::Module& m) { m.terms[0].events = 0; }, "term 0: no events"},
      {"term mask", [](bc::Module& m) { m.terms[0].events = 0x11; }, "unknown events in mask 0x11"},
      {"term event for kind", [](bc::Module& m) { m.steps[0].activity = ActivityKind::AutoText; },
       "term 0: step 0 (auto_text) cannot receive 'opened'"},
      {"call step events", [](bc::Module& m) { m.terms[0].step = kCall; },
       "step 3 (call) cannot receive 'opened'"},
      {"sequence name", [](bc::Module& m) { m.sequences[0].name = bc::kNone; },
       "sequence 0: name is missing"},
      {"sequence tag", [](bc::Module& m) { m.sequences[0].tags[1] = 5000; }, "tag 1: string index"},
      {"vars", [](bc::Module& m) { m.sequences[0].vars = bc::kMaxVars + 1; },
       "4097 variables is more than the limit of 4096"},
      {"slots", [](bc::Module& m) { m.sequences[1].slots = bc::kMaxSlots + 1; },
       "engagement slots is more than the limit"},
      {"step range", [](bc::Module& m) { m.sequences[1].stepCount = 2; },
       "sequence 1: steps 5..7 outside the step table (6 steps)"},
      {"step overlap", [](bc::Module& m) { m.sequences[1].stepBegin = 4; },
       "sequence 1: its steps overlap those of sequence 0"},
      {"branch range", [](bc::Module& m) { m.sequences[0].branchCount = 3; },
       "outside the branch table"},
      {"branch overlap",
       [](bc::Module& m) {
         m.sequences[1].branchBegin = 1;
         m.sequences[1].branchCount = 1;
       },
       "its branches overlap"},
      {"code range", [](bc::Module& m) { m.sequences[1].codeEnd += 1; }, "outside the code"},
      {"empty code", [](bc::Module& m) { m.sequences[1].codeEnd = m.sequences[1].codeBegin; },
       "sequence 1: code"},
      {"code overlap", [](bc::Module& m) { m.sequences[1].codeBegin = m.sequences[0].exitEnd - 1; },
       "sequence 1: the code of sequence 1 overlaps the exit block of sequence 0"},
      {"exit range", [](bc::Module& m) { m.sequences[0].exitEnd = 100000; },
       "sequence 0: exit block"},
      {"calendar rules", [](bc::Module& m) { m.calendars[0].hours[1].startMinute = 700; },
       "calendar 0: calendar \"US East\": hours range 2: mon 11:40-17:30 overlaps mon 08:30-12:00"},
      {"holiday rules", [](bc::Module& m) { m.calendars[0].holidays[0].date.day = 32; },
       "calendar 0: calendar \"US East\": holiday 1 \"New Year's Day\": jan 32 does not exist"},
      {"calendar zone", [](bc::Module& m) { m.calendars[1].zone.clear(); },
       "calendar 1: calendar \"Always\": the calendar has no zone"},
      {"calendar name", [](bc::Module& m) { m.calendars[1].name = "US East"; },
       "calendar 1: \"US East\" is also the name of calendar 0"},
      {"calendar without name", [](bc::Module& m) { m.calendars[1].name.clear(); },
       "calendar 1: no name"},
      {"calendar UTF-8", [](bc::Module& m) { m.calendars[0].holidays[2].name = "\xFF"; },
       "calendar 0: a name is not valid UTF-8"},
      {"calendar index", [](bc::Module& m) { m.sequences[1].calendar = 2; },
       "sequence 1: calendar 2 out of range (2 calendars)"},
      {"zone block without calendar", [](bc::Module& m) { m.sequences[0].calendar = bc::kNone; },
       "sequence 0: a time zone block without a calendar"},
      {"zone block range", [](bc::Module& m) { m.sequences[0].zoneEnd = 100000; },
       "sequence 0: time zone block 0x"},
      {"zone block overlap", [](bc::Module& m) { m.sequences[0].zoneBegin -= 1; },
       "sequence 0: the time zone block of sequence 0 overlaps the exit block of sequence 0"},
      {"unit", [](bc::Module& m) { m.steps[1].unit = static_cast<bc::DurationUnit>(3); },
       "unit 3"},  // the loader refuses it first: "unit 3 is not a business unit"
      {"business wait", [](bc::Module& m) {
         m.steps[1].unit = bc::DurationUnit::BusinessDays;
         m.steps[1].seconds = 23;
       },
       "step 1: 23 business days is outside 1..22"},
      {"business within", [](bc::Module& m) {
         m.steps[2].unit = bc::DurationUnit::BusinessHours;
         m.steps[2].seconds = 241;
       },
       "step 2: 241 business hours is outside 1..240"},
      {"business due", [](bc::Module& m) { m.steps[4].seconds = 251; },
       "step 4: 251 business days is outside 1..250"},
      {"business due hours", [](bc::Module& m) {
         m.steps[4].unit = bc::DurationUnit::BusinessHours;
         m.steps[4].seconds = 2001;
       },
       "step 4: 2001 business hours is outside 1..2000"},
      {"no business days", [](bc::Module& m) { m.steps[4].seconds = 0; },
       "step 4: 0 business days is outside 1..250"},
      {"business unit without calendar", [](bc::Module& m) {
         m.steps[5].unit = bc::DurationUnit::BusinessHours;
         m.steps[5].seconds = 4;
       },
       "sequence 1: step 0: business hours without a calendar"},
      {"line order", [](bc::Module& m) { std::swap(m.lines[1].pc, m.lines[2].pc); },
       "line table: entry 2"},
      {"line pc",
       [](bc::Module& m) {
         m.lines.push_back({100000, 1});
       },
       "outside the code"},
  };
  for (const Case& c : cases) {
    INFO(c.rule);
    bc::Module m = sample();
    c.mutate(m);
    CHECK_THAT(verifyError(m), Catch::Contains(c.message));
    // The loader runs the same checks on the encoded module.
    CHECK_THAT(loadError(bc::write(m)), Catch::Contains(c.message));
  }
}

TEST_CASE("the verifier checks every instruction", "[bytecode][verify]") {
  using A = Asm&;
  struct Case {
    const char* rule;
    std::function<void(A)> main;
    std::function<void(A)> exit;
    const char* message;
  };
  auto endWith = [](std::function<void(A)> f) {
    return [f](A a) {
      f(a);
      a.op(Opcode::End);
    };
  };
  const std::vector<Case> cases = {
      {"valid", endWith([](A a) { a.op(Opcode::Activity, kTask); }), nullptr, "(verified)"},
      {"unknown opcode", [](A a) { a.code.push_back(0xEE); }, nullptr,
       "sequence 0: code at 0x0: unknown opcode 0xee"},
      {"truncated operand",
       [](A a) {
         a.op(Opcode::End).op(Opcode::Activity);
         a.code.push_back(0);
       },
       nullptr, "code at 0x1: activity: operands run past the end of the sequence"},
      {"constant index", endWith([](A a) { a.op(Opcode::Const, 99).op(Opcode::Pop); }), nullptr,
       "code at 0x0: const: constant 99 out of range (11 constants)"},
      {"field index", endWith([](A a) { a.op(Opcode::LoadField, 50).op(Opcode::Pop); }), nullptr,
       "load_field: field 50 out of range"},
      {"field entity",
       [](A a) {
         a.op(Opcode::LoadField, 4).op(Opcode::Pop).op(Opcode::End);  // contact.x, added below
       },
       nullptr, "load_field: field 4 belongs to 'contact', not to the sequence's 'lead'"},
      {"set_field index", endWith([](A a) { a.op(Opcode::Null).op(Opcode::SetField, 60); }),
       nullptr, "set_field: field 60 out of range"},
      {"variable", endWith([](A a) { a.op(Opcode::LoadVar, 1).op(Opcode::Pop); }), nullptr,
       "load_var: variable 1 out of range (1 variables)"},
      {"store variable", endWith([](A a) { a.op(Opcode::Null).op(Opcode::StoreVar, 7); }), nullptr,
       "store_var: variable 7 out of range"},
      {"activity step kind", endWith([](A a) { a.op(Opcode::Activity, kWait); }), nullptr,
       "activity: step 1 has kind wait (expected: activity)"},
      {"activity step range", endWith([](A a) { a.op(Opcode::Activity, 5); }), nullptr,
       "activity: step 5 out of range (5 steps)"},
      {"wait step kind", endWith([](A a) { a.op(Opcode::Wait, kIntro); }), nullptr,
       "wait: step 0 has kind activity (expected: wait)"},
      {"await step kind",
       [](A a) {
         uint32_t t = a.await(kWait);
         a.patch(t, a.here());
         a.op(Opcode::End);
       },
       nullptr, "await: step 1 has kind wait (expected: condition)"},
      {"await target",
       [](A a) {
         uint32_t t = a.await(kEngaged);
         a.op(Opcode::End);
         a.patch(t, 0x99);
       },
       nullptr, "code at 0x0: jump target 0x99 outside the sequence"},
      {"outcome step", endWith([](A a) { a.outcome(kIntro, 1).op(Opcode::Pop); }), nullptr,
       "outcome: step 0 has kind auto_email (expected: call)"},
      {"outcome mask", endWith([](A a) { a.outcome(kCall, 0).op(Opcode::Pop); }), nullptr,
       "outcome: bad outcome mask 0x0"},
      {"outcome mask bits", endWith([](A a) { a.outcome(kCall, 0x10).op(Opcode::Pop); }), nullptr,
       "bad outcome mask 0x10"},
      {"branch", endWith([](A a) { a.op(Opcode::Branch, 2); }), nullptr,
       "branch 2 out of range (2 branches)"},
      {"builtin", endWith([](A a) { a.call(static_cast<bc::Builtin>(7)).op(Opcode::Pop); }),
       nullptr, "call: unknown builtin 7"},
      {"call arity",
       endWith([](A a) { a.op(Opcode::Null).call(bc::Builtin::Contains).op(Opcode::Pop); }),
       nullptr, "stack underflow: call pops 2 with 1 on the stack"},
      {"in arity",
       endWith([](A a) { a.op(Opcode::Null).op(Opcode::Null).op(Opcode::In, 2).op(Opcode::Pop); }),
       nullptr, "stack underflow: in pops 3 with 2 on the stack"},
      {"underflow", endWith([](A a) { a.op(Opcode::Null).op(Opcode::Add).op(Opcode::Pop); }),
       nullptr, "code at 0x1: stack underflow: add pops 2 with 1 on the stack"},
      {"jump outside",
       [](A a) {
         uint32_t t = a.jump(Opcode::Jump);
         a.op(Opcode::End);
         a.patch(t, 100);
       },
       nullptr, "jump target 0x64 outside the sequence"},
      {"jump backwards (a loop)",
       [](A a) {
         a.op(Opcode::Activity, kTask);
         uint32_t t = a.jump(Opcode::Jump);
         a.op(Opcode::End);
         a.patch(t, 0);
       },
       nullptr, "code at 0x3: jump target 0x0 is not forward"},
      {"jump to itself",
       [](A a) {
         uint32_t t = a.jump(Opcode::Jump);
         a.op(Opcode::End);
         a.patch(t, 0);
       },
       nullptr, "code at 0x0: jump target 0x0 is not forward"},
      {"jump mid-instruction",
       [](A a) {
         uint32_t t = a.jump(Opcode::Jump);
         a.op(Opcode::Activity, kTask).op(Opcode::End);
         a.patch(t, 6);
       },
       nullptr, "code at 0x0: jump target 0x6 is not an instruction"},
      {"jump into the exit block",
       [](A a) {
         uint32_t t = a.jump(Opcode::Jump);
         a.op(Opcode::End);
         a.patch(t, 6);
       },
       [](A a) { a.op(Opcode::True).op(Opcode::ExitTest); }, "outside the sequence"},
      {"advance constant", [](A a) { a.op(Opcode::Advance, 0); }, nullptr,
       "advance: constant 0 is not a string"},
      {"advance range", [](A a) { a.op(Opcode::Advance, 300); }, nullptr,
       "advance: constant 300 out of range"},
      {"statement on a stack", endWith([](A a) { a.op(Opcode::Null).op(Opcode::Activity, kTask); }),
       nullptr, "code at 0x1: activity with 1 on the stack (a statement leaves the stack empty)"},
      {"end on a stack", [](A a) { a.op(Opcode::Null).op(Opcode::End); }, nullptr,
       "end with 1 on the stack"},
      {"set_field on two values",
       endWith([](A a) { a.op(Opcode::Null).op(Opcode::Null).op(Opcode::SetField, 0); }), nullptr,
       "set_field with 2 on the stack"},
      {"set_field on none", endWith([](A a) { a.op(Opcode::SetField, 0); }), nullptr,
       "stack underflow: set_field pops 1 with 0 on the stack"},
      {"fall off", [](A a) { a.op(Opcode::Activity, kTask); }, nullptr,
       "code at 0x0: execution falls off the end of the sequence"},
      {"fall off after a jump_if_false",
       [](A a) {
         a.op(Opcode::True);
         uint32_t t = a.jump(Opcode::JumpIfFalse);
         a.op(Opcode::End);
         a.patch(t, a.here());
         a.op(Opcode::Null).op(Opcode::Pop);
       },
       nullptr, "code at 0x8: execution falls off the end of the sequence"},
      {"jump to the end",
       [](A a) {
         uint32_t t = a.jump(Opcode::Jump);
         a.op(Opcode::End);
         a.patch(t, a.here());
       },
       nullptr, "code at 0x0: jump target 0x6 outside the sequence"},
      {"merge depth",
       [](A a) {
         a.op(Opcode::True);
         uint32_t t = a.jump(Opcode::JumpIfFalse);
         a.op(Opcode::Null);
         a.patch(t, a.here());
         a.op(Opcode::End);
       },
       nullptr, "stack depth"},
      {"stack limit",
       [](A a) {
         for (size_t i = 0; i <= bc::kMaxStack; ++i) a.op(Opcode::Null);
         a.op(Opcode::End);
       },
       nullptr, "code at 0x100: stack deeper than 256"},
      {"exit_test in main", [](A a) { a.op(Opcode::True).op(Opcode::ExitTest); }, nullptr,
       "exit_test outside an exit block"},
      {"valid exit block", [](A a) { a.op(Opcode::End); },
       [](A a) {
         a.op(Opcode::LoadField, 1).op(Opcode::Const, 1).op(Opcode::Gt);
         uint32_t t = a.jump(Opcode::JumpIfFalse);
         a.op(Opcode::True);
         uint32_t e = a.jump(Opcode::Jump);
         a.patch(t, a.here());
         a.op(Opcode::False);
         a.patch(e, a.here());
         a.op(Opcode::ExitTest);
       },
       "(verified)"},
      {"statement in exit block", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::Activity, kTask).op(Opcode::True).op(Opcode::ExitTest); },
       "code at 0x1: activity in an exit block"},
      {"branch in exit block", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::Branch, 0).op(Opcode::True).op(Opcode::ExitTest); },
       "branch in an exit block"},
      {"outcome in exit block", [](A a) { a.op(Opcode::End); },
       [](A a) { a.outcome(kCall, 1).op(Opcode::ExitTest); }, "outcome in an exit block"},
      {"store_var in exit block", [](A a) { a.op(Opcode::End); },
       [](A a) {
         a.op(Opcode::True).op(Opcode::StoreVar, 0).op(Opcode::True).op(Opcode::ExitTest);
       },
       "store_var in an exit block"},
      {"exit block without exit_test", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::True).op(Opcode::Pop); },
       "code at 0x2: the exit block ends without exit_test"},
      {"exit_test depth", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::True).op(Opcode::True).op(Opcode::ExitTest); },
       "exit_test with 2 on the stack (needs exactly 1)"},
      {"exit jump outside", [](A a) { a.op(Opcode::End); },
       [](A a) {
         a.op(Opcode::True);
         uint32_t t = a.jump(Opcode::JumpIfFalse);
         a.op(Opcode::True).op(Opcode::ExitTest);
         a.patch(t, 0);
       },
       "jump target 0x0 outside the exit block"},
      {"unreachable code is checked too",
       [](A a) { a.op(Opcode::End).op(Opcode::Const, 500).op(Opcode::End); }, nullptr,
       "code at 0x1: const: constant 500 out of range"},
  };
  for (const Case& c : cases) {
    INFO(c.rule);
    bc::Module m = withCode(c.main, c.exit);
    bc::Field contact;
    contact.entity = static_cast<uint32_t>(m.strings.size());
    m.strings.push_back("contact");
    contact.name = 0;
    m.fields.push_back(contact);
    CHECK_THAT(verifyError(m), Catch::Contains(c.message));
  }
}

TEST_CASE("the verifier checks the time zone block", "[bytecode][verify]") {
  using A = Asm&;
  struct Case {
    const char* rule;
    std::function<void(A)> main;
    std::function<void(A)> zone;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"valid", [](A a) { a.op(Opcode::End); },
       [](A a) {
         a.op(Opcode::LoadField, 3).op(Opcode::Null).op(Opcode::Eq);
         uint32_t t = a.jump(Opcode::JumpIfFalse);
         a.op(Opcode::Const, 2);
         uint32_t e = a.jump(Opcode::Jump);
         a.patch(t, a.here());
         a.op(Opcode::LoadField, 3);
         a.patch(e, a.here());
         a.op(Opcode::ZoneResult);
       },
       "(verified)"},
      {"zone_result in main", [](A a) { a.op(Opcode::True).op(Opcode::ZoneResult); }, nullptr,
       "zone_result outside a time zone block"},
      {"statement in the block", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::Activity, kTask).op(Opcode::Const, 2).op(Opcode::ZoneResult); },
       "activity in a time zone block"},
      {"store_var in the block", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::True).op(Opcode::StoreVar, 0).op(Opcode::True).op(Opcode::ZoneResult); },
       "store_var in a time zone block"},
      {"exit_test in the block", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::True).op(Opcode::ExitTest); }, "exit_test outside an exit block"},
      {"no zone_result", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::True).op(Opcode::Pop); },
       "the time zone block ends without zone_result"},
      {"depth", [](A a) { a.op(Opcode::End); },
       [](A a) { a.op(Opcode::True).op(Opcode::True).op(Opcode::ZoneResult); },
       "zone_result with 2 on the stack (needs exactly 1)"},
      {"empty stack", [](A a) { a.op(Opcode::End); }, [](A a) { a.op(Opcode::ZoneResult); },
       "stack underflow: zone_result pops 1 with 0"},
      {"jump outside", [](A a) { a.op(Opcode::End); },
       [](A a) {
         a.op(Opcode::True);
         uint32_t t = a.jump(Opcode::JumpIfFalse);
         a.op(Opcode::True).op(Opcode::ZoneResult);
         a.patch(t, 0);
       },
       "jump target 0x0 outside the time zone block"},
  };
  for (const Case& c : cases) {
    INFO(c.rule);
    bc::Module m = withCode(c.main);
    if (c.zone) {
      Asm a{m.code};
      m.sequences[0].zoneBegin = a.here();
      c.zone(a);
      m.sequences[0].zoneEnd = a.here();
    }
    CHECK_THAT(verifyError(m), Catch::Contains(c.message));
  }
  // zone_result ends only the time zone block.
  bc::Module m = withCode([](A a) { a.op(Opcode::End); },
                          [](A a) { a.op(Opcode::True).op(Opcode::ZoneResult); });
  CHECK_THAT(verifyError(m), Catch::Contains("zone_result outside a time zone block"));
}

// ---- the loader on damaged files --------------------------------------------------

namespace {

// A file from raw section contents (the empty module's, unless replaced).
std::vector<uint8_t> fileOf(std::vector<std::vector<uint8_t>> sections, uint16_t major = 1,
                            uint16_t minor = 0) {
  std::vector<uint8_t> out = {'S',
                              'E',
                              'Q',
                              'B',
                              static_cast<uint8_t>(major),
                              static_cast<uint8_t>(major >> 8),
                              static_cast<uint8_t>(minor),
                              static_cast<uint8_t>(minor >> 8)};
  for (const auto& s : sections) {
    auto n = static_cast<uint32_t>(s.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}
std::vector<std::vector<uint8_t>> emptySections() {
  return {{0}, {0}, {0}, {0}, {0}, {0}, {0}, {0}, {}, {0}};
}
enum SectionIndex {
  kSource,
  kStrings,
  kConstants,
  kFields,
  kSteps,
  kTerms,
  kBranches,
  kSequences,
  kCode,
  kLines
};

}  // namespace

TEST_CASE("the loader rejects bad headers", "[bytecode][load]") {
  CHECK(loadError({}) == "not a .seqb file (empty)");
  CHECK(loadError({'S', 'E'}) == "truncated header");
  CHECK(loadError({'S', 'E', 'Q', 'B', 1, 0}) == "truncated header");
  CHECK(loadError({'s', 'e', 'q', 'b', 1, 0, 0, 0}) == "not a .seqb file (bad magic)");
  CHECK(loadError({'s', 'e', 'q', 'u', 'e', 'n', 'c', 'e', ' ', '"'}) ==
        "not a .seqb file (bad magic)");
  CHECK(loadError(fileOf(emptySections())) == "(loaded)");
  CHECK(loadError(fileOf(emptySections(), 2, 0)) ==
        "unsupported bytecode version 2.0 (this seqc reads 1.x)");
  CHECK(loadError(fileOf(emptySections(), 0, 7)) ==
        "unsupported bytecode version 0.7 (this seqc reads 1.x)");
}

TEST_CASE("the loader rejects malformed sections", "[bytecode][load]") {
  auto with = [](SectionIndex i, std::vector<uint8_t> bytes) {
    auto s = emptySections();
    s[i] = std::move(bytes);
    return loadError(fileOf(s));
  };
  CHECK(with(kStrings, {0x80, 0x00}) == "corrupt string table: overlong LEB128");
  CHECK(with(kStrings, {0xFF, 0xFF, 0xFF, 0xFF, 0x7F}) ==
        "corrupt string table: integer too large");
  CHECK(with(kStrings, {0x80, 0x80, 0x80, 0x80, 0x80, 0x01}) ==
        "corrupt string table: integer too large");
  CHECK(with(kStrings, {0x05}) == "truncated string table");
  CHECK(with(kStrings, {0x01, 0x05, 'a'}) == "truncated string table");
  CHECK(with(kStrings, {0x00, 0x00}) == "corrupt string table: 1 unexpected bytes at its end");
  CHECK(with(kSteps, {0xFF, 0xFF, 0x03}) == "truncated step table");
  CHECK(with(kSteps, {0x01, 0x00, 0x00}) == "truncated step table");
  CHECK(with(kSteps, {0x01, 0x03, 0x00, 0x00, 0x00, 0x00}) ==
        "corrupt step table: step 0: unknown step kind 3");
  CHECK(with(kSteps, {0x01, 0x41, 0x00, 0x00}) ==
        "corrupt step table: step 0: a wait step with the `and` flag");
  CHECK(with(kSteps, {0x01, 0x00, 0x0A, 0x00, 0x00}) ==
        "corrupt step table: step 0: unknown activity kind 10");
  CHECK(with(kSteps, {0x01, 0x01, 0x00, 0x00}) == "(loaded)");  // a wait step
  CHECK(with(kSteps, {0x01, 0x01, 0x79, 0x00}) ==
        "corrupt step table: step 0: duration not in minutes");  // 60 s, not 1 min
  CHECK(with(kSteps, {0x01, 0x81, 0x00, 0x80, 0x80, 0x04, 0x00}) ==
        "corrupt step table: step 0: integer too large");  // slot > 0xFFFF
  CHECK(with(kSteps, {0x01, 0x81, 0x00, 0xFF, 0xFF, 0x03, 0x00}) ==
        "corrupt step table: step 0: slot 0xffff");
  CHECK(with(kSteps, {0x01, 0x05, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x00, 0x00}) ==
        "corrupt step table: step 0: string index 0xffffffff");
  CHECK(with(kConstants, {0x01, 0x0C}) ==
        "corrupt constant table: constant 0: unknown value type 12");
  CHECK(with(kConstants, {0x01, 0x03, 0, 0, 0}) == "truncated constant table");
  CHECK(with(kConstants, {0x01, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                          0x01}) == "corrupt constant table: constant 0: integer too large");
  CHECK(with(kConstants, {0x01, 0x02, 0x80, 0x00}) ==
        "corrupt constant table: constant 0: overlong LEB128");
  CHECK(with(kConstants, {0x01, 0x02, 0xFF, 0x7F}) ==
        "corrupt constant table: constant 0: overlong LEB128");
  CHECK(with(kConstants, {0x01, 0x02, 0xC0, 0x00}) == "(loaded)");  // 64 needs two bytes
  CHECK(with(kConstants, {0x01, 0x02, 0xBF, 0x7F}) == "(loaded)");  // -65 too
  CHECK(with(kSequences, {0x01, 0x00}) == "truncated sequence table");
  CHECK(with(kLines, {0x01, 0x00}) == "truncated line table");
  CHECK(with(kLines, {0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10}) ==
        "corrupt line table: entry 0: delta out of range");
  CHECK(with(kSource, {0x02, 'a'}) == "truncated source name");

  // Section lengths past the end, trailing garbage, extension sections.
  auto bytes = fileOf(emptySections());
  bytes[8] = 0x40;
  CHECK(loadError(bytes) == "truncated source name");
  bytes = fileOf(emptySections());
  bytes.push_back(0);
  CHECK(loadError(bytes) == "1 bytes of trailing garbage after the last section");
  // 1.1 added the assignment table; a 1.0 file has none and still loads.
  auto v11 = emptySections();
  v11.push_back({0});
  CHECK(loadError(fileOf(v11, 1, 1)) == "(loaded)");
  CHECK(loadError(fileOf(emptySections(), 1, 1)) == "truncated assignment table");
  CHECK(loadError(fileOf(v11, 1, 0)) == "5 bytes of trailing garbage after the last section");
  v11.back() = {1, 0};
  CHECK(loadError(fileOf(v11, 1, 1)) == "corrupt assignment table: 1 assignments for 0 sequences");
  // 1.2 added the calendar, sequence calendar and step unit tables.
  auto v12 = emptySections();
  v12.push_back({0});
  for (int i = 0; i < 3; ++i) v12.push_back({0});
  CHECK(loadError(fileOf(v12, 1, 2)) == "(loaded)");
  CHECK(loadError(fileOf(std::vector(v12.begin(), v12.end() - 3), 1, 2)) == "truncated calendar table");
  CHECK(loadError(fileOf(v12, 1, 1)) == "15 bytes of trailing garbage after the last section");
  auto with12 = [&](size_t i, std::vector<uint8_t> section) {
    auto s = v12;
    s[i] = std::move(section);
    return loadError(fileOf(s, 1, 2));
  };
  constexpr size_t kCalendars = 11, kSequenceCalendars = 12, kUnits = 13;
  // name "C", zone "UTC", open all day, no ranges, one holiday: "H" kind 6
  CHECK(with12(kCalendars, {1, 1, 'C', 3, 'U', 'T', 'C', 0, 0, 1, 1, 'H', 6, 0, 0}) ==
        "corrupt calendar table: calendar 0: unknown holiday kind 6");
  CHECK(with12(kCalendars, {1, 1, 'C', 3, 'U', 'T', 'C', 0, 0, 1, 1, 'H', 5, 3, 0}) ==
        "corrupt calendar table: calendar 0: unknown observation 3");
  CHECK(with12(kCalendars, {1, 1, 'C', 3, 'U', 'T', 'C', 0, 0, 1, 1, 'H', 5, 0, 0}) == "(loaded)");
  CHECK(with12(kCalendars, {1, 1, 'C', 3, 'U', 'T', 'C', 2, 0, 0}) ==
        "corrupt calendar table: calendar 0: flag byte 2 is neither 0 nor 1");
  CHECK(with12(kCalendars, {1, 1, 'C', 3, 'U', 'T', 'C', 1, 1, 7, 0, 1, 0}) ==
        "calendar 0: calendar \"C\": hours range 1: day 7 is not a day of the week");
  std::vector<uint8_t> flood = {1, 1, 'C', 3, 'U', 'T', 'C', 1, 0xE9, 0x07};  // 1001 ranges
  flood.resize(flood.size() + 1001 * 3 + 1, 0);
  CHECK(with12(kCalendars, flood) == "corrupt calendar table: calendar 0: too many hours ranges");
  CHECK(with12(kSequenceCalendars, {1, 0, 0, 0}) ==
        "corrupt sequence calendar table: 1 entries for 0 sequences");
  CHECK(with12(kUnits, {1, 0, 2}) == "corrupt step unit table: entry 0: step 0 out of range (0 steps)");
  auto unit = [&](std::vector<uint8_t> units) {
    auto s = v12;
    s[kSteps] = {0x02, 0x01, 0x02, 0x00, 0x01, 0x02, 0x00};  // two waits of 1 minute
    s[kUnits] = std::move(units);
    return loadError(fileOf(s, 1, 2));
  };
  CHECK(unit({1, 0, 0}) == "corrupt step unit table: entry 0: unit 0 is not a business unit");
  CHECK(unit({1, 1, 3}) == "corrupt step unit table: entry 0: unit 3 is not a business unit");
  CHECK(unit({2, 0, 1, 1, 1}) == "corrupt step unit table: entry 1: step 2 out of range (2 steps)");
  // Business units without a calendar fail verification.
  CHECK(unit({2, 0, 1, 0, 1}) == "(loaded)");  // steps outside any sequence
  // 1.3 added the segment table.
  auto v13 = v12;
  v13.push_back({0});
  CHECK(loadError(fileOf(v13, 1, 3)) == "(loaded)");
  CHECK(loadError(fileOf(v12, 1, 3)) == "truncated segment table");
  CHECK(loadError(fileOf(v13, 1, 2)) == "5 bytes of trailing garbage after the last section");
  auto with13 = [&](std::vector<uint8_t> section) {
    auto s = v13;
    s.back() = std::move(section);
    return loadError(fileOf(s, 1, 3));
  };
  // name, entity, feeds, priority, on leave, line, where begin, end
  CHECK(with13({1, 0, 0, 0, 1, 0, 1, 0}) == "truncated segment table");
  CHECK(with13({1, 0, 0, 0, 1, 2, 1, 0, 0, 0}) == "corrupt segment table: segment 0: flag byte 2 is neither 0 nor 1");
  CHECK(with13({1, 0, 0, 0, 1, 1, 1, 0, 0}) == "segment 0: name: string index 0 out of range (0 strings)");
  const uint16_t later = bc::kVersionMinor + 1;
  auto v14 = v13;  // a 1.4 file has the experiments section: empty here
  v14.push_back({0});
  CHECK(loadError(fileOf(v14, 1, 4)) == "(loaded)");
  auto newer = v14;
  newer.push_back({1, 2, 3});  // a section a later 1.x adds
  CHECK(loadError(fileOf(newer, 1, later)) == "(loaded)");
  CHECK(loadError(fileOf(newer, 1, bc::kVersionMinor)) == "7 bytes of trailing garbage after the last section");
  auto cut = fileOf(newer, 1, later);
  cut.pop_back();
  CHECK(loadError(cut) == "truncated extension section");
  bytes = fileOf(emptySections());
  bytes.resize(bytes.size() - 5);
  CHECK(loadError(bytes) == "truncated line table");
}

TEST_CASE("a module truncated at any byte is rejected", "[bytecode][load]") {
  std::vector<uint8_t> bytes = bc::write(sample());
  REQUIRE(loadError(bytes) == "(loaded)");
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    INFO("truncated to " << n << " bytes");
    CHECK(loadError(cut) != "(loaded)");
  }
}

TEST_CASE("random byte flips never crash the loader", "[bytecode][load]") {
  std::vector<uint8_t> bytes = bc::write(sample());
  std::mt19937 rng(12345);
  int loaded = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    std::vector<uint8_t> copy = bytes;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < flips; ++k)
      copy[rng() % copy.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
    bc::Module m;
    std::string error;
    if (!bc::load(copy.data(), copy.size(), m, error)) {
      CHECK(!error.empty());
      continue;
    }
    ++loaded;
    // Whatever loads is verified, lists, and writes back to the same bytes.
    CHECK(bc::verify(m, error));
    CHECK(!bc::disassemble(m).empty());
    if (copy[6] == bc::kVersionMinor && copy[7] == 0) CHECK(bc::write(m) == copy);
  }
  CHECK(loaded > 0);  // some flips (in strings, lines) keep the module valid
}
