// MarketCalendar: the NYSE rules merged with the config's extra closures and early closes,
// and the session windows of each local date turned into UTC instants through the Zone.
#include "orchestrator/calendar/market_calendar.h"

#include <date/tz.h>

#include <algorithm>

namespace orch {

using namespace std::chrono;

namespace {

const std::string kExtraClosure = "extra closure (config)";
const std::string kExtraEarlyClose = "extra early close (config)";
// NYSE Arca (and the other late sessions) close at 5:00 p.m. on early-close days.
constexpr TimeOfDay kEarlyPostClose{hours(17)};

bool is_weekend(year_month_day d) {
  const weekday w{sys_days{d}};
  return w == Saturday || w == Sunday;
}

int year_of(year_month_day d) { return static_cast<int>(d.year()); }

}  // namespace

std::string_view to_string(MarketSession s) {
  switch (s) {
    case MarketSession::Pre: return "pre";
    case MarketSession::Regular: return "regular";
    case MarketSession::Post: return "post";
    case MarketSession::Closed: return "closed";
  }
  return "closed";
}

Expected<MarketCalendar> MarketCalendar::create(const MarketHours& hours, const Zone& zone) {
  if (hours.calendar != "NYSE") {
    return make_error("unknown market calendar '" + hours.calendar + "': only NYSE is built in",
                      false);
  }
  return MarketCalendar(hours, zone);
}

std::vector<Holiday> MarketCalendar::holidays(int year) const {
  auto out = nyse::holidays(year);
  for (const auto& d : hours_.extra_closures) {
    if (year_of(d) != year || is_weekend(d)) continue;
    const bool known =
        std::any_of(out.begin(), out.end(), [&](const Holiday& h) { return h.date == d; });
    if (!known) out.push_back({d, kExtraClosure});
  }
  std::sort(out.begin(), out.end(),
            [](const Holiday& l, const Holiday& r) { return l.date < r.date; });
  return out;
}

std::vector<EarlyClose> MarketCalendar::early_closes(int year) const {
  const auto closed = holidays(year);
  auto is_closed = [&](year_month_day d) {
    return std::any_of(closed.begin(), closed.end(), [&](const Holiday& h) { return h.date == d; });
  };
  std::vector<EarlyClose> out;
  for (auto e : nyse::early_closes(year)) {
    if (is_closed(e.date)) continue;  // a config closure wins over an early close
    // Never later than the configured close (a config may close the whole day earlier).
    e.close = std::min(e.close, hours_.close);
    out.push_back(std::move(e));
  }
  for (const auto& [day, close] : hours_.extra_early_closes) {
    const year_month_day d{day};
    if (year_of(d) != year || is_weekend(d) || is_closed(d)) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const EarlyClose& e) { return e.date == d; });
    if (it != out.end()) {
      it->close = close;
    } else {
      out.push_back({d, close, kExtraEarlyClose});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const EarlyClose& l, const EarlyClose& r) { return l.date < r.date; });
  return out;
}

MarketCalendar::DayInfo MarketCalendar::day_info(year_month_day day, YearRules& cache) const {
  DayInfo info;
  if (is_weekend(day)) {
    info.closed_reason = "weekend";
    return info;
  }
  if (!cache.loaded || cache.year != year_of(day)) {
    cache.loaded = true;
    cache.year = year_of(day);
    cache.closed = holidays(cache.year);
    cache.early = early_closes(cache.year);
  }
  for (const auto& h : cache.closed) {
    if (h.date == day) {
      info.closed_reason = h.name;
      return info;
    }
  }
  for (const auto& e : cache.early) {
    if (e.date == day) info.early = e;
  }
  return info;
}

MarketCalendar::DayInfo MarketCalendar::day_info(year_month_day day) const {
  YearRules cache;
  return day_info(day, cache);
}

bool MarketCalendar::is_trading_day(year_month_day day) const {
  return day_info(day).closed_reason.empty();
}

std::optional<std::string> MarketCalendar::closure_reason(year_month_day day) const {
  auto info = day_info(day);
  if (info.closed_reason.empty()) return std::nullopt;
  return info.closed_reason;
}

std::optional<EarlyClose> MarketCalendar::early_close(year_month_day day) const {
  return day_info(day).early;
}

TimeOfDay MarketCalendar::close_of(const DayInfo& info) const {
  return info.early ? std::min(info.early->close, hours_.close) : hours_.close;
}

TimeOfDay MarketCalendar::post_close_of(const DayInfo& info) const {
  if (!info.early) return hours_.post_market_close;
  return std::max(close_of(info), std::min(hours_.post_market_close, kEarlyPostClose));
}

TimeOfDay MarketCalendar::regular_close(year_month_day day) const {
  return close_of(day_info(day));
}

TimeOfDay MarketCalendar::post_close(year_month_day day) const {
  return post_close_of(day_info(day));
}

