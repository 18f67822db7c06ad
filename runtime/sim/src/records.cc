// Reading the simulator's inputs: records (CSV per RFC 4180, or JSONL) typed by an
// entity schema, and scripted events (JSONL). Every error names file, line and field.
#include "seqc/sim/records.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <system_error>
#include <unordered_map>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "seqc/interp/money.h"
#include "seqc/support/file.h"
#include "seqc/support/suggest.h"
#include "seqc/support/time.h"
#include "seqc/support/utf8.h"

namespace seqc::rt {

FieldSpec fieldSpec(const bc::Module& m, const bc::Field& f) {
  FieldSpec spec;
  spec.name = std::string(m.str(f.name));
  spec.type = f.type;
  spec.maxLength = f.maxLength;
  for (const bc::Option& o : f.options) spec.options.emplace_back(o.value, std::string(m.str(o.label)));
  return spec;
}
namespace {

using Json = nlohmann::ordered_json;
using bc::ValueType;

// ---- text helpers -------------------------------------------------------------------

// `text` quoted for an error message: at most ~40 bytes (not cutting a character),
// control characters and invalid bytes escaped.
std::string shown(std::string_view text) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  size_t i = 0;
  for (; i < text.size() && i < kMax;) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      if (size_t n = utf8::sequenceLength(text.substr(i))) {
        out.append(text.substr(i, n));
        i += n;
      } else {
        out += fmt::format("\\x{:02x}", c);
        ++i;
      }
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
                                                                : fmt::format("\\x{:02x}", c);
      ++i;
    } else {
      out += static_cast<char>(c);
      ++i;
    }
  }
  out += '"';
  if (i < text.size()) out += "…";
  return out;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string didYouMean(std::string_view name, const std::vector<std::string_view>& names) {
  std::string_view c = closestMatch(name, names);
  return c.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", c);
}

std::string unknownField(const RecordSchema& schema, std::string_view name) {
  std::vector<std::string_view> names = {"id"};
  for (const auto& f : schema.fields) names.push_back(f.name);
  return fmt::format("unknown field '{}' of entity {}{}", name, schema.entity,
                     didYouMean(name, names));
}

std::string at(const std::string& path, size_t line) { return fmt::format("{}:{}: ", path, line); }

// ---- numbers --------------------------------------------------------------------------

std::optional<int64_t> parseInt(std::string_view s) {
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool intOverflows(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

enum class NumberError { None, Syntax, Range };

std::optional<double> parseDouble(std::string_view s, NumberError& err) {
  err = NumberError::Syntax;
  if (!s.empty() && s[0] == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s[0] == '-') return std::nullopt;
  }
  // Only plain decimal notation: no inf/nan, no hex.
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
               c == 'E';
      }))
    return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (p != s.data() + s.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    err = NumberError::Range;
    return std::nullopt;
  }
  if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
  err = NumberError::None;
  return v;
}

// A decimal number (optionally with an exponent) as an exact int64 scaled by 10^4.
std::optional<int64_t> parseMoney(std::string_view s, std::string& error) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  error.clear();
  size_t pos = 0;
  bool negative = false;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) negative = s[pos++] == '-';
  // Collect the significant digits and where the decimal point sits.
  std::string digitsText;
  int64_t pointAfter = -1;  // number of digits before the point
  size_t count = 0;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (c >= '0' && c <= '9') {
      digitsText += c;
      ++count;
      if (digitsText.size() > 4000) return error = "the number is too long", std::nullopt;
    } else if (c == '.' && pointAfter < 0) {
      pointAfter = static_cast<int64_t>(count);
    } else {
      break;
    }
  }
  if (count == 0) return std::nullopt;
  if (pointAfter < 0) pointAfter = static_cast<int64_t>(count);
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    ++pos;
    bool expNegative = false;
    if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) expNegative = s[pos++] == '-';
    size_t begin = pos;
    int64_t exp = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos) {
      if (exp < 100000) exp = exp * 10 + (s[pos] - '0');
    }
    if (pos == begin) return std::nullopt;
    pointAfter += expNegative ? -exp : exp;
  }
  if (pos != s.size()) return std::nullopt;
  // value = 0.digits * 10^pointAfter; scaled by 10^4 the integer part is the first
  // pointAfter + 4 digits, and every digit after them must be 0.
  int64_t intDigits = pointAfter + 4;
  uint64_t value = 0;
  constexpr uint64_t kLimit = static_cast<uint64_t>(kMax) + 1;  // allows INT64_MIN
  for (int64_t i = 0; i < static_cast<int64_t>(digitsText.size()); ++i) {
    int digit = digitsText[static_cast<size_t>(i)] - '0';
    if (i >= intDigits) {
      if (digit != 0) return error = "money has at most 4 decimal places", std::nullopt;
      continue;
    }
    if (value > (kLimit - static_cast<uint64_t>(digit)) / 10)
      return error = "the amount is out of range", std::nullopt;
    value = value * 10 + static_cast<uint64_t>(digit);
  }
  // Digits implied by a positive exponent past the written ones are zeros.
  for (int64_t i = static_cast<int64_t>(digitsText.size()); i < intDigits; ++i) {
    if (value == 0) break;
    if (value > kLimit / 10) return error = "the amount is out of range", std::nullopt;
    value *= 10;
  }
  if (!negative && value > static_cast<uint64_t>(kMax))
    return error = "the amount is out of range", std::nullopt;
  if (negative) return static_cast<int64_t>(0 - value);
  return static_cast<int64_t>(value);
}

