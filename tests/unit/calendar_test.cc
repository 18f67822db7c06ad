// The calendar engine (seqc/calendar/…, CALENDARS.md §1, §3): validation, holidays,
// Easter, hours (overnight ones included), daylight-saving gaps and repeats, the §3
// examples, and property tests over every zone of the tz database ([property]).
#include <catch2/catch.hpp>
#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "seqc/calendar/calendar.h"
#include "seqc/calendar/spec.h"
#include "seqc/calendar/zone.h"
#include "seqc/support/time.h"

using namespace seqc;
using namespace seqc::cal;

namespace {

Zone zone(std::string_view name) {
  auto z = Zone::find(name);
  REQUIRE(z);
  return *z;
}

int64_t day(int y, unsigned m, unsigned d) { return daysFromCivil(y, m, d); }

// A local wall-clock time in a zone, resolved as §1 says.
int64_t at(Zone z, int y, unsigned m, unsigned d, int hh, int mm = 0) {
  return z.toUtc(day(y, m, d) * kSecondsPerDay + hh * 3600 + mm * 60);
}

int64_t utc(std::string_view iso) {
  auto t = parseDateTime(iso);
  REQUIRE(t);
  return *t;
}

// "2026-01-12 mon 09:00" in the calendar's zone, for readable failures.
std::string local(const Calendar& c, std::optional<int64_t> t) {
  if (!t) return "none";
  int64_t l = c.zone().toLocal(*t);
  int64_t d = c.localDate(*t);
  int64_t s = l - d * kSecondsPerDay;
  return fmt::format("{} {} {:02}:{:02}", formatDate(d), weekdayName(weekdayOf(d)), s / 3600,
                     s / 60 % 60);
}

HoursRange hours(Weekday d, int h1, int m1, int h2, int m2) {
  return {d, static_cast<uint16_t>(h1 * 60 + m1), static_cast<uint16_t>(h2 * 60 + m2)};
}

// `hours DAYS from-to` for each day of [first, last].
void addHours(CalendarSpec& s, Weekday first, Weekday last, int h1, int m1, int h2, int m2) {
  s.hasHours = true;
  for (int d = first; d <= last; ++d) s.hours.push_back(hours(Weekday(d), h1, m1, h2, m2));
}

CalendarSpec nineToFive(std::string zoneName = "America/New_York") {
  CalendarSpec s;
  s.name = "office";
  s.zone = std::move(zoneName);
  addHours(s, kMon, kFri, 9, 0, 17, 0);
  return s;
}

// CALENDARS.md §1's example.
CalendarSpec usEast() {
  CalendarSpec s;
  s.name = "US East";
  s.zone = "America/New_York";
  addHours(s, kMon, kThu, 8, 30, 12, 0);
  addHours(s, kMon, kThu, 13, 0, 17, 30);
  addHours(s, kFri, kFri, 8, 30, 15, 0);
  s.holidays = {
      HolidayRule::fixed("New Year's Day", 1, 1, Observed::Observed),
      HolidayRule::lastWeekday("Memorial Day", kMon, 5),
      HolidayRule::fixed("Independence Day", 7, 4, Observed::Observed),
      HolidayRule::nthWeekday("Labor Day", 1, kMon, 9),
      HolidayRule::nthWeekday("Thanksgiving", 4, kThu, 11),
      HolidayRule::nthWeekday("Day after Thanksgiving", 4, kThu, 11, 1),
      HolidayRule::fixed("Christmas Day", 12, 25, Observed::Observed),
      HolidayRule::easter("Good Friday", -2),
      HolidayRule::range("Offsite", {2026, 3, 12}, {2026, 3, 13}),
  };
  return s;
}

// Holidays of a year as "MM-DD name[*]" (* = an observed day), in order.
std::vector<std::string> holidayList(const Calendar& c, int year) {
  std::vector<std::string> out;
  for (const Holiday& h : c.holidays(year))
    out.push_back(fmt::format("{} {}{}", formatDate(h.day).substr(5),
                              c.spec().holidays[h.rule].name, h.observed ? "*" : ""));
  return out;
}

}  // namespace

TEST_CASE("validate: well-formed calendars pass", "[calendar]") {
  CHECK_FALSE(validate(usEast()));
  CHECK_FALSE(validate(nineToFive()));
  CalendarSpec allDay;
  allDay.name = "24/7";
  allDay.zone = "UTC";
  CHECK_FALSE(validate(allDay));
  CalendarSpec s = nineToFive();
  s.hours.push_back(hours(kSat, 22, 0, 2, 0));   // overnight into Sunday
  s.hours.push_back(hours(kSun, 2, 0, 4, 0));    // touching is no overlap
  s.hours.push_back(hours(kSun, 23, 0, 0, 0));   // 00:00 as the end: midnight
  CHECK_FALSE(validate(s));
}

