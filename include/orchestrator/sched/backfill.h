#pragma once
// Policy of past trading dates: which dates --daily --date and --backfill accept (and the
// refusal that names the nearest trading dates), which dates are missed (some daily task has
// not succeeded for them) for catch-up and --health, and which tasks a date still needs.
// Pure: the caller reads the successes from the store and passes them in.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/calendar/trading_dates.h"
#include "orchestrator/util/expected.h"

namespace orch {

// How many trading dates before today --health looks back for missed dates.
inline constexpr int kHealthMissedDates = 10;

struct DateRange {
  Date from;
  Date to;
};
// "YYYY-MM-DD..YYYY-MM-DD" (both ends included).
Expected<DateRange> parse_date_range(std::string_view text);

// --daily --date: ok when `day` is a trading date no later than `today`; else the refusal,
// naming the nearest trading dates before and after `day` (or the latest one up to today).
Status check_run_date(DailyDays days, const MarketCalendar& calendar, Date day, Date today);

// --backfill: the trading dates of `range`, oldest first (newest first with `reverse`); refused
// when from > to, when to is after today, or when the range holds no trading date.
Expected<std::vector<Date>> backfill_dates(DailyDays days, const MarketCalendar& calendar,
                                           DateRange range, Date today, bool reverse);

// Whether a run for trading date `day` waits for its tasks' not-before `time`s: only for
// today (a past date's data is long due), and not with --no-wait.
bool waits_for_times(Date day, Date today, bool no_wait);

// Per trading date ("YYYY-MM-DD"), the tasks with a successful run for it.
using SucceededByDate = std::map<std::string, std::set<std::string>>;

// `tasks` less those that succeeded for `date`, in the order given (all of them with `force`).
std::vector<std::string> tasks_to_run(const std::vector<std::string>& tasks,
                                      const SucceededByDate& succeeded, Date date, bool force);

// A missed trading date and the tasks that have not succeeded for it (in the order given).
struct MissedDate {
  Date date;
  std::vector<std::string> tasks;
  friend bool operator==(const MissedDate&, const MissedDate&) = default;
};
// Of the last `look_back` trading dates before `today`, those not before `first_recorded`
// (none when nothing was ever recorded) for which some task of `tasks` has not succeeded;
// oldest first. What daily_catchup fills and what --health lists.
std::vector<MissedDate> missed_dates(DailyDays days, const MarketCalendar& calendar, Date today,
                                     int look_back, std::optional<Date> first_recorded,
                                     const std::vector<std::string>& tasks,
                                     const SucceededByDate& succeeded);

// The range of dates missed_dates() looks at (for the store query); nullopt when empty.
std::optional<DateRange> look_back_range(DailyDays days, const MarketCalendar& calendar, Date today,
                                         int look_back);

}  // namespace orch
