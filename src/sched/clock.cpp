#include "orchestrator/sched/clock.h"

namespace orch {
namespace {

// The real wall clock in milliseconds since the epoch; shifting happens in milliseconds only.
Millis system_millis() {
  return std::chrono::floor<Millis>(std::chrono::system_clock::now().time_since_epoch());
}

}  // namespace

SystemClock::SystemClock(std::optional<WallTime> start) {
  if (start) offset_ = start->time_since_epoch() - system_millis();
}

WallTime SystemClock::now() const { return WallTime{system_millis() + offset_}; }

MonoTime SystemClock::mono() const { return std::chrono::steady_clock::now(); }

}  // namespace orch
