// calendar/market_calendar: NYSE holidays and early closes against the exchange's published
// schedules, sessions across DST changes, windows, next open/close and market time.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "helpers.h"
#include "orchestrator/calendar/market_calendar.h"

using namespace orch;
using namespace std::chrono;
using orch::test::new_york;
using orch::test::nyse_calendar;
using orch::test::utc;

namespace {

year_month_day ymd(int y, unsigned m, unsigned d) { return year{y} / month{m} / day{d}; }

std::vector<std::string> dates_of(const std::vector<Holiday>& list) {
  std::vector<std::string> out;
  for (const auto& h : list) out.push_back(format_date(h.date));
  return out;
}

std::vector<std::string> dates_of(const std::vector<EarlyClose>& list) {
  std::vector<std::string> out;
  for (const auto& e : list) {
    CHECK(e.close == nyse::kEarlyClose);
    out.push_back(format_date(e.date));
  }
  return out;
}

// Full closures (observed weekday dates) per year, from NYSE's published holiday calendars.
const std::map<int, std::vector<std::string>> kHolidays = {
    {2012,
     {"2012-01-02", "2012-01-16", "2012-02-20", "2012-04-06", "2012-05-28", "2012-07-04",
      "2012-09-03", "2012-10-29", "2012-10-30", "2012-11-22", "2012-12-25"}},
    {2013,
     {"2013-01-01", "2013-01-21", "2013-02-18", "2013-03-29", "2013-05-27", "2013-07-04",
      "2013-09-02", "2013-11-28", "2013-12-25"}},
    {2014,
     {"2014-01-01", "2014-01-20", "2014-02-17", "2014-04-18", "2014-05-26", "2014-07-04",
      "2014-09-01", "2014-11-27", "2014-12-25"}},
    {2015,
     {"2015-01-01", "2015-01-19", "2015-02-16", "2015-04-03", "2015-05-25", "2015-07-03",
      "2015-09-07", "2015-11-26", "2015-12-25"}},
    {2016,
     {"2016-01-01", "2016-01-18", "2016-02-15", "2016-03-25", "2016-05-30", "2016-07-04",
      "2016-09-05", "2016-11-24", "2016-12-26"}},
    {2017,
     {"2017-01-02", "2017-01-16", "2017-02-20", "2017-04-14", "2017-05-29", "2017-07-04",
      "2017-09-04", "2017-11-23", "2017-12-25"}},
    {2018,
     {"2018-01-01", "2018-01-15", "2018-02-19", "2018-03-30", "2018-05-28", "2018-07-04",
      "2018-09-03", "2018-11-22", "2018-12-05", "2018-12-25"}},
    {2019,
     {"2019-01-01", "2019-01-21", "2019-02-18", "2019-04-19", "2019-05-27", "2019-07-04",
      "2019-09-02", "2019-11-28", "2019-12-25"}},
    {2020,
     {"2020-01-01", "2020-01-20", "2020-02-17", "2020-04-10", "2020-05-25", "2020-07-03",
      "2020-09-07", "2020-11-26", "2020-12-25"}},
    {2021,
     {"2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31", "2021-07-05",
      "2021-09-06", "2021-11-25", "2021-12-24"}},
    {2022,
     {"2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04",
      "2022-09-05", "2022-11-24", "2022-12-26"}},
    {2023,
     {"2023-01-02", "2023-01-16", "2023-02-20", "2023-04-07", "2023-05-29", "2023-06-19",
      "2023-07-04", "2023-09-04", "2023-11-23", "2023-12-25"}},
    {2024,
     {"2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19",
      "2024-07-04", "2024-09-02", "2024-11-28", "2024-12-25"}},
    {2025,
     {"2025-01-01", "2025-01-09", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26",
      "2025-06-19", "2025-07-04", "2025-09-01", "2025-11-27", "2025-12-25"}},
    {2026,
     {"2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19",
      "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"}},
    {2027,
     {"2027-01-01", "2027-01-18", "2027-02-15", "2027-03-26", "2027-05-31", "2027-06-18",
      "2027-07-05", "2027-09-06", "2027-11-25", "2027-12-24"}},
    {2028,
     {"2028-01-17", "2028-02-21", "2028-04-14", "2028-05-29", "2028-06-19", "2028-07-04",
      "2028-09-04", "2028-11-23", "2028-12-25"}},
};

// 13:00 closes per year, from the same calendars.
const std::map<int, std::vector<std::string>> kEarlyCloses = {
    {2012, {"2012-07-03", "2012-11-23", "2012-12-24"}},
    {2013, {"2013-07-03", "2013-11-29", "2013-12-24"}},
    {2014, {"2014-07-03", "2014-11-28", "2014-12-24"}},
    {2015, {"2015-11-27", "2015-12-24"}},  // July 4 Saturday: no early close
    {2016, {"2016-11-25"}},                // July 4 Monday, Dec 24 Saturday
    {2017, {"2017-07-03", "2017-11-24"}},  // Dec 24 Sunday
    {2018, {"2018-07-03", "2018-11-23", "2018-12-24"}},
    {2019, {"2019-07-03", "2019-11-29", "2019-12-24"}},
    {2020, {"2020-11-27", "2020-12-24"}},  // July 3 is the holiday
    {2021, {"2021-11-26"}},                // Dec 24 is the holiday
    {2022, {"2022-11-25"}},
    {2023, {"2023-07-03", "2023-11-24"}},
    {2024, {"2024-07-03", "2024-11-29", "2024-12-24"}},
    {2025, {"2025-07-03", "2025-11-28", "2025-12-24"}},
    {2026, {"2026-11-27", "2026-12-24"}},  // July 3 holiday, no July 2 close
    {2027, {"2027-11-26"}},                // no Dec 23 close
    {2028, {"2028-07-03", "2028-11-24"}},
};

}  // namespace

