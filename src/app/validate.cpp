// --validate: load and check the pipeline file, print the plan (tiers), exit 0 or 2.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <string_view>
#include <unordered_map>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/plan_report.h"
#include "orchestrator/calendar/zone.h"
#include "orchestrator/config/loader.h"
#include "orchestrator/exec/slurm_process_runner.h"

namespace orch {

namespace {

// When a task runs on a Slurm executor, the Slurm commands must be on PATH.
std::optional<std::string> missing_slurm_commands(const PipelineConfig& cfg) {
  std::vector<std::string> users;
  for (const auto* tasks : {&cfg.daily, &cfg.intraday}) {
    for (const auto& t : *tasks) {
      if (cfg.executor_for(t)) users.push_back(t.name);
    }
  }
  if (users.empty()) return std::nullopt;
  const auto missing = SlurmProcessRunner::missing_commands(current_environment());
  if (missing.empty()) return std::nullopt;
  std::string names, tasks;
  for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
  for (const auto& t : users) tasks += (tasks.empty() ? "" : ", ") + t;
  return cfg.file.string() + ": " + names + " not found in PATH, needed by the task(s) on a " +
         "Slurm executor (" + tasks + "): install the Slurm client (Debian: apt-get install " +
         "slurm-client) or add its folder to PATH";
}

void print_tiers(const char* title, const std::vector<std::vector<std::string>>& tiers,
                 const std::vector<TaskSpec>& tasks) {
  fmt::print("{} ({} task(s) in {} tier(s)):\n", title, tasks.size(), tiers.size());
  std::unordered_map<std::string_view, int> tier_of;  // one lookup per tier, not a scan
  tier_of.reserve(tasks.size());
  for (const auto& t : tasks) tier_of[t.name] = t.tier;
  for (const auto& names : tiers) {
    const int tier = tier_of[names.front()];
    std::string line;
    for (const auto& n : names) line += (line.empty() ? "" : ", ") + n;
    fmt::print("  tier {}: {}\n", tier, line);
  }
}

}  // namespace

int run_validate(const GlobalOptions& global, bool json) {
  LoadResult loaded = load_config(global.config);
  std::vector<std::string> errors, warnings;
  for (const auto& e : loaded.errors) errors.push_back(e.format());
  for (const auto& m : loaded.missing_scripts) errors.push_back(m.format());
  for (const auto& w : loaded.warnings) warnings.push_back(w.format());
  if (loaded.config) {
    if (auto missing = missing_slurm_commands(*loaded.config)) errors.push_back(*missing);
  }
  std::vector<std::vector<std::string>> daily, intraday;
  if (loaded.config) {
    daily = tier_names(loaded.config->daily);
    intraday = tier_names(loaded.config->intraday);
  }
  const bool ok = errors.empty();
  if (json) {
    nlohmann::json out = {{"ok", ok},
                          {"errors", errors},
                          {"warnings", warnings},
                          {"tiers", daily},
                          {"intraday_tiers", intraday}};
    fmt::print("{}\n", out.dump(2));
    return ok ? exit_code::kOk : exit_code::kUsage;
  }
  for (const auto& e : errors) fmt::print(stderr, "error: {}\n", e);
  for (const auto& w : warnings) fmt::print(stderr, "warning: {}\n", w);
  if (loaded.config) {
    print_tiers("Daily schedule", daily, loaded.config->daily);
    print_tiers("Intraday schedule", intraday, loaded.config->intraday);
  }
  if (!ok) {
    fmt::print(stderr, "{}: {} error(s); nothing was run\n", global.config.string(), errors.size());
    return exit_code::kUsage;
  }
  fmt::print("{} is valid\n", global.config.string());
  return exit_code::kOk;
}

}  // namespace orch
