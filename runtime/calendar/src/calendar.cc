// The calendar engine: the week's ranges precomputed per day of the week, holidays
// expanded once per year, and every question answered by walking local dates in order
// and turning each range into its UTC span.
#include "seqc/calendar/calendar.h"

#include <date/date.h>

#include <algorithm>
#include <array>
#include <limits>
#include <unordered_map>

#include "seqc/support/time.h"

namespace seqc::cal {
namespace {

// How far `observed next` looks for a weekday that is not a holiday.
constexpr int kObserveNextReach = 400;

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool isWeekend(int64_t day) { return weekdayOf(day) >= kSat; }

int civilYear(int64_t day) {
  constexpr int64_t kLimit = std::numeric_limits<int32_t>::max() / 2;
  auto d = date::sys_days{date::days{static_cast<int>(std::clamp(day, -kLimit, kLimit))}};
  return static_cast<int>(date::year_month_day{d}.year());
}

int64_t dayOf(int64_t year, int month, int day) {
  return daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

int64_t lastDayOfMonth(int64_t year, int month) {
  return month == 12 ? dayOf(year + 1, 1, 1) - 1 : dayOf(year, month + 1, 1) - 1;
}

// The date a recurring rule names in `year` (before its offset), if any.
std::optional<int64_t> recurringDate(const HolidayRule& h, int year) {
  switch (h.kind) {
    case HolidayKind::Fixed:
      if (h.date.month == 2 && h.date.day == 29 && !isLeapYear(year)) return std::nullopt;
      return dayOf(year, h.date.month, h.date.day);
    case HolidayKind::NthWeekday: {
      int64_t first = dayOf(year, h.date.month, 1);
      int64_t d = first + (h.weekday - weekdayOf(first) + 7) % 7 + (h.nth - 1) * 7;
      if (d > lastDayOfMonth(year, h.date.month)) return std::nullopt;  // no 5th that year
      return d;
    }
    case HolidayKind::LastWeekday: {
      int64_t last = lastDayOfMonth(year, h.date.month);
      return last - (weekdayOf(last) - h.weekday + 7) % 7;
    }
    case HolidayKind::Easter:
      return easterSunday(year);
    default:
      return std::nullopt;
  }
}

}  // namespace

int weekdayOf(int64_t localDay) {
  return static_cast<int>(((localDay % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
}

// Anonymous Gregorian algorithm (Meeus, Jones, Butcher).
int64_t easterSunday(int year) {
  int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
  int m = (a + 11 * h + 22 * l) / 451;
  int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return dayOf(year, month, day);
}

// One year's holidays: the list and a bit per day.
struct YearTable {
  int year = 0;
  int64_t first = 0;  // Jan 1
  int64_t length = 0;
  std::array<uint64_t, 6> closed{};
  std::vector<Holiday> list;
  bool has(int64_t day) const {
    auto i = static_cast<size_t>(day - first);
    return closed[i / 64] >> (i % 64) & 1;
  }
};

struct Calendar::Rules {
  CalendarSpec spec;
  // A range as seconds after the local midnight of the day it starts (an overnight end is
  // past 86400).
  struct Range {
    int32_t start, end;
  };
  std::array<std::vector<Range>, 7> week;
  uint8_t weekMask = 0;  // bit per day of the week with hours
  mutable std::unordered_map<int, std::unique_ptr<YearTable>> years;
  mutable const YearTable* last = nullptr;

  explicit Rules(const CalendarSpec& s);
  const YearTable& year(int y) const;
  const YearTable& yearOfDay(int64_t day) const;
  std::unique_ptr<YearTable> expand(int y) const;
};

Calendar::Rules::Rules(const CalendarSpec& s) : spec(s) {
  if (!spec.hasHours) {
    for (auto& day : week) day.push_back({0, 86400});
  } else {
    for (const HoursRange& r : spec.hours) {
      if (r.day > kSun || r.startMinute >= kMinutesPerDay || r.endMinute > kMinutesPerDay ||
          r.startMinute == r.endMinute)
        continue;  // not valid: validate() says so; never trusted here
      int end = r.endMinute > r.startMinute ? r.endMinute : r.endMinute + kMinutesPerDay;
      week[r.day].push_back({r.startMinute * 60, end * 60});
    }
    for (auto& day : week)
      std::sort(day.begin(), day.end(), [](Range a, Range b) { return a.start < b.start; });
  }
  for (int d = 0; d < 7; ++d)
    if (!week[d].empty()) weekMask |= static_cast<uint8_t>(1 << d);
}

const YearTable& Calendar::Rules::year(int y) const {
  auto it = years.find(y);
  if (it == years.end()) it = years.emplace(y, expand(y)).first;
  return *it->second;
}

const YearTable& Calendar::Rules::yearOfDay(int64_t day) const {
  if (last && day >= last->first && day < last->first + last->length) return *last;
  last = &year(civilYear(day));
  return *last;
}

// §1: each rule's date, shifted by its offset, then observed. Rules of the years either
// side are expanded too, since offsets and observation cross the new year; `observed
// next` places its days in date order, each on the first weekday not already taken.
std::unique_ptr<YearTable> Calendar::Rules::expand(int y) const {
  auto t = std::make_unique<YearTable>();
  t->year = y;
  t->first = dayOf(y, 1, 1);
  t->length = dayOf(y + 1, 1, 1) - t->first;
  const int64_t windowFirst = dayOf(y - 1, 1, 1), windowLast = dayOf(y + 2, 1, 1) - 1;

  std::vector<Holiday> all;
  std::vector<Holiday> toPlace;  // weekend dates of `observed next` rules
  auto add = [&](int64_t day, uint32_t rule, Observed o) {
    all.push_back({day, rule, false});
    if (o == Observed::Observed && weekdayOf(day) == kSat) all.push_back({day - 1, rule, true});
    if (o == Observed::Observed && weekdayOf(day) == kSun) all.push_back({day + 1, rule, true});
    if (o == Observed::ObservedNext && isWeekend(day)) toPlace.push_back({day, rule, true});
  };
  for (uint32_t i = 0; i < spec.holidays.size(); ++i) {
    const HolidayRule& h = spec.holidays[i];
    if (h.kind == HolidayKind::Date || h.kind == HolidayKind::Range) {
      int64_t from = dayOf(h.date.year, h.date.month, h.date.day) + h.offsetDays;
      int64_t to = h.kind == HolidayKind::Range
                       ? dayOf(h.end.year, h.end.month, h.end.day) + h.offsetDays
                       : from;
      to = std::min(to, from + kMaxRangeDays);  // validated; bounded anyway
      for (int64_t d = std::max(from, windowFirst); d <= std::min(to, windowLast); ++d)
        add(d, i, h.observed);
      continue;
    }
    for (int ry = y - 1; ry <= y + 1; ++ry)
      if (auto d = recurringDate(h, ry)) add(*d + h.offsetDays, i, h.observed);
  }

  std::sort(toPlace.begin(), toPlace.end(), [](const Holiday& a, const Holiday& b) {
    return a.day != b.day ? a.day < b.day : a.rule < b.rule;
  });
  std::vector<int64_t> taken;
  taken.reserve(all.size() + toPlace.size());
  for (const Holiday& h : all) taken.push_back(h.day);
  std::sort(taken.begin(), taken.end());
  for (const Holiday& p : toPlace) {
    for (int64_t d = p.day + 1; d <= p.day + kObserveNextReach; ++d) {
      if (isWeekend(d) || std::binary_search(taken.begin(), taken.end(), d)) continue;
      all.push_back({d, p.rule, true});
      taken.insert(std::upper_bound(taken.begin(), taken.end(), d), d);
      break;
    }
  }

  for (const Holiday& h : all) {
    if (h.day < t->first || h.day >= t->first + t->length) continue;
    t->list.push_back(h);
    auto i = static_cast<size_t>(h.day - t->first);
    t->closed[i / 64] |= uint64_t{1} << (i % 64);
  }
  std::sort(t->list.begin(), t->list.end(), [](const Holiday& a, const Holiday& b) {
    if (a.day != b.day) return a.day < b.day;
    if (a.rule != b.rule) return a.rule < b.rule;
    return a.observed < b.observed;
  });
  t->list.erase(std::unique(t->list.begin(), t->list.end()), t->list.end());
  return t;
}

// The open spans of local dates [firstDay, lastDay] in time order, with the open seconds
// before each, and the working days with open time; the zone's offsets over the UTC
// instants [from, to) those dates cover, with a margin.
struct Calendar::Table {
  struct Span {
    int64_t open, close;
    int64_t before;  // open seconds in the spans before it
  };
  int64_t firstDay = 0, lastDay = 0;
  int64_t from = 0, to = 0;
  std::vector<int64_t> changes;   // offset changes in (from, to)
  std::vector<int32_t> offsets;   // offsets[i]: before changes[i] (the last: after all)
  // In time order, then one past the last: {max, max, all the open seconds}.
  std::vector<Span> spans;
  std::vector<uint32_t> daySpan;  // per date firstDay..lastDay+1: its first span's index
  std::vector<OpenSpan> work;     // per working day with open time: first opening, last closing
  std::vector<uint32_t> dayWork;  // per date firstDay..lastDay+1: its working day's index (or the next's)

  bool holds(int64_t t) const { return t >= from && t < to; }
  size_t count() const { return spans.size() - 1; }
  int64_t localDate(int64_t t) const {
    size_t i = 0;
    while (i < changes.size() && changes[i] <= t) ++i;  // a few a year
    return floorDiv(t + offsets[i], kSecondsPerDay);
  }
  size_t spanOfDay(int64_t day) const { return daySpan[static_cast<size_t>(day - firstDay)]; }
  // The first span at or after `i` (up to count()) for which `below` is false: a few
  // steps forward first, since answers are mostly close to where they start.
  template <typename P>
  size_t firstNotBelow(size_t i, P below) const {
    size_t end = count();
    for (int k = 0; k < 6 && i < end; ++k, ++i)
      if (!below(spans[i])) return i;
    return static_cast<size_t>(std::partition_point(spans.begin() + static_cast<ptrdiff_t>(i),
                                                    spans.begin() + static_cast<ptrdiff_t>(end), below) -
                               spans.begin());
  }
  // The first span at or after `i` still open at t (closing after it); count() if none.
  size_t openAfter(size_t i, int64_t t) const {
    return firstNotBelow(i, [t](const Span& s) { return s.close <= t; });
  }
};

namespace {
// Dates kept before and after the one asked about when the table is (re)built: a year
// behind, two ahead (the longest business duration, `due 250 business days`, is about a
// year). Less than kSearchDays in all, so every answer found in the table is one the
// direct search would find.
constexpr int64_t kTableBehind = 366, kTableAhead = 731;
// An answer needs this many dates after the one asked about (`due 250 business days`
// over holidays); closer to the table's end, the table is extended first.
constexpr int64_t kTableReach = 400;
static_assert(kTableBehind + kTableAhead + kTableReach < kSearchDays);
}  // namespace

const Calendar::Table* Calendar::tableFor(int64_t day) const {
  const Table* t = table_.get();
  if (t && day - 1 >= t->firstDay && day + kTableReach <= t->lastDay) return t;  // the usual case
  if (!useTable_ || rules_->weekMask == 0) return nullptr;
  // Years 2..9998 only: the direct code clamps near the ends of the calendar's range.
  static const int64_t kLow = dayOf(2, 1, 1), kHigh = dayOf(9998, 1, 1);
  if (day - kTableBehind < kLow || day + kTableAhead + kTableReach > kHigh) return nullptr;
  int64_t first = day - kTableBehind, last = day + kTableAhead;
  // Extending keeps what is there when the whole stays within the bound.
  if (t && std::max(last, t->lastDay) - std::min(first, t->firstDay) < kTableBehind + kTableAhead + kTableReach) {
    first = std::min(first, t->firstDay);
    last = std::max(last, t->lastDay);
  }
  auto n = std::make_shared<Table>();
  n->firstDay = first;
  n->lastDay = last;
  // Spans of these dates lie within two days of their local midnights.
  n->from = first * kSecondsPerDay - 3 * kSecondsPerDay;
  n->to = (last + 3) * kSecondsPerDay;
  n->offsets.push_back(zone_.offsetAt(n->from));
  for (int64_t c : zone_.transitions(n->from + 1, n->to)) {
    n->changes.push_back(c);
    n->offsets.push_back(zone_.offsetAt(c));
  }
  const Rules& r = *rules_;
  std::optional<Zone::Stretch> stretch;
  int64_t total = 0;
  for (int64_t d = first; d <= last; ++d) {
    n->daySpan.push_back(static_cast<uint32_t>(n->spans.size()));
    n->dayWork.push_back(static_cast<uint32_t>(n->work.size()));
    int wd = weekdayOf(d);
    if (!(r.weekMask >> wd & 1) || isHoliday(d)) continue;
    size_t firstOfDay = n->spans.size();
    auto f = [&](int64_t open, int64_t close) {
      n->spans.push_back({open, close, total});
      total += close - open;
      return false;
    };
    spansOfDay(d, wd, stretch, f);
    if (n->spans.size() == firstOfDay) continue;  // every range inside a gap
    n->work.push_back({n->spans[firstOfDay].open, n->spans.back().close});
  }
  n->daySpan.push_back(static_cast<uint32_t>(n->spans.size()));
  n->dayWork.push_back(static_cast<uint32_t>(n->work.size()));
  constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
  n->spans.push_back({kNever, kNever, total});
  table_ = std::move(n);
  return table_.get();
}

Calendar::Calendar(const CalendarSpec& spec, Zone zone)
    : rules_(std::make_shared<Rules>(spec)), zone_(zone) {}

std::optional<Calendar> Calendar::inOwnZone(const CalendarSpec& spec) {
  auto zone = Zone::find(spec.zone);
  if (!zone) return std::nullopt;
  return Calendar(spec, *zone);
}

Calendar Calendar::withZone(Zone zone) const { return Calendar(rules_, zone); }

Calendar Calendar::direct() const {
  Calendar c(rules_, zone_);
  c.useTable_ = false;
  return c;
}

const CalendarSpec& Calendar::spec() const { return rules_->spec; }

int64_t Calendar::localDate(int64_t t) const {
  if (const Table* tb = table_.get(); tb && useTable_ && tb->holds(t)) return tb->localDate(t);
  return directLocalDate(t);
}

int64_t Calendar::directLocalDate(int64_t t) const {
  t = std::clamp(t, kEarliestInstant, kLatestInstant);
  return floorDiv(zone_.toLocal(t), kSecondsPerDay);
}

bool Calendar::isHoliday(int64_t localDay) const {
  return rules_->yearOfDay(localDay).has(localDay);
}

bool Calendar::isWorkingDay(int64_t localDay) const {
  return (rules_->weekMask >> weekdayOf(localDay) & 1) && !isHoliday(localDay);
}

const std::vector<Holiday>& Calendar::holidays(int year) const {
  static const std::vector<Holiday> kNone;
  if (year < 1 || year > 9999) return kNone;
  return rules_->year(year).list;
}

// Calls f(open, close) for the non-empty spans of the ranges starting on working day
// `day` (of weekday wd), in order, until f returns true; returns whether it did. Where
// `stretch` (kept across days) covers the day, local → UTC is a subtraction.
template <typename F>
bool Calendar::spansOfDay(int64_t day, int wd, std::optional<Zone::Stretch>& stretch,
                          F& f) const {
  const int64_t midnight = day * kSecondsPerDay, dayEnd = midnight + 2 * kSecondsPerDay;
  if (!stretch || midnight < stretch->localBegin || dayEnd > stretch->localEnd)
    stretch = zone_.stretchAt(midnight);
  const bool simple = stretch && dayEnd <= stretch->localEnd;
  for (const Rules::Range& range : rules_->week[wd]) {
    int64_t open, close;
    if (simple) {
      open = midnight + range.start - stretch->offset;
      close = midnight + range.end - stretch->offset;
    } else {
      open = zone_.toUtc(midnight + range.start);
      close = zone_.toUtc(midnight + range.end);
    }
    if (close > open && f(open, close)) return true;
  }
  return false;
}

// Calls f(open, close) for the non-empty spans of the ranges starting on local dates
// firstDay..lastDay, in time order (ranges do not overlap in local time and toUtc is
// monotone), until f returns true; returns whether it did.
template <typename F>
bool Calendar::forEachSpan(int64_t firstDay, int64_t lastDay, F&& f) const {
  const Rules& r = *rules_;
  if (r.weekMask == 0) return false;
  std::optional<Zone::Stretch> stretch;
  for (int64_t day = firstDay; day <= lastDay; ++day) {
    int wd = weekdayOf(day);
    if (!(r.weekMask >> wd & 1) || isHoliday(day)) continue;
    if (spansOfDay(day, wd, stretch, f)) return true;
  }
  return false;
}

std::vector<OpenSpan> Calendar::openSpans(int64_t localDay) const {
  std::vector<OpenSpan> out;
  forEachSpan(localDay, localDay, [&](int64_t open, int64_t close) {
    out.push_back({open, close});
    return false;
  });
  return out;
}

bool Calendar::isOpen(int64_t t) const {
  if (t < kEarliestInstant || t > kLatestInstant) return false;
  int64_t day = localDate(t);
  // A range of the day before may run past midnight; one of the day after may start
  // inside a repeated hour that t is the second pass of.
  if (const Table* tb = tableFor(day)) {
    size_t i = tb->openAfter(tb->spanOfDay(day - 1), t);
    return i < tb->spanOfDay(day + 2) && tb->spans[i].open <= t;
  }
  return forEachSpan(day - 1, day + 1, [&](int64_t open, int64_t close) {
    return open <= t && t < close;
  });
}

std::optional<int64_t> Calendar::nextOpening(int64_t t) const { return addOpenTime(t, 0); }

std::optional<int64_t> Calendar::addOpenTime(int64_t t, int64_t seconds) const {
  if (t < kEarliestInstant || t > kLatestInstant) return std::nullopt;
  int64_t remaining = std::max<int64_t>(seconds, 0);
  int64_t day = localDate(t);
  if (const Table* tb = tableFor(day)) {
    // Open time as a coordinate: from t's, `remaining` further, back to an instant.
    size_t i = tb->openAfter(tb->spanOfDay(day - 1), t);
    if (i < tb->count()) {
      const Table::Span& at = tb->spans[i];
      int64_t target = at.before + std::max<int64_t>(0, t - at.open) + remaining;
      // The first span whose end reaches the target (ending at a closing gives it):
      // the one before the first span with at least `target` open seconds before it.
      size_t j = tb->firstNotBelow(i + 1, [target](const Table::Span& s) { return s.before < target; });
      if (tb->spans[j].before >= target) {
        const Table::Span& end = tb->spans[j - 1];
        return end.open + (target - end.before);
      }
    }
    // Not within the table: searched directly below.
  }
  std::optional<int64_t> result;
  forEachSpan(day - 1, day + kSearchDays, [&](int64_t open, int64_t close) {
    if (close <= t) return false;
    int64_t from = std::max(open, t);
    if (remaining <= close - from) {
      result = from + remaining;
      return true;
    }
    remaining -= close - from;
    return false;
  });
  return result;
}

std::optional<int64_t> Calendar::addBusinessHours(int64_t t, int64_t hours) const {
  constexpr int64_t kMaxHours = kSearchDays * 24;  // more could never be found
  if (hours > kMaxHours) return std::nullopt;
  return addOpenTime(t, std::max<int64_t>(hours, 0) * 3600);
}

std::optional<OpenSpan> Calendar::nthWorkingDay(int64_t t, int n) const {
  if (n < 1 || t < kEarliestInstant || t > kLatestInstant || rules_->weekMask == 0)
    return std::nullopt;
  const Rules& r = *rules_;
  int64_t start = localDate(t);
  if (const Table* tb = tableFor(start)) {
    size_t k = tb->dayWork[static_cast<size_t>(start + 1 - tb->firstDay)] + static_cast<size_t>(n) - 1;
    if (k < tb->work.size()) return tb->work[k];
  }
  std::optional<Zone::Stretch> stretch;
  for (int64_t day = start + 1; day <= start + kSearchDays; ++day) {
    int wd = weekdayOf(day);
    if (!(r.weekMask >> wd & 1) || isHoliday(day)) continue;
    std::optional<OpenSpan> whole;  // first opening, last closing
    auto f = [&](int64_t open, int64_t close) {
      if (!whole) whole = OpenSpan{open, close};
      whole->close = close;
      return false;
    };
    spansOfDay(day, wd, stretch, f);
    if (!whole) continue;  // every range inside a gap: no open time that day
    if (--n == 0) return whole;
  }
  return std::nullopt;
}

std::optional<int64_t> Calendar::businessDaysWait(int64_t t, int n) const {
  auto span = nthWorkingDay(t, n);
  if (!span) return std::nullopt;
  return span->open;
}

std::optional<int64_t> Calendar::businessDaysEnd(int64_t t, int n) const {
  auto span = nthWorkingDay(t, n);
  if (!span) return std::nullopt;
  return span->close;
}

int64_t Calendar::openSeconds(int64_t from, int64_t to) const {
  from = std::clamp(from, kEarliestInstant, kLatestInstant);
  to = std::clamp(to, kEarliestInstant, kLatestInstant);
  if (to <= from) return 0;
  int64_t first = localDate(from);
  int64_t last = std::min(localDate(to) + 1, first + kSearchDays);
  if (const Table* tb = tableFor(first); tb && last <= tb->lastDay) {
    size_t s = tb->spanOfDay(first - 1), e = tb->spanOfDay(last + 1);
    // Spans [s, e) only: the open seconds up to `to` and up to `from`, apart.
    auto upTo = [&](int64_t x) {
      size_t i = tb->openAfter(s, x);
      return i >= e ? tb->spans[e].before : tb->spans[i].before + std::max<int64_t>(0, x - tb->spans[i].open);
    };
    return upTo(to) - upTo(from);
  }
  int64_t total = 0;
  forEachSpan(first - 1, last, [&](int64_t open, int64_t close) {
    if (open >= to) return true;
    total += std::max<int64_t>(0, std::min(close, to) - std::max(open, from));
    return false;
  });
  return total;
}

}  // namespace seqc::cal
