// calendar/trading_dates and sched/backfill: which dates --daily --date, --backfill, daily_catchup
// and --health's missed dates pick, across weekends, holidays, early closes, a DST change and
// each daily_days choice.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "orchestrator/calendar/trading_dates.h"
#include "orchestrator/sched/backfill.h"

#include "helpers.h"

using namespace orch;
using namespace std::chrono;
using orch::test::nyse_calendar;

namespace {

Date ymd(int y, unsigned m, unsigned d) { return year{y} / month{m} / day{d}; }

std::vector<std::string> names(const std::vector<Date>& dates) {
  std::vector<std::string> out;
  for (Date d : dates) out.push_back(format_date(d));
  return out;
}

}  // namespace

TEST_CASE("trading dates of a range follow daily_days: weekends, holidays, early closes") {
  const auto cal = nyse_calendar();
  // Thanksgiving week 2026: Thu 26 closed, Fri 27 an early close (still a trading date).
  const Date from = ymd(2026, 11, 21), to = ymd(2026, 11, 30);
  CHECK(names(trading_dates_in(DailyDays::Trading, cal, from, to)) ==
        std::vector<std::string>{"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-27",
                                 "2026-11-30"});
  CHECK(names(trading_dates_in(DailyDays::Weekdays, cal, from, to)) ==
        std::vector<std::string>{"2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26",
                                 "2026-11-27", "2026-11-30"});
  CHECK(trading_dates_in(DailyDays::All, cal, from, to).size() == 10);
  CHECK(trading_dates_in(DailyDays::Trading, cal, to, from).empty());
  CHECK(trading_dates_in(DailyDays::Trading, cal, ymd(2026, 11, 28), ymd(2026, 11, 29)).empty());
}

TEST_CASE("a range across the spring DST change counts each local date once") {
  const auto cal = nyse_calendar();
  // Clocks go forward on Sunday 2026-03-08 in New York.
  CHECK(names(trading_dates_in(DailyDays::Trading, cal, ymd(2026, 3, 5), ymd(2026, 3, 10))) ==
        std::vector<std::string>{"2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10"});
  CHECK(names(trading_dates_in(DailyDays::All, cal, ymd(2026, 3, 7), ymd(2026, 3, 9))) ==
        std::vector<std::string>{"2026-03-07", "2026-03-08", "2026-03-09"});
}

TEST_CASE("nearest trading dates before and after a closed date") {
  const auto cal = nyse_calendar();
  CHECK(format_date(*trading_date_before(DailyDays::Trading, cal, ymd(2026, 11, 26))) ==
        "2026-11-25");
  CHECK(format_date(*trading_date_after(DailyDays::Trading, cal, ymd(2026, 11, 26))) ==
        "2026-11-27");
  // Christmas 2026 is a Friday: the next trading date is Monday the 28th.
  CHECK(format_date(*trading_date_after(DailyDays::Trading, cal, ymd(2026, 12, 25))) ==
        "2026-12-28");
  CHECK(format_date(*trading_date_after(DailyDays::Weekdays, cal, ymd(2026, 12, 24))) ==
        "2026-12-25");
  CHECK(format_date(*trading_date_up_to(DailyDays::Trading, cal, ymd(2026, 11, 29))) ==
        "2026-11-27");
  CHECK(format_date(*trading_date_up_to(DailyDays::Trading, cal, ymd(2026, 11, 27))) ==
        "2026-11-27");
  CHECK(names(trading_dates_before(DailyDays::Trading, cal, ymd(2026, 11, 30), 3)) ==
        std::vector<std::string>{"2026-11-24", "2026-11-25", "2026-11-27"});
}

TEST_CASE(
    "--daily --date refuses a closed date or a future one, naming the nearest trading dates") {
  const auto cal = nyse_calendar();
  const Date today = ymd(2026, 12, 1);
  CHECK(check_run_date(DailyDays::Trading, cal, ymd(2026, 11, 27), today));
  CHECK(check_run_date(DailyDays::Trading, cal, today, today));
  auto holiday = check_run_date(DailyDays::Trading, cal, ymd(2026, 11, 26), today);
  REQUIRE_FALSE(holiday);
  CHECK(holiday.error().message.find("Thanksgiving") != std::string::npos);
  CHECK(holiday.error().message.find("2026-11-25 before") != std::string::npos);
  CHECK(holiday.error().message.find("2026-11-27 after") != std::string::npos);
  // The same date is fine when the daily DAG runs on weekdays or every day.
  CHECK(check_run_date(DailyDays::Weekdays, cal, ymd(2026, 11, 26), today));
  CHECK(check_run_date(DailyDays::All, cal, ymd(2026, 11, 29), today));
  auto weekend = check_run_date(DailyDays::Weekdays, cal, ymd(2026, 11, 29), today);
  REQUIRE_FALSE(weekend);
  CHECK(weekend.error().message.find("2026-11-27 before it and 2026-11-30 after") !=
        std::string::npos);
  auto future = check_run_date(DailyDays::Trading, cal, ymd(2026, 12, 2), ymd(2026, 11, 29));
  REQUIRE_FALSE(future);
  CHECK(future.error().message.find("after today (2026-11-29)") != std::string::npos);
  CHECK(future.error().message.find("latest trading date up to today is 2026-11-27") !=
        std::string::npos);
  // A closed date whose next trading date is still to come says so.
  auto sunday = check_run_date(DailyDays::Trading, cal, ymd(2026, 11, 29), ymd(2026, 11, 29));
  REQUIRE_FALSE(sunday);
  CHECK(sunday.error().message.find("none after it up to today") != std::string::npos);
}

