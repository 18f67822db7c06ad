// The canonical formatter: reprints the AST line by line and puts every comment back
// (docs/cli.md "seqc fmt" gives the rules, docs/design.md how this works).
//
// Output is built one line at a time. Before each token with a known source position the
// printer calls at(), which emits the comments that precede it: a one-line `/* */` stays
// inline, any other comment is hoisted onto its own line before the line being built.
// close() ends a line and appends the comments that follow its last token on the same
// source line. Comments between the items of a block (declarations, fields, settings,
// statements, the closing brace) are printed on their own lines. Comments are consumed
// strictly in source order, so each is printed exactly once.
#include "compiler/format.h"

#include <algorithm>
#include <stdexcept>

#include <llvm/Support/Casting.h>

#include "compiler/compilation.h"
#include "compiler/parser.h"
#include "seqc/support/utf8.h"

namespace seqc {
namespace {

constexpr unsigned kIndent = 2;

class Printer {
 public:
  Printer(std::string_view text, const std::vector<SourceRange>& comments)
      : src_(text), comments_(comments) {}

  std::string file(const ast::File& f) {
    struct Decl {
      uint32_t begin;
      const ast::ImportDecl* import;
      const ast::EntityDecl* entity;
      const ast::Sequence* sequence;
      const ast::CalendarDecl* calendar = nullptr;
      const ast::SegmentDecl* segment = nullptr;
    };
    std::vector<Decl> decls;
    for (const auto& i : f.imports) decls.push_back({i.range.begin, &i, nullptr, nullptr});
    for (const auto& e : f.entities) decls.push_back({e->range.begin, nullptr, e.get(), nullptr});
    for (const auto& c : f.calendars) decls.push_back({c->range.begin, nullptr, nullptr, nullptr, c.get()});
    for (const auto& s : f.sequences) decls.push_back({s->range.begin, nullptr, nullptr, s.get()});
    for (const auto& g : f.segments) decls.push_back({g->range.begin, nullptr, nullptr, nullptr, nullptr, g.get()});
    std::stable_sort(decls.begin(), decls.end(),
                     [](const Decl& a, const Decl& b) { return a.begin < b.begin; });
    for (size_t i = 0; i < decls.size(); ++i) {
      const Decl& d = decls[i];
      // Exactly one blank line between declarations; consecutive imports keep theirs.
      forceBlank_ = i > 0 && !(d.import && decls[i - 1].import);
      ownLineComments(d.begin, 0);
      separate(d.begin);
      if (d.import) importDecl(*d.import);
      else if (d.entity) entity(*d.entity);
      else if (d.calendar) calendar(*d.calendar);
      else if (d.segment) segment(*d.segment);
      else sequence(*d.sequence);
    }
    forceBlank_ = false;
    ownLineComments(static_cast<uint32_t>(src_.size()) + 1, 0);
    std::string out;
    for (const std::string& l : lines_) {
      out += l;
      out += '\n';
    }
    return out;
  }

  std::string expression(const ast::Expr& e) {
    open(0, 0);
    expr(e);
    return cur_;
  }

 private:
  // ---- source text ----------------------------------------------------------------

  std::string_view text(SourceRange r) const {
    if (r.begin >= src_.size() || r.end < r.begin) return {};
    return src_.substr(r.begin, std::min<size_t>(r.end, src_.size()) - r.begin);
  }

  // The tokens of `r` with the blanks and comments between them removed: a duration
  // written `1d 12h` becomes `1d12h`, an option value `- 1` becomes `-1`.
  std::string compact(SourceRange r) const {
    std::string_view t = text(r);
    std::string out;
    for (size_t i = 0; i < t.size(); ++i) {
      if (t.compare(i, 2, "//") == 0) {
        while (i < t.size() && t[i] != '\n') ++i;
      } else if (t.compare(i, 2, "/*") == 0) {
        size_t close = t.find("*/", i + 2);
        i = close == std::string_view::npos ? t.size() : close + 1;
      } else if (t[i] != ' ' && t[i] != '\t' && t[i] != '\r' && t[i] != '\n' && t[i] != '\f') {
        out += t[i];
      }
    }
    return out;
  }

