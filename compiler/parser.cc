// The ANTLR fence: runs the generated lexer/parser and turns the parse tree into the
// AST at once. No ANTLR type leaves this file, and no exception crosses parseFile().
#include "compiler/parser.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

#include <llvm/Support/ConvertUTF.h>

#include "SeqLexer.h"
#include "SeqParser.h"
#include "seqc/format/activity.h"
#include "seqc/support/suggest.h"
#include "seqc/support/utf8.h"

namespace seqc {
namespace {

using grammar::SeqLexer;
using grammar::SeqParser;
using antlr4::ParserRuleContext;
using antlr4::Token;

struct SyntaxErrorInfo {
  uint32_t offset;
  SourceRange range;
  std::string message;
  std::vector<Note> notes = {};
  DiagKind kind = DiagKind::SyntaxError;
};

// Maps ANTLR's code-point indices to byte offsets (identity for ASCII files).
class OffsetMap {
 public:
  OffsetMap(FileId file, std::string_view text) : file_(file), size_(text.size()) {
    bool ascii = true;
    for (unsigned char c : text)
      if (c >= 0x80) { ascii = false; break; }
    if (ascii) return;
    for (uint32_t i = 0; i < text.size(); ++i)
      if (!utf8::isContinuation(static_cast<unsigned char>(text[i]))) byteOf_.push_back(i);
    byteOf_.push_back(static_cast<uint32_t>(text.size()));
  }
  uint32_t byte(size_t cp) const {
    if (byteOf_.empty()) return static_cast<uint32_t>(std::min(cp, size_));
    return byteOf_[std::min(cp, byteOf_.size() - 1)];
  }
  SourceRange token(const Token* t) const {
    if (!t) return {file_, 0, 0};
    if (t->getType() == Token::EOF) {
      uint32_t b = byte(t->getStartIndex());
      return {file_, b, b};
    }
    return {file_, byte(t->getStartIndex()), byte(t->getStopIndex() + 1)};
  }
  SourceRange span(const Token* a, const Token* b) const {
    SourceRange ra = token(a), rb = token(b);
    if (!b || rb.end < ra.begin) return ra;
    return {file_, ra.begin, rb.end};
  }
  FileId file() const { return file_; }

 private:
  FileId file_;
  size_t size_;
  std::vector<uint32_t> byteOf_;
};

std::string tokenDescription(const antlr4::dfa::Vocabulary& vocab, ssize_t type) {
  switch (type) {
    case -1: return "end of file";
    case SeqLexer::IDENT: return "a name";
    case SeqLexer::STRING: return "a string";
    case SeqLexer::INT: return "an integer";
    case SeqLexer::DECIMAL: return "a number";
    case SeqLexer::DURATION: return "a duration";
    default: {
      auto t = static_cast<size_t>(type);
      return vocab.getLiteralName(t).empty() ? vocab.getSymbolicName(t) : vocab.getLiteralName(t);
    }
  }
}

// A unit as authors spell it out (`2 days`, `3hours`) → the letter a duration uses; 0 if none.
char unitLetter(std::string_view word) {
  static constexpr std::pair<std::string_view, char> kWords[] = {
      {"m", 'm'},    {"min", 'm'},  {"mins", 'm'}, {"minute", 'm'}, {"minutes", 'm'}, {"h", 'h'},
      {"hr", 'h'},   {"hrs", 'h'},  {"hour", 'h'}, {"hours", 'h'},  {"d", 'd'},       {"day", 'd'},
      {"days", 'd'}, {"w", 'w'},    {"week", 'w'}, {"weeks", 'w'}};
  for (auto [w, letter] : kWords)
    if (w == word) return letter;
  return 0;
}

bool isKeywordType(size_t type) { return type >= SeqLexer::IMPORT && type <= SeqLexer::READONLY; }
bool isComparison(size_t type) { return type >= SeqLexer::EQ && type <= SeqLexer::GT; }
static_assert(SeqLexer::EQ + 5 == SeqLexer::GT, "EQ NE LE GE LT GT are consecutive token types");

// Turns ANTLR's complaints into the project's messages. Where the author's intent is
// clear from the tokens around the error (a misspelt keyword, `=` for `==`, a setting
// below a statement, a block left open…) it says what they probably meant, at the token
// that is wrong; the first error per declaration is reported later (see parseFile) so
// recovery noise never reaches the user.
class ErrorCollector : public antlr4::BaseErrorListener {
 public:
  ErrorCollector(const OffsetMap& map, std::vector<SyntaxErrorInfo>& out) : map_(map), out_(out) {}

  void syntaxError(antlr4::Recognizer* recognizer, Token* bad, size_t, size_t,
                   const std::string& antlrMessage, std::exception_ptr e) override {
    auto* parser = dynamic_cast<antlr4::Parser*>(recognizer);
    if (!bad || !parser) {  // lexer errors cannot happen (BAD_CHAR), but be safe
      out_.push_back({0, {map_.file(), 0, 0}, antlrMessage});
      return;
    }
    parser_ = parser;
    stream_ = parser->getTokenStream();
    expected_.clear();
    try {
      expected_ = parser->getExpectedTokens().toList();
    } catch (...) {
    }
    // Where the failed decision began: `emial` of `emial "Hi"`.
    decisionStart_ = nullptr;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (antlr4::NoViableAltException& nv) {
        decisionStart_ = nv.getStartToken();
      } catch (...) {
      }
    }
    SyntaxErrorInfo info = explain(bad);
    info.offset = info.range.begin;
    out_.push_back(std::move(info));
  }

 private:
  SyntaxErrorInfo at(const Token* t, std::string message) const {
    SourceRange r = map_.token(t);
    return {r.begin, r, std::move(message)};
  }
  SyntaxErrorInfo note(SyntaxErrorInfo info, const Token* t, std::string message) const {
    info.notes.push_back({t ? map_.token(t) : info.range, std::move(message)});
    return info;
  }
  bool expects(size_t type) const {
    return std::find(expected_.begin(), expected_.end(), static_cast<ssize_t>(type)) != expected_.end();
  }
  // The neighbouring tokens of the default channel (comments skipped); null past the ends.
  Token* before(const Token* t) const {
    for (size_t i = t->getTokenIndex(); i > 0;) {
      Token* p = stream_->get(--i);
      if (p->getChannel() == Token::DEFAULT_CHANNEL) return p;
    }
    return nullptr;
  }
  Token* after(const Token* t) const {
    for (size_t i = t->getTokenIndex() + 1; i < stream_->size(); ++i) {
      Token* n = stream_->get(i);
      if (n->getChannel() == Token::DEFAULT_CHANNEL) return n;
    }
    return nullptr;
  }
  static bool is(const Token* t, size_t type) { return t && t->getType() == type; }
  // The source text from `a` to `b`, as written.
  static std::string textOf(const Token* a, const Token* b) {
    if (!a || !b || b->getStopIndex() < a->getStartIndex()) return a ? a->getText() : std::string();
    return a->getInputStream()->getText(antlr4::misc::Interval(a->getStartIndex(), b->getStopIndex()));
  }
  // Is the innermost rule being parsed a statement, a block or a sequence body?
  bool atStatementLevel() const {
    auto* ctx = parser_->getContext();
    return dynamic_cast<SeqParser::StmtContext*>(ctx) || dynamic_cast<SeqParser::StmtBodyContext*>(ctx) ||
           dynamic_cast<SeqParser::BlockContext*>(ctx) || dynamic_cast<SeqParser::SequenceDeclContext*>(ctx) ||
           dynamic_cast<SeqParser::SettingContext*>(ctx);
  }
  bool inSequence() const {
    for (auto* ctx = parser_->getContext(); ctx; ctx = dynamic_cast<ParserRuleContext*>(ctx->parent))
      if (dynamic_cast<SeqParser::SequenceDeclContext*>(ctx)) return true;
    return false;
  }
  // The words that may begin a statement or a setting, from the grammar itself.
  std::vector<std::string> statementWords(bool settings) const {
    const antlr4::atn::ATN& atn = parser_->getATN();
    antlr4::misc::IntervalSet first = atn.nextTokens(atn.ruleToStartState[SeqParser::RuleStmtBody]);
    if (settings) first.addAll(atn.nextTokens(atn.ruleToStartState[SeqParser::RuleSetting]));
    return keywords(first.toList());
  }
  // The keywords among token types, as written (the literal name without its quotes).
  std::vector<std::string> keywords(const std::vector<ssize_t>& types) const {
    std::vector<std::string> words;
    for (ssize_t type : types) {
      if (type <= 0 || !isKeywordType(static_cast<size_t>(type))) continue;
      std::string lit = parser_->getVocabulary().getLiteralName(static_cast<size_t>(type));
      if (lit.size() > 2) words.push_back(lit.substr(1, lit.size() - 2));
    }
    return words;
  }
  static std::string_view closest(std::string_view word, const std::vector<std::string>& words) {
    std::vector<std::string_view> views(words.begin(), words.end());
    return closestMatch(word, views);
  }
  // How a setting starts, for messages: `exit on reply`, `assign to team owner`, `time zone`.
  std::string setting(const Token* first) const {
    std::string out = first->getText();
    const Token* t = first;
    for (int i = 0; i < 3; ++i) {
      t = after(t);
      if (!t || t->getLine() != first->getLine()) break;
      bool zone = i == 0 && first->getText() == "time" && t->getText() == "zone";
      if (!isKeywordType(t->getType()) && !zone) break;
      out += " " + t->getText();
    }
    return out;
  }

