#pragma once
// The Plan's view of selected tasks (shared by every mode that runs tasks): tiers,
// critical flags, retry policies, and dependencies kept only within the selection.
#include <vector>

#include "orchestrator/config/config.h"
#include "orchestrator/sched/plan.h"

namespace orch {

std::vector<PlanTask> to_plan_tasks(const PipelineConfig& config,
                                    const std::vector<const TaskSpec*>& tasks);

}  // namespace orch
