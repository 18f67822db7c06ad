// Checking `calendar` declarations: each line becomes part of a cal::CalendarSpec, and
// each problem a diagnostic at the word, time, date or offset at fault. The per-item
// rules and the overlap test are the calendar library's (cal::checkHoursRange,
// cal::findOverlap, cal::checkHoliday), as the verifier's cal::validate uses them.
#include "compiler/calendars.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "seqc/calendar/spec.h"
#include "seqc/calendar/zone.h"
#include "seqc/support/suggest.h"

namespace seqc {
namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

std::optional<int> indexIn(std::span<const std::string_view> names, std::string_view word) {
  auto it = std::find(names.begin(), names.end(), word);
  if (it == names.end()) return std::nullopt;
  return static_cast<int>(it - names.begin());
}

// "did you mean": `Monday` and `MON` give `mon`, `tues` gives `tue`.
void suggestName(Diagnostic& d, std::span<const std::string_view> names, std::string_view word) {
  std::string lower;
  for (char ch : word.substr(0, 3)) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string_view s = indexIn(names, lower) ? std::string_view(names[*indexIn(names, lower)])
                                             : closestMatch(word, names);
  if (!s.empty()) d.note(d.range, fmt::format("did you mean '{}'?", s));
}

std::string clock(int minutes) { return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60); }

class CalendarChecker {
 public:
  CalendarChecker(ast::CalendarDecl& decl, DiagnosticEngine& diags) : decl_(decl), diags_(diags) {
    spec_.name = decl.name;
  }

  void run() {
    size_t before = diags_.errorCount();
    const ast::CalendarItem* zone = nullptr;
    for (const ast::CalendarItem& item : decl_.items) {
      switch (item.kind) {
        case ast::CalendarItemKind::Zone:
          if (zone) {
            diags_.report(DiagKind::DuplicateSetting, item.range, "the calendar's zone is already given")
                .note(zone->range, "first given here");
            continue;
          }
          zone = &item;
          if (checkZoneName(item.text, item.textRange, diags_)) spec_.zone = item.text;
          break;
        case ast::CalendarItemKind::Hours: hours(item); break;
        case ast::CalendarItemKind::Holiday: holiday(item); break;
      }
    }
    if (!zone)
      diags_.report(DiagKind::BadCalendar, decl_.keyword,
                    "calendar \"{}\" has no `zone`: give the zone its hours are in, e.g. "
                    "`zone \"America/New_York\"`",
                    decl_.name);
    if (spec_.hours.size() > cal::kMaxHoursRanges)
      diags_.report(DiagKind::BadCalendar, decl_.keyword, "calendar \"{}\" has {} hours ranges; the limit is {}",
                    decl_.name, spec_.hours.size(), cal::kMaxHoursRanges);
    else
      overlaps();
    if (spec_.holidays.size() > cal::kMaxHolidayRules)
      diags_.report(DiagKind::BadCalendar, decl_.keyword, "calendar \"{}\" has {} holidays; the limit is {}",
                    decl_.name, spec_.holidays.size(), cal::kMaxHolidayRules);
    if (diags_.errorCount() != before) return;
    // What the verifier will check: nothing may be left once the lines above are clean.
    if (auto problem = cal::validate(spec_)) {
      diags_.report(DiagKind::BadCalendar, decl_.keyword, "{}", *problem);
      return;
    }
    decl_.spec = std::move(spec_);
  }

 private:
  std::optional<int> day(const ast::Word& w) {
    if (auto d = weekdayNumber(w.text)) return d;
    auto& d = diags_.report(DiagKind::BadHours, w.range,
                            "'{}' is not a day of the week: mon, tue, wed, thu, fri, sat or sun", w.text);
    suggestName(d, kWeekdays, w.text);
    return std::nullopt;
  }

  std::optional<int> weekday(const ast::Word& w) {
    if (auto d = weekdayNumber(w.text)) return d;
    auto& d = diags_.report(DiagKind::BadHoliday, w.range,
                            "'{}' is not a day of the week: mon, tue, wed, thu, fri, sat or sun", w.text);
    suggestName(d, kWeekdays, w.text);
    return std::nullopt;
  }

  std::optional<int> month(const ast::Word& w) {
    if (auto m = monthNumber(w.text)) return m;
    auto& d = diags_.report(DiagKind::BadHoliday, w.range, "'{}' is not a month: jan, feb, … dec", w.text);
    suggestName(d, kMonths, w.text);
    return std::nullopt;
  }

