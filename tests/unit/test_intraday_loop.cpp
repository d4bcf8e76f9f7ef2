// sched/intraday_loop: the intraday scheduler's due selection, session gating, clamp of
// future last starts, wake computation and loop, on the FakeClock and FakeProcessRunner
// (a sleep is a FakeProcessRunner::wait, which advances the clock; nothing sleeps).
#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "fakes.h"
#include "helpers.h"
#include "orchestrator/sched/due.h"
#include "orchestrator/sched/intraday_loop.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

TaskSpec intraday(std::string name, Seconds interval, bool market_hours_only = false,
                  SessionKind session = SessionKind::Regular) {
  TaskSpec t;
  t.name = std::move(name);
  t.schedule = Schedule::Intraday;
  t.interval = interval;
  t.market_hours_only = market_hours_only;
  t.session = session;
  return t;
}

// Keeps each pass's instant and due tasks; stops the loop (a SIGTERM) after `stop_after` runs.
class RecordingPass final : public IntradayPass {
 public:
  RecordingPass(FakeClock& clock, FakeProcessRunner& procs, std::size_t stop_after)
      : clock_(clock), procs_(procs), stop_after_(stop_after) {}
  struct Pass {
    WallTime at;
    std::vector<std::string> tasks;
  };
  std::vector<Pass> runs;
  int idles = 0;
  std::function<Result(std::size_t)> result = [](std::size_t) { return Result{}; };

  Result run(const std::vector<const TaskSpec*>& due, WallTime now) override {
    Pass p{now, {}};
    for (const TaskSpec* t : due) p.tasks.push_back(t->name);
    runs.push_back(p);
    clock_.advance(1s);  // the tasks take a second
    if (runs.size() >= stop_after_) procs_.signal_at = clock_.now();
    return result(runs.size());
  }
  void idle(WallTime) override { ++idles; }

  std::vector<WallTime> times() const {
    std::vector<WallTime> out;
    for (const auto& p : runs) out.push_back(p.at);
    return out;
  }

 private:
  FakeClock& clock_;
  FakeProcessRunner& procs_;
  std::size_t stop_after_;
};

struct Loop {
  explicit Loop(std::vector<TaskSpec> specs, WallTime start = T0, std::size_t stop_after = 20)
      : clock(start), procs(clock), pass(clock, procs, stop_after), tasks(std::move(specs)) {}
  IntradayOutcome run(bool once = false, Millis max_sleep = 10s,
                      std::map<std::string, WallTime> last = {}) {
    std::vector<const TaskSpec*> selected;
    for (const auto& t : tasks) selected.push_back(&t);
    IntradayScheduler s(calendar, selected, std::move(last));
    return s.run(clock, procs, pass, once, max_sleep);
  }
  // Steps the wall clock by `step` at the start of the `nth` sleep.
  void step_at_sleep(int nth, Millis step) {
    procs.before_start_or_wait = [this, nth, step, n = 0]() mutable {
      if (++n == nth) {
        clock.jump_wall(step);
        stepped_at = clock.now();
      }
    };
  }
  FakeClock clock;
  FakeProcessRunner procs;
  RecordingPass pass;
  std::vector<TaskSpec> tasks;
  MarketCalendar calendar = nyse_calendar();
  WallTime stepped_at{};
};

std::vector<Millis> gaps(const std::vector<WallTime>& times) {
  std::vector<Millis> out;
  for (std::size_t i = 1; i < times.size(); ++i)
    out.push_back(duration_cast<Millis>(times[i] - times[i - 1]));
  return out;
}

}  // namespace

TEST_CASE("intraday loop: a task runs at once, then every full interval, until the stop signal") {
  Loop loop({intraday("A", 60s)}, T0, 4);
  const IntradayOutcome out = loop.run();
  CHECK(out.stop_signal == 15);
  CHECK(out.passes_run == 4);
  CHECK_FALSE(out.any_failed);
  // due again 60 s after each start (the 5% tolerance is for timer passes, not the loop's
  // cadence); the loop wakes exactly then (sleeps of at most 10 s)
  CHECK(loop.pass.times() == std::vector<WallTime>{T0, T0 + 60s, T0 + 120s, T0 + 180s});
  CHECK(loop.pass.idles > 0);  // the 10 s wake-ups in between found nothing due
}

TEST_CASE("intraday loop: a single pass allows the timer's 5% tolerance, the loop does not") {
  // A 60 s task last started 58 s ago: a timer pass (a minute timer firing 2 s early) runs it,
  // the resident loop waits for the full minute.
  Loop timer({intraday("A", 60s)});
  timer.run(true, 10s, {{"A", T0 - 58s}});
  CHECK(timer.pass.runs.size() == 1);

  Loop resident({intraday("A", 60s)}, T0, 1);
  resident.run(false, 10s, {{"A", T0 - 58s}});
  CHECK(resident.pass.times() == std::vector<WallTime>{T0 + 2s});
}

