// The `.seqb` module: what the compiler produces and the interpreter runs. This header
// is the contract between them (the compiler lowers into a Module, the writer encodes
// it, the loader decodes and verifies it). docs/bytecode.md documents the encoding.
//
// Instructions are one opcode byte followed by fixed-width little-endian operands:
//
//   +--------+----------------------+
//   | opcode | operands (layout in opcodes.def: none, u8, u16, u32, u16 u8, u16 u32)
//   +--------+----------------------+
//
// Each sequence owns a contiguous code range, a contiguous run of the step table and of
// the branch table; code refers to its steps and branches by sequence-local index.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seqc/calendar/spec.h"
#include "seqc/format/activity.h"

namespace seqc::bc {

inline constexpr std::array<char, 4> kMagic = {'S', 'E', 'Q', 'B'};
inline constexpr uint16_t kVersionMajor = 1;  // incompatible changes
// Compatible additions: 1.1 assignments; 1.2 calendars, time zones, business durations;
// 1.3 segments; 1.4 experiments.
inline constexpr uint16_t kVersionMinor = 4;

inline constexpr uint32_t kNone = 0xFFFFFFFFu;   // "no string" in a string-index field
inline constexpr uint16_t kNoSlot = 0xFFFFu;     // a step without engagement memory
inline constexpr size_t kMaxStack = 256;         // deepest operand stack the verifier admits
inline constexpr size_t kMaxVars = 4096;
inline constexpr size_t kMaxSlots = 4096;
inline constexpr uint32_t kMaxStepSeconds = 366u * 24 * 3600;  // due/wait/within bound

// How a step's duration counts (CALENDARS.md §3). Part of the format: append only.
enum class DurationUnit : uint8_t {
#define DURATION_UNIT(E, N) E,
#include "seqc/format/duration_units.def"
#undef DURATION_UNIT
};
inline constexpr std::array kDurationUnitNames = {
#define DURATION_UNIT(E, N) std::string_view(N),
#include "seqc/format/duration_units.def"
#undef DURATION_UNIT
};
inline std::string_view name(DurationUnit u) { return kDurationUnitNames[static_cast<size_t>(u)]; }

// Business-duration limits (CALENDARS.md §3), in units: `wait` and `within`, then `due`.
// The compiler reports WaitRange/WithinRange/DueRange against them, the verifier checks them.
struct BusinessLimits {
  uint32_t days, hours;
};
inline constexpr BusinessLimits kWaitBusinessLimits = {22, 240};
inline constexpr BusinessLimits kDueBusinessLimits = {250, 2000};

// Value types of fields and constants (LANGUAGE.md §3). Part of the format: append only.
enum class ValueType : uint8_t {
  Null, Bool, Int, Decimal, Money, String, Date, DateTime, Duration, Id, Lookup, Choice,
};
inline constexpr std::array<std::string_view, 12> kValueTypeNames = {
    "null", "bool", "int", "decimal", "money", "string",
    "date", "datetime", "duration", "id", "lookup", "choice"};
inline std::string_view name(ValueType t) { return kValueTypeNames[static_cast<size_t>(t)]; }

// ---- opcodes ------------------------------------------------------------------------

inline constexpr int kPopsOperand = -1;  // `in`: pops its operand + 1
inline constexpr int kPopsCall = -2;     // `call`: pops the builtin's arity

enum class Opcode : uint8_t {
#define OPCODE(E, N, L, P, U) E,
#include "seqc/format/opcodes.def"
#undef OPCODE
};

enum class Layout : uint8_t { None, U8, U16, U32, U16U8, U16U32 };

struct OpInfo {
  std::string_view mnemonic;
  Layout layout;
  int pops;
  int pushes;
};

inline constexpr std::array kOpInfo = {
#define OPCODE(E, N, L, P, U) OpInfo{N, Layout::L, P, U},
#include "seqc/format/opcodes.def"
#undef OPCODE
};
inline constexpr size_t kOpcodeCount = kOpInfo.size();

inline constexpr size_t operandBytes(Layout l) {
  switch (l) {
    case Layout::None: return 0;
    case Layout::U8: return 1;
    case Layout::U16: return 2;
    case Layout::U32: return 4;
    case Layout::U16U8: return 3;
    case Layout::U16U32: return 6;
  }
  return 0;
}
inline const OpInfo& info(Opcode op) { return kOpInfo[static_cast<size_t>(op)]; }
inline size_t instructionSize(Opcode op) { return 1 + operandBytes(info(op).layout); }

enum class Builtin : uint8_t {
#define BUILTIN(E, N, A) E,
#include "seqc/format/builtins.def"
#undef BUILTIN
};
struct BuiltinInfo {
  std::string_view name;
  int arity;
};
inline constexpr std::array kBuiltinInfo = {
#define BUILTIN(E, N, A) BuiltinInfo{N, A},
#include "seqc/format/builtins.def"
#undef BUILTIN
};

// ---- tables -------------------------------------------------------------------------

struct Option {
  int64_t value = 0;
  uint32_t label = kNone;  // string index
};

// A schema field the code touches: checked by name and type against the schema the
// module runs with; choice options let the runtime read records by label.
struct Field {
  uint32_t entity = kNone;  // string index
  uint32_t name = kNone;    // string index
  ValueType type = ValueType::Null;
  uint32_t maxLength = 0;   // String: 0 = unbounded (`set` checks it at run time)
  std::vector<Option> options;  // Choice
};

// A constant: Int/Money/Date/DateTime/Duration/Choice in `i` (money scaled by 10^4,
// date in days and datetime/duration in seconds since the epoch), Decimal in `d`,
// String in `str`.
struct Constant {
  ValueType type = ValueType::Null;
  int64_t i = 0;
  double d = 0;
  uint32_t str = kNone;
};

enum class StepKind : uint8_t { Activity, Wait, Condition };

// What the runtime shows for a record's current step and history.
struct Step {
  StepKind kind = StepKind::Activity;
  ActivityKind activity = ActivityKind::Email;  // Activity
  bool all = false;                             // Condition: every term (`and`) vs one (`or`)
  uint32_t label = kNone;        // strings
  uint32_t title = kNone;
  uint32_t templ = kNone;
  uint32_t description = kNone;
  uint32_t seconds = 0;          // Activity: due after; Wait: duration; Condition: within
  // Seconds: `seconds` is elapsed time. Otherwise `seconds` holds the count N of
  // `N business days|hours`, read on the sequence's calendar. Since 1.2.
  DurationUnit unit = DurationUnit::Seconds;
  uint32_t line = 0;
  uint16_t slot = kNoSlot;       // Activity with events or outcomes: its engagement slot
  uint32_t termBegin = 0;        // Condition: its terms in Module::terms
  uint32_t termCount = 0;
};

// One `step.event` of an engagement condition: `events` is a mask of
// 1 << EngagementEvent.
struct Term {
  uint16_t step = 0;  // sequence-local activity step
  uint8_t events = 0;
};

// A counted branch of an `if`: which arm (0 the `if`, 1… each `else if`, kElseArm the
// `else` or, without one, falling through).
inline constexpr uint16_t kElseArm = 0xFFFFu;
struct Branch {
  uint32_t line = 0;  // of the `if`
  uint16_t arm = 0;
};

struct Sequence {
  uint32_t name = kNone;         // strings
  uint32_t entity = kNone;
  uint32_t description = kNone;
  std::vector<uint32_t> tags;
  bool exitOnReply = false;
  uint16_t total = 0;            // most activity steps on any path
  uint16_t vars = 0;             // variable slots
  uint16_t slots = 0;            // engagement slots
  uint32_t line = 0;             // of `sequence`
  uint32_t stepBegin = 0, stepCount = 0;
  uint32_t branchBegin = 0, branchCount = 0;
  uint32_t codeBegin = 0, codeEnd = 0;  // entry point: codeBegin
  uint32_t exitBegin = 0, exitEnd = 0;  // the `exit when` block (empty: none)
  // Who its activities go to, as written after `assign to` ("owner", "field lead.x",
  // "team access where …"); kNone: the default, the record's owner. Since 1.1.
  uint32_t assign = kNone;
  // Its working calendar, an index into Module::calendars; kNone: none. Since 1.2.
  uint32_t calendar = kNone;
  // The `time zone E` block (empty: none): evaluates E and ends with zone_result, which
  // hands the zone name to the runtime. Only with a calendar. Since 1.2.
  uint32_t zoneBegin = 0, zoneEnd = 0;
  // Its experiments, a run of Module::experiments (in order of their `experiment`
  // instructions' local index). Since 1.4.
  uint32_t experimentBegin = 0, experimentCount = 0;
};

// A segment (docs/language.md "Segments"): records of `entity` for which its condition
// holds are members; entering connects them to sequence `feeds`. Since 1.3.
inline constexpr uint32_t kMinSegmentPriority = 1, kMaxSegmentPriority = 1000;
struct Segment {
  uint32_t name = kNone;    // strings
  uint32_t entity = kNone;  // strings: the same as the fed sequence's
  uint32_t feeds = 0;       // index into Module::sequences
  uint32_t priority = 0;    // 1 (the highest) … 1000
  bool disconnect = false;  // on leave: disconnect the run the entry started (else stay)
  uint32_t line = 0;        // of `segment`
  // The `where` block: verified like an `exit when` block of sequence `feeds` (it ends
  // with exit_test), so rt::Interpreter::exitCondition can run it.
  uint32_t condBegin = 0, condEnd = 0;
};

// An experiment (docs/language.md, "Experiments"; since 1.4). Its `experiment`
// instruction picks a variant (experimentBucket) and goes to the variant's target.
struct Variant {
  uint32_t name = kNone;   // string index
  uint8_t weight = 0;      // percent of the buckets; a sequence's weights add up to 100
  uint32_t target = 0;     // absolute code offset of the variant's first instruction
  // The variant's own steps, sequence-local [stepBegin, stepEnd): an event metric counts
  // events on these.
  uint32_t stepBegin = 0, stepEnd = 0;
};
inline constexpr size_t kMaxVariants = 5;

enum class MetricKind : uint8_t { Event, Field };

struct Experiment {
  uint32_t sequence = 0;   // the owning sequence (module index)
  uint32_t name = kNone;   // string index, unique within its sequence
  uint32_t line = 0;
  std::vector<Variant> variants;  // the first is the control
  MetricKind metric = MetricKind::Event;
  EngagementEvent event = EngagementEvent::Replied;  // Event
  // Field: the block [metricBegin, metricEnd) evaluates the condition and ends with
  // metric_result. Empty for Event.
  uint32_t metricBegin = 0, metricEnd = 0;
  uint32_t within = 0;     // seconds after the variant starts
  double baseline = 0, mde = 0, alpha = 0.05, power = 0.8;
};

// The bucket 0..99 of a record in an experiment: FNV-1a 64 of (record id, 0x00, sequence
// name, 0x00, experiment name) mod 100. Stable forever (docs/bytecode.md).
uint32_t experimentBucket(std::string_view record, std::string_view sequence, std::string_view experiment);
// The variant whose buckets hold `bucket`: variant i takes [sum of earlier weights, + weight).
size_t variantOfBucket(const Experiment& x, uint32_t bucket);

// pc → source line: the line of `pc` is that of the last entry with entry.pc <= pc.
struct LineEntry {
  uint32_t pc = 0;
  uint32_t line = 0;
};

struct Module {
  std::string source;  // file name the module was compiled from (no directory)
  std::vector<std::string> strings;
  std::vector<Constant> constants;
  std::vector<Field> fields;
  std::vector<Step> steps;
  std::vector<Term> terms;
  std::vector<Branch> branches;
  std::vector<Sequence> sequences;
  std::vector<uint8_t> code;
  std::vector<LineEntry> lines;
  // The calendars the sequences name (Sequence::calendar), with their own names. Since 1.2.
  std::vector<cal::CalendarSpec> calendars;
  std::vector<Segment> segments;  // Since 1.3.
  // Every sequence's experiments, grouped by sequence in sequence order. Since 1.4.
  std::vector<Experiment> experiments;

