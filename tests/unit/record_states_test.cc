// The record-state lists (seqc/interp/record_states.def): names as stored and shown,
// and the results the workspace reads back from history by name.
#include <catch2/catch.hpp>

#include "seqc/interp/interpreter.h"

using namespace seqc;

TEST_CASE("statuses and reasons keep their stored names", "[interp]") {
  CHECK(rt::kStatusNames[static_cast<size_t>(rt::Status::Active)] == "active");
  CHECK(rt::kStatusNames[static_cast<size_t>(rt::Status::Disconnected)] == "disconnected");
  CHECK(rt::kStatusNames[static_cast<size_t>(rt::Status::Error)] == "error");
  CHECK(rt::name(rt::Reason::Reply) == "reply");
  CHECK(rt::name(rt::Reason::ExitWhen) == "exit_when");
  CHECK(rt::suffix(rt::Reason::ExitWhen) == " (exit when)");
  CHECK(rt::suffix(rt::Reason::None).empty());
}

TEST_CASE("every history result is found by its name", "[interp]") {
  size_t count = static_cast<size_t>(rt::kFirstEvent) + kEngagementEventNames.size();
  for (size_t i = 0; i < count; ++i) {
    auto r = static_cast<rt::Result>(i);
    CHECK(rt::resultNamed(rt::name(r)) == r);
  }
  CHECK(rt::name(rt::Result::TimedOut) == "timed_out");
  CHECK(rt::resultNamed("no_answer") == rt::resultOf(CallOutcome::NoAnswer));
  CHECK(rt::resultNamed("replied") == rt::resultOf(EngagementEvent::Replied));
  CHECK(!rt::resultNamed("connected"));  // a lifecycle entry, not a result
  CHECK(!rt::resultNamed(""));
}

TEST_CASE("only a skip and a timeout count as skipped", "[interp]") {
  CHECK(rt::isSkip(rt::Result::Skipped));
  CHECK(rt::isSkip(rt::Result::TimedOut));
  CHECK(!rt::isSkip(rt::Result::Completed));
  CHECK(!rt::isSkip(rt::Result::Waited));
  CHECK(!rt::isSkip(rt::resultOf(CallOutcome::WrongNumber)));
  CHECK(!rt::isSkip(rt::resultOf(EngagementEvent::Opened)));
}