TEST_CASE("calendar: Easter by the anonymous Gregorian algorithm") {
  CHECK(nyse::easter(2000) == ymd(2000, 4, 23));
  CHECK(nyse::easter(2008) == ymd(2008, 3, 23));
  CHECK(nyse::easter(2011) == ymd(2011, 4, 24));
  CHECK(nyse::easter(2019) == ymd(2019, 4, 21));
  CHECK(nyse::easter(2024) == ymd(2024, 3, 31));
  CHECK(nyse::easter(2038) == ymd(2038, 4, 25));
  CHECK(nyse::easter(2285) == ymd(2285, 3, 22));  // the earliest possible date
}

TEST_CASE("calendar: NYSE holidays 2012-2028 match the published schedules") {
  const auto cal = nyse_calendar();
  for (const auto& [y, expected] : kHolidays) {
    CAPTURE(y);
    CHECK(dates_of(cal.holidays(y)) == expected);
  }
}

TEST_CASE("calendar: NYSE early closes 2012-2028 match the published schedules") {
  const auto cal = nyse_calendar();
  for (const auto& [y, expected] : kEarlyCloses) {
    CAPTURE(y);
    CHECK(dates_of(cal.early_closes(y)) == expected);
  }
}

TEST_CASE("calendar: holiday names, observance and rules with a start year") {
  const auto cal = nyse_calendar();
  const auto h2026 = cal.holidays(2026);
  REQUIRE(h2026.size() == 10);
  CHECK(h2026[0].name == "New Year's Day");
  CHECK(h2026[1].name == "Martin Luther King, Jr. Day");
  CHECK(h2026[3].name == "Good Friday");
  CHECK(h2026[6] == Holiday{ymd(2026, 7, 3), "Independence Day (observed)"});
  CHECK(h2026[8].name == "Thanksgiving Day");
  CHECK(cal.holidays(2027)[5].name == "Juneteenth National Independence Day (observed)");
  CHECK(cal.early_closes(2026)[0].name == "day after Thanksgiving");
  CHECK(cal.early_closes(2026)[1].name == "Christmas Eve");
  CHECK(cal.early_closes(2025)[0].name == "day before Independence Day");

  // A Saturday New Year is not observed on the Friday before (Dec 31 closes the year).
  CHECK(cal.is_trading_day(ymd(2021, 12, 31)));
  CHECK(cal.is_trading_day(ymd(2027, 12, 31)));
  // MLK Day from 1998, Juneteenth from 2022.
  CHECK(cal.is_trading_day(ymd(1997, 1, 20)));
  CHECK(cal.closure_reason(ymd(1998, 1, 19)) == "Martin Luther King, Jr. Day");
  CHECK(cal.is_trading_day(ymd(2021, 6, 18)));
  CHECK(cal.closure_reason(ymd(2022, 6, 20)) == "Juneteenth National Independence Day (observed)");
}

