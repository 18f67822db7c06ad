// Time zones: date/tz's transitions flattened into one table per zone, extended past the
// file's last transition by its POSIX TZ footer (date/tz 3.0.1 ignores the footer, so
// without it every zone would stop observing daylight saving time after 2037).
#include "seqc/calendar/zone.h"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "seqc/support/file.h"
#include "seqc/support/time.h"

namespace seqc::cal {

// Sentinels far beyond any date but far from overflow when an offset is added.
constexpr int64_t kFarPast = -(int64_t{1} << 60);
constexpr int64_t kFarFuture = int64_t{1} << 60;

struct ZoneData {
  std::string name;
  const date::time_zone* tz = nullptr;
  // Interval i runs from starts[i] (starts[0] = kFarPast) to starts[i + 1] at offsets[i].
  std::vector<int64_t> starts;
  std::vector<int32_t> offsets;
};

namespace {

constexpr const char* kZoneInfoDir = "/usr/share/zoneinfo";
// No zone's offset reaches ±26 h; the local→UTC search looks this far either side.
constexpr int64_t kOffsetReach = 30 * 3600;
// date/tz reports "no further transition" with an end in the year 32767: stop before.
constexpr int64_t kTableEnd = 13569465600;  // 2400-01-01T00:00:00Z

int64_t toSeconds(date::sys_seconds s) { return s.time_since_epoch().count(); }

int64_t yearOf(int64_t utc) {
  auto days = date::floor<date::days>(date::sys_seconds{std::chrono::seconds{utc}});
  return static_cast<int>(date::year_month_day{days}.year());
}

void append(ZoneData& z, int64_t start, int32_t offset) {
  if (!z.offsets.empty() && z.offsets.back() == offset) return;  // abbreviation-only change
  z.starts.push_back(z.starts.empty() ? kFarPast : start);
  z.offsets.push_back(offset);
}

// The footer of a TZif file of version 2 or later: the text between its last two
// newlines. Empty when there is none.
std::string readFooter(const std::string& name) {
  std::string bytes, error;
  if (!readFile(std::string(kZoneInfoDir) + "/" + name, {1 << 20, "TZif", false}, bytes, error))
    return {};
  if (bytes.size() < 5 || bytes.compare(0, 4, "TZif") != 0 || bytes[4] < '2') return {};
  if (bytes.back() != '\n') return {};
  size_t before = bytes.rfind('\n', bytes.size() - 2);
  if (before == std::string::npos) return {};
  return bytes.substr(before + 1, bytes.size() - before - 2);
}

std::unique_ptr<ZoneData> build(const date::time_zone* tz) {
  auto z = std::make_unique<ZoneData>();
  z->name = std::string(tz->name());
  z->tz = tz;
  using namespace date::literals;
  auto info = tz->get_info(date::sys_seconds{date::sys_days{1000_y / 1 / 1}});  // before history
  for (int guard = 0; guard < 100000; ++guard) {
    append(*z, toSeconds(info.begin), static_cast<int32_t>(info.offset.count()));
    int64_t end = toSeconds(info.end);
    if (end >= kTableEnd || info.end <= info.begin) break;
    info = tz->get_info(info.end);
  }
  // Past the last listed transition, the footer's rule.
  if (auto rule = detail::zoneRule(z->name); rule && rule->hasDst) {
    int64_t last = z->starts.size() > 1 ? z->starts.back() : 0;
    for (auto [at, offset] : detail::ruleTransitions(*rule, static_cast<int>(yearOf(last)),
                                                     kRuleYearLimit))
      if (at > last) append(*z, at, offset);
  }
  return z;
}

struct Registry {
  std::mutex mutex;
  std::unordered_map<std::string, std::unique_ptr<ZoneData>> zones;
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: Zones may outlive static destructors
  return *r;
}

const ZoneData& fallbackUtc() {
  static const ZoneData* d = [] {
    auto* z = new ZoneData;
    z->name = "UTC";
    z->starts = {kFarPast};
    z->offsets = {0};
    return z;
  }();
  return *d;
}

}  // namespace

const std::vector<std::string>& Zone::names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    try {
      for (const auto& z : date::get_tzdb().zones) out.emplace_back(z.name());
    } catch (const std::exception&) {
      // No readable tz database: no names, and find() finds nothing.
    }
    std::sort(out.begin(), out.end());
    return out;
  }();
  return names;
}

std::optional<Zone> Zone::find(std::string_view name) {
  const auto& all = names();
  auto it = std::lower_bound(all.begin(), all.end(), name);
  if (it == all.end() || *it != name) return std::nullopt;
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (auto hit = r.zones.find(*it); hit != r.zones.end()) return Zone(hit->second.get());
  try {
    auto data = build(date::locate_zone(*it));  // tzdb::locate_zone is not exported
    const ZoneData* p = data.get();
    r.zones.emplace(*it, std::move(data));
    return Zone(p);
  } catch (const std::exception&) {
    return std::nullopt;  // listed but unreadable
  }
}

