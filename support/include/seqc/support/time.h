// Times and durations as the CLI reads and writes them (UTC, seconds since the epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seqc {

inline constexpr int64_t kSecondsPerDay = 86400;

constexpr bool isLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

// Days in month m (1–12) of year y.
constexpr unsigned daysInMonth(int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && isLeapYear(y) ? 29 : kDays[m - 1];
}

// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// The calendar's range, the same for parsing, the interpreter and the stores: a date or
// datetime outside it is rejected when read and a runtime error when computed, so a
// value once stored always reads back (4-digit years).
inline constexpr int64_t kFirstDay = daysFromCivil(1, 1, 1);
inline constexpr int64_t kLastDay = daysFromCivil(9999, 12, 31);
inline constexpr int64_t kFirstInstant = kFirstDay * kSecondsPerDay;          // 0001-01-01T00:00:00Z
inline constexpr int64_t kLastInstant = (kLastDay + 1) * kSecondsPerDay - 1;  // 9999-12-31T23:59:59Z

// "2026-01-05T09:00:00Z" (also "+00:00" offsets, fractional seconds dropped, and a bare
// date "2026-01-05" as midnight UTC). Nullopt when malformed or out of range
// (kFirstInstant–kLastInstant).
std::optional<int64_t> parseDateTime(std::string_view text);
// "2026-01-05" → days since the epoch.
std::optional<int64_t> parseDate(std::string_view text);
// "1d4h", "30m", "2w 1d", "45s" → seconds (units s m h d w, several add up).
std::optional<int64_t> parseDuration(std::string_view text);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string formatDateTime(int64_t seconds);
// "YYYY-MM-DD".
std::string formatDate(int64_t days);
// "1d4h", "30m", "0m" (largest units first; seconds only when not whole minutes).
std::string formatDuration(int64_t seconds);

}  // namespace seqc
