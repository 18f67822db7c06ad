// The checker. Phases: declare entities, extend them, register sequences, then check
// each sequence: names and labels, settings, statements with a flow analysis (which
// activity steps have run on every path), conditions and expression types.
#include "compiler/checker.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include <fmt/format.h>

#include <llvm/ADT/BitVector.h>
#include <llvm/Support/Casting.h>

#include "seqc/format/bytecode.h"
#include "compiler/calendars.h"
#include "seqc/support/quote.h"
#include "seqc/support/suggest.h"
#include "seqc/support/utf8.h"

namespace seqc {

std::string tagProblem(std::string_view tag) {
  size_t levels = 1;
  for (char ch : tag) levels += ch == '/';
  if (tag.empty() || tag.front() == '/' || tag.back() == '/' || tag.find("//") != std::string_view::npos)
    return "has an empty level";
  if (levels > kMaxTagLevels) return fmt::format("has {} levels; the limit is {}", levels, kMaxTagLevels);
  return {};
}
namespace {

using llvm::dyn_cast;
using llvm::isa;

// "did you mean" over any range of names (the rule is closestMatch's).
template <typename Range, typename Proj>
std::string_view suggest(std::string_view name, const Range& range, Proj proj) {
  std::vector<std::string_view> names;
  for (const auto& x : range) names.push_back(proj(x));
  return closestMatch(name, names);
}

void didYouMean(Diagnostic& d, std::string_view s) {
  if (!s.empty()) d.note(d.range, fmt::format("did you mean '{}'?", s));
}

size_t chars(std::string_view s) { return utf8::countCodePoints(s); }

struct Function {
  std::string_view name;
  TypeKind result;
  std::vector<std::vector<TypeKind>> params;  // accepted kinds per parameter
};

const std::vector<Function>& functions() {
  static const std::vector<Function> fns = {
      {"now", TypeKind::DateTime, {}},
      {"today", TypeKind::Date, {}},
      {"days_since", TypeKind::Int, {{TypeKind::Date, TypeKind::DateTime}}},
      {"len", TypeKind::Int, {{TypeKind::String}}},
      {"lower", TypeKind::String, {{TypeKind::String}}},
      {"upper", TypeKind::String, {{TypeKind::String}}},
      {"contains", TypeKind::Bool, {{TypeKind::String}, {TypeKind::String}}},
  };
  return fns;
}

bool isEventOrOutcome(std::string_view s) {
  return parseEngagementEvent(s) || parseCallOutcome(s);
}

class Checker {
 public:
  Checker(const std::vector<ast::File*>& files, size_t stdlibFiles, DiagnosticEngine& diags)
      : files_(files), stdlibFiles_(stdlibFiles), diags_(diags), program_(std::make_unique<Program>()) {}

  std::unique_ptr<Program> run() {
    declareEntities();
    declareCalendars();
    registerSequences();
    for (size_t i = 0; i < program_->sequences.size(); ++i)
      if (program_->sequences[i].checked)
        SequenceChecker(*this, program_->sequences[i], *userSequences_[i]).run();
    checkSegments();
    return std::move(program_);
  }

 private:
  // ---- entities -----------------------------------------------------------------

  void declareEntities() {
    llvm::StringMap<const ast::EntityDecl*> first;
    for (ast::File* f : files_)
      for (const auto& e : f->entities) {
        if (e->isExtend || e->name.empty()) continue;
        auto [it, inserted] = first.try_emplace(e->name, e.get());
        if (!inserted) {
          diags_.report(DiagKind::DuplicateEntity, e->nameRange, "entity '{}' is already declared", e->name)
              .note(it->second->nameRange, "first declared here");
          continue;
        }
        EntityInfo& info = program_->schema.add(e->name);
        info.display = e->display;
        info.decl = e.get();
        info.incomplete = e->hasSyntaxError;
        addFields(info, *e);
      }
    for (ast::File* f : files_)
      for (const auto& e : f->entities) {
        if (!e->isExtend || e->name.empty()) continue;
        EntityInfo* info = program_->schema.find(e->name);
        if (!info) {
          auto& d = diags_.report(DiagKind::UnknownEntity, e->nameRange,
                                  "cannot extend unknown entity '{}'", e->name);
          didYouMean(d, suggest(e->name, program_->schema.entities(),
                                [](const EntityInfo* x) -> std::string_view { return x->name; }));
          continue;
        }
        info->incomplete |= e->hasSyntaxError;
        addFields(*info, *e);
      }
  }

  void addFields(EntityInfo& info, const ast::EntityDecl& decl) {
    for (const ast::FieldDecl& fd : decl.fields) {
      if (const FieldInfo* prev = info.field(fd.name)) {
        auto& d = diags_.report(DiagKind::DuplicateField, fd.nameRange,
                                "field '{}' is already declared in entity '{}'", fd.name, info.name);
        if (prev->decl) d.note(prev->decl->nameRange, "first declared here");
        continue;
      }
      auto field = std::make_unique<FieldInfo>();
      field->name = fd.name;
      field->display = fd.display;
      field->readonly = fd.readonly;
      field->entity = &info;
      field->decl = &fd;
      field->type = resolveType(fd.type, *field);
      info.byName[fd.name] = field.get();
      info.fields.push_back(std::move(field));
    }
  }

  Type resolveType(const ast::TypeRef& t, FieldInfo& field) {
    switch (t.kind) {
      case ast::TypeRefKind::Choice: {
        for (const ast::OptionDecl& o : t.options) {
          if (field.optionByValue(o.value)) {
            diags_.report(DiagKind::DuplicateOption, o.range, "option value {} appears twice in '{}'",
                          o.value, field.name);
            continue;
          }
          if (field.optionByLabel(o.label)) {
            diags_.report(DiagKind::DuplicateOption, o.labelRange, "option label \"{}\" appears twice in '{}'",
                          o.label, field.name);
            continue;
          }
          field.options.push_back({o.value, o.label});
        }
        return {TypeKind::Choice, 0, &field};
      }
      case ast::TypeRefKind::Lookup:
        for (const auto& [name, range] : t.targets)
          if (std::find(field.targets.begin(), field.targets.end(), name) == field.targets.end())
            field.targets.push_back(name);
        return {TypeKind::Lookup, 0, &field};
      case ast::TypeRefKind::Named: break;
    }
    static const std::pair<std::string_view, TypeKind> kNamed[] = {
        {"string", TypeKind::String}, {"int", TypeKind::Int},       {"decimal", TypeKind::Decimal},
        {"money", TypeKind::Money},   {"bool", TypeKind::Bool},     {"date", TypeKind::Date},
        {"datetime", TypeKind::DateTime}, {"id", TypeKind::Id},
    };
    for (const auto& [name, kind] : kNamed) {
      if (t.name != name) continue;
      if (t.length) {
        if (kind != TypeKind::String) {
          diags_.report(DiagKind::UnknownType, t.range, "type '{}' takes no length; only string(N) does", name);
          return Type::error();
        }
        if (*t.length < 1 || *t.length > UINT32_MAX) {
          diags_.report(DiagKind::UnknownType, t.lengthRange, "string length must be between 1 and {}", UINT32_MAX);
          return Type::error();
        }
        return {TypeKind::String, static_cast<uint32_t>(*t.length)};
      }
      return Type::of(kind);
    }
    auto& d = diags_.report(DiagKind::UnknownType, t.range, "unknown type '{}'", t.name);
    didYouMean(d, suggest(t.name, kNamed, [](const auto& p) { return p.first; }));
    return Type::error();
  }

  // ---- calendars ----------------------------------------------------------------

  void declareCalendars() {
    for (ast::File* f : files_)
      for (const auto& c : f->calendars) {
        if (c->name.empty()) continue;
        auto [it, inserted] = program_->calendarByName.try_emplace(c->name, c.get());
        if (!inserted) {
          diags_.report(DiagKind::DuplicateCalendar, c->nameRange, "calendar \"{}\" is already declared", c->name)
              .note(it->second->nameRange, "first declared here");
          continue;
        }
        if (!c->hasSyntaxError) checkCalendar(*c, diags_);
      }
  }

  // ---- sequences ----------------------------------------------------------------

  void registerSequences() {
    for (size_t i = stdlibFiles_; i < files_.size(); ++i)
      for (const auto& s : files_[i]->sequences) {
        SequenceInfo info;
        info.decl = s.get();
        userSequences_.push_back(s.get());
        info.checked = !s->hasSyntaxError;
        if (info.checked && chars(s->name) > kMaxSequenceName)
          diags_.report(DiagKind::NameTooLong, s->nameRange,
                        "sequence name is {} characters long; the limit is {}", chars(s->name),
                        kMaxSequenceName);
        auto [it, inserted] = program_->sequenceByName.try_emplace(s->name, program_->sequences.size());
        if (!inserted) {
          diags_.report(DiagKind::DuplicateSequence, s->nameRange, "sequence \"{}\" is already defined", s->name)
              .note(program_->sequences[it->second].decl->nameRange, "first defined here");
        }
        info.entity = program_->schema.find(s->entity);
        if (!info.entity && info.checked && !s->entity.empty()) {
          auto& d = diags_.report(DiagKind::UnknownEntity, s->entityRange, "unknown entity '{}'", s->entity);
          didYouMean(d, suggest(s->entity, program_->schema.entities(),
                                [](const EntityInfo* x) -> std::string_view { return x->name; }));
        }
        program_->sequences.push_back(info);
      }
  }