  std::string_view str(uint32_t i) const {
    return i < strings.size() ? std::string_view(strings[i]) : std::string_view();
  }
  uint32_t lineAt(uint32_t pc) const;
};

// A step's kind as listings, reports and the workspace show it: the activity's name
// (`auto_email`), `wait` or `condition`; "?" for an activity kind out of range.
std::string_view kindName(const Step& s);

// Encodes `m` (deterministically: equal modules give equal bytes).
std::vector<uint8_t> write(const Module& m);

// Decodes and verifies a module. On failure returns false and sets `error` to what is
// wrong ("truncated string table", "jump target 0x40 is not an instruction", …). A
// module that loads is safe to run: every index, jump target and stack depth was checked.
bool load(const uint8_t* data, size_t size, Module& out, std::string& error);

// The largest .seqb file loadFile reads (a module at every table's limit is far smaller).
inline constexpr size_t kMaxFileBytes = size_t{64} << 20;
// Reads and loads a .seqb file: the magic number first, then at most kMaxFileBytes.
// False with `error`: "cannot read 'PATH': why" or "invalid bytecode: PATH: why".
bool loadFile(const std::string& path, Module& out, std::string& error);

// Verifies an in-memory module (the loader calls it; the compiler asserts with it).
bool verify(const Module& m, std::string& error);

// The clox-style listing printed by `seqc disasm`.
std::string disassemble(const Module& m);

// Operand readers shared by the verifier, the disassembler and the interpreter.
inline uint16_t readU16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
inline uint32_t readU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace seqc::bc
