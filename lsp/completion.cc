// Completion (Analysis::complete): reads the tokens around the cursor rather than the
// AST, so it works on half-typed text (`if lead.` is a syntax error). What a name is —
// the sequence's entity, a step label and its kind, a variable — comes from the same
// tokens; field and option lists come from the compilation's schema.
#include <algorithm>
#include <cctype>
#include <functional>
#include <optional>
#include <set>

#include <fmt/core.h>
#include <llvm/Support/Casting.h>

#include "compiler/parser.h"
#include "compiler/schema.h"
#include "seqc/calendar/zone.h"
#include "seqc/format/bytecode.h"
#include "seqc/support/quote.h"
#include "lsp/analysis.h"

namespace seqc::lsp {

namespace {

enum class Tok : uint8_t { Ident, String, Number, Punct };

struct Token {
  Tok type;
  uint32_t begin, end;
  std::string_view text;
  bool closed = true;  // String: has its closing quote
};

// Tokens of the text as the compiler's lexer sees them, comments dropped.
std::vector<Token> lex(std::string_view s) {
  std::vector<Token> out;
  for (const LexToken& t : lexSource(s)) {
    Tok type = Tok::Punct;
    switch (t.kind) {
      case TokenKind::Comment: continue;
      case TokenKind::Name:
      case TokenKind::Keyword: type = Tok::Ident; break;
      case TokenKind::String:
      case TokenKind::OpenString: type = Tok::String; break;
      case TokenKind::Number: type = Tok::Number; break;
      case TokenKind::Punct:
      case TokenKind::Bad: type = Tok::Punct; break;
    }
    out.push_back({type, t.begin, t.end, s.substr(t.begin, t.end - t.begin), t.kind != TokenKind::OpenString});
  }
  return out;
}

std::string unquote(std::string_view literal) {
  std::string out;
  decodeStringLiteral(literal, out);
  return out;
}

// The sequence around the cursor as the tokens show it.
struct SeqContext {
  std::string name, entity;
  size_t bodyBegin = 0, bodyEnd = 0;  // token indices: after `{`, at the closing `}`
};

// Activity kind spelled by the tokens at `i` (email, auto email, linkedin research, …).
std::optional<ActivityKind> activityAt(const std::vector<Token>& t, size_t i) {
  if (i >= t.size() || t[i].type != Tok::Ident) return std::nullopt;
  std::string_view w = t[i].text;
  std::string_view next = i + 1 < t.size() ? t[i + 1].text : std::string_view();
  for (size_t k = 0; k < kActivityInfo.size(); ++k) {
    std::string_view sp = kActivityInfo[k].spelling;
    size_t space = sp.find(' ');
    if (space == std::string_view::npos ? sp == w : (sp.substr(0, space) == w && sp.substr(space + 1) == next))
      return static_cast<ActivityKind>(k);
  }
  return std::nullopt;
}

struct Snippet {
  std::string_view label, body, detail;
};

constexpr Snippet kStatementSnippets[] = {
    {"email", "email \"${1:Title}\"", "manual email step"},
    {"auto email", "auto email \"${1:Title}\" template \"${2:template}\"", "automated email (template required)"},
    {"text", "text \"${1:Title}\"", "manual text (SMS) step"},
    {"auto text", "auto text \"${1:Title}\" template \"${2:template}\"", "automated text (template required)"},
    {"call", "call \"${1:Title}\"", "call step, completed with an outcome"},
    {"task", "task \"${1:Title}\"", "task step"},
    {"linkedin research", "linkedin research \"${1:Title}\"", "LinkedIn research step"},
    {"linkedin introduce", "linkedin introduce \"${1:Title}\"", "LinkedIn introduction step"},
    {"linkedin connect", "linkedin connect \"${1:Title}\"", "LinkedIn connection request"},
    {"linkedin inmail", "linkedin inmail \"${1:Title}\"", "LinkedIn InMail step"},
    {"wait", "wait ${1:1d}", "wait a duration (1m … 30d)"},
    {"if", "if ${1:condition} {\n\t$0\n}", "condition"},
    {"if … else", "if ${1:condition} {\n\t$2\n} else {\n\t$0\n}", "condition with else"},
    {"set", "set ${1:entity}.${2:field} = $0", "update a field of the record"},
    {"let", "let ${1:name} = $0", "declare a variable"},
    {"advance to", "advance to \"${1:Sequence}\"", "move the record to another sequence"},
    {"end", "end", "the record completes here"},
};

constexpr Snippet kSettingSnippets[] = {
    {"description", "description \"$1\"", "setting: shown to sellers"},
    {"tags", "tags \"$1\"", "setting: hierarchical tags"},
    {"assign to owner", "assign to owner", "setting: activities go to the record's owner"},
    {"assign to field", "assign to field ${1:entity}.${2:ownerid}", "setting: to the user in a lookup field"},
    {"assign to team owner", "assign to team owner", "setting: to the owner team"},
    {"assign to team access", "assign to team access", "setting: to the access team"},
    {"exit on reply", "exit on reply", "setting: a reply to an email ends the sequence"},
    {"exit when", "exit when $0", "setting: leave when a condition becomes true"},
    {"calendar", "calendar \"$1\"", "setting: the sequence's working calendar"},
    {"time zone", "time zone ${1:lead}.$0", "setting: the record's own time zone (needs a calendar)"},
};

constexpr Snippet kCalendarSnippets[] = {
    {"zone", "zone \"$1\"", "the calendar's IANA time zone"},
    {"hours", "hours ${1:mon-fri} ${2:09:00-17:00}", "working hours of days of the week"},
    {"holiday", "holiday \"${1:Name}\" ${2:jan 1}", "a holiday: `jan 1`, `2026-03-12`, `4th thu of nov`, `easter`, …"},
};

constexpr Snippet kTopSnippets[] = {
    {"sequence", "sequence \"${1:Name}\" on ${2:lead} {\n\t$0\n}", "a sequence"},
    {"entity", "entity ${1:name} \"${2:Display name}\" {\n\t$0\n}", "a custom entity"},
    {"extend entity", "extend entity ${1:lead} {\n\t$0\n}", "custom fields on an entity"},
    {"calendar", "calendar \"${1:Name}\" {\n\tzone \"${2:America/New_York}\"\n\thours ${3:mon-fri 09:00-17:00}\n\t$0\n}",
     "a working calendar: zone, hours, holidays"},
    {"import", "import \"$1\"", "import another file"},
};

constexpr std::string_view kExpressionKeywords[] = {"and", "or", "not", "in", "within", "true", "false", "null"};

}  // namespace

std::vector<CompletionItem> Analysis::complete(uint32_t offset, const Analysis* lastClean) const {
  std::vector<CompletionItem> items;
  std::string_view src = text();
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(src.size()));
  std::vector<Token> toks = lex(src);

