#pragma once
// The intraday scheduler: which intraday tasks are due at a pass (never run, or their interval
// elapsed since their last start: less 5% for a single pass from a timer, the full interval
// in the resident loop; inside their market session when market_hours_only), the clamp of last
// starts a stepped-back wall clock left in the future, when to wake next, and the loop of
// passes that sleeps through ProcessRunner::wait and ends on a stop signal. What a pass does
// with its due tasks (the run row, the Runner, alerts) is the caller's: IntradayPass.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/config/config.h"
#include "orchestrator/sched/clock.h"
#include "orchestrator/sched/due.h"
#include "orchestrator/sched/process_runner.h"

namespace orch {

// Whether `task` may run at `now`: always, or inside its session when market_hours_only.
bool in_session(const MarketCalendar& calendar, const TaskSpec& task, WallTime now);

// The next instant the task's session begins (its window on a later trading day if needed).
WallTime next_session_start(const MarketCalendar& calendar, const TaskSpec& task, WallTime now);

// The trading date an intraday task works for at `now` (its ORCHESTRATOR_TRADING_DATE): for
// a market_hours_only task, the date of the latest session of its kind that has opened by
// `now` (today's inside or after it; the previous trading day's before it, on a weekend or a
// holiday), so a repair run outside the session collects for the last session, not for a day
// without one; for any other task, the local date of `now`.
std::chrono::year_month_day session_date(const MarketCalendar& calendar, const TaskSpec& task,
                                         WallTime now);

// The work of one pass, injected by the mode.
class IntradayPass {
 public:
  struct Result {
    bool failed = false;            // a task failed or was skipped: the loop goes on
    std::optional<int> abort_code;  // end the loop now with this exit code (store error, signal)
  };
  virtual ~IntradayPass() = default;
  // Runs the due tasks (in the order of the selection), all counted as started at `now`.
  virtual Result run(const std::vector<const TaskSpec*>& due, WallTime now) = 0;
  // A pass found nothing due.
  virtual void idle(WallTime /*now*/) {}
  // A one-pass run found `task`'s last start after `now` (the clock was stepped back) and
  // counts it as due (IntradayScheduler::forget_future_starts).
  virtual void stepped_back(const std::string& /*task*/, WallTime /*last_start*/,
                            WallTime /*now*/) {}
};

struct IntradayOutcome {
  bool any_failed = false;
  int passes_run = 0;             // passes that had something due
  int stop_signal = 0;            // the loop ended on this signal
  std::optional<int> abort_code;  // a pass asked to end with this code
};

class IntradayScheduler {
 public:
  // `last_starts`: each task's last start as the database has it (absent: never ran).
  // `cadence`: Timer for a single pass (the 5% tolerance), Resident for the loop; run() sets
  // it from `once`.
  IntradayScheduler(const MarketCalendar& calendar, std::vector<const TaskSpec*> tasks,
                    std::map<std::string, WallTime> last_starts, Cadence cadence = Cadence::Timer);

  // Clamps every last start to `now` (a wall clock stepped back must not stall the tasks
  // until it catches up), then returns the tasks due at `now`.
  std::vector<const TaskSpec*> due(WallTime now);
  // The one-pass rule (a timer's --intraday --once): a last start after `now` is forgotten,
  // so the task is due now. Clamping it, as a resident runner does, would stall it: every
  // pass is a new process that reads the same future start again, until the clock catches
  // up (an hour after a one-hour step back, a year after a start a year ahead). Returns the
  // tasks forgotten, with the start they had.
  std::vector<std::pair<std::string, WallTime>> forget_future_starts(WallTime now);
  // Records the tasks as started at `now` (also the ones the run then skips: they wait too).
  void started(const std::vector<const TaskSpec*>& tasks, WallTime now);
  // The earliest instant anything can become due: now for a task due already, the start of
  // its session for one outside it, else its next due time; a day ahead when no tasks.
  WallTime next_wake(WallTime now) const;
  std::optional<WallTime> last_start(const std::string& task) const;

  // Passes until a stop signal or an abort (one pass with `once`, with the timer's
  // tolerance, after forget_future_starts, each reported to pass.stepped_back), sleeping
  // until the next wake, at most `max_sleep`, between them; the resident loop runs each
  // task at its full interval after its last start.
  IntradayOutcome run(const Clock& clock, ProcessRunner& processes, IntradayPass& pass, bool once,
                      Millis max_sleep);

 private:
  const MarketCalendar& calendar_;
  std::vector<const TaskSpec*> tasks_;
  std::map<std::string, WallTime> last_start_;
  Cadence cadence_;
};

}  // namespace orch
