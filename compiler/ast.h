// The AST: the compiler's own tree, built from the ANTLR parse tree by parser.cc and
// nothing else. Every node carries its source range. The checker fills in the
// resolution fields (types, referenced fields/steps/variables); later stages read them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/source.h"
#include "compiler/types.h"
#include "seqc/format/activity.h"
#include "seqc/format/bytecode.h"

namespace seqc::ast {

struct Stmt;
struct LetStmt;
struct Sequence;
struct CalendarDecl;

// What `wait`, `within` and `due` take: elapsed minutes, or `N business days|hours`
// (CALENDARS.md §3), then `count` is N.
struct Duration {
  int64_t minutes = 0;
  SourceRange range;
  bool valid = true;  // false after InvalidNumber: range rules are not checked again
  bc::DurationUnit unit = bc::DurationUnit::Seconds;
  int64_t count = 0;  // business units only
  SourceRange countRange, unitRange;  // business units: `N`, `days`
  bool business() const { return unit != bc::DurationUnit::Seconds; }
};

// ---- Expressions ----------------------------------------------------------------

enum class ExprKind : uint8_t {
  IntLit, DecimalLit, StringLit, BoolLit, NullLit, DurationLit,
  Name, Member, Call, Unary, Binary, In, Error,
};

enum class UnaryOp : uint8_t { Neg, Not };
enum class BinaryOp : uint8_t { Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Mod };

const char* spelling(BinaryOp op);

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  ExprKind kind;
  SourceRange range;       // without the parentheses around it
  unsigned parens = 0;     // pairs of parentheses written around it (kept by the formatter)
  Type type;  // set by the checker
};

template <ExprKind K>
struct ExprOf : Expr {
  ExprOf() : Expr(K) {}
  static bool classof(const Expr* e) { return e->kind == K; }
};

struct IntLit : ExprOf<ExprKind::IntLit> { int64_t value = 0; };
// Kept as written: the exact value matters for money.
struct DecimalLit : ExprOf<ExprKind::DecimalLit> { std::string text; };
struct StringLit : ExprOf<ExprKind::StringLit> { std::string value; };  // escapes decoded
struct BoolLit : ExprOf<ExprKind::BoolLit> { bool value = false; };
struct NullLit : ExprOf<ExprKind::NullLit> {};
struct DurationLit : ExprOf<ExprKind::DurationLit> { int64_t minutes = 0; };
struct ErrorExpr : ExprOf<ExprKind::Error> {};

struct NameExpr : ExprOf<ExprKind::Name> {
  std::string name;
  const LetStmt* variable = nullptr;  // resolution
};

// `X.Y`: a field of the record (X the entity) or an event/outcome of step X.
struct MemberExpr : ExprOf<ExprKind::Member> {
  std::string object;
  SourceRange objectRange;
  std::string member;
  SourceRange memberRange;
  const FieldInfo* field = nullptr;  // resolution: a field reference
  const Stmt* step = nullptr;        // resolution: an engagement reference
};

struct CallExpr : ExprOf<ExprKind::Call> {
  std::string callee;
  SourceRange calleeRange;
  std::vector<std::unique_ptr<Expr>> args;
};

struct UnaryExpr : ExprOf<ExprKind::Unary> {
  UnaryOp op = UnaryOp::Neg;
  std::unique_ptr<Expr> operand;
};

struct BinaryExpr : ExprOf<ExprKind::Binary> {
  BinaryOp op = BinaryOp::Or;
  SourceRange opRange;
  std::unique_ptr<Expr> lhs, rhs;
};

struct InExpr : ExprOf<ExprKind::In> {
  std::unique_ptr<Expr> lhs;
  std::vector<std::unique_ptr<Expr>> items;
  SourceRange listRange;  // `[` to `]`
};

// A condition of `if`/`else if`/`exit when`: an expression with an optional `within`.
struct Condition {
  std::unique_ptr<Expr> expr;
  std::optional<Duration> within;
  SourceRange withinKeyword;
  SourceRange range;
};

// ---- Statements -----------------------------------------------------------------

enum class StmtKind : uint8_t { Activity, Wait, If, Set, Let, Assign, End, Advance, Experiment };

struct Stmt {
  explicit Stmt(StmtKind k) : kind(k) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  SourceRange range;
  std::string label;  // empty when unlabelled
  SourceRange labelRange;
};

template <StmtKind K>
struct StmtOf : Stmt {
  StmtOf() : Stmt(K) {}
  static bool classof(const Stmt* s) { return s->kind == K; }
};

struct Block {
  std::vector<std::unique_ptr<Stmt>> stmts;
  SourceRange range;
};

enum class ActivityOptionKind : uint8_t { Template, Description, Due };

struct ActivityOption {
  ActivityOptionKind kind;
  SourceRange range;  // the whole option, keyword first
  std::string text;   // Template, Description
  SourceRange textRange;  // Template, Description: the string literal
  Duration due;       // Due
};

struct ActivityStmt : StmtOf<StmtKind::Activity> {
  ActivityKind activity = ActivityKind::Email;
  SourceRange kindRange;
  std::string title;
  SourceRange titleRange;
  std::vector<ActivityOption> options;  // as written; the checker rejects duplicates

