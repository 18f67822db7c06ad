// IANA time zones of the system's tz database (package tzdata), read through Howard
// Hinnant's date/tz. A Zone is a small handle to immutable, process-wide data: copy it
// freely and use it from any thread.
//
// Each zone's offsets are kept as one sorted table of transitions, so conversions are a
// binary search: the transitions date/tz reports, then, past the last one the file lists
// (2037 in Debian's "fat" files, where date/tz 3.0.1 stops), those of the rule in the
// file's POSIX TZ footer, up to kRuleYearLimit; later instants keep the last offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace date {
class time_zone;
}

namespace seqc::cal {

struct ZoneData;

inline constexpr int kRuleYearLimit = 2200;

class Zone {
 public:
  // The zone of that exact IANA name (or link, e.g. "US/Eastern"); nullopt for anything
  // else, or when the tz database cannot be read.
  static std::optional<Zone> find(std::string_view name);
  // Every zone name of the database, sorted: for "did you mean" and completion.
  static const std::vector<std::string>& names();
  static Zone utc();

  const std::string& name() const;
  // The date/tz zone; null only for the built-in UTC used when there is no database.
  const date::time_zone* tz() const;

  // Seconds east of UTC in effect at `utc` (local = utc + offset).
  int32_t offsetAt(int64_t utc) const;
  // Local wall-clock time as seconds since the local epoch (1970-01-01 00:00 local).
  int64_t toLocal(int64_t utc) const { return utc + offsetAt(utc); }
  // The instant a local time names (CALENDARS.md §1): a time that occurs twice gives the
  // earlier instant; a time in a gap gives the first instant after the gap.
  int64_t toUtc(int64_t local) const;
  // Whether `local` falls in a gap (does not exist) or occurs twice.
  enum class LocalKind : uint8_t { Unique, Gap, Repeated };
  LocalKind classify(int64_t local) const;

  // A stretch of local time without transitions nearby, where toUtc(L) = L - offset for
  // every L in [localBegin, localEnd): lets loops over days skip the search. Nullopt
  // when `local` is too close to a transition.
  struct Stretch {
    int64_t localBegin, localEnd;
    int32_t offset;
  };
  std::optional<Stretch> stretchAt(int64_t local) const;

  // Instants at which the offset changes, in [from, to): for tests and tools.
  std::vector<int64_t> transitions(int64_t from, int64_t to) const;

  bool operator==(const Zone& o) const { return data_ == o.data_; }

 private:
  explicit Zone(const ZoneData* d) : data_(d) {}
  const ZoneData* data_;
};

// The tz database's version ("2025b"), from the first line of
// /usr/share/zoneinfo/tzdata.zi (date/tz reports "unknown" for the system database);
// "unknown" when the file is missing or says nothing.
const std::string& tzdataVersion();

namespace detail {
// A POSIX TZ rule ("EST5EDT,M3.2.0,M11.1.0"), as TZif footers carry it.
struct PosixRule {
  int32_t stdOffset = 0;  // seconds east of UTC
  int32_t dstOffset = 0;
  bool hasDst = false;
  struct When {
    enum Kind : uint8_t { Julian1, Julian0, MonthWeekDay } kind = MonthWeekDay;
    int16_t day = 0;  // Jn: 1..365, n: 0..365, M: weekday 0 (Sunday)..6
    uint8_t month = 0, week = 0;
    int32_t time = 7200;  // seconds after local midnight, may be negative or > 24h
  } start, end;
};
std::optional<PosixRule> parsePosixRule(std::string_view text);
// The rule of a zone's TZif footer; nullopt when the file has none or it does not parse.
std::optional<PosixRule> zoneRule(const std::string& name);
// Offset changes of the rule in years [fromYear, toYear], as (instant, new offset), sorted.
std::vector<std::pair<int64_t, int32_t>> ruleTransitions(const PosixRule& rule, int fromYear,
                                                         int toYear);
}  // namespace detail

}  // namespace seqc::cal
