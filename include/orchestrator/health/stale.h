#pragma once
// --update-stale's choice of work: the sources at or beyond a minimum staleness and the tasks
// that write them. Pure: a health report and the config in, a selection out.
#include <string>
#include <vector>

#include "orchestrator/config/config.h"
#include "orchestrator/health/freshness.h"
#include "orchestrator/util/expected.h"

namespace orch {

struct StaleSelection {
  std::vector<const SourceFreshness*> sources;  // in the report's order (by name)
  std::vector<const TaskSpec*> tasks;           // daily, then intraday, in file order
};

// Sources at or beyond `min` (Yellow: yellow and red; Red: red only; unknown is never
// selected), and the tasks writing them, kept to `only` when it is not empty. The pointers
// point into `config` and `report`. The run orders the tasks by tier (the Plan), so a
// dependency still runs before its dependents.
StaleSelection select_stale(const PipelineConfig& config, const HealthReport& report, Freshness min,
                            const std::vector<std::string>& only);

// Every name must name a task of either schedule; else the error names the closest one.
Status check_task_names(const PipelineConfig& config, const std::vector<std::string>& names);

}  // namespace orch
