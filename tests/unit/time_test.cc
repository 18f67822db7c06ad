// Times and durations: strict ISO 8601 parsing, civil-date arithmetic, formatting.
#include <catch2/catch.hpp>

#include <limits>

#include "seqc/support/time.h"

using namespace seqc;

TEST_CASE("daysFromCivil", "[time]") {
  CHECK(daysFromCivil(1970, 1, 1) == 0);
  CHECK(daysFromCivil(1970, 1, 2) == 1);
  CHECK(daysFromCivil(1969, 12, 31) == -1);
  CHECK(daysFromCivil(2000, 3, 1) == 11017);
  CHECK(daysFromCivil(2026, 1, 5) == 20458);
  CHECK(daysFromCivil(1900, 1, 1) == -25567);
  CHECK(daysFromCivil(9999, 12, 31) == 2932896);
}

TEST_CASE("parseDate", "[time]") {
  CHECK(parseDate("1970-01-01") == 0);
  CHECK(parseDate("2026-01-05") == 20458);
  CHECK(parseDate("2024-02-29") == daysFromCivil(2024, 2, 29));
  CHECK(parseDate("2000-02-29"));
  CHECK_FALSE(parseDate("1900-02-29"));  // not a leap year
  CHECK_FALSE(parseDate("2023-02-29"));
  CHECK_FALSE(parseDate("2026-04-31"));
  CHECK_FALSE(parseDate("2026-13-01"));
  CHECK_FALSE(parseDate("2026-00-01"));
  CHECK_FALSE(parseDate("2026-01-00"));
  CHECK_FALSE(parseDate("2026-01-32"));
  CHECK(parseDate("1899-12-31") == daysFromCivil(1899, 12, 31));
  CHECK(parseDate("0001-01-01") == kFirstDay);
  CHECK(parseDate("9999-12-31") == kLastDay);
  CHECK_FALSE(parseDate("0000-12-31"));
  CHECK_FALSE(parseDate("10000-01-01"));
  CHECK_FALSE(parseDate("2026-1-5"));
  CHECK_FALSE(parseDate("2026/01/05"));
  CHECK_FALSE(parseDate("2026-01-05T00:00:00Z"));
  CHECK_FALSE(parseDate(" 2026-01-05"));
  CHECK_FALSE(parseDate("2026-01-05 "));
  CHECK_FALSE(parseDate(""));
  CHECK_FALSE(parseDate("+026-01-05"));
}