  // Inside a comment: nothing. (Comments are not tokens: find whether one covers offset.)
  {
    size_t i = 0;
    while (i < src.size() && i < offset) {
      if (src[i] == '"') {
        ++i;
        while (i < src.size() && src[i] != '"' && src[i] != '\n') i += src[i] == '\\' ? 2 : 1;
        ++i;
      } else if (src.substr(i, 2) == "//") {
        size_t e = src.find('\n', i);
        if (e == std::string_view::npos || e >= offset) return items;
        i = e;
      } else if (src.substr(i, 2) == "/*") {
        size_t e = src.find("*/", i + 2);
        if (e == std::string_view::npos || e + 2 > offset) return items;
        i = e + 2;
      } else {
        ++i;
      }
    }
  }

  // The token the cursor is in or right after, and the tokens before it.
  size_t cur = toks.size();  // index of the token being typed, or toks.size() if none
  size_t before = 0;         // number of tokens entirely before the cursor (excluding cur)
  for (size_t i = 0; i < toks.size(); ++i) {
    const Token& t = toks[i];
    if (t.begin >= offset) break;
    bool inside = offset < t.end || (offset == t.end && (t.type == Tok::Ident || t.type == Tok::Number)) ||
                  (t.type == Tok::String && !t.closed && offset <= t.end);
    if (inside) {
      cur = i;
      break;
    }
    before = i + 1;
  }
  auto prev = [&](size_t k) -> const Token* {  // k-th token before the cursor's, 1-based
    return before >= k ? &toks[before - k] : nullptr;
  };
  auto is = [&](const Token* t, std::string_view s) { return t && t->text == s; };