Zone Zone::utc() {
  static const Zone z = find("UTC").value_or(Zone(&fallbackUtc()));
  return z;
}

const std::string& Zone::name() const { return data_->name; }
const date::time_zone* Zone::tz() const { return data_->tz; }

int32_t Zone::offsetAt(int64_t utc) const {
  const auto& s = data_->starts;
  size_t i = static_cast<size_t>(std::upper_bound(s.begin() + 1, s.end(), utc) - s.begin()) - 1;
  return data_->offsets[i];
}

namespace {

// Visits the intervals that may hold local time `local`, in time order, until `f` says stop.
template <typename F>
void nearIntervals(const ZoneData& z, int64_t local, F&& f) {
  const auto& s = z.starts;
  size_t i = static_cast<size_t>(std::upper_bound(s.begin() + 1, s.end(), local - kOffsetReach) -
                                 s.begin()) - 1;
  for (; i < s.size() && s[i] <= local + kOffsetReach; ++i) {
    int64_t end = i + 1 < s.size() ? s[i + 1] : kFarFuture;
    if (f(s[i], end, z.offsets[i])) return;
  }
}

}  // namespace

int64_t Zone::toUtc(int64_t local) const {
  local = std::clamp(local, kFarPast / 2, kFarFuture / 2);
  std::optional<int64_t> found, afterGap;
  nearIntervals(*data_, local, [&](int64_t begin, int64_t end, int32_t off) {
    if (begin + off <= local && local < end + off) {
      found = local - off;  // the earliest interval holding it: the earlier of a repeat
      return true;
    }
    if (!afterGap && begin + off > local) afterGap = begin;
    return false;
  });
  if (found) return *found;
  if (afterGap) return *afterGap;
  return local - offsetAt(local);  // not reached: some interval always follows a gap
}

// One interval holds every UTC instant within kOffsetReach of [begin, end): no other
// interval can hold a local time of it, so the conversion is a subtraction.
std::optional<Zone::Stretch> Zone::stretchAt(int64_t local) const {
  local = std::clamp(local, kFarPast / 2, kFarFuture / 2);
  const auto& s = data_->starts;
  size_t i = static_cast<size_t>(std::upper_bound(s.begin() + 1, s.end(), local - kOffsetReach) -
                                 s.begin()) - 1;
  int64_t end = (i + 1 < s.size() ? s[i + 1] : kFarFuture) - kOffsetReach;
  if (local >= end) return std::nullopt;
  int64_t begin = i == 0 ? kFarPast : s[i] + kOffsetReach;
  return Stretch{begin, end, data_->offsets[i]};
}

Zone::LocalKind Zone::classify(int64_t local) const {
  local = std::clamp(local, kFarPast / 2, kFarFuture / 2);
  int count = 0;
  nearIntervals(*data_, local, [&](int64_t begin, int64_t end, int32_t off) {
    if (begin + off <= local && local < end + off) ++count;
    return false;
  });
  return count == 0 ? LocalKind::Gap : count == 1 ? LocalKind::Unique : LocalKind::Repeated;
}

std::vector<int64_t> Zone::transitions(int64_t from, int64_t to) const {
  std::vector<int64_t> out;
  const auto& s = data_->starts;
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i] >= from && s[i] < to) out.push_back(s[i]);
  return out;
}

const std::string& tzdataVersion() {
  static const std::string version = [] {
    std::ifstream in(std::string(kZoneInfoDir) + "/tzdata.zi");
    std::string line;
    if (in && std::getline(in, line) && line.rfind("# version ", 0) == 0) {
      std::string v = line.substr(10);
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
      if (!v.empty() && v.size() < 32) return v;
    }
    return std::string("unknown");
  }();
  return version;
}