std::string optionList(const FieldSpec& field) {
  constexpr size_t kShown = 6;
  std::string out;
  for (size_t i = 0; i < field.options.size() && i < kShown; ++i) {
    if (i) out += ", ";
    out += fmt::format("'{}' ({})", field.options[i].second, field.options[i].first);
  }
  if (field.options.size() > kShown) out += fmt::format(", … {} more", field.options.size() - kShown);
  return out;
}

std::optional<Value> choiceByValue(const FieldSpec& field, int64_t v, std::string_view text,
                                   std::string& error) {
  for (const auto& [value, label] : field.options)
    if (value == v) return Value::integer(v);
  error = fmt::format("no option {} (options: {})", text, optionList(field));
  return std::nullopt;
}

std::string valueTypeName(ValueType t) {
  switch (t) {
    case ValueType::Bool: return "true or false";
    case ValueType::Int: return "an integer";
    case ValueType::Decimal:
    case ValueType::Money: return "a number";
    case ValueType::Date: return "a date (YYYY-MM-DD)";
    case ValueType::DateTime: return "a date and time (ISO 8601, e.g. 2026-01-05T09:00:00Z)";
    case ValueType::Duration: return "a duration (e.g. 1d4h)";
    case ValueType::Choice: return "an option label or value";
    default: return "a string";
  }
}

// ---- files ----------------------------------------------------------------------------

// Opens `path` for reading, or nullptr with `error` set.
std::unique_ptr<std::FILE, int (*)(std::FILE*)> openFile(const std::string& path, std::string& error) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, &std::fclose);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = fmt::format("{}: is a directory", path);
    return file;
  }
  errno = 0;
  file.reset(std::fopen(path.c_str(), "rb"));
  if (!file) {
    int err = errno;
    error = fmt::format("{}: cannot open the file{}{}", path, err ? ": " : "",
                        err ? std::strerror(err) : "");
  }
  return file;
}

bool readFile(const std::string& path, std::string& text, std::string& error) {
  if (!seqc::readFile(path, {kMaxRecordsFileBytes, {}, true}, text, error)) return false;
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  return true;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         equalsIgnoringCase(s.substr(s.size() - suffix.size()), suffix);
}

// Calls `f(line, text)` for each non-blank line (CR LF or LF; the CR is dropped).
template <typename F>
bool forEachLine(std::string_view text, F&& f) {
  size_t line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (std::all_of(l.begin(), l.end(),
                    [](char c) { return c == ' ' || c == '\t' || c == '\r'; }))
      continue;
    if (!f(line, l)) return false;
  }
  return true;
}

// Parses one JSON line; on failure an error naming file and line.
bool parseJsonLine(const std::string& path, size_t line, std::string_view text, Json& out,
                   std::string& error) {
  try {
    out = Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error …"
    std::string_view what = e.what();
    if (auto p = what.find("] "); p != std::string_view::npos) what.remove_prefix(p + 2);
    if (what.substr(0, 23) == "parse error at line 1, ") what.remove_prefix(23);
    error = fmt::format("{}malformed JSON: {}", at(path, line), what);
    return false;
  }
  if (!out.is_object()) {
    error = fmt::format("{}expected a JSON object", at(path, line));
    return false;
  }
  return true;
}

std::string jsonTypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

// A JSON number as text exactly as it reads (shortest round-trip form for floats).
std::string numberText(const Json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return std::to_string(j.get<int64_t>());
  if (j.is_number_unsigned()) return std::to_string(j.get<uint64_t>());
  char buf[64];
  double d = j.get<double>();
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) return "nan";
  return std::string(buf, p);
}