TEST_CASE("--backfill ranges: order, reverse, and the refusals") {
  const auto cal = nyse_calendar();
  const Date today = ymd(2026, 12, 1);
  auto range = parse_date_range("2026-11-20..2026-11-30");
  REQUIRE(range);
  auto dates = backfill_dates(DailyDays::Trading, cal, *range, today, false);
  REQUIRE(dates);
  CHECK(names(*dates) == std::vector<std::string>{"2026-11-20", "2026-11-23", "2026-11-24",
                                                  "2026-11-25", "2026-11-27", "2026-11-30"});
  auto reversed = backfill_dates(DailyDays::Trading, cal, *range, today, true);
  REQUIRE(reversed);
  CHECK(names(*reversed).front() == "2026-11-30");
  CHECK(names(*reversed).back() == "2026-11-20");

  CHECK_FALSE(backfill_dates(DailyDays::Trading, cal, {ymd(2026, 11, 30), ymd(2026, 11, 20)}, today,
                             false));
  auto future =
      backfill_dates(DailyDays::Trading, cal, {ymd(2026, 11, 30), ymd(2026, 12, 2)}, today, false);
  REQUIRE_FALSE(future);
  CHECK(future.error().message.find("latest trading date up to today is 2026-12-01") !=
        std::string::npos);
  auto empty =
      backfill_dates(DailyDays::Trading, cal, {ymd(2026, 11, 28), ymd(2026, 11, 29)}, today, false);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message.find("2026-11-27 before it and 2026-11-30 after") !=
        std::string::npos);
  CHECK(backfill_dates(DailyDays::All, cal, {ymd(2026, 11, 28), ymd(2026, 11, 29)}, today, false)
            ->size() == 2);

  CHECK_FALSE(parse_date_range("2026-11-20"));
  CHECK_FALSE(parse_date_range("2026-11-20..2026-13-01"));
  CHECK_FALSE(parse_date_range("yesterday..today"));
}

TEST_CASE("missed dates: tasks not yet succeeded, never before the first recorded date") {
  const auto cal = nyse_calendar();
  const Date today = ymd(2026, 11, 30);  // Monday after Thanksgiving
  const std::vector<std::string> tasks{"A", "B"};
  SucceededByDate done{
      {"2026-11-24", {"A", "B"}}, {"2026-11-25", {"A"}}, {"2026-11-27", {"A", "B"}}};
  // A new database: nothing to fill.
  CHECK(missed_dates(DailyDays::Trading, cal, today, 10, std::nullopt, tasks, done).empty());
  auto missed = missed_dates(DailyDays::Trading, cal, today, 10, ymd(2026, 11, 23), tasks, done);
  REQUIRE(missed.size() == 2);
  CHECK(format_date(missed[0].date) == "2026-11-23");
  CHECK(missed[0].tasks == std::vector<std::string>{"A", "B"});
  CHECK(format_date(missed[1].date) == "2026-11-25");
  CHECK(missed[1].tasks == std::vector<std::string>{"B"});
  // Only the last 2 trading dates (25th, 27th): the holiday on the 26th is not a trading date.
  auto last_two = missed_dates(DailyDays::Trading, cal, today, 2, ymd(2026, 1, 2), tasks, done);
  REQUIRE(last_two.size() == 1);
  CHECK(format_date(last_two[0].date) == "2026-11-25");
  // With daily_days: weekdays the holiday counts, and nothing ran on it.
  auto weekdays = missed_dates(DailyDays::Weekdays, cal, today, 2, ymd(2026, 1, 2), tasks, done);
  REQUIRE(weekdays.size() == 1);
  CHECK(format_date(weekdays[0].date) == "2026-11-26");
  // Today itself is never missed: it is still running.
  CHECK(missed_dates(DailyDays::All, cal, ymd(2026, 11, 24), 1, ymd(2026, 11, 24), tasks, {})
            .empty());

  auto range = look_back_range(DailyDays::Trading, cal, today, 3);
  REQUIRE(range);
  CHECK(format_date(range->from) == "2026-11-24");
  CHECK(format_date(range->to) == "2026-11-27");
}

TEST_CASE("a past date never waits for not-before times; today does unless --no-wait") {
  CHECK(waits_for_times(ymd(2026, 12, 1), ymd(2026, 12, 1), false));
  CHECK_FALSE(waits_for_times(ymd(2026, 12, 1), ymd(2026, 12, 1), true));
  CHECK_FALSE(waits_for_times(ymd(2026, 11, 30), ymd(2026, 12, 1), false));
}

TEST_CASE("tasks a date still needs: only those not succeeded, all with --force") {
  const auto cal = nyse_calendar();
  SucceededByDate done{{"2026-11-24", {"A"}}};
  const std::vector<std::string> tasks{"A", "B", "C"};
  CHECK(tasks_to_run(tasks, done, ymd(2026, 11, 24), false) == std::vector<std::string>{"B", "C"});
  CHECK(tasks_to_run(tasks, done, ymd(2026, 11, 24), true) == tasks);
  CHECK(tasks_to_run(tasks, done, ymd(2026, 11, 25), false) == tasks);
}