  // A comment as printed: CRs dropped and no trailing blanks on any of its lines; the
  // lines after the first of a `/* */` comment keep their own indentation.
  std::string commentText(SourceRange c) const {
    std::string out;
    for (char ch : text(c)) {
      if (ch == '\r') continue;
      if (ch == '\n') rstrip(out);
      out += ch;
    }
    rstrip(out);
    return out;
  }

  bool isInline(SourceRange c) const {
    std::string_view t = text(c);
    return t.starts_with("/*") && t.find('\n') == std::string_view::npos;
  }

  static void rstrip(std::string& s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\f')) s.pop_back();
  }

  // Whether the source has a blank line between the last thing printed and `begin`.
  bool blankBefore(uint32_t begin) const {
    if (begin <= lastEnd_ || lastEnd_ >= src_.size()) return false;
    std::string_view gap = src_.substr(lastEnd_, std::min<size_t>(begin, src_.size()) - lastEnd_);
    return std::count(gap.begin(), gap.end(), '\n') >= 2;
  }

  // Where the token after `from` is (skipping blanks and comments): the position of a
  // keyword or brace the AST does not record.
  uint32_t tokenAfter(uint32_t from) const {
    for (size_t i = from; i < src_.size(); ++i) {
      char c = src_[i];
      if (src_.compare(i, 2, "//") == 0) {
        while (i < src_.size() && src_[i] != '\n') ++i;
      } else if (src_.compare(i, 2, "/*") == 0) {
        size_t close = src_.find("*/", i + 2);
        if (close == std::string_view::npos) break;
        i = close + 1;
      } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f') {
        return static_cast<uint32_t>(i);
      }
    }
    throw std::runtime_error("no token where the parser found one");
  }
  uint32_t braceAfter(uint32_t from) const {
    uint32_t pos = tokenAfter(from);
    if (src_[pos] != '{') throw std::runtime_error("no '{' where the parser found one");
    return pos;
  }

  static uint32_t lastChar(SourceRange r) { return r.end > 0 ? r.end - 1 : 0; }

  // ---- lines and comments ---------------------------------------------------------

  static std::string indent(unsigned level) { return std::string(level * kIndent, ' '); }

  // The blank line before the next element (comment line or item), if any.
  void separate(uint32_t begin) {
    if (!lines_.empty() && (forceBlank_ || (!blockStart_ && blankBefore(begin))))
      lines_.emplace_back();
    forceBlank_ = blockStart_ = false;
  }

  // Comments before `until` that are not yet printed, each on its own line.
  void ownLineComments(uint32_t until, unsigned level) {
    while (next_ < comments_.size() && comments_[next_].begin < until) {
      SourceRange c = comments_[next_++];
      separate(c.begin);
      lines_.push_back(indent(level) + commentText(c));
      lastEnd_ = c.end;
    }
  }

  // Starts a line at `level`; comments hoisted out of it go before it, at `hoistLevel`.
  void open(unsigned level, unsigned hoistLevel) {
    cur_ = indent(level);
    hoisted_.clear();
    hoistLevel_ = hoistLevel;
  }

  // Emits the comments before source position `pos` (the next token printed).
  void at(uint32_t pos) {
    while (next_ < comments_.size() && comments_[next_].begin < pos) {
      SourceRange c = comments_[next_++];
      if (!isInline(c)) {
        hoisted_.push_back(commentText(c));
        continue;
      }
      if (!cur_.empty() && cur_.back() != ' ' && cur_.back() != '(' && cur_.back() != '[') cur_ += ' ';
      cur_ += commentText(c);
      cur_ += ' ';
    }
  }

  // Ends the line whose last token ends at source position `end`: comments still
  // pending before it are hoisted, those right after it on its source line are kept.
  void close(uint32_t end) {
    while (next_ < comments_.size() && comments_[next_].begin < end)
      hoisted_.push_back(commentText(comments_[next_++]));
    rstrip(cur_);
    uint32_t pos = end;
    while (next_ < comments_.size()) {
      SourceRange c = comments_[next_];
      if (c.begin < pos || c.begin > src_.size()) break;
      std::string_view gap = src_.substr(pos, c.begin - pos);
      if (gap.find_first_not_of(" \t\f") != std::string_view::npos) break;
      cur_ += ' ';
      cur_ += commentText(c);
      pos = c.end;
      ++next_;
    }
    for (const std::string& h : hoisted_) lines_.push_back(indent(hoistLevel_) + h);
    hoisted_.clear();
    lines_.push_back(std::move(cur_));
    cur_.clear();
    lastEnd_ = std::max(lastEnd_, pos);
  }

