#include "orchestrator/app/pipeline.h"

#include <spdlog/spdlog.h>

#include "orchestrator/util/text.h"

namespace orch {

std::optional<Pipeline> load_pipeline(const GlobalOptions& options, bool scripts_must_exist,
                                      const Clock& clock) {
  LoadResult loaded = load_config(options.config);
  for (const auto& e : loaded.errors) spdlog::error("{}", e.format());
  for (const auto& m : loaded.missing_scripts) {
    if (scripts_must_exist) {
      spdlog::error("{}", m.format());
    } else {
      spdlog::warn("{} (that task will fail)", m.format());
    }
  }
  for (const auto& w : loaded.warnings) spdlog::warn("{}", w.format());
  if (!loaded.config || (scripts_must_exist && !loaded.missing_scripts.empty())) return std::nullopt;

  PipelineConfig config = std::move(*loaded.config);
  if (options.db) config.database = std::filesystem::absolute(*options.db).lexically_normal();
  // One file, one lock: a symlink or another spelling of the path must find the same lock.
  std::error_code ec;
  if (auto real = std::filesystem::weakly_canonical(config.database, ec); !ec) config.database = real;
  auto zone = Zone::locate(config.timezone);
  if (!zone) {
    spdlog::error("{}: {}", options.config.string(), zone.error().message);
    return std::nullopt;
  }
  return Pipeline{std::move(config), *zone, &clock};
}

Expected<std::vector<const TaskSpec*>> select_tasks(const std::vector<TaskSpec>& schedule,
                                                    const std::vector<std::string>& names) {
  std::vector<const TaskSpec*> out;
  std::vector<std::string> known;
  for (const auto& t : schedule) known.push_back(t.name);
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string msg = "--task: no task named '" + name + "' in this schedule";
      if (auto near = closest_match(name, known)) msg += " (" + did_you_mean(near) + ")";
      return make_error(msg);
    }
  }
  for (const auto& t : schedule) {
    if (names.empty() || std::find(names.begin(), names.end(), t.name) != names.end()) {
      out.push_back(&t);
    }
  }
  return out;
}

}  // namespace orch
