#pragma once
// Where "now" comes from. The real clock may be shifted (--now): it then starts at the given
// instant and advances in real time. Deadlines use the monotonic reading, never wall time.
#include <optional>

#include "orchestrator/util/time.h"

namespace orch {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime now() const = 0;   // the (possibly shifted) wall clock, UTC
  virtual MonoTime mono() const = 0;  // monotonic; only differences mean anything
};

class SystemClock final : public Clock {
 public:
  // With `start`, now() reads `start` at construction and advances in real time from there.
  // Any WallTime can be a start: the shift is kept in milliseconds (the system clock's
  // nanoseconds span only the years 1678-2262, and a later start would wrap around).
  explicit SystemClock(std::optional<WallTime> start = std::nullopt);
  WallTime now() const override;
  MonoTime mono() const override;

 private:
  Millis offset_{0};
};

// A clock that moves only when told to: unit tests never sleep.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(WallTime start) : wall_(start) {}
  WallTime now() const override { return wall_; }
  MonoTime mono() const override { return MonoTime{} + elapsed_; }
  void advance(Millis d) {
    wall_ += d;
    elapsed_ += d;
  }
  void jump_wall(Millis d) { wall_ += d; }  // a wall-clock step; monotonic time unaffected

 private:
  WallTime wall_;
  Millis elapsed_{0};
};

}  // namespace orch
