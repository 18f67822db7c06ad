// The interpreter on a calendar (CALENDARS.md §2-4), where the .seq tests cannot look:
// a held automated step saved and restored (the workspace's round trip), saved states
// that cannot be, the zone a record is read in, and a sequence without a calendar left
// as it was.
#include <catch2/catch.hpp>

#include "compiler/driver.h"
#include "seqc/interp/interpreter.h"
#include "seqc/support/time.h"

using namespace seqc;

namespace {

bc::Module compile(const std::string& text) {
  CompileResult r = compileSource("calendar_test.seq", text, CompileOptions{SEQC_STDLIB_DIR});
  INFO(r.diagnosticsText() << r.error);
  REQUIRE(r.ok);
  return std::move(r.module);
}

const char* kCalendarSource = R"(extend entity lead {
  new_timezone: string(64) "Time zone"
}
calendar "NY" {
  zone "America/New_York"
  hours mon-fri 09:00-17:00
}
sequence "Held" on lead {
  calendar "NY"
  time zone lead.new_timezone
  mail: auto email "Hello" template "hello"
  t: task "Next"
}
)";

uint16_t zoneField(const rt::Interpreter& in) { return *in.field("new_timezone"); }

}  // namespace

TEST_CASE("a held automated step survives a save and restore", "[interp][calendar]") {
  bc::Module m = compile(kCalendarSource);
  // Saturday 2026-01-10 15:00Z: closed in New York until Monday 14:00Z.
  const int64_t start = *parseDateTime("2026-01-10T15:00:00Z");
  const int64_t monday = *parseDateTime("2026-01-12T14:00:00Z");
  rt::Interpreter first(m, 0, {start, true});
  first.addRecords(1, std::vector<rt::Value>(m.fields.size()));
  first.connect(0, 0);
  rt::RecordState saved = first.state(0);
  CHECK(saved.waiting == rt::Waiting::Held);
  CHECK(saved.due == monday - start);
  CHECK(first.step(saved.step).activity == ActivityKind::AutoEmail);
  CHECK(first.history().empty());

  rt::Interpreter second(m, 0, {start, true});
  second.addRecords(1, std::vector<rt::Value>(m.fields.size()));
  REQUIRE(second.restore(0, saved, first.slots(0), first.vars(0)));
  REQUIRE(second.nextTimer() == monday - start);
  second.fireTimers(monday - start);
  REQUIRE(second.history().size() == 1);
  CHECK(second.history()[0].result == rt::Result::Sent);
  CHECK(second.history()[0].at == monday - start);
  CHECK(second.state(0).waiting == rt::Waiting::Manual);

  // A waiting kind past the last is a damaged row, not a crash.
  rt::RecordState bad = saved;
  bad.waiting = static_cast<rt::Waiting>(static_cast<int>(rt::Waiting::Held) + 1);
  rt::Interpreter third(m, 0, {start, true});
  third.addRecords(1, std::vector<rt::Value>(m.fields.size()));
  CHECK(!third.restore(0, bad, first.slots(0), first.vars(0)));
  CHECK(third.state(0).status == rt::Status::Error);
}

TEST_CASE("a held state is no position of a sequence without a calendar", "[interp][calendar]") {
  bc::Module m = compile(R"(sequence "Plain" on lead {
  mail: auto email "Hello" template "hello"
  t: task "Next"
}
)");
  rt::Interpreter in(m, 0, {0, true});
  in.addRecords(1, std::vector<rt::Value>(m.fields.size()));
  CHECK(!in.hasCalendar());
  rt::RecordState st;
  st.pc = m.sequences[0].codeBegin + 3;  // after the activity instruction
  st.step = 0;
  st.waiting = rt::Waiting::Held;
  std::vector<uint8_t> slots(m.sequences[0].slots, 0);
  CHECK(!in.restore(0, st, slots, {}));
  // Without a calendar an automated step goes out at any hour.
  rt::Interpreter night(m, 0, {*parseDateTime("2026-01-10T03:00:00Z"), true});
  night.addRecords(1, std::vector<rt::Value>(m.fields.size()));
  night.connect(0, 0);
  REQUIRE(night.history().size() == 1);
  CHECK(night.history()[0].result == rt::Result::Sent);
}

TEST_CASE("the zone a record is read in", "[interp][calendar]") {
  bc::Module m = compile(kCalendarSource);
  rt::Interpreter in(m, 0, {*parseDateTime("2026-01-05T15:00:00Z"), false});
  std::vector<rt::Value> values(3 * m.fields.size());
  uint16_t f = 0;
  for (size_t i = 0; i < m.fields.size(); ++i)
    if (m.str(m.fields[i].name) == "new_timezone") f = static_cast<uint16_t>(i);
  values[f] = rt::Value::string("Asia/Tokyo");
  values[m.fields.size() + f] = rt::Value::string("asia/tokyo");  // names are exact
  in.addRecords(3, values);
  CHECK(zoneField(in) == f);
  REQUIRE(in.hasCalendar());
  CHECK(in.calendarZoneKnown());
  CHECK(in.zoneOf(0, 0).zone.name() == "Asia/Tokyo");
  CHECK(!in.zoneOf(0, 0).fallback);
  CHECK(in.zoneOf(1, 0).zone.name() == "America/New_York");
  CHECK(in.zoneOf(1, 0).fallback);
  CHECK(in.zoneOf(2, 0).fallback);  // null
  CHECK(in.calendarFor(0, 0).zone().name() == "Asia/Tokyo");
}
