#pragma once
// The market calendar: which local dates the exchange trades, its sessions on those dates
// as UTC windows (DST-correct through Zone::at), and how much session time lies between
// two instants. Built from the config's market_hours and the pipeline's zone; pure values.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/config.h"
#include "orchestrator/util/time.h"

namespace orch {

enum class MarketSession { Pre, Regular, Post, Closed };
std::string_view to_string(MarketSession s);  // "pre", "regular", "post", "closed"

// A full closure on a weekday: a holiday (or its observed date), or an ad-hoc closure.
struct Holiday {
  std::chrono::year_month_day date;
  std::string name;
  friend bool operator==(const Holiday&, const Holiday&) = default;
};

// A trading day whose regular session ends early.
struct EarlyClose {
  std::chrono::year_month_day date;
  TimeOfDay close;
  std::string name;
  friend bool operator==(const EarlyClose&, const EarlyClose&) = default;
};

// A half-open interval [start, end) of UTC instants.
struct Window {
  WallTime start;
  WallTime end;
  friend bool operator==(const Window&, const Window&) = default;
};

// Where an instant falls: the session, why the market is not open (empty when it is), and
// the calendar date in the zone at that instant.
struct SessionState {
  MarketSession session = MarketSession::Closed;
  std::string reason;
  std::chrono::year_month_day trading_date;
};

// The exchange's own rules, computed for any year (no hard-coded holiday list apart from the
// ad-hoc closures of history). Sorted by date; weekday dates only.
namespace nyse {
inline constexpr TimeOfDay kEarlyClose{std::chrono::hours(13)};
// Easter Sunday of the Gregorian `year` (anonymous Gregorian algorithm).
std::chrono::year_month_day easter(int year);
// Holidays and ad-hoc closures of `year`, at their observed weekday dates.
std::vector<Holiday> holidays(int year);
// The 13:00 closes of `year`: day before Independence Day, day after Thanksgiving, Christmas Eve.
std::vector<EarlyClose> early_closes(int year);
}  // namespace nyse

class MarketCalendar {
 public:
  // `hours.calendar` must be "NYSE" (the loader already refuses anything else).
  static Expected<MarketCalendar> create(const MarketHours& hours, const Zone& zone);

  const MarketHours& hours() const { return hours_; }
  const Zone& zone() const { return zone_; }

  // NYSE holidays plus the config's extra_closures ("extra closure (config)"), weekdays only.
  std::vector<Holiday> holidays(int year) const;
  // NYSE early closes plus extra_early_closes, on trading days only; a config entry on a
  // built-in early-close date overrides its time and keeps its name.
  std::vector<EarlyClose> early_closes(int year) const;

  bool is_trading_day(std::chrono::year_month_day day) const;
  // "weekend", or the holiday's name; nullopt on a trading day.
  std::optional<std::string> closure_reason(std::chrono::year_month_day day) const;
  // The early close entry of `day`, if it is one.
  std::optional<EarlyClose> early_close(std::chrono::year_month_day day) const;
  // The close of the regular session on `day`: `hours.close`, or the early close.
  TimeOfDay regular_close(std::chrono::year_month_day day) const;
  // The end of the post-market session on `day`. On an early-close day it is 17:00 (NYSE Arca
  // practice: late trading closes at 5:00 p.m. then), never after post_market_close.
  TimeOfDay post_close(std::chrono::year_month_day day) const;

  SessionState session_at(WallTime t) const;
  bool is_open(WallTime t) const { return session_at(t).session == MarketSession::Regular; }
  // The session window of `day`: regular = open..close, extended = pre_market_open..post
  // close. nullopt on a closed day.
  std::optional<Window> window(std::chrono::year_month_day day, SessionKind session) const;
  // The first regular open strictly after `t` (so the next day's open while open now).
  WallTime next_open(WallTime t) const;
  // The first regular close strictly after `t` (today's close while open now).
  WallTime next_close(WallTime t) const;
  // How much of [from, to) lies inside `session` windows; zero when to <= from.
  Millis market_time_between(WallTime from, WallTime to, SessionKind session) const;
  // The instant a task's DATA_AS_OF names: ISO 8601 with 'Z' or an offset as written; without
  // an offset, a local time in the pipeline's zone; a date alone, that date's regular close
  // (the configured close on a day without a session). nullopt when it is none of these.
  std::optional<WallTime> data_instant(std::string_view text) const;

 private:
  // One year's closures and early closes, config included: what holidays()/early_closes() list.
  struct YearRules {
    bool loaded = false;
    int year = 0;
    std::vector<Holiday> closed;
    std::vector<EarlyClose> early;
  };
  struct DayInfo {
    std::string closed_reason;  // empty on a trading day
    std::optional<EarlyClose> early;
  };
  MarketCalendar(MarketHours hours, Zone zone) : hours_(std::move(hours)), zone_(std::move(zone)) {}
  // The facts of `day`; `cache` is reloaded when it holds another year (loops pass one along).
  DayInfo day_info(std::chrono::year_month_day day, YearRules& cache) const;
  DayInfo day_info(std::chrono::year_month_day day) const;
  TimeOfDay close_of(const DayInfo& info) const;
  TimeOfDay post_close_of(const DayInfo& info) const;
  std::optional<Window> window(std::chrono::year_month_day day, SessionKind session,
                               const DayInfo& info) const;
  // Scans days from the date of `t` for the first regular open (or close) strictly after `t`.
  WallTime next_boundary(WallTime t, bool open) const;

  MarketHours hours_;
  Zone zone_;
};

// "2026-11-27T09:30:00-05:00": `t` in `zone`, whole seconds, with the zone's offset.
std::string format_iso_local(const Zone& zone, WallTime t);
// "2026-11-27 09:30 EST": minutes, with the zone's abbreviation.
std::string format_local_minute(const Zone& zone, WallTime t);

// Does `days` (trading | weekdays | all: the config's daily_days) include this date?
bool is_daily_day(DailyDays days, const MarketCalendar& calendar, std::chrono::year_month_day day);
// The time between two instants less every whole local day that `days` excludes: how old a
// daily source is in days the daily pipeline runs (a weekend does not age Friday's data).
Millis daily_time_between(DailyDays days, const MarketCalendar& calendar, WallTime from,
                          WallTime to);

}  // namespace orch