  SyntaxErrorInfo explain(Token* bad) {
    const auto& vocab = parser_->getVocabulary();
    std::string text = bad->getText();
    Token* prev = before(bad);
    Token* next = after(bad);
    size_t type = bad->getType();

    // `due 3`: the integer is the mistake, not what follows it.
    if (expected_.size() == 1 && expected_[0] == SeqLexer::BUSINESS && is(prev, SeqLexer::INT)) {
      // `wait 2 days`: only the space is wrong.
      if (char letter = unitLetter(text); letter && bad->getLine() == prev->getLine()) {
        SyntaxErrorInfo info = at(prev, fmt::format("a duration is written without a space: `{}{}`",
                                                    prev->getText(), letter));
        info.range = map_.span(prev, bad);
        if (letter == 'd' || letter == 'h')
          return note(std::move(info), prev, fmt::format("or `{} business {}` to count working time only",
                                                         prev->getText(), letter == 'd' ? "days" : "hours"));
        return info;
      }
      return at(prev, fmt::format("'{0}' is not a duration: give it a unit ({0}d, {0}h) or write "
                                  "`{0} business days`",
                                  prev->getText()));
    }
    if (auto lexical = lexicalError(bad)) return *lexical;
    if (type == Token::EOF)
      if (auto open = unclosedBrace()) return *open;

    // `research: task "x"`, `email: …` — a keyword where a label was meant.
    if (isKeywordType(type) && is(next, SeqLexer::COLON) && atStatementLevel())
      return at(bad, fmt::format("'{}' is a keyword and cannot be used as a label", text));
    if (type == SeqLexer::COLON && prev && isKeywordType(prev->getType()))
      return at(prev, fmt::format("'{}' is a keyword and cannot be used as a label", prev->getText()));

    // `exit on reply` below an email: settings come first.
    if (inSequence()) {
      const antlr4::atn::ATN& atn = parser_->getATN();
      for (ssize_t t : atn.nextTokens(atn.ruleToStartState[SeqParser::RuleSetting]).toList())
        if (static_cast<size_t>(t) == type && t != SeqLexer::IDENT) return settingTooLate(bad);
      if (is(decisionStart_, SeqLexer::IDENT) && decisionStart_->getText() == "time" &&
          after(decisionStart_) && after(decisionStart_)->getText() == "zone" && atStatementLevel())
        return settingTooLate(decisionStart_);
    }

    // `emial "Hi"`, `wiat 2d`, `welcome email "x"`, `elif …`, `lead.x = 1`: a word that
    // starts a statement but is not a keyword.
    if (is(decisionStart_, SeqLexer::IDENT) && bad->getTokenIndex() > decisionStart_->getTokenIndex() &&
        atStatementLevel())
      return unknownStatement(decisionStart_, after(decisionStart_));
    // `emial "Hi"`: a word and a string is the shape of `experiment "NAME" { … }`, whose
    // predicate rejects any other word at the word itself.
    if (type == SeqLexer::IDENT && is(next, SeqLexer::STRING) && text != "experiment" && atStatementLevel())
      return unknownStatement(bad, next);

    // `a || b` (`|` is only for lookups)
    if (type == SeqLexer::PIPE && inSequence()) {
      bool doubled = is(next, SeqLexer::PIPE) && next->getStartIndex() == bad->getStopIndex() + 1;
      SyntaxErrorInfo info = at(bad, fmt::format("'{}' is written `or`", doubled ? "||" : "|"));
      if (doubled) info.range = map_.span(bad, next);
      return info;
    }
    // `if lead.budgetamount = 100`
    if (type == SeqLexer::ASSIGN_OP && prev && !is(prev, SeqLexer::LET) && !is(prev, SeqLexer::SET) &&
        !expects(SeqLexer::IDENT))  // after an operand: a comparison was meant
      return at(bad, "'=' sets a value; to compare, write '=='");
    // `set lead.x == 1`, `let n == 1`
    if (type == SeqLexer::EQ && expects(SeqLexer::ASSIGN_OP))
      return at(bad, "'==' compares; `set` and `let` take a single '='");
    // `x <> 1`
    if (type == SeqLexer::GT && is(prev, SeqLexer::LT) && prev->getStopIndex() + 1 == bad->getStartIndex())
      return at(prev, "'<>' is written '!='");
    // `1 < x < 5`
    if (isComparison(type) && !expects(type))
      return at(bad, "comparisons do not chain: join them with `and` (a < b and b < c)");

    // `lead.parentaccountid.revenue`
    if (type == SeqLexer::DOT && prev && before(prev) && is(before(prev), SeqLexer::DOT)) {
      Token* record = before(before(prev));
      SyntaxErrorInfo info = at(bad, fmt::format("fields of related records cannot be read: '{}' refers to "
                                                 "another record, and only {}'s own fields can be used",
                                                 textOf(record, prev),
                                                 record ? record->getText() : std::string("the record")));
      if (next) info.range = map_.span(bad, next);
      return info;
    }

    // `if e.opened within 1d and lead.budgetamount > 100`
    if ((type == SeqLexer::AND || type == SeqLexer::OR))
      if (auto mixed = engagementThenField(bad)) return *mixed;

    // `email Hello`: text that needs quotes.
    if (expected_.size() == 1 && expected_[0] == SeqLexer::STRING &&
        (type == SeqLexer::IDENT || type == SeqLexer::INT || isKeywordType(type))) {
      Token* last = bad;
      for (Token* n = after(bad); n && n->getLine() == bad->getLine() && !isKeywordType(n->getType()) &&
                                  (is(n, SeqLexer::IDENT) || is(n, SeqLexer::INT) || is(n, SeqLexer::DOT) ||
                                   is(n, SeqLexer::MINUS) || is(n, SeqLexer::SLASH));
           n = after(n))
        last = n;
      SyntaxErrorInfo info = at(bad, fmt::format("text is written in double quotes: \"{}\"", textOf(bad, last)));
      info.range = map_.span(bad, last);
      return info;
    }
    // `wait 1.5d`
    if (type == SeqLexer::DECIMAL && expects(SeqLexer::DURATION))
      return at(bad, "a duration counts whole units: use a smaller unit instead of a fraction (`1d12h`, not `1.5d`)");
    // `if x > 1:` (Python), `if x > 1 then`
    if (type == SeqLexer::COLON && expects(SeqLexer::LBRACE))
      return at(bad, "a block is written in braces: `{ … }`, not ':'");
    // One '}' too many: the sequence ended before it.
    if (type == SeqLexer::RBRACE && dynamic_cast<SeqParser::FileContext*>(parser_->getContext()))
      return at(bad, "this '}' closes no block: one '}' too many, or a '{' missing above");
    // `} else email "x"`
    if (is(prev, SeqLexer::ELSE) && type != SeqLexer::LBRACE && type != SeqLexer::IF)
      return at(bad, "`else` is followed by a block in braces (`else { … }`) or by `if`");
    // `x in (1, 2)`
    if (type == SeqLexer::LPAREN && is(prev, SeqLexer::IN))
      return at(bad, "a list is written in brackets: `in [1, 2]`");
    // `sequence "S" {`
    if (type == SeqLexer::LBRACE && expected_.size() == 1 && expected_[0] == SeqLexer::ON)
      return at(bad, "a sequence names its entity: `sequence \"…\" on lead {`");

    // Otherwise the generic form, with "did you mean" when a keyword is near.
    std::string what = type == Token::EOF ? "end of file" : fmt::format("'{}'", text);
    std::string msg = fmt::format("unexpected {}", what);
    if (!expected_.empty() && expected_.size() <= 5) {
      msg += ", expected ";
      for (size_t i = 0; i < expected_.size(); ++i) {
        if (i > 0) msg += i + 1 == expected_.size() ? " or " : ", ";
        msg += tokenDescription(vocab, expected_[i]);
      }
    }
    SyntaxErrorInfo info = at(bad, msg);
    if (type == SeqLexer::IDENT || isKeywordType(type)) {  // `auto emial`, `linkedin conect`
      std::vector<std::string> words = keywords(expected_);
      std::string_view guess = closest(text, words);
      if (!guess.empty() && guess != text) info = note(std::move(info), bad, fmt::format("did you mean '{}'?", guess));
    }
    return info;
  }

  std::optional<SyntaxErrorInfo> lexicalError(Token* bad) const {
    std::string text = bad->getText();
    switch (bad->getType()) {
      case SeqLexer::BAD_NUMBER: {
        SyntaxErrorInfo info = at(bad, fmt::format("invalid number or duration '{}' (a duration is digits "
                                                   "followed by m, h, d or w, with nothing after the unit)",
                                                   text));
        // `2days`, `3hours`, `10min`
        size_t digits = text.find_first_not_of("0123456789");
        std::string unit = text.substr(digits);
        if (char letter = unitLetter(unit))
          info = note(std::move(info), bad, fmt::format("did you mean '{}{}'?", text.substr(0, digits), letter));
        return info;
      }
      case SeqLexer::UNTERMINATED_STRING: return at(bad, "unterminated string (strings end on the same line)");
      case SeqLexer::BAD_ESCAPE_STRING:
        return at(bad, "invalid escape in string (allowed: \\\" \\\\ \\n \\t \\u{HEX})");
      case SeqLexer::UNTERMINATED_COMMENT: return at(bad, "unterminated comment: '/*' without '*/'");
      case SeqLexer::BAD_CHAR: break;
      default: return std::nullopt;
    }
    Token* next = after(bad);
    bool doubled = next && next->getText() == text && next->getStartIndex() == bad->getStopIndex() + 1;
    if (text == "&") {
      SyntaxErrorInfo info = at(bad, fmt::format("'{}' is written `and`", doubled ? "&&" : "&"));
      if (doubled) info.range = map_.span(bad, next);
      return info;
    }
    if (text == "!") return at(bad, "'!' is written `not` ('!=' compares)");
    if (text == ";") return at(bad, "statements end without ';'");
    if (text == "'") return at(bad, "strings are written in double quotes (\"…\"), not single quotes");
    return at(bad, fmt::format("unexpected character '{}'", text));
  }

