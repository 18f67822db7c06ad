// A calendar declaration as plain data (CALENDARS.md §1): what the compiler lowers a
// `calendar` into, what the bytecode stores, and what `Calendar` (calendar.h) is built
// from. `problems`/`validate` hold the well-formedness rules once, so the verifier and
// the compiler's diagnostics agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace seqc::cal {

inline constexpr int kMinutesPerDay = 1440;
// Sanity bounds for data from outside (a .seqb file): the expansion of a year's holidays
// costs one pass over the rules.
inline constexpr size_t kMaxHoursRanges = 1000;
inline constexpr size_t kMaxHolidayRules = 1000;
inline constexpr int kMaxOffsetDays = 100;
inline constexpr int kMaxRangeDays = 366;
// Explicit dates (`2026-03-12`) as support/time.h parses them.
inline constexpr int kMinYear = 1900;
inline constexpr int kMaxYear = 9999;

// Days of the week as the language writes them, Monday first.
enum Weekday : uint8_t { kMon, kTue, kWed, kThu, kFri, kSat, kSun };

// One `HH:MM-HH:MM` of an `hours` line, for one day of the week. An end before the start
// is an overnight range: it runs past midnight into the next day and belongs to `day`.
// An end of 0 (`22:00-00:00`) means midnight at the end of `day`, as 1440 does.
struct HoursRange {
  uint8_t day = kMon;         // Weekday
  uint16_t startMinute = 0;   // 0..1439
  uint16_t endMinute = 0;     // 0..1440; < startMinute: overnight
  bool operator==(const HoursRange&) const = default;
};

struct CivilDate {
  int32_t year = 0;  // ignored by Fixed, NthWeekday and LastWeekday rules
  uint8_t month = 1;  // 1..12
  uint8_t day = 1;    // 1..31
  bool operator==(const CivilDate&) const = default;
};

enum class HolidayKind : uint8_t {
  Fixed,        // `jul 4`: date.month/date.day every year (`feb 29` in leap years only)
  Date,         // `2026-03-12`: date
  Range,        // `2026-03-12 to 2026-03-13`: date..end, inclusive
  NthWeekday,   // `4th thu of nov`: nth (1..5) weekday of date.month
  LastWeekday,  // `last mon of may`: weekday, date.month
  Easter,       // `easter`: Western Easter Sunday
};

enum class Observed : uint8_t {
  None,
  Observed,      // Saturday → the Friday before, Sunday → the Monday after
  ObservedNext,  // weekend → the first following weekday that is not already a holiday
};

struct HolidayRule {
  std::string name;
  HolidayKind kind = HolidayKind::Fixed;
  CivilDate date;
  CivilDate end;        // Range only
  uint8_t nth = 1;      // NthWeekday only
  uint8_t weekday = kMon;  // NthWeekday, LastWeekday
  Observed observed = Observed::None;
  int16_t offsetDays = 0;  // -100..100, applied before `observed`
  bool operator==(const HolidayRule&) const = default;

  static HolidayRule fixed(std::string name, int month, int day, Observed o = Observed::None,
                           int offset = 0);
  static HolidayRule onDate(std::string name, int year, int month, int day, int offset = 0);
  static HolidayRule range(std::string name, CivilDate from, CivilDate to);
  static HolidayRule nthWeekday(std::string name, int nth, Weekday wd, int month,
                                int offset = 0);
  static HolidayRule lastWeekday(std::string name, Weekday wd, int month, int offset = 0);
  static HolidayRule easter(std::string name, int offset = 0);
};

struct CalendarSpec {
  std::string name;
  std::string zone;  // IANA name; validate() does not consult the tz database (zone.h does)
  std::vector<HoursRange> hours;
  bool hasHours = false;  // false: open all day every day that is not a holiday
  std::vector<HolidayRule> holidays;
  bool operator==(const CalendarSpec&) const = default;
};

// What is wrong, and where: the compiler reports `Hours` problems as BadHours at the
// range (an overlap at `index`, the later of the two), `Holiday` as BadHoliday.
enum class SpecPart : uint8_t { Zone, Hours, Holiday };
struct SpecProblem {
  SpecPart part = SpecPart::Zone;
  size_t index = 0;  // into hours or holidays
  size_t other = 0;  // Hours overlap: the earlier range it overlaps
  std::string message;
  bool operator==(const SpecProblem&) const = default;
};

// One range on its own: day, minutes, start ≠ end.
std::optional<std::string> checkHoursRange(const HoursRange& r);
// The first pair of ranges that overlap (overnight ones included, Sunday's wrapping into
// Monday), as (earlier index, later index) in the order given; touching is fine.
std::optional<std::pair<size_t, size_t>> findOverlap(std::span<const HoursRange> hours);
// One rule on its own: dates exist, nth/weekday/month in range, a range forward and at
// most 366 days, the offset within ±100, `observed` only with a fixed date and neither
// kind of observation with a range.
std::optional<std::string> checkHoliday(const HolidayRule& h);

// Every problem, hours first, each range or rule once.
std::vector<SpecProblem> problems(const CalendarSpec& spec);
// The first problem as one sentence, for the bytecode verifier; nullopt when well formed.
std::optional<std::string> validate(const CalendarSpec& spec);

std::string_view weekdayName(int wd);  // "mon" … "sun"
std::string_view monthName(int month);  // "jan" … "dec"

}  // namespace seqc::cal
