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
#include <vector>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/config/config.h"
#include "orchestrator/sched/due.h"
#include "orchestrator/sched/clock.h"
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
    bool failed = false;           // a task failed or was skipped: the loop goes on
    std::optional<int> abort_code;  // end the loop now with this exit code (store error, signal)
  };
  virtual ~IntradayPass() = default;
  // Runs the due tasks (in the order of the selection), all counted as started at `now`.
  virtual Result run(const std::vector<const TaskSpec*>& due, WallTime now) = 0;
  // A pass found nothing due.
  virtual void idle(WallTime /*now*/) {}
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
  // Records the tasks as started at `now` (also the ones the run then skips: they wait too).
  void started(const std::vector<const TaskSpec*>& tasks, WallTime now);
  // The earliest instant anything can become due: now for a task due already, the start of
  // its session for one outside it, else its next due time; a day ahead when no tasks.
  WallTime next_wake(WallTime now) const;
  std::optional<WallTime> last_start(const std::string& task) const;

  // Passes until a stop signal or an abort (one pass with `once`, with the timer's
  // tolerance), sleeping until the next wake, at most `max_sleep`, between them; the loop
  // runs each task at its full interval after its last start.
  IntradayOutcome run(const Clock& clock, ProcessRunner& processes, IntradayPass& pass, bool once,
                      Millis max_sleep);

 private:
  const MarketCalendar& calendar_;
  std::vector<const TaskSpec*> tasks_;
  std::map<std::string, WallTime> last_start_;
  Cadence cadence_;
};

}  // namespace orch
