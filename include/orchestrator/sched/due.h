#pragma once
// When an intraday task is due: it never ran, or its interval has passed since its last start.
// A pass started from outside (`--intraday --once` from a timer or cron) allows a 5% tolerance,
// so a timer firing every minute, a little early, runs a 1-minute task every time, never every
// other time. The resident runner keeps the cadence itself: the full interval, no tolerance.
#include <optional>

#include "orchestrator/util/time.h"

namespace orch {

constexpr int kDueTolerancePercent = 5;

// Who keeps the cadence: an outside timer (one pass per firing) or the resident runner.
enum class Cadence { Timer, Resident };

// The earliest instant a task that last started at `last_start` is due again.
inline WallTime next_due(WallTime last_start, Millis interval, Cadence cadence = Cadence::Timer) {
  if (cadence == Cadence::Resident) return last_start + interval;
  return last_start + interval - interval * kDueTolerancePercent / 100;
}

inline bool is_due(std::optional<WallTime> last_start, Millis interval, WallTime now,
                   Cadence cadence = Cadence::Timer) {
  return !last_start || now >= next_due(*last_start, interval, cadence);
}

// The last start a runner that stays up should count from: a start in the future means the
// wall clock was stepped back since, and the interval then counts from now (no extra run at
// once, and no stall until the wall clock catches up with the old start).
inline WallTime clamp_last_start(WallTime last_start, WallTime now) {
  return last_start > now ? now : last_start;
}

}  // namespace orch