TEST_CASE("intraday loop: once runs one pass and never sleeps") {
  Loop loop({intraday("A", 60s), intraday("B", 300s)});
  // B started 100 s ago: not due; A never ran: due
  const IntradayOutcome out = loop.run(true, 10s, {{"B", T0 - 100s}});
  CHECK(out.passes_run == 1);
  CHECK(out.stop_signal == 0);
  REQUIRE(loop.pass.runs.size() == 1);
  CHECK(loop.pass.runs[0].tasks == std::vector<std::string>{"A"});

  Loop idle({intraday("A", 60s)});
  const IntradayOutcome none = idle.run(true, 10s, {{"A", T0 - 10s}});
  CHECK(none.passes_run == 0);
  CHECK(idle.pass.idles == 1);
  CHECK(idle.clock.now() == T0);  // no sleep
}

TEST_CASE("intraday loop: a failed pass goes on, an aborting pass ends the loop with its code") {
  Loop failing({intraday("A", 60s)}, T0, 3);
  failing.pass.result = [](std::size_t n) { return IntradayPass::Result{n == 1, std::nullopt}; };
  const IntradayOutcome f = failing.run();
  CHECK(f.any_failed);
  CHECK(f.passes_run == 3);

  Loop aborting({intraday("A", 60s)}, T0, 10);
  aborting.pass.result = [](std::size_t n) {
    return n == 2 ? IntradayPass::Result{false, 74} : IntradayPass::Result{};
  };
  const IntradayOutcome a = aborting.run();
  CHECK(a.abort_code == 74);
  CHECK(a.stop_signal == 0);
  CHECK(aborting.pass.runs.size() == 2);
}

TEST_CASE("intraday loop: after a forward step each task runs once, no burst of catch-up runs") {
  Loop loop({intraday("A", 60s)}, T0, 12);
  loop.step_at_sleep(20, +3h);  // in the fourth interval
  loop.run();
  const auto times = loop.pass.times();
  REQUIRE(times.size() == 12);
  int step_gaps = 0;
  for (Millis g : gaps(times)) {
    if (g > 1h) {
      ++step_gaps;
    } else {
      CHECK(g == 60s);
    }
  }
  CHECK(step_gaps == 1);
  // the first run after the step is the first pass after it (one sleep of at most 10 s)
  for (WallTime t : times) {
    if (t > loop.stepped_at - 1h) {
      CHECK(t - loop.stepped_at <= 10s);
      break;
    }
  }
}

TEST_CASE("intraday loop: after a backward step nothing runs extra and nothing stalls") {
  Loop loop({intraday("A", 60s)}, T0, 10);
  loop.step_at_sleep(26, -1h);
  loop.run();
  const auto times = loop.pass.times();
  REQUIRE(times.size() == 10);
  std::vector<WallTime> after;
  for (WallTime t : times) {
    if (t < T0) after.push_back(t);
  }
  REQUIRE(after.size() >= 2);
  // the interval counts from the first pass after the step (the clamp): one interval later,
  // not at once and not an hour later; then every 60 s again
  const WallTime first_pass = loop.stepped_at + 10s;
  CHECK(after.front() - loop.stepped_at > 60s - 1s);
  CHECK(after.front() <= first_pass + 60s);
  for (Millis g : gaps(after)) CHECK(g == 60s);
  CHECK(times.size() - after.size() == 5);  // 0, 60, 120, 180, 240 s before the step
}

TEST_CASE("intraday loop: a stepped-back clock clamps a last start in the future") {
  Loop loop({intraday("A", 60s)});
  std::vector<const TaskSpec*> sel{&loop.tasks[0]};
  IntradayScheduler s(loop.calendar, sel, {{"A", T0 + 1h}});
  CHECK(s.due(T0).empty());  // clamped to now: counts from now, not due at once
  CHECK(s.last_start("A") == T0);
  CHECK(s.next_wake(T0) == T0 + 57s);
  CHECK(s.due(T0 + 57s).size() == 1);
}