TEST_CASE("calendar: ad-hoc closures of history") {
  const auto cal = nyse_calendar();
  for (unsigned d = 11; d <= 14; ++d)
    CHECK(cal.closure_reason(ymd(2001, 9, d)) == "September 11 attacks");
  CHECK(cal.is_trading_day(ymd(2001, 9, 17)));
  CHECK(cal.closure_reason(ymd(2004, 6, 11)) ==
        "National Day of Mourning for President Ronald Reagan");
  CHECK(cal.closure_reason(ymd(2007, 1, 2)) ==
        "National Day of Mourning for President Gerald Ford");
  CHECK(cal.closure_reason(ymd(2012, 10, 29)) == "Hurricane Sandy");
  CHECK(cal.closure_reason(ymd(2012, 10, 30)) == "Hurricane Sandy");
  CHECK(cal.closure_reason(ymd(2018, 12, 5)).has_value());
  CHECK(cal.closure_reason(ymd(2025, 1, 9)) ==
        "National Day of Mourning for President Jimmy Carter");
  // Sandy: Friday's close to Wednesday's open (EDT until Nov 4, 2012).
  CHECK(cal.next_open(utc(2012, 10, 26, 20, 0)) == utc(2012, 10, 31, 13, 30));
  CHECK(cal.next_open(utc(2001, 9, 10, 20, 0)) == utc(2001, 9, 17, 13, 30));
}

TEST_CASE("calendar: sessions around the 2026 DST changes") {
  const auto cal = nyse_calendar();
  // Friday March 6 is EST: 09:30 is 14:30Z. Monday March 9 is EDT: 09:30 is 13:30Z.
  CHECK(cal.window(ymd(2026, 3, 6), SessionKind::Regular) ==
        Window{utc(2026, 3, 6, 14, 30), utc(2026, 3, 6, 21, 0)});
  CHECK(cal.window(ymd(2026, 3, 9), SessionKind::Regular) ==
        Window{utc(2026, 3, 9, 13, 30), utc(2026, 3, 9, 20, 0)});
  CHECK(cal.session_at(utc(2026, 3, 9, 13, 29)).session == MarketSession::Pre);
  CHECK(cal.session_at(utc(2026, 3, 9, 13, 30)).session == MarketSession::Regular);
  CHECK(cal.next_open(utc(2026, 3, 6, 21, 0)) == utc(2026, 3, 9, 13, 30));
  // Friday October 30 is EDT, Monday November 2 is EST.
  CHECK(cal.window(ymd(2026, 10, 30), SessionKind::Regular) ==
        Window{utc(2026, 10, 30, 13, 30), utc(2026, 10, 30, 20, 0)});
  CHECK(cal.window(ymd(2026, 11, 2), SessionKind::Regular) ==
        Window{utc(2026, 11, 2, 14, 30), utc(2026, 11, 2, 21, 0)});
  CHECK(cal.session_at(utc(2026, 11, 2, 14, 0)).session == MarketSession::Pre);
  CHECK(cal.next_open(utc(2026, 10, 30, 20, 0)) == utc(2026, 11, 2, 14, 30));
  CHECK(cal.next_close(utc(2026, 10, 31, 12, 0)) == utc(2026, 11, 2, 21, 0));
}

