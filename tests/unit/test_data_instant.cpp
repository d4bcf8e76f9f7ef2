// health/freshness with backfilled history: a run's data instant (DATA_AS_OF, its end on its
// own date, else its trading date's close: early closes, DST, holidays), and a source's age from
// the newest instant, so a backfill never turns a fresh source red nor a stale one fresh. Plus
// catch-up's choice of dates as a fake clock moves through a holiday week.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrator/health/freshness.h"
#include "orchestrator/sched/backfill.h"
#include "orchestrator/sched/clock.h"
#include "orchestrator/ui/dashboard.h"

#include "helpers.h"

using namespace orch;
using namespace std::chrono;
using orch::test::new_york;
using orch::test::nyse_calendar;
using orch::test::utc;

namespace {

SuccessRun run(const std::string& date, WallTime start, WallTime end,
               std::optional<std::string> as_of = std::nullopt) {
  return SuccessRun{date, start, end, std::move(as_of)};
}

PipelineConfig one_daily_source() {
  PipelineConfig c;
  TaskSpec t;
  t.name = "Fundamentals";
  t.data_source = "fundamentals";
  t.schedule = Schedule::Daily;
  c.daily = {t};
  c.freshness.green = {{"fundamentals", Seconds{86400}}};
  c.freshness.yellow = {{"fundamentals", Seconds{172800}}};
  return c;
}

TaskHealthRow row_with(std::vector<SuccessRun> runs) {
  TaskHealthRow r;
  r.name = "Fundamentals";
  r.status = TaskStatus::Success;
  r.newest_successes = std::move(runs);
  for (const auto& s : r.newest_successes) {
    if (!r.last_success || *s.ended_at > *r.last_success) r.last_success = s.ended_at;
  }
  return r;
}

}  // namespace

TEST_CASE("data instant: DATA_AS_OF, else the end on its own date, else its date's close") {
  const auto cal = nyse_calendar();
  // Run on its own date (10:00 EST): its end.
  CHECK(run_data_instant(run("2026-11-24", utc(2026, 11, 24, 15, 0), utc(2026, 11, 24, 15, 5)), cal)
            .at == utc(2026, 11, 24, 15, 5));
  // A backfill of the 24th run on Dec 1: the close of the 24th (16:00 EST = 21:00 UTC).
  auto back =
      run_data_instant(run("2026-11-24", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 15, 5)), cal);
  CHECK(back.at == utc(2026, 11, 24, 21, 0));
  CHECK(back.from_session_close);
  // The day after Thanksgiving closes at 13:00.
  CHECK(run_data_instant(run("2026-11-27", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 15, 5)), cal)
            .at == utc(2026, 11, 27, 18, 0));
  // Across DST: 16:00 EDT on Friday 2026-03-06 is 21:00 UTC, 16:00 EDT on Monday 03-09 is 20:00.
  CHECK(run_data_instant(run("2026-03-06", utc(2026, 3, 10, 14, 0), utc(2026, 3, 10, 14, 1)), cal)
            .at == utc(2026, 3, 6, 21, 0));
  CHECK(run_data_instant(run("2026-03-09", utc(2026, 3, 10, 14, 0), utc(2026, 3, 10, 14, 1)), cal)
            .at == utc(2026, 3, 9, 20, 0));
  // A date without a session (daily_days: all on a holiday): the configured close.
  CHECK(run_data_instant(run("2026-11-26", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 15, 5)), cal)
            .at == utc(2026, 11, 26, 21, 0));
  // DATA_AS_OF wins, whatever the date; an unparsable one is ignored.
  auto reported = run_data_instant(run("2026-11-24", utc(2026, 12, 1, 15, 0),
                                       utc(2026, 12, 1, 15, 5), "2026-11-24T12:00:00-05:00"),
                                   cal);
  CHECK(reported.at == utc(2026, 11, 24, 17, 0));
  CHECK(reported.from_data_as_of);
  CHECK(run_data_instant(
            run("2026-11-24", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 15, 5), "soon"), cal)
            .at == utc(2026, 11, 24, 21, 0));
  // A run that claims no trading date (--update-stale): its end.
  CHECK(run_data_instant(run("", utc(2026, 12, 1, 15, 0), utc(2026, 12, 1, 15, 5)), cal).at ==
        utc(2026, 12, 1, 15, 5));
}

