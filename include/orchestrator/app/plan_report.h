#pragma once
// Printing the plan to stdout: --dry-run (what would run, in order, with command lines)
// and --validate (the tiers, as text or JSON).
#include <chrono>
#include <vector>

#include "orchestrator/app/pipeline.h"

namespace orch {

// `no_wait`: the tasks' `time`s are not waited for (--no-wait, or a past trading date).
void print_dry_run(const Pipeline& pipeline, const std::vector<const TaskSpec*>& tasks,
                   std::chrono::year_month_day trading_day, bool no_wait, int jobs);

// Task names grouped by tier, ascending.
std::vector<std::vector<std::string>> tier_names(const std::vector<TaskSpec>& tasks);

}  // namespace orch