  // The end of the file inside a block: report the '{' that was left open. When a '}'
  // less indented than its '{' closed it, that '{' is the likely culprit (a '}' forgotten
  // inside, the outer one taken instead); else the innermost '{' still open.
  std::optional<SyntaxErrorInfo> unclosedBrace() const {
    std::vector<Token*> open;
    Token* suspect = nullptr;
    Token* closer = nullptr;
    size_t line = 0, indent = 0;
    std::vector<std::pair<size_t, size_t>> lineIndent;  // (line, indent of its first token)
    auto indentOf = [&](size_t l) {
      auto it = std::lower_bound(lineIndent.begin(), lineIndent.end(), std::pair<size_t, size_t>(l, 0));
      return it != lineIndent.end() && it->first == l ? it->second : size_t{0};
    };
    for (size_t i = 0; i < stream_->size(); ++i) {
      Token* t = stream_->get(i);
      if (t->getChannel() != Token::DEFAULT_CHANNEL || t->getType() == Token::EOF) continue;
      bool firstOnLine = t->getLine() != line;
      if (firstOnLine) {
        line = t->getLine();
        indent = t->getCharPositionInLine();
        lineIndent.emplace_back(line, indent);
      }
      if (t->getType() == SeqLexer::LBRACE) open.push_back(t);
      if (t->getType() == SeqLexer::RBRACE && !open.empty()) {
        Token* o = open.back();
        open.pop_back();
        if (!suspect && firstOnLine && indent < indentOf(o->getLine())) {
          suspect = o;
          closer = t;
        }
      }
    }
    if (open.empty()) return std::nullopt;
    if (suspect) {
      SyntaxErrorInfo info = at(suspect, "this '{' is never closed: the file ends inside the block");
      return note(info, closer, fmt::format("the '}}' on line {} is less indented than the '{{': it seems meant "
                                            "for an enclosing block",
                                            closer->getLine()));
    }
    return at(open.back(), "this '{' is never closed: the file ends inside the block");
  }

  SyntaxErrorInfo settingTooLate(Token* word) const {
    std::string what = setting(word);
    SyntaxErrorInfo info = at(word, fmt::format("`{}` is a setting: settings come before the first statement "
                                                "of the sequence",
                                                what));
    for (auto* ctx = parser_->getContext(); ctx; ctx = dynamic_cast<ParserRuleContext*>(ctx->parent))
      if (auto* seq = dynamic_cast<SeqParser::SequenceDeclContext*>(ctx)) {
        if (!seq->stmt().empty() && seq->stmt(0)->getStart() != word)
          info = note(std::move(info), seq->stmt(0)->getStart(),
                      fmt::format("move `{}` above this first statement", what));
        break;
      }
    return info;
  }

  SyntaxErrorInfo unknownStatement(Token* word, Token* bad) {
    std::string w = word->getText();
    if (w == "elif" || w == "elsif" || w == "elseif" || w == "elsf")
      return at(word, fmt::format("'{}' is written `else if`", w));
    if (w == "then" || w == "do") return at(word, fmt::format("'{}' is not needed: a block is written in braces", w));
    std::vector<std::string> words = statementWords(true);
    for (const std::string& k : words)  // `Email "x"`: keywords are lower case
      if (k.size() == w.size() && std::equal(k.begin(), k.end(), w.begin(), [](char a, char b) {
            return a == std::tolower(static_cast<unsigned char>(b));
          }))
        return note(at(word, fmt::format("unknown statement '{}'", w)), word, fmt::format("did you mean '{}'?", k));
    if (is(bad, SeqLexer::DOT))
      return at(word, fmt::format("a field is updated with `set`: `set {}.… = …`", w));
    if (bad && isKeywordType(bad->getType()))
      return at(word, fmt::format("a label ends with ':': write `{}: {} …`", w, bad->getText()));
    std::string_view guess = closest(w, words);
    if (!guess.empty())
      return note(at(word, fmt::format("unknown statement '{}'", w)), word, fmt::format("did you mean '{}'?", guess));
    std::string list;
    std::vector<std::string> starts = statementWords(false);
    for (size_t i = 0; i < starts.size(); ++i) list += fmt::format("{}{}", i ? ", " : "", starts[i]);
    return at(word, fmt::format("'{}' does not start a statement: expected a label (`name:`), `name = …` or "
                                "one of {}",
                                w, list));
  }

  // `cond within 1d and|or more`: `within` ends an engagement condition.
  std::optional<SyntaxErrorInfo> engagementThenField(Token* op) const {
    Token* end = before(op);
    Token* within = end;
    while (within && !is(within, SeqLexer::WITHIN) &&
           (is(within, SeqLexer::DURATION) || is(within, SeqLexer::INT) || is(within, SeqLexer::BUSINESS) ||
            is(within, SeqLexer::IDENT)))
      within = before(within);
    if (!is(within, SeqLexer::WITHIN)) return std::nullopt;
    Token* start = within;  // back to the `if`, `else if` or `when`
    while (before(start) && !is(before(start), SeqLexer::IF) && !is(before(start), SeqLexer::WHEN))
      start = before(start);
    Token* restFirst = after(op);
    Token* restLast = restFirst;
    bool secondWithin = false;
    int depth = 0;
    for (Token* t = restFirst; t && !is(t, Token::EOF); t = after(t)) {
      if (depth == 0 && (is(t, SeqLexer::LBRACE) || t->getLine() != restFirst->getLine())) break;
      if (is(t, SeqLexer::LPAREN) || is(t, SeqLexer::LBRACKET)) ++depth;
      if (is(t, SeqLexer::RPAREN) || is(t, SeqLexer::RBRACKET)) --depth;
      secondWithin |= is(t, SeqLexer::WITHIN);
      restLast = t;
    }
    std::string first = textOf(start, end), second = restFirst ? textOf(restFirst, restLast) : std::string();
    // `a.opened within 1d or b.clicked`: another event, not a field.
    Token* member = restFirst && is(after(restFirst), SeqLexer::DOT) ? after(after(restFirst)) : nullptr;
    bool event = false;
    for (std::string_view name : kEngagementEventNames) event |= member && member->getText() == name;
    for (std::string_view name : kCallOutcomeNames) event |= member && member->getText() == name;
    if (secondWithin || event) {
      SyntaxErrorInfo info = at(op, "a condition has one `within`, at its end: it applies to all its events");
      return note(info, op, fmt::format("write `if {} {} {}{}`", textOf(start, before(within)), op->getText(),
                                        second, secondWithin ? "" : " " + textOf(within, end)));
    }
    SyntaxErrorInfo info = at(op, fmt::format("engagement conditions cannot be mixed with field conditions: "
                                              "`{}` cannot be joined with `{}`",
                                              first, op->getText()));
    info.kind = DiagKind::MixedCondition;
    if (is(op, SeqLexer::AND))
      return note(info, op, fmt::format("nest the tests: `if {} {{ if {} {{ … }} }}`", first, second));
    return note(info, op, fmt::format("test them in turn: `if {} {{ … }} else if {} {{ … }}`", first, second));
  }

  const OffsetMap& map_;
  std::vector<SyntaxErrorInfo>& out_;
  antlr4::Parser* parser_ = nullptr;
  antlr4::TokenStream* stream_ = nullptr;
  std::vector<ssize_t> expected_;
  Token* decisionStart_ = nullptr;
};

// Builds the AST from the parse tree. After error recovery any child may be null.
class AstBuilder {
 public:
  // `errors`: where a word of the wrong spelling goes (see expectWord), with the
  // parser's own syntax errors.
  AstBuilder(const OffsetMap& map, DiagnosticEngine& diags, std::vector<SyntaxErrorInfo>& errors)
      : map_(map), diags_(diags), errors_(errors) {}

  std::unique_ptr<ast::File> file(SeqParser::FileContext* ctx) {
    auto f = std::make_unique<ast::File>();
    f->id = map_.file();
    if (!ctx) return f;
    for (auto* d : ctx->decl()) {
      if (!d) continue;
      if (auto* i = d->importDecl()) {
        // Error recovery may conjure the path (`import x.seq`): that is no import.
        if (!i->STRING() || i->STRING()->getSymbol()->getTokenIndex() == INVALID_INDEX) continue;
        ast::ImportDecl imp;
        imp.range = range(i);
        if (i->STRING()) {
          imp.path = string(i->STRING()->getSymbol());
          imp.pathRange = map_.token(i->STRING()->getSymbol());
        }
        f->imports.push_back(std::move(imp));
      } else if (auto* e = d->entityDecl()) {
        f->entities.push_back(entity(e, e->name(), e->fieldDecl(), false));
        if (e->display) {
          f->entities.back()->display = string(e->display);
          f->entities.back()->displayRange = map_.token(e->display);
        }
      } else if (auto* x = d->extendDecl()) {
        f->entities.push_back(entity(x, x->name(), x->fieldDecl(), true));
      } else if (auto* c = d->calendarDecl()) {
        f->calendars.push_back(calendar(c));
      } else if (auto* s = d->sequenceDecl()) {
        f->sequences.push_back(sequence(s));
      } else if (auto* g = d->segmentDecl()) {
        f->segments.push_back(segment(g));
      }
    }
    return f;
  }

  // A condition on its own (`parseCondition`).
  ast::Condition conditionOnly(SeqParser::ConditionContext* ctx) { return condition(ctx); }