  // Leading comments and the blank line of an item starting at `begin`, then its line.
  void item(uint32_t begin, unsigned level) {
    ownLineComments(begin, level);
    separate(begin);
    open(level, level);
  }

  // The comments before the `}` at `brace` of a block at `level`, then the `}` line
  // (left open for `} else …`).
  void closeBlock(uint32_t brace, unsigned level) {
    ownLineComments(brace, level + 1);
    blockStart_ = false;
    open(level, level + 1);
    cur_ += '}';
  }

  void openBlock(uint32_t brace) {
    at(brace);
    cur_ += '{';
    close(brace + 1);
    blockStart_ = true;
  }

  void tok(SourceRange r) {
    at(r.begin);
    cur_ += text(r);
  }

  // ---- declarations ---------------------------------------------------------------

  void importDecl(const ast::ImportDecl& i) {
    open(0, 0);
    at(i.range.begin);
    cur_ += "import ";
    tok(i.pathRange);
    close(i.range.end);
  }

  void entity(const ast::EntityDecl& e) {
    open(0, 0);
    at(e.range.begin);
    cur_ += e.isExtend ? "extend entity " : "entity ";
    at(e.nameRange.begin);
    cur_ += e.name;
    if (e.displayRange.valid()) {
      cur_ += ' ';
      tok(e.displayRange);
    }
    cur_ += ' ';
    openBlock(braceAfter(e.displayRange.valid() ? e.displayRange.end : e.nameRange.end));
    for (const ast::FieldDecl& f : e.fields) {
      item(f.range.begin, 1);
      at(f.nameRange.begin);
      cur_ += f.name;
      cur_ += ": ";
      typeRef(f.type);
      if (f.readonly) cur_ += " readonly";
      if (f.displayRange.valid()) {
        cur_ += ' ';
        tok(f.displayRange);
      }
      close(f.range.end);
    }
    closeBlock(lastChar(e.range), 0);
    close(e.range.end);
  }

  // `calendar "NAME" {` and one line per item, in the order written: `zone "…"`,
  // `hours mon-fri 09:00-12:00, 13:00-17:00`, `holiday "…" RULE [observed [next]] [+ Nd]`.
  void calendar(const ast::CalendarDecl& c) {
    open(0, 0);
    at(c.keyword.begin);
    cur_ += "calendar ";
    tok(c.nameRange);
    cur_ += ' ';
    openBlock(braceAfter(c.nameRange.end));
    for (const ast::CalendarItem& line : c.items) {
      item(line.range.begin, 1);
      tok(line.keyword);
      cur_ += ' ';
      switch (line.kind) {
        case ast::CalendarItemKind::Zone: tok(line.textRange); break;
        case ast::CalendarItemKind::Hours:
          tok(line.firstDay.range);
          if (line.lastDay) {
            cur_ += '-';
            tok(line.lastDay->range);
          }
          for (size_t i = 0; i < line.ranges.size(); ++i) {
            cur_ += i == 0 ? " " : ", ";
            at(line.ranges[i].range.begin);
            cur_ += compact(line.ranges[i].range);
          }
          break;
        case ast::CalendarItemKind::Holiday:
          tok(line.textRange);
          cur_ += ' ';
          holidayRule(line);
          if (line.observedRange.valid()) {
            cur_ += ' ';
            words(line.observedRange);
          }
          if (line.offsetRange.valid()) {
            at(line.offsetRange.begin);
            std::string offset = compact(line.offsetRange);  // `+1d`
            cur_ += ' ';
            cur_ += offset.substr(0, 1);
            cur_ += ' ';
            cur_ += offset.substr(1);
          }
          break;
      }
      close(line.range.end);
    }
    closeBlock(lastChar(c.range), 0);
    close(c.range.end);
  }

