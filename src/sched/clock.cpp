#include "orchestrator/sched/clock.h"

namespace orch {

SystemClock::SystemClock(std::optional<WallTime> start) {
  if (start) offset_ = *start - std::chrono::system_clock::now();
}

WallTime SystemClock::now() const {
  return std::chrono::floor<Millis>(std::chrono::system_clock::now() + offset_);
}

MonoTime SystemClock::mono() const { return std::chrono::steady_clock::now(); }

}  // namespace orch