  // ---- segments -----------------------------------------------------------------

  void checkSegments() {
    llvm::StringMap<const ast::SegmentDecl*> byName;
    // (entity, priority) → the segment that took it first.
    std::map<std::pair<std::string, int64_t>, const ast::SegmentItem*> priorities;
    for (size_t i = stdlibFiles_; i < files_.size(); ++i)
      for (const auto& g : files_[i]->segments) {
        if (g->hasSyntaxError) continue;
        SegmentInfo info;
        info.decl = g.get();
        if (chars(g->name) > kMaxSequenceName)
          diags_.report(DiagKind::NameTooLong, g->nameRange, "segment name is {} characters long; the limit is {}",
                        chars(g->name), kMaxSequenceName);
        auto [it, inserted] = byName.try_emplace(g->name, g.get());
        if (!inserted)
          diags_.report(DiagKind::DuplicateSegment, g->nameRange, "segment \"{}\" is already defined", g->name)
              .note(it->second->nameRange, "first defined here");
        info.entity = program_->schema.find(g->entity);
        if (!info.entity && !g->entity.empty()) {
          auto& d = diags_.report(DiagKind::UnknownEntity, g->entityRange, "unknown entity '{}'", g->entity);
          didYouMean(d, suggest(g->entity, program_->schema.entities(),
                                [](const EntityInfo* x) -> std::string_view { return x->name; }));
        }
        // Each item once.
        const ast::SegmentItem* seen[4] = {};
        for (ast::SegmentItem& item : g->items) {
          auto& first = seen[static_cast<size_t>(item.kind)];
          if (first) {
            diags_.report(DiagKind::DuplicateSetting, item.range, "this segment item is already given")
                .note(first->range, "first given here");
            continue;
          }
          first = &item;
        }
        std::vector<std::string_view> missing;
        if (!seen[0]) missing.push_back("`where`");
        if (!seen[1]) missing.push_back("`feeds`");
        if (!seen[2]) missing.push_back("`priority`");
        if (!missing.empty()) {
          std::string list;
          for (size_t k = 0; k < missing.size(); ++k)
            list += (k == 0 ? "" : k + 1 == missing.size() ? " and " : ", ") + std::string(missing[k]);
          diags_.report(DiagKind::SegmentIncomplete, g->nameRange, "segment \"{}\" has no {}", g->name, list)
              .note(g->nameRange, "a segment needs `where CONDITION`, `feeds \"SEQUENCE\"` and `priority N`");
        }
        if (const auto* w = seen[0]; w && w->condition && info.entity) {
          info.where = &*w->condition;
          checkSegmentWhere(*g, const_cast<ast::Condition&>(*w->condition), info.entity);
        }
        if (const auto* f = seen[1]) {
          auto it2 = program_->sequenceByName.find(f->text);
          if (it2 == program_->sequenceByName.end()) {
            auto& d = diags_.report(DiagKind::UnknownSequence, f->textRange,
                                    "no sequence named \"{}\" in this compilation", f->text);
            didYouMean(d, suggest(f->text, program_->sequences,
                                  [](const SequenceInfo& x) -> std::string_view { return x.decl->name; }));
          } else {
            const SequenceInfo& target = program_->sequences[it2->second];
            info.feeds = it2->second;
            if (info.entity && target.entity && target.entity != info.entity)
              diags_.report(DiagKind::EntityMismatch, f->textRange, "sequence \"{}\" runs on {}, not {}", f->text,
                            target.entity->name, info.entity->name)
                  .note(target.decl->entityRange, "its entity is declared here");
          }
        }
        if (const auto* p = seen[2]; p && p->priority) {
          info.priority = *p->priority;
          if (*p->priority < kMinSegmentPriority || *p->priority > kMaxSegmentPriority) {
            diags_.report(DiagKind::SegmentPriorityRange, p->textRange,
                          "a segment's priority must be between {} and {} (1 is the highest)", kMinSegmentPriority,
                          kMaxSegmentPriority);
          } else if (info.entity) {
            auto [at, fresh] = priorities.try_emplace({info.entity->name, *p->priority}, p);
            if (!fresh)
              diags_.report(DiagKind::SegmentPriorityClash, p->range,
                            "another segment on {} has priority {}: a record matching both could not choose",
                            info.entity->name, *p->priority)
                  .note(at->second->range, "that priority is given here");
          }
        }
        if (const auto* l = seen[3]) info.disconnect = l->disconnect;
        program_->segments.push_back(info);
      }
  }

  // A segment's `where`: a bool field condition over its entity, as `exit when` takes
  // (checked by a SequenceChecker of a body-less sequence on that entity).
  void checkSegmentWhere(const ast::SegmentDecl& g, ast::Condition& c, const EntityInfo* entity) {
    auto host = std::make_unique<ast::Sequence>();
    host->name = g.name;
    host->entity = g.entity;
    host->range = g.range;
    host->keyword = g.keyword;
    SequenceInfo info;
    info.decl = host.get();
    info.entity = entity;
    SequenceChecker(*this, info, *host).checkSegmentWhere(c);
    segmentHosts_.push_back(std::move(host));
  }

  // Checks one sequence. Flow state: which activity steps (by index) have run on every
  // path to the current point; `live` false means no path reaches it.
  class SequenceChecker {
   public:
    SequenceChecker(Checker& c, const SequenceInfo& info, ast::Sequence& seq)
        : c_(c), diags_(c.diags_), seq_(seq), entity_(info.entity) {}

    void run() {
      collectNames();
      checkSettings();
      Flow flow{llvm::BitVector(activityCount_), true};
      scopes_.emplace_back();
      walkBlock(seq_.body, flow, /*fallsToEnd=*/true, /*topLevel=*/true);
      closeScope();
      if (statementCount_ > kMaxStatements)
        diags_.report(DiagKind::TooManySteps, seq_.keyword,
                      "sequence has {} statements; the limit is {}", statementCount_, kMaxStatements);
      if (activityCount_ == 0)
        diags_.report(DiagKind::EmptySequence, seq_.keyword,
                      "sequence \"{}\" has no activity step", seq_.name);
    }

    void checkSegmentWhere(ast::Condition& c) {
      conditionOwner_ = "a segment's `where`";
      checkCondition(c, nullptr);
    }

   private:
    struct Flow {
      llvm::BitVector done;  // activity steps completed on every path
      bool live;
    };

    // ---- names: labels and variables, in source order ---------------------------

    void collectNames() {
      llvm::StringMap<SourceRange> letNames;
      std::function<void(ast::Block&)> visit = [&](ast::Block& b) {
        for (const auto& s : b.stmts) {
          if (!s->label.empty()) {
            auto [it, inserted] = labels_.try_emplace(s->label, s.get());
            if (!inserted) {
              diags_.report(DiagKind::DuplicateLabel, s->labelRange, "label '{}' is already used", s->label)
                  .note(it->second->labelRange, "first defined here");
            } else if (s->label == seq_.entity) {
              diags_.report(DiagKind::DuplicateName, s->labelRange,
                            "label '{}' is the name of the sequence's entity", s->label);
            } else if (auto v = letNames.find(s->label); v != letNames.end()) {
              diags_.report(DiagKind::DuplicateName, s->labelRange,
                            "label '{}' is also the name of a variable", s->label)
                  .note(v->second, "variable declared here");
            }
          }
          if (auto* a = dyn_cast<ast::ActivityStmt>(s.get())) activityIndex_[a] = activityCount_++;
          if (auto* l = dyn_cast<ast::LetStmt>(s.get())) {
            if (auto it = labels_.find(l->name); it != labels_.end())
              diags_.report(DiagKind::DuplicateName, l->nameRange,
                            "variable '{}' has the name of a step label", l->name)
                  .note(it->second->labelRange, "label defined here");
            else if (l->name == seq_.entity)
              diags_.report(DiagKind::DuplicateName, l->nameRange,
                            "variable '{}' has the name of the sequence's entity", l->name);
            letNames.try_emplace(l->name, l->nameRange);
          }
          ++statementCount_;
          if (auto* i = dyn_cast<ast::IfStmt>(s.get())) {
            statementCount_ += i->arms.size() - 1;  // each `else if` counts one
            for (auto& arm : i->arms) visit(arm.body);
            if (i->elseBlock) visit(*i->elseBlock);
          }
          if (auto* e = dyn_cast<ast::ExperimentStmt>(s.get()))
            for (auto& item : e->items)
              if (item.kind == ast::ExperimentItemKind::Variant) visit(item.body);
        }
      };
      visit(seq_.body);
      for (const auto& [k, v] : activityIndex_)
        if (k->activity == ActivityKind::Email || k->activity == ActivityKind::AutoEmail) hasEmail_ = true;
    }