TEST_CASE("validate: hours ranges", "[calendar]") {
  CHECK(checkHoursRange(hours(kMon, 9, 0, 9, 0)));            // start = end
  CHECK(checkHoursRange({kMon, 1440, 60}));                   // starts at 24:00
  CHECK(checkHoursRange({kMon, 60, 1441}));                   // ends after 24:00
  CHECK(checkHoursRange({7, 60, 120}));                       // no such day
  CHECK_FALSE(checkHoursRange({kMon, 0, 1440}));              // the whole day
  CHECK_FALSE(checkHoursRange(hours(kFri, 22, 0, 2, 0)));     // overnight

  std::vector<HoursRange> h = {hours(kMon, 9, 0, 12, 0), hours(kMon, 13, 0, 17, 0),
                               hours(kMon, 11, 0, 14, 0)};
  CHECK(findOverlap(h) == std::pair<size_t, size_t>(0, 2));
  // An overnight range overlaps the next morning's range.
  h = {hours(kTue, 8, 0, 12, 0), hours(kMon, 22, 0, 9, 0)};
  CHECK(findOverlap(h) == std::pair<size_t, size_t>(0, 1));
  // Sunday's overnight range wraps into Monday.
  h = {hours(kMon, 0, 30, 5, 0), hours(kSun, 23, 0, 1, 0)};
  CHECK(findOverlap(h) == std::pair<size_t, size_t>(0, 1));
  h = {hours(kMon, 1, 0, 5, 0), hours(kSun, 23, 0, 1, 0)};
  CHECK_FALSE(findOverlap(h));

  CalendarSpec s = nineToFive();
  s.hours.push_back(hours(kWed, 16, 0, 18, 0));
  auto p = problems(s);
  REQUIRE(p.size() == 1);
  CHECK(p[0].part == SpecPart::Hours);
  CHECK(p[0].index == 5);
  CHECK(p[0].other == 2);
  CHECK(validate(s) == "calendar \"office\": hours range 6: wed 16:00-18:00 overlaps wed 09:00-17:00");
  s = nineToFive();
  s.hours.clear();
  CHECK(validate(s));  // `hours` with no range
  s.hasHours = false;
  s.hours = {hours(kMon, 9, 0, 10, 0)};
  CHECK(validate(s));  // ranges without `hours`
}

TEST_CASE("validate: holiday rules", "[calendar]") {
  CHECK_FALSE(checkHoliday(HolidayRule::fixed("Leap", 2, 29)));
  CHECK(checkHoliday(HolidayRule::fixed("x", 2, 30)) == "feb 30 does not exist");
  CHECK(checkHoliday(HolidayRule::fixed("x", 4, 31)));
  CHECK(checkHoliday(HolidayRule::fixed("x", 13, 1)));
  CHECK(checkHoliday(HolidayRule::onDate("x", 2026, 13, 1)) == "2026-13-01 is not a date");
  CHECK(checkHoliday(HolidayRule::onDate("x", 2026, 2, 29)));
  CHECK_FALSE(checkHoliday(HolidayRule::onDate("x", 2028, 2, 29)));
  CHECK(checkHoliday(HolidayRule::onDate("x", 1899, 12, 31)));
  CHECK(checkHoliday(HolidayRule::range("x", {2026, 3, 13}, {2026, 3, 12})));
  CHECK_FALSE(checkHoliday(HolidayRule::range("x", {2028, 1, 1}, {2028, 12, 31})));  // 366
  CHECK(checkHoliday(HolidayRule::range("x", {2026, 1, 1}, {2027, 1, 2})));          // 367
  CHECK(checkHoliday(HolidayRule::nthWeekday("x", 6, kMon, 1)));
  CHECK(checkHoliday(HolidayRule::nthWeekday("x", 0, kMon, 1)));
  CHECK_FALSE(checkHoliday(HolidayRule::nthWeekday("x", 5, kMon, 1)));
  CHECK(checkHoliday(HolidayRule::lastWeekday("x", kMon, 0)));
  CHECK(checkHoliday(HolidayRule::easter("x", 101)));
  CHECK_FALSE(checkHoliday(HolidayRule::easter("Whit Monday", 50)));
  CHECK_FALSE(checkHoliday(HolidayRule::easter("x", -100)));
  // `observed` only with `MON D`; `observed next` with any single date.
  auto h = HolidayRule::nthWeekday("x", 1, kSat, 5);
  h.observed = Observed::Observed;
  CHECK(checkHoliday(h));
  h.observed = Observed::ObservedNext;
  CHECK_FALSE(checkHoliday(h));
  h = HolidayRule::range("x", {2026, 3, 12}, {2026, 3, 13});
  h.observed = Observed::ObservedNext;
  CHECK(checkHoliday(h));

  CalendarSpec s = usEast();
  s.holidays.push_back(HolidayRule::fixed("Bad", 2, 30));
  auto p = problems(s);
  REQUIRE(p.size() == 1);
  CHECK(p[0].part == SpecPart::Holiday);
  CHECK(p[0].index == 9);
  CHECK(validate(s) == "calendar \"US East\": holiday 10 \"Bad\": feb 30 does not exist");
  s.zone.clear();
  CHECK(problems(s).front().part == SpecPart::Zone);
}

TEST_CASE("Easter Sunday", "[calendar]") {
  CHECK(easterSunday(2024) == day(2024, 3, 31));
  CHECK(easterSunday(2025) == day(2025, 4, 20));
  CHECK(easterSunday(2026) == day(2026, 4, 5));
  CHECK(easterSunday(2038) == day(2038, 4, 25));
  CHECK(easterSunday(2000) == day(2000, 4, 23));
  CHECK(easterSunday(2019) == day(2019, 4, 21));
  CHECK(easterSunday(1818) == day(1818, 3, 22));  // the earliest possible
  CHECK(easterSunday(1943) == day(1943, 4, 25));  // the latest possible
  CHECK(easterSunday(2285) == day(2285, 3, 22));
  for (int y = 1900; y <= 2300; ++y) {
    INFO(y);
    CHECK(weekdayOf(easterSunday(y)) == kSun);
    CHECK(easterSunday(y) >= day(y, 3, 22));
    CHECK(easterSunday(y) <= day(y, 4, 25));
  }
}

