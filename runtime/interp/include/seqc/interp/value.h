// Run-time values: 16 bytes, tagged. Ids and lookups are strings; choices are their
// option value (Int); money is exact, scaled by 10^4; dates count days and datetimes
// and durations seconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace seqc::rt {

enum class Tag : uint8_t { Null, Bool, Int, Decimal, Money, String, Date, DateTime, Duration };

inline constexpr int64_t kMoneyScale = 10000;

struct Value {
  Tag tag = Tag::Null;
  uint32_t len = 0;  // String
  union {
    bool b;
    int64_t i;
    double d;
    const char* s;
  };
  Value() : i(0) {}

  static Value null() { return {}; }
  static Value boolean(bool v) { Value x; x.tag = Tag::Bool; x.b = v; return x; }
  static Value integer(int64_t v) { return of(Tag::Int, v); }
  static Value decimal(double v) { Value x; x.tag = Tag::Decimal; x.d = v; return x; }
  static Value money(int64_t scaled) { return of(Tag::Money, scaled); }
  static Value date(int64_t days) { return of(Tag::Date, days); }
  static Value datetime(int64_t seconds) { return of(Tag::DateTime, seconds); }
  static Value duration(int64_t seconds) { return of(Tag::Duration, seconds); }
  // `text` must outlive the value (a StringArena or the module's string table).
  static Value string(std::string_view text) {
    Value x; x.tag = Tag::String; x.s = text.data(); x.len = static_cast<uint32_t>(text.size());
    return x;
  }
  static Value of(Tag t, int64_t v) { Value x; x.tag = t; x.i = v; return x; }

  bool isNull() const { return tag == Tag::Null; }
  std::string_view str() const { return {s, len}; }
};
static_assert(sizeof(Value) == 16);

// Owns the text of string values made at run time or read from files. Chunks never
// move, so a Value's pointer stays valid as long as the arena lives.
class StringArena {
 public:
  std::string_view store(std::string_view text) {
    if (text.empty()) return {};
    if (text.size() > kChunk / 4) {
      big_.push_back(std::make_unique<char[]>(text.size()));
      std::memcpy(big_.back().get(), text.data(), text.size());
      return {big_.back().get(), text.size()};
    }
    if (chunks_.empty() || used_ + text.size() > kChunk) {
      chunks_.push_back(std::make_unique<char[]>(kChunk));
      used_ = 0;
    }
    char* p = chunks_.back().get() + used_;
    std::memcpy(p, text.data(), text.size());
    used_ += text.size();
    return {p, text.size()};
  }
  size_t bytes() const { return chunks_.size() * kChunk; }

 private:
  static constexpr size_t kChunk = 64 * 1024;
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<std::unique_ptr<char[]>> big_;
  size_t used_ = 0;
};

// Values as bytes, for state kept between runs (the workspace): per value a tag byte,
// then 1 byte (bool), 8 bytes little-endian (numbers, dates, durations) or a LEB128
// length and the text (strings). decodeValues is false when `bytes` does not hold
// exactly `out.size()` well-formed values; decoded strings live in `arena`.
void encodeValues(std::span<const Value> values, std::string& out);
bool decodeValues(std::string_view bytes, std::span<Value> out, StringArena& arena);

}  // namespace seqc::rt
