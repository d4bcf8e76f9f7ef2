#pragma once
// How one attempt of a task is launched: its argv (no shell), its environment (the
// ORCHESTRATOR_* variables of docs/manual.md, "The script protocol"), its working directory, its
// log file and its deadline.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/config/config.h"
#include "orchestrator/sched/runner.h"

namespace orch {

struct LaunchContext {
  const PipelineConfig* config = nullptr;
  std::string mode;  // daily | intraday | update-stale
  std::int64_t run_id = 0;
  std::string trading_date;           // YYYY-MM-DD
  std::vector<std::string> base_env;  // the orchestrator's own environment
  // When set, an intraday task's ORCHESTRATOR_TRADING_DATE is its session_date() at the
  // attempt's scheduled time instead of `trading_date`.
  const MarketCalendar* calendar = nullptr;
};

Launch make_launch(const LaunchContext& ctx, const TaskSpec& task, int attempt,
                   WallTime scheduled_at, WallTime now);

// For --dry-run: the sbatch command line of a task that runs on a Slurm executor (its first
// attempt, run id 0), or nullopt for a local task.
std::optional<std::string> submit_preview(const PipelineConfig& cfg, const TaskSpec& task,
                                          const std::string& mode, const std::string& trading_date,
                                          WallTime now);

// The process environment as "KEY=VALUE" strings.
std::vector<std::string> current_environment();

}  // namespace orch
