// The intraday due rule: an interval less 5% since the last start, and the zone's mapping of
// skipped and repeated local times around DST changes.
#include <doctest/doctest.h>

#include "orchestrator/calendar/zone.h"
#include "orchestrator/sched/due.h"

using namespace orch;
using namespace std::chrono_literals;

TEST_CASE("due: never run, or the interval less 5% since the last start") {
  const WallTime t0 = WallTime{} + 1000h;
  CHECK(is_due(std::nullopt, 60s, t0));
  CHECK_FALSE(is_due(t0, 60s, t0 + 56s));
  CHECK(is_due(t0, 60s, t0 + 57s));  // 60 s - 3 s tolerance
  CHECK_FALSE(is_due(t0, 300s, t0 + 284s));
  CHECK(is_due(t0, 300s, t0 + 285s));
  CHECK(next_due(t0, 3s) == t0 + 2850ms);
  // the resident runner keeps the full interval
  CHECK(next_due(t0, 60s, Cadence::Resident) == t0 + 60s);
  CHECK_FALSE(is_due(t0, 60s, t0 + 59s, Cadence::Resident));
  CHECK(is_due(t0, 60s, t0 + 60s, Cadence::Resident));
}

TEST_CASE("zone: a time in the spring gap maps to the gap's end, a repeated one to its first") {
  auto ny = Zone::locate("America/New_York");
  REQUIRE(ny);
  using std::chrono::year_month_day;
  // 2026-03-08 02:30 does not exist in New York: 03:00 EDT = 07:00Z.
  auto spring = ny->at(year_month_day{2026y / 3 / 8}, TimeOfDay{2h + 30min});
  CHECK(format_iso_utc(spring) == "2026-03-08T07:00:00Z");
  // 2026-11-01 01:30 happens twice: the first is EDT (05:30Z).
  auto autumn = ny->at(year_month_day{2026y / 11 / 1}, TimeOfDay{1h + 30min});
  CHECK(format_iso_utc(autumn) == "2026-11-01T05:30:00Z");
  CHECK(format_iso_utc(ny->at(year_month_day{2026y / 11 / 20}, TimeOfDay{9h + 30min})) ==
        "2026-11-20T14:30:00Z");
  CHECK(format_date(ny->date_of(*parse_iso8601("2026-11-21T03:00:00Z"))) == "2026-11-20");
  CHECK_FALSE(Zone::locate("Mars/Olympus_Mons"));
}
