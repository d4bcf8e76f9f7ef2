#pragma once
// The pipeline's time zone (tz database through Howard Hinnant's date): calendar dates and
// local times of day turned into UTC instants and back, DST-correct.
#include <chrono>
#include <string>

#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace date {
class time_zone;
}

namespace orch {

class Zone {
 public:
  static Expected<Zone> locate(const std::string& name);

  const std::string& name() const { return name_; }
  // The calendar date at `t` in this zone (the trading date of a daily run).
  std::chrono::year_month_day date_of(WallTime t) const;
  // The instant `time` on `day` in this zone. A time skipped by a DST change maps to the
  // instant the gap ends; a repeated one to its first occurrence: so each happens once.
  WallTime at(std::chrono::year_month_day day, TimeOfDay time) const;
  // Local time of day of `t`, "HH:MM:SS".
  std::string local_clock(WallTime t) const;
  // "2026-11-21 09:30:00 EST"
  std::string local_datetime(WallTime t) const;

 private:
  Zone(const date::time_zone* tz, std::string name) : tz_(tz), name_(std::move(name)) {}
  const date::time_zone* tz_;
  std::string name_;
};

}  // namespace orch