  const ActivityOption* option(ActivityOptionKind k) const {
    for (const auto& o : options)
      if (o.kind == k) return &o;
    return nullptr;
  }
};

struct WaitStmt : StmtOf<StmtKind::Wait> { Duration duration; };

struct IfArm {
  SourceRange keyword;  // `if` (or the `if` of `else if`)
  Condition condition;
  Block body;
};

struct IfStmt : StmtOf<StmtKind::If> {
  std::vector<IfArm> arms;  // `if`, then each `else if`
  std::optional<Block> elseBlock;
};

struct SetStmt : StmtOf<StmtKind::Set> {
  std::unique_ptr<MemberExpr> target;
  std::unique_ptr<Expr> value;
};

struct LetStmt : StmtOf<StmtKind::Let> {
  std::string name;
  SourceRange nameRange;
  std::unique_ptr<Expr> value;
  Type type;          // set by the checker
  bool read = false;  // set by the checker
};

struct AssignStmt : StmtOf<StmtKind::Assign> {
  std::string name;
  SourceRange nameRange;
  std::unique_ptr<Expr> value;
  const LetStmt* variable = nullptr;  // resolution
};

struct EndStmt : StmtOf<StmtKind::End> {};

struct AdvanceStmt : StmtOf<StmtKind::Advance> {
  std::string target;
  SourceRange targetRange;
  const Sequence* resolved = nullptr;  // resolution
};

// `experiment "NAME" { … }` (docs/language.md, "Experiments"). Items are kept in source
// order for the formatter; the checker resolves the metric and the numbers.
enum class ExperimentItemKind : uint8_t { Variant, Metric, Baseline, Mde, Alpha, Power };

struct ExperimentItem {
  ExperimentItemKind kind = ExperimentItemKind::Variant;
  SourceRange range;    // the whole item
  SourceRange keyword;  // `variant`, `metric`, …
  // Variant: `variant NAME WEIGHT { … }`.
  std::string name;
  SourceRange nameRange;
  int64_t weight = 0;
  SourceRange weightRange;
  bool weightIsInteger = true;  // false: written as a decimal (VariantWeights)
  Block body;
  // Metric: the condition with its `within`; numbers: value.expr is the number as written.
  Condition value;
};

struct ExperimentStmt : StmtOf<StmtKind::Experiment> {
  SourceRange keyword;  // `experiment`
  std::string name;
  SourceRange nameRange;
  std::vector<ExperimentItem> items;  // source order
  // Set by the checker when the metric is `EVENT within D` (else a field condition).
  std::optional<EngagementEvent> metricEvent;
  // Set by the checker (defaults for alpha and power).
  double baseline = 0, mde = 0, alpha = 0.05, power = 0.8;

  std::vector<const ExperimentItem*> variants() const {
    std::vector<const ExperimentItem*> out;
    for (const auto& i : items)
      if (i.kind == ExperimentItemKind::Variant) out.push_back(&i);
    return out;
  }
  const ExperimentItem* item(ExperimentItemKind k) const {
    for (const auto& i : items)
      if (i.kind == k) return &i;
    return nullptr;
  }
};

// ---- Declarations ---------------------------------------------------------------

enum class SettingKind : uint8_t {
  Description, Tags, AssignOwner, AssignField, AssignTeam, ExitOnReply, ExitWhen,
  Calendar, TimeZone,
};

struct Setting {
  SettingKind kind;
  SourceRange range;
  std::string text;                                           // Description
  SourceRange textRange;                                      // Description: the literal
  std::vector<std::pair<std::string, SourceRange>> tags;      // Tags
  std::unique_ptr<MemberExpr> field;                          // AssignField
  bool teamAccess = false;                                    // AssignTeam: access (else owner)
  std::unique_ptr<Expr> where;                                // AssignTeam, optional
  std::optional<Condition> condition;                         // ExitWhen
  std::unique_ptr<Expr> zone;                                 // TimeZone
  const CalendarDecl* calendar = nullptr;                     // Calendar: resolution
};

struct Sequence {
  SourceRange range;
  SourceRange keyword;
  std::string name;
  SourceRange nameRange;
  std::string entity;
  SourceRange entityRange;
  std::vector<Setting> settings;
  Block body;
  bool hasSyntaxError = false;  // then it is registered but not checked
  // A condition checked alone whose `exit when` may also read the candidate member of
  // an `assign to team … where` as systemuser.FIELD (Compilation::checkCondition).
  bool readsMember = false;
};

struct OptionDecl {
  int64_t value = 0;
  std::string label;
  SourceRange range;
  SourceRange valueRange;  // `-`? and the integer
  SourceRange labelRange;
};

enum class TypeRefKind : uint8_t { Named, Choice, Lookup };

struct TypeRef {
  TypeRefKind kind = TypeRefKind::Named;
  std::string name;  // Named
  SourceRange range;
  std::optional<int64_t> length;  // Named: `string(N)`
  SourceRange lengthRange;
  std::vector<OptionDecl> options;                            // Choice
  std::vector<std::pair<std::string, SourceRange>> targets;   // Lookup
};

