// Calendar data: the rule constructors and the well-formedness checks (CALENDARS.md §1),
// written once for the verifier and the compiler.
#include "seqc/calendar/spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "seqc/support/time.h"

namespace seqc::cal {
namespace {

constexpr std::array<std::string_view, 7> kWeekdayNames = {"mon", "tue", "wed", "thu",
                                                           "fri", "sat", "sun"};
constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr",
                                                          "may", "jun", "jul", "aug",
                                                          "sep", "oct", "nov", "dec"};
constexpr int kMinutesPerWeek = 7 * kMinutesPerDay;

int daysIn(int64_t year, int month) { return static_cast<int>(daysInMonth(year, static_cast<unsigned>(month))); }

std::string hhmm(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

std::string describe(const HoursRange& r) {
  return fmt::format("{} {}-{}", weekdayName(r.day), hhmm(std::min<int>(r.startMinute, 1440)),
                     hhmm(std::min<int>(r.endMinute, 1440)));
}

bool monthOk(int m) { return m >= 1 && m <= 12; }

std::optional<std::string> checkExplicitDate(const CivilDate& d) {
  if (d.year < kMinYear || d.year > kMaxYear)
    return fmt::format("year {} is outside {}..{}", d.year, kMinYear, kMaxYear);
  if (!monthOk(d.month) || d.day < 1 || d.day > daysIn(d.year, d.month))
    return fmt::format("{:04}-{:02}-{:02} is not a date", d.year, d.month, d.day);
  return std::nullopt;
}

// The week-minute intervals of a range: one, and a second one week earlier for a Sunday
// range that runs into Monday.
int weekIntervals(const HoursRange& r, std::array<std::pair<int, int>, 2>& out) {
  int begin = r.day * kMinutesPerDay + r.startMinute;
  int end = r.day * kMinutesPerDay + (r.endMinute > r.startMinute ? r.endMinute
                                                                  : r.endMinute + kMinutesPerDay);
  out[0] = {begin, end};
  if (end <= kMinutesPerWeek) return 1;
  out[1] = {begin - kMinutesPerWeek, end - kMinutesPerWeek};
  return 2;
}

}  // namespace

std::string_view weekdayName(int wd) { return wd >= 0 && wd < 7 ? kWeekdayNames[wd] : "?"; }
std::string_view monthName(int month) { return monthOk(month) ? kMonthNames[month - 1] : "?"; }

HolidayRule HolidayRule::fixed(std::string name, int month, int day, Observed o, int offset) {
  HolidayRule h;
  h.name = std::move(name);
  h.kind = HolidayKind::Fixed;
  h.date = {0, static_cast<uint8_t>(month), static_cast<uint8_t>(day)};
  h.observed = o;
  h.offsetDays = static_cast<int16_t>(offset);
  return h;
}

HolidayRule HolidayRule::onDate(std::string name, int year, int month, int day, int offset) {
  HolidayRule h;
  h.name = std::move(name);
  h.kind = HolidayKind::Date;
  h.date = {year, static_cast<uint8_t>(month), static_cast<uint8_t>(day)};
  h.offsetDays = static_cast<int16_t>(offset);
  return h;
}

HolidayRule HolidayRule::range(std::string name, CivilDate from, CivilDate to) {
  HolidayRule h;
  h.name = std::move(name);
  h.kind = HolidayKind::Range;
  h.date = from;
  h.end = to;
  return h;
}

HolidayRule HolidayRule::nthWeekday(std::string name, int nth, Weekday wd, int month,
                                    int offset) {
  HolidayRule h;
  h.name = std::move(name);
  h.kind = HolidayKind::NthWeekday;
  h.nth = static_cast<uint8_t>(nth);
  h.weekday = wd;
  h.date = {0, static_cast<uint8_t>(month), 1};
  h.offsetDays = static_cast<int16_t>(offset);
  return h;
}

HolidayRule HolidayRule::lastWeekday(std::string name, Weekday wd, int month, int offset) {
  HolidayRule h = nthWeekday(std::move(name), 1, wd, month, offset);
  h.kind = HolidayKind::LastWeekday;
  return h;
}

HolidayRule HolidayRule::easter(std::string name, int offset) {
  HolidayRule h;
  h.name = std::move(name);
  h.kind = HolidayKind::Easter;
  h.offsetDays = static_cast<int16_t>(offset);
  return h;
}

std::optional<std::string> checkHoursRange(const HoursRange& r) {
  if (r.day > kSun) return fmt::format("day {} is not a day of the week", r.day);
  if (r.startMinute >= kMinutesPerDay)
    return fmt::format("a range must start by 23:59 (start minute {})", r.startMinute);
  if (r.endMinute > kMinutesPerDay)
    return fmt::format("a range must end by 24:00 (end minute {})", r.endMinute);
  if (r.startMinute == r.endMinute)
    return fmt::format("{} starts and ends at the same time", describe(r));
  return std::nullopt;
}

std::optional<std::pair<size_t, size_t>> findOverlap(std::span<const HoursRange> hours) {
  for (size_t j = 0; j < hours.size(); ++j) {
    if (checkHoursRange(hours[j])) continue;
    std::array<std::pair<int, int>, 2> b;
    int nb = weekIntervals(hours[j], b);
    for (size_t i = 0; i < j; ++i) {
      if (checkHoursRange(hours[i])) continue;
      std::array<std::pair<int, int>, 2> a;
      int na = weekIntervals(hours[i], a);
      for (int x = 0; x < na; ++x)
        for (int y = 0; y < nb; ++y)
          if (a[x].first < b[y].second && b[y].first < a[x].second) return std::pair(i, j);
    }
  }
  return std::nullopt;
}

std::optional<std::string> checkHoliday(const HolidayRule& h) {
  switch (h.kind) {
    case HolidayKind::Fixed:
      if (!monthOk(h.date.month) || h.date.day < 1 || h.date.day > daysIn(2000, h.date.month))
        return fmt::format("{} {} does not exist", monthName(h.date.month), h.date.day);
      break;
    case HolidayKind::Date:
      if (auto e = checkExplicitDate(h.date)) return e;
      break;
    case HolidayKind::Range: {
      if (auto e = checkExplicitDate(h.date)) return e;
      if (auto e = checkExplicitDate(h.end)) return e;
      int64_t from = daysFromCivil(h.date.year, h.date.month, h.date.day);
      int64_t to = daysFromCivil(h.end.year, h.end.month, h.end.day);
      if (to < from) return std::string("the range ends before it starts");
      if (to - from + 1 > kMaxRangeDays)
        return fmt::format("the range spans {} days (at most {})", to - from + 1, kMaxRangeDays);
      break;
    }
    case HolidayKind::NthWeekday:
      if (h.nth < 1 || h.nth > 5)
        return fmt::format("the week of the month must be 1st..5th (got {})", h.nth);
      [[fallthrough]];
    case HolidayKind::LastWeekday:
      if (h.weekday > kSun) return fmt::format("day {} is not a day of the week", h.weekday);
      if (!monthOk(h.date.month)) return fmt::format("month {} does not exist", h.date.month);
      break;
    case HolidayKind::Easter:
      break;
    default:
      return fmt::format("unknown holiday kind {}", static_cast<int>(h.kind));
  }
  if (h.offsetDays < -kMaxOffsetDays || h.offsetDays > kMaxOffsetDays)
    return fmt::format("an offset of {} days is outside -{}..{}", h.offsetDays, kMaxOffsetDays,
                       kMaxOffsetDays);
  switch (h.observed) {
    case Observed::None:
      break;
    case Observed::Observed:
      if (h.kind != HolidayKind::Fixed)
        return std::string("`observed` needs a date of every year (`MON D`)");
      break;
    case Observed::ObservedNext:
      if (h.kind == HolidayKind::Range)
        return std::string("`observed next` needs a single date, not a range");
      break;
    default:
      return fmt::format("unknown observation {}", static_cast<int>(h.observed));
  }
  return std::nullopt;
}

std::vector<SpecProblem> problems(const CalendarSpec& spec) {
  std::vector<SpecProblem> out;
  if (spec.zone.empty()) out.push_back({SpecPart::Zone, 0, 0, "the calendar has no zone"});
  bool flood = false;  // not scanned further: the overlap check is quadratic
  if (spec.hours.size() > kMaxHoursRanges) {
    out.push_back({SpecPart::Hours, kMaxHoursRanges, 0,
                   fmt::format("more than {} hours ranges", kMaxHoursRanges)});
    flood = true;
  }
  if (spec.holidays.size() > kMaxHolidayRules) {
    out.push_back({SpecPart::Holiday, kMaxHolidayRules, 0,
                   fmt::format("more than {} holidays", kMaxHolidayRules)});
    flood = true;
  }
  if (flood) return out;
  if (spec.hasHours && spec.hours.empty())
    out.push_back({SpecPart::Hours, 0, 0, "`hours` without a range"});
  if (!spec.hasHours && !spec.hours.empty())
    out.push_back({SpecPart::Hours, 0, 0, "ranges given for a calendar open all day"});
  for (size_t i = 0; i < spec.hours.size(); ++i)
    if (auto e = checkHoursRange(spec.hours[i])) out.push_back({SpecPart::Hours, i, 0, *e});
  if (auto o = findOverlap(spec.hours))
    out.push_back({SpecPart::Hours, o->second, o->first,
                   fmt::format("{} overlaps {}", describe(spec.hours[o->second]),
                               describe(spec.hours[o->first]))});
  for (size_t i = 0; i < spec.holidays.size(); ++i)
    if (auto e = checkHoliday(spec.holidays[i])) out.push_back({SpecPart::Holiday, i, 0, *e});
  return out;
}

std::optional<std::string> validate(const CalendarSpec& spec) {
  auto all = problems(spec);
  if (all.empty()) return std::nullopt;
  const SpecProblem& p = all.front();
  switch (p.part) {
    case SpecPart::Zone:
      return fmt::format("calendar \"{}\": {}", spec.name, p.message);
    case SpecPart::Hours:
      return fmt::format("calendar \"{}\": hours range {}: {}", spec.name, p.index + 1, p.message);
    case SpecPart::Holiday:
      return fmt::format("calendar \"{}\": holiday {}{}: {}", spec.name, p.index + 1,
                         p.index < spec.holidays.size()
                             ? fmt::format(" \"{}\"", spec.holidays[p.index].name)
                             : std::string(),
                         p.message);
  }
  return p.message;
}

}  // namespace seqc::cal