TEST_CASE("parseDateTime", "[time]") {
  const int64_t day = daysFromCivil(2026, 1, 5) * kSecondsPerDay;
  CHECK(parseDateTime("2026-01-05T09:00:00Z") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05") == day);
  CHECK(parseDateTime("2026-01-05T00:00:00Z") == day);
  CHECK(parseDateTime("2026-01-05T23:59:59Z") == day + 86399);
  CHECK(parseDateTime("2026-01-05T09:00:00.123Z") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05T09:00:00.999999999Z") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05T09:00:00+00:00") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05T09:00:00-00:00") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05T10:30:00+01:30") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05T04:00:00-05:00") == day + 9 * 3600);
  CHECK(parseDateTime("2026-01-05T01:00:00+02:00") == day - 3600);  // previous day in UTC
  CHECK(parseDateTime("1970-01-01T00:00:00Z") == 0);
  CHECK(parseDateTime("1900-01-01T00:00:00Z") == -2208988800);
  CHECK(parseDateTime("2024-02-29T12:00:00Z"));

  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00"));  // zone required
  CHECK_FALSE(parseDateTime("2026-01-05T09:00Z"));
  CHECK_FALSE(parseDateTime("2026-01-05 09:00:00Z"));
  CHECK_FALSE(parseDateTime("2026-01-05t09:00:00Z"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00z"));
  CHECK_FALSE(parseDateTime("2026-01-05T24:00:00Z"));
  CHECK_FALSE(parseDateTime("2026-01-05T23:60:00Z"));
  CHECK_FALSE(parseDateTime("2026-01-05T23:59:60Z"));
  CHECK_FALSE(parseDateTime("2026-01-05T9:00:00Z"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00.Z"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00+0100"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00+01"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00+24:00"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00+01:60"));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00Z "));
  CHECK_FALSE(parseDateTime("2026-01-05T09:00:00ZZ"));
  CHECK_FALSE(parseDateTime("2026-02-30T09:00:00Z"));
  CHECK(parseDateTime("1899-12-31T23:59:59Z") == -2208988801);
  CHECK_FALSE(parseDateTime("2026-01-05T"));
  CHECK_FALSE(parseDateTime(""));
  CHECK_FALSE(parseDateTime("tomorrow"));
  CHECK_FALSE(parseDateTime(std::string_view("2026-01-05\0T09:00:00Z", 21)));
}

TEST_CASE("the calendar's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z", "[time]") {
  static_assert(kFirstDay == -719162 && kLastDay == 2932896);
  CHECK(formatDate(kFirstDay) == "0001-01-01");
  CHECK(formatDate(kLastDay) == "9999-12-31");
  CHECK(formatDateTime(kFirstInstant) == "0001-01-01T00:00:00Z");
  CHECK(formatDateTime(kLastInstant) == "9999-12-31T23:59:59Z");
  // Every datetime in range reads back from its text; one second outside does not.
  CHECK(parseDateTime(formatDateTime(kFirstInstant)) == kFirstInstant);
  CHECK(parseDateTime(formatDateTime(kLastInstant)) == kLastInstant);
  CHECK(formatDateTime(kLastInstant + 1) == "10000-01-01T00:00:00Z");
  CHECK_FALSE(parseDateTime(formatDateTime(kLastInstant + 1)));
  CHECK_FALSE(parseDateTime(formatDateTime(kFirstInstant - 1)));
  // An offset can take a time in a valid day out of range.
  CHECK(parseDateTime("0001-01-01T00:30:00-01:00") == kFirstInstant + 5400);
  CHECK_FALSE(parseDateTime("0001-01-01T00:30:00+01:00"));
  CHECK_FALSE(parseDateTime("9999-12-31T23:30:00-01:00"));
  CHECK(parseDateTime("9999-12-31T23:59:59+00:01") == kLastInstant - 60);
}

TEST_CASE("parseDuration", "[time]") {
  CHECK(parseDuration("45s") == 45);
  CHECK(parseDuration("30m") == 1800);
  CHECK(parseDuration("4h") == 4 * 3600);
  CHECK(parseDuration("2d") == 2 * 86400);
  CHECK(parseDuration("1w") == 7 * 86400);
  CHECK(parseDuration("1d4h") == 86400 + 4 * 3600);
  CHECK(parseDuration("1d 12h") == 36 * 3600);
  CHECK(parseDuration("1d12h") == 36 * 3600);
  CHECK(parseDuration("2w 1d") == 15 * 86400);
  CHECK(parseDuration("1h  30m") == 5400);
  CHECK(parseDuration("1d1d") == 2 * 86400);
  CHECK(parseDuration("0m") == 0);
  CHECK(parseDuration("007m") == 7 * 60);

  CHECK_FALSE(parseDuration(""));
  CHECK_FALSE(parseDuration(" "));
  CHECK_FALSE(parseDuration("5"));
  CHECK_FALSE(parseDuration("d"));
  CHECK_FALSE(parseDuration("1y"));
  CHECK_FALSE(parseDuration("2dx"));
  CHECK_FALSE(parseDuration("1 d"));
  CHECK_FALSE(parseDuration(" 1d"));
  CHECK_FALSE(parseDuration("1d "));
  CHECK_FALSE(parseDuration("-1d"));
  CHECK_FALSE(parseDuration("+1d"));
  CHECK_FALSE(parseDuration("1.5h"));
  CHECK_FALSE(parseDuration("1D"));
  CHECK_FALSE(parseDuration("99999999999999999999s"));
  CHECK_FALSE(parseDuration("9223372036854775807m"));
  CHECK(parseDuration("9223372036854775807s") == std::numeric_limits<int64_t>::max());
  CHECK_FALSE(parseDuration("9223372036854775807s 1s"));
  CHECK(parseDuration("15250284452471w") == 15250284452471 * 604800);
  CHECK_FALSE(parseDuration("15250284452472w"));
}

TEST_CASE("formatting times and durations", "[time]") {
  CHECK(formatDateTime(0) == "1970-01-01T00:00:00Z");
  CHECK(formatDateTime(*parseDateTime("2026-01-05T09:00:00Z")) == "2026-01-05T09:00:00Z");
  CHECK(formatDateTime(-1) == "1969-12-31T23:59:59Z");
  CHECK(formatDateTime(-2208988800) == "1900-01-01T00:00:00Z");
  CHECK(formatDateTime(*parseDateTime("2024-02-29T23:59:59+00:00")) == "2024-02-29T23:59:59Z");
  CHECK(formatDateTime(*parseDateTime("2026-01-05T10:30:15+01:30")) == "2026-01-05T09:00:15Z");
  // Extremes do not crash.
  CHECK_FALSE(formatDateTime(std::numeric_limits<int64_t>::max()).empty());
  CHECK_FALSE(formatDateTime(std::numeric_limits<int64_t>::min()).empty());

  CHECK(formatDate(0) == "1970-01-01");
  CHECK(formatDate(20458) == "2026-01-05");
  CHECK(formatDate(-1) == "1969-12-31");
  CHECK(formatDate(daysFromCivil(2000, 2, 29)) == "2000-02-29");
  CHECK_FALSE(formatDate(std::numeric_limits<int64_t>::max()).empty());
  CHECK_FALSE(formatDate(std::numeric_limits<int64_t>::min()).empty());

  CHECK(formatDuration(0) == "0m");
  CHECK(formatDuration(45) == "45s");
  CHECK(formatDuration(90) == "1m30s");
  CHECK(formatDuration(1800) == "30m");
  CHECK(formatDuration(86400 + 4 * 3600) == "1d4h");
  CHECK(formatDuration(14 * 86400) == "14d");
  CHECK(formatDuration(86400 + 60 + 1) == "1d1m1s");
  CHECK(formatDuration(-3600) == "-1h");
  CHECK_FALSE(formatDuration(std::numeric_limits<int64_t>::min()).empty());
}

TEST_CASE("round trips", "[time]") {
  for (int64_t d = daysFromCivil(1900, 1, 1); d <= daysFromCivil(2100, 12, 31); d += 17) {
    INFO(d);
    REQUIRE(parseDate(formatDate(d)) == d);
  }
  for (int64_t s = -2208988800; s < 4102444800; s += 7777777) {
    INFO(s);
    REQUIRE(parseDateTime(formatDateTime(s)) == s);
  }
  for (int64_t s : {0, 1, 59, 60, 61, 3599, 3600, 86399, 86400, 604800, 1234567})
    REQUIRE(parseDuration(formatDuration(s)) == s);
}