  // `segment "NAME" on ENTITY {` and one line per item, in the order written.
  void segment(const ast::SegmentDecl& g) {
    open(0, 0);
    at(g.keyword.begin);
    cur_ += "segment ";
    tok(g.nameRange);
    cur_ += ' ';
    at(tokenAfter(g.nameRange.end));
    cur_ += "on ";
    at(g.entityRange.begin);
    cur_ += g.entity;
    cur_ += ' ';
    openBlock(braceAfter(g.entityRange.end));
    for (const ast::SegmentItem& it : g.items) {
      item(it.range.begin, 1);
      at(it.keyword.begin);
      switch (it.kind) {
        case ast::SegmentItemKind::Where:
          cur_ += "where ";
          if (it.condition) condition(*it.condition);
          break;
        case ast::SegmentItemKind::Feeds:
          cur_ += "feeds ";
          tok(it.textRange);
          break;
        case ast::SegmentItemKind::Priority:
          cur_ += "priority ";
          tok(it.textRange);
          break;
        case ast::SegmentItemKind::Leave:
          cur_ += "on ";
          words(it.actionRange);
          break;
      }
      close(it.range.end);
    }
    closeBlock(lastChar(g.range), 0);
    close(g.range.end);
  }

  void holidayRule(const ast::CalendarItem& item) {
    switch (item.form) {
      case ast::HolidayForm::Date:
      case ast::HolidayForm::Range:
        at(item.date.range.begin);
        cur_ += compact(item.date.range);
        if (item.form == ast::HolidayForm::Range) {
          cur_ += " to ";
          at(item.endDate.range.begin);
          cur_ += compact(item.endDate.range);
        }
        break;
      default: words(item.ruleRange); break;
    }
  }

  // The words of `r` one blank apart, comments between them in place.
  void words(SourceRange r) {
    std::string_view t = text(r);
    bool first = true;
    for (size_t i = 0; i < t.size();) {
      if (t.compare(i, 2, "//") == 0 || t.compare(i, 2, "/*") == 0) {
        size_t end = t[i + 1] == '/' ? t.find('\n', i) : t.find("*/", i + 2);
        i = end == std::string_view::npos ? t.size() : end + (t[i + 1] == '/' ? 0 : 2);
        continue;
      }
      if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n' || t[i] == '\f') {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < t.size() && t[end] != ' ' && t[end] != '\t' && t[end] != '\r' && t[end] != '\n' &&
             t[end] != '\f' && t.compare(end, 2, "//") != 0 && t.compare(end, 2, "/*") != 0)
        ++end;
      if (!first) cur_ += ' ';
      first = false;
      at(r.begin + static_cast<uint32_t>(i));
      cur_ += t.substr(i, end - i);
      i = end;
    }
  }

  void typeRef(const ast::TypeRef& t) {
    at(t.range.begin);
    switch (t.kind) {
      case ast::TypeRefKind::Named:
        cur_ += t.name;
        if (t.length) {
          cur_ += '(';
          tok(t.lengthRange);
          cur_ += ')';
        }
        break;
      case ast::TypeRefKind::Choice:
        cur_ += "choice { ";
        for (size_t i = 0; i < t.options.size(); ++i) {
          const ast::OptionDecl& o = t.options[i];
          if (i > 0) cur_ += ", ";
          at(o.valueRange.begin);
          cur_ += compact(o.valueRange);
          cur_ += ' ';
          tok(o.labelRange);
        }
        cur_ += " }";
        break;
      case ast::TypeRefKind::Lookup:
        cur_ += "lookup ";
        for (size_t i = 0; i < t.targets.size(); ++i) {
          if (i > 0) cur_ += " | ";
          at(t.targets[i].second.begin);
          cur_ += t.targets[i].first;
        }
        break;
    }
  }

  void sequence(const ast::Sequence& s) {
    open(0, 0);
    at(s.keyword.begin);
    cur_ += "sequence ";
    tok(s.nameRange);
    cur_ += ' ';
    at(tokenAfter(s.nameRange.end));
    cur_ += "on ";
    at(s.entityRange.begin);
    cur_ += s.entity;
    cur_ += ' ';
    openBlock(braceAfter(s.entityRange.end));
    for (const ast::Setting& st : s.settings) setting(st);
    for (const auto& st : s.body.stmts) statement(*st, 1);
    closeBlock(lastChar(s.range), 0);
    close(s.range.end);
  }

