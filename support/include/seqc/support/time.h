// Times and durations as the CLI reads and writes them (UTC, seconds since the epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seqc {

inline constexpr int64_t kSecondsPerDay = 86400;

// "2026-01-05T09:00:00Z" (also "+00:00" offsets, fractional seconds dropped, and a bare
// date "2026-01-05" as midnight UTC). Nullopt when malformed or out of range.
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

int64_t daysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace seqc
