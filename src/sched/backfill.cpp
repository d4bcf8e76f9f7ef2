// Past trading dates: validation of --date and --backfill, missed dates, tasks still due.
#include "orchestrator/sched/backfill.h"

#include <algorithm>

namespace orch {
namespace {

std::string daily_days_name(DailyDays days) {
  switch (days) {
    case DailyDays::Trading: return "trading";
    case DailyDays::Weekdays: return "weekdays";
    case DailyDays::All: return "all";
  }
  return "trading";
}

// "2026-11-26 (Thanksgiving Day)" or "2026-11-28 (weekend)"
std::string date_with_reason(const MarketCalendar& calendar, Date day) {
  std::string text = format_date(day);
  if (auto why = calendar.closure_reason(day)) text += " (" + *why + ")";
  return text;
}

std::string or_none(const std::optional<Date>& d) { return d ? format_date(*d) : "none"; }

}  // namespace

Expected<DateRange> parse_date_range(std::string_view text) {
  const auto dots = text.find("..");
  const std::string usage =
      "expected FROM..TO as YYYY-MM-DD..YYYY-MM-DD, e.g. "
      "2026-11-23..2026-11-27, not '" +
      std::string(text) + "'";
  if (dots == std::string_view::npos) return make_error(ErrorKind::Usage, usage);
  auto from = parse_date(text.substr(0, dots));
  auto to = parse_date(text.substr(dots + 2));
  if (!from) return make_error(ErrorKind::Usage, usage + " (FROM: " + from.error().message + ")");
  if (!to) return make_error(ErrorKind::Usage, usage + " (TO: " + to.error().message + ")");
  return DateRange{*from, *to};
}

Status check_run_date(DailyDays days, const MarketCalendar& calendar, Date day, Date today) {
  if (std::chrono::sys_days{day} > std::chrono::sys_days{today}) {
    return make_error(ErrorKind::Usage, format_date(day) + " is after today (" +
                                            format_date(today) +
                                            "); the latest trading date up to today is " +
                                            or_none(trading_date_up_to(days, calendar, today)));
  }
  if (is_daily_day(days, calendar, day)) return ok();
  auto after = trading_date_after(days, calendar, day);
  std::string nearest = "the nearest trading dates are " +
                        or_none(trading_date_before(days, calendar, day)) + " before it and ";
  nearest += after && std::chrono::sys_days{*after} <= std::chrono::sys_days{today}
                 ? format_date(*after) + " after it"
                 : "none after it up to today (" + format_date(today) + ")";
  return make_error(ErrorKind::Usage, date_with_reason(calendar, day) +
                                          " is not a trading date (daily_days: " +
                                          daily_days_name(days) + "); " + nearest);
}

Expected<std::vector<Date>> backfill_dates(DailyDays days, const MarketCalendar& calendar,
                                           DateRange range, Date today, bool reverse) {
  using std::chrono::sys_days;
  const std::string span = format_date(range.from) + ".." + format_date(range.to);
  if (sys_days{range.from} > sys_days{range.to}) {
    return make_error(ErrorKind::Usage,
                      "--backfill " + span + ": FROM is after TO; write the older date first");
  }
  if (sys_days{range.to} > sys_days{today}) {
    return make_error(ErrorKind::Usage, "--backfill " + span + ": TO is after today (" +
                                            format_date(today) +
                                            "); the latest trading date up to today is " +
                                            or_none(trading_date_up_to(days, calendar, today)));
  }
  auto dates = trading_dates_in(days, calendar, range.from, range.to);
  if (dates.empty()) {
    auto after = trading_date_after(days, calendar, range.to);
    return make_error(
        ErrorKind::Usage,
        "--backfill " + span + " holds no trading date (daily_days: " + daily_days_name(days) +
            "); the nearest are " + or_none(trading_date_before(days, calendar, range.from)) +
            " before it and " +
            (after && sys_days{*after} <= sys_days{today} ? format_date(*after)
                                                          : std::string("none")) +
            " after it");
  }
  if (reverse) std::reverse(dates.begin(), dates.end());
  return dates;
}

bool waits_for_times(Date day, Date today, bool no_wait) {
  return !no_wait && std::chrono::sys_days{day} >= std::chrono::sys_days{today};
}

std::vector<std::string> tasks_to_run(const std::vector<std::string>& tasks,
                                      const SucceededByDate& succeeded, Date date, bool force) {
  if (force) return tasks;
  auto it = succeeded.find(format_date(date));
  if (it == succeeded.end()) return tasks;
  std::vector<std::string> out;
  for (const auto& t : tasks) {
    if (!it->second.contains(t)) out.push_back(t);
  }
  return out;
}

std::optional<DateRange> look_back_range(DailyDays days, const MarketCalendar& calendar, Date today,
                                         int look_back) {
  auto dates = trading_dates_before(days, calendar, today, look_back);
  if (dates.empty()) return std::nullopt;
  return DateRange{dates.front(), dates.back()};
}

std::vector<MissedDate> missed_dates(DailyDays days, const MarketCalendar& calendar, Date today,
                                     int look_back, std::optional<Date> first_recorded,
                                     const std::vector<std::string>& tasks,
                                     const SucceededByDate& succeeded) {
  std::vector<MissedDate> out;
  if (!first_recorded || tasks.empty()) return out;
  for (Date d : trading_dates_before(days, calendar, today, look_back)) {
    if (std::chrono::sys_days{d} < std::chrono::sys_days{*first_recorded}) continue;
    auto missing = tasks_to_run(tasks, succeeded, d, false);
    if (!missing.empty()) out.push_back({d, std::move(missing)});
  }
  return out;
}

}  // namespace orch