// The value of `field` given as JSON: null, a string (as text), numbers for numeric,
// choice, id and lookup fields, booleans for bool.
std::optional<Value> jsonValue(const FieldSpec& field, const Json& j, StringArena& arena,
                               std::string& error) {
  if (j.is_null()) return Value::null();
  if (j.is_string()) return parseFieldText(field, j.get_ref<const std::string&>(), arena, error);
  if (j.is_boolean()) {
    if (field.type == ValueType::Bool) return Value::boolean(j.get<bool>());
  } else if (j.is_number()) {
    std::string text = numberText(j);
    switch (field.type) {
      case ValueType::Decimal: {
        double d = j.get<double>();
        if (!std::isfinite(d)) break;
        return Value::decimal(d);
      }
      case ValueType::Int:
      case ValueType::Choice:
      case ValueType::Money:
      case ValueType::Id:
      case ValueType::Lookup:
        if (j.is_number_float() && field.type != ValueType::Money) {
          double d = j.get<double>();
          // 5.0 is an integer; 5.5 is not.
          if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) >= 9.2e18) {
            error = fmt::format("expected {}, got {}", valueTypeName(field.type), text);
            if (field.type == ValueType::Id || field.type == ValueType::Lookup)
              error = fmt::format("expected a string or an integer, got {}", text);
            return std::nullopt;
          }
          text = std::to_string(static_cast<int64_t>(d));
        }
        if (field.type == ValueType::Id || field.type == ValueType::Lookup)
          return Value::string(arena.store(text));
        return parseFieldText(field, text, arena, error);
      default: break;
    }
  }
  error = fmt::format("expected {}, got {}", valueTypeName(field.type), jsonTypeName(j));
  return std::nullopt;
}

// A record id or event `record` member: a non-empty string or an integer.
std::optional<std::string> jsonId(const Json& j, std::string& error) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s.empty()) return error = "must not be empty", std::nullopt;
    return s;
  }
  if (j.is_number_integer()) return numberText(j);
  error = fmt::format("expected a string or an integer, got {}", jsonTypeName(j));
  return std::nullopt;
}

// ---- CSV --------------------------------------------------------------------------------

struct CsvCell {
  std::string_view text;  // into the reader's buffer, or `unquoted`: valid until the next row
  std::string unquoted;   // a quoted field's text, "" undoubled
  uint32_t line = 0;
  bool wasQuoted = false;
};
struct CsvRow {
  std::vector<CsvCell> cells;  // reused row to row: no allocation per cell
  uint32_t line = 0;
  bool ascii = false;  // every cell is ASCII (so valid UTF-8, a character a byte)
};

// RFC 4180: fields separated by commas, records by CRLF or LF (a lone CR too); quoted
// fields may hold commas, newlines and "" for a quote. Blank lines are skipped. The file
// is read a chunk at a time, so memory does not grow with it.
class CsvReader {
 public:
  CsvReader(const std::string& path, std::FILE* file) : path_(path), file_(file) {}

  // False at the end of the input or on error (`error` then set).
  bool next(CsvRow& row, std::string& error) {
    for (;;) {
      size_t pos = pos_;
      uint32_t line = line_;
      switch (parse(row, error)) {
        case Parsed::Row: return true;
        case Parsed::End: return false;
        case Parsed::Error: return false;
        case Parsed::More:
          pos_ = pos, line_ = line;  // parse the row again once more text is in
          if (!fill(error)) return false;
      }
    }
  }
  // Bytes per line in what has been read so far (to size tables from the file size).
  size_t bytesPerLine() const {
    auto lines = static_cast<size_t>(std::count(buf_.data(), buf_.data() + end_, '\n'));
    return lines ? std::max<size_t>(1, end_ / lines) : 1;
  }

 private:
  enum class Parsed { Row, End, More, Error };
  static constexpr size_t kChunk = 1 << 20;

  // Drops the parsed text, reads the next chunk; `end_` is past the last complete line
  // (the end of the file once read), so a row parsed before it never runs out of text
  // but in a quoted field. The text is the first `size_` bytes of `buf_`, which only
  // grows (resizing a string for each chunk zero-filled a megabyte before each read).
  bool fill(std::string& error) {
    if (pos_ > 0) std::memmove(buf_.data(), buf_.data() + pos_, size_ - pos_);
    size_ -= pos_;
    pos_ = 0;
    size_t had = size_;
    if (buf_.size() < had + kChunk) buf_.resize(had + kChunk);
    size_t got = std::fread(buf_.data() + had, 1, kChunk, file_);
    size_ = had + got;
    read_ += got;
    // No input is trusted to end: binary data, a row without end and a file past the
    // limit stop here, while memory is one row.
    if (const void* nul = std::memchr(buf_.data() + had, '\0', got)) {
      error = fmt::format("{}: is not text: a NUL byte at offset {}", path_,
                          read_ - got + static_cast<size_t>(static_cast<const char*>(nul) - (buf_.data() + had)));
      return false;
    }
    if (read_ > kMaxRecordsFileBytes) {
      error = fmt::format("{}: is larger than the {} limit", path_, formatBytes(kMaxRecordsFileBytes));
      return false;
    }
    if (size_ > kMaxRowBytes) {
      error = fmt::format("{}:{}: a row longer than the {} limit", path_, line_, formatBytes(kMaxRowBytes));
      return false;
    }
    if (got < kChunk) {
      if (std::ferror(file_)) {
        error = fmt::format("{}: cannot read the file", path_);
        return false;
      }
      eof_ = true;
    }
    if (first_) {
      first_ = false;
      if (size_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) {
        std::memmove(buf_.data(), buf_.data() + 3, size_ - 3);
        size_ -= 3;
      }
    }
    // Checked once here, the cells of an ASCII chunk need no UTF-8 check each.
    ascii_ = utf8::isAscii(std::string_view(buf_.data(), size_));
    size_t last = std::string_view(buf_.data(), size_).rfind('\n');
    end_ = eof_ ? size_ : last == std::string_view::npos ? 0 : last + 1;
    return true;
  }