  // `hours DAYS RANGE, …`: one range per day of DAYS, each day in one line only.
  void hours(const ast::CalendarItem& item) {
    spec_.hasHours = true;
    auto first = day(item.firstDay);
    std::optional<int> last = first;
    if (item.lastDay) last = day(*item.lastDay);
    if (!first || !last) return;
    SourceRange days = item.lastDay ? SourceRange::cover(item.firstDay.range, item.lastDay->range)
                                    : item.firstDay.range;
    if (*last < *first) {
      diags_.report(DiagKind::BadHours, days,
                    "days run in week order, mon to sun, without wrapping around: `{}-{}` is empty",
                    item.firstDay.text, item.lastDay->text);
      return;
    }
    for (int d = *first; d <= *last; ++d)
      if (dayLine_[d]) {
        diags_.report(DiagKind::BadHours, days, "`{}` already has its hours", kWeekdays[d])
            .note(dayLine_[d]->range, "given here");
        return;
      }
    for (int d = *first; d <= *last; ++d) dayLine_[d] = &item;

    for (const ast::ClockRange& r : item.ranges) {
      bool ok = true;
      for (const ast::ClockTime* t : {&r.start, &r.end})
        if (t->minutes < 0) {
          diags_.report(DiagKind::BadHours, t->range, "malformed time: write HH:MM, from 00:00 to 24:00");
          ok = false;
        }
      if (!ok) continue;
      if (r.start.minutes == cal::kMinutesPerDay) {
        diags_.report(DiagKind::BadHours, r.start.range, "a range starts by 23:59; 24:00 is its end");
        continue;
      }
      cal::HoursRange range{static_cast<uint8_t>(*first), static_cast<uint16_t>(r.start.minutes),
                            static_cast<uint16_t>(r.end.minutes)};
      if (auto e = cal::checkHoursRange(range)) {
        diags_.report(DiagKind::BadHours, r.range, "{}", *e);
        continue;
      }
      for (int d = *first; d <= *last; ++d) {
        range.day = static_cast<uint8_t>(d);
        spec_.hours.push_back(range);
        origins_.push_back(&r);
      }
    }
  }

  // Every overlapping pair, at the later range; ranges of one line given for several
  // days are reported once.
  void overlaps() {
    std::vector<cal::HoursRange> hours = spec_.hours;
    std::vector<const ast::ClockRange*> origins = origins_;
    std::vector<std::pair<const ast::ClockRange*, const ast::ClockRange*>> reported;
    while (auto o = cal::findOverlap(hours)) {
      auto [i, j] = *o;
      std::pair pair{origins[j], origins[i]};
      if (std::find(reported.begin(), reported.end(), pair) == reported.end()) {
        reported.push_back(pair);
        const cal::HoursRange& a = hours[j];
        const cal::HoursRange& b = hours[i];
        diags_.report(DiagKind::BadHours, origins[j]->range, "{} {}-{} overlaps {} {}-{}",
                      kWeekdays[a.day], clock(a.startMinute), clock(a.endMinute), kWeekdays[b.day],
                      clock(b.startMinute), clock(b.endMinute))
            .note(origins[i]->range, "the range it overlaps");
      }
      hours.erase(hours.begin() + static_cast<std::ptrdiff_t>(j));
      origins.erase(origins.begin() + static_cast<std::ptrdiff_t>(j));
    }
  }

  std::optional<cal::CivilDate> date(const ast::DateLit& d) {
    if (!d.wellFormed) {
      diags_.report(DiagKind::BadHoliday, d.range, "malformed date: write YYYY-MM-DD");
      return std::nullopt;
    }
    return cal::CivilDate{static_cast<int32_t>(d.year), static_cast<uint8_t>(d.month),
                          static_cast<uint8_t>(d.day)};
  }

  // `1st` … `5th`, with its English suffix.
  std::optional<int> nth(const ast::CalendarItem& item) {
    std::string_view o = item.ordinal;
    size_t digits = o.find_first_not_of("0123456789");
    std::string_view number = o.substr(0, digits), suffix = digits == std::string_view::npos ? "" : o.substr(digits);
    constexpr std::string_view kSuffix[] = {"", "st", "nd", "rd", "th", "th"};
    if (number.size() == 1 && number[0] >= '1' && number[0] <= '5' && suffix == kSuffix[number[0] - '0'])
      return number[0] - '0';
    diags_.report(DiagKind::BadHoliday, item.numberRange,
                  "the week of the month is 1st, 2nd, 3rd, 4th or 5th (or `last`)");
    return std::nullopt;
  }

