#pragma once
// Loading the pipeline for a mode: the config (diagnostics printed to stderr), the --db
// override and the zone; the clock and the process runner are the caller's (the mode entry's
// SystemClock and real runner, or a test's FakeClock and FakeProcessRunner), so a mode's
// policy can be driven by fakes. Shared by every mode.
#include <optional>

#include "orchestrator/app/options.h"
#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/loader.h"
#include "orchestrator/sched/clock.h"
#include "orchestrator/sched/process_runner.h"

namespace orch {

struct Pipeline {
  PipelineConfig config;
  Zone zone;
  const Clock* clock = nullptr;  // the caller's; outlives the pipeline
  // The caller's, set after loading (the real one needs the config's log folder); outlives
  // the pipeline. Null for the modes that run nothing.
  ProcessRunner* processes = nullptr;
};

// Prints errors (and, with `scripts_must_exist`, missing scripts as errors; otherwise as
// warnings) and returns nullopt when the pipeline cannot be used.
std::optional<Pipeline> load_pipeline(const GlobalOptions& options, bool scripts_must_exist,
                                      const Clock& clock);

// Tasks of the `which` schedule named by --task (all when none); an unknown name is a usage
// error, and a task of the other schedule is named as such, with the mode that runs it.
Expected<std::vector<const TaskSpec*>> select_tasks(const PipelineConfig& config, Schedule which,
                                                    const std::vector<std::string>& names);

// The names of `tasks`, in their order.
std::vector<std::string> names_of(const std::vector<const TaskSpec*>& tasks);

// The pipeline's market calendar; logs why and returns nullopt when market_hours cannot make one.
std::optional<MarketCalendar> load_calendar(const Pipeline& pipeline);

// The pipeline (scripts need not exist) and its calendar, what the modes that read start
// from (--health, --report, --serve); errors logged, nullopt when either cannot be made.
struct LoadedPipeline {
  Pipeline pipeline;
  MarketCalendar calendar;
};
std::optional<LoadedPipeline> load_pipeline_and_calendar(const GlobalOptions& global,
                                                         const Clock& clock);

// What --daily, --intraday and --backfill start from: the pipeline, its calendar and the tasks
// of one schedule that --task names (in file order). `tasks` point into pipeline.config, whose
// task vectors keep their storage when the struct moves.
struct ScheduleInput {
  Pipeline pipeline;
  MarketCalendar calendar;
  std::vector<const TaskSpec*> tasks;
};
// Logs why and returns nullopt (a usage error: nothing run) when any of them cannot be had.
std::optional<ScheduleInput> load_schedule(const GlobalOptions& global, const Clock& clock,
                                           Schedule which, const std::vector<std::string>& names);

}  // namespace orch