  Parsed parse(CsvRow& row, std::string& error) {
    std::string_view text(buf_.data(), end_);
    for (;;) {
      if (pos_ >= text.size()) return eof_ ? Parsed::End : Parsed::More;
      row.line = line_;
      size_t n = 0;
      for (;;) {
        if (n == row.cells.size()) row.cells.emplace_back();
        CsvCell& cell = row.cells[n++];
        cell.line = line_;
        cell.wasQuoted = false;
        if (pos_ < text.size() && text[pos_] == '"') {
          cell.wasQuoted = true;
          cell.unquoted.clear();
          ++pos_;
          for (;;) {
            if (pos_ >= text.size()) {
              if (!eof_) return Parsed::More;
              error = fmt::format("{}:{}: unterminated quoted field", path_, cell.line);
              return Parsed::Error;
            }
            char c = text[pos_];
            size_t q = scan<'"', '\n'>(text, pos_);
            if (q > pos_) {  // a run of plain characters
              cell.unquoted.append(text.substr(pos_, q - pos_));
              pos_ = q;
              continue;
            }
            if (c == '\n') {
              cell.unquoted += c;
              ++line_;
              ++pos_;
            } else if (pos_ + 1 < text.size() && text[pos_ + 1] == '"') {
              cell.unquoted += '"';
              pos_ += 2;
            } else {
              ++pos_;  // the closing quote
              break;
            }
          }
        } else {
          size_t end = scan<',', '\r', '\n', '"'>(text, pos_);
          cell.text = text.substr(pos_, end - pos_);
          pos_ = end;
          if (pos_ < text.size() && text[pos_] == '"') {
            error = fmt::format(
                "{}:{}: a quote inside an unquoted field (quote the whole field and double "
                "the quote)",
                path_, line_);
            return Parsed::Error;
          }
        }
        if (pos_ >= text.size()) break;
        char c = text[pos_];
        if (c == ',') {
          ++pos_;
          continue;
        }
        if (c == '\r' || c == '\n') {
          ++pos_;
          if (c == '\r' && pos_ < text.size() && text[pos_] == '\n') ++pos_;
          ++line_;
          break;
        }
        error = fmt::format("{}:{}: unexpected {} after a quoted field (expected a comma or "
                            "the end of the line)",
                            path_, line_, quotedChar(c));
        return Parsed::Error;
      }
      row.cells.resize(n);
      for (CsvCell& cell : row.cells)  // after the cells stopped moving
        if (cell.wasQuoted) cell.text = cell.unquoted;
      if (n == 1 && row.cells[0].text.empty() && !row.cells[0].wasQuoted) continue;  // a blank line
      row.ascii = ascii_;
      return Parsed::Row;
    }
  }

  // The first of the `stops` at or after `from`, or the end. (string_view::find_first_of
  // calls memchr on the set for every character: a third of the time of a large file.)
  // Sixteen bytes at a time where SSE2 is there (every x86-64): a cell is compared in
  // one step or two, not byte by byte.
  template <char... stops>
  static size_t scan(std::string_view text, size_t from) {
    const char* p = text.data() + from;
    const char* end = text.data() + text.size();
#ifdef __SSE2__
    for (; end - p >= 16; p += 16) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      __m128i hit = _mm_setzero_si128();
      ((hit = _mm_or_si128(hit, _mm_cmpeq_epi8(chunk, _mm_set1_epi8(stops)))), ...);
      if (int mask = _mm_movemask_epi8(hit))
        return static_cast<size_t>(p - text.data()) + std::countr_zero(static_cast<unsigned>(mask));
    }
#endif
    while (p != end && ((*p != stops) && ...)) ++p;
    return static_cast<size_t>(p - text.data());
  }

  static std::string quotedChar(char c) { return shown(std::string_view(&c, 1)); }

  const std::string& path_;
  std::FILE* file_;
  std::vector<char> buf_;
  size_t size_ = 0;  // bytes of `buf_` read in
  size_t pos_ = 0;
  size_t end_ = 0;
  uint32_t line_ = 1;
  bool eof_ = false;
  size_t read_ = 0;  // bytes read from the file
  bool first_ = true;
  bool ascii_ = false;  // the first `size_` bytes of `buf_` are all ASCII
};