TEST_CASE("the US East example's holidays", "[calendar]") {
  Calendar c(usEast(), zone("America/New_York"));
  // 2026: July 4 is a Saturday, observed on Friday July 3.
  CHECK(holidayList(c, 2026) == std::vector<std::string>{
                                    "01-01 New Year's Day",
                                    "03-12 Offsite",
                                    "03-13 Offsite",
                                    "04-03 Good Friday",
                                    "05-25 Memorial Day",
                                    "07-03 Independence Day*",
                                    "07-04 Independence Day",
                                    "09-07 Labor Day",
                                    "11-26 Thanksgiving",
                                    "11-27 Day after Thanksgiving",
                                    "12-25 Christmas Day",
                                });
  // 2027: July 4 a Sunday (→ Monday), Christmas a Saturday (→ Friday the 24th), and
  // the next New Year's Day a Saturday.
  CHECK(holidayList(c, 2027) == std::vector<std::string>{
                                    "01-01 New Year's Day",
                                    "03-26 Good Friday",
                                    "05-31 Memorial Day",
                                    "07-04 Independence Day",
                                    "07-05 Independence Day*",
                                    "09-06 Labor Day",
                                    "11-25 Thanksgiving",
                                    "11-26 Day after Thanksgiving",
                                    "12-24 Christmas Day*",
                                    "12-25 Christmas Day",
                                    "12-31 New Year's Day*",  // January 1st 2028 is a Saturday
                                });
  // January 1st 2022 is a Saturday: observed on Friday December 31st 2021.
  auto y2021 = holidayList(c, 2021);
  CHECK(y2021.back() == "12-31 New Year's Day*");
  CHECK(holidayList(c, 2022).front() == "01-01 New Year's Day");
  CHECK(c.isHoliday(day(2021, 12, 31)));
  CHECK_FALSE(c.isWorkingDay(day(2021, 12, 31)));
  CHECK(c.isWorkingDay(day(2021, 12, 30)));
  CHECK_FALSE(c.isWorkingDay(day(2026, 7, 3)));
  CHECK_FALSE(c.isWorkingDay(day(2026, 7, 4)));  // a Saturday anyway
  CHECK_FALSE(c.isWorkingDay(day(2026, 11, 27)));
  CHECK(c.isWorkingDay(day(2026, 11, 30)));
  // Thanksgiving over the years.
  for (auto [y, d] : {std::pair{2024, 28u}, {2025, 27u}, {2028, 23u}, {2030, 28u}})
    CHECK(c.isHoliday(day(y, 11, d)));
  // A closed day opens the next working day: Wednesday before Thanksgiving 2026.
  Zone ny = c.zone();
  CHECK(local(c, c.businessDaysWait(at(ny, 2026, 11, 25, 10), 1)) == "2026-11-30 mon 08:30");
  CHECK(local(c, c.businessDaysEnd(at(ny, 2026, 11, 25, 10), 1)) == "2026-11-30 mon 17:30");
  CHECK(local(c, c.addBusinessHours(at(ny, 2026, 11, 25, 16), 2)) == "2026-11-30 mon 09:00");
  // The lunch break is closed; Friday closes at 15:00.
  CHECK_FALSE(c.isOpen(at(ny, 2026, 1, 14, 12, 30)));
  CHECK(local(c, c.nextOpening(at(ny, 2026, 1, 14, 12, 30))) == "2026-01-14 wed 13:00");
  CHECK(local(c, c.addBusinessHours(at(ny, 2026, 1, 16, 14), 2)) == "2026-01-19 mon 09:30");
}

TEST_CASE("observed next: Christmas and Boxing Day", "[calendar]") {
  CalendarSpec s = nineToFive("Europe/London");
  s.holidays = {
      HolidayRule::fixed("New Year's Day", 1, 1, Observed::ObservedNext),
      HolidayRule::fixed("Christmas Day", 12, 25, Observed::ObservedNext),
      HolidayRule::fixed("Boxing Day", 12, 26, Observed::ObservedNext),
  };
  Calendar c(s, zone("Europe/London"));
  // 2021: Saturday and Sunday → Monday and Tuesday.
  CHECK(holidayList(c, 2021) == std::vector<std::string>{"01-01 New Year's Day",
                                                         "12-25 Christmas Day",
                                                         "12-26 Boxing Day",
                                                         "12-27 Christmas Day*",
                                                         "12-28 Boxing Day*"});
  // 2022: New Year a Saturday → Monday 3rd; Christmas a Sunday, Boxing Day a Monday →
  // Christmas is observed on Tuesday.
  CHECK(holidayList(c, 2022) == std::vector<std::string>{"01-01 New Year's Day",
                                                         "01-03 New Year's Day*",
                                                         "12-25 Christmas Day",
                                                         "12-26 Boxing Day",
                                                         "12-27 Christmas Day*"});
  // 2020: Friday and Saturday → Boxing Day on Monday.
  CHECK(holidayList(c, 2020) == std::vector<std::string>{"01-01 New Year's Day",
                                                         "12-25 Christmas Day",
                                                         "12-26 Boxing Day",
                                                         "12-28 Boxing Day*"});
  CHECK(holidayList(c, 2027) == std::vector<std::string>{"01-01 New Year's Day",
                                                         "12-25 Christmas Day",
                                                         "12-26 Boxing Day",
                                                         "12-27 Christmas Day*",
                                                         "12-28 Boxing Day*"});
  // An observed day skips a holiday of another rule too.
  s.holidays.push_back(HolidayRule::onDate("Closed", 2021, 12, 27));
  Calendar c2(s, zone("Europe/London"));
  CHECK(holidayList(c2, 2021) == std::vector<std::string>{"01-01 New Year's Day",
                                                          "12-25 Christmas Day",
                                                          "12-26 Boxing Day",
                                                          "12-27 Closed",
                                                          "12-28 Christmas Day*",
                                                          "12-29 Boxing Day*"});
}