TEST_CASE("calendar: an early-close day (day after Thanksgiving 2026)") {
  const auto cal = nyse_calendar();
  const auto day = ymd(2026, 11, 27);
  CHECK(cal.regular_close(day) == TimeOfDay{hours(13)});
  CHECK(cal.post_close(day) == TimeOfDay{hours(17)});
  const auto open = cal.session_at(utc(2026, 11, 27, 17, 59));  // 12:59 EST
  CHECK(open.session == MarketSession::Regular);
  CHECK(open.reason.empty());
  CHECK(open.trading_date == day);
  CHECK(cal.next_close(utc(2026, 11, 27, 17, 59)) == utc(2026, 11, 27, 18, 0));
  const auto after = cal.session_at(utc(2026, 11, 27, 18, 0));  // 13:00 EST
  CHECK(after.session == MarketSession::Post);
  CHECK_FALSE(cal.is_open(utc(2026, 11, 27, 18, 0)));
  CHECK(cal.session_at(utc(2026, 11, 27, 22, 0)).session == MarketSession::Closed);  // 17:00
  CHECK(cal.next_open(utc(2026, 11, 27, 18, 0)) == utc(2026, 11, 30, 14, 30));
  CHECK(cal.next_open(utc(2026, 11, 27, 17, 59)) == utc(2026, 11, 30, 14, 30));
  CHECK(cal.window(day, SessionKind::Extended) ==
        Window{utc(2026, 11, 27, 9, 0), utc(2026, 11, 27, 22, 0)});
}

TEST_CASE("calendar: a holiday, a weekend and the reasons of a closed market") {
  const auto cal = nyse_calendar();
  const auto thanksgiving = cal.session_at(utc(2026, 11, 26, 16, 0));
  CHECK(thanksgiving.session == MarketSession::Closed);
  CHECK(thanksgiving.reason == "Thanksgiving Day");
  CHECK(thanksgiving.trading_date == ymd(2026, 11, 26));
  CHECK(cal.next_open(utc(2026, 11, 26, 16, 0)) == utc(2026, 11, 27, 14, 30));
  CHECK_FALSE(cal.window(ymd(2026, 11, 26), SessionKind::Extended).has_value());

  const auto saturday = cal.session_at(utc(2026, 11, 28, 15, 0));
  CHECK(saturday.reason == "weekend");
  CHECK(cal.closure_reason(ymd(2026, 11, 29)) == "weekend");
  CHECK_FALSE(cal.closure_reason(ymd(2026, 11, 30)).has_value());

  // A normal day: 03:59 closed, 04:00 pre, 16:00 post, 20:00 closed (EST = UTC-5).
  CHECK(cal.session_at(utc(2026, 12, 1, 8, 59)).reason == "before pre-market");
  CHECK(cal.session_at(utc(2026, 12, 1, 9, 0)).session == MarketSession::Pre);
  CHECK(cal.session_at(utc(2026, 12, 1, 21, 0)).session == MarketSession::Post);
  CHECK(cal.session_at(utc(2026, 12, 1, 19, 59)).session == MarketSession::Regular);
  const auto late = cal.session_at(utc(2026, 12, 2, 1, 0));  // 20:00 EST
  CHECK(late.session == MarketSession::Closed);
  CHECK(late.reason == "after hours");
  CHECK(late.trading_date == ymd(2026, 12, 1));
  CHECK(to_string(MarketSession::Pre) == "pre");
  CHECK(to_string(MarketSession::Closed) == "closed");
}

TEST_CASE("calendar: extended and regular windows") {
  const auto cal = nyse_calendar();
  const auto day = ymd(2026, 7, 1);  // EDT
  CHECK(cal.window(day, SessionKind::Regular) ==
        Window{utc(2026, 7, 1, 13, 30), utc(2026, 7, 1, 20, 0)});
  CHECK(cal.window(day, SessionKind::Extended) ==
        Window{utc(2026, 7, 1, 8, 0), utc(2026, 7, 2, 0, 0)});
  // Custom hours follow the config.
  MarketHours mh;
  mh.pre_market_open = TimeOfDay{7h};
  mh.post_market_close = TimeOfDay{18h};
  const auto custom = nyse_calendar(mh);
  CHECK(custom.window(day, SessionKind::Extended) ==
        Window{utc(2026, 7, 1, 11, 0), utc(2026, 7, 1, 22, 0)});
  // An early post close never ends after post_market_close, nor before the early close.
  mh.post_market_close = TimeOfDay{16h};
  CHECK(nyse_calendar(mh).post_close(ymd(2026, 11, 27)) == TimeOfDay{16h});
}