  // Sequences in the tokens, and the one around the cursor.
  std::vector<SeqContext> seqs;
  std::optional<SeqContext> here;
  bool inCalendar = false;  // the cursor is in a `calendar "…" { … }` body
  {
    int depth = 0;
    std::optional<SeqContext> open;
    int64_t calendarOpen = -1;  // where the open calendar's body starts; -1: none
    for (size_t i = 0; i < toks.size(); ++i) {
      const Token& t = toks[i];
      if (t.type == Tok::Punct && t.text == "{") {
        if (depth == 0 && i >= 4 && toks[i - 4].text == "sequence" && toks[i - 3].type == Tok::String &&
            toks[i - 2].text == "on" && toks[i - 1].type == Tok::Ident)
          open = SeqContext{unquote(toks[i - 3].text), std::string(toks[i - 1].text), i + 1, toks.size()};
        if (depth == 0 && i >= 2 && toks[i - 2].text == "calendar" && toks[i - 1].type == Tok::String)
          calendarOpen = t.end;
        ++depth;
      } else if (t.type == Tok::Punct && t.text == "}") {
        if (depth > 0) --depth;
        if (depth == 0 && calendarOpen >= 0) {
          if (calendarOpen <= offset && offset <= t.begin) inCalendar = true;
          calendarOpen = -1;
        }
        if (depth == 0 && open) {
          open->bodyEnd = i;
          seqs.push_back(*open);
          open.reset();
        }
      } else if (depth > 0 && t.type == Tok::Ident &&
                 (t.text == "sequence" || t.text == "entity" || t.text == "import" || t.text == "calendar") &&
                 i > 0 && toks[i - 1].text == "}") {
        // A new declaration after a closing brace: the braces before were unbalanced.
        if (open) {
          open->bodyEnd = i;
          seqs.push_back(*open);
          open.reset();
        }
        depth = 0;
      }
    }
    if (open) seqs.push_back(*open);
    if (calendarOpen >= 0 && calendarOpen <= offset) inCalendar = true;
    for (const SeqContext& s : seqs) {
      uint32_t b = toks[s.bodyBegin - 1].end;
      uint32_t e = s.bodyEnd < toks.size() ? toks[s.bodyEnd].begin : static_cast<uint32_t>(src.size());
      if (b <= offset && offset <= e) here = s;
    }
  }

  // Labels (with their kind) and variables of the sequence around the cursor.
  struct LabelInfo {
    std::string name;
    std::optional<ActivityKind> kind;
  };
  std::vector<LabelInfo> labels;
  std::vector<std::string> variables;
  if (here) {
    for (size_t i = here->bodyBegin; i + 1 < here->bodyEnd && i + 1 < toks.size(); ++i) {
      if (i == cur) continue;
      if (toks[i].type == Tok::Ident && toks[i + 1].text == ":" &&
          !(i > 0 && (toks[i - 1].text == "." || toks[i - 1].text == ":")))
        labels.push_back({std::string(toks[i].text), activityAt(toks, i + 2)});
      if (toks[i].text == "let" && toks[i + 1].type == Tok::Ident && i + 1 != cur)
        variables.emplace_back(toks[i + 1].text);
    }
    // What the last clean parse knew of this sequence (labels since mistyped away).
    if (lastClean && lastClean->compilation_->program())
      for (const auto& info : lastClean->compilation_->program()->sequences) {
        if (!info.decl || info.decl->name != here->name || info.decl->range.file != lastClean->main_) continue;
        std::function<void(const ast::Block&)> walk = [&](const ast::Block& b) {
          for (const auto& st : b.stmts) {
            if (!st) continue;
            if (!st->label.empty()) {
              auto* a = llvm::dyn_cast<ast::ActivityStmt>(st.get());
              std::optional<ActivityKind> kind = a ? std::optional(a->activity) : std::nullopt;
              auto it = std::find_if(labels.begin(), labels.end(), [&](const LabelInfo& l) { return l.name == st->label; });
              if (it == labels.end())
                labels.push_back({st->label, kind});
              else if (!it->kind)
                it->kind = kind;  // the tokens no longer say what the step is
            }
            if (auto* i = llvm::dyn_cast<ast::IfStmt>(st.get())) {
              for (const ast::IfArm& arm : i->arms) walk(arm.body);
              if (i->elseBlock) walk(*i->elseBlock);
            }
          }
        };
        walk(info.decl->body);
      }
  }

