#pragma once
// Loading the pipeline for a mode: the config (diagnostics printed to stderr), the --db
// override, the zone and the clock. Shared by every mode.
#include <memory>
#include <optional>

#include "orchestrator/app/options.h"
#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/loader.h"
#include "orchestrator/sched/clock.h"

namespace orch {

struct Pipeline {
  PipelineConfig config;
  Zone zone;
  std::unique_ptr<SystemClock> clock;
};

// Prints errors (and, with `scripts_must_exist`, missing scripts as errors; otherwise as
// warnings) and returns nullopt when the pipeline cannot be used.
std::optional<Pipeline> load_pipeline(const GlobalOptions& options, bool scripts_must_exist);

// Tasks of `schedule` named by --task (all when none); an unknown name is a usage error.
Expected<std::vector<const TaskSpec*>> select_tasks(const std::vector<TaskSpec>& schedule,
                                                    const std::vector<std::string>& names);

}  // namespace orch