TEST_CASE("a backfill never turns a fresh source red, nor a stale one fresh") {
  const auto cal = nyse_calendar();
  const auto config = one_daily_source();
  const WallTime now = utc(2026, 12, 1, 16, 0);  // Tuesday 11:00 EST
  // Fresh from today's run at 10:00; a backfill of Nov 20 finishing later changes nothing.
  const auto today = run("2026-12-01", utc(2026, 12, 1, 14, 59), utc(2026, 12, 1, 15, 0));
  const auto old = run("2026-11-20", utc(2026, 12, 1, 15, 30), utc(2026, 12, 1, 15, 31));
  auto fresh = compute_freshness(config, cal, {row_with({today})}, now);
  auto still = compute_freshness(config, cal, {row_with({today, old})}, now);
  CHECK(fresh[0].status == Freshness::Green);
  CHECK(still[0].status == Freshness::Green);
  CHECK(still[0].age == fresh[0].age);
  CHECK(still[0].age == Millis{hours{1}});
  // Stale since Nov 20 (only that date, backfilled a minute ago): aged from Nov 20's close,
  // red, never "updated 1m ago".
  auto stale = compute_freshness(config, cal, {row_with({old})}, now);
  CHECK(stale[0].status == Freshness::Red);
  CHECK(stale[0].reference == utc(2026, 11, 20, 21, 0));
  CHECK(stale[0].from_session_close);
  CHECK(stale[0].last_success == utc(2026, 12, 1, 15, 31));  // when it last succeeded, still
  const std::string text =
      render_dashboard({now, stale, {row_with({old})}, {}}, new_york(), ConsoleStyle{});
  CHECK(text.find("data as of Fri 2026-11-20 16:00 EST (the close of its trading date)") !=
        std::string::npos);
  // A row without run history (an earlier tool's table) keeps its last_success.
  TaskHealthRow legacy;
  legacy.name = "Fundamentals";
  legacy.last_success = utc(2026, 12, 1, 15, 0);
  CHECK(compute_freshness(config, cal, {legacy}, now)[0].age == Millis{hours{1}});
}

TEST_CASE("the dashboard names the clock of an age that skips time") {
  const auto cal = nyse_calendar();
  PipelineConfig c;
  TaskSpec t;
  t.name = "Prices";
  t.data_source = "price_data";
  t.schedule = Schedule::Intraday;
  t.market_hours_only = true;
  c.intraday = {t};
  c.freshness.green = {{"price_data", Seconds{300}}};
  // Friday after Thanksgiving closes at 13:00; the last bar is 12:59, checked Monday 08:00.
  TaskHealthRow r;
  r.name = "Prices";
  r.newest_successes = {run("2026-11-27", utc(2026, 11, 27, 17, 59), utc(2026, 11, 27, 18, 0),
                            "2026-11-27T13:00:00-05:00")};
  const WallTime monday = utc(2026, 11, 30, 13, 0);
  const HealthReport report = build_report(c, cal, {r}, monday);
  CHECK(report.sources[0].age == Millis{0});
  const std::string text = render_dashboard(report, new_york(), ConsoleStyle{});
  CHECK(text.find("Fresh (data as of Fri 2026-11-27 13:00 EST, 0s of market time)") !=
        std::string::npos);
}

TEST_CASE("catch-up dates as a fake clock moves through Thanksgiving week") {
  const auto cal = nyse_calendar();
  const Zone zone = new_york();
  FakeClock clock(utc(2026, 11, 23, 15, 0));  // Monday 10:00 EST, the first recorded date
  const std::vector<std::string> tasks{"A"};
  SucceededByDate done{{"2026-11-23", {"A"}}};
  const auto missed_now = [&] {
    return missed_dates(DailyDays::Trading, cal, zone.date_of(clock.now()), 5, year{2026} / 11 / 23,
                        tasks, done);
  };
  CHECK(missed_now().empty());
  clock.advance(hours{24});  // Tuesday: Monday succeeded, nothing missed
  CHECK(missed_now().empty());
  clock.advance(hours{72});  // Friday: Tue and Wed missed, Thursday is a holiday
  auto missed = missed_now();
  REQUIRE(missed.size() == 2);
  CHECK(format_date(missed[0].date) == "2026-11-24");
  CHECK(format_date(missed[1].date) == "2026-11-25");
  done["2026-11-24"] = {"A"};
  clock.advance(hours{9} + minutes{30});  // 19:30 EST Friday = 00:30 UTC Saturday: still Friday
  CHECK(missed_now().size() == 1);
  clock.advance(hours{5});  // Saturday in New York: Friday counts too now
  CHECK(missed_now().size() == 2);
}