 private:
  SourceRange range(ParserRuleContext* ctx) const {
    if (!ctx) return {map_.file(), 0, 0};
    return map_.span(ctx->getStart(), ctx->getStop());
  }
  SourceRange range(antlr4::tree::TerminalNode* t) const {
    return t ? map_.token(t->getSymbol()) : SourceRange{map_.file(), 0, 0};
  }
  static std::string name(SeqParser::NameContext* n) { return n ? n->getText() : std::string(); }

  // Decodes a STRING token; reports bad \u escapes.
  std::string string(Token* t) {
    if (!t) return {};
    std::string out;
    if (!decodeStringLiteral(t->getText(), out))
      diags_.report(DiagKind::SyntaxError, map_.token(t), "invalid \\u{{…}} escape: not a Unicode scalar value");
    return out;
  }

  std::optional<int64_t> integer(Token* t) {
    if (!t) return std::nullopt;
    std::string s = t->getText();
    int64_t v = 0;
    for (char c : s) {
      if (v > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) {
        diags_.report(DiagKind::InvalidNumber, map_.token(t),
                      "integer '{}' does not fit in 64 bits", s);
        return std::nullopt;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  ast::Duration duration(SeqParser::DurationContext* ctx) {
    ast::Duration d;
    d.range = range(ctx);
    if (!ctx) return d;
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 2;
    for (auto* t : ctx->DURATION()) {
      std::string s = t->getText();
      int64_t n = 0;
      for (char c : s) {
        if (std::isdigit(static_cast<unsigned char>(c))) {
          n = n * 10 + (c - '0');
          if (n > kMax / (7 * 24 * 60)) {
            diags_.report(DiagKind::InvalidNumber, range(t), "duration '{}' is too large", s);
            d.valid = false;
            return d;
          }
          continue;
        }
        int64_t unit = c == 'm' ? 1 : c == 'h' ? 60 : c == 'd' ? 24 * 60 : 7 * 24 * 60;
        d.minutes += n * unit;
        n = 0;
        if (d.minutes > kMax) {
          diags_.report(DiagKind::InvalidNumber, range(t), "duration is too large");
          d.valid = false;
          return d;
        }
      }
    }
    return d;
  }

  // What `wait`, `within` and `due` take: a duration or `N business days|hours`.
  ast::Duration span(SeqParser::SpanContext* ctx) {
    if (!ctx || ctx->duration()) return duration(ctx ? ctx->duration() : nullptr);
    ast::Duration d;
    d.range = range(ctx);
    d.countRange = range(ctx->INT());
    if (auto n = ctx->INT() ? integer(ctx->INT()->getSymbol()) : std::nullopt)
      d.count = *n;
    else
      d.valid = false;
    if (ctx->unit) {
      d.unitRange = map_.token(ctx->unit);
      std::string u = ctx->unit->getText();
      if (u == "day" || u == "days") d.unit = bc::DurationUnit::BusinessDays;
      else if (u == "hour" || u == "hours") d.unit = bc::DurationUnit::BusinessHours;
      else expectWord(ctx->unit, "'days' or 'hours'");
    }
    if (!d.business()) d.valid = false;
    return d;
  }

  // A word the grammar takes as a name where only `want` may stand (the calendar words
  // are not reserved): anything else is a syntax error, as if the grammar had said it.
  bool expectWord(Token* t, std::string_view expected) {
    if (!t) return false;
    SourceRange r = map_.token(t);
    errors_.push_back({r.begin, r, fmt::format("unexpected '{}', expected {}", t->getText(), expected)});
    return false;
  }
  bool word(Token* t, std::string_view want) {
    if (!t) return false;
    return t->getText() == want || expectWord(t, fmt::format("'{}'", want));
  }
  ast::Word wordOf(antlr4::tree::TerminalNode* n) {
    if (!n) return {};
    return {n->getText(), range(n)};
  }

  // ---- segments -------------------------------------------------------------------

  std::unique_ptr<ast::SegmentDecl> segment(SeqParser::SegmentDeclContext* ctx) {
    auto g = std::make_unique<ast::SegmentDecl>();
    g->range = range(ctx);
    if (ctx->kw) {
      g->keyword = map_.token(ctx->kw);
      word(ctx->kw, "segment");
    }
    if (ctx->STRING()) {
      g->name = string(ctx->STRING()->getSymbol());
      g->nameRange = range(ctx->STRING());
    }
    g->entity = name(ctx->name());
    g->entityRange = range(ctx->name());
    for (auto* item : ctx->segmentItem())
      if (item) g->items.push_back(segmentItem(item));
    return g;
  }

  static constexpr std::string_view kSegmentWords = "'where', 'feeds', 'priority' or 'on leave'";

  ast::SegmentItem segmentItem(SeqParser::SegmentItemContext* ctx) {
    ast::SegmentItem item;
    item.range = range(ctx);
    if (auto* w = dynamic_cast<SeqParser::SegmentWhereContext*>(ctx)) {
      item.kind = ast::SegmentItemKind::Where;
      item.keyword = range(w->WHERE());
      item.condition = condition(w->condition());
    } else if (auto* f = dynamic_cast<SeqParser::SegmentFeedsContext*>(ctx)) {
      item.kind = ast::SegmentItemKind::Feeds;
      item.keyword = map_.token(f->word);
      if (f->word && f->word->getText() != "feeds") expectWord(f->word, kSegmentWords);
      if (f->STRING()) {
        item.text = string(f->STRING()->getSymbol());
        item.textRange = range(f->STRING());
      }
    } else if (auto* p = dynamic_cast<SeqParser::SegmentPriorityContext*>(ctx)) {
      item.kind = ast::SegmentItemKind::Priority;
      item.keyword = map_.token(p->word);
      if (p->word && p->word->getText() != "priority") expectWord(p->word, kSegmentWords);
      if (p->INT()) {
        item.textRange = range(p->INT());
        item.priority = integer(p->INT()->getSymbol());
      }
    } else if (auto* l = dynamic_cast<SeqParser::SegmentLeaveContext*>(ctx)) {
      item.kind = ast::SegmentItemKind::Leave;
      item.keyword = range(l->ON());
      if (l->leave && l->action) item.actionRange = SourceRange::cover(map_.token(l->leave), map_.token(l->action));
      if (word(l->leave, "leave") && l->action && l->action->getText() != "stay") {
        if (l->action->getText() == "disconnect") item.disconnect = true;
        else expectWord(l->action, "'stay' or 'disconnect'");
      }
    }
    return item;
  }

  // ---- calendars ------------------------------------------------------------------

  std::unique_ptr<ast::CalendarDecl> calendar(SeqParser::CalendarDeclContext* ctx) {
    auto c = std::make_unique<ast::CalendarDecl>();
    c->range = range(ctx);
    c->keyword = range(ctx->CALENDAR());
    if (ctx->STRING()) {
      c->name = string(ctx->STRING()->getSymbol());
      c->nameRange = range(ctx->STRING());
    }
    for (auto* item : ctx->calendarItem())
      if (item) c->items.push_back(calendarItem(item));
    return c;
  }

  static constexpr std::string_view kItemWords = "'zone', 'hours' or 'holiday'";

  ast::CalendarItem calendarItem(SeqParser::CalendarItemContext* ctx) {
    ast::CalendarItem item;
    item.range = range(ctx);
    if (auto* z = dynamic_cast<SeqParser::ZoneItemContext*>(ctx)) {
      item.kind = ast::CalendarItemKind::Zone;
      item.keyword = map_.token(z->word);
      if (z->word && z->word->getText() == "holiday")
        errors_.push_back({item.range.end, {item.range.file, item.range.end, item.range.end},
                           "a holiday needs a rule after its name: `jan 1`, `2026-03-12`, "
                           "`4th thu of nov`, `last mon of may` or `easter`"});
      else if (z->word && z->word->getText() != "zone")
        expectWord(z->word, kItemWords);
      if (z->STRING()) {
        item.text = string(z->STRING()->getSymbol());
        item.textRange = range(z->STRING());
      }
    } else if (auto* h = dynamic_cast<SeqParser::HoursItemContext*>(ctx)) {
      item.kind = ast::CalendarItemKind::Hours;
      item.keyword = map_.token(h->word);
      if (h->word && h->word->getText() != "hours") expectWord(h->word, kItemWords);
      if (auto* d = h->days()) {
        auto names = d->IDENT();
        if (!names.empty()) item.firstDay = wordOf(names[0]);
        if (names.size() > 1) item.lastDay = wordOf(names[1]);
      }
      for (auto* cr : h->clockRange()) {
        if (!cr) continue;
        ast::ClockRange r;
        r.range = range(cr);
        auto clocks = cr->clock();
        if (clocks.size() > 0) r.start = clock(clocks[0]);
        if (clocks.size() > 1) r.end = clock(clocks[1]);
        item.ranges.push_back(r);
      }
    } else if (auto* hd = dynamic_cast<SeqParser::HolidayItemContext*>(ctx)) {
      item.kind = ast::CalendarItemKind::Holiday;
      item.keyword = map_.token(hd->word);
      if (hd->word && hd->word->getText() != "holiday") expectWord(hd->word, kItemWords);
      if (hd->STRING()) {
        item.text = string(hd->STRING()->getSymbol());
        item.textRange = range(hd->STRING());
      }
      holidayRule(hd->holidayRule(), item);
      if (auto* o = hd->observance()) {
        item.observedRange = range(o);
        auto words = o->IDENT();
        if (!words.empty() && word(words[0]->getSymbol(), "observed"))
          item.observed = cal::Observed::Observed;
        if (words.size() > 1 && word(words[1]->getSymbol(), "next"))
          item.observed = cal::Observed::ObservedNext;
      }
      if (auto* off = hd->holidayOffset()) {
        item.offsetRange = range(off);
        std::string text = off->DURATION() ? off->DURATION()->getText() : std::string();
        // Whole days only (`1d`, not `1d12h` or `24h`), and no more digits than fit.
        bool days = text.size() >= 2 && text.size() <= 10 && text.back() == 'd' &&
                    std::all_of(text.begin(), text.end() - 1, [](char ch) { return ch >= '0' && ch <= '9'; });
        item.offsetValid = days;
        if (days) item.offsetDays = std::stoll(text.substr(0, text.size() - 1)) * (off->MINUS() ? -1 : 1);
      }
    }
    return item;
  }

  static constexpr std::string_view kRuleWords =
      "a holiday rule (`jan 1`, `2026-03-12`, `4th thu of nov`, `last mon of may`, `easter`)";

  void holidayRule(SeqParser::HolidayRuleContext* ctx, ast::CalendarItem& item) {
    item.ruleRange = range(ctx);
    if (auto* f = dynamic_cast<SeqParser::FixedHolidayContext*>(ctx)) {
      item.form = ast::HolidayForm::Fixed;
      item.month = wordOf(f->IDENT());
      item.numberRange = range(f->INT());
      if (auto n = f->INT() ? integer(f->INT()->getSymbol()) : std::nullopt) item.number = *n;
      else item.numbersValid = false;
    } else if (auto* d = dynamic_cast<SeqParser::DateHolidayContext*>(ctx)) {
      auto dates = d->date();
      item.form = dates.size() > 1 ? ast::HolidayForm::Range : ast::HolidayForm::Date;
      if (!dates.empty()) item.date = date(dates[0]);
      if (dates.size() > 1) item.endDate = date(dates[1]);
    } else if (auto* n = dynamic_cast<SeqParser::NthHolidayContext*>(ctx)) {
      item.form = ast::HolidayForm::Nth;
      auto words = n->IDENT();
      if (n->ORDINAL()) {
        item.ordinal = n->ORDINAL()->getText();
        item.numberRange = range(n->ORDINAL());
      }
      if (words.size() == 3) {
        item.weekday = wordOf(words[0]);
        word(words[1]->getSymbol(), "of");
        item.month = wordOf(words[2]);
      }
    } else if (auto* l = dynamic_cast<SeqParser::LastHolidayContext*>(ctx)) {
      item.form = ast::HolidayForm::Last;
      auto words = l->IDENT();
      if (words.size() == 4) {
        if (words[0]->getText() != "last") expectWord(words[0]->getSymbol(), kRuleWords);
        item.weekday = wordOf(words[1]);
        word(words[2]->getSymbol(), "of");
        item.month = wordOf(words[3]);
      }
    } else if (auto* e = dynamic_cast<SeqParser::EasterHolidayContext*>(ctx)) {
      item.form = ast::HolidayForm::Easter;
      if (e->IDENT() && e->IDENT()->getText() != "easter") expectWord(e->IDENT()->getSymbol(), kRuleWords);
    }
  }

  // `HH:MM`: two digits, `:`, two digits with nothing between them, 00:00 … 24:00.
  ast::ClockTime clock(SeqParser::ClockContext* ctx) {
    ast::ClockTime t;
    t.range = range(ctx);
    if (!ctx || ctx->INT().size() != 2 || !ctx->COLON()) return t;
    std::string h = ctx->INT(0)->getText(), m = ctx->INT(1)->getText();
    SourceRange rh = range(ctx->INT(0)), rc = range(ctx->COLON()), rm = range(ctx->INT(1));
    if (h.size() != 2 || m.size() != 2 || rh.end != rc.begin || rc.end != rm.begin) return t;
    int hours = std::stoi(h), minutes = std::stoi(m);
    if (minutes > 59 || hours > 24 || (hours == 24 && minutes > 0)) return t;
    t.minutes = hours * 60 + minutes;
    return t;
  }

  // `YYYY-MM-DD`: four, two and two digits with nothing between them.
  ast::DateLit date(SeqParser::DateContext* ctx) {
    ast::DateLit d;
    d.range = range(ctx);
    if (!ctx || ctx->INT().size() != 3 || ctx->MINUS().size() != 2) return d;
    const size_t widths[] = {4, 2, 2};
    int64_t* parts[] = {&d.year, &d.month, &d.day};
    bool ok = true;
    for (size_t i = 0; i < 3; ++i) {
      std::string digits = ctx->INT(i)->getText();
      ok &= digits.size() == widths[i];
      if (digits.size() <= 9) *parts[i] = std::stoll(digits);
    }
    SourceRange r[] = {range(ctx->INT(0)), range(ctx->MINUS(0)), range(ctx->INT(1)),
                       range(ctx->MINUS(1)), range(ctx->INT(2))};
    for (size_t i = 1; i < 5; ++i) ok &= r[i - 1].end == r[i].begin;
    d.wellFormed = ok;
    return d;
  }

  std::unique_ptr<ast::EntityDecl> entity(ParserRuleContext* ctx, SeqParser::NameContext* n,
                                          const std::vector<SeqParser::FieldDeclContext*>& fields,
                                          bool isExtend) {
    auto e = std::make_unique<ast::EntityDecl>();
    e->range = range(ctx);
    e->isExtend = isExtend;
    e->name = name(n);
    e->nameRange = range(n);
    for (auto* f : fields) {
      if (!f || !f->name() || !f->typeRef()) continue;
      ast::FieldDecl fd;
      fd.range = range(f);
      fd.name = name(f->name());
      fd.nameRange = range(f->name());
      fd.readonly = f->READONLY() != nullptr;
      if (f->display) {
        fd.display = string(f->display);
        fd.displayRange = map_.token(f->display);
      }
      fd.type = typeRef(f->typeRef());
      e->fields.push_back(std::move(fd));
    }
    return e;
  }

  ast::TypeRef typeRef(SeqParser::TypeRefContext* ctx) {
    ast::TypeRef t;
    t.range = range(ctx);
    if (auto* c = dynamic_cast<SeqParser::ChoiceTypeContext*>(ctx)) {
      t.kind = ast::TypeRefKind::Choice;
      for (auto* o : c->option()) {
        if (!o || !o->INT() || !o->STRING()) continue;
        ast::OptionDecl od;
        od.range = range(o);
        auto v = integer(o->INT()->getSymbol());
        od.value = v ? (o->MINUS() ? -*v : *v) : 0;
        od.valueRange = o->MINUS() ? SourceRange::cover(range(o->MINUS()), range(o->INT()))
                                   : range(o->INT());
        od.label = string(o->STRING()->getSymbol());
        od.labelRange = range(o->STRING());
        t.options.push_back(std::move(od));
      }
    } else if (auto* l = dynamic_cast<SeqParser::LookupTypeContext*>(ctx)) {
      t.kind = ast::TypeRefKind::Lookup;
      for (auto* n : l->name()) t.targets.emplace_back(name(n), range(n));
    } else if (auto* nt = dynamic_cast<SeqParser::NamedTypeContext*>(ctx)) {
      t.kind = ast::TypeRefKind::Named;
      t.name = name(nt->name());
      if (nt->INT()) {
        t.length = integer(nt->INT()->getSymbol()).value_or(0);
        t.lengthRange = range(nt->INT());
      }
    }
    return t;
  }

  std::unique_ptr<ast::Sequence> sequence(SeqParser::SequenceDeclContext* ctx) {
    auto s = std::make_unique<ast::Sequence>();
    s->range = range(ctx);
    s->keyword = range(ctx->SEQUENCE());
    if (ctx->STRING()) {
      s->name = string(ctx->STRING()->getSymbol());
      s->nameRange = range(ctx->STRING());
    }
    s->entity = name(ctx->name());
    s->entityRange = range(ctx->name());
    for (auto* st : ctx->setting())
      if (st) s->settings.push_back(setting(st));
    s->body.range = s->range;
    for (auto* st : ctx->stmt())
      if (auto p = stmt(st)) s->body.stmts.push_back(std::move(p));
    return s;
  }

  ast::Setting setting(SeqParser::SettingContext* ctx) {
    ast::Setting s{};
    s.range = range(ctx);
    if (auto* d = dynamic_cast<SeqParser::DescriptionSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::Description;
      if (d->STRING()) {
        s.text = string(d->STRING()->getSymbol());
        s.textRange = range(d->STRING());
      }
    } else if (auto* t = dynamic_cast<SeqParser::TagsSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::Tags;
      for (auto* str : t->STRING()) s.tags.emplace_back(string(str->getSymbol()), range(str));
    } else if (dynamic_cast<SeqParser::AssignOwnerSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::AssignOwner;
    } else if (auto* f = dynamic_cast<SeqParser::AssignFieldSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::AssignField;
      s.field = member(f->memberRef());
    } else if (auto* tm = dynamic_cast<SeqParser::AssignTeamSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::AssignTeam;
      s.teamAccess = tm->ACCESS() != nullptr;
      if (tm->expr()) s.where = expr(tm->expr());
    } else if (dynamic_cast<SeqParser::ExitOnReplySettingContext*>(ctx)) {
      s.kind = ast::SettingKind::ExitOnReply;
    } else if (auto* w = dynamic_cast<SeqParser::ExitWhenSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::ExitWhen;
      s.condition = condition(w->condition());
    } else if (auto* c = dynamic_cast<SeqParser::CalendarSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::Calendar;
      if (c->STRING()) {
        s.text = string(c->STRING()->getSymbol());
        s.textRange = range(c->STRING());
      }
    } else if (auto* z = dynamic_cast<SeqParser::TimeZoneSettingContext*>(ctx)) {
      s.kind = ast::SettingKind::TimeZone;
      if (z->time && z->time->getText() != "time") expectWord(z->time, "a setting or a statement");
      else word(z->zone, "zone");
      s.zone = expr(z->expr());
    }
    return s;
  }

  ast::Block block(SeqParser::BlockContext* ctx) {
    ast::Block b;
    b.range = range(ctx);
    if (!ctx) return b;
    for (auto* st : ctx->stmt())
      if (auto p = stmt(st)) b.stmts.push_back(std::move(p));
    return b;
  }

  std::unique_ptr<ast::Stmt> stmt(SeqParser::StmtContext* ctx) {
    if (!ctx || !ctx->stmtBody()) return nullptr;
    std::unique_ptr<ast::Stmt> s = stmtBody(ctx->stmtBody());
    if (!s) return nullptr;
    s->range = range(ctx->stmtBody());
    if (ctx->label) {
      s->label = ctx->label->getText();
      s->labelRange = map_.token(ctx->label);
    }
    return s;
  }

  std::unique_ptr<ast::Stmt> stmtBody(SeqParser::StmtBodyContext* ctx) {
    if (auto* a = dynamic_cast<SeqParser::ActivityStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::ActivityStmt>();
      s->kindRange = range(a->activityKind());
      if (auto* k = a->activityKind()) {
        using AK = ActivityKind;
        if (k->LINKEDIN())
          s->activity = k->RESEARCH() ? AK::LinkedinResearch : k->INTRODUCE() ? AK::LinkedinIntroduce
                        : k->CONNECT() ? AK::LinkedinConnect : AK::LinkedinInmail;
        else if (k->EMAIL()) s->activity = k->AUTO() ? AK::AutoEmail : AK::Email;
        else if (k->TEXT()) s->activity = k->AUTO() ? AK::AutoText : AK::Text;
        else if (k->CALL()) s->activity = AK::Call;
        else s->activity = AK::Task;
      }
      if (a->STRING()) {
        s->title = string(a->STRING()->getSymbol());
        s->titleRange = range(a->STRING());
      }
      for (auto* o : a->activityOption()) {
        ast::ActivityOption opt{};
        opt.range = range(o);
        if (auto* t = dynamic_cast<SeqParser::TemplateOptionContext*>(o)) {
          opt.kind = ast::ActivityOptionKind::Template;
          if (t->STRING()) {
            opt.text = string(t->STRING()->getSymbol());
            opt.textRange = range(t->STRING());
          }
        } else if (auto* d = dynamic_cast<SeqParser::DescriptionOptionContext*>(o)) {
          opt.kind = ast::ActivityOptionKind::Description;
          if (d->STRING()) {
            opt.text = string(d->STRING()->getSymbol());
            opt.textRange = range(d->STRING());
          }
        } else if (auto* du = dynamic_cast<SeqParser::DueOptionContext*>(o)) {
          opt.kind = ast::ActivityOptionKind::Due;
          opt.due = span(du->span());
        } else {
          continue;
        }
        s->options.push_back(std::move(opt));
      }
      return s;
    }
    if (auto* w = dynamic_cast<SeqParser::WaitStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::WaitStmt>();
      s->duration = span(w->span());
      return s;
    }
    if (auto* i = dynamic_cast<SeqParser::IfStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::IfStmt>();
      auto conds = i->condition();
      auto blocks = i->block();
      auto ifs = i->IF();
      for (size_t k = 0; k < conds.size(); ++k) {
        ast::IfArm arm;
        arm.keyword = k < ifs.size() ? range(ifs[k]) : range(i);
        arm.condition = condition(conds[k]);
        if (k < blocks.size()) arm.body = block(blocks[k]);
        s->arms.push_back(std::move(arm));
      }
      if (blocks.size() > conds.size()) s->elseBlock = block(blocks.back());
      return s;
    }
    if (auto* st = dynamic_cast<SeqParser::SetStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::SetStmt>();
      s->target = member(st->memberRef());
      s->value = expr(st->expr());
      return s;
    }
    if (auto* l = dynamic_cast<SeqParser::LetStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::LetStmt>();
      if (l->IDENT()) {
        s->name = l->IDENT()->getText();
        s->nameRange = range(l->IDENT());
      }
      s->value = expr(l->expr());
      return s;
    }
    if (auto* as = dynamic_cast<SeqParser::AssignStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::AssignStmt>();
      if (as->IDENT()) {
        s->name = as->IDENT()->getText();
        s->nameRange = range(as->IDENT());
      }
      s->value = expr(as->expr());
      return s;
    }
    if (auto* ex = dynamic_cast<SeqParser::ExperimentStmtContext*>(ctx)) return experiment(ex);
    if (dynamic_cast<SeqParser::EndStmtContext*>(ctx)) return std::make_unique<ast::EndStmt>();
    if (auto* ad = dynamic_cast<SeqParser::AdvanceStmtContext*>(ctx)) {
      auto s = std::make_unique<ast::AdvanceStmt>();
      if (ad->STRING()) {
        s->target = string(ad->STRING()->getSymbol());
        s->targetRange = range(ad->STRING());
      }
      return s;
    }
    return nullptr;
  }

  // ---- experiments ------------------------------------------------------------------

  static constexpr std::string_view kExperimentWords =
      "'variant', 'metric', 'baseline', 'mde', 'alpha' or 'power'";

  std::unique_ptr<ast::Stmt> experiment(SeqParser::ExperimentStmtContext* ctx) {
    auto s = std::make_unique<ast::ExperimentStmt>();
    s->keyword = map_.token(ctx->word);
    if (ctx->STRING()) {
      s->name = string(ctx->STRING()->getSymbol());
      s->nameRange = range(ctx->STRING());
    }
    for (auto* item : ctx->experimentItem()) {
      if (!item) continue;
      ast::ExperimentItem it;
      it.range = range(item);
      if (auto* v = dynamic_cast<SeqParser::VariantItemContext*>(item)) {
        it.kind = ast::ExperimentItemKind::Variant;
        it.keyword = map_.token(v->word);
        if (v->word && v->word->getText() != "variant") {
          expectWord(v->word, "'variant'");
          continue;
        }
        if (v->name()) {
          it.name = name(v->name());
          it.nameRange = range(v->name());
        }
        if (v->weight) {
          it.weightRange = map_.token(v->weight);
          if (v->weight->getType() == SeqLexer::INT) {
            auto w = integer(v->weight);
            it.weight = w ? *w : -1;
          } else {
            it.weightIsInteger = false;
          }
        }
        it.body = block(v->block());
      } else if (auto* st = dynamic_cast<SeqParser::ExperimentSettingContext*>(item)) {
        it.keyword = map_.token(st->word);
        std::string w = st->word ? st->word->getText() : std::string();
        if (w == "metric") it.kind = ast::ExperimentItemKind::Metric;
        else if (w == "baseline") it.kind = ast::ExperimentItemKind::Baseline;
        else if (w == "mde") it.kind = ast::ExperimentItemKind::Mde;
        else if (w == "alpha") it.kind = ast::ExperimentItemKind::Alpha;
        else if (w == "power") it.kind = ast::ExperimentItemKind::Power;
        else {
          expectWord(st->word, kExperimentWords);
          continue;
        }
        it.value = condition(st->condition());
      } else {
        continue;
      }
      s->items.push_back(std::move(it));
    }
    return s;
  }

  ast::Condition condition(SeqParser::ConditionContext* ctx) {
    ast::Condition c;
    c.range = range(ctx);
    c.expr = expr(ctx ? ctx->expr() : nullptr);
    if (ctx && ctx->WITHIN()) {
      c.withinKeyword = range(ctx->WITHIN());
      c.within = span(ctx->span());
    }
    return c;
  }

  // ---- expressions: each returns the node and the depth of its tree -------------

  struct Built {
    std::unique_ptr<ast::Expr> expr;
    unsigned depth = 1;
  };

  std::unique_ptr<ast::Expr> expr(SeqParser::ExprContext* ctx) { return orExpr(ctx).expr; }

  static std::unique_ptr<ast::Expr> errorExpr(SourceRange r) {
    auto e = std::make_unique<ast::ErrorExpr>();
    e->range = r;
    return e;
  }

  // Caps the depth of a tree the checker will recurse over.
  Built limit(Built b) {
    if (b.depth <= kMaxExprDepth) return b;
    if (!depthReported_) {
      diags_.report(DiagKind::NestingTooDeep, b.expr->range,
                    "expression is too large (more than {} nested operations)", kMaxExprDepth);
      depthReported_ = true;
    }
    return {errorExpr(b.expr->range), 1};
  }

  Built binary(ast::BinaryOp op, Built lhs, Built rhs, SourceRange opRange) {
    auto b = std::make_unique<ast::BinaryExpr>();
    b->op = op;
    b->opRange = opRange;
    b->range = SourceRange::cover(lhs.expr->range, rhs.expr->range);
    unsigned depth = 1 + std::max(lhs.depth, rhs.depth);
    b->lhs = std::move(lhs.expr);
    b->rhs = std::move(rhs.expr);
    return limit({std::move(b), depth});
  }

  // `x op y op z …` as a left-leaning tree, in one pass over the children: the generated
  // accessors for the i-th operator (ctx->OR(i)) scan the children from the start.
  template <class Operand, class Build>
  Built chain(ParserRuleContext* ctx, ast::BinaryOp op, Build&& operand) {
    std::optional<Built> acc;
    SourceRange opRange = range(ctx);
    for (antlr4::tree::ParseTree* child : ctx->children) {
      if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        opRange = range(t);
      } else if (auto* x = dynamic_cast<Operand*>(child)) {
        Built next = operand(x);
        acc = acc ? binary(op, std::move(*acc), std::move(next), opRange) : std::move(next);
      }
    }
    if (!acc) return {errorExpr(range(ctx))};
    return std::move(*acc);
  }

  Built orExpr(SeqParser::ExprContext* ctx) {
    if (!ctx) return {errorExpr(range(ctx))};
    return chain<SeqParser::AndExprContext>(ctx, ast::BinaryOp::Or, [&](auto* x) { return andExpr(x); });
  }

  Built andExpr(SeqParser::AndExprContext* ctx) {
    if (!ctx) return {errorExpr(range(ctx))};
    return chain<SeqParser::NotExprContext>(ctx, ast::BinaryOp::And, [&](auto* x) { return notExpr(x); });
  }

  Built unary(ast::UnaryOp op, SourceRange r, Built operand) {
    auto u = std::make_unique<ast::UnaryExpr>();
    u->op = op;
    u->range = r;
    u->operand = std::move(operand.expr);
    return limit({std::move(u), operand.depth + 1});
  }

  Built notExpr(SeqParser::NotExprContext* ctx) {
    if (!ctx) return {errorExpr(range(ctx))};
    if (ctx->NOT()) return unary(ast::UnaryOp::Not, range(ctx), notExpr(ctx->notExpr()));
    return cmpExpr(ctx->cmpExpr());
  }

  Built cmpExpr(SeqParser::CmpExprContext* ctx) {
    if (!ctx || ctx->addExpr().empty()) return {errorExpr(range(ctx))};
    Built lhs = addExpr(ctx->addExpr(0));
    if (ctx->IN()) {
      auto in = std::make_unique<ast::InExpr>();
      in->range = range(ctx);
      in->listRange = in->range;
      if (ctx->LBRACKET() && ctx->RBRACKET())
        in->listRange = SourceRange::cover(range(ctx->LBRACKET()), range(ctx->RBRACKET()));
      unsigned depth = lhs.depth;
      in->lhs = std::move(lhs.expr);
      for (auto* e : ctx->expr()) {
        Built item = orExpr(e);
        depth = std::max(depth, item.depth);
        in->items.push_back(std::move(item.expr));
      }
      return limit({std::move(in), depth + 1});
    }
    if (auto* op = ctx->cmpOp(); op && ctx->addExpr().size() == 2) {
      using B = ast::BinaryOp;
      B b = op->EQ() ? B::Eq : op->NE() ? B::Ne : op->LT() ? B::Lt : op->LE() ? B::Le
            : op->GT() ? B::Gt : B::Ge;
      return binary(b, std::move(lhs), addExpr(ctx->addExpr(1)), range(op));
    }
    return lhs;
  }

  Built addExpr(SeqParser::AddExprContext* ctx) {
    if (!ctx || ctx->mulExpr().empty()) return {errorExpr(range(ctx))};
    auto parts = ctx->mulExpr();
    auto ops = ctx->addOp();
    Built acc = mulExpr(parts[0]);
    for (size_t i = 1; i < parts.size() && i - 1 < ops.size(); ++i) {
      auto op = ops[i - 1]->PLUS() ? ast::BinaryOp::Add : ast::BinaryOp::Sub;
      acc = binary(op, std::move(acc), mulExpr(parts[i]), range(ops[i - 1]));
    }
    return acc;
  }

  Built mulExpr(SeqParser::MulExprContext* ctx) {
    if (!ctx || ctx->unaryExpr().empty()) return {errorExpr(range(ctx))};
    auto parts = ctx->unaryExpr();
    auto ops = ctx->mulOp();
    Built acc = unaryExpr(parts[0]);
    for (size_t i = 1; i < parts.size() && i - 1 < ops.size(); ++i) {
      auto* o = ops[i - 1];
      auto op = o->STAR() ? ast::BinaryOp::Mul : o->SLASH() ? ast::BinaryOp::Div : ast::BinaryOp::Mod;
      acc = binary(op, std::move(acc), unaryExpr(parts[i]), range(o));
    }
    return acc;
  }

  Built unaryExpr(SeqParser::UnaryExprContext* ctx) {
    if (!ctx) return {errorExpr(range(ctx))};
    if (ctx->MINUS()) return unary(ast::UnaryOp::Neg, range(ctx), unaryExpr(ctx->unaryExpr()));
    return primary(ctx->primary());
  }

  std::unique_ptr<ast::MemberExpr> member(SeqParser::MemberRefContext* ctx) {
    auto m = std::make_unique<ast::MemberExpr>();
    m->range = range(ctx);
    if (!ctx) return m;
    auto names = ctx->name();
    if (names.size() == 2) {
      m->object = name(names[0]);
      m->objectRange = range(names[0]);
      m->member = name(names[1]);
      m->memberRange = range(names[1]);
    }
    return m;
  }

  template <typename T>
  static Built leaf(std::unique_ptr<T> e, SourceRange r) {
    e->range = r;
    return {std::move(e)};
  }

  Built primary(SeqParser::PrimaryContext* ctx) {
    SourceRange r = range(ctx);
    if (auto* i = dynamic_cast<SeqParser::IntLitContext*>(ctx)) {
      auto e = std::make_unique<ast::IntLit>();
      auto v = integer(i->INT()->getSymbol());
      if (!v) return {errorExpr(r)};
      e->value = *v;
      return leaf(std::move(e), r);
    }
    if (auto* d = dynamic_cast<SeqParser::DecimalLitContext*>(ctx)) {
      auto e = std::make_unique<ast::DecimalLit>();
      e->text = d->getText();
      return leaf(std::move(e), r);
    }
    if (auto* s = dynamic_cast<SeqParser::StringLitContext*>(ctx)) {
      auto e = std::make_unique<ast::StringLit>();
      e->value = string(s->STRING()->getSymbol());
      return leaf(std::move(e), r);
    }
    if (dynamic_cast<SeqParser::TrueLitContext*>(ctx) || dynamic_cast<SeqParser::FalseLitContext*>(ctx)) {
      auto e = std::make_unique<ast::BoolLit>();
      e->value = dynamic_cast<SeqParser::TrueLitContext*>(ctx) != nullptr;
      return leaf(std::move(e), r);
    }
    if (dynamic_cast<SeqParser::NullLitContext*>(ctx)) return leaf(std::make_unique<ast::NullLit>(), r);
    if (auto* du = dynamic_cast<SeqParser::DurationLitContext*>(ctx)) {
      auto e = std::make_unique<ast::DurationLit>();
      e->minutes = duration(du->duration()).minutes;
      return leaf(std::move(e), r);
    }
    if (auto* c = dynamic_cast<SeqParser::CallExprContext*>(ctx)) {
      auto e = std::make_unique<ast::CallExpr>();
      e->callee = c->IDENT() ? c->IDENT()->getText() : std::string();
      e->calleeRange = range(c->IDENT());
      unsigned depth = 0;
      for (auto* a : c->expr()) {
        Built arg = orExpr(a);
        depth = std::max(depth, arg.depth);
        e->args.push_back(std::move(arg.expr));
      }
      e->range = r;
      return limit({std::move(e), depth + 1});
    }
    if (auto* m = dynamic_cast<SeqParser::MemberExprContext*>(ctx)) {
      auto e = member(m->memberRef());
      e->range = r;
      return {std::move(e)};
    }
    if (auto* n = dynamic_cast<SeqParser::NameExprContext*>(ctx)) {
      auto e = std::make_unique<ast::NameExpr>();
      e->name = n->IDENT() ? n->IDENT()->getText() : std::string();
      return leaf(std::move(e), r);
    }
    if (auto* p = dynamic_cast<SeqParser::ParenExprContext*>(ctx)) {
      Built inner = orExpr(p->expr());
      ++inner.expr->parens;  // parentheses only group; the range stays the inner one's
      return inner;
    }
    return {errorExpr(r)};
  }

  const OffsetMap& map_;
  DiagnosticEngine& diags_;
  std::vector<SyntaxErrorInfo>& errors_;
  bool depthReported_ = false;
};

void report(DiagnosticEngine& diags, const SyntaxErrorInfo& e) {
  Diagnostic& d = diags.report(e.kind, e.range, e.message);
  for (const Note& n : e.notes) d.note(n.range, n.message);
}

// Rejects nesting deeper than kMaxNesting before the recursive-descent parser sees it.
std::optional<SyntaxErrorInfo> checkNesting(antlr4::CommonTokenStream& tokens, const OffsetMap& map) {
  unsigned depth = 0, prefixRun = 0;
  for (Token* t : tokens.getTokens()) {
    size_t type = t->getType();
    bool open = type == SeqLexer::LPAREN || type == SeqLexer::LBRACKET || type == SeqLexer::LBRACE;
    bool close = type == SeqLexer::RPAREN || type == SeqLexer::RBRACKET || type == SeqLexer::RBRACE;
    if (open) ++depth;
    if (close && depth > 0) --depth;
    prefixRun = (type == SeqLexer::NOT || type == SeqLexer::MINUS) ? prefixRun + 1 : 0;
    if (depth > kMaxNesting || prefixRun > kMaxNesting) {
      SourceRange r = map.token(t);
      return SyntaxErrorInfo{r.begin, r,
                             fmt::format("nesting is too deep (more than {} levels)", kMaxNesting)};
    }
  }
  return std::nullopt;
}

}  // namespace

namespace {

// The text the lexer reads, byte for byte as long as `text`: the ANTLR runtime drops a
// leading byte order mark, which would shift every offset, so it reads three spaces.
std::string lexerText(std::string_view text) {
  std::string out(text);
  if (utf8::startsWithBom(out)) out.replace(0, utf8::kBom.size(), utf8::kBom.size(), ' ');
  return out;
}

// Lexes file `id` and runs `rule(parser, tokens, map, errors)` on it; never throws.
// Invalid UTF-8 and too deep nesting are reported here; false when they were, or when
// the parser failed.
template <class Rule>
bool parseWith(const SourceManager& sm, FileId id, DiagnosticEngine& diags, Rule&& rule) {
  std::string_view text = sm.file(id).text();
  // The ANTLR runtime throws on invalid UTF-8: validate first.
  if (size_t valid = utf8::validPrefix(text); valid != text.size()) {
    auto at = static_cast<uint32_t>(valid);
    diags.report(DiagKind::SyntaxError, {id, at, at + 1},
                 "invalid UTF-8 (byte 0x{:02x}); .seq files must be UTF-8",
                 static_cast<unsigned char>(text[at]));
    return false;
  }
  std::string lexed = lexerText(text);
  OffsetMap map(id, lexed);
  std::vector<SyntaxErrorInfo> errors;
  try {
    antlr4::ANTLRInputStream input(lexed);
    SeqLexer lexer(&input);
    lexer.removeErrorListeners();
    ErrorCollector collector(map, errors);
    lexer.addErrorListener(&collector);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();
    if (auto deep = checkNesting(tokens, map)) {
      diags.report(DiagKind::NestingTooDeep, deep->range, deep->message);
      return false;
    }
    SeqParser parser(&tokens);
    parser.removeErrorListeners();
    parser.addErrorListener(&collector);
    rule(parser, tokens, map, errors);
    return true;
  } catch (const std::exception& e) {
    diags.report(DiagKind::SyntaxError, {id, 0, 0}, "the parser failed: {}", e.what());
  } catch (...) {
    diags.report(DiagKind::SyntaxError, {id, 0, 0}, "the parser failed");
  }
  return false;
}

}  // namespace

std::unique_ptr<ast::File> parseFile(const SourceManager& sm, FileId id, DiagnosticEngine& diags) {
  std::unique_ptr<ast::File> file;
  parseWith(sm, id, diags, [&](SeqParser& parser, antlr4::CommonTokenStream& tokens, const OffsetMap& map,
                               std::vector<SyntaxErrorInfo>& errors) {
    SeqParser::FileContext* tree = parser.file();
    AstBuilder builder(map, diags, errors);
    file = builder.file(tree);
    for (Token* t : tokens.getTokens())
      if (t->getChannel() == Token::HIDDEN_CHANNEL &&
          (t->getType() == SeqLexer::LINE_COMMENT || t->getType() == SeqLexer::BLOCK_COMMENT))
        file->comments.push_back(map.token(t));

    // Report the first syntax error of each declaration (error recovery produces
    // follow-on noise) and keep the declarations they touch out of the checker.
    struct Decl { uint32_t begin; bool* flag; };
    std::vector<Decl> decls;
    for (auto& e : file->entities) decls.push_back({e->range.begin, &e->hasSyntaxError});
    for (auto& c : file->calendars) decls.push_back({c->range.begin, &c->hasSyntaxError});
    for (auto& s : file->sequences) decls.push_back({s->range.begin, &s->hasSyntaxError});
    for (auto& g : file->segments) decls.push_back({g->range.begin, &g->hasSyntaxError});
    std::sort(decls.begin(), decls.end(), [](const Decl& a, const Decl& b) { return a.begin < b.begin; });
    // The builder's complaints about words come after the parser's: put them in place.
    std::stable_sort(errors.begin(), errors.end(),
                     [](const SyntaxErrorInfo& a, const SyntaxErrorInfo& b) { return a.offset < b.offset; });
    bool outsideReported = false;
    for (const SyntaxErrorInfo& e : errors) {
      auto it = std::upper_bound(decls.begin(), decls.end(), e.offset,
                                 [](uint32_t off, const Decl& d) { return off < d.begin; });
      if (it == decls.begin()) {
        if (outsideReported) continue;
        outsideReported = true;
      } else {
        bool* flag = std::prev(it)->flag;
        if (*flag) continue;
        *flag = true;
      }
      report(diags, e);
    }
  });
  if (!file) {
    file = std::make_unique<ast::File>();
    file->id = id;
  }
  return file;
}

std::optional<ast::Condition> parseCondition(const SourceManager& sm, FileId id, DiagnosticEngine& diags) {
  std::optional<ast::Condition> out;
  parseWith(sm, id, diags, [&](SeqParser& parser, antlr4::CommonTokenStream&, const OffsetMap& map,
                               std::vector<SyntaxErrorInfo>& errors) {
    SeqParser::ConditionTextContext* tree = parser.conditionText();
    if (!errors.empty()) {  // the first error only: recovery produces follow-on noise
      report(diags, errors.front());
      return;
    }
    AstBuilder builder(map, diags, errors);
    out = builder.conditionOnly(tree->condition());
    if (!errors.empty()) {  // a misspelt word (`within 2 business dayz`)
      report(diags, errors.front());
      out.reset();
      return;
    }
    if (!out->expr) out.reset();
  });
  return out;
}

bool decodeStringLiteral(std::string_view raw, std::string& out) {
  out.clear();
  if (raw.size() < 2 || raw.front() != '"') return true;
  bool valid = true;
  // An unterminated literal (no closing quote) is decoded to its end.
  size_t end = raw.back() == '"' ? raw.size() - 1 : raw.size();
  for (size_t i = 1; i < end; ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 >= end) { out += c; continue; }
    char e = raw[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'u': {
        size_t close = raw.find('}', i);
        uint64_t cp = 0;
        bool ok = close != std::string_view::npos && close < end && close > i + 2 && close - i - 2 <= 6 &&
                  raw[i + 1] == '{';
        for (size_t k = i + 2; ok && k < close; ++k) {
          if (!std::isxdigit(static_cast<unsigned char>(raw[k]))) { ok = false; break; }
          cp = cp * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(raw[k]))
                                                  ? raw[k] - '0'
                                                  : (std::tolower(raw[k]) - 'a' + 10));
        }
        if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          valid = false;
          cp = 0xFFFD;
        }
        char buf[4];
        char* p = buf;
        llvm::ConvertCodePointToUTF8(static_cast<unsigned>(cp), p);
        out.append(buf, p);
        i = close == std::string_view::npos || close >= end ? end : close;
        break;
      }
      default: out += e; break;  // \" and \\ (the lexer admits nothing else)
    }
  }
  return valid;
}