struct FieldDecl {
  SourceRange range;
  std::string name;
  SourceRange nameRange;
  TypeRef type;
  bool readonly = false;
  std::string display;
  SourceRange displayRange;  // invalid when there is none
};

struct EntityDecl {
  SourceRange range;
  bool isExtend = false;
  std::string name;
  SourceRange nameRange;
  std::string display;
  SourceRange displayRange;  // invalid when there is none
  std::vector<FieldDecl> fields;
  bool hasSyntaxError = false;
};

// ---- Calendars (CALENDARS.md §1) ------------------------------------------------
// The parser keeps what was written; the checker reads the names of days and months,
// checks the values (BadHours, BadHoliday) and builds the cal::CalendarSpec.

struct Word {  // a day or month name, `observed`, … as written
  std::string text;
  SourceRange range;
};

struct ClockTime {  // `HH:MM`
  int minutes = -1;  // -1: malformed (not two digits, `:`, two digits, up to 24:00)
  SourceRange range;
};

struct ClockRange {
  ClockTime start, end;
  SourceRange range;
};

struct DateLit {  // `YYYY-MM-DD`
  int64_t year = 0, month = 0, day = 0;
  bool wellFormed = false;  // four, two and two digits with nothing between them
  SourceRange range;
};

enum class CalendarItemKind : uint8_t { Zone, Hours, Holiday };
enum class HolidayForm : uint8_t { Fixed, Date, Range, Nth, Last, Easter };

struct CalendarItem {
  CalendarItemKind kind = CalendarItemKind::Zone;
  SourceRange range;    // the whole line
  SourceRange keyword;  // `zone`, `hours`, `holiday`
  std::string text;     // Zone: the zone name; Holiday: its name
  SourceRange textRange;
  // Hours: `DAY` or `DAY-DAY`, then the ranges.
  Word firstDay;
  std::optional<Word> lastDay;
  std::vector<ClockRange> ranges;
  // Holiday: the rule as written.
  HolidayForm form = HolidayForm::Fixed;
  SourceRange ruleRange;
  Word month, weekday;         // Fixed, Nth, Last: month; Nth, Last: weekday
  int64_t number = 0;          // Fixed: the day of the month
  std::string ordinal;         // Nth: `4th` as written
  SourceRange numberRange;     // the day or the ordinal
  bool numbersValid = true;    // false: InvalidNumber was reported
  DateLit date, endDate;       // Date, Range
  cal::Observed observed = cal::Observed::None;
  SourceRange observedRange;
  int64_t offsetDays = 0;      // `+ Nd` / `- Nd`
  SourceRange offsetRange;     // invalid: no offset
  bool offsetValid = true;     // false: not whole days (`+ 2h`) or too large to read
};

struct CalendarDecl {
  SourceRange range;
  SourceRange keyword;
  std::string name;
  SourceRange nameRange;
  std::vector<CalendarItem> items;  // in source order
  bool hasSyntaxError = false;
  // Set by the checker when the declaration is valid: what it lowers into.
  std::optional<cal::CalendarSpec> spec;
};

// ---- Segments (docs/language.md "Segments") --------------------------------------
// The parser keeps each item as written, duplicates included; the checker reports
// DuplicateSetting, SegmentIncomplete and the rest.

enum class SegmentItemKind : uint8_t { Where, Feeds, Priority, Leave };

struct SegmentItem {
  SegmentItemKind kind = SegmentItemKind::Where;
  SourceRange range;    // the whole item
  SourceRange keyword;  // `where`, `feeds`, `priority`, `on`
  std::optional<Condition> condition;  // Where
  std::string text;                    // Feeds: the sequence's name
  SourceRange textRange;               // Feeds: the literal; Priority: the integer
  std::optional<int64_t> priority;     // Priority: nullopt after InvalidNumber
  bool disconnect = false;             // Leave: `disconnect` (else `stay`)
  SourceRange actionRange;             // Leave: `leave stay|disconnect`
};

struct SegmentDecl {
  SourceRange range;
  SourceRange keyword;
  std::string name;
  SourceRange nameRange;
  std::string entity;
  SourceRange entityRange;
  std::vector<SegmentItem> items;  // in source order
  bool hasSyntaxError = false;

  const SegmentItem* item(SegmentItemKind k) const {
    for (const auto& i : items)
      if (i.kind == k) return &i;
    return nullptr;
  }
};

struct ImportDecl {
  SourceRange range;
  std::string path;
  SourceRange pathRange;
};

struct File {
  FileId id = kNoFile;
  std::vector<ImportDecl> imports;
  std::vector<std::unique_ptr<EntityDecl>> entities;
  std::vector<std::unique_ptr<CalendarDecl>> calendars;
  std::vector<std::unique_ptr<Sequence>> sequences;
  std::vector<std::unique_ptr<SegmentDecl>> segments;
  std::vector<SourceRange> comments;  // every `//` and `/* */` comment, in source order
};

}  // namespace seqc::ast
