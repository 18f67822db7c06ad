// Calendar benchmark (not a test; docs/performance.md): the engine's next-opening and
// business-duration arithmetic in ns per call, then 1,000,000 leads simulated by the
// same sequence with a calendar and per-record time zones and without, with the same
// behaviour model and seed. Prints "name: value unit" lines.
//
// Usage: bench_calendar [RECORDS=1000000] [--repeat K] [--only with|without]
//   --repeat K: each measurement is repeated K times (default 3); the fastest is reported.
//   --only: simulate one of the two (to profile it); no engine calls, no ratio then.
// Runs are single-threaded. Engine calls are timed in wall time (steady_clock); each
// simulation in wall time and in the CPU time of its thread (CLOCK_THREAD_CPUTIME_ID),
// which a loaded machine inflates less. Both ratios are printed.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "compiler/compilation.h"
#include "compiler/driver.h"
#include "seqc/calendar/calendar.h"
#include "seqc/sim/simulator.h"
#include "seqc/support/time.h"

namespace fs = std::filesystem;
using namespace seqc;

namespace {

void line(const std::string& name, const std::string& value) {
  std::printf("%s: %s\n", name.c_str(), value.c_str());
  std::fflush(stdout);
}

double best(int repeat, const std::function<double()>& f) {
  double t = 1e300;
  for (int i = 0; i < repeat; ++i) t = std::min(t, f());
  return t;
}

double secondsOf(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The calendar of CALENDARS.md §1.
constexpr const char* kCalendar = R"(calendar "US East" {
  zone "America/New_York"
  hours mon-thu 08:30-12:00, 13:00-17:30
  hours fri 08:30-15:00
  holiday "New Year's Day" jan 1 observed
  holiday "Memorial Day" last mon of may
  holiday "Independence Day" jul 4 observed
  holiday "Labor Day" 1st mon of sep
  holiday "Thanksgiving" 4th thu of nov
  holiday "Day after Thanksgiving" 4th thu of nov + 1d
  holiday "Christmas Day" dec 25 observed
  holiday "Good Friday" easter - 2d
}
)";

// One sequence, written with a calendar and per-record zones or without: the same steps,
// business durations where the other has elapsed ones.
std::string sequenceText(bool calendar) {
  std::string d = calendar ? " business days" : "d", h = calendar ? " business hours" : "h";
  std::string s = "extend entity lead {\n  new_timezone: string(64) \"Time zone\"\n}\n";
  if (calendar) s += kCalendar;
  s += "sequence \"Bench\" on lead {\n";
  if (calendar) s += "  calendar \"US East\"\n  time zone lead.new_timezone\n";
  s += "  exit on reply\n"
       "  intro: auto email \"Intro\" template \"intro\"\n"
       "  wait 2" + d + "\n"
       "  if intro.opened or intro.clicked within 1" + d + " {\n"
       "    call1: call \"Call\" due 4" + h + "\n"
       "    if call1.answered { task \"Invite\" due 1" + d + "\n end }\n"
       "  }\n"
       "  follow: auto email \"Follow up\" template \"follow\"\n"
       "  wait 3" + d + "\n"
       "  if follow.opened within 16" + h + " {\n"
       "    linkedin connect \"Connect\"\n"
       "  } else {\n"
       "    auto email \"Breakup\" template \"breakup\"\n"
       "  }\n"
       "}\n";
  return s;
}