namespace {

// The keywords are the grammar's first token rules, IMPORT … READONLY, then come the
// punctuation tokens; a reordered grammar must update this.
static_assert(SeqLexer::IMPORT == 1 && SeqLexer::READONLY + 1 == SeqLexer::LBRACE);

TokenKind tokenKind(size_t type) {
  switch (type) {
    case SeqLexer::IDENT: return TokenKind::Name;
    case SeqLexer::STRING:
    case SeqLexer::BAD_ESCAPE_STRING: return TokenKind::String;
    case SeqLexer::UNTERMINATED_STRING: return TokenKind::OpenString;
    case SeqLexer::INT:
    case SeqLexer::DECIMAL:
    case SeqLexer::DURATION:
    case SeqLexer::ORDINAL:
    case SeqLexer::BAD_NUMBER: return TokenKind::Number;
    case SeqLexer::LINE_COMMENT:
    case SeqLexer::BLOCK_COMMENT:
    case SeqLexer::UNTERMINATED_COMMENT: return TokenKind::Comment;
    case SeqLexer::BAD_CHAR: return TokenKind::Bad;
    default: return type >= SeqLexer::IMPORT && type <= SeqLexer::READONLY ? TokenKind::Keyword : TokenKind::Punct;
  }
}

}  // namespace