// The ids read so far, to find duplicates: open addressing over (hash, index) pairs,
// no node per id; the hash in the slot spares reading an id that cannot be equal (a
// cache miss per row on a million records). While the ids come in ascending order (as
// `records export` and most generated files write them), a new id is compared with the
// one before and the table is not made: its probes missed the cache on every row.
class IdIndex {
 public:
  explicit IdIndex(const std::vector<std::string>& ids) : ids_(ids) {}
  // Room for `n` ids without growing.
  void reserve(size_t n) {
    if (sorted_) expected_ = n;
    else while (n * 2 > slots_.size()) grow();
  }
  // The index of an equal id already in, or nullopt after taking `index` (`ids` holds
  // the ids 0 … index-1, and `ids[index]` must be `id` before the next call).
  std::optional<uint32_t> insert(std::string_view id, uint32_t index) {
    if (sorted_) {
      if (index == 0 || std::string_view(ids_[index - 1]) < id) return std::nullopt;
      sorted_ = false;  // out of order: index what came before
      reserve(std::max<size_t>(expected_, index + 1));
      for (uint32_t i = 0; i < index; ++i) insert(ids_[i], i);
    }
    if ((count_ + 1) * 2 > slots_.size()) grow();
    uint64_t h = std::hash<std::string_view>()(id);
    auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      uint64_t slot = slots_[i];
      if (slot == kEmpty) {
        slots_[i] = entry(tag, index);
        ++count_;
        return std::nullopt;
      }
      auto other = static_cast<uint32_t>(slot);
      if (static_cast<uint32_t>(slot >> 32) == tag && ids_[other] == id) return other;
    }
  }

 private:
  static constexpr uint64_t kEmpty = UINT64_MAX;
  static uint64_t entry(uint32_t tag, uint32_t index) { return (static_cast<uint64_t>(tag) << 32) | index; }
  void grow() {
    std::vector<uint64_t> old(std::max<size_t>(1024, slots_.size() * 2), kEmpty);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (uint64_t slot : old) {
      if (slot == kEmpty) continue;
      size_t i = std::hash<std::string_view>()(ids_[static_cast<uint32_t>(slot)]) & mask_;
      while (slots_[i] != kEmpty) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }
  const std::vector<std::string>& ids_;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
  bool sorted_ = true;
  size_t expected_ = 0;
};

bool readCsv(const std::string& path, std::FILE* file, const RecordSchema& schema,
             const std::vector<std::string>& keepAll, StringArena& arena, RecordTable& out,
             std::string& error, bool presentOnly) {
  CsvReader reader(path, file);
  CsvRow header;
  if (!reader.next(header, error)) {
    if (error.empty()) error = fmt::format("{}: no header row (the file is empty)", path);
    return false;
  }
  auto where = [&](uint32_t line) { return at(path, line); };
  // Columns: their field (null for `id`).
  std::vector<const FieldSpec*> fields;
  std::unordered_map<std::string, size_t> seen;
  std::optional<size_t> idColumn;
  for (size_t i = 0; i < header.cells.size(); ++i) {
    std::string name(trimmed(header.cells[i].text));
    if (name.empty()) {
      error = fmt::format("{}empty column name (column {})", where(header.line), i + 1);
      return false;
    }
    if (!utf8::validLength(name)) {
      error = fmt::format("{}column name {} is not valid UTF-8", where(header.line), shown(name));
      return false;
    }
    if (auto [it, fresh] = seen.emplace(name, i); !fresh) {
      error = fmt::format("{}duplicate column '{}' (columns {} and {})", where(header.line),
                          name, it->second + 1, i + 1);
      return false;
    }
    const FieldSpec* f = schema.find(name);
    if (name == "id") {
      idColumn = i;
    } else if (!f) {
      error = where(header.line) + unknownField(schema, name);
      return false;
    }
    fields.push_back(name == "id" ? nullptr : f);
  }
  if (!idColumn) {
    error = fmt::format("{}no 'id' column (the header must name an id column)", where(header.line));
    return false;
  }
  std::vector<std::string> keep;
  for (const auto& k : keepAll)
    if (!presentOnly || seen.count(k)) keep.push_back(k);
  // Where each kept column comes from (npos: null; idColumn: the id).
  std::vector<size_t> keepColumn;
  bool keepsId = false;
  for (const auto& k : keep) {
    auto it = seen.find(k);
    keepColumn.push_back(it == seen.end() ? std::string::npos : it->second);
    keepsId = keepsId || k == "id";
  }
  out.ids.clear();
  out.lines.clear();
  out.values.clear();
  out.columns = keep;
  // Sized once from the file size: growing a million-row table copies it many times.
  std::error_code ec;
  auto fileSize = static_cast<size_t>(std::filesystem::file_size(path, ec));
  size_t rows = (ec ? 0 : fileSize / reader.bytesPerLine()) * 11 / 10 + 16;
  out.ids.reserve(rows);
  out.lines.reserve(rows);
  out.values.reserve(rows * keep.size());
  IdIndex idIndex(out.ids);
  idIndex.reserve(rows);
  std::vector<Value> rowValues(header.cells.size());
  std::vector<bool> kept(header.cells.size(), false);
  for (size_t c : keepColumn)
    if (c != std::string::npos) kept[c] = true;
  CsvRow row;
  while (reader.next(row, error)) {
    if (row.cells.size() != header.cells.size()) {
      error = fmt::format("{}the row has {} cell{}, the header {}", where(row.line),
                          row.cells.size(), row.cells.size() == 1 ? "" : "s",
                          header.cells.size());
      return false;
    }
    std::string_view id = row.cells[*idColumn].text;
    if (id.empty()) {
      error = fmt::format("{}empty id", where(row.line));
      return false;
    }
    if (!row.ascii && !utf8::validLength(id)) {
      error = fmt::format("{}id {} is not valid UTF-8", where(row.line), shown(id));
      return false;
    }
    if (auto first = idIndex.insert(id, static_cast<uint32_t>(out.ids.size()))) {
      error = fmt::format("{}duplicate id {} (first on line {})", where(row.line), shown(id),
                          out.lines[*first]);
      return false;
    }
    for (size_t i = 0; i < row.cells.size(); ++i) {
      if (!fields[i]) {
        if (keepsId) rowValues[i] = Value::string(arena.store(id));
        continue;
      }
      std::string message;
      std::string_view text = row.cells[i].text;
      auto v = parseFieldView(*fields[i], text, message, row.ascii);
      if (!v) {
        error = fmt::format("{}field '{}': {}", where(row.cells[i].line), fields[i]->name,
                            message);
        return false;
      }
      // Only the kept columns' strings are copied out of the row's text.
      if (v->tag == Tag::String && kept[i]) *v = Value::string(arena.store(v->str()));
      rowValues[i] = *v;
    }
    out.ids.emplace_back(id);
    out.lines.push_back(row.line);
    for (size_t c : keepColumn)
      out.values.push_back(c == std::string::npos ? Value::null() : rowValues[c]);
  }
  return error.empty();
}