    // ---- settings -------------------------------------------------------------------

    void checkSettings() {
      // description, tags, assign, exit on reply, calendar, time zone
      const ast::Setting* seen[6] = {};
      for (const ast::Setting& s : seq_.settings) hasCalendar_ |= s.kind == ast::SettingKind::Calendar;
      for (ast::Setting& s : seq_.settings) {
        int slot = -1;
        switch (s.kind) {
          case ast::SettingKind::Description: slot = 0; break;
          case ast::SettingKind::Tags: slot = 1; break;
          case ast::SettingKind::AssignOwner:
          case ast::SettingKind::AssignField:
          case ast::SettingKind::AssignTeam: slot = 2; break;
          case ast::SettingKind::ExitOnReply: slot = 3; break;
          case ast::SettingKind::ExitWhen: break;
          case ast::SettingKind::Calendar: slot = 4; break;
          case ast::SettingKind::TimeZone: slot = 5; break;
        }
        if (slot >= 0) {
          if (seen[slot]) {
            diags_.report(DiagKind::DuplicateSetting, s.range, "this setting is already given")
                .note(seen[slot]->range, "first given here");
            continue;
          }
          seen[slot] = &s;
        }
        switch (s.kind) {
          case ast::SettingKind::Description:
            if (chars(s.text) > kMaxDescription)
              diags_.report(DiagKind::DescriptionTooLong, s.range,
                            "description is {} characters long; the limit is {}", chars(s.text), kMaxDescription);
            break;
          case ast::SettingKind::Tags:
            for (const auto& tag : s.tags) checkTag(tag.first, s.range);
            break;
          case ast::SettingKind::AssignOwner: break;
          case ast::SettingKind::AssignField:
            if (s.field) checkAssignField(*s.field);
            break;
          case ast::SettingKind::AssignTeam:
            // The filter reads the candidate member (systemuser.FIELD) and the record.
            member_ = c_.program_->schema.find("systemuser");
            if (s.where) requireBool(*s.where, checkExpr(*s.where), "a `where` filter");
            member_ = nullptr;
            break;
          case ast::SettingKind::ExitOnReply:
            if (!hasEmail_)
              diags_.report(DiagKind::ExitOnReplyNeedsEmail, s.range,
                            "`exit on reply` needs at least one `email` or `auto email` step");
            break;
          case ast::SettingKind::ExitWhen:
            if (seq_.readsMember) member_ = c_.program_->schema.find("systemuser");
            if (s.condition) checkCondition(*s.condition, nullptr);
            member_ = nullptr;
            break;
          case ast::SettingKind::Calendar: resolveCalendar(s); break;
          case ast::SettingKind::TimeZone: checkTimeZone(s); break;
        }
      }
    }

    void resolveCalendar(ast::Setting& s) {
      const auto& byName = c_.program_->calendarByName;
      if (auto it = byName.find(s.text); it != byName.end()) {
        s.calendar = it->second;
        return;
      }
      auto& d = diags_.report(DiagKind::UnknownCalendar, s.textRange, "no calendar named \"{}\" in this compilation",
                              s.text);
      didYouMean(d, suggest(s.text, byName, [](const auto& kv) { return kv.getKey(); }));
      if (byName.empty())
        d.note(SourceRange(), "declare it with `calendar \"NAME\" { … }`, or import one, e.g. "
                              "`import \"calendars/us.seq\"`");
    }

    // `time zone E`: a string over the record, in a sequence with a calendar.
    void checkTimeZone(ast::Setting& s) {
      if (!hasCalendar_)
        diags_.report(DiagKind::NeedsCalendar, s.range,
                      "`time zone` reads the calendar's hours in the record's zone: the sequence needs a "
                      "`calendar` setting");
      if (!s.zone) return;
      Type t = checkExpr(*s.zone);
      if (t.isError()) return;
      if (t.kind != TypeKind::String) {
        diags_.report(DiagKind::TypeMismatch, s.zone->range,
                      "`time zone` takes a string (a zone name such as \"Europe/Paris\"), not {}", typeName(t));
        return;
      }
      if (const auto* lit = dyn_cast<ast::StringLit>(s.zone.get())) checkZoneName(lit->value, lit->range, diags_);
    }

    // A business duration of `wait`, `within` or `due` (CALENDARS.md §3): needs the
    // sequence's calendar, and N within the limits of bc::k…BusinessLimits. True when
    // `d` is one (whether or not it was fine).
    bool checkBusiness(const ast::Duration& d, DiagKind rangeKind, bc::BusinessLimits limits,
                       std::string_view what, SourceRange at) {
      if (!d.business()) return false;
      if (!d.valid) return true;
      if (!hasCalendar_) {
        diags_.report(DiagKind::NeedsCalendar, d.range,
                      "business {} count on the sequence's calendar: add a `calendar` setting",
                      d.unit == bc::DurationUnit::BusinessDays ? "days" : "hours");
        return true;
      }
      bool days = d.unit == bc::DurationUnit::BusinessDays;
      uint32_t most = days ? limits.days : limits.hours;
      if (d.count < 1 || d.count > most)
        diags_.report(rangeKind, at, "{} must be between 1 and {} business {}", what, most, days ? "days" : "hours");
      return true;
    }

    void checkTag(const std::string& tag, SourceRange range) {
      if (std::string why = tagProblem(tag); !why.empty())
        diags_.report(DiagKind::TagInvalid, range, "tag \"{}\" {}", tag, why);
    }

    void checkAssignField(ast::MemberExpr& m) {
      const FieldInfo* f = resolveField(m);
      if (!f) return;
      if (f->type.kind != TypeKind::Lookup || !f->canReference("systemuser"))
        diags_.report(DiagKind::TypeMismatch, m.range,
                      "`assign to field` needs a lookup that can name a systemuser; '{}' is {}", f->name,
                      typeName(f->type));
    }

    // ---- statements -----------------------------------------------------------------

    // `fallsToEnd`: running off the end of this block ends the sequence (or reaches an
    // `end`), so a wait there would be the last statement executed.
    void walkBlock(ast::Block& block, Flow& flow, bool fallsToEnd, bool topLevel) {
      const auto& stmts = block.stmts;
      bool reportedUnreachable = false;
      for (size_t i = 0; i < stmts.size(); ++i) {
        ast::Stmt& s = *stmts[i];
        bool wasLive = flow.live;
        bool nextIsTerminal = i + 1 == stmts.size() ? fallsToEnd : isa<ast::EndStmt>(*stmts[i + 1]);
        if (i > 0 && (isa<ast::EndStmt>(*stmts[i - 1]) || isa<ast::AdvanceStmt>(*stmts[i - 1])) &&
            !reportedUnreachable) {
          diags_.report(DiagKind::Unreachable, s.range, "this statement can never run: it follows `{}`",
                        isa<ast::EndStmt>(*stmts[i - 1]) ? "end" : "advance to");
          reportedUnreachable = true;
        }
        bool first = topLevel && i == 0;
        checkStmt(s, flow, first, nextIsTerminal);
        if (!wasLive) flow.live = false;
      }
    }