  void holiday(const ast::CalendarItem& item) {
    cal::HolidayRule rule;
    bool ok = true;
    switch (item.form) {
      case ast::HolidayForm::Fixed: {
        auto m = month(item.month);
        if (!m || !item.numbersValid) return;
        if (item.number < 1 || item.number > 31) {
          diags_.report(DiagKind::BadHoliday, item.numberRange, "{} {} does not exist", kMonths[*m - 1],
                        item.number);
          return;
        }
        rule = cal::HolidayRule::fixed(item.text, *m, static_cast<int>(item.number));
        break;
      }
      case ast::HolidayForm::Date: {
        auto d = date(item.date);
        if (!d) return;
        rule = cal::HolidayRule::onDate(item.text, d->year, d->month, d->day);
        break;
      }
      case ast::HolidayForm::Range: {
        auto from = date(item.date), to = date(item.endDate);
        if (!from || !to) return;
        rule = cal::HolidayRule::range(item.text, *from, *to);
        break;
      }
      case ast::HolidayForm::Nth: {
        auto n = nth(item);
        auto wd = weekday(item.weekday);
        auto m = month(item.month);
        if (!n || !wd || !m) return;
        rule = cal::HolidayRule::nthWeekday(item.text, *n, static_cast<cal::Weekday>(*wd), *m);
        break;
      }
      case ast::HolidayForm::Last: {
        auto wd = weekday(item.weekday);
        auto m = month(item.month);
        if (!wd || !m) return;
        rule = cal::HolidayRule::lastWeekday(item.text, static_cast<cal::Weekday>(*wd), *m);
        break;
      }
      case ast::HolidayForm::Easter: rule = cal::HolidayRule::easter(item.text); break;
    }
    // The rule itself, then with its offset, then observed: each problem where it is.
    if (auto e = cal::checkHoliday(rule)) {
      diags_.report(DiagKind::BadHoliday, item.ruleRange, "{}", *e);
      return;
    }
    if (item.offsetRange.valid()) {
      if (!item.offsetValid) {
        diags_.report(DiagKind::BadHoliday, item.offsetRange,
                      "an offset is a whole number of days: `+ 1d`, `- 2d`");
        ok = false;
      } else if (item.offsetDays == 0 || item.offsetDays < -cal::kMaxOffsetDays ||
                 item.offsetDays > cal::kMaxOffsetDays) {
        diags_.report(DiagKind::BadHoliday, item.offsetRange, "an offset is 1 to {} days", cal::kMaxOffsetDays);
        ok = false;
      } else {
        rule.offsetDays = static_cast<int16_t>(item.offsetDays);
        if (auto e = cal::checkHoliday(rule)) {
          diags_.report(DiagKind::BadHoliday, item.offsetRange, "{}", *e);
          ok = false;
        }
      }
    }
    rule.observed = item.observed;
    if (ok && item.observed != cal::Observed::None) {
      if (auto e = cal::checkHoliday(rule)) {
        diags_.report(DiagKind::BadHoliday, item.observedRange, "{}", *e);
        ok = false;
      }
    }
    if (ok) spec_.holidays.push_back(std::move(rule));
  }

  ast::CalendarDecl& decl_;
  DiagnosticEngine& diags_;
  cal::CalendarSpec spec_;
  std::vector<const ast::ClockRange*> origins_;  // by spec_.hours index
  std::array<const ast::CalendarItem*, 7> dayLine_ = {};
};

}  // namespace

std::optional<int> weekdayNumber(std::string_view word) { return indexIn(kWeekdays, word); }

std::optional<int> monthNumber(std::string_view word) {
  auto m = indexIn(kMonths, word);
  return m ? std::optional(*m + 1) : std::nullopt;
}

void checkCalendar(ast::CalendarDecl& decl, DiagnosticEngine& diags) { CalendarChecker(decl, diags).run(); }

bool checkZoneName(std::string_view name, SourceRange range, DiagnosticEngine& diags) {
  if (cal::Zone::find(name)) return true;
  const std::vector<std::string>& names = cal::Zone::names();
  if (names.empty()) {
    diags.report(DiagKind::UnknownZone, range,
                 "unknown time zone \"{}\": the system's tz database (package tzdata) cannot be read", name);
    return false;
  }
  auto& d = diags.report(DiagKind::UnknownZone, range,
                         "unknown time zone \"{}\": not a zone of the tz database (an IANA name such as "
                         "\"Europe/Paris\")",
                         name);
  static const std::vector<std::string_view> views(names.begin(), names.end());
  if (std::string_view s = closestMatch(name, views); !s.empty())
    d.note(d.range, fmt::format("did you mean '{}'?", s));
  return false;
}

}  // namespace seqc