TEST_CASE("holiday rules over the years", "[calendar]") {
  CalendarSpec s = nineToFive("UTC");
  s.holidays = {
      HolidayRule::fixed("Leap day", 2, 29),
      HolidayRule::nthWeekday("Fifth Monday of March", 5, kMon, 3),
      HolidayRule::lastWeekday("Last Friday of February", kFri, 2),
      HolidayRule::easter("Whit Monday", 50),
      HolidayRule::range("Winter break", {2026, 12, 28}, {2027, 1, 2}),
      HolidayRule::fixed("Before New Year", 1, 1, Observed::None, -1),
  };
  Calendar c(s, Zone::utc());
  CHECK(holidayList(c, 2024) == std::vector<std::string>{"02-23 Last Friday of February",
                                                         "02-29 Leap day",
                                                         "05-20 Whit Monday",
                                                         "12-31 Before New Year"});
  CHECK(holidayList(c, 2026) == std::vector<std::string>{"02-27 Last Friday of February",
                                                         "03-30 Fifth Monday of March",
                                                         "05-25 Whit Monday",
                                                         "12-28 Winter break",
                                                         "12-29 Winter break",
                                                         "12-30 Winter break",
                                                         "12-31 Winter break",
                                                         "12-31 Before New Year"});
  CHECK(holidayList(c, 2027) == std::vector<std::string>{"01-01 Winter break",
                                                         "01-02 Winter break",
                                                         "02-26 Last Friday of February",
                                                         "03-29 Fifth Monday of March",
                                                         "05-17 Whit Monday",
                                                         "12-31 Before New Year"});
  CHECK(c.holidays(0).empty());
  // A holiday closes the whole day; the next working day opens.
  CHECK(local(c, c.nextOpening(utc("2026-12-24T18:00:00Z"))) == "2026-12-25 fri 09:00");
  CHECK(local(c, c.nextOpening(utc("2026-12-25T18:00:00Z"))) == "2027-01-04 mon 09:00");
}

TEST_CASE("CALENDARS.md §3: the examples", "[calendar]") {
  Calendar c(nineToFive(), zone("America/New_York"));
  Zone ny = c.zone();
  const int64_t fri15 = at(ny, 2026, 1, 9, 15), sat11 = at(ny, 2026, 1, 10, 11),
                mon08 = at(ny, 2026, 1, 12, 8), fri16 = at(ny, 2026, 1, 9, 16),
                sat10 = at(ny, 2026, 1, 10, 10);
  REQUIRE(local(c, fri15) == "2026-01-09 fri 15:00");
  CHECK(local(c, c.businessDaysWait(fri15, 1)) == "2026-01-12 mon 09:00");
  CHECK(local(c, c.businessDaysWait(sat11, 1)) == "2026-01-12 mon 09:00");
  CHECK(local(c, c.businessDaysWait(mon08, 1)) == "2026-01-13 tue 09:00");
  CHECK(local(c, c.businessDaysEnd(fri15, 2)) == "2026-01-13 tue 17:00");
  CHECK(local(c, c.addBusinessHours(fri16, 3)) == "2026-01-12 mon 11:00");
  CHECK(local(c, c.addBusinessHours(sat10, 8)) == "2026-01-12 mon 17:00");
  // `wait 2d` then `auto email`: held until the next opening.
  CHECK(local(c, c.nextOpening(fri15 + 2 * kSecondsPerDay)) == "2026-01-12 mon 09:00");
  // Exact values, UTC (EST is UTC-5).
  CHECK(c.businessDaysWait(fri15, 1) == utc("2026-01-12T14:00:00Z"));
  CHECK(c.addBusinessHours(sat10, 8) == utc("2026-01-12T22:00:00Z"));
}

TEST_CASE("opening and closing edges", "[calendar]") {
  Calendar c(nineToFive(), zone("America/New_York"));
  Zone ny = c.zone();
  int64_t mon9 = at(ny, 2026, 1, 12, 9), mon17 = at(ny, 2026, 1, 12, 17);
  CHECK(c.isOpen(mon9));
  CHECK_FALSE(c.isOpen(mon9 - 1));
  CHECK(c.isOpen(mon17 - 1));
  CHECK_FALSE(c.isOpen(mon17));
  CHECK(c.nextOpening(mon9) == mon9);
  CHECK(c.nextOpening(mon9 + 60) == mon9 + 60);
  CHECK(local(c, c.nextOpening(mon17)) == "2026-01-13 tue 09:00");
  // 8 hours from an opening end exactly at its closing: the closing, not the next opening.
  CHECK(c.addBusinessHours(mon9, 8) == mon17);
  CHECK(local(c, c.addBusinessHours(mon9, 9)) == "2026-01-13 tue 10:00");
  CHECK(c.addOpenTime(mon9 - 3600, 0) == mon9);
  CHECK(c.openSeconds(mon9 - 3600, mon17 + 3600) == 8 * 3600);
  CHECK(c.openSeconds(mon17, mon9) == 0);
  // Within a working day's own open hours, `within 1 business day` is the next day's end.
  CHECK(local(c, c.businessDaysEnd(mon9 + 3600, 1)) == "2026-01-13 tue 17:00");
  CHECK(local(c, c.businessDaysWait(mon9, 5)) == "2026-01-19 mon 09:00");
  CHECK_FALSE(c.businessDaysWait(mon9, 0));
  auto spans = c.openSpans(day(2026, 1, 12));
  REQUIRE(spans.size() == 1);
  CHECK(spans[0] == OpenSpan{mon9, mon17});
  CHECK(c.openSpans(day(2026, 1, 10)).empty());
}