    void checkStmt(ast::Stmt& s, Flow& flow, bool first, bool nextIsTerminal) {
      switch (s.kind) {
        case ast::StmtKind::Activity: {
          const auto& a = llvm::cast<ast::ActivityStmt>(s);
          checkActivity(a);
          flow.done.set(activityIndex_.at(&a));
          return;
        }
        case ast::StmtKind::Wait: {
          const auto& w = llvm::cast<ast::WaitStmt>(s);
          int64_t m = w.duration.minutes;
          if (!checkBusiness(w.duration, DiagKind::WaitRange, bc::kWaitBusinessLimits, "a wait", s.range) &&
              w.duration.valid && (m < kMinWaitMinutes || m > kMaxWaitMinutes))
            diags_.report(DiagKind::WaitRange, s.range, "a wait must be between 1m and 30d");
          if (!flow.live) return;
          if (first)
            diags_.report(DiagKind::WaitFirst, s.range,
                          "a sequence cannot start with a wait: nothing has happened yet to wait after");
          if (nextIsTerminal)
            diags_.report(DiagKind::WaitLast, s.range,
                          "a wait cannot be the last statement executed: nothing follows it on this path");
          return;
        }
        case ast::StmtKind::If: checkIf(llvm::cast<ast::IfStmt>(s), flow, nextIsTerminal); return;
        case ast::StmtKind::Experiment:
          checkExperiment(llvm::cast<ast::ExperimentStmt>(s), flow, first, nextIsTerminal);
          return;
        case ast::StmtKind::Set: {
          auto& st = llvm::cast<ast::SetStmt>(s);
          const FieldInfo* f = st.target ? resolveField(*st.target) : nullptr;
          Type vt = st.value ? checkExpr(*st.value) : Type::error();
          if (!f) return;
          if (f->readonly) {
            diags_.report(DiagKind::ReadOnlyField, st.target->range, "field '{}' is readonly", f->name);
            return;
          }
          if (st.value) checkAssignable(f->type, *st.value, vt, fmt::format("field '{}'", f->name));
          return;
        }
        case ast::StmtKind::Let: {
          auto& l = llvm::cast<ast::LetStmt>(s);
          Type t = l.value ? checkExpr(*l.value) : Type::error();
          if (t.kind == TypeKind::Null) {
            diags_.report(DiagKind::TypeMismatch, l.value->range,
                          "cannot infer the type of '{}' from null", l.name);
            t = Type::error();
          }
          if (t.kind == TypeKind::String) t.maxLength = 0;  // a variable's string has no limit
          l.type = t;
          for (auto& scope : scopes_)
            if (auto it = scope.find(l.name); it != scope.end()) {
              diags_.report(DiagKind::DuplicateName, l.nameRange, "variable '{}' is already declared", l.name)
                  .note(it->second->nameRange, "first declared here");
              l.read = true;  // do not also warn about the shadowed one being unused
              return;
            }
          scopes_.back()[l.name] = &l;
          return;
        }
        case ast::StmtKind::Assign: {
          auto& as = llvm::cast<ast::AssignStmt>(s);
          Type vt = as.value ? checkExpr(*as.value) : Type::error();
          const ast::LetStmt* var = findVariable(as.name);
          if (!var) {
            reportUndefined(as.name, as.nameRange);
            return;
          }
          as.variable = var;
          if (as.value) checkAssignable(var->type, *as.value, vt, fmt::format("variable '{}'", as.name));
          return;
        }
        case ast::StmtKind::End: flow.live = false; return;
        case ast::StmtKind::Advance: {
          auto& ad = llvm::cast<ast::AdvanceStmt>(s);
          checkAdvance(ad, first && flow.live);
          flow.live = false;
          return;
        }
      }
    }

    void checkActivity(const ast::ActivityStmt& a) {
      if (chars(a.title) > kMaxTitle)
        diags_.report(DiagKind::TitleTooLong, a.titleRange, "title is {} characters long; the limit is {}",
                      chars(a.title), kMaxTitle);
      const ast::ActivityOption* seen[3] = {};
      for (const ast::ActivityOption& o : a.options) {
        auto& slot = seen[static_cast<size_t>(o.kind)];
        if (slot) {
          diags_.report(DiagKind::DuplicateSetting, o.range, "this option is already given")
              .note(slot->range, "first given here");
          continue;
        }
        slot = &o;
        if (o.kind == ast::ActivityOptionKind::Due)
          checkBusiness(o.due, DiagKind::DueRange, bc::kDueBusinessLimits, "`due`", o.range);
        if (o.kind == ast::ActivityOptionKind::Description && chars(o.text) > kMaxDescription)
          diags_.report(DiagKind::DescriptionTooLong, o.range,
                        "description is {} characters long; the limit is {}", chars(o.text), kMaxDescription);
      }
      if (info(a.activity).automated && !a.option(ast::ActivityOptionKind::Template))
        diags_.report(DiagKind::TemplateRequired, a.range, "`{}` sends by itself, so it needs a `template`",
                      info(a.activity).spelling);
    }

    void checkAdvance(ast::AdvanceStmt& ad, bool first) {
      if (first)
        diags_.report(DiagKind::AdvanceFirst, ad.range,
                      "a sequence cannot start with `advance to`: the record would never take a step here");
      if (ad.target == seq_.name) {
        diags_.report(DiagKind::AdvanceToSelf, ad.targetRange, "a sequence cannot advance to itself");
        return;
      }
      const auto& byName = c_.program_->sequenceByName;
      auto it = byName.find(ad.target);
      if (it == byName.end()) {
        auto& d = diags_.report(DiagKind::UnknownSequence, ad.targetRange,
                                "no sequence named \"{}\" in this compilation", ad.target);
        didYouMean(d, suggest(ad.target, c_.program_->sequences,
                              [](const SequenceInfo& x) -> std::string_view { return x.decl->name; }));
        return;
      }
      const SequenceInfo& target = c_.program_->sequences[it->second];
      ad.resolved = target.decl;
      if (entity_ && target.entity && target.entity != entity_)
        diags_.report(DiagKind::EntityMismatch, ad.targetRange,
                      "sequence \"{}\" runs on {}, not {}", ad.target, target.entity->name, entity_->name)
            .note(target.decl->entityRange, "its entity is declared here");
    }

    void checkIf(ast::IfStmt& s, Flow& flow, bool nextIsTerminal) {
      Flow out{llvm::BitVector(activityCount_, true), false};
      auto merge = [&](const Flow& branch) {
        if (!branch.live) return;
        if (out.live) out.done &= branch.done;
        else out.done = branch.done;
        out.live = true;
      };
      for (ast::IfArm& arm : s.arms) {
        checkCondition(arm.condition, &flow);
        Flow branch = flow;
        scopes_.emplace_back();
        walkBlock(arm.body, branch, nextIsTerminal, false);
        closeScope();
        merge(branch);
      }
      if (s.elseBlock) {
        Flow branch = flow;
        scopes_.emplace_back();
        walkBlock(*s.elseBlock, branch, nextIsTerminal, false);
        closeScope();
        merge(branch);
      } else {
        merge(flow);
      }
      if (!flow.live) return;  // unreachable code stays unreachable
      flow = out;
    }

    // ---- experiments (docs/language.md, "Experiments") ------------------------------

    void checkExperiment(ast::ExperimentStmt& e, Flow& flow, bool first, bool nextIsTerminal) {
      SourceRange at = e.nameRange.valid() ? e.nameRange : e.keyword;
      if (auto [it, inserted] = experiments_.try_emplace(e.name, at); !inserted)
        diags_.report(DiagKind::DuplicateExperiment, at, "experiment \"{}\" is already defined in this sequence",
                      e.name)
            .note(it->second, "first defined here");
      // One of each setting.
      const ast::ExperimentItem* seen[6] = {};
      for (const ast::ExperimentItem& item : e.items) {
        if (item.kind == ast::ExperimentItemKind::Variant) continue;
        auto& slot = seen[static_cast<size_t>(item.kind)];
        if (slot)
          diags_.report(DiagKind::DuplicateSetting, item.range, "this setting is already given")
              .note(slot->range, "first given here");
        else
          slot = &item;
      }
      std::vector<const ast::ExperimentItem*> variants = e.variants();
      if (variants.size() < kMinVariants || variants.size() > kMaxVariants)
        diags_.report(DiagKind::VariantCount, at, "an experiment has {} to {} variants; this one has {}",
                      kMinVariants, kMaxVariants, variants.size());
      llvm::StringMap<SourceRange> names;
      int64_t sum = 0;
      bool weightsOk = true;
      for (const ast::ExperimentItem* v : variants) {
        if (auto [it, inserted] = names.try_emplace(v->name, v->nameRange); !inserted)
          diags_.report(DiagKind::DuplicateVariant, v->nameRange, "variant '{}' is already defined", v->name)
              .note(it->second, "first defined here");
        if (!v->weightIsInteger || v->weight < 1 || v->weight > 99) {
          diags_.report(DiagKind::VariantWeights, v->weightRange,
                        "a variant's weight is a whole number from 1 to 99 (a percentage of the records)");
          weightsOk = false;
        }
        sum += v->weight;
      }
      if (weightsOk && !variants.empty() && sum != 100)
        diags_.report(DiagKind::VariantWeights, at, "the variants' weights add up to {}, not 100", sum);

      // The variants, like the arms of an `if` with an `else`: exactly one runs.
      Flow out{llvm::BitVector(activityCount_, true), false};
      for (const ast::ExperimentItem* v : variants) {
        Flow branch = flow;
        scopes_.emplace_back();
        walkBlock(const_cast<ast::Block&>(v->body), branch, nextIsTerminal, first);
        closeScope();
        if (!branch.live) continue;
        if (out.live) out.done &= branch.done;
        else out.done = branch.done;
        out.live = true;
      }

      checkMetric(e, seen[static_cast<size_t>(ast::ExperimentItemKind::Metric)], variants);
      checkParameters(e, seen, at);

      if (!flow.live || variants.empty()) return;
      flow = out;
    }

