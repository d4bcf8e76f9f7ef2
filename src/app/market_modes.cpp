// --market-status and --calendar YEAR: read-only modes over the MarketCalendar; they open
// no database and run nothing. Times are shown in the pipeline's zone.
#include "orchestrator/app/market_modes.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/calendar/market_calendar.h"

namespace orch {

namespace {

constexpr int kFirstYear = 1990;
constexpr int kLastYear = 2200;

// Loads the pipeline (config, zone; `clock` is the caller's) and builds its calendar; logs why not.
struct Loaded {
  Pipeline pipeline;
  MarketCalendar calendar;
};
std::optional<Loaded> load(const GlobalOptions& global, const Clock& clock) {
  auto pipeline = load_pipeline(global, false, clock);
  if (!pipeline) return std::nullopt;
  auto calendar = MarketCalendar::create(pipeline->config.market_hours, pipeline->zone);
  if (!calendar) {
    spdlog::error("{}: {}", global.config.string(), calendar.error().message);
    return std::nullopt;
  }
  return Loaded{std::move(*pipeline), std::move(*calendar)};
}

std::string_view weekday_name(std::chrono::year_month_day d) {
  static constexpr std::string_view kNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return kNames[std::chrono::weekday{std::chrono::sys_days{d}}.c_encoding()];
}

// " (early close 13:00: day after Thanksgiving)" when `day` closes early, else "".
std::string early_note(const MarketCalendar& cal, std::chrono::year_month_day day) {
  const auto early = cal.early_close(day);
  if (!early) return "";
  return fmt::format(" (early close {}: {})", format_time_of_day(cal.regular_close(day)),
                     early->name);
}

}  // namespace

std::string market_status_json(const MarketCalendar& cal, WallTime now, int indent) {
  const Zone& zone = cal.zone();
  const SessionState state = cal.session_at(now);
  // Only the regular session counts as open, for the flag and the exit code alike: pre- and
  // post-market trading is thin and is not "the market is open" to a cron job asking.
  const bool open = state.session == MarketSession::Regular;
  nlohmann::ordered_json out = {
      {"now", format_iso_local(zone, now)},
      {"open", open},
      {"session", std::string(to_string(state.session))},
      {"reason", open ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(state.reason)},
      {"trading_date", format_date(state.trading_date)},
      {"next_open", format_iso_local(zone, cal.next_open(now))},
      {"next_close", format_iso_local(zone, cal.next_close(now))},
  };
  return out.dump(indent);
}

int run_market_status(const GlobalOptions& global, bool json) {
  const SystemClock system_clock(global.now);
  auto loaded = load(global, system_clock);
  if (!loaded) return exit_code::kUsage;
  const MarketCalendar& cal = loaded->calendar;
  const Zone& zone = cal.zone();
  const WallTime now = loaded->pipeline.clock->now();
  const SessionState state = cal.session_at(now);
  const WallTime next_open = cal.next_open(now);
  const bool open = state.session == MarketSession::Regular;  // as market_status_json says

  if (json) {
    fmt::print("{}\n", market_status_json(cal, now, 2));
  } else if (open) {
    const auto early = cal.early_close(state.trading_date);
    fmt::print("Market OPEN (regular session) at {}; closes {}{}\n", zone.local_datetime(now),
               format_time_of_day(cal.regular_close(state.trading_date)),
               early ? fmt::format(" (early close: {})", early->name) : std::string());
  } else {
    // Pre and post sessions say when they end: "post-market session until 17:00".
    std::string why = state.reason;
    if (state.session == MarketSession::Pre) {
      why += " until " + format_time_of_day(cal.hours().open);
    } else if (state.session == MarketSession::Post) {
      why += " until " + format_time_of_day(cal.post_close(state.trading_date));
    }
    fmt::print("Market CLOSED ({}) at {}; next open {}{}\n", why, zone.local_datetime(now),
               format_local_minute(zone, next_open), early_note(cal, zone.date_of(next_open)));
  }
  return open ? exit_code::kOk : exit_code::kFailed;
}

int run_calendar(const GlobalOptions& global, int year, bool json) {
  if (year < kFirstYear || year > kLastYear) {
    spdlog::error("--calendar: year {} is outside {}..{}", year, kFirstYear, kLastYear);
    return exit_code::kUsage;
  }
  const SystemClock system_clock(global.now);
  auto loaded = load(global, system_clock);
  if (!loaded) return exit_code::kUsage;
  const MarketCalendar& cal = loaded->calendar;
  const auto holidays = cal.holidays(year);
  const auto early = cal.early_closes(year);

  if (json) {
    nlohmann::ordered_json h = nlohmann::ordered_json::array(), e = nlohmann::ordered_json::array();
    for (const auto& d : holidays) h.push_back({{"date", format_date(d.date)}, {"name", d.name}});
    for (const auto& d : early) {
      e.push_back({{"date", format_date(d.date)},
                   {"close", format_time_of_day(d.close)},
                   {"name", d.name}});
    }
    nlohmann::ordered_json out = {
        {"year", year}, {"calendar", cal.hours().calendar}, {"holidays", h}, {"early_closes", e}};
    fmt::print("{}\n", out.dump(2));
    return exit_code::kOk;
  }
  fmt::print("{} calendar {} ({}; regular session {}-{})\n\n", cal.hours().calendar, year,
             cal.zone().name(), format_time_of_day(cal.hours().open),
             format_time_of_day(cal.hours().close));
  fmt::print("Holidays ({}):\n", holidays.size());
  for (const auto& d : holidays) {
    fmt::print("  {}  {}  {}\n", format_date(d.date), weekday_name(d.date), d.name);
  }
  fmt::print("\nEarly closes ({}):\n", early.size());
  if (early.empty()) fmt::print("  none\n");
  for (const auto& d : early) {
    fmt::print("  {}  {}  {}  {}\n", format_date(d.date), weekday_name(d.date),
               format_time_of_day(d.close), d.name);
  }
  return exit_code::kOk;
}

}  // namespace orch