std::vector<LexToken> lexSource(std::string_view text) {
  // The runtime throws on invalid UTF-8: lex a copy with each bad byte replaced by a
  // one-byte character the lexer takes as BAD_CHAR, so offsets stay those of `text`.
  std::string copy = lexerText(text);
  for (size_t i = utf8::validPrefix(copy); i < copy.size();) {
    copy[i] = '\x01';  // one byte, lexed as BAD_CHAR
    i += utf8::validPrefix(std::string_view(copy).substr(i));
  }
  std::vector<LexToken> out;
  try {
    OffsetMap map(0, copy);
    antlr4::ANTLRInputStream input(copy);
    SeqLexer lexer(&input);
    lexer.removeErrorListeners();
    // Token names live as long as the process (the generated vocabulary is static).
    static const std::vector<std::string> names = [&] {
      std::vector<std::string> v;
      for (size_t type = 0; type <= lexer.getVocabulary().getMaxTokenType(); ++type)
        v.push_back(lexer.getVocabulary().getSymbolicName(type));
      return v;
    }();
    for (auto t = lexer.nextToken(); t->getType() != Token::EOF; t = lexer.nextToken()) {
      SourceRange r = map.token(t.get());
      size_t type = t->getType();
      out.push_back({tokenKind(type), r.begin, r.end, type < names.size() ? names[type] : std::string_view("?")});
    }
  } catch (...) {
    // The lexer has a rule for every character; stop at what was lexed if it throws.
  }
  return out;
}

bool isKeyword(std::string_view word) {
  std::vector<LexToken> t = lexSource(word);
  return t.size() == 1 && t[0].kind == TokenKind::Keyword && t[0].begin == 0 && t[0].end == word.size();
}

}  // namespace seqc