    void checkMetric(ast::ExperimentStmt& e, const ast::ExperimentItem* metricItem,
                     const std::vector<const ast::ExperimentItem*>& variants) {
      if (!metricItem || !metricItem->value.expr) return;
      auto& metric = const_cast<ast::ExperimentItem&>(*metricItem);
      ast::Condition& c = metric.value;
      if (auto* n = dyn_cast<ast::NameExpr>(c.expr.get()); n && n->parens == 0 && parseEngagementEvent(n->name)) {
        e.metricEvent = parseEngagementEvent(n->name);
        if (*e.metricEvent == EngagementEvent::Opened)
          diags_.report(DiagKind::OpenMetric, n->range,
                        "open rates overstate: mail privacy features open emails automatically; "
                        "prefer clicked or replied");
        for (const ast::ExperimentItem* v : variants)
          if (!hasStepFor(v->body, *e.metricEvent))
            diags_.report(DiagKind::MetricNeedsStep, v->nameRange,
                          "variant '{}' has no step that can be {}, so the metric can never happen in it",
                          v->name, n->name);
      } else {
        Type t = checkExpr(*c.expr);
        requireBool(*c.expr, t, "a metric");
      }
      if (!c.within) {
        diags_.report(DiagKind::MissingWithin, metric.range,
                      "a metric needs a time limit from the variant's start: add `within DURATION`");
        return;
      }
      const ast::Duration& d = *c.within;
      if (d.business())
        diags_.report(DiagKind::WithinRange, c.withinKeyword, "a metric's `within` counts elapsed time, "
                                                                "not business days or hours");
      else if (d.valid && (d.minutes < kMinWithinMinutes || d.minutes > kMaxMetricMinutes))
        diags_.report(DiagKind::WithinRange, c.withinKeyword, "a metric's `within` must be between 1h and 90d");
    }

    // Whether `b` (nested blocks too) has an activity step that can receive `event`.
    static bool hasStepFor(const ast::Block& b, EngagementEvent event) {
      for (const auto& s : b.stmts) {
        if (const auto* a = dyn_cast<ast::ActivityStmt>(s.get()); a && acceptsEvent(a->activity, event))
          return true;
        if (const auto* i = dyn_cast<ast::IfStmt>(s.get())) {
          for (const ast::IfArm& arm : i->arms)
            if (hasStepFor(arm.body, event)) return true;
          if (i->elseBlock && hasStepFor(*i->elseBlock, event)) return true;
        }
        if (const auto* x = dyn_cast<ast::ExperimentStmt>(s.get()))
          for (const ast::ExperimentItem& v : x->items)
            if (v.kind == ast::ExperimentItemKind::Variant && hasStepFor(v.body, event)) return true;
      }
      return false;
    }

    // baseline, mde (required), alpha, power: plain numbers in their ranges.
    void checkParameters(ast::ExperimentStmt& e, const ast::ExperimentItem* const* seen, SourceRange at) {
      using K = ast::ExperimentItemKind;
      std::vector<std::string_view> missing;
      if (!seen[static_cast<size_t>(K::Metric)]) missing.push_back("`metric`");
      if (!seen[static_cast<size_t>(K::Baseline)]) missing.push_back("`baseline`");
      if (!seen[static_cast<size_t>(K::Mde)]) missing.push_back("`mde`");
      if (!missing.empty())
        diags_.report(DiagKind::ExperimentIncomplete, at, "experiment \"{}\" needs {}", e.name,
                      fmt::join(missing, ", "));
      auto number = [&](K k, double& out) {
        const ast::ExperimentItem* item = seen[static_cast<size_t>(k)];
        if (!item || !item->value.expr) return false;
        const ast::Expr& x = *item->value.expr;
        std::optional<double> v;
        if (const auto* i = dyn_cast<ast::IntLit>(&x)) v = static_cast<double>(i->value);
        else if (const auto* d = dyn_cast<ast::DecimalLit>(&x)) v = std::strtod(d->text.c_str(), nullptr);
        if (!v || item->value.within) {
          diags_.report(DiagKind::TypeMismatch, item->value.range, "`{}` takes a number such as 0.05",
                        item->range.valid() ? kParameterWords[static_cast<size_t>(k)] : "");
          return false;
        }
        out = *v;
        return true;
      };
      auto range = [&](K k, bool ok, std::string_view rule) {
        if (!ok)
          diags_.report(DiagKind::ExperimentParameterRange, seen[static_cast<size_t>(k)]->value.range,
                        "`{}` must be {}", kParameterWords[static_cast<size_t>(k)], rule);
        return ok;
      };
      bool hasBaseline = number(K::Baseline, e.baseline), hasMde = number(K::Mde, e.mde);
      bool baselineOk = hasBaseline && range(K::Baseline, e.baseline > 0 && e.baseline < 1, "between 0 and 1");
      bool mdeOk = hasMde && range(K::Mde, e.mde > 0 && e.mde < 1, "between 0 and 1");
      if (baselineOk && mdeOk && e.baseline + e.mde >= 1)
        range(K::Mde, false, "less than 1 − baseline: the variant's rate would reach 100%");
      if (number(K::Alpha, e.alpha)) range(K::Alpha, e.alpha > 0 && e.alpha <= 0.2, "above 0 and at most 0.2");
      if (number(K::Power, e.power)) range(K::Power, e.power >= 0.5 && e.power < 1, "at least 0.5 and below 1");
    }

    static constexpr std::string_view kParameterWords[] = {"variant", "metric", "baseline", "mde", "alpha", "power"};
    static constexpr size_t kMinVariants = 2, kMaxVariants = 5;
    static constexpr int64_t kMaxMetricMinutes = 90 * 24 * 60;

    void closeScope() {
      for (const auto& entry : scopes_.back())
        if (!entry.second->read)
          diags_.report(DiagKind::UnusedVariable, entry.second->nameRange, "variable '{}' is never read",
                        entry.second->name);
      scopes_.pop_back();
    }

    // ---- conditions -------------------------------------------------------------------

    // Whether a member `X.Y` is to be read as a step reference (spec §4.2 condition 1).
    bool isStepRef(const ast::MemberExpr& m, bool hasWithin) const {
      if (labels_.count(m.object)) return true;
      if (m.object == seq_.entity) return false;
      return hasWithin || isEventOrOutcome(m.member);
    }

    bool hasStepRef(const ast::Expr& e, bool hasWithin) const {
      switch (e.kind) {
        case ast::ExprKind::Member: return isStepRef(llvm::cast<ast::MemberExpr>(e), hasWithin);
        case ast::ExprKind::Unary: return hasStepRef(*llvm::cast<ast::UnaryExpr>(e).operand, hasWithin);
        case ast::ExprKind::Binary: {
          const auto& b = llvm::cast<ast::BinaryExpr>(e);
          return hasStepRef(*b.lhs, hasWithin) || hasStepRef(*b.rhs, hasWithin);
        }
        case ast::ExprKind::In: {
          const auto& in = llvm::cast<ast::InExpr>(e);
          if (hasStepRef(*in.lhs, hasWithin)) return true;
          for (const auto& x : in.items)
            if (hasStepRef(*x, hasWithin)) return true;
          return false;
        }
        case ast::ExprKind::Call:
          for (const auto& x : llvm::cast<ast::CallExpr>(e).args)
            if (hasStepRef(*x, hasWithin)) return true;
          return false;
        default: return false;
      }
    }