// ---- JSONL records ----------------------------------------------------------------------

bool readJsonlRecords(const std::string& path, std::string_view text, const RecordSchema& schema,
                      const std::vector<std::string>& keep, StringArena& arena,
                      RecordTable& out, std::string& error) {
  out.ids.clear();
  out.lines.clear();
  out.values.clear();
  out.columns = keep;
  std::unordered_map<std::string, uint32_t> idLines;
  std::unordered_map<std::string_view, size_t> keepIndex;
  for (size_t i = 0; i < keep.size(); ++i) keepIndex.emplace(keep[i], i);
  return forEachLine(text, [&](size_t line, std::string_view l) {
    Json j;
    if (!parseJsonLine(path, line, l, j, error)) return false;
    auto where = at(path, line);
    auto idIt = j.find("id");
    if (idIt == j.end()) {
      error = where + "missing 'id'";
      return false;
    }
    std::string message;
    auto id = jsonId(*idIt, message);
    if (!id) {
      error = fmt::format("{}'id': {}", where, message);
      return false;
    }
    auto lineNo = static_cast<uint32_t>(line);
    if (auto [it, fresh] = idLines.emplace(*id, lineNo); !fresh) {
      error = fmt::format("{}duplicate id {} (first on line {})", where, shown(*id), it->second);
      return false;
    }
    size_t base = out.values.size();
    out.values.resize(base + keep.size());
    for (const auto& [key, value] : j.items()) {
      std::optional<Value> v;
      if (key == "id") {
        if (!keepIndex.count(key)) continue;
        v = Value::string(arena.store(*id));
      } else {
        const FieldSpec* f = schema.find(key);
        if (!f) {
          error = where + unknownField(schema, key);
          return false;
        }
        v = jsonValue(*f, value, arena, message);
        if (!v) {
          error = fmt::format("{}field '{}': {}", where, key, message);
          return false;
        }
      }
      if (auto k = keepIndex.find(key); k != keepIndex.end()) out.values[base + k->second] = *v;
    }
    out.ids.push_back(std::move(*id));
    out.lines.push_back(lineNo);
    return true;
  });
}

}  // namespace

std::string fieldText(const FieldSpec& field, const Value& v) {
  switch (v.tag) {
    case Tag::Null: return {};
    case Tag::Bool: return v.b ? "true" : "false";
    case Tag::String: return std::string(v.str());
    case Tag::Decimal: return fmt::format("{}", v.d);  // shortest text that reads back exactly
    case Tag::Money: return money::format(v.i);
    case Tag::Date: return formatDate(v.i);
    case Tag::DateTime: return formatDateTime(v.i);
    case Tag::Duration: return formatDuration(v.i);
    case Tag::Int:
      if (field.type == ValueType::Choice)
        for (const auto& [value, label] : field.options)
          if (value == v.i) return label;
      return std::to_string(v.i);
  }
  return {};
}