TEST_CASE("calendar: extra closures and early closes from the config") {
  MarketHours mh;
  mh.extra_closures = {ymd(2027, 1, 8), ymd(2027, 1, 9), ymd(2026, 11, 27), ymd(2026, 12, 25)};
  mh.extra_early_closes[sys_days{ymd(2027, 1, 7)}] = TimeOfDay{12h};
  mh.extra_early_closes[sys_days{ymd(2026, 12, 24)}] = TimeOfDay{14h};
  const auto cal = nyse_calendar(mh);

  const auto h2027 = cal.holidays(2027);
  REQUIRE(h2027.size() == 11);  // the Saturday closure is not listed
  CHECK(h2027[1] == Holiday{ymd(2027, 1, 8), "extra closure (config)"});
  CHECK(cal.closure_reason(ymd(2027, 1, 8)) == "extra closure (config)");
  CHECK(cal.closure_reason(ymd(2027, 1, 9)) == "weekend");
  // A config closure on a holiday keeps the holiday's name; on an early close, it wins.
  CHECK(cal.closure_reason(ymd(2026, 12, 25)) == "Christmas Day");
  CHECK(cal.closure_reason(ymd(2026, 11, 27)) == "extra closure (config)");
  CHECK(cal.holidays(2026).size() == 11);
  const auto e2026 = cal.early_closes(2026);
  REQUIRE(e2026.size() == 1);
  CHECK(e2026[0] == EarlyClose{ymd(2026, 12, 24), TimeOfDay{14h}, "Christmas Eve"});

  const auto e2027 = cal.early_closes(2027);
  REQUIRE(e2027.size() == 2);
  CHECK(e2027[0] == EarlyClose{ymd(2027, 1, 7), TimeOfDay{12h}, "extra early close (config)"});
  CHECK(cal.regular_close(ymd(2027, 1, 7)) == TimeOfDay{12h});
  CHECK(cal.session_at(utc(2027, 1, 7, 17, 0)).session == MarketSession::Post);  // 12:00 EST
  // Thursday's close, then Monday (Friday closed by the config).
  CHECK(cal.next_open(utc(2027, 1, 7, 17, 0)) == utc(2027, 1, 11, 14, 30));
}

TEST_CASE("calendar: next open and next close across a long weekend") {
  const auto cal = nyse_calendar();
  // Friday 2026-01-16 after the close; Monday the 19th is MLK Day.
  CHECK(cal.next_open(utc(2026, 1, 16, 21, 0)) == utc(2026, 1, 20, 14, 30));
  CHECK(cal.next_close(utc(2026, 1, 16, 21, 0)) == utc(2026, 1, 20, 21, 0));
  // While open: next open is the next trading day's, next close today's.
  CHECK(cal.next_open(utc(2026, 1, 16, 15, 0)) == utc(2026, 1, 20, 14, 30));
  CHECK(cal.next_close(utc(2026, 1, 16, 15, 0)) == utc(2026, 1, 16, 21, 0));
  // Before the open: today's open. Exactly at the open: tomorrow's.
  CHECK(cal.next_open(utc(2026, 1, 20, 14, 29)) == utc(2026, 1, 20, 14, 30));
  CHECK(cal.next_open(utc(2026, 1, 20, 14, 30)) == utc(2026, 1, 21, 14, 30));
  // Easter weekend 2026 (Good Friday April 3): Thursday's close to Monday's open, EDT.
  CHECK(cal.next_open(utc(2026, 4, 2, 20, 0)) == utc(2026, 4, 6, 13, 30));
  // Christmas Eve early close, then Christmas (Friday) and the weekend.
  CHECK(cal.next_close(utc(2026, 12, 24, 15, 0)) == utc(2026, 12, 24, 18, 0));
  CHECK(cal.next_open(utc(2026, 12, 24, 15, 0)) == utc(2026, 12, 28, 14, 30));
}