TEST_CASE("overnight ranges belong to the day they start", "[calendar]") {
  CalendarSpec s;
  s.name = "night desk";
  s.zone = "America/New_York";
  addHours(s, kFri, kFri, 22, 0, 2, 0);
  addHours(s, kSun, kSun, 23, 0, 1, 0);  // into Monday
  s.holidays = {HolidayRule::onDate("Closed Friday", 2026, 1, 16),
                HolidayRule::onDate("Closed Saturday", 2026, 1, 24)};
  REQUIRE_FALSE(validate(s));
  Calendar c(s, zone("America/New_York"));
  Zone ny = c.zone();
  CHECK_FALSE(c.isOpen(at(ny, 2026, 1, 9, 21, 59)));
  CHECK(c.isOpen(at(ny, 2026, 1, 9, 23)));
  CHECK(c.isOpen(at(ny, 2026, 1, 10, 1, 30)));   // Saturday, from Friday's range
  CHECK_FALSE(c.isOpen(at(ny, 2026, 1, 10, 2)));
  CHECK(c.isOpen(at(ny, 2026, 1, 12, 0, 30)));   // Monday, from Sunday's range
  CHECK(local(c, c.nextOpening(at(ny, 2026, 1, 10, 2))) == "2026-01-11 sun 23:00");
  // Friday the 16th is a holiday: its range is closed, Saturday morning too.
  CHECK_FALSE(c.isOpen(at(ny, 2026, 1, 16, 23)));
  CHECK_FALSE(c.isOpen(at(ny, 2026, 1, 17, 1)));
  // Saturday the 24th is a holiday, but the range that started Friday still runs.
  CHECK(c.isOpen(at(ny, 2026, 1, 24, 1)));
  // 3 hours from Friday 23:00: Friday's range gives 3, ending at its closing.
  CHECK(local(c, c.addBusinessHours(at(ny, 2026, 1, 9, 23), 3)) == "2026-01-10 sat 02:00");
  CHECK(local(c, c.addBusinessHours(at(ny, 2026, 1, 9, 23), 4)) == "2026-01-12 mon 00:00");
  // The range's working day is the day it starts: Friday's wait ends at Sunday's opening;
  // the end of that day is Monday 01:00.
  CHECK(local(c, c.businessDaysWait(at(ny, 2026, 1, 9, 12), 1)) == "2026-01-11 sun 23:00");
  CHECK(local(c, c.businessDaysEnd(at(ny, 2026, 1, 9, 12), 1)) == "2026-01-12 mon 01:00");
  CHECK(local(c, c.businessDaysEnd(at(ny, 2026, 1, 9, 12), 2)) == "2026-01-19 mon 01:00");
  // Friday the 16th is skipped; Saturday the 24th's holiday does not close Friday's range.
  CHECK(local(c, c.businessDaysEnd(at(ny, 2026, 1, 9, 12), 3)) == "2026-01-24 sat 02:00");
}

TEST_CASE("a calendar without hours is open except on holidays", "[calendar]") {
  CalendarSpec s;
  s.name = "always";
  s.zone = "America/New_York";
  s.holidays = {HolidayRule::fixed("Christmas Day", 12, 25)};
  Calendar c(s, zone("America/New_York"));
  Zone ny = c.zone();
  CHECK(c.isOpen(at(ny, 2026, 12, 24, 23, 59)));
  CHECK_FALSE(c.isOpen(at(ny, 2026, 12, 25, 12)));
  CHECK(c.nextOpening(at(ny, 2026, 12, 25, 12)) == at(ny, 2026, 12, 26, 0));
  CHECK(c.addBusinessHours(at(ny, 2026, 12, 24, 23), 2) == at(ny, 2026, 12, 26, 1));
  CHECK(local(c, c.businessDaysWait(at(ny, 2026, 12, 24, 9), 1)) == "2026-12-26 sat 00:00");
  // Open every day: the end of a business day is midnight (24:00) of that day.
  CHECK(local(c, c.businessDaysEnd(at(ny, 2026, 12, 24, 9), 1)) == "2026-12-27 sun 00:00");
  // 24 open hours across the spring-forward night are 25 hours on the wall clock.
  CHECK(local(c, c.addBusinessHours(at(ny, 2026, 3, 7, 12), 24)) == "2026-03-08 sun 13:00");
}

TEST_CASE("zones: lookup, names, version", "[calendar]") {
  CHECK(Zone::find("America/New_York"));
  CHECK(Zone::find("Europe/London"));
  CHECK(Zone::find("UTC"));
  CHECK_FALSE(Zone::find("America/New_Yrok"));
  CHECK_FALSE(Zone::find(""));
  CHECK_FALSE(Zone::find("../../etc/passwd"));
  CHECK_FALSE(Zone::find("america/new_york"));
  CHECK(Zone::find("America/New_York")->name() == "America/New_York");
  CHECK(*Zone::find("America/New_York") == *Zone::find("America/New_York"));
  const auto& names = Zone::names();
  CHECK(names.size() > 300);
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK(std::find(names.begin(), names.end(), "Asia/Kolkata") != names.end());
  CHECK(Zone::utc().offsetAt(0) == 0);
  const std::string& v = tzdataVersion();
  CHECK(v.size() >= 5);  // "2025b"
  CHECK(v != "unknown");
}