constexpr std::array<const char*, 16> kZones = {
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "Europe/London",
    "Europe/Berlin", "Europe/Paris", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney", "Asia/Kathmandu",
    "America/St_Johns", "Pacific/Auckland", "America/Sao_Paulo", "Africa/Johannesburg", "Asia/Singapore"};

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Wall seconds returned; the run's thread CPU seconds kept in `cpu` when fewer.
double simulate(const bc::Module& m, size_t n, const rt::Model& model, int64_t start, uint64_t& steps,
                double& cpu) {
  size_t width = m.fields.size();
  // Without `time zone` the code touches no field: the records carry none.
  std::optional<size_t> tz;
  for (size_t f = 0; f < width; ++f)
    if (m.str(m.fields[f].name) == "new_timezone") tz = f;
  std::vector<std::string> ids;
  std::vector<rt::Value> values(n * width);
  rt::StringArena strings;
  std::vector<std::string_view> zones;
  for (const char* z : kZones) zones.push_back(strings.store(z));
  for (size_t r = 0; r < n; ++r) {
    ids.push_back(fmt::format("R-{}", r));
    if (tz) values[r * width + *tz] = rt::Value::string(zones[mix(r) % zones.size()]);
  }
  rt::SimOptions opts;
  opts.start = start;
  opts.model = &model;
  opts.seed = 1;
  rt::Simulator sim(m, 0, opts);
  sim.addRecords(std::move(ids), std::move(values), std::move(strings));
  double c0 = threadCpuSeconds();
  double t = secondsOf([&] { sim.run(); });
  cpu = std::min(cpu, threadCpuSeconds() - c0);
  steps = sim.stepsExecuted();
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = 1000000;
  int repeat = 3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) repeat = std::max(1, std::atoi(argv[++i]));
    else if (a == "--only" && i + 1 < argc && (std::string(argv[i + 1]) == "with" || std::string(argv[i + 1]) == "without"))
      only = argv[++i];
    else if (!a.empty() && a[0] != '-') n = std::strtoul(a.c_str(), nullptr, 10);
    else {
      std::fprintf(stderr, "usage: bench_calendar [RECORDS=1000000] [--repeat K] [--only with|without]\n");
      return 2;
    }
  }
  std::string stdlib = defaultStdlibDir(argv[0]);
  fs::path dir = fs::temp_directory_path() / fmt::format("bench_calendar.{}", ::getpid());
  fs::create_directories(dir);
  bc::Module with, without;
  for (bool calendar : {true, false}) {
    fs::path file = dir / (calendar ? "with.seq" : "without.seq");
    std::ofstream(file) << sequenceText(calendar);
    CompileResult r = compileFile(file.string(), CompileOptions{stdlib});
    if (!r.ok) {
      std::fprintf(stderr, "%s%s\n", r.diagnosticsText().c_str(), r.error.c_str());
      return 1;
    }
    (calendar ? with : without) = std::move(r.module);
  }
  fs::remove_all(dir);
  line("tzdata", cal::tzdataVersion());

  // ---- the engine: calls over instants spread across 2026, in New York
  auto calendar = cal::Calendar::inOwnZone(with.calendars.at(0));
  if (!calendar) {
    std::fprintf(stderr, "error: America/New_York is not in the tz database\n");
    return 1;
  }
  const int64_t year = *parseDateTime("2026-01-01T00:00:00Z");
  constexpr size_t kCalls = 1000000;
  std::vector<int64_t> instants(kCalls);
  for (size_t i = 0; i < kCalls; ++i) instants[i] = year + static_cast<int64_t>(mix(i) % (365 * 86400));
  calendar->holidays(2026), calendar->holidays(2027);  // the holiday years, computed once
  int64_t sink = 0;
  auto perCall = [&](const char* name, const std::function<int64_t(int64_t)>& f) {
    if (!only.empty()) return;
    double t = best(repeat, [&] {
      return secondsOf([&] {
        for (int64_t x : instants) sink += f(x);
      });
    });
    line(fmt::format("calendar.{}", name), fmt::format("{:.0f} ns/call", t * 1e9 / kCalls));
  };
  perCall("is_open", [&](int64_t t) { return calendar->isOpen(t) ? 1 : 0; });
  perCall("next_opening", [&](int64_t t) { return calendar->nextOpening(t).value_or(0); });
  perCall("add_business_hours_4", [&](int64_t t) { return calendar->addBusinessHours(t, 4).value_or(0); });
  perCall("add_business_hours_16", [&](int64_t t) { return calendar->addBusinessHours(t, 16).value_or(0); });
  perCall("business_days_wait_2", [&](int64_t t) { return calendar->businessDaysWait(t, 2).value_or(0); });
  perCall("business_days_end_1", [&](int64_t t) { return calendar->businessDaysEnd(t, 1).value_or(0); });
  perCall("business_days_wait_22", [&](int64_t t) { return calendar->businessDaysWait(t, 22).value_or(0); });
  // What the interpreter does per record zone: the same calendar read in another zone.
  auto tokyo = calendar->withZone(*cal::Zone::find("Asia/Tokyo"));
  perCall("next_opening_tokyo", [&](int64_t t) { return tokyo.nextOpening(t).value_or(0); });
  if (sink == 42) std::printf("\n");

  // ---- simulation: the same sequence with a calendar and per-record zones, and without
  rt::Model model;  // the defaults of docs/simulation.md
  const int64_t start = *parseDateTime("2026-01-05T09:00:00Z");
  line("records", fmt::format("{}", n));
  line("zones", fmt::format("{} (one per record, round robin by hash)", kZones.size()));
  uint64_t stepsWith = 0, stepsWithout = 0;
  double tWith = 0, tWithout = 0, cWith = 1e300, cWithout = 1e300;
  if (only != "without") {
    tWith = best(repeat, [&] { return simulate(with, n, model, start, stepsWith, cWith); });
    line("simulate.with_calendar",
         fmt::format("{:.3f} s wall, {:.3f} s CPU ({} record steps)", tWith, cWith, stepsWith));
  }
  if (only != "with") {
    tWithout = best(repeat, [&] { return simulate(without, n, model, start, stepsWithout, cWithout); });
    line("simulate.without_calendar",
         fmt::format("{:.3f} s wall, {:.3f} s CPU ({} record steps)", tWithout, cWithout, stepsWithout));
  }
  if (only.empty()) {
    line("ratio.with_over_without", fmt::format("{:.2f} x wall, {:.2f} x CPU (goal: at most 1.30 x)",
                                                tWith / tWithout, cWith / cWithout));
  }
  return 0;
}
