#include "orchestrator/app/plan_tasks.h"

#include <map>

namespace orch {

std::vector<PlanTask> to_plan_tasks(const PipelineConfig& config,
                                    const std::vector<const TaskSpec*>& tasks) {
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < tasks.size(); ++i) index[tasks[i]->name] = static_cast<int>(i);
  std::vector<PlanTask> out;
  for (const TaskSpec* t : tasks) {
    PlanTask pt;
    pt.name = t->name;
    pt.tier = t->tier;
    pt.critical = t->critical;
    pt.retry = config.retry_for(*t);
    for (const auto& dep : t->dependencies) {
      if (auto it = index.find(dep); it != index.end()) pt.deps.push_back(it->second);
    }
    out.push_back(std::move(pt));
  }
  return out;
}

}  // namespace orch