TEST_CASE("intraday loop: one pass forgets a last start in the future, so the task runs") {
  // A timer's --intraday --once is a new process each minute: clamping would read the same
  // future start every time and stall the task until the clock caught up.
  Loop loop({intraday("A", 60s), intraday("B", 60s)});
  std::vector<const TaskSpec*> sel{&loop.tasks[0], &loop.tasks[1]};
  IntradayScheduler s(loop.calendar, sel, {{"A", T0 + 1h}, {"B", T0 - 10s}});
  const auto forgotten = s.forget_future_starts(T0);
  REQUIRE(forgotten.size() == 1);
  CHECK(forgotten.front().first == "A");
  CHECK(forgotten.front().second == T0 + 1h);
  const auto due = s.due(T0);
  REQUIRE(due.size() == 1);
  CHECK(due.front()->name == "A");  // B ran 10 s ago: not due
}

TEST_CASE("intraday loop: market-hours tasks wait for the open and stop at the close") {
  // Friday 2026-01-16 after the close; Monday the 19th is MLK Day: next open Tuesday 09:30 EST
  const WallTime friday_evening = utc(2026, 1, 16, 22, 0);
  const WallTime tuesday_open = utc(2026, 1, 20, 14, 30);
  const WallTime tuesday_close = utc(2026, 1, 20, 21, 0);
  Loop loop({intraday("R", 1800s, true)}, friday_evening, 15);
  loop.run(false, 1h);
  const auto times = loop.pass.times();
  REQUIRE(times.size() == 15);
  CHECK(times.front() == tuesday_open);  // woken at the open itself, not up to an hour late
  // every 30 minutes while open: 13 runs on Tuesday, the last before the close
  for (std::size_t i = 0; i < 13; ++i) {
    CHECK(times[i] == tuesday_open + i * 1800s);
    CHECK(times[i] < tuesday_close);
  }
  CHECK(times[13] == utc(2026, 1, 21, 14, 30));  // then Wednesday's open
}

TEST_CASE(
    "intraday loop: extended-session tasks run in pre- and post-market, regular ones do not") {
  const MarketCalendar cal = nyse_calendar();
  const TaskSpec reg = intraday("R", 60s, true, SessionKind::Regular);
  const TaskSpec ext = intraday("E", 60s, true, SessionKind::Extended);
  const TaskSpec any = intraday("X", 60s, false);
  const WallTime pre = utc(2026, 1, 20, 12, 0);  // 07:00 EST
  CHECK_FALSE(in_session(cal, reg, pre));
  CHECK(in_session(cal, ext, pre));
  CHECK(in_session(cal, any, pre));
  // Saturday: the extended window starts Monday 04:00 EST; the regular one Monday 09:30
  const WallTime saturday = utc(2026, 1, 24, 15, 0);
  CHECK(next_session_start(cal, ext, saturday) == utc(2026, 1, 26, 9, 0));
  CHECK(next_session_start(cal, reg, saturday) == utc(2026, 1, 26, 14, 30));

  std::vector<const TaskSpec*> sel{&reg, &ext};
  IntradayScheduler s(cal, sel, {});
  CHECK(s.due(saturday).empty());
  CHECK(s.next_wake(saturday) == utc(2026, 1, 26, 9, 0));  // the earlier of the two
  const auto due_pre = s.due(pre);
  REQUIRE(due_pre.size() == 1);
  CHECK(due_pre[0]->name == "E");

  IntradayScheduler none(cal, {}, {});
  CHECK(none.next_wake(saturday) == saturday + 24h);
}

TEST_CASE(
    "intraday: a market-hours task's trading date is that of the latest session that opened") {
  const MarketCalendar cal = nyse_calendar();
  const TaskSpec reg = intraday("R", 60s, true, SessionKind::Regular);
  const TaskSpec ext = intraday("E", 60s, true, SessionKind::Extended);
  const TaskSpec any = intraday("X", 60s, false);
  auto date = [&](const TaskSpec& t, WallTime now) {
    return format_date(session_date(cal, t, now));
  };
  // Saturday 2026-01-24: Friday's session
  CHECK(date(reg, utc(2026, 1, 24, 15, 0)) == "2026-01-23");
  CHECK(date(ext, utc(2026, 1, 24, 15, 0)) == "2026-01-23");
  CHECK(date(any, utc(2026, 1, 24, 15, 0)) == "2026-01-24");  // no session: the local date
  // Tuesday 2026-01-20 07:00 EST, after MLK Day: the extended session has opened today, the
  // regular one has not (the latest is Friday the 16th's)
  CHECK(date(ext, utc(2026, 1, 20, 12, 0)) == "2026-01-20");
  CHECK(date(reg, utc(2026, 1, 20, 12, 0)) == "2026-01-16");
  // inside and after today's session: today
  CHECK(date(reg, utc(2026, 1, 20, 15, 0)) == "2026-01-20");
  CHECK(date(reg, utc(2026, 1, 21, 2, 0)) == "2026-01-20");  // 21:00 EST
}