std::optional<WallTime> MarketCalendar::data_instant(std::string_view text) const {
  if (auto with_offset = parse_iso8601(text)) return *with_offset;
  if (auto day = parse_date(text)) return zone_.at(*day, regular_close(*day));
  // No offset: parse_db_time reads the wall clock as if it were UTC; place it in our zone.
  const auto wall = parse_db_time(text);
  if (!wall) return std::nullopt;
  const auto midnight = std::chrono::floor<std::chrono::days>(*wall);
  const auto since = std::chrono::floor<Seconds>(*wall - midnight);
  return zone_.at(year_month_day{midnight}, TimeOfDay{since}) + (*wall - midnight - since);
}

std::optional<Window> MarketCalendar::window(year_month_day day, SessionKind session,
                                             const DayInfo& info) const {
  if (!info.closed_reason.empty()) return std::nullopt;
  if (session == SessionKind::Regular) {
    return Window{zone_.at(day, hours_.open), zone_.at(day, close_of(info))};
  }
  return Window{zone_.at(day, hours_.pre_market_open), zone_.at(day, post_close_of(info))};
}

std::optional<Window> MarketCalendar::window(year_month_day day, SessionKind session) const {
  return window(day, session, day_info(day));
}

SessionState MarketCalendar::session_at(WallTime t) const {
  SessionState state;
  state.trading_date = zone_.date_of(t);
  const DayInfo info = day_info(state.trading_date);
  if (!info.closed_reason.empty()) {
    state.reason = info.closed_reason;
    return state;
  }
  const Window regular = *window(state.trading_date, SessionKind::Regular, info);
  const Window extended = *window(state.trading_date, SessionKind::Extended, info);
  if (t < extended.start) {
    state.reason = "before pre-market";
  } else if (t < regular.start) {
    state.session = MarketSession::Pre;
    state.reason = "pre-market session";
  } else if (t < regular.end) {
    state.session = MarketSession::Regular;
  } else if (t < extended.end) {
    state.session = MarketSession::Post;
    state.reason = "post-market session";
  } else {
    state.reason = "after hours";
  }
  return state;
}

WallTime MarketCalendar::next_boundary(WallTime t, bool open) const {
  // Every NYSE week has trading days; only a long run of config closures could delay the
  // next one past a year, so the scan is bounded by that.
  const auto limit = days{400} + days{static_cast<long>(hours_.extra_closures.size())};
  YearRules cache;
  const sys_days first{zone_.date_of(t)};
  for (sys_days d = first; d <= first + limit; d += days{1}) {
    const year_month_day day{d};
    const DayInfo info = day_info(day, cache);
    if (const auto w = window(day, SessionKind::Regular, info)) {
      const WallTime at = open ? w->start : w->end;
      if (at > t) return at;
    }
  }
  return t + limit;
}

WallTime MarketCalendar::next_open(WallTime t) const { return next_boundary(t, true); }

WallTime MarketCalendar::next_close(WallTime t) const { return next_boundary(t, false); }

Millis MarketCalendar::market_time_between(WallTime from, WallTime to, SessionKind session) const {
  Millis total{0};
  if (to <= from) return total;
  // Each window lies inside its own local date, so only the dates from..to can overlap.
  YearRules cache;
  const sys_days last{zone_.date_of(to)};
  for (sys_days d{zone_.date_of(from)}; d <= last; d += days{1}) {
    const year_month_day day{d};
    const auto w = window(day, session, day_info(day, cache));
    if (!w) continue;
    const WallTime start = std::max(w->start, from);
    const WallTime end = std::min(w->end, to);
    if (end > start) total += end - start;
  }
  return total;
}

std::string format_iso_local(const Zone& zone, WallTime t) {
  const auto zoned = date::make_zoned(date::locate_zone(zone.name()), floor<seconds>(t));
  return date::format("%Y-%m-%dT%H:%M:%S%Ez", zoned);
}

std::string format_local_minute(const Zone& zone, WallTime t) {
  const auto zoned = date::make_zoned(date::locate_zone(zone.name()), floor<minutes>(t));
  return date::format("%Y-%m-%d %H:%M %Z", zoned);
}

bool is_daily_day(DailyDays days, const MarketCalendar& calendar, std::chrono::year_month_day day) {
  const std::chrono::weekday wd{std::chrono::sys_days{day}};
  switch (days) {
    case DailyDays::All: return true;
    case DailyDays::Weekdays: return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
    case DailyDays::Trading: return calendar.is_trading_day(day);
  }
  return true;
}

Millis daily_time_between(DailyDays days, const MarketCalendar& calendar, WallTime from,
                          WallTime to) {
  if (to <= from) return Millis{0};
  Millis total = to - from;
  const Zone& zone = calendar.zone();
  const auto last = std::chrono::sys_days{zone.date_of(to)};
  for (auto day = std::chrono::sys_days{zone.date_of(from)}; day <= last;
       day += std::chrono::days{1}) {
    const std::chrono::year_month_day ymd{day};
    if (is_daily_day(days, calendar, ymd)) continue;
    const WallTime start = std::max(from, zone.at(ymd, TimeOfDay{}));
    const WallTime end =
        std::min(to, zone.at(std::chrono::year_month_day{day + std::chrono::days{1}}, TimeOfDay{}));
    if (end > start) total -= end - start;
  }
  return total;
}

}  // namespace orch
