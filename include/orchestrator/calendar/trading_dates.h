#pragma once
// Trading dates: the local dates `daily_days` (trading | weekdays | all) runs the daily DAG
// for. Ranges of them, and the nearest one before or after a date. Pure: calendar facts only.
#include <chrono>
#include <optional>
#include <vector>

#include "orchestrator/calendar/market_calendar.h"

namespace orch {

using Date = std::chrono::year_month_day;

// The longest stretch searched for a neighbouring trading date (ten years): only a
// calendar whose extra_closures close everything for longer finds none.
inline constexpr int kTradingDateSearchDays = 3660;

// The trading dates in [from, to], oldest first (empty when from > to).
std::vector<Date> trading_dates_in(DailyDays which, const MarketCalendar& calendar, Date from,
                                   Date to);
// The nearest trading date strictly before / strictly after `day`.
std::optional<Date> trading_date_before(DailyDays which, const MarketCalendar& calendar, Date day);
std::optional<Date> trading_date_after(DailyDays which, const MarketCalendar& calendar, Date day);
// `day` itself when it is a trading date, else the one before it.
std::optional<Date> trading_date_up_to(DailyDays which, const MarketCalendar& calendar, Date day);
// The last `n` trading dates strictly before `today`, oldest first.
std::vector<Date> trading_dates_before(DailyDays which, const MarketCalendar& calendar, Date today,
                                       int n);

}  // namespace orch
