// util/time: ISO 8601 and database text forms, times of day, dates and durations.
#include <doctest/doctest.h>

#include <string>

#include "helpers.h"
#include "orchestrator/util/time.h"

using namespace orch;
using namespace std::chrono;
using orch::test::utc;

namespace {

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("parse_iso8601 accepts Z, offsets, fractions and a space separator") {
  auto z = parse_iso8601("2026-11-27T17:59:00Z");
  REQUIRE(z.has_value());
  CHECK(*z == utc(2026, 11, 27, 17, 59, 0));

  auto minus5 = parse_iso8601("2026-11-27T12:59:00-05:00");
  REQUIRE(minus5.has_value());
  CHECK(*minus5 == utc(2026, 11, 27, 17, 59, 0));

  auto plus = parse_iso8601("2026-11-28T01:29:00+07:30");
  REQUIRE(plus.has_value());
  CHECK(*plus == utc(2026, 11, 27, 17, 59, 0));

  auto fraction = parse_iso8601("2026-11-27T17:59:00.123456Z");
  REQUIRE(fraction.has_value());
  CHECK(*fraction == utc(2026, 11, 27, 17, 59, 0, 123));

  auto short_fraction = parse_iso8601("2026-11-27T17:59:00.5Z");
  REQUIRE(short_fraction.has_value());
  CHECK(*short_fraction == utc(2026, 11, 27, 17, 59, 0, 500));

  auto space = parse_iso8601("2026-11-27 12:59:00-05:00");
  REQUIRE(space.has_value());
  CHECK(*space == utc(2026, 11, 27, 17, 59, 0));

  auto no_seconds = parse_iso8601("2026-11-27T17:59Z");
  REQUIRE(no_seconds.has_value());
  CHECK(*no_seconds == utc(2026, 11, 27, 17, 59, 0));

  auto compact_offset = parse_iso8601("2026-01-01T00:30:00+0100");
  REQUIRE(compact_offset.has_value());
  CHECK(*compact_offset == utc(2025, 12, 31, 23, 30, 0));
}

TEST_CASE("parse_iso8601 refuses times without an offset, bad dates and garbage") {
  auto no_offset = parse_iso8601("2026-11-27T12:59:00");
  REQUIRE_FALSE(no_offset.has_value());
  CHECK(has(no_offset.error().message, "no UTC offset"));

  auto date_only = parse_iso8601("2026-11-27");
  REQUIRE_FALSE(date_only.has_value());
  CHECK(has(date_only.error().message, "without a time"));

  auto feb30 = parse_iso8601("2026-02-30T10:00:00Z");
  REQUIRE_FALSE(feb30.has_value());
  CHECK(has(feb30.error().message, "not a real calendar date"));

  auto garbage = parse_iso8601("yesterday");
  REQUIRE_FALSE(garbage.has_value());
  CHECK(has(garbage.error().message, "'yesterday'"));

  CHECK_FALSE(parse_iso8601("").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27T24:00:00Z").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27T12:60:00Z").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27T12:00:60Z").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27T12:00:00+25:00").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27T12:00:00Zjunk").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27T12:00:00.Z").has_value());
  CHECK_FALSE(parse_iso8601("2026-13-01T12:00:00Z").has_value());
  CHECK_FALSE(parse_iso8601("2026-11-27X12:00:00Z").has_value());
}

TEST_CASE("format_db_time always has milliseconds") {
  CHECK(format_db_time(utc(2026, 11, 21, 14, 30, 5, 123)) == "2026-11-21 14:30:05.123");
  CHECK(format_db_time(utc(2026, 11, 21, 14, 30, 5)) == "2026-11-21 14:30:05.000");
  CHECK(format_db_time(utc(2026, 1, 2, 3, 4, 5, 7)) == "2026-01-02 03:04:05.007");
}

TEST_CASE("format_iso_utc shows milliseconds only when not zero") {
  CHECK(format_iso_utc(utc(2026, 11, 21, 14, 30, 5)) == "2026-11-21T14:30:05Z");
  CHECK(format_iso_utc(utc(2026, 11, 21, 14, 30, 5, 123)) == "2026-11-21T14:30:05.123Z");
  CHECK(format_iso_utc(utc(1969, 12, 31, 23, 59, 59, 500)) == "1969-12-31T23:59:59.500Z");
}