  void setting(const ast::Setting& st) {
    item(st.range.begin, 1);
    at(st.range.begin);
    switch (st.kind) {
      case ast::SettingKind::Description:
        cur_ += "description ";
        tok(st.textRange);
        break;
      case ast::SettingKind::Tags:
        cur_ += "tags ";
        for (size_t i = 0; i < st.tags.size(); ++i) {
          if (i > 0) cur_ += ", ";
          tok(st.tags[i].second);
        }
        break;
      case ast::SettingKind::AssignOwner: cur_ += "assign to owner"; break;
      case ast::SettingKind::AssignField:
        cur_ += "assign to field ";
        if (st.field) expr(*st.field);
        break;
      case ast::SettingKind::AssignTeam:
        cur_ += st.teamAccess ? "assign to team access" : "assign to team owner";
        if (st.where) {
          cur_ += " where ";
          expr(*st.where);
        }
        break;
      case ast::SettingKind::ExitOnReply: cur_ += "exit on reply"; break;
      case ast::SettingKind::ExitWhen:
        cur_ += "exit when ";
        if (st.condition) condition(*st.condition);
        break;
      case ast::SettingKind::Calendar:
        cur_ += "calendar ";
        tok(st.textRange);
        break;
      case ast::SettingKind::TimeZone:
        cur_ += "time zone ";
        if (st.zone) expr(*st.zone);
        break;
    }
    close(st.range.end);
  }

  // ---- statements -----------------------------------------------------------------

  void statement(const ast::Stmt& s, unsigned level) {
    uint32_t begin = s.label.empty() ? s.range.begin : std::min(s.labelRange.begin, s.range.begin);
    item(begin, level);
    if (!s.label.empty()) {
      at(s.labelRange.begin);
      cur_ += s.label;
      cur_ += ": ";
    }
    at(s.range.begin);
    if (const auto* a = llvm::dyn_cast<ast::ActivityStmt>(&s)) {
      cur_ += info(a->activity).spelling;
      cur_ += ' ';
      tok(a->titleRange);
      for (const ast::ActivityOption& o : a->options) {
        cur_ += ' ';
        at(o.range.begin);
        switch (o.kind) {
          case ast::ActivityOptionKind::Template: cur_ += "template "; tok(o.textRange); break;
          case ast::ActivityOptionKind::Description: cur_ += "description "; tok(o.textRange); break;
          case ast::ActivityOptionKind::Due: cur_ += "due "; duration(o.due); break;
        }
      }
    } else if (const auto* w = llvm::dyn_cast<ast::WaitStmt>(&s)) {
      cur_ += "wait ";
      duration(w->duration);
    } else if (const auto* i = llvm::dyn_cast<ast::IfStmt>(&s)) {
      ifStmt(*i, level);
    } else if (const auto* st = llvm::dyn_cast<ast::SetStmt>(&s)) {
      cur_ += "set ";
      if (st->target) expr(*st->target);
      cur_ += " = ";
      value(st->value);
    } else if (const auto* l = llvm::dyn_cast<ast::LetStmt>(&s)) {
      cur_ += "let ";
      at(l->nameRange.begin);
      cur_ += l->name;
      cur_ += " = ";
      value(l->value);
    } else if (const auto* as = llvm::dyn_cast<ast::AssignStmt>(&s)) {
      cur_ += as->name;
      cur_ += " = ";
      value(as->value);
    } else if (llvm::isa<ast::EndStmt>(&s)) {
      cur_ += "end";
    } else if (const auto* ad = llvm::dyn_cast<ast::AdvanceStmt>(&s)) {
      cur_ += "advance to ";
      tok(ad->targetRange);
    } else if (const auto* e = llvm::dyn_cast<ast::ExperimentStmt>(&s)) {
      cur_ += "experiment ";
      tok(e->nameRange);
      cur_ += ' ';
      openBlock(braceAfter(e->nameRange.end));
      for (const ast::ExperimentItem& it : e->items) experimentItem(it, level + 1);
      closeBlock(lastChar(s.range), level);
    }
    close(s.range.end);
  }