  auto schemaFind = [&](std::string_view name) -> const EntityInfo* {
    if (const Program* p = compilation_->program())
      if (const EntityInfo* e = p->schema.find(name)) return e;
    if (lastClean && lastClean->compilation_->program()) return lastClean->compilation_->program()->schema.find(name);
    return nullptr;
  };
  auto calendarNames = [&]() {
    std::vector<std::pair<std::string, std::string>> names;  // name, zone
    for (const Analysis* a : {this, lastClean})
      if (a && a->compilation_->program())
        for (const auto& kv : a->compilation_->program()->calendarByName) {
          std::string n(kv.getKey()), zone;
          for (const ast::CalendarItem& item : kv.getValue()->items)
            if (item.kind == ast::CalendarItemKind::Zone) zone = item.text;
          if (std::none_of(names.begin(), names.end(), [&](const auto& x) { return x.first == n; }))
            names.emplace_back(n, zone);
        }
    std::sort(names.begin(), names.end());
    return names;
  };
  auto sequenceNames = [&]() {
    std::vector<std::pair<std::string, std::string>> names;  // name, entity
    auto addName = [&](const std::string& n, const std::string& e) {
      if (!n.empty() && std::none_of(names.begin(), names.end(), [&](const auto& x) { return x.first == n; }))
        names.emplace_back(n, e);
    };
    for (const SeqContext& s : seqs) addName(s.name, s.entity);
    for (const Analysis* a : {this, lastClean})
      if (a && a->compilation_->program())
        for (const auto& info : a->compilation_->program()->sequences)
          if (info.decl) addName(info.decl->name, info.decl->entity);
    return names;
  };

  // ---- inside a string ----
  if (cur < toks.size() && toks[cur].type == Tok::String) {
    const Token& s = toks[cur];
    uint32_t rb = s.begin + 1;
    uint32_t re = s.closed ? s.end - 1 : s.end;
    if (offset > re) return items;
    auto value = [&](std::string label, CompletionKind kind, std::string detail) {
      CompletionItem it;
      it.insertText = label;
      it.label = std::move(label);
      it.kind = kind;
      it.detail = std::move(detail);
      it.replaceBegin = rb;
      it.replaceEnd = re;
      items.push_back(std::move(it));
    };
    if (is(prev(1), "to") && is(prev(2), "advance")) {
      for (const auto& [n, e] : sequenceNames())
        if (!here || n != here->name) value(n, CompletionKind::Sequence, "sequence on " + e);
      return items;
    }
    // `calendar "…"` in a sequence (at the top level it declares a new name).
    if (is(prev(1), "calendar") && here) {
      for (const auto& [n, zone] : calendarNames()) value(n, CompletionKind::Calendar, "calendar in " + zone);
      return items;
    }
    // `zone "…"` in a calendar, `time zone "…"` in a sequence.
    if (is(prev(1), "zone") && (inCalendar || (here && is(prev(2), "time")))) {
      for (const std::string& z : cal::Zone::names()) value(z, CompletionKind::Zone, "time zone");
      return items;
    }
    // The choice field the string is compared with or assigned to: `E.F ==`, `E.F !=`,
    // `set E.F =`, `E.F in [ "…", `.
    size_t k = 1;
    if (is(prev(1), "[") || is(prev(1), ",")) {
      while (prev(k) && (prev(k)->type == Tok::String || is(prev(k), ","))) ++k;
      if (!is(prev(k), "[") || !is(prev(k + 1), "in")) return items;
      k += 2;
    } else if (is(prev(1), "==") || is(prev(1), "!=") || is(prev(1), "=")) {
      k = 2;
    } else {
      return items;
    }
    if (!(prev(k) && prev(k)->type == Tok::Ident && is(prev(k + 1), ".") && prev(k + 2) && prev(k + 2)->type == Tok::Ident))
      return items;
    const EntityInfo* e = schemaFind(prev(k + 2)->text);
    const FieldInfo* f = e ? e->field(prev(k)->text) : nullptr;
    if (!f || f->type.kind != TypeKind::Choice) return items;
    for (const OptionInfo& o : f->options)
      value(o.label, CompletionKind::Option, fmt::format("{} = {}", f->display.empty() ? f->name : f->display, o.value));
    return items;
  }

  // The word being typed (replaced by the item) and the tokens before it.
  uint32_t wb = offset, we = offset;
  if (cur < toks.size() && toks[cur].type == Tok::Ident) {
    wb = toks[cur].begin;
    we = std::max<uint32_t>(toks[cur].end, offset);
  } else if (cur < toks.size()) {
    return items;  // in a number or punctuation
  }
  auto item = [&](std::string label, CompletionKind kind, std::string detail, std::string insert = {},
                  bool snippet = false, std::string doc = {}) {
    CompletionItem it;
    it.insertText = insert.empty() ? label : std::move(insert);
    it.label = std::move(label);
    it.kind = kind;
    it.detail = std::move(detail);
    it.documentation = std::move(doc);
    it.snippet = snippet;
    it.replaceBegin = wb;
    it.replaceEnd = we;
    items.push_back(std::move(it));
  };

