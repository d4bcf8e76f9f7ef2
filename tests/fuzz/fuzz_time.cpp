// libFuzzer target: the time, duration and date parsers, and the market calendar queried at
// the instants they accept. The input is up to three lines: an ISO 8601 instant, a date, a
// time of day; each line is also given to every parser on its own.
// Built and run by tests/fuzz/run.sh.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/config.h"
#include "orchestrator/util/time.h"

using namespace orch;
using namespace std::chrono;

namespace {

const MarketCalendar& calendar() {
  static const Zone zone = *Zone::locate("America/New_York");
  static const MarketCalendar cal = *MarketCalendar::create(MarketHours{}, zone);
  return cal;
}

void query_instant(WallTime t) {
  const MarketCalendar& cal = calendar();
  (void)format_iso_utc(t);
  (void)format_db_time(t);
  (void)format_compact_utc(t);
  (void)cal.zone().date_of(t);
  (void)cal.zone().local_datetime(t);
  (void)cal.zone().local_clock(t);
  (void)format_iso_local(cal.zone(), t);
  (void)format_local_minute(cal.zone(), t);
  (void)cal.session_at(t);
  (void)cal.next_open(t);
  (void)cal.next_close(t);
  // a bounded span: the callers ask about ages of days, not of millennia
  (void)cal.market_time_between(t, t + days{10}, SessionKind::Regular);
  (void)cal.market_time_between(t - days{10}, t, SessionKind::Extended);
  (void)daily_time_between(DailyDays::Trading, cal, t - days{10}, t);
  // round trip: what we print we must read back as the same instant (parse_iso8601 accepts
  // the years 0000-9999 in UTC; Zone::at on 9999-12-31 may give a later one)
  static const WallTime first{sys_days{year{0} / January / 1}};
  static const WallTime last{sys_days{year{10000} / January / 1}};
  if (t >= first && t < last) {
    auto back = parse_iso8601(format_iso_utc(t));
    if (!back || *back != t) __builtin_trap();
    auto db = parse_db_time(format_db_time(t));
    if (!db || *db != t) __builtin_trap();
  }
}

void query_date(year_month_day day) {
  const MarketCalendar& cal = calendar();
  (void)format_date(day);
  auto back = parse_date(format_date(day));
  if (!back || *back != day) __builtin_trap();
  (void)cal.is_trading_day(day);
  (void)cal.closure_reason(day);
  (void)cal.early_close(day);
  (void)cal.regular_close(day);
  (void)cal.post_close(day);
  (void)cal.window(day, SessionKind::Regular);
  (void)cal.window(day, SessionKind::Extended);
  (void)cal.holidays(static_cast<int>(day.year()));
  (void)cal.early_closes(static_cast<int>(day.year()));
  (void)cal.zone().at(day, TimeOfDay{hours(9) + minutes(30)});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256) return 0;  // these are short strings; longer ones only repeat the work
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(
        text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  std::optional<WallTime> instant;
  std::optional<year_month_day> day;
  std::optional<TimeOfDay> tod;
  for (std::string_view line : lines) {
    if (auto t = parse_iso8601(line)) {
      query_instant(*t);
      if (!instant) instant = *t;
    }
    if (auto d = parse_date(line)) {
      query_date(*d);
      if (!day) day = *d;
    }
    if (auto t = parse_time_of_day(line)) {
      (void)format_time_of_day(*t);
      auto back = parse_time_of_day(format_time_of_day(*t));
      if (!back || *back != *t) __builtin_trap();
      if (!tod) tod = *t;
    }
    (void)parse_db_time(line);
  }
  if (day && tod) {
    const WallTime at = calendar().zone().at(*day, *tod);
    query_instant(at);
    // Zone::at gives an instant on that local date (the end of a DST gap is still that date)
    if (calendar().zone().date_of(at) != *day) __builtin_trap();
  }
  if (instant && tod) (void)calendar().zone().at(calendar().zone().date_of(*instant), *tod);
  if (instant) (void)format_duration(duration_cast<Millis>(*instant - WallTime{}));
  return 0;
}