  void experimentItem(const ast::ExperimentItem& it, unsigned level) {
    static constexpr std::string_view kWords[] = {"variant", "metric", "baseline", "mde", "alpha", "power"};
    item(it.range.begin, level);
    at(it.range.begin);
    cur_ += kWords[static_cast<size_t>(it.kind)];
    cur_ += ' ';
    if (it.kind == ast::ExperimentItemKind::Variant) {
      at(it.nameRange.begin);
      cur_ += it.name;
      cur_ += ' ';
      tok(it.weightRange);
      cur_ += ' ';
      openBlock(it.body.range.begin);
      for (const auto& st : it.body.stmts) statement(*st, level + 1);
      closeBlock(lastChar(it.body.range), level);
    } else {
      condition(it.value);
    }
    close(it.range.end);
  }

  void ifStmt(const ast::IfStmt& s, unsigned level) {
    for (size_t k = 0; k < s.arms.size(); ++k) {
      const ast::IfArm& arm = s.arms[k];
      if (k > 0) {
        closeBlock(lastChar(s.arms[k - 1].body.range), level);
        elseKeyword(s.arms[k - 1].body.range.end);
      }
      at(arm.keyword.begin);
      cur_ += "if ";
      condition(arm.condition);
      cur_ += ' ';
      openBlock(arm.body.range.begin);
      for (const auto& st : arm.body.stmts) statement(*st, level + 1);
    }
    if (s.elseBlock) {
      closeBlock(lastChar(s.arms.empty() ? s.range : s.arms.back().body.range), level);
      elseKeyword(s.arms.empty() ? s.range.end : s.arms.back().body.range.end);
      openBlock(s.elseBlock->range.begin);
      for (const auto& st : s.elseBlock->stmts) statement(*st, level + 1);
      closeBlock(lastChar(s.elseBlock->range), level);
    } else {
      closeBlock(lastChar(s.arms.empty() ? s.range : s.arms.back().body.range), level);
    }
    // statement() closes the last `}` line.
  }

  // ` else ` after the `}` that ends at `blockEnd`.
  void elseKeyword(uint32_t blockEnd) {
    cur_ += ' ';
    at(tokenAfter(blockEnd));
    cur_ += "else ";
  }

  void condition(const ast::Condition& c) {
    if (c.expr) expr(*c.expr);
    if (c.within) {
      cur_ += ' ';
      at(c.withinKeyword.begin);
      cur_ += "within ";
      duration(*c.within);
    }
  }

  void duration(const ast::Duration& d) {
    at(d.range.begin);
    if (d.countRange.valid()) {  // `N business days`
      tok(d.countRange);
      cur_ += " business ";
      tok(d.unitRange);
      return;
    }
    cur_ += compact(d.range);
  }

  // ---- expressions ----------------------------------------------------------------

  void value(const std::unique_ptr<ast::Expr>& e) {
    if (!e) throw std::runtime_error("a statement without its expression");
    expr(*e);
  }

  void expr(const ast::Expr& e) {
    at(e.range.begin);
    cur_.append(e.parens, '(');
    switch (e.kind) {
      case ast::ExprKind::IntLit:
      case ast::ExprKind::DecimalLit:
      case ast::ExprKind::StringLit:
      case ast::ExprKind::BoolLit:
      case ast::ExprKind::NullLit:
      case ast::ExprKind::Name:
        cur_ += text(e.range);
        break;
      case ast::ExprKind::DurationLit: cur_ += compact(e.range); break;
      case ast::ExprKind::Member: {
        const auto& m = llvm::cast<ast::MemberExpr>(e);
        cur_ += m.object;
        cur_ += '.';
        cur_ += m.member;
        break;
      }
      case ast::ExprKind::Call: {
        const auto& c = llvm::cast<ast::CallExpr>(e);
        cur_ += c.callee;
        cur_ += '(';
        list(c.args);
        cur_ += ')';
        break;
      }
      case ast::ExprKind::Unary: {
        const auto& u = llvm::cast<ast::UnaryExpr>(e);
        cur_ += u.op == ast::UnaryOp::Not ? "not " : "-";
        value(u.operand);
        break;
      }
      case ast::ExprKind::Binary: {
        const auto& b = llvm::cast<ast::BinaryExpr>(e);
        value(b.lhs);
        cur_ += ' ';
        at(b.opRange.begin);
        cur_ += ast::spelling(b.op);
        cur_ += ' ';
        value(b.rhs);
        break;
      }
      case ast::ExprKind::In: {
        const auto& in = llvm::cast<ast::InExpr>(e);
        value(in.lhs);
        cur_ += " in [";
        list(in.items);
        cur_ += ']';
        break;
      }
      case ast::ExprKind::Error: throw std::runtime_error("an erroneous expression");
    }
    cur_.append(e.parens, ')');
  }

