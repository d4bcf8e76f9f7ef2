// Wall-clock steps (NTP, a bad RTC, a resumed VM) seen by the daily Runner, on a FakeClock
// whose jump_wall moves the wall clock and not the monotonic one (the intraday loop's cases
// are in test_intraday_loop.cpp). The real process engine's
// timeouts are checked against a stepped clock in tests/integration/test_clock_faults.py.
#include <doctest/doctest.h>

#include <vector>

#include "fakes.h"
#include "orchestrator/sched/runner.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono_literals;

namespace {

// The fake process set, with a wall-clock step made at the start of its n-th wait.
class SteppingRunner final : public ProcessRunner {
 public:
  SteppingRunner(FakeClock& clock, int at_wait, Millis step)
      : clock_(clock), inner_(clock), at_wait_(at_wait), step_(step) {}
  Expected<ProcessId> start(const ProcessRequest& r) override { return inner_.start(r); }
  std::vector<ProcessCompletion> wait(Millis max_wait) override {
    if (++waits_ == at_wait_) clock_.jump_wall(step_);
    max_waits.push_back(max_wait);
    return inner_.wait(max_wait);
  }
  int stop_signal() const override { return inner_.stop_signal(); }
  std::vector<ProcessCompletion> stop_all() override { return inner_.stop_all(); }
  std::size_t running() const override { return inner_.running(); }
  const std::vector<FakeProcessRunner::StartEvent>& starts() const { return inner_.starts; }
  std::vector<Millis> max_waits;

 private:
  FakeClock& clock_;
  FakeProcessRunner inner_;
  int at_wait_;
  Millis step_;
  int waits_ = 0;
};

struct Run {
  FakeClock clock{T0};
  FakeRecorder recorder;
  CollectingSink sink;

  // One task, not before `not_before`; a wall step of `step` at the first wait.
  std::pair<WallTime, MonoTime> start_of(WallTime not_before, Millis step) {
    SteppingRunner procs(clock, 1, step);
    PlanTask t = plan_task("A", 0);
    t.not_before = not_before;
    Plan plan({t}, 1);
    Runner r(plan, procs, recorder, sink, clock, 1, [&](int, int) {
      Launch l;
      l.request.task_name = "A";
      l.request.argv = {"/bin/A"};
      l.scheduled_at = not_before;
      return l;
    });
    const MonoTime mono0 = clock.mono();
    r.run();
    REQUIRE(procs.starts().size() == 1);
    // every sleep is bounded, so a step is noticed within Runner::kMaxSleep
    for (Millis w : procs.max_waits) CHECK(w <= Runner::kMaxSleep);
    return {procs.starts()[0].at, MonoTime{} + (clock.mono() - mono0)};
  }
};

}  // namespace

TEST_CASE("daily: a forward step past a not-before time starts the task at the next wake-up") {
  Run run;
  const auto [wall, mono] = run.start_of(T0 + 10min, +1h);
  // the first sleep (30 s at most) ends, the clock now reads past 09:40: it starts, once
  CHECK(wall == T0 + 1h + Runner::kMaxSleep);
  CHECK(mono - MonoTime{} == Runner::kMaxSleep + 1s);  // that sleep, then the 1 s task
  CHECK(run.recorder.events == std::vector<std::string>{"start A 1", "end A SUCCESS final"});
}

TEST_CASE("daily: a backward step makes a not-before time wait for the wall clock") {
  Run run;
  const auto [wall, mono] = run.start_of(T0 + 10s, -1h);
  // a not-before time is about the data being there: it is wall time, never early
  CHECK(wall >= T0 + 10s);
  CHECK(wall < T0 + 10s + Runner::kMaxSleep);
  CHECK(mono - MonoTime{} >= 1h + 10s);
}