std::optional<Value> parseFieldText(const FieldSpec& field, std::string_view text,
                                    StringArena& arena, std::string& error) {
  std::optional<Value> v = parseFieldView(field, text, error);
  if (v && v->tag == Tag::String) *v = Value::string(arena.store(v->str()));
  return v;
}

std::optional<Value> parseFieldView(const FieldSpec& field, std::string_view text, std::string& error, bool ascii) {
  if (text.empty()) return Value::null();
  auto expected = [&]() {
    error = fmt::format("expected {}, got {}", valueTypeName(field.type), shown(text));
    return std::nullopt;
  };
  switch (field.type) {
    case ValueType::String:
    case ValueType::Id:
    case ValueType::Lookup: {
      auto length = ascii ? std::optional<size_t>(text.size()) : utf8::validLength(text);
      if (!length) {
        error = fmt::format("{} is not valid UTF-8", shown(text));
        return std::nullopt;
      }
      if (field.type == ValueType::String && field.maxLength && *length > field.maxLength) {
        error = fmt::format("{} is longer than {} characters ({})", shown(text),
                            field.maxLength, *length);
        return std::nullopt;
      }
      return Value::string(text);
    }
    default: break;
  }
  std::string_view t = trimmed(text);
  if (t.empty()) return Value::null();
  switch (field.type) {
    case ValueType::Bool:
      if (t == "true") return Value::boolean(true);
      if (t == "false") return Value::boolean(false);
      return expected();
    case ValueType::Int: {
      if (auto v = parseInt(t)) return Value::integer(*v);
      if (intOverflows(t)) {
        error = fmt::format("{} is out of range for an integer", shown(t));
        return std::nullopt;
      }
      return expected();
    }
    case ValueType::Decimal: {
      NumberError err;
      if (auto v = parseDouble(t, err)) return Value::decimal(*v);
      if (err == NumberError::Range) {
        error = fmt::format("{} is out of range", shown(t));
        return std::nullopt;
      }
      return expected();
    }
    case ValueType::Money: {
      std::string message;
      if (auto v = parseMoney(t, message)) return Value::money(*v);
      if (!message.empty()) {
        error = fmt::format("{}: {}", shown(t), message);
        return std::nullopt;
      }
      return expected();
    }
    case ValueType::Date:
      if (auto v = parseDate(t)) return Value::date(*v);
      return expected();
    case ValueType::DateTime:
      if (auto v = parseDateTime(t)) return Value::datetime(*v);
      return expected();
    case ValueType::Duration:
      if (auto v = parseDuration(t)) return Value::duration(*v);
      return expected();
    case ValueType::Choice: {
      for (const auto& [value, label] : field.options)
        if (label == t) return Value::integer(value);
      if (auto v = parseInt(t)) return choiceByValue(field, *v, shown(t), error);
      std::vector<std::string_view> labels;
      for (const auto& o : field.options) labels.push_back(o.second);
      std::string hint;
      if (auto c = closestMatch(t, labels); !c.empty()) hint = fmt::format("; did you mean '{}'?", c);
      error = fmt::format("no option {} (options: {}){}", shown(t), optionList(field), hint);
      return std::nullopt;
    }
    default:
      error = fmt::format("field of type {} cannot be read", bc::name(field.type));
      return std::nullopt;
  }
}

bool readRecords(const std::string& path, const RecordSchema& schema,
                 const std::vector<std::string>& keep, StringArena& arena, RecordTable& out,
                 std::string& error, bool presentOnly) {
  error.clear();
  bool csv = endsWith(path, ".csv");
  if (!csv && !endsWith(path, ".jsonl")) {
    error = fmt::format("{}: records must be .csv or .jsonl", path);
    return false;
  }
  if (csv) {
    auto file = openFile(path, error);
    return file && readCsv(path, file.get(), schema, keep, arena, out, error, presentOnly);
  }
  std::string text;
  return readFile(path, text, error) && readJsonlRecords(path, text, schema, keep, arena, out, error);
}