    // `flow` is null for `exit when`, where engagement conditions are not allowed.
    void checkCondition(ast::Condition& c, const Flow* flow) {
      if (!c.expr) return;
      bool hasWithin = c.within.has_value();
      if (!hasStepRef(*c.expr, hasWithin)) {
        Type t = checkExpr(*c.expr);
        requireBool(*c.expr, t, "a condition");
        if (hasWithin && !t.isError())
          diags_.report(DiagKind::UnexpectedWithin, c.withinKeyword,
                        "`within` applies only to email and text events of a step");
        return;
      }
      // An engagement condition: resolve every step reference first.
      std::vector<ast::MemberExpr*> refs;
      bool shapeOk = collectRefs(*c.expr, refs);
      bool resolved = true;
      for (ast::MemberExpr* m : refs) resolved &= resolveStepRef(*m);
      if (!resolved) return;  // UnknownStep/BadEvent said it all
      if (!flow) {
        diags_.report(DiagKind::MixedCondition, c.range,
                      "{} takes a field condition; engagement conditions belong in an `if`", conditionOwner_);
        return;
      }
      if (!shapeOk) {
        diags_.report(DiagKind::MixedCondition, c.range,
                      "engagement conditions cannot be mixed with field conditions, `not` or comparisons")
            .note(c.range, "to test an event and a field together, nest them: an `if` on the field inside an "
                           "`if` on the events, or the other way round");
        return;
      }
      for (ast::MemberExpr* m : refs) {
        const auto* step = llvm::cast<ast::ActivityStmt>(m->step);
        if (flow->live && !flow->done.test(activityIndex_.at(step)))
          diags_.report(DiagKind::StepNotReached, m->range,
                        "step '{}' does not run on every path before this condition", m->object)
              .note(step->labelRange, "step defined here");
      }
      // Operators: all `or` or all `and`.
      bool anyOr = false, anyAnd = false;
      operators(*c.expr, anyOr, anyAnd);
      bool anyCall = false, anyEvent = false;
      for (ast::MemberExpr* m : refs)
        (parseCallOutcome(m->member) ? anyCall : anyEvent) = true;
      if (anyOr && anyAnd) {
        diags_.report(DiagKind::MixedCondition, c.range,
                      "an engagement condition joins its events with all `or` or all `and`, not both");
        return;
      }
      if (anyCall && anyEvent) {
        diags_.report(DiagKind::MixedCondition, c.range,
                      "call outcomes cannot be combined with email or text events");
        return;
      }
      if (anyCall) {
        if (anyAnd) {
          diags_.report(DiagKind::MixedCondition, c.range, "call outcomes can only be joined with `or`");
          return;
        }
        if (hasWithin)
          diags_.report(DiagKind::UnexpectedWithin, c.withinKeyword,
                        "call outcomes are known when the call is completed; they take no `within`");
        return;
      }
      if (!hasWithin) {
        diags_.report(DiagKind::MissingWithin, c.range,
                      "an email or text event needs a time limit: add `within DURATION`");
        return;
      }
      int64_t m = c.within->minutes;
      if (!checkBusiness(*c.within, DiagKind::WithinRange, bc::kWaitBusinessLimits, "`within`", c.withinKeyword) &&
          c.within->valid && (m < kMinWithinMinutes || m > kMaxWithinMinutes))
        diags_.report(DiagKind::WithinRange, c.withinKeyword, "`within` must be between 1h and 30d");
    }

    // Collects the step references of an engagement condition; false if the tree holds
    // anything but references joined by `and`/`or`.
    bool collectRefs(ast::Expr& e, std::vector<ast::MemberExpr*>& refs) {
      if (auto* m = dyn_cast<ast::MemberExpr>(&e)) {
        if (!isStepRef(*m, true) && m->object == seq_.entity) return false;
        refs.push_back(m);
        return true;
      }
      if (auto* b = dyn_cast<ast::BinaryExpr>(&e); b && (b->op == ast::BinaryOp::Or || b->op == ast::BinaryOp::And)) {
        bool l = collectRefs(*b->lhs, refs);
        bool r = collectRefs(*b->rhs, refs);
        return l && r;
      }
      // Anything else may still contain references to resolve: collect them, shape is bad.
      collectNested(e, refs);
      return false;
    }

    void collectNested(ast::Expr& e, std::vector<ast::MemberExpr*>& refs) {
      if (auto* m = dyn_cast<ast::MemberExpr>(&e)) {
        if (labels_.count(m->object) || (m->object != seq_.entity && isEventOrOutcome(m->member)))
          refs.push_back(m);
      } else if (auto* u = dyn_cast<ast::UnaryExpr>(&e)) {
        collectNested(*u->operand, refs);
      } else if (auto* b = dyn_cast<ast::BinaryExpr>(&e)) {
        collectNested(*b->lhs, refs);
        collectNested(*b->rhs, refs);
      }
    }

    void operators(const ast::Expr& e, bool& anyOr, bool& anyAnd) {
      if (const auto* b = dyn_cast<ast::BinaryExpr>(&e)) {
        (b->op == ast::BinaryOp::Or ? anyOr : anyAnd) = true;
        operators(*b->lhs, anyOr, anyAnd);
        operators(*b->rhs, anyOr, anyAnd);
      }
    }

    bool resolveStepRef(ast::MemberExpr& m) {
      auto it = labels_.find(m.object);
      if (it == labels_.end()) {
        auto& d = diags_.report(DiagKind::UnknownStep, m.objectRange, "no step is labelled '{}'", m.object);
        didYouMean(d, suggest(m.object, labels_, [](const auto& kv) { return kv.getKey(); }));
        return false;
      }
      const ast::Stmt* step = it->second;
      const auto* a = dyn_cast<ast::ActivityStmt>(step);
      if (!a) {
        diags_.report(DiagKind::BadEvent, m.range, "'{}' is not an activity step, so it has no events",
                      m.object)
            .note(step->labelRange, "label defined here");
        return false;
      }
      std::vector<std::string_view> valid;
      switch (info(a->activity).events) {
        case EventClass::EmailEvents: valid.assign(kEngagementEventNames.begin(), kEngagementEventNames.end()); break;
        case EventClass::TextEvents: valid = {"replied"}; break;
        case EventClass::CallOutcomes: valid.assign(kCallOutcomeNames.begin(), kCallOutcomeNames.end()); break;
        case EventClass::NoEvents: break;
      }
      if (std::find(valid.begin(), valid.end(), m.member) == valid.end()) {
        std::string_view kind = info(a->activity).spelling;
        auto& d = valid.empty()
                      ? diags_.report(DiagKind::BadEvent, m.range,
                                      "a `{}` step has no events or outcomes to test", kind)
                      : diags_.report(DiagKind::BadEvent, m.range,
                                      "'{}' is not an event of a `{}` step (it has: {})", m.member, kind,
                                      fmt::join(valid, ", "));
        if (!valid.empty()) didYouMean(d, suggest(m.member, valid, [](std::string_view s) { return s; }));
        return false;
      }
      m.step = step;
      m.type = Type::of(TypeKind::Bool);
      return true;
    }

    // ---- expressions ------------------------------------------------------------------

    void requireBool(const ast::Expr& e, Type t, std::string_view what) {
      if (t.isError() || t.kind == TypeKind::Bool) return;
      diags_.report(DiagKind::TypeMismatch, e.range, "{} must be bool, not {}", what, typeName(t));
    }

    const ast::LetStmt* findVariable(std::string_view name) {
      for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it)
        if (auto v = it->find(name); v != it->end()) return v->second;
      return nullptr;
    }

    void reportUndefined(const std::string& name, SourceRange r) {
      if (auto it = labels_.find(name); it != labels_.end()) {
        diags_.report(DiagKind::UndefinedName, r,
                      "'{}' is a step label, not a variable (test its events as {}.opened, …)", name, name);
        return;
      }
      auto& d = diags_.report(DiagKind::UndefinedName, r, "no variable named '{}' is visible here", name);
      std::vector<std::string_view> visible;
      for (const auto& scope : scopes_)
        for (const auto& kv : scope) visible.push_back(kv.getKey());
      for (std::string_view literal : {"true", "false", "null"})  // `True`, `NULL`: keywords are lower case
        if (std::equal(literal.begin(), literal.end(), name.begin(), name.end(),
                       [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }))
          return didYouMean(d, literal);
      didYouMean(d, suggest(name, visible, [](std::string_view s) { return s; }));
    }

    // Resolves `ENTITY.FIELD` against the sequence's entity; null (after reporting, or
    // silently when the entity itself is unknown) if it is not a field.
    const FieldInfo* resolveField(ast::MemberExpr& m) {
      if (m.object.empty()) return nullptr;
      if (member_ && m.object == member_->name && m.object != seq_.entity) {
        const FieldInfo* f = member_->field(m.member);
        if (!f) {
          auto& d = diags_.report(DiagKind::UnknownField, m.memberRange, "entity '{}' has no field '{}'",
                                  member_->name, m.member);
          didYouMean(d, suggest(m.member, member_->fields,
                                [](const auto& x) -> std::string_view { return x->name; }));
          return nullptr;
        }
        m.field = f;
        return f;
      }
      if (m.object != seq_.entity) {
        auto& d = diags_.report(DiagKind::UnknownEntity, m.objectRange,
                                "'{}' is not this sequence's entity; fields are written {}.FIELD",
                                m.object, seq_.entity);
        std::string_view own = seq_.entity;
        didYouMean(d, suggest(m.object, std::span(&own, 1), [](std::string_view x) { return x; }));
        return nullptr;
      }
      if (!entity_) return nullptr;
      const FieldInfo* f = entity_->field(m.member);
      if (!f) {
        if (entity_->incomplete) return nullptr;
        auto& d = diags_.report(DiagKind::UnknownField, m.memberRange, "entity '{}' has no field '{}'",
                                entity_->name, m.member);
        didYouMean(d, suggest(m.member, entity_->fields,
                              [](const auto& x) -> std::string_view { return x->name; }));
        return nullptr;
      }
      m.field = f;
      return f;
    }

    Type checkExpr(ast::Expr& e) {
      ++exprLevel_;
      e.type = computeType(e);
      if (--exprLevel_ == 0) {  // a whole expression: the lowering evaluates it on the stack
        stackReported_ = false;
        stackNeed(e, 0, 0);
      }
      return e.type;
    }

