// Times and durations as the CLI reads and writes them: strict ISO 8601 in UTC, no
// locale or time-zone database involved.
#include "seqc/support/time.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace seqc {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Exactly `n` digits at `pos` (advanced past them).
std::optional<int> digits(std::string_view s, size_t& pos, size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!isDigit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// "YYYY-MM-DD" at `pos`, validated; days since the epoch.
std::optional<int64_t> datePart(std::string_view s, size_t& pos) {
  auto y = digits(s, pos, 4);
  if (!y || !expect(s, pos, '-')) return std::nullopt;
  auto m = digits(s, pos, 2);
  if (!m || !expect(s, pos, '-')) return std::nullopt;
  auto d = digits(s, pos, 2);
  if (!d) return std::nullopt;
  if (*m < 1 || *m > 12 || *d < 1 || static_cast<unsigned>(*d) > daysInMonth(*y, static_cast<unsigned>(*m)))
    return std::nullopt;
  int64_t days = daysFromCivil(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d));
  if (days < kFirstDay || days > kLastDay) return std::nullopt;  // year 0000
  return days;
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct Civil {
  int64_t y;
  unsigned m, d;
};

// Howard Hinnant's civil_from_days.
Civil civilFromDays(int64_t z) {
  // Far outside any real date the result is meaningless but must not overflow.
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 2;
  z = std::clamp(z, -kLimit, kLimit) + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

}  // namespace

std::optional<int64_t> parseDate(std::string_view text) {
  size_t pos = 0;
  auto days = datePart(text, pos);
  if (!days || pos != text.size()) return std::nullopt;
  return days;
}

std::optional<int64_t> parseDateTime(std::string_view s) {
  size_t pos = 0;
  auto days = datePart(s, pos);
  if (!days) return std::nullopt;
  if (pos == s.size()) return *days * kSecondsPerDay;  // bare date: midnight UTC
  if (!expect(s, pos, 'T')) return std::nullopt;
  auto hh = digits(s, pos, 2);
  if (!hh || !expect(s, pos, ':')) return std::nullopt;
  auto mm = digits(s, pos, 2);
  if (!mm || !expect(s, pos, ':')) return std::nullopt;
  auto ss = digits(s, pos, 2);
  if (!ss || *hh > 23 || *mm > 59 || *ss > 59) return std::nullopt;
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {  // fraction: dropped
    ++pos;
    size_t begin = pos;
    while (pos < s.size() && isDigit(s[pos])) ++pos;
    if (pos == begin) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos >= s.size()) return std::nullopt;  // the zone is required
  if (s[pos] == 'Z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = digits(s, pos, 2);
    if (!oh || !expect(s, pos, ':')) return std::nullopt;
    auto om = digits(s, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = sign * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  // Local time minus its offset is UTC, which an offset can take out of range.
  int64_t t = *days * kSecondsPerDay + *hh * 3600 + *mm * 60 + *ss - offset;
  if (t < kFirstInstant || t > kLastInstant) return std::nullopt;
  return t;
}

std::optional<int64_t> parseDuration(std::string_view s) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  size_t pos = 0;
  int64_t total = 0;
  bool any = false;
  while (pos < s.size()) {
    if (any) {  // parts may be separated by spaces (never leading or trailing)
      size_t spaces = pos;
      while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
      if (pos == s.size() && pos != spaces) return std::nullopt;
    }
    if (pos >= s.size() || !isDigit(s[pos])) return std::nullopt;
    int64_t n = 0;
    while (pos < s.size() && isDigit(s[pos])) {
      int digit = s[pos] - '0';
      if (n > (kMax - digit) / 10) return std::nullopt;
      n = n * 10 + digit;
      ++pos;
    }
    if (pos >= s.size()) return std::nullopt;  // a unit is required
    int64_t unit = 0;
    switch (s[pos]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = kSecondsPerDay; break;
      case 'w': unit = 7 * kSecondsPerDay; break;
      default: return std::nullopt;
    }
    ++pos;
    if (n > kMax / unit) return std::nullopt;
    int64_t part = n * unit;
    if (total > kMax - part) return std::nullopt;
    total += part;
    any = true;
  }
  if (!any) return std::nullopt;
  return total;
}

std::string formatDateTime(int64_t seconds) {
  int64_t days = floorDiv(seconds, kSecondsPerDay);
  int64_t rest = seconds % kSecondsPerDay;
  if (rest < 0) rest += kSecondsPerDay;
  Civil c = civilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.y, c.m, c.d, rest / 3600,
                     rest / 60 % 60, rest % 60);
}

std::string formatDate(int64_t days) {
  Civil c = civilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}", c.y, c.m, c.d);
}

std::string formatDuration(int64_t seconds) {
  std::string out;
  uint64_t rest = static_cast<uint64_t>(seconds);
  if (seconds < 0) {
    out += '-';
    rest = 0 - rest;  // also right for INT64_MIN
  }
  uint64_t d = rest / 86400, h = rest / 3600 % 24, m = rest / 60 % 60, s = rest % 60;
  if (d) out += fmt::format("{}d", d);
  if (h) out += fmt::format("{}h", h);
  if (m || (!d && !h && !s)) out += fmt::format("{}m", m);
  if (s) out += fmt::format("{}s", s);
  return out;
}

}  // namespace seqc
