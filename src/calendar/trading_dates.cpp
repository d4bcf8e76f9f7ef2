// Trading dates per daily_days: day-by-day walks over the market calendar.
#include "orchestrator/calendar/trading_dates.h"

#include <algorithm>

namespace orch {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

std::optional<Date> step_to_trading(DailyDays which, const MarketCalendar& calendar, Date day,
                                    int step) {
  sys_days d{day};
  for (int i = 0; i < kTradingDateSearchDays; ++i) {
    d += days{step};
    if (is_daily_day(which, calendar, Date{d})) return Date{d};
  }
  return std::nullopt;
}

}  // namespace

std::vector<Date> trading_dates_in(DailyDays which, const MarketCalendar& calendar, Date from,
                                   Date to) {
  std::vector<Date> out;
  for (sys_days d{from}; d <= sys_days{to}; d += days{1}) {
    if (is_daily_day(which, calendar, Date{d})) out.emplace_back(d);
  }
  return out;
}

std::optional<Date> trading_date_before(DailyDays which, const MarketCalendar& calendar, Date day) {
  return step_to_trading(which, calendar, day, -1);
}

std::optional<Date> trading_date_after(DailyDays which, const MarketCalendar& calendar, Date day) {
  return step_to_trading(which, calendar, day, +1);
}

std::optional<Date> trading_date_up_to(DailyDays which, const MarketCalendar& calendar, Date day) {
  if (is_daily_day(which, calendar, day)) return day;
  return trading_date_before(which, calendar, day);
}

std::vector<Date> trading_dates_before(DailyDays which, const MarketCalendar& calendar, Date today,
                                       int n) {
  std::vector<Date> out;
  Date day = today;
  while (static_cast<int>(out.size()) < n) {
    auto prev = trading_date_before(which, calendar, day);
    if (!prev) break;
    out.push_back(*prev);
    day = *prev;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace orch
