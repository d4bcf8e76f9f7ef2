#include "orchestrator/health/stale.h"

#include <algorithm>
#include <set>

#include "orchestrator/util/text.h"

namespace orch {

StaleSelection select_stale(const PipelineConfig& config, const HealthReport& report, Freshness min,
                            const std::vector<std::string>& only) {
  StaleSelection sel;
  std::set<std::string> stale;
  for (const auto& s : report.sources) {
    const bool pick =
        s.status == Freshness::Red || (min == Freshness::Yellow && s.status == Freshness::Yellow);
    if (!pick) continue;
    sel.sources.push_back(&s);
    stale.insert(s.name);
  }
  for (const auto* schedule : {&config.daily, &config.intraday}) {
    for (const TaskSpec& t : *schedule) {
      if (!stale.contains(t.data_source)) continue;
      if (!only.empty() && std::find(only.begin(), only.end(), t.name) == only.end()) continue;
      sel.tasks.push_back(&t);
    }
  }
  return sel;
}

Status check_task_names(const PipelineConfig& config, const std::vector<std::string>& names) {
  std::vector<std::string> known;
  for (const auto* schedule : {&config.daily, &config.intraday}) {
    for (const TaskSpec& t : *schedule) known.push_back(t.name);
  }
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string msg = "--task: no task named '" + escape_controls(name) + "' in this pipeline";
    if (auto near = closest_match(name, known)) msg += " (" + did_you_mean(near) + ")";
    return make_error(msg);
  }
  return ok();
}

}  // namespace orch