TEST_CASE("zones: DST gap and repeat in New York and London", "[calendar]") {
  Zone ny = zone("America/New_York");
  int64_t mar8 = day(2026, 3, 8) * kSecondsPerDay, nov1 = day(2026, 11, 1) * kSecondsPerDay;
  // 02:30 does not exist on 2026-03-08: the first instant after the gap, 03:00 EDT.
  CHECK(ny.classify(mar8 + 2 * 3600 + 1800) == Zone::LocalKind::Gap);
  CHECK(ny.toUtc(mar8 + 2 * 3600 + 1800) == utc("2026-03-08T07:00:00Z"));
  CHECK(ny.toUtc(mar8 + 2 * 3600) == utc("2026-03-08T07:00:00Z"));
  CHECK(ny.toUtc(mar8 + 3 * 3600) == utc("2026-03-08T07:00:00Z"));
  CHECK(ny.toUtc(mar8 + 2 * 3600 - 1) == utc("2026-03-08T06:59:59Z"));
  // 01:30 occurs twice on 2026-11-01: the earlier, in EDT.
  CHECK(ny.classify(nov1 + 3600 + 1800) == Zone::LocalKind::Repeated);
  CHECK(ny.toUtc(nov1 + 3600 + 1800) == utc("2026-11-01T05:30:00Z"));
  CHECK(ny.toUtc(nov1 + 2 * 3600) == utc("2026-11-01T07:00:00Z"));
  CHECK(ny.classify(nov1 + 2 * 3600) == Zone::LocalKind::Unique);
  CHECK(ny.toLocal(utc("2026-11-01T06:30:00Z")) == nov1 + 3600 + 1800);  // second 01:30
  // After 2037, the rule of the file's footer still applies.
  CHECK(ny.offsetAt(utc("2050-07-01T12:00:00Z")) == -4 * 3600);
  CHECK(ny.offsetAt(utc("2050-12-01T12:00:00Z")) == -5 * 3600);
  CHECK(ny.toUtc(day(2040, 3, 11) * kSecondsPerDay + 2 * 3600 + 1800) ==
        utc("2040-03-11T07:00:00Z"));

  // Ranges across the gap and the repeat are as long as the wall clock says.
  CalendarSpec s;
  s.name = "nights";
  s.zone = "America/New_York";
  addHours(s, kSun, kSun, 1, 30, 3, 0);
  addHours(s, kSun, kSun, 9, 0, 10, 0);
  Calendar c(s, ny);
  auto spring = c.openSpans(day(2026, 3, 8));
  REQUIRE(spring.size() == 2);
  CHECK(spring[0] == OpenSpan{utc("2026-03-08T06:30:00Z"), utc("2026-03-08T07:00:00Z")});  // 30 min
  auto fall = c.openSpans(day(2026, 11, 1));
  REQUIRE(fall.size() == 2);
  CHECK(fall[0] == OpenSpan{utc("2026-11-01T05:30:00Z"), utc("2026-11-01T08:00:00Z")});  // 2.5 h
  CHECK(c.isOpen(utc("2026-11-01T06:15:00Z")));  // the second 01:15 is inside the span
  CHECK(c.openSeconds(day(2026, 3, 8) * kSecondsPerDay, day(2026, 3, 9) * kSecondsPerDay + 18000) ==
        1800 + 3600);
  // A range inside the gap has no open time: that Sunday's 01:30-03:00 … and one of
  // 02:00-02:30 alone is not a working day for business-day counting.
  CalendarSpec g;
  g.name = "gap";
  g.zone = "America/New_York";
  addHours(g, kSun, kSun, 2, 0, 2, 30);
  Calendar gc(g, ny);
  CHECK(gc.openSpans(day(2026, 3, 8)).empty());
  CHECK(gc.isWorkingDay(day(2026, 3, 8)));
  CHECK(local(gc, gc.businessDaysWait(at(ny, 2026, 3, 7, 12), 1)) == "2026-03-15 sun 02:00");

  Zone london = zone("Europe/London");
  // 2026-03-29: 01:00 GMT → 02:00 BST; 2026-10-25: 02:00 BST → 01:00 GMT.
  CalendarSpec l;
  l.name = "london";
  l.zone = "Europe/London";
  addHours(l, kSun, kSun, 0, 30, 2, 0);
  Calendar lc(l, london);
  auto lspring = lc.openSpans(day(2026, 3, 29));
  REQUIRE(lspring.size() == 1);
  CHECK(lspring[0] == OpenSpan{utc("2026-03-29T00:30:00Z"), utc("2026-03-29T01:00:00Z")});
  auto lfall = lc.openSpans(day(2026, 10, 25));
  REQUIRE(lfall.size() == 1);
  CHECK(lfall[0] == OpenSpan{utc("2026-10-24T23:30:00Z"), utc("2026-10-25T02:00:00Z")});
  CHECK(lc.addBusinessHours(utc("2026-10-24T23:30:00Z"), 2) == utc("2026-10-25T01:30:00Z"));
  CHECK(london.toUtc(day(2026, 3, 29) * kSecondsPerDay + 3600 + 1800) ==
        utc("2026-03-29T01:00:00Z"));
  CHECK(london.toUtc(day(2026, 10, 25) * kSecondsPerDay + 3600 + 1800) ==
        utc("2026-10-25T00:30:00Z"));
}

TEST_CASE("the record's own zone reads the same hours locally", "[calendar]") {
  Calendar ny(nineToFive(), zone("America/New_York"));
  Calendar tokyo = ny.withZone(zone("Asia/Tokyo"));
  CHECK(tokyo.zone().name() == "Asia/Tokyo");
  CHECK(&tokyo.spec() == &ny.spec());
  // Monday 2026-01-12 09:00 in Tokyo is 00:00Z.
  CHECK(tokyo.nextOpening(utc("2026-01-11T20:00:00Z")) == utc("2026-01-12T00:00:00Z"));
  CHECK(ny.nextOpening(utc("2026-01-11T20:00:00Z")) == utc("2026-01-12T14:00:00Z"));
  CHECK(tokyo.localDate(utc("2026-01-11T20:00:00Z")) == day(2026, 1, 12));
  CHECK(ny.localDate(utc("2026-01-11T20:00:00Z")) == day(2026, 1, 11));
}

TEST_CASE("searches are bounded", "[calendar]") {
  // Open on Saturdays only, and every day of 2026–2037 is a holiday: nothing within ten
  // years.
  CalendarSpec s;
  s.name = "never";
  s.zone = "UTC";
  addHours(s, kSat, kSat, 10, 0, 11, 0);
  for (int y = 2026; y <= 2037; ++y)
    s.holidays.push_back(HolidayRule::range("closed", {y, 1, 1}, {y, 12, 31}));
  REQUIRE_FALSE(validate(s));
  Calendar c(s, Zone::utc());
  int64_t t = utc("2026-01-05T12:00:00Z");
  CHECK_FALSE(c.isOpen(t));
  CHECK_FALSE(c.nextOpening(t));
  CHECK_FALSE(c.addBusinessHours(t, 1));
  CHECK_FALSE(c.businessDaysWait(t, 1));
  CHECK_FALSE(c.businessDaysEnd(t, 1));
  CHECK(c.openSeconds(t, t + 20 * 365 * kSecondsPerDay) == 0);
  // Hours beyond the horizon, and instants outside years 1..9999.
  Calendar office(nineToFive(), zone("America/New_York"));
  CHECK_FALSE(office.addBusinessHours(t, 100000));
  CHECK(office.addBusinessHours(t, std::numeric_limits<int64_t>::min()) == office.nextOpening(t));
  CHECK_FALSE(office.nextOpening(std::numeric_limits<int64_t>::max()));
  CHECK_FALSE(office.isOpen(std::numeric_limits<int64_t>::min()));
  CHECK(office.nextOpening(utc("9999-12-30T12:00:00Z")));
}