  // ---- after `X.` ----
  if (is(prev(1), ".")) {
    const Token* obj = prev(2);
    if (!obj || obj->type != Tok::Ident) return items;
    for (const LabelInfo& l : labels)
      if (l.name == obj->text) {
        if (!l.kind) return items;
        switch (info(*l.kind).events) {
          case EventClass::EmailEvents:
          case EventClass::TextEvents:
            for (std::string_view ev : kEngagementEventNames)
              if (acceptsEvent(*l.kind, *parseEngagementEvent(ev)))
                item(std::string(ev), CompletionKind::Event, fmt::format("event of {} step", info(*l.kind).spelling));
            break;
          case EventClass::CallOutcomes:
            for (std::string_view oc : kCallOutcomeNames) item(std::string(oc), CompletionKind::Event, "call outcome");
            break;
          case EventClass::NoEvents: break;
        }
        return items;
      }
    if (const EntityInfo* e = schemaFind(obj->text)) {
      for (const auto& f : e->fields)
        item(f->name, CompletionKind::Field,
             f->display.empty() ? typeName(f->type) : fmt::format("{} · {}", f->display, typeName(f->type)));
    }
    return items;
  }

  // ---- after `advance to` ----
  if (is(prev(1), "to") && is(prev(2), "advance")) {
    for (const auto& [n, e] : sequenceNames())
      if (!here || n != here->name) item(n, CompletionKind::Sequence, "sequence on " + e, seqc::quoted(n));
    return items;
  }

  // ---- after `calendar` in a sequence ----
  if (is(prev(1), "calendar") && here) {
    for (const auto& [n, zone] : calendarNames())
      item(n, CompletionKind::Calendar, "calendar in " + zone, seqc::quoted(n));
    return items;
  }
  // ---- `wait 2 |`, `due 2 |`, `within 2 |` ----
  if (here && prev(1) && prev(1)->type == Tok::Number &&
      std::all_of(prev(1)->text.begin(), prev(1)->text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      (is(prev(2), "wait") || is(prev(2), "due") || is(prev(2), "within"))) {
    item("business days", CompletionKind::Keyword, "working days of the sequence's calendar");
    item("business hours", CompletionKind::Keyword, "open hours of the sequence's calendar");
    return items;
  }
  // ---- in a calendar's body ----
  if (inCalendar) {
    for (const Snippet& s : kCalendarSnippets)
      item(std::string(s.label), CompletionKind::Snippet, std::string(s.detail), std::string(s.body), true);
    return items;
  }

  // ---- anything else: keywords, snippets, names ----
  if (!here) {
    for (const Snippet& s : kTopSnippets)
      item(std::string(s.label), CompletionKind::Snippet, std::string(s.detail), std::string(s.body), true);
    return items;
  }
  // After `on` in an `exit on`, after `assign to`, etc., the fixed continuations.
  if (is(prev(1), "exit")) {
    item("on reply", CompletionKind::Keyword, "setting");
    item("when", CompletionKind::Keyword, "setting");
    return items;
  }
  if (is(prev(1), "auto")) {
    item("email", CompletionKind::Keyword, "automated email");
    item("text", CompletionKind::Keyword, "automated text");
    return items;
  }
  if (is(prev(1), "linkedin")) {
    for (std::string_view w : {"research", "introduce", "connect", "inmail"})
      item(std::string(w), CompletionKind::Keyword, "LinkedIn step");
    return items;
  }
  for (const Snippet& s : kStatementSnippets)
    item(std::string(s.label), CompletionKind::Snippet, std::string(s.detail), std::string(s.body), true);
  for (const Snippet& s : kSettingSnippets)
    item(std::string(s.label), CompletionKind::Snippet, std::string(s.detail), std::string(s.body), true);
  for (std::string_view k : kExpressionKeywords) item(std::string(k), CompletionKind::Keyword, "keyword");
  for (const bc::BuiltinInfo& f : bc::kBuiltinInfo)
    item(std::string(f.name), CompletionKind::Function, "function",
         std::string(f.name) + (f.arity == 0 ? "()" : "($1)"), true);
  if (schemaFind(here->entity)) item(here->entity, CompletionKind::Entity, "the sequence's entity");
  std::set<std::string> seen;
  for (const LabelInfo& l : labels)
    if (seen.insert(l.name).second)
      item(l.name, CompletionKind::Label, l.kind ? fmt::format("{} step", info(*l.kind).spelling) : "label");
  for (const std::string& v : variables)
    if (seen.insert(v).second) item(v, CompletionKind::Variable, "variable");
  return items;
}

}  // namespace seqc::lsp
