#pragma once
// One run of the daily DAG for one trading date: what --daily, --daily --date, --backfill and
// daily_catchup share. The caller holds the daily lock and the open store for all its dates.
#include <chrono>
#include <string>
#include <vector>

#include "orchestrator/app/options.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/calendar/trading_dates.h"
#include "orchestrator/sched/background.h"
#include "orchestrator/sched/runner.h"
#include "orchestrator/store/status_store.h"

namespace orch {

struct DailyRunContext {
  const GlobalOptions* global = nullptr;
  const Pipeline* pipeline = nullptr;  // its clock; its process runner is inside `processes`
  StatusStore* store = nullptr;
  BackgroundProcesses* processes = nullptr;  // the tasks and their alerts
  std::vector<const TaskSpec*> tasks;        // the selection (--task), in file order
  int jobs = 4;
};

struct DailyRunOptions {
  bool force = false;    // run tasks that already succeeded for the date
  bool no_wait = false;  // ignore `time` (it is always ignored for a past date)
};

struct DailyRunOutcome {
  int code = 0;  // this run's exit code: 0, 1 (a task failed or was skipped), 74, 128+signal
  RunResult result;
  bool stopped() const { return result.stop_signal != 0 || result.store_error.has_value(); }
};

// Runs the DAG for trading date `day` as one run (runs row of mode "daily" with that date):
// every task gets ORCHESTRATOR_TRADING_DATE=day; tasks that succeeded for `day` are skipped
// unless `force`; each task waits for its `time` only when `day` is today and not `no_wait`.
// Afterwards the health bookkeeping of after_run() (alerts, freshness, metrics).
DailyRunOutcome run_daily_date(const DailyRunContext& ctx, Date day,
                               const DailyRunOptions& options);

// "date 2 of 5 (2026-11-24), 1m 05s elapsed, about 3m 15s left": the progress line of a
// multi-date run before date `index` (0-based) starts.
std::string date_progress(std::size_t index, std::size_t count, Date day, Millis elapsed);

// Combines the exit code of one more date into the overall one: a failure (1) sticks, a stop
// or a store error wins.
int worse_exit_code(int so_far, int next);

}  // namespace orch
