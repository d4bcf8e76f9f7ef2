#include "orchestrator/calendar/zone.h"

#include <date/tz.h>

namespace orch {

Expected<Zone> Zone::locate(const std::string& name) {
  try {
    return Zone(date::locate_zone(name), name);
  } catch (const std::exception& e) {
    return make_error("unknown time zone '" + name + "': " + e.what());
  }
}

std::chrono::year_month_day Zone::date_of(WallTime t) const {
  auto local = tz_->to_local(t);
  auto days = date::floor<date::days>(local);
  return std::chrono::year_month_day{std::chrono::sys_days{days.time_since_epoch()}};
}

WallTime Zone::at(std::chrono::year_month_day day, TimeOfDay time) const {
  const auto sys = std::chrono::sys_days{day};
  const date::local_seconds local{sys.time_since_epoch() + time.since_midnight};
  return std::chrono::time_point_cast<Millis>(tz_->to_sys(local, date::choose::earliest));
}

std::string Zone::local_clock(WallTime t) const {
  return date::format("%H:%M:%S", date::floor<std::chrono::seconds>(tz_->to_local(t)));
}

std::string Zone::local_datetime(WallTime t) const {
  return date::format("%Y-%m-%d %H:%M:%S %Z",
                      date::make_zoned(tz_, date::floor<std::chrono::seconds>(t)));
}

}  // namespace orch
