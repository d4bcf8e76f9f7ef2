#include "orchestrator/app/plan_report.h"

#include <fmt/format.h>

#include "orchestrator/app/launch.h"
#include "orchestrator/exec/command.h"
#include "orchestrator/graph/dag.h"

namespace orch {

std::vector<std::vector<std::string>> tier_names(const std::vector<TaskSpec>& tasks) {
  std::vector<int> tiers;
  tiers.reserve(tasks.size());
  for (const auto& t : tasks) tiers.push_back(t.tier);
  std::vector<std::vector<std::string>> out;
  for (const auto& group : group_by_tier(tiers)) {
    auto& names = out.emplace_back();
    for (int id : group) names.push_back(tasks[id].name);
  }
  return out;
}

void print_dry_run(const Pipeline& pipeline, const std::vector<const TaskSpec*>& tasks,
                   std::chrono::year_month_day trading_day, bool no_wait, int jobs) {
  const PipelineConfig& cfg = pipeline.config;
  fmt::print("DRY RUN: nothing will be executed or written\n");
  fmt::print("Daily pipeline {}: {} task(s), trading date {} ({}), up to {} at once\n",
             cfg.file.string(), tasks.size(), format_date(trading_day), cfg.timezone, jobs);
  std::vector<int> tiers;
  tiers.reserve(tasks.size());
  for (const TaskSpec* t : tasks) tiers.push_back(t->tier);
  for (const auto& group : group_by_tier(tiers)) {
    fmt::print("\nTier {}\n", tasks[group.front()]->tier);
    for (int id : group) {
      const TaskSpec& t = *tasks[id];
      std::string when = "at once";
      if (t.time) {
        when = "not before " + format_time_of_day(*t.time) + " (" +
               pipeline.zone.local_datetime(pipeline.zone.at(trading_day, *t.time)) + ")";
        if (no_wait) when += ", not waited for (--no-wait, or a past date)";
      }
      fmt::print("  {}{}: {}, timeout {}, {} attempt(s)\n", t.name, t.critical ? " [critical]" : "",
                 when, format_duration(t.max_runtime), cfg.retry_for(t).max_attempts);
      if (!t.dependencies.empty()) {
        std::string deps;
        for (const auto& d : t.dependencies) deps += (deps.empty() ? "" : ", ") + d;
        fmt::print("      after: {}\n", deps);
      }
      auto argv = resolve_command(t.script_path, t.args);
      if (argv) {
        fmt::print("      would run: {}  (in {})\n", format_command(*argv), cfg.base_dir.string());
      } else {
        fmt::print("      would fail: {}\n", argv.error().message);
      }
      if (auto sbatch =
              submit_preview(cfg, t, "daily", format_date(trading_day), pipeline.clock->now())) {
        fmt::print("      as a Slurm job ({}): {}\n", t.executor, *sbatch);
      }
    }
  }
}

}  // namespace orch
