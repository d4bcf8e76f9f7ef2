#pragma once
// When an intraday task is due: it never ran, or at least its interval has passed since its
// last start, less a 5% tolerance (so a timer firing every minute runs a 1-minute task
// every time, never every other time).
#include <optional>

#include "orchestrator/util/time.h"

namespace orch {

constexpr int kDueTolerancePercent = 5;

// The earliest instant a task that last started at `last_start` is due again.
inline WallTime next_due(WallTime last_start, Millis interval) {
  return last_start + interval - interval * kDueTolerancePercent / 100;
}

inline bool is_due(std::optional<WallTime> last_start, Millis interval, WallTime now) {
  return !last_start || now >= next_due(*last_start, interval);
}

}  // namespace orch