    // The most operand-stack slots evaluating `e` takes, from `base` slots already in use,
    // as the lowering emits it (folding aside); what the verifier admits is bc::kMaxStack.
    // Reports at the innermost expression that overflows from its parent's base
    // `parentBase`: a long `in` list, not its last item.
    size_t stackNeed(const ast::Expr& e, size_t base, size_t parentBase) {
      size_t need = 1;
      switch (e.kind) {
        case ast::ExprKind::Unary: need = stackNeed(*llvm::cast<ast::UnaryExpr>(e).operand, base, base); break;
        case ast::ExprKind::Binary: {
          const auto& b = llvm::cast<ast::BinaryExpr>(e);
          // `and`/`or` operands each run on an empty stack (short-circuit jumps pop them).
          size_t rhsOffset = b.op == ast::BinaryOp::And || b.op == ast::BinaryOp::Or ? 0 : 1;
          need = std::max(stackNeed(*b.lhs, base, base), rhsOffset + stackNeed(*b.rhs, base + rhsOffset, base));
          break;
        }
        case ast::ExprKind::In: {
          const auto& in = llvm::cast<ast::InExpr>(e);
          need = stackNeed(*in.lhs, base, base);
          for (size_t i = 0; i < in.items.size(); ++i)
            need = std::max(need, 1 + i + stackNeed(*in.items[i], base + 1 + i, base));
          if (!stackReported_ && parentBase + need > bc::kMaxStack) {
            diags_.report(DiagKind::NestingTooDeep, in.listRange,
                          "this `in` list is too long ({} items): an expression holds at most {} values at once",
                          in.items.size(), bc::kMaxStack);
            stackReported_ = true;
          }
          break;
        }
        case ast::ExprKind::Call: {
          const auto& args = llvm::cast<ast::CallExpr>(e).args;
          for (size_t i = 0; i < args.size(); ++i) need = std::max(need, i + stackNeed(*args[i], base + i, base));
          break;
        }
        default: break;
      }
      if (!stackReported_ && parentBase + need > bc::kMaxStack) {
        diags_.report(DiagKind::NestingTooDeep, e.range,
                      "expression is too large: it needs more than {} values at once", bc::kMaxStack);
        stackReported_ = true;
      }
      return need;
    }

    Type computeType(ast::Expr& e) {
      switch (e.kind) {
        case ast::ExprKind::IntLit: return Type::of(TypeKind::Int);
        case ast::ExprKind::DecimalLit: return Type::of(TypeKind::Decimal);
        case ast::ExprKind::StringLit: return Type::of(TypeKind::String);
        case ast::ExprKind::BoolLit: return Type::of(TypeKind::Bool);
        case ast::ExprKind::NullLit: return Type::of(TypeKind::Null);
        case ast::ExprKind::DurationLit: return Type::of(TypeKind::Duration);
        case ast::ExprKind::Error: return Type::error();
        case ast::ExprKind::Name: {
          auto& n = llvm::cast<ast::NameExpr>(e);
          const ast::LetStmt* v = findVariable(n.name);
          if (!v) {
            reportUndefined(n.name, n.range);
            return Type::error();
          }
          const_cast<ast::LetStmt*>(v)->read = true;
          n.variable = v;
          return v->type;
        }
        case ast::ExprKind::Member: {
          auto& m = llvm::cast<ast::MemberExpr>(e);
          if (m.object != seq_.entity) {
            if (labels_.count(m.object)) {
              diags_.report(DiagKind::MixedCondition, m.range,
                            "'{}' is an engagement condition; it can only be the condition of an `if`",
                            fmt::format("{}.{}", m.object, m.member));
              return Type::error();
            }
            if (isEventOrOutcome(m.member)) {
              diags_.report(DiagKind::UnknownStep, m.objectRange, "no step is labelled '{}'", m.object);
              return Type::error();
            }
          }
          const FieldInfo* f = resolveField(m);
          return f ? f->type : Type::error();
        }
        case ast::ExprKind::Call: return checkCall(llvm::cast<ast::CallExpr>(e));
        case ast::ExprKind::Unary: {
          auto& u = llvm::cast<ast::UnaryExpr>(e);
          Type t = checkExpr(*u.operand);
          if (t.isError()) return t;
          if (u.op == ast::UnaryOp::Not) {
            requireBool(*u.operand, t, "the operand of `not`");
            return Type::of(TypeKind::Bool);
          }
          if (t.isNumeric() || t.kind == TypeKind::Duration) return t;
          diags_.report(DiagKind::TypeMismatch, e.range, "cannot negate a value of type {}", typeName(t));
          return Type::error();
        }
        case ast::ExprKind::Binary: return checkBinary(llvm::cast<ast::BinaryExpr>(e));
        case ast::ExprKind::In: {
          auto& in = llvm::cast<ast::InExpr>(e);
          Type lt = checkExpr(*in.lhs);
          for (auto& item : in.items) checkEquality(*in.lhs, lt, *item, checkExpr(*item), item->range);
          return Type::of(TypeKind::Bool);
        }
      }
      return Type::error();
    }

    Type checkCall(ast::CallExpr& c) {
      const auto& fns = functions();
      auto fn = std::find_if(fns.begin(), fns.end(), [&](const Function& f) { return f.name == c.callee; });
      if (fn == fns.end()) {
        auto& d = diags_.report(DiagKind::UnknownFunction, c.calleeRange, "unknown function '{}'", c.callee);
        didYouMean(d, suggest(c.callee, fns, [](const Function& f) { return f.name; }));
        return Type::error();
      }
      std::vector<Type> args;
      for (auto& a : c.args) args.push_back(checkExpr(*a));
      if (args.size() != fn->params.size()) {
        diags_.report(DiagKind::TypeMismatch, c.range, "{}() takes {} argument{}, not {}", fn->name,
                      fn->params.size(), fn->params.size() == 1 ? "" : "s", args.size());
        return Type::error();
      }
      for (size_t i = 0; i < args.size(); ++i) {
        if (args[i].isError() || args[i].kind == TypeKind::Null) continue;
        const auto& ok = fn->params[i];
        if (std::find(ok.begin(), ok.end(), args[i].kind) == ok.end()) {
          diags_.report(DiagKind::TypeMismatch, c.args[i]->range, "argument {} of {}() must be {}, not {}",
                        i + 1, fn->name, ok.size() == 1 ? typeName(Type::of(ok[0])) : "date or datetime",
                        typeName(args[i]));
          return Type::error();
        }
      }
      return Type::of(fn->result);
    }

    // `lead.leadqualitycode == Hot`: an option label without its quotes.
    bool unquotedOption(ast::BinaryExpr& b, Type lt) {
      if ((b.op != ast::BinaryOp::Eq && b.op != ast::BinaryOp::Ne) || lt.kind != TypeKind::Choice || !lt.field)
        return false;
      const auto* n = dyn_cast<ast::NameExpr>(b.rhs.get());
      if (!n || findVariable(n->name) || labels_.count(n->name)) return false;
      for (const OptionInfo& o : lt.field->options) {
        if (o.label.size() != n->name.size() ||
            !std::equal(o.label.begin(), o.label.end(), n->name.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
            }))
          continue;
        diags_.report(DiagKind::UndefinedName, n->range, "no variable named '{}' is visible here", n->name)
            .note(n->range, fmt::format("option labels are strings: write {}", quoted(o.label)));
        return true;
      }
      return false;
    }

    static int numericRank(TypeKind k) {
      return k == TypeKind::Int ? 0 : k == TypeKind::Decimal ? 1 : 2;
    }