TEST_CASE("POSIX TZ rules of TZif footers", "[calendar]") {
  auto ny = detail::parsePosixRule("EST5EDT,M3.2.0,M11.1.0");
  REQUIRE(ny);
  CHECK(ny->stdOffset == -5 * 3600);
  CHECK(ny->dstOffset == -4 * 3600);
  CHECK(ny->hasDst);
  auto tr = detail::ruleTransitions(*ny, 2026, 2026);
  REQUIRE(tr.size() == 2);
  CHECK(tr[0] == std::pair<int64_t, int32_t>(utc("2026-03-08T07:00:00Z"), -4 * 3600));
  CHECK(tr[1] == std::pair<int64_t, int32_t>(utc("2026-11-01T06:00:00Z"), -5 * 3600));
  auto dublin = detail::parsePosixRule("IST-1GMT0,M10.5.0,M3.5.0/1");  // negative DST
  REQUIRE(dublin);
  CHECK(dublin->stdOffset == 3600);
  CHECK(dublin->dstOffset == 0);
  auto nuuk = detail::parsePosixRule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
  REQUIRE(nuuk);
  CHECK(nuuk->start.time == -3600);
  auto fixed = detail::parsePosixRule("<+0630>-6:30");
  REQUIRE(fixed);
  CHECK(fixed->stdOffset == 6 * 3600 + 1800);
  CHECK_FALSE(fixed->hasDst);
  CHECK(detail::parsePosixRule("EET-2EEST,M3.4.4/50,M10.4.4/50"));
  CHECK(detail::parsePosixRule("NST3:30NDT,M3.2.0,M11.1.0"));
  CHECK(detail::parsePosixRule("EST5EDT,J60/2,300"));
  CHECK_FALSE(detail::parsePosixRule(""));
  CHECK_FALSE(detail::parsePosixRule("EST"));
  CHECK_FALSE(detail::parsePosixRule("EST5EDT,M13.1.0,M11.1.0"));
  CHECK_FALSE(detail::parsePosixRule("EST5EDT,M3.2.0"));
  CHECK_FALSE(detail::parsePosixRule("<EST5"));
}

namespace {

int64_t sysSeconds(date::sys_seconds s) { return s.time_since_epoch().count(); }

// date/tz's transitions in [from, to) where the offset changes.
std::vector<int64_t> dateTransitions(const date::time_zone* tz, int64_t from, int64_t to) {
  std::vector<int64_t> out;
  auto info = tz->get_info(date::sys_seconds{std::chrono::seconds{from}});
  while (sysSeconds(info.end) < to) {
    auto next = tz->get_info(info.end);
    if (next.offset != info.offset) out.push_back(sysSeconds(info.end));
    info = next;
  }
  return out;
}

// Calendars for the property tests: an office with holidays; ranges around the hours
// where zones change their clocks, overnight ones included; and open all day.
std::vector<CalendarSpec> propertyCalendars() {
  CalendarSpec office = usEast();
  CalendarSpec nights;
  nights.name = "nights";
  addHours(nights, kMon, kSun, 0, 30, 1, 30);
  addHours(nights, kMon, kSun, 2, 0, 3, 0);
  addHours(nights, kMon, kSat, 23, 0, 0, 15);
  nights.hours.push_back(hours(kSun, 22, 30, 0, 0));
  nights.holidays = {HolidayRule::fixed("Christmas Day", 12, 25, Observed::ObservedNext),
                     HolidayRule::fixed("Boxing Day", 12, 26, Observed::ObservedNext)};
  CalendarSpec always;
  always.name = "always";
  always.holidays = {HolidayRule::easter("Easter Monday", 1)};
  std::vector<CalendarSpec> out = {office, nights, always};
  for (auto& s : out) {
    s.zone = "UTC";
    REQUIRE_FALSE(validate(s));
  }
  return out;
}

}  // namespace

// Property failures are reported one by one with their context, without Catch's
// per-assertion cost (a few million checks run).
struct Failures {
  size_t count = 0;
  void operator()(bool ok, const std::string& zoneName, std::string_view what, int64_t t,
                  std::string_view calendar = {}) {
    if (ok) return;
    if (++count <= 20)
      FAIL_CHECK(fmt::format("{} {} at {}: {}", zoneName, calendar, formatDateTime(t), what));
  }
};

TEST_CASE("footer rules reproduce the listed transitions of every zone", "[calendar][property]") {
  const int64_t from = utc("2030-01-01T00:00:00Z"), to = utc("2037-01-01T00:00:00Z");
  size_t checked = 0;
  for (const std::string& name : Zone::names()) {
    auto rule = detail::zoneRule(name);
    if (!rule || !rule->hasDst) continue;
    Zone z = zone(name);
    // Transitions listed past 2037 are exceptions no rule describes (Palestine's follow
    // Ramadan): the file, not its footer, holds those years, and the table keeps them.
    const int64_t y2038 = utc("2038-01-01T00:00:00Z"), y2100 = utc("2100-01-01T00:00:00Z");
    if (auto beyond = dateTransitions(z.tz(), y2038, y2100); !beyond.empty()) {
      CHECK(z.transitions(y2038, beyond.back() + 1) == beyond);
      continue;
    }
    std::vector<int64_t> fromRule;
    for (auto [when, offset] : detail::ruleTransitions(*rule, 2029, 2037))
      if (when >= from && when < to) fromRule.push_back(when);
    INFO(name);
    CHECK(dateTransitions(z.tz(), from, to) == fromRule);
    ++checked;
  }
  CHECK(checked > 100);
}