  void list(const std::vector<std::unique_ptr<ast::Expr>>& items) {
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) cur_ += ", ";
      value(items[i]);
    }
  }

  std::string_view src_;
  const std::vector<SourceRange>& comments_;
  size_t next_ = 0;                  // the first comment not yet printed
  std::vector<std::string> lines_;   // finished output lines (a comment may span several)
  std::string cur_;                  // the line being built
  std::vector<std::string> hoisted_; // comments moved out of it
  unsigned hoistLevel_ = 0;
  uint32_t lastEnd_ = 0;             // source end of what was printed last (blank lines)
  bool blockStart_ = false;          // right after a `{`: no blank line
  bool forceBlank_ = false;          // between declarations: a blank line
};

// Parses `id` and formats it; nullopt (with diagnostics) unless it parses cleanly.
std::optional<std::string> formatParsed(const SourceManager& sm, FileId id, DiagnosticEngine& diags) {
  std::optional<std::string> out;
  const SourceFile& src = sm.file(id);
  if (src.text().size() > kMaxFileBytes) {
    diags.report(DiagKind::FileError, {}, "'{}' is larger than the {} MiB limit", src.path(),
                 kMaxFileBytes >> 20);
    return out;
  }
  runWithLargeStack([&] {
    try {
      size_t before = diags.errorCount();
      std::unique_ptr<ast::File> file = parseFile(sm, id, diags);
      if (diags.errorCount() != before || !file) return;
      std::string text = formatFile(src, *file);
      // A safety net: the result must parse cleanly with every comment, or the file is
      // left alone.
      SourceManager check;
      DiagnosticEngine checkDiags;
      FileId again = check.add(src.path(), text);
      std::unique_ptr<ast::File> reparsed = parseFile(check, again, checkDiags);
      if (checkDiags.hasErrors() || !reparsed || reparsed->comments.size() != file->comments.size()) {
        diags.report(DiagKind::FileError, {}, "internal error: formatting '{}' would change it; "
                     "left as it is", src.path());
        return;
      }
      out = std::move(text);
    } catch (const std::exception& e) {
      diags.report(DiagKind::FileError, {}, "internal error formatting '{}': {}", src.path(), e.what());
    } catch (...) {
      diags.report(DiagKind::FileError, {}, "internal error formatting '{}'", src.path());
    }
  });
  return out;
}

}  // namespace

std::string formatFile(const SourceFile& source, const ast::File& file) {
  Printer p(source.text(), file.comments);
  // A byte order mark stays: the file keeps what its editor wrote.
  return std::string(utf8::startsWithBom(source.text()) ? utf8::kBom : "") + p.file(file);
}

std::string formatExpr(std::string_view text, const ast::Expr& e) {
  static const std::vector<SourceRange> kNoComments;
  Printer p(text, kNoComments);
  return p.expression(e);
}

std::optional<std::string> formatSource(SourceManager& sources, const std::string& path,
                                        std::string_view text, DiagnosticEngine& diags) {
  try {
    FileId id = sources.add(path, std::string(text));
    return formatParsed(sources, id, diags);
  } catch (...) {  // out of memory copying the text
    diags.report(DiagKind::FileError, {}, "cannot format '{}'", path);
    return std::nullopt;
  }
}

std::optional<std::string> formatSource(const std::string& path, std::string_view text,
                                        DiagnosticEngine& diags) {
  SourceManager sources;
  return formatSource(sources, path, text, diags);
}

}  // namespace seqc