    Type checkBinary(ast::BinaryExpr& b) {
      Type lt = checkExpr(*b.lhs);
      if (unquotedOption(b, lt)) return Type::of(TypeKind::Bool);
      Type rt = checkExpr(*b.rhs);
      if (lt.isError() || rt.isError()) return b.op <= ast::BinaryOp::Ge ? Type::of(TypeKind::Bool) : Type::error();
      using B = ast::BinaryOp;
      auto mismatch = [&]() {
        diags_.report(DiagKind::TypeMismatch, b.range, "`{}` cannot be applied to {} and {}", ast::spelling(b.op),
                      typeName(lt), typeName(rt));
        return Type::error();
      };
      switch (b.op) {
        case B::Or:
        case B::And:
          requireBool(*b.lhs, lt, fmt::format("the left operand of `{}`", ast::spelling(b.op)));
          requireBool(*b.rhs, rt, fmt::format("the right operand of `{}`", ast::spelling(b.op)));
          return Type::of(TypeKind::Bool);
        case B::Eq:
        case B::Ne:
          checkEquality(*b.lhs, lt, *b.rhs, rt, b.range);
          return Type::of(TypeKind::Bool);
        case B::Lt:
        case B::Le:
        case B::Gt:
        case B::Ge: {
          bool ok = (lt.isNumeric() && rt.isNumeric()) || (lt.isTemporal() && rt.isTemporal()) ||
                    (lt.kind == TypeKind::Duration && rt.kind == TypeKind::Duration) ||
                    (lt.kind == TypeKind::String && rt.kind == TypeKind::String);
          if (!ok) mismatch();
          return Type::of(TypeKind::Bool);
        }
        case B::Add:
        case B::Sub: {
          if (lt.isNumeric() && rt.isNumeric())
            return Type::of(numericRank(lt.kind) >= numericRank(rt.kind) ? lt.kind : rt.kind);
          TypeKind l = lt.kind, r = rt.kind;
          if (lt.isTemporal() && r == TypeKind::Duration) return Type::of(TypeKind::DateTime);
          if (b.op == B::Add && l == TypeKind::Duration && rt.isTemporal()) return Type::of(TypeKind::DateTime);
          if (l == TypeKind::Duration && r == TypeKind::Duration) return Type::of(TypeKind::Duration);
          if (b.op == B::Sub && lt.isTemporal() && rt.isTemporal()) return Type::of(TypeKind::Duration);
          if (b.op == B::Add && l == TypeKind::String && r == TypeKind::String) return Type::of(TypeKind::String);
          return mismatch();
        }
        case B::Mul:
        case B::Div: {
          if (!lt.isNumeric() || !rt.isNumeric()) return mismatch();
          bool lm = lt.kind == TypeKind::Money, rm = rt.kind == TypeKind::Money;
          if (lm && rm) return b.op == B::Div ? Type::of(TypeKind::Decimal) : mismatch();
          if (lm) return Type::of(TypeKind::Money);
          if (rm) return b.op == B::Mul ? Type::of(TypeKind::Money) : mismatch();
          if (lt.kind == TypeKind::Int && rt.kind == TypeKind::Int)
            return Type::of(b.op == B::Mul ? TypeKind::Int : TypeKind::Decimal);
          return Type::of(TypeKind::Decimal);
        }
        case B::Mod:
          if (lt.kind == TypeKind::Int && rt.kind == TypeKind::Int) return Type::of(TypeKind::Int);
          diags_.report(DiagKind::TypeMismatch, b.range, "`%` needs int operands, not {} and {}", typeName(lt),
                        typeName(rt));
          return Type::error();
      }
      return Type::error();
    }

    // A choice compared with `other`: one of its labels or values, null, or the same field.
    bool checkChoiceOperand(const FieldInfo& field, const ast::Expr& other, Type ot) {
      if (ot.kind == TypeKind::Null) return true;
      if (ot.kind == TypeKind::Choice && ot.field == &field) return true;
      if (const auto* s = dyn_cast<ast::StringLit>(&other)) {
        if (field.optionByLabel(s->value)) return true;
        auto& d = diags_.report(DiagKind::UnknownOption, other.range, "\"{}\" is not an option of '{}'", s->value,
                                field.name);
        std::string_view guess =
            suggest(s->value, field.options, [](const OptionInfo& o) -> std::string_view { return o.label; });
        if (guess.empty()) listOptions(d, field);
        else didYouMean(d, guess);
        return false;
      }
      std::optional<int64_t> value;
      if (const auto* i = dyn_cast<ast::IntLit>(&other)) value = i->value;
      if (const auto* u = dyn_cast<ast::UnaryExpr>(&other); u && u->op == ast::UnaryOp::Neg)
        if (const auto* i = dyn_cast<ast::IntLit>(u->operand.get())) value = -i->value;
      if (value) {
        if (field.optionByValue(*value)) return true;
        listOptions(diags_.report(DiagKind::UnknownOption, other.range, "{} is not an option value of '{}'",
                                  *value, field.name),
                    field);
        return false;
      }
      diags_.report(DiagKind::UnknownOption, other.range,
                    "choice field '{}' takes one of its option labels (a string literal) or values, not {}",
                    field.name, typeName(ot));
      return false;
    }

    // No close label: say what the field takes (as `seqc update` does).
    static void listOptions(Diagnostic& d, const FieldInfo& field) {
      constexpr size_t kShown = 12;
      std::string list;
      for (size_t i = 0; i < field.options.size() && i < kShown; ++i)
        list += fmt::format("{}{} ({})", i ? ", " : "", quoted(field.options[i].label), field.options[i].value);
      if (field.options.size() > kShown) list += fmt::format(" and {} more", field.options.size() - kShown);
      if (!list.empty()) d.note(d.range, fmt::format("'{}' takes {}", field.name, list));
    }

    bool checkEquality(const ast::Expr& a, Type ta, const ast::Expr& b, Type tb, SourceRange where) {
      if (ta.isError() || tb.isError()) return true;
      if (ta.kind == TypeKind::Choice && ta.field) return checkChoiceOperand(*ta.field, b, tb);
      if (tb.kind == TypeKind::Choice && tb.field) return checkChoiceOperand(*tb.field, a, ta);
      if (ta.kind == TypeKind::Null || tb.kind == TypeKind::Null) return true;
      bool ok = (ta.isNumeric() && tb.isNumeric()) || (ta.isTemporal() && tb.isTemporal()) ||
                (ta.isReference() && tb.isReference()) || ta.kind == tb.kind;
      if (!ok)
        diags_.report(DiagKind::TypeMismatch, where, "cannot compare {} with {}", typeName(ta), typeName(tb));
      return ok;
    }

    // Whether a value of type `vt` (expression `value`) may be stored in `target`.
    void checkAssignable(Type target, const ast::Expr& value, Type vt, const std::string& what) {
      if (target.isError() || vt.isError()) return;
      if (vt.kind == TypeKind::Null) return;  // clears the field / variable
      if (target.kind == TypeKind::Choice && target.field) {
        checkChoiceOperand(*target.field, value, vt);
        return;
      }
      bool ok = false;
      switch (target.kind) {
        case TypeKind::Int: ok = vt.kind == TypeKind::Int; break;
        case TypeKind::Decimal: ok = vt.kind == TypeKind::Int || vt.kind == TypeKind::Decimal; break;
        case TypeKind::Money: ok = vt.isNumeric(); break;
        case TypeKind::DateTime: ok = vt.isTemporal(); break;
        case TypeKind::Id:
        case TypeKind::Lookup: ok = vt.isReference(); break;
        case TypeKind::String:
          ok = vt.kind == TypeKind::String;
          if (ok && target.maxLength)
            if (const auto* s = dyn_cast<ast::StringLit>(&value); s && chars(s->value) > target.maxLength) {
              diags_.report(DiagKind::TypeMismatch, value.range,
                            "this string is {} characters long; {} holds at most {}", chars(s->value), what,
                            target.maxLength);
              return;
            }
          break;
        default: ok = vt.kind == target.kind; break;
      }
      if (!ok)
        diags_.report(DiagKind::TypeMismatch, value.range, "cannot assign {} to {} of type {}", typeName(vt), what,
                      typeName(target));
    }

    Checker& c_;
    DiagnosticEngine& diags_;
    ast::Sequence& seq_;
    const EntityInfo* entity_;
    const EntityInfo* member_ = nullptr;  // while checking an assignment filter: systemuser
    llvm::StringMap<SourceRange> experiments_;  // by name: where first defined
    llvm::StringMap<const ast::Stmt*> labels_;
    std::map<const ast::ActivityStmt*, unsigned> activityIndex_;
    unsigned activityCount_ = 0;
    size_t statementCount_ = 0;
    bool hasEmail_ = false;
    bool hasCalendar_ = false;  // a `calendar` setting, resolved or not
    std::string_view conditionOwner_ = "`exit when`";  // what takes a field condition only
    std::vector<llvm::StringMap<ast::LetStmt*>> scopes_;
    unsigned exprLevel_ = 0;      // checkExpr calls in progress
    bool stackReported_ = false;  // the stack limit, once per whole expression
  };

  const std::vector<ast::File*>& files_;
  size_t stdlibFiles_;
  DiagnosticEngine& diags_;
  std::unique_ptr<Program> program_;
  std::vector<ast::Sequence*> userSequences_;  // parallel to program_->sequences
  std::vector<std::unique_ptr<ast::Sequence>> segmentHosts_;  // see checkSegmentWhere
};

}  // namespace

const char* ast::spelling(BinaryOp op) {
  switch (op) {
    case BinaryOp::Or: return "or";
    case BinaryOp::And: return "and";
    case BinaryOp::Eq: return "==";
    case BinaryOp::Ne: return "!=";
    case BinaryOp::Lt: return "<";
    case BinaryOp::Le: return "<=";
    case BinaryOp::Gt: return ">";
    case BinaryOp::Ge: return ">=";
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::Mod: return "%";
  }
  return "?";
}

std::unique_ptr<Program> checkProgram(const std::vector<ast::File*>& files, size_t stdlibFileCount,
                                      DiagnosticEngine& diags) {
  return Checker(files, stdlibFileCount, diags).run();
}

}  // namespace seqc
