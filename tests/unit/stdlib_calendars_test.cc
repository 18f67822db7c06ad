// The standard calendars (stdlib/calendars/*.seq) as the compiler sees them: each
// compiles as it is, lowers into a module that verifies and round-trips, and the
// holidays the calendar engine computes from the lowered spec for 2020–2035 are exactly
// the published days off (tests/calendars/published/CC.txt), but for the differences
// CC.exceptions lists, every one of which must occur (docs/calendars.md, "Tests").
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "compiler/compilation.h"
#include "compiler/lower.h"
#include "seqc/calendar/calendar.h"
#include "seqc/support/time.h"

namespace fs = std::filesystem;
using namespace seqc;

namespace {

constexpr int kFirstYear = 2020, kLastYear = 2035;

using Day = std::pair<std::string, std::string>;  // "YYYY-MM-DD", holiday name

std::vector<std::string> lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty() && l[0] != '#') out.push_back(l);
  return out;
}

std::set<Day> published(const fs::path& p) {
  std::set<Day> out;
  for (const std::string& l : lines(p)) {
    REQUIRE(l.size() > 11);
    out.insert({l.substr(0, 10), l.substr(11)});
  }
  return out;
}

// "YYYY-MM-DD extra|missing NAME -- reason"
std::map<Day, bool> exceptions(const fs::path& p) {
  static const std::regex kLine(R"((\d{4}-\d\d-\d\d) (extra|missing) (.+?) -- .+)");
  std::map<Day, bool> out;  // true: extra
  if (!fs::exists(p)) return out;
  for (const std::string& l : lines(p)) {
    std::smatch m;
    REQUIRE(std::regex_match(l, m, kLine));
    out[{m[1], m[3]}] = m[2] == "extra";
  }
  return out;
}

// The days off the calendar gives: a weekend date moved by `observed` counts only on
// the day it is observed (as the published lists have it).
std::set<Day> computed(const cal::Calendar& c) {
  std::set<Day> out;
  for (int year = kFirstYear; year <= kLastYear; ++year)
    for (const cal::Holiday& h : c.holidays(year)) {
      const cal::HolidayRule& rule = c.spec().holidays[h.rule];
      if (rule.observed != cal::Observed::None && !h.observed && cal::weekdayOf(h.day) >= cal::kSat)
        continue;
      out.insert({formatDate(h.day), rule.name});
    }
  return out;
}

}  // namespace

TEST_CASE("the standard calendars compile and give the published holidays", "[calendar][stdlib]") {
  const fs::path source = SEQC_SOURCE_DIR;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(source / "stdlib" / "calendars"))
    if (e.path().extension() == ".seq") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 7);

  for (const fs::path& file : files) {
    std::string country = file.stem().string();
    INFO(file.string());

    // The file on its own: no diagnostic at all, one calendar.
    Compilation alone({SEQC_STDLIB_DIR});
    runWithLargeStack([&] { alone.checkFile(file.string()); });
    INFO(renderText(alone.sources(), alone.diagnostics().sorted(alone.sources())));
    REQUIRE(alone.diagnostics().diagnostics().empty());
    const ast::File* ast = alone.files().back();
    REQUIRE(ast->calendars.size() == 1);
    const ast::CalendarDecl& decl = *ast->calendars[0];
    REQUIRE(decl.spec);

    // A sequence using it: the module holds the calendar, which verifies and round-trips.
    std::string main = "import \"" + file.string() + "\"\nsequence \"S\" on lead {\n  calendar \"" +
                       decl.name + "\"\n  task \"T\" due 2 business days\n}\n";
    Compilation c({SEQC_STDLIB_DIR});
    runWithLargeStack([&] { c.checkSource((source / "mem.seq").string(), main); });
    INFO(renderText(c.sources(), c.diagnostics().sorted(c.sources())));
    REQUIRE(!c.diagnostics().hasErrors());
    bc::Module m;
    std::string error;
    bool ok = false;
    runWithLargeStack([&] { ok = lower(c, m, error); });
    INFO(error);
    REQUIRE(ok);
    REQUIRE(m.calendars.size() == 1);
    CHECK(m.calendars[0] == *decl.spec);
    CHECK(m.sequences[0].calendar == 0);
    std::vector<uint8_t> bytes = bc::write(m);
    bc::Module loaded;
    REQUIRE(bc::load(bytes.data(), bytes.size(), loaded, error));
    CHECK(loaded.calendars == m.calendars);

    auto calendar = cal::Calendar::inOwnZone(loaded.calendars[0]);
    REQUIRE(calendar);
    std::set<Day> got = computed(*calendar);
    std::set<Day> want = published(source / "tests" / "calendars" / "published" / (country + ".txt"));
    std::map<Day, bool> known = exceptions(source / "tests" / "calendars" / "published" / (country + ".exceptions"));
    REQUIRE(!want.empty());

    std::vector<std::string> problems;
    for (const Day& d : got)
      if (!want.count(d) && !(known.count(d) && known.at(d)))
        problems.push_back("rules only:     " + d.first + " " + d.second);
    for (const Day& d : want)
      if (!got.count(d) && !(known.count(d) && !known.at(d)))
        problems.push_back("published only: " + d.first + " " + d.second);
    for (const auto& [d, extra] : known)
      if (extra ? (!got.count(d) || want.count(d)) : (!want.count(d) || got.count(d)))
        problems.push_back("unused exception: " + d.first + " " + d.second);
    for (const std::string& p : problems) UNSCOPED_INFO(p);
    CHECK(problems.empty());
  }
}

TEST_CASE("a standard calendar is imported from the standard library", "[calendar][stdlib]") {
  Compilation c({SEQC_STDLIB_DIR});
  runWithLargeStack([&] {
    c.checkSource("/nowhere/mem.seq",
                  "import \"calendars/uk.seq\"\n"
                  "sequence \"S\" on lead {\n  calendar \"United Kingdom (England and Wales)\"\n"
                  "  task \"T\"\n}\n");
  });
  INFO(renderText(c.sources(), c.diagnostics().sorted(c.sources())));
  CHECK(!c.diagnostics().hasErrors());
}
