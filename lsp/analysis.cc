// The language server's queries over a compilation (analysis.h): an index of every
// name in the document (what it refers to), and completion from the tokens around the
// cursor, so that half-typed text still completes.
#include "lsp/analysis.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <set>

#include <fmt/core.h>
#include <llvm/Support/Casting.h>

#include "compiler/parser.h"
#include "compiler/schema.h"
#include "seqc/calendar/zone.h"
#include "seqc/format/bytecode.h"
#include "seqc/support/quote.h"
#include "seqc/support/time.h"

namespace fs = std::filesystem;

namespace seqc::lsp {

enum class OccKind : uint8_t {
  LabelDef, LabelRef, Event, Activity, VarDef, VarRef, FieldRef, FieldDecl, EntityRef,
  SequenceDef, SequenceRef, Import, OptionLabel, Function, CalendarDef, CalendarRef, Zone,
};

// One name in the document and what it refers to.
struct Occurrence {
  OccKind kind;
  uint32_t begin = 0, end = 0;
  const ast::Sequence* sequence = nullptr;  // the enclosing one, or the one named
  const ast::Stmt* stmt = nullptr;          // labels, events, activities
  const ast::LetStmt* let = nullptr;        // variables
  const FieldInfo* field = nullptr;         // fields, option labels
  const EntityInfo* entity = nullptr;       // entities
  const ast::CalendarDecl* calendar = nullptr;  // calendars
  std::string name;                         // event, option label, function, import path, zone
};

namespace {

struct FunctionInfo {
  std::string_view name, signature, doc;
};
constexpr FunctionInfo kFunctions[] = {
    {"now", "now() → datetime", "The interpreter's clock."},
    {"today", "today() → date", "Today's date."},
    {"days_since", "days_since(date | datetime) → int", "Whole days since a date or instant."},
    {"len", "len(string) → int", "Length in code points."},
    {"lower", "lower(string) → string", "Lower-cased text."},
    {"upper", "upper(string) → string", "Upper-cased text."},
    {"contains", "contains(string, string) → bool", "Whether the first text contains the second."},
};
// Hover text for each builtin of seqc/format/builtins.def.
static_assert(std::size(kFunctions) == bc::kBuiltinInfo.size());

// Markdown-safe inline text.
std::string md(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\`*_[]<>#|").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string eventsOf(ActivityKind k) {
  switch (info(k).events) {
    case EventClass::EmailEvents: return "events: `opened`, `clicked`, `replied`, `downloaded` (with `within`)";
    case EventClass::TextEvents: return "events: `replied` (with `within`)";
    case EventClass::CallOutcomes: return "outcomes: `answered`, `voicemail`, `no_answer`, `wrong_number`";
    case EventClass::NoEvents: break;
  }
  return "no events";
}

std::string fieldHover(const FieldInfo& f) {
  std::string s = fmt::format("**{}.{}** — `{}`", md(f.entity ? f.entity->name : "?"), md(f.name), typeName(f.type));
  if (f.readonly) s += " · readonly";
  if (!f.display.empty()) s += fmt::format("\n\nDisplay name: {}", md(f.display));
  if (!f.options.empty()) {
    s += "\n\nOptions:";
    size_t shown = 0;
    for (const OptionInfo& o : f.options) {
      if (++shown > 40) {
        s += fmt::format("\n- … {} more", f.options.size() - 40);
        break;
      }
      s += fmt::format("\n- `{}` {}", o.value, md(seqc::quoted(o.label)));
    }
  }
  return s;
}

std::string stepHover(const ast::Stmt& st) {
  auto* a = llvm::dyn_cast<ast::ActivityStmt>(&st);
  std::string who = st.label.empty() ? std::string("step") : fmt::format("**{}**", md(st.label));
  if (!a) return fmt::format("{} — a labelled statement (no events)", who);
  std::string s = fmt::format("{} — `{}` step{}", who, info(a->activity).spelling,
                              info(a->activity).automated ? " (automated)" : "");
  s += fmt::format("\n\nTitle: {}", md(seqc::quoted(a->title)));
  for (const ast::ActivityOption& o : a->options) switch (o.kind) {
      case ast::ActivityOptionKind::Template: s += fmt::format("\n\nTemplate: `{}`", md(o.text)); break;
      case ast::ActivityOptionKind::Description: s += fmt::format("\n\nDescription: {}", md(o.text)); break;
      case ast::ActivityOptionKind::Due: s += fmt::format("\n\nDue: {}", seqc::formatDuration(o.due.minutes * 60)); break;
    }
  s += "\n\nIn conditions: " + eventsOf(a->activity);
  return s;
}

// A calendar as its lines say: zone, hours, holidays (the first few).
std::string calendarHover(const ast::CalendarDecl& c, std::string_view text) {
  std::string s = fmt::format("**calendar {}**", md(seqc::quoted(c.name)));
  std::vector<std::string> hours, holidays;
  auto source = [&](SourceRange r) {
    return r.valid() && r.end <= text.size() ? std::string(text.substr(r.begin, r.end - r.begin)) : std::string();
  };
  for (const ast::CalendarItem& item : c.items) switch (item.kind) {
      case ast::CalendarItemKind::Zone: s += fmt::format(" — zone `{}`", md(item.text)); break;
      case ast::CalendarItemKind::Hours: hours.push_back(source(item.range)); break;
      case ast::CalendarItemKind::Holiday: holidays.push_back(md(item.text)); break;
    }
  if (hours.empty()) s += "\n\nOpen every hour of every day that is not a holiday.";
  for (const std::string& h : hours) s += fmt::format("\n\n`{}`", h);
  if (!holidays.empty()) {
    s += fmt::format("\n\n{} holiday{}: ", holidays.size(), holidays.size() == 1 ? "" : "s");
    for (size_t i = 0; i < holidays.size() && i < 12; ++i) s += (i ? ", " : "") + holidays[i];
    if (holidays.size() > 12) s += ", …";
  }
  return s;
}

std::string zoneHover(std::string_view name) {
  if (!cal::Zone::find(name)) return fmt::format("`{}` — not a time zone of the tz database", md(name));
  return fmt::format("`{}` — IANA time zone (tz database {})", md(name), md(cal::tzdataVersion()));
}

std::string sequenceHover(const ast::Sequence& seq) {
  std::string s = fmt::format("**sequence {}** on `{}`", md(seqc::quoted(seq.name)), md(seq.entity));
  for (const ast::Setting& st : seq.settings) {
    if (st.kind == ast::SettingKind::Description) s += "\n\n" + md(st.text);
    if (st.kind == ast::SettingKind::Tags) {
      s += "\n\nTags:";
      for (const auto& [t, r] : st.tags) s += " `" + md(t) + "`";
    }
  }
  return s;
}

// ---- the index --------------------------------------------------------------------

class Indexer {
 public:
  Indexer(const Program& program, std::vector<Occurrence>& out) : program_(program), out_(out) {}

  void file(const ast::File& f) {
    for (const ast::ImportDecl& imp : f.imports)
      if (imp.pathRange.valid()) add(OccKind::Import, imp.pathRange).name = imp.path;
    for (const auto& e : f.entities) entity(*e);
    for (const auto& c : f.calendars) {
      if (c->nameRange.valid() && c->nameRange.end > c->nameRange.begin) add(OccKind::CalendarDef, c->nameRange).calendar = c.get();
      for (const ast::CalendarItem& item : c->items)
        if (item.kind == ast::CalendarItemKind::Zone && item.textRange.valid()) add(OccKind::Zone, item.textRange).name = item.text;
    }
    for (const auto& s : f.sequences) sequence(*s);
  }

 private:
  Occurrence& add(OccKind k, SourceRange r) {
    Occurrence o;
    o.kind = k;
    o.begin = r.begin;
    o.end = r.end;
    o.sequence = seq_;
    out_.push_back(std::move(o));
    return out_.back();
  }

  void entity(const ast::EntityDecl& e) {
    const EntityInfo* info = program_.schema.find(e.name);
    if (info && !e.name.empty()) add(OccKind::EntityRef, e.nameRange).entity = info;
    for (const ast::FieldDecl& fd : e.fields) {
      const FieldInfo* f = info ? info->field(fd.name) : nullptr;
      if (f && f->decl != &fd) f = nullptr;  // a duplicate: not the declared field
      if (f) add(OccKind::FieldDecl, fd.nameRange).field = f;
      for (const auto& [target, r] : fd.type.targets)
        if (const EntityInfo* t = program_.schema.find(target)) add(OccKind::EntityRef, r).entity = t;
      if (f)
        for (const ast::OptionDecl& od : fd.type.options) {
          Occurrence& o = add(OccKind::OptionLabel, od.labelRange);
          o.field = f;
          o.name = od.label;
        }
    }
  }

  void sequence(const ast::Sequence& s) {
    seq_ = &s;
    entity_ = program_.schema.find(s.entity);
    labels_.clear();
    lets_.clear();
    collect(s.body);
    if (s.nameRange.valid() && s.nameRange.end > s.nameRange.begin) add(OccKind::SequenceDef, s.nameRange).sequence = &s;
    if (entity_ && s.entityRange.end > s.entityRange.begin) add(OccKind::EntityRef, s.entityRange).entity = entity_;
    for (const ast::Setting& st : s.settings) {
      if (st.field) expr(*st.field, nullptr);
      if (st.where) expr(*st.where, nullptr);
      if (st.condition && st.condition->expr) expr(*st.condition->expr, nullptr);
      if (st.kind == ast::SettingKind::Calendar && st.textRange.valid()) {
        const ast::CalendarDecl* c = st.calendar;
        if (auto it = program_.calendarByName.find(st.text); !c && it != program_.calendarByName.end()) c = it->second;
        if (c) add(OccKind::CalendarRef, st.textRange).calendar = c;
      }
      if (st.zone) {
        if (auto* lit = llvm::dyn_cast<ast::StringLit>(st.zone.get()))
          add(OccKind::Zone, lit->range).name = lit->value;
        else
          expr(*st.zone, nullptr);
      }
    }
    block(s.body);
    seq_ = nullptr;
  }

  // Labels and variables of the sequence, for references the checker did not resolve
  // (a sequence with a syntax error is not checked).
  void collect(const ast::Block& b) {
    for (const auto& st : b.stmts) {
      if (!st) continue;
      if (!st->label.empty()) labels_.emplace_back(st->label, st.get());
      if (auto* l = llvm::dyn_cast<ast::LetStmt>(st.get())) lets_.push_back(l);
      if (auto* i = llvm::dyn_cast<ast::IfStmt>(st.get())) {
        for (const ast::IfArm& arm : i->arms) collect(arm.body);
        if (i->elseBlock) collect(*i->elseBlock);
      }
      if (auto* e = llvm::dyn_cast<ast::ExperimentStmt>(st.get()))
        for (const ast::ExperimentItem* v : e->variants()) collect(v->body);
    }
  }
  const ast::Stmt* label(std::string_view name) const {
    for (const auto& [n, st] : labels_)
      if (n == name) return st;
    return nullptr;
  }
  const ast::LetStmt* variable(std::string_view name, uint32_t before) const {
    const ast::LetStmt* found = nullptr;
    for (const ast::LetStmt* l : lets_)
      if (l->name == name && l->range.begin < before) found = l;
    return found;
  }

  void block(const ast::Block& b) {
    for (const auto& st : b.stmts)
      if (st) stmt(*st);
  }

  void stmt(const ast::Stmt& st) {
    if (!st.label.empty() && st.labelRange.end > st.labelRange.begin) add(OccKind::LabelDef, st.labelRange).stmt = &st;
    switch (st.kind) {
      case ast::StmtKind::Activity: {
        auto& a = llvm::cast<ast::ActivityStmt>(st);
        if (a.kindRange.end > a.kindRange.begin) add(OccKind::Activity, a.kindRange).stmt = &st;
        break;
      }
      case ast::StmtKind::If: {
        auto& i = llvm::cast<ast::IfStmt>(st);
        for (const ast::IfArm& arm : i.arms) {
          if (arm.condition.expr) expr(*arm.condition.expr, nullptr);
          block(arm.body);
        }
        if (i.elseBlock) block(*i.elseBlock);
        break;
      }
      case ast::StmtKind::Set: {
        auto& s = llvm::cast<ast::SetStmt>(st);
        if (s.target) expr(*s.target, nullptr);
        if (s.value) expr(*s.value, s.target ? choiceOf(*s.target) : nullptr);
        break;
      }
      case ast::StmtKind::Let: {
        auto& l = llvm::cast<ast::LetStmt>(st);
        if (l.nameRange.end > l.nameRange.begin) add(OccKind::VarDef, l.nameRange).let = &l;
        if (l.value) expr(*l.value, nullptr);
        break;
      }
      case ast::StmtKind::Assign: {
        auto& a = llvm::cast<ast::AssignStmt>(st);
        const ast::LetStmt* v = a.variable ? a.variable : variable(a.name, a.range.begin);
        if (v) add(OccKind::VarRef, a.nameRange).let = v;
        const FieldInfo* choice = v && v->type.kind == TypeKind::Choice ? v->type.field : nullptr;
        if (a.value) expr(*a.value, choice);
        break;
      }
      case ast::StmtKind::Advance: {
        auto& a = llvm::cast<ast::AdvanceStmt>(st);
        const ast::Sequence* target = a.resolved;
        if (!target)
          if (auto it = program_.sequenceByName.find(a.target); it != program_.sequenceByName.end())
            target = program_.sequences[it->second].decl;
        if (target && a.targetRange.valid()) add(OccKind::SequenceRef, a.targetRange).sequence = target;
        break;
      }
      case ast::StmtKind::Experiment: {
        auto& e = llvm::cast<ast::ExperimentStmt>(st);
        for (const ast::ExperimentItem& item : e.items) {
          if (item.kind == ast::ExperimentItemKind::Variant) block(item.body);
          else if (item.kind == ast::ExperimentItemKind::Metric && item.value.expr && !e.metricEvent)
            expr(*item.value.expr, nullptr);
        }
        break;
      }
      case ast::StmtKind::Wait:
      case ast::StmtKind::End: break;
    }
  }

  const FieldInfo* fieldOf(const ast::MemberExpr& m) const {
    if (m.field) return m.field;
    if (m.step) return nullptr;
    const EntityInfo* e = m.object == seq_->entity ? entity_ : nullptr;
    return e ? e->field(m.member) : nullptr;
  }
  const FieldInfo* choiceOf(const ast::Expr& e) const {
    if (e.type.kind == TypeKind::Choice) return e.type.field;
    if (auto* m = llvm::dyn_cast<ast::MemberExpr>(&e)) {
      const FieldInfo* f = fieldOf(*m);
      return f && f->type.kind == TypeKind::Choice ? f : nullptr;
    }
    if (auto* n = llvm::dyn_cast<ast::NameExpr>(&e)) {
      const ast::LetStmt* v = n->variable ? n->variable : variable(n->name, n->range.begin);
      return v && v->type.kind == TypeKind::Choice ? v->type.field : nullptr;
    }
    return nullptr;
  }

  void expr(const ast::Expr& e, const FieldInfo* choice) {
    switch (e.kind) {
      case ast::ExprKind::StringLit: {
        auto& s = llvm::cast<ast::StringLit>(e);
        if (choice && choice->optionByLabel(s.value)) {
          Occurrence& o = add(OccKind::OptionLabel, e.range);
          o.field = choice;
          o.name = s.value;
        }
        break;
      }
      case ast::ExprKind::Member: {
        auto& m = llvm::cast<ast::MemberExpr>(e);
        if (const FieldInfo* f = fieldOf(m)) {
          add(OccKind::EntityRef, m.objectRange).entity = f->entity;
          add(OccKind::FieldRef, m.memberRange).field = f;
        } else if (const ast::Stmt* st = m.step ? m.step : label(m.object)) {
          add(OccKind::LabelRef, m.objectRange).stmt = st;
          Occurrence& o = add(OccKind::Event, m.memberRange);
          o.stmt = st;
          o.name = m.member;
        } else if (const EntityInfo* ent = program_.schema.find(m.object)) {
          add(OccKind::EntityRef, m.objectRange).entity = ent;
        }
        break;
      }
      case ast::ExprKind::Name: {
        auto& n = llvm::cast<ast::NameExpr>(e);
        if (const ast::LetStmt* v = n.variable ? n.variable : variable(n.name, n.range.begin))
          add(OccKind::VarRef, e.range).let = v;
        break;
      }
      case ast::ExprKind::Call: {
        auto& c = llvm::cast<ast::CallExpr>(e);
        add(OccKind::Function, c.calleeRange).name = c.callee;
        for (const auto& a : c.args)
          if (a) expr(*a, nullptr);
        break;
      }
      case ast::ExprKind::Unary: {
        auto& u = llvm::cast<ast::UnaryExpr>(e);
        if (u.operand) expr(*u.operand, nullptr);
        break;
      }
      case ast::ExprKind::Binary: {
        auto& b = llvm::cast<ast::BinaryExpr>(e);
        bool cmp = b.op == ast::BinaryOp::Eq || b.op == ast::BinaryOp::Ne;
        if (b.lhs) expr(*b.lhs, cmp && b.rhs ? choiceOf(*b.rhs) : nullptr);
        if (b.rhs) expr(*b.rhs, cmp && b.lhs ? choiceOf(*b.lhs) : nullptr);
        break;
      }
      case ast::ExprKind::In: {
        auto& in = llvm::cast<ast::InExpr>(e);
        const FieldInfo* c = in.lhs ? choiceOf(*in.lhs) : nullptr;
        if (in.lhs) expr(*in.lhs, nullptr);
        for (const auto& item : in.items)
          if (item) expr(*item, c);
        break;
      }
      default: break;
    }
  }

  const Program& program_;
  std::vector<Occurrence>& out_;
  const ast::Sequence* seq_ = nullptr;
  const EntityInfo* entity_ = nullptr;
  std::vector<std::pair<std::string, const ast::Stmt*>> labels_;
  std::vector<const ast::LetStmt*> lets_;
};

std::string canonicalPath(const fs::path& p) {
  std::error_code ec;
  return fs::weakly_canonical(fs::absolute(p, ec), ec).string();
}

}  // namespace

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > 160) return false;
  if (!(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return !isKeyword(name);
}

std::shared_ptr<const Analysis> Analysis::build(const std::string& stdlibDir, const std::string& path,
                                                std::string text) {
  std::shared_ptr<Analysis> a(new Analysis());
  a->compilation_ = std::make_unique<Compilation>(CompileOptions{stdlibDir});
  a->compilation_->checkSource(path, std::move(text));
  const Compilation& c = *a->compilation_;
  for (FileId id = 0; id < c.sources().size(); ++id)
    if (!c.isStdlib(id)) {
      a->main_ = id;
      break;
    }
  for (const Diagnostic& d : c.diagnostics().diagnostics())
    if (d.kind == DiagKind::SyntaxError && d.range.file == a->main_) a->syntaxErrors_ = true;
  // Some parse errors have a kind of their own (`e.opened within 1d and …` is MixedCondition).
  for (const ast::File* f : c.files()) {
    if (!f || f->id != a->main_) continue;
    for (const auto& s : f->sequences) a->syntaxErrors_ |= s->hasSyntaxError;
    for (const auto& e : f->entities) a->syntaxErrors_ |= e->hasSyntaxError;
    for (const auto& k : f->calendars) a->syntaxErrors_ |= k->hasSyntaxError;
  }
  a->index();
  return a;
}

Analysis::~Analysis() = default;

std::string_view Analysis::text() const {
  return main_ == kNoFile ? std::string_view() : compilation_->sources().file(main_).text();
}

void Analysis::index() {
  if (main_ == kNoFile || main_ >= compilation_->files().size() || !compilation_->files()[main_] ||
      !compilation_->program())
    return;
  Indexer(*compilation_->program(), occurrences_).file(*compilation_->files()[main_]);
  std::stable_sort(occurrences_.begin(), occurrences_.end(),
                   [](const Occurrence& a, const Occurrence& b) { return a.begin < b.begin; });
}

const Occurrence* Analysis::at(uint32_t offset) const {
  const Occurrence* best = nullptr;
  for (const Occurrence& o : occurrences_) {
    if (o.begin > offset) break;
    if (offset > o.end) continue;
    // Prefer a range the offset is inside over one it touches at the end; then the smallest.
    auto score = [&](const Occurrence& x) { return std::pair(offset == x.end, x.end - x.begin); };
    if (!best || score(o) < score(*best)) best = &o;
  }
  return best;
}

std::optional<Location> Analysis::locate(SourceRange r) const {
  if (!r.valid() || r.file >= compilation_->sources().size()) return std::nullopt;
  const SourceFile& f = compilation_->sources().file(r.file);
  return Location{f.path(), f.text(), r.begin, r.end};
}

// ---- diagnostics ------------------------------------------------------------------

std::vector<DocDiagnostic> Analysis::diagnostics() const {
  std::vector<DocDiagnostic> out;
  if (main_ == kNoFile) {
    for (const Diagnostic& d : compilation_->diagnostics().diagnostics())
      out.push_back({0, 0, d.severity, std::string(kindName(d.kind)), d.message, {}, false});
    return out;
  }
  const SourceManager& sm = compilation_->sources();
  auto convert = [&](const Diagnostic& d) {
    DocDiagnostic dd;
    dd.begin = d.range.begin;
    dd.end = d.range.end;
    dd.severity = d.severity;
    dd.code = std::string(kindName(d.kind));
    dd.message = d.message;
    dd.unnecessary = d.kind == DiagKind::UnusedVariable;
    for (const Note& n : d.notes) {
      if (auto loc = locate(n.range))
        dd.related.push_back({*loc, n.message});
      else
        dd.message += "\n" + n.message;
    }
    return dd;
  };

  // Which import of the document brought in each other user file (transitively).
  std::vector<const ast::ImportDecl*> via(sm.size(), nullptr);
  const auto& files = compilation_->files();
  auto targetOf = [&](FileId from, const ast::ImportDecl& imp) -> FileId {
    if (imp.path.empty()) return kNoFile;
    fs::path dir = fs::path(sm.file(from).path()).parent_path();
    fs::path target = fs::path(imp.path).is_absolute() ? fs::path(imp.path) : dir / imp.path;
    std::string want = canonicalPath(target);
    for (FileId id = main_ + 1; id < sm.size(); ++id)
      if (canonicalPath(sm.file(id).path()) == want) return id;
    return kNoFile;
  };
  if (main_ < files.size() && files[main_] && sm.size() > main_ + 1) {
    for (const ast::ImportDecl& imp : files[main_]->imports) {
      std::vector<FileId> work;
      if (FileId t = targetOf(main_, imp); t != kNoFile && !via[t]) {
        via[t] = &imp;
        work.push_back(t);
      }
      while (!work.empty()) {
        FileId f = work.back();
        work.pop_back();
        if (f >= files.size() || !files[f]) continue;
        for (const ast::ImportDecl& next : files[f]->imports)
          if (FileId t = targetOf(f, next); t != kNoFile && t != main_ && !via[t]) {
            via[t] = &imp;
            work.push_back(t);
          }
      }
    }
  }

  std::vector<std::pair<const ast::ImportDecl*, std::vector<const Diagnostic*>>> imported;
  const std::vector<Diagnostic> sorted = compilation_->diagnostics().sorted(sm);  // `imported` points into it
  for (const Diagnostic& d : sorted) {
    if (!d.range.valid()) {
      DocDiagnostic dd = convert(d);
      dd.begin = dd.end = 0;
      out.push_back(std::move(dd));
    } else if (d.range.file == main_) {
      out.push_back(convert(d));
    } else if (d.range.file < via.size() && via[d.range.file] && d.severity == Severity::Error) {
      const ast::ImportDecl* imp = via[d.range.file];
      auto it = std::find_if(imported.begin(), imported.end(), [&](const auto& p) { return p.first == imp; });
      if (it == imported.end()) {
        imported.push_back({imp, {}});
        it = imported.end() - 1;
      }
      it->second.push_back(&d);
    }
    // Diagnostics in the standard library are the installation's problem, not this file's.
  }
  for (const auto& [imp, diags] : imported) {
    DocDiagnostic dd;
    dd.begin = imp->range.begin;
    dd.end = imp->range.end;
    dd.severity = Severity::Error;
    dd.code = std::string(kindName(diags.front()->kind));
    const SourceFile& f = sm.file(diags.front()->range.file);
    LineCol lc = f.lineCol(diags.front()->range.begin);
    dd.message = fmt::format("'{}' has {} error{}; the first, at {}:{}: {}", imp->path, diags.size(),
                             diags.size() == 1 ? "" : "s", lc.line, lc.column, diags.front()->message);
    for (const Diagnostic* d : diags)
      if (auto loc = locate(d->range)) dd.related.push_back({*loc, fmt::format("{} [{}]", d->message, kindName(d->kind))});
    out.push_back(std::move(dd));
  }
  std::stable_sort(out.begin(), out.end(), [](const DocDiagnostic& a, const DocDiagnostic& b) { return a.begin < b.begin; });
  return out;
}

// ---- hover ------------------------------------------------------------------------

std::optional<Hover> Analysis::hover(uint32_t offset) const {
  const Occurrence* o = at(offset);
  if (!o) return std::nullopt;
  std::string s;
  switch (o->kind) {
    case OccKind::LabelDef:
    case OccKind::LabelRef:
    case OccKind::Activity: s = stepHover(*o->stmt); break;
    case OccKind::Event: {
      auto* a = llvm::dyn_cast<ast::ActivityStmt>(o->stmt);
      bool call = a && info(a->activity).events == EventClass::CallOutcomes;
      s = fmt::format("**{}** — {} of {} step **{}**", md(o->name), call ? "outcome" : "event",
                      a ? fmt::format("`{}`", info(a->activity).spelling) : std::string("the"), md(o->stmt->label));
      if (a) s += "\n\n" + stepHover(*a);
      break;
    }
    case OccKind::VarDef:
    case OccKind::VarRef:
      s = fmt::format("```seq\nlet {}: {}\n```\nA variable of the record.", o->let->name,
                      o->let->type.isError() ? std::string("(unknown type)") : typeName(o->let->type));
      break;
    case OccKind::FieldRef:
    case OccKind::FieldDecl: s = fieldHover(*o->field); break;
    case OccKind::EntityRef: {
      const EntityInfo& e = *o->entity;
      s = fmt::format("**entity {}**{} — {} fields", md(e.name), e.display.empty() ? "" : " " + md(seqc::quoted(e.display)),
                      e.fields.size());
      if (e.decl && e.decl->range.valid() && compilation_->isStdlib(e.decl->range.file))
        s += "\n\nFrom the standard library.";
      break;
    }
    case OccKind::SequenceDef:
    case OccKind::SequenceRef: s = sequenceHover(*o->sequence); break;
    case OccKind::Import: s = fmt::format("**import** {}", md(seqc::quoted(o->name))); break;
    case OccKind::OptionLabel: {
      const OptionInfo* opt = o->field->optionByLabel(o->name);
      s = fmt::format("{} — option of `{}.{}`{}, value `{}`", md(seqc::quoted(o->name)),
                      md(o->field->entity ? o->field->entity->name : "?"), md(o->field->name),
                      o->field->display.empty() ? "" : " (" + md(o->field->display) + ")", opt ? opt->value : 0);
      break;
    }
    case OccKind::Function: {
      for (const FunctionInfo& f : kFunctions)
        if (f.name == o->name) s = fmt::format("```seq\n{}\n```\n{}", f.signature, f.doc);
      if (s.empty()) return std::nullopt;
      break;
    }
    case OccKind::CalendarDef:
    case OccKind::CalendarRef: {
      const ast::CalendarDecl& c = *o->calendar;
      s = calendarHover(c, c.range.valid() ? compilation_->sources().file(c.range.file).text() : std::string_view());
      if (c.range.valid() && c.range.file != main_)
        s += fmt::format("\n\nFrom `{}`.", md(fs::path(compilation_->sources().file(c.range.file).path()).filename().string()));
      break;
    }
    case OccKind::Zone: s = zoneHover(o->name); break;
  }
  return Hover{std::move(s), o->begin, o->end};
}

// ---- definition, references -------------------------------------------------------

std::vector<Location> Analysis::definition(uint32_t offset) const {
  const Occurrence* o = at(offset);
  if (!o) return {};
  std::optional<Location> loc;
  switch (o->kind) {
    case OccKind::LabelDef:
    case OccKind::LabelRef:
    case OccKind::Event:
    case OccKind::Activity: loc = locate(o->stmt->labelRange.valid() ? o->stmt->labelRange : o->stmt->range); break;
    case OccKind::VarDef:
    case OccKind::VarRef: loc = locate(o->let->nameRange); break;
    case OccKind::FieldRef:
    case OccKind::FieldDecl:
      if (o->field->decl) loc = locate(o->field->decl->nameRange);
      break;
    case OccKind::EntityRef:
      if (o->entity->decl) loc = locate(o->entity->decl->nameRange);
      break;
    case OccKind::SequenceDef:
    case OccKind::SequenceRef: loc = locate(o->sequence->nameRange); break;
    case OccKind::OptionLabel:
      if (o->field->decl)
        for (const ast::OptionDecl& od : o->field->decl->type.options)
          if (od.label == o->name) loc = locate(od.labelRange);
      break;
    case OccKind::Import: {
      const SourceManager& sm = compilation_->sources();
      fs::path dir = fs::path(sm.file(main_).path()).parent_path();
      fs::path target = fs::path(o->name).is_absolute() ? fs::path(o->name) : dir / o->name;
      std::string want = canonicalPath(target);
      for (FileId id = main_ + 1; id < sm.size() && !loc; ++id)
        if (canonicalPath(sm.file(id).path()) == want) loc = Location{sm.file(id).path(), sm.file(id).text(), 0, 0};
      std::error_code ec;
      if (!loc && fs::is_regular_file(target, ec)) loc = Location{target.lexically_normal().string(), {}, 0, 0};
      break;
    }
    case OccKind::CalendarDef:
    case OccKind::CalendarRef: loc = locate(o->calendar->nameRange); break;
    case OccKind::Function:
    case OccKind::Zone: break;
  }
  if (!loc) return {};
  return {*loc};
}

std::optional<RenameTarget> Analysis::renameTarget(uint32_t offset) const {
  const Occurrence* o = at(offset);
  if (!o) return std::nullopt;
  RenameTarget t;
  t.begin = o->begin;
  t.end = o->end;
  if (o->kind == OccKind::LabelDef || o->kind == OccKind::LabelRef) {
    const ast::Stmt* st = o->stmt;
    t.name = st->label;
    t.occurrences.emplace_back(st->labelRange.begin, st->labelRange.end);
    for (const Occurrence& x : occurrences_)
      if (x.kind == OccKind::LabelRef && x.stmt == st) t.occurrences.emplace_back(x.begin, x.end);
  } else if (o->kind == OccKind::VarDef || o->kind == OccKind::VarRef) {
    const ast::LetStmt* l = o->let;
    t.name = l->name;
    t.occurrences.emplace_back(l->nameRange.begin, l->nameRange.end);
    for (const Occurrence& x : occurrences_)
      if (x.kind == OccKind::VarRef && x.let == l) t.occurrences.emplace_back(x.begin, x.end);
  } else {
    return std::nullopt;
  }
  // The declaration must be in this document (it always is: labels and variables are
  // local to a sequence).
  if (o->sequence && o->sequence->range.valid() && o->sequence->range.file != main_) return std::nullopt;
  if (o->sequence) {
    t.taken.push_back(o->sequence->entity);
    std::function<void(const ast::Block&)> walk = [&](const ast::Block& b) {
      for (const auto& st : b.stmts) {
        if (!st) continue;
        if (!st->label.empty()) t.taken.push_back(st->label);
        if (auto* l = llvm::dyn_cast<ast::LetStmt>(st.get())) t.taken.push_back(l->name);
        if (auto* i = llvm::dyn_cast<ast::IfStmt>(st.get())) {
          for (const ast::IfArm& arm : i->arms) walk(arm.body);
          if (i->elseBlock) walk(*i->elseBlock);
        }
        if (auto* e = llvm::dyn_cast<ast::ExperimentStmt>(st.get()))
          for (const ast::ExperimentItem* v : e->variants()) walk(v->body);
      }
    };
    walk(o->sequence->body);
  }
  return t;
}

// ---- symbols ----------------------------------------------------------------------

std::vector<DocSymbol> Analysis::symbols() const {
  std::vector<DocSymbol> out;
  if (main_ == kNoFile || main_ >= compilation_->files().size() || !compilation_->files()[main_]) return out;
  const ast::File& f = *compilation_->files()[main_];
  auto nameOr = [](const SourceRange& name, const SourceRange& whole) {
    return name.valid() && name.end > name.begin ? name : SourceRange{whole.file, whole.begin, whole.begin};
  };
  for (const auto& e : f.entities) {
    DocSymbol s;
    s.name = (e->isExtend ? "extend " : "") + e->name;
    s.detail = e->display;
    s.kind = SymbolKind::Entity;
    s.begin = e->range.begin;
    s.end = e->range.end;
    SourceRange n = nameOr(e->nameRange, e->range);
    s.nameBegin = n.begin;
    s.nameEnd = n.end;
    for (const ast::FieldDecl& fd : e->fields) {
      DocSymbol c;
      c.name = fd.name;
      c.detail = fd.display;
      c.kind = SymbolKind::Field;
      c.begin = fd.range.begin;
      c.end = std::max(fd.range.end, fd.range.begin);
      c.nameBegin = fd.nameRange.begin;
      c.nameEnd = fd.nameRange.end;
      if (c.name.empty()) continue;
      s.children.push_back(std::move(c));
    }
    if (!e->name.empty()) out.push_back(std::move(s));
  }
  for (const auto& c : f.calendars) {
    if (c->name.empty()) continue;
    DocSymbol s;
    s.name = c->name;
    for (const ast::CalendarItem& item : c->items)
      if (item.kind == ast::CalendarItemKind::Zone) s.detail = item.text;
    s.kind = SymbolKind::Calendar;
    s.begin = c->range.begin;
    s.end = c->range.end;
    SourceRange n = nameOr(c->nameRange, c->range);
    s.nameBegin = n.begin;
    s.nameEnd = n.end;
    out.push_back(std::move(s));
  }
  for (const auto& seq : f.sequences) {
    DocSymbol s;
    s.name = seq->name.empty() ? "(unnamed sequence)" : seq->name;
    s.detail = "on " + seq->entity;
    s.kind = SymbolKind::Sequence;
    s.begin = seq->range.begin;
    s.end = seq->range.end;
    SourceRange n = nameOr(seq->nameRange, seq->range);
    s.nameBegin = n.begin;
    s.nameEnd = n.end;
    // Labelled steps, nested as they are written inside `if` blocks, flattened; an
    // experiment is a child of its own with its variants, whose labelled steps are theirs.
    std::function<void(const ast::Block&, std::vector<DocSymbol>&)> walk = [&](const ast::Block& b,
                                                                               std::vector<DocSymbol>& into) {
      for (const auto& st : b.stmts) {
        if (!st) continue;
        if (!st->label.empty()) {
          DocSymbol c;
          c.name = st->label;
          auto* a = llvm::dyn_cast<ast::ActivityStmt>(st.get());
          c.detail = a ? fmt::format("{} {}", info(a->activity).spelling, seqc::quoted(a->title)) : std::string();
          c.kind = SymbolKind::Step;
          c.begin = std::min(st->range.begin, st->labelRange.begin);
          c.end = std::max(st->range.end, st->labelRange.end);
          c.nameBegin = st->labelRange.begin;
          c.nameEnd = st->labelRange.end;
          into.push_back(std::move(c));
        }
        if (auto* i = llvm::dyn_cast<ast::IfStmt>(st.get())) {
          for (const ast::IfArm& arm : i->arms) walk(arm.body, into);
          if (i->elseBlock) walk(*i->elseBlock, into);
        }
        if (auto* e = llvm::dyn_cast<ast::ExperimentStmt>(st.get())) {
          if (e->name.empty()) {  // a syntax error: keep its steps visible
            for (const ast::ExperimentItem* v : e->variants()) walk(v->body, into);
            continue;
          }
          DocSymbol x;
          x.name = e->name;
          x.detail = "experiment";
          x.kind = SymbolKind::Experiment;
          x.begin = e->range.begin;
          x.end = e->range.end;
          SourceRange xn = nameOr(e->nameRange, e->range);
          x.nameBegin = xn.begin;
          x.nameEnd = xn.end;
          for (const ast::ExperimentItem* v : e->variants()) {
            DocSymbol vs;
            vs.name = v->name;
            vs.detail = fmt::format("{}%", v->weight);
            vs.kind = SymbolKind::Variant;
            vs.begin = v->range.begin;
            vs.end = v->range.end;
            SourceRange vn = nameOr(v->nameRange, v->range);
            vs.nameBegin = vn.begin;
            vs.nameEnd = vn.end;
            walk(v->body, vs.children);
            if (!vs.name.empty()) x.children.push_back(std::move(vs));
          }
          into.push_back(std::move(x));
        }
      }
    };
    walk(seq->body, s.children);
    out.push_back(std::move(s));
  }
  for (const auto& g : f.segments) {
    if (g->name.empty()) continue;
    DocSymbol s;
    s.name = g->name;
    s.detail = "on " + g->entity;
    if (const ast::SegmentItem* feeds = g->item(ast::SegmentItemKind::Feeds))
      s.detail += " feeds " + seqc::quoted(feeds->text);
    s.kind = SymbolKind::Segment;
    s.begin = g->range.begin;
    s.end = g->range.end;
    SourceRange n = nameOr(g->nameRange, g->range);
    s.nameBegin = n.begin;
    s.nameEnd = n.end;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace seqc::lsp
