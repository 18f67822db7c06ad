// The calendar engine (CALENDARS.md §1, §3, §4): a CalendarSpec read in one time zone
// answers whether an instant is open, when the next opening is, and where business
// durations end. Instants are Unix seconds (UTC), local dates are days since 1970-01-01
// in the zone, as in support/time.h.
//
// A range is open from the instant its start names to the instant its end names (local
// times resolved by Zone::toUtc), on each local date that is a working day: its day of
// the week has hours and it is no holiday. docs/calendars.md has the rules and the
// choices where the specification is silent.
//
// Every search is bounded: an answer more than kSearchDays local days after the start
// is not looked for, and the result is nullopt (a calendar with no working day at all
// answers nullopt at once).
//
// Answers come from a table of the open spans of about two years of local dates around
// the instants asked about, built on first use and extended when asked outside it (binary
// searches and prefix sums of open seconds); what the table cannot answer is computed
// directly, and both give the same answers (tests/unit/calendar_test.cc compares them).
//
// Not thread-safe: the per-year holiday cache and the table are filled on demand, and
// Calendars made by withZone share the holiday cache. Use one Calendar (and its withZone
// copies) per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "seqc/calendar/spec.h"
#include "seqc/calendar/zone.h"

namespace seqc::cal {

inline constexpr int64_t kSearchDays = 3660;  // about ten years
// Instants outside years 1..9999 are not calendar times: closed, and no answers.
inline constexpr int64_t kEarliestInstant = -62135596800;  // 0001-01-01T00:00:00Z
inline constexpr int64_t kLatestInstant = 253402300799;    // 9999-12-31T23:59:59Z

struct Holiday {
  int64_t day = 0;     // local date
  uint32_t rule = 0;   // index into CalendarSpec::holidays
  bool observed = false;  // the weekday a weekend date is observed on
  bool operator==(const Holiday&) const = default;
};

struct OpenSpan {
  int64_t open = 0, close = 0;  // [open, close), UTC
  bool operator==(const OpenSpan&) const = default;
};

// 0 = Monday … 6 = Sunday.
int weekdayOf(int64_t localDay);
// Western (Gregorian) Easter Sunday of `year`, as days since 1970-01-01.
int64_t easterSunday(int year);

class Calendar {
 public:
  // `spec` must pass validate(); `zone` is the spec's zone or a record's own zone.
  Calendar(const CalendarSpec& spec, Zone zone);
  // With the spec's own zone; nullopt when the tz database has no zone of that name.
  static std::optional<Calendar> inOwnZone(const CalendarSpec& spec);
  // The same calendar read in another zone: hours and holidays are local, so the rules
  // and the holiday cache are shared.
  Calendar withZone(Zone zone) const;
  // The same calendar without the table: every answer computed directly (for tests).
  Calendar direct() const;

  const CalendarSpec& spec() const;
  Zone zone() const { return zone_; }

  int64_t localDate(int64_t t) const;
  bool isHoliday(int64_t localDay) const;
  // Its day of the week has hours and it is no holiday.
  bool isWorkingDay(int64_t localDay) const;
  // The holidays falling in a year (local dates of that year, observed days included),
  // by date then rule. Computed once per year; the reference lives as long as the rules.
  const std::vector<Holiday>& holidays(int year) const;
  // The non-empty open spans of the ranges starting on a local date (none on a day that
  // is not a working day), in order.
  std::vector<OpenSpan> openSpans(int64_t localDay) const;

  bool isOpen(int64_t t) const;
  // t when open, else the start of the next span.
  std::optional<int64_t> nextOpening(int64_t t) const;
  // The instant at which `seconds` of open time have passed since t, counting from the
  // next opening; ending exactly at a closing gives that closing. 0 gives nextOpening.
  std::optional<int64_t> addOpenTime(int64_t t, int64_t seconds) const;
  std::optional<int64_t> addBusinessHours(int64_t t, int64_t hours) const;
  // The first opening (`wait N business days`) or the last closing (`within`/`due N
  // business days`) of the Nth working day after t's local date; n ≥ 1. A working day
  // whose ranges all fall inside a daylight-saving gap has no open time and is skipped.
  std::optional<int64_t> businessDaysWait(int64_t t, int n) const;
  std::optional<int64_t> businessDaysEnd(int64_t t, int n) const;
  // Open seconds in [from, to); at most kSearchDays days past `from` are counted.
  int64_t openSeconds(int64_t from, int64_t to) const;

 private:
  struct Rules;
  struct Table;
  Calendar(std::shared_ptr<Rules> rules, Zone zone) : rules_(std::move(rules)), zone_(zone) {}
  // The table covering local date `day` with room for answers after it, (re)built when
  // needed; null outside the years the table is kept for, or without one.
  const Table* tableFor(int64_t day) const;
  int64_t directLocalDate(int64_t t) const;
  template <typename F>
  bool forEachSpan(int64_t firstDay, int64_t lastDay, F&& f) const;
  template <typename F>
  bool spansOfDay(int64_t day, int wd, std::optional<Zone::Stretch>& stretch, F& f) const;
  // The first opening and last closing of the Nth working day after t's date.
  std::optional<OpenSpan> nthWorkingDay(int64_t t, int n) const;

  std::shared_ptr<Rules> rules_;
  Zone zone_;
  bool useTable_ = true;
  mutable std::shared_ptr<const Table> table_;  // copies share it until one rebuilds
};

}  // namespace seqc::cal