TEST_CASE("calendar: market time between instants skips weekends and holidays") {
  const auto cal = nyse_calendar();
  // Friday's close data on Monday (over the March DST change): 0 at 09:29, 10 min at 09:40.
  const WallTime friday_close = utc(2026, 3, 6, 21, 0);
  CHECK(cal.market_time_between(friday_close, utc(2026, 3, 9, 13, 29), SessionKind::Regular) ==
        0ms);
  CHECK(cal.market_time_between(friday_close, utc(2026, 3, 9, 13, 40), SessionKind::Regular) ==
        10min);
  // Extended: Friday's post session ends 20:00; Monday's pre opens 04:00 EDT (08:00Z).
  CHECK(cal.market_time_between(friday_close, utc(2026, 3, 9, 8, 10), SessionKind::Extended) ==
        4h + 10min);
  // Across Thanksgiving: Wednesday's close to Friday 10:00 is 30 minutes.
  CHECK(cal.market_time_between(utc(2026, 11, 25, 21, 0), utc(2026, 11, 27, 15, 0),
                                SessionKind::Regular) == 30min);
  // Thanksgiving week: 3 x 6h30 + the 3h30 Friday; that Friday's extended session is 13h.
  CHECK(cal.market_time_between(utc(2026, 11, 23, 0, 0), utc(2026, 11, 28, 0, 0),
                                SessionKind::Regular) == 3 * 390min + 210min);
  CHECK(cal.market_time_between(utc(2026, 11, 27, 0, 0), utc(2026, 11, 28, 0, 0),
                                SessionKind::Extended) == 13h);
  CHECK(cal.market_time_between(utc(2026, 11, 28, 0, 0), utc(2026, 11, 27, 0, 0),
                                SessionKind::Regular) == 0ms);
  // A span of years stays cheap and exact: 2025 had 250 trading days, 3 of them 13:00 closes.
  CHECK(cal.market_time_between(utc(2025, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0),
                                SessionKind::Regular) == 247 * 390min + 3 * 210min);
}

TEST_CASE("calendar: ISO 8601 local times carry the zone's offset") {
  const auto zone = new_york();
  CHECK(format_iso_local(zone, utc(2026, 11, 27, 14, 30)) == "2026-11-27T09:30:00-05:00");
  CHECK(format_iso_local(zone, utc(2026, 7, 1, 13, 30)) == "2026-07-01T09:30:00-04:00");
  CHECK(format_local_minute(zone, utc(2026, 11, 30, 14, 30)) == "2026-11-30 09:30 EST");
}

TEST_CASE("calendar: an unknown calendar is an error value") {
  MarketHours mh;
  mh.calendar = "LSE";
  CHECK_FALSE(MarketCalendar::create(mh, new_york()).has_value());
}

TEST_CASE("calendar: daily time skips the days daily_days excludes") {
  auto zone = Zone::locate("America/New_York");
  REQUIRE(zone);
  auto cal = MarketCalendar::create(MarketHours{}, *zone);
  REQUIRE(cal);
  const auto at = [&](int m, int d, int h) {
    return zone->at(std::chrono::year_month_day{std::chrono::year{2026} / m / d},
                    TimeOfDay{std::chrono::hours{h}});
  };
  using std::chrono::hours;
  // Wednesday 10:00 before Thanksgiving to Friday 10:00: Thursday is not a trading day.
  CHECK(daily_time_between(DailyDays::Trading, *cal, at(11, 25, 10), at(11, 27, 10)) == hours{24});
  CHECK(daily_time_between(DailyDays::Weekdays, *cal, at(11, 25, 10), at(11, 27, 10)) == hours{48});
  // Saturday noon to Sunday noon: nothing counts on weekdays-only schedules.
  CHECK(daily_time_between(DailyDays::Weekdays, *cal, at(11, 21, 12), at(11, 22, 12)) == hours{0});
  CHECK(daily_time_between(DailyDays::All, *cal, at(11, 21, 12), at(11, 22, 12)) == hours{24});
  CHECK(is_daily_day(DailyDays::Trading, *cal, std::chrono::year{2026} / 11 / 26) == false);
  CHECK(is_daily_day(DailyDays::Weekdays, *cal, std::chrono::year{2026} / 11 / 26));
}