TEST_CASE("parse_db_time reads format_db_time and SQLite's own form") {
  const WallTime t = utc(2026, 11, 21, 14, 30, 5, 123);
  CHECK(parse_db_time(format_db_time(t)) == t);
  CHECK(parse_db_time("2026-11-21T14:30:05.123") == t);
  CHECK(parse_db_time("2026-11-21 14:30:05") == utc(2026, 11, 21, 14, 30, 5));
  CHECK(parse_db_time("2026-11-21 14:30:05Z") == utc(2026, 11, 21, 14, 30, 5));
  CHECK_FALSE(parse_db_time("not a time").has_value());
  CHECK_FALSE(parse_db_time("2026-02-30 10:00:00").has_value());
  CHECK(parse_iso8601(format_iso_utc(t)).has_value());
  CHECK(*parse_iso8601(format_iso_utc(t)) == t);
}

TEST_CASE("parse_time_of_day takes HH:MM and HH:MM:SS") {
  auto open = parse_time_of_day("09:30");
  REQUIRE(open.has_value());
  CHECK(open->since_midnight == hours{9} + minutes{30});
  auto with_seconds = parse_time_of_day("23:59:59");
  REQUIRE(with_seconds.has_value());
  CHECK(with_seconds->since_midnight == seconds{86399});
  auto midnight = parse_time_of_day("00:00");
  REQUIRE(midnight.has_value());
  CHECK(midnight->since_midnight == seconds{0});
}

TEST_CASE("parse_time_of_day refuses out-of-range and sloppy times") {
  for (const char* bad : {"24:00", "25:00", "9:3", "9:30", "09:60", "09:30:60", "0930", "09:30pm",
                          "", "09:30:00.5", "ab:cd"}) {
    CAPTURE(bad);
    auto parsed = parse_time_of_day(bad);
    REQUIRE_FALSE(parsed.has_value());
    CHECK_FALSE(parsed.error().message.empty());
  }
  CHECK(has(parse_time_of_day("24:00").error().message, "out of range"));
}

TEST_CASE("format_time_of_day shows seconds only when present") {
  CHECK(format_time_of_day(TimeOfDay{hours{9} + minutes{30}}) == "09:30");
  CHECK(format_time_of_day(TimeOfDay{hours{9} + minutes{30} + seconds{15}}) == "09:30:15");
  CHECK(format_time_of_day(*parse_time_of_day("16:00:00")) == "16:00");
}

TEST_CASE("parse_date accepts real calendar dates only") {
  auto d = parse_date("2027-01-09");
  REQUIRE(d.has_value());
  CHECK(*d == year{2027} / month{1} / day{9});
  CHECK(format_date(*d) == "2027-01-09");
  CHECK(parse_date("2028-02-29").has_value());
  CHECK_FALSE(parse_date("2027-02-29").has_value());
  CHECK(has(parse_date("2027-02-30").error().message, "not a real calendar date"));
  CHECK_FALSE(parse_date("2027-1-9").has_value());
  CHECK_FALSE(parse_date("2027-01-09T00:00").has_value());
  CHECK_FALSE(parse_date("tomorrow").has_value());
}

TEST_CASE("format_duration picks seconds, minutes or hours") {
  CHECK(format_duration(Millis{2100}) == "2.1s");
  CHECK(format_duration(Millis{0}) == "0.0s");
  CHECK(format_duration(Millis{59'990}) == "59.9s");
  CHECK(format_duration(Millis{65'000}) == "1m 05s");
  CHECK(format_duration(Millis{3'599'000}) == "59m 59s");
  CHECK(format_duration(Millis{2 * 3'600'000 + 3 * 60'000 + 30'000}) == "2h 03m");
  CHECK(format_duration(Millis{26 * 3'600'000}) == "26h 00m");
}

TEST_CASE("parse_seconds: decimal seconds within the bounds, else a short message") {
  const Millis lo{10}, hi{86'400'000};
  CHECK(parse_seconds("30", lo, hi).value() == Millis{30'000});
  CHECK(parse_seconds("0.01", lo, hi).value() == Millis{10});
  CHECK(parse_seconds("1e3", lo, hi).value() == Millis{1'000'000});
  CHECK(parse_seconds("86400", lo, hi).value() == hi);
  for (const char* bad : {"nan", "abc", "0x10", "5s", "", "-nan"}) {
    auto r = parse_seconds(bad, lo, hi);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("not a number") != std::string::npos);
  }
  for (const char* bad : {"0.0005", "1e-4", "0", "-1", "1e16", "inf", "1e400", "86400.5"}) {
    auto r = parse_seconds(bad, lo, hi);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("out of range: give 0.01 to 86400 seconds") != std::string::npos);
  }
  CHECK(parse_seconds(std::string(300, '9'), lo, hi).error().message.size() < 120);
}