// POSIX TZ rules (POSIX.1 §8.3 with RFC 8536's extensions: hours up to 167, negative
// transition times).
namespace detail {
namespace {

struct Reader {
  std::string_view s;
  size_t pos = 0;
  bool done() const { return pos >= s.size(); }
  char peek() const { return done() ? '\0' : s[pos]; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos;
    return true;
  }
  std::optional<int> number(int maxDigits) {
    int v = 0, n = 0;
    for (; n < maxDigits && peek() >= '0' && peek() <= '9'; ++n) v = v * 10 + (s[pos++] - '0');
    if (n == 0) return std::nullopt;
    return v;
  }
  bool name() {
    if (eat('<')) {
      size_t close = s.find('>', pos);
      if (close == std::string_view::npos) return false;
      pos = close + 1;
      return true;
    }
    size_t begin = pos;
    while ((peek() >= 'A' && peek() <= 'Z') || (peek() >= 'a' && peek() <= 'z')) ++pos;
    return pos - begin >= 3;
  }
  // [+-]hh[:mm[:ss]] as signed seconds.
  std::optional<int32_t> hms(int maxHours) {
    int sign = 1;
    if (eat('-')) sign = -1;
    else eat('+');
    auto h = number(3);
    if (!h || *h > maxHours) return std::nullopt;
    int32_t v = *h * 3600;
    if (eat(':')) {
      auto m = number(2);
      if (!m || *m > 59) return std::nullopt;
      v += *m * 60;
      if (eat(':')) {
        auto sec = number(2);
        if (!sec || *sec > 59) return std::nullopt;
        v += *sec;
      }
    }
    return sign * v;
  }
  std::optional<PosixRule::When> when() {
    PosixRule::When w;
    if (eat('M')) {
      auto m = number(2);
      if (!m || *m < 1 || *m > 12 || !eat('.')) return std::nullopt;
      auto wk = number(1);
      if (!wk || *wk < 1 || *wk > 5 || !eat('.')) return std::nullopt;
      auto d = number(1);
      if (!d || *d > 6) return std::nullopt;
      w.kind = PosixRule::When::MonthWeekDay;
      w.month = static_cast<uint8_t>(*m);
      w.week = static_cast<uint8_t>(*wk);
      w.day = static_cast<int16_t>(*d);
    } else if (eat('J')) {
      auto n = number(3);
      if (!n || *n < 1 || *n > 365) return std::nullopt;
      w.kind = PosixRule::When::Julian1;
      w.day = static_cast<int16_t>(*n);
    } else {
      auto n = number(3);
      if (!n || *n > 365) return std::nullopt;
      w.kind = PosixRule::When::Julian0;
      w.day = static_cast<int16_t>(*n);
    }
    if (eat('/')) {
      auto t = hms(167);
      if (!t) return std::nullopt;
      w.time = *t;
    }
    return w;
  }
};

int64_t dayOf(const PosixRule::When& w, int year) {
  int64_t jan1 = daysFromCivil(year, 1, 1);
  switch (w.kind) {
    case PosixRule::When::Julian1:
      return jan1 + w.day - 1 + (isLeapYear(year) && w.day >= 60 ? 1 : 0);
    case PosixRule::When::Julian0:
      return jan1 + w.day;
    case PosixRule::When::MonthWeekDay:
      break;
  }
  int64_t first = daysFromCivil(year, w.month, 1);
  int64_t firstWd = ((first + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  int64_t d = first + (w.day - firstWd + 7) % 7 + (w.week - 1) * 7;
  int64_t next = w.month == 12 ? daysFromCivil(year + 1, 1, 1) : daysFromCivil(year, w.month + 1u, 1);
  while (d >= next) d -= 7;  // week 5: the last one
  return d;
}

}  // namespace

std::optional<PosixRule> parsePosixRule(std::string_view text) {
  Reader r{text};
  PosixRule rule;
  if (!r.name()) return std::nullopt;
  auto standard = r.hms(24);
  if (!standard) return std::nullopt;
  rule.stdOffset = -*standard;  // POSIX counts west of Greenwich
  if (r.done()) return rule;
  if (!r.name()) return std::nullopt;
  rule.dstOffset = rule.stdOffset + 3600;
  if (!r.done() && r.peek() != ',') {
    auto dst = r.hms(24);
    if (!dst) return std::nullopt;
    rule.dstOffset = -*dst;
  }
  // A DST name without rules leaves the dates to the implementation: treat as none.
  if (!r.eat(',')) return r.done() ? std::optional<PosixRule>(rule) : std::nullopt;
  auto start = r.when();
  if (!start || !r.eat(',')) return std::nullopt;
  auto end = r.when();
  if (!end || !r.done()) return std::nullopt;
  rule.start = *start;
  rule.end = *end;
  rule.hasDst = true;
  return rule;
}

std::optional<PosixRule> zoneRule(const std::string& name) {
  const auto& all = Zone::names();
  if (!std::binary_search(all.begin(), all.end(), name)) return std::nullopt;  // a path
  return parsePosixRule(readFooter(name));
}

std::vector<std::pair<int64_t, int32_t>> ruleTransitions(const PosixRule& rule, int fromYear,
                                                         int toYear) {
  struct Change {
    int64_t at;
    int order;  // at one instant the end of DST applies before a start (all-year DST)
    int32_t offset;
  };
  std::vector<Change> changes;
  if (!rule.hasDst) return {};
  for (int y = fromYear; y <= toYear; ++y) {
    // The start is written in standard time, the end in daylight time.
    changes.push_back({dayOf(rule.start, y) * kSecondsPerDay + rule.start.time - rule.stdOffset,
                       1, rule.dstOffset});
    changes.push_back({dayOf(rule.end, y) * kSecondsPerDay + rule.end.time - rule.dstOffset, 0,
                       rule.stdOffset});
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return a.at != b.at ? a.at < b.at : a.order < b.order;
  });
  std::vector<std::pair<int64_t, int32_t>> out;
  for (const Change& c : changes) {
    if (!out.empty() && out.back().first == c.at) out.back().second = c.offset;
    else out.emplace_back(c.at, c.offset);
  }
  return out;
}

}  // namespace detail
}  // namespace seqc::cal