bool readEvents(const std::string& path, int64_t start, const RecordSchema& schema,
                StringArena& arena, std::vector<Event>& out, std::string& error) {
  error.clear();
  out.clear();
  std::string text;
  if (!readFile(path, text, error)) return false;
  static constexpr std::string_view kKeys[] = {"at", "record", "event", "outcome", "step",
                                               "fields"};
  return forEachLine(text, [&](size_t line, std::string_view l) {
    Json j;
    if (!parseJsonLine(path, line, l, j, error)) return false;
    auto where = at(path, line);
    for (const auto& [key, value] : j.items()) {
      if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
        std::vector<std::string_view> names(std::begin(kKeys), std::end(kKeys));
        error = fmt::format("{}unknown member '{}'{} (expected at, record, event, outcome, "
                            "step, fields)",
                            where, key, didYouMean(key, names));
        return false;
      }
    }
    Event e;
    e.line = static_cast<uint32_t>(line);
    auto member = [&](std::string_view name) -> const Json* {
      auto it = j.find(name);
      if (it == j.end()) {
        error = fmt::format("{}missing '{}'", where, name);
        return nullptr;
      }
      return &*it;
    };
    // at
    const Json* a = member("at");
    if (!a) return false;
    bool atOk = false;
    if (a->is_string()) {
      std::string_view s = a->get_ref<const std::string&>();
      if (!s.empty() && s[0] == '+') {
        auto d = parseDuration(s.substr(1));
        if (d && *d <= std::numeric_limits<int64_t>::max() - std::max<int64_t>(start, 0)) {
          e.at = start + *d;
          atOk = true;
        }
      } else if (auto t = parseDateTime(s)) {
        e.at = *t;
        atOk = true;
      }
    }
    if (!atOk) {
      error = fmt::format("{}'at': expected an ISO 8601 time (2026-01-05T09:00:00Z) or an "
                          "offset from the start (+1d4h), got {}",
                          where, a->is_string() ? shown(a->get_ref<const std::string&>())
                                                : jsonTypeName(*a));
      return false;
    }
    // record
    const Json* r = member("record");
    if (!r) return false;
    std::string message;
    auto id = jsonId(*r, message);
    if (!id) {
      error = fmt::format("{}'record': {}", where, message);
      return false;
    }
    e.record = std::move(*id);
    // event
    const Json* ev = member("event");
    if (!ev) return false;
    auto names = [] {
      std::string list;
      for (auto n : kEventTypeNames) list += (list.empty() ? "" : ", ") + std::string(n);
      return list;
    };
    if (!ev->is_string()) {
      error = fmt::format("{}'event': expected one of {}, got {}", where, names(),
                          jsonTypeName(*ev));
      return false;
    }
    const auto& evName = ev->get_ref<const std::string&>();
    auto type = std::find(kEventTypeNames.begin(), kEventTypeNames.end(), evName);
    if (type == kEventTypeNames.end()) {
      error = fmt::format("{}'event': unknown event {} (expected one of {})", where,
                          shown(evName), names());
      return false;
    }
    e.type = static_cast<EventType>(type - kEventTypeNames.begin());
    bool engagement = engagementEvent(e.type).has_value();
    auto notFor = [&](std::string_view key) {
      if (j.find(std::string(key)) == j.end()) return false;
      error = fmt::format("{}'{}' does not apply to a '{}' event", where, key, evName);
      return true;
    };
    // outcome
    if (e.type == EventType::Complete) {
      if (auto it = j.find("outcome"); it != j.end() && !it->is_null()) {
        std::optional<CallOutcome> o;
        if (it->is_string()) o = parseCallOutcome(it->get_ref<const std::string&>());
        if (!o) {
          error = fmt::format("{}'outcome': expected answered, voicemail, no_answer or "
                              "wrong_number, got {}",
                              where, it->is_string() ? shown(it->get_ref<const std::string&>())
                                                     : jsonTypeName(*it));
          return false;
        }
        e.outcome = o;
      }
    } else if (notFor("outcome")) {
      return false;
    }
    // step
    if (engagement && j.contains("step")) {  // without it: the step sent last (simulation.md)
      const Json* s = member("step");
      if (!s->is_string() || s->get_ref<const std::string&>().empty()) {
        error = fmt::format("{}'step': expected a step label, got {}", where,
                            s->is_string() ? "an empty string" : jsonTypeName(*s));
        return false;
      }
      e.step = s->get<std::string>();
    } else if (!engagement && notFor("step")) {
      return false;
    }
    // fields
    if (e.type == EventType::Update) {
      const Json* f = member("fields");
      if (!f) return false;
      if (!f->is_object()) {
        error = fmt::format("{}'fields': expected an object, got {}", where, jsonTypeName(*f));
        return false;
      }
      for (const auto& [key, value] : f->items()) {
        if (key == "id") {
          error = fmt::format("{}'fields': the record id cannot be updated", where);
          return false;
        }
        const FieldSpec* spec = schema.find(key);
        if (!spec) {
          error = fmt::format("{}'fields': {}", where, unknownField(schema, key));
          return false;
        }
        auto v = jsonValue(*spec, value, arena, message);
        if (!v) {
          error = fmt::format("{}field '{}': {}", where, key, message);
          return false;
        }
        e.fields.emplace_back(key, *v);
      }
    } else if (notFor("fields")) {
      return false;
    }
    out.push_back(std::move(e));
    return true;
  });
}

}  // namespace seqc::rt