TEST_CASE("property: every zone of the tz database, 2020-2035", "[calendar][property]") {
  const int64_t from = utc("2020-01-01T00:00:00Z"), to = utc("2036-01-01T00:00:00Z");
  const auto specs = propertyCalendars();
  size_t zones = 0, instants = 0, locals = 0;
  Failures fail;
  for (const std::string& name : Zone::names()) {
    Zone z = zone(name);
    const date::time_zone* tz = z.tz();
    REQUIRE(tz);
    ++zones;
    auto transitions = dateTransitions(tz, from, to);
    fail(z.transitions(from, to) == transitions, name, "transitions differ from date/tz", from);

    // Instants: every 53 days and 7 hours (drifting through the hours of the day), and
    // each transition with a second and half an hour either side.
    std::vector<int64_t> samples;
    for (int64_t t = from + 3 * 3600; t < to; t += 53 * kSecondsPerDay + 7 * 3600 + 60)
      samples.push_back(t);
    for (int64_t tr : transitions)
      for (int64_t d : {-1800, -1, 0, 1, 1800}) samples.push_back(tr + d);

    // Local → UTC → local: unique times round-trip, repeated ones give the earlier
    // instant, gaps the first instant after; date/tz's `choose::earliest` agrees.
    auto reference = [&](int64_t l) {
      return sysSeconds(
          tz->to_sys(date::local_seconds{std::chrono::seconds{l}}, date::choose::earliest));
    };
    for (int64_t u : samples) {
      int64_t l = z.toLocal(u);
      fail(l == u + tz->get_info(date::sys_seconds{std::chrono::seconds{u}}).offset.count(), name,
           "toLocal differs from date/tz", u);
      int64_t back = z.toUtc(l);
      fail(z.toLocal(back) == l, name, "local → UTC → local", u);
      fail(z.classify(l) == Zone::LocalKind::Unique ? back == u : back <= u, name,
           "UTC → local → UTC", u);
      fail(back == reference(l), name, "toUtc differs from choose::earliest", u);
      if (auto st = z.stretchAt(l))
        fail(l - st->offset == back && st->localBegin <= l && l < st->localEnd, name,
             "a stretch converts as toUtc does", u);
      ++locals;
    }
    for (int64_t tr : transitions) {
      int32_t before = z.offsetAt(tr - 1), after = z.offsetAt(tr);
      for (int64_t l : {tr + before - 1, tr + before, tr + after - 1, tr + after,
                        tr + (before + after) / 2}) {
        fail(z.toUtc(l) == reference(l), name, "toUtc differs from choose::earliest", tr);
        ++locals;
      }
      if (after > before) {  // a gap: [tr + before, tr + after) does not exist
        fail(z.classify(tr + before) == Zone::LocalKind::Gap, name, "gap not found", tr);
        fail(z.toUtc(tr + (before + after) / 2) == tr, name, "gap → the transition", tr);
      } else {  // a repeat: [tr + after, tr + before) occurs twice
        fail(z.classify(tr + after) == Zone::LocalKind::Repeated, name, "repeat not found", tr);
        fail(z.toUtc(tr + after) == tr + after - before, name, "repeat → the earlier", tr);
      }
    }

    for (const CalendarSpec& spec : specs) {
      Calendar c(spec, z);
      const Calendar direct = c.direct();  // the table's answers must be the direct ones
      auto check = [&](bool ok, std::string_view what, int64_t t) {
        fail(ok, name, what, t, spec.name);
      };
      for (int64_t t : samples) {
        ++instants;
        check(c.localDate(t) == direct.localDate(t) && c.isOpen(t) == direct.isOpen(t) &&
                  c.nextOpening(t) == direct.nextOpening(t),
              "the table's local date, isOpen, nextOpening are the direct ones", t);
        // The longest durations (a year of working days) on one instant in 16: the direct
        // search walks them day by day.
        const bool longOnes = instants % 16 == 0;
        for (int h : {1, 8, 40, 240, longOnes ? 2000 : 1})
          check(c.addBusinessHours(t, h) == direct.addBusinessHours(t, h),
                "the table's addBusinessHours is the direct one", t);
        for (int n : {1, 22, longOnes ? 250 : 1})
          check(c.businessDaysWait(t, n) == direct.businessDaysWait(t, n) &&
                    c.businessDaysEnd(t, n) == direct.businessDaysEnd(t, n),
                "the table's business days are the direct ones", t);
        for (int64_t span : {int64_t{3600}, 3 * kSecondsPerDay, (longOnes ? 400 : 40) * kSecondsPerDay})
          check(c.openSeconds(t, t + span) == direct.openSeconds(t, t + span),
                "the table's openSeconds is the direct one", t);
        auto next = c.nextOpening(t);
        check(next && *next >= t && c.isOpen(*next), "nextOpening is open, not before t", t);
        if (!next) continue;
        check(c.isOpen(t) ? *next == t : c.openSeconds(t, *next) == 0,
              "nextOpening skips no open time", t);
        int64_t prev = t;
        for (int h : {1, 3, 8, 40}) {
          auto end = c.addBusinessHours(t, h);
          check(end && *end >= prev, "addBusinessHours monotone in h", t);
          if (!end) break;
          check(c.openSeconds(t, *end) == h * 3600, "open time to addBusinessHours is h", t);
          prev = *end;
        }
        for (int n : {1, 2}) {
          auto wait = c.businessDaysWait(t, n);
          check(wait && c.isOpen(*wait) && c.isWorkingDay(c.localDate(*wait)) &&
                    c.localDate(*wait) > c.localDate(t),
                "businessDaysWait open, on a later working day", t);
          auto end = c.businessDaysEnd(t, n);
          check(wait && end && *end > *wait && c.isOpen(*end - 1),
                "businessDaysEnd closes that day's last span", t);
        }
      }
    }
  }
  WARN(zones << " zones, " << instants << " (calendar, instant) pairs, " << locals
             << " local times");
  CHECK(fail.count == 0);
  CHECK(zones == Zone::names().size());
  CHECK(zones > 300);
  CHECK(instants > 100000);
}
