#include "orchestrator/app/pipeline.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "orchestrator/config/output_paths.h"
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
  if (!loaded.config || (scripts_must_exist && !loaded.missing_scripts.empty()))
    return std::nullopt;

  PipelineConfig config = std::move(*loaded.config);
  if (options.db) config.database = std::filesystem::absolute(*options.db).lexically_normal();
  if (config.database.empty()) {
    spdlog::error(
        "{}: a pipeline read from a pipe or device has no folder for the default "
        "database: give --db FILE or an absolute 'database:'",
        options.config.string());
    return std::nullopt;
  }
  // One file, one lock: a symlink or another spelling of the path must find the same lock.
  std::error_code ec;
  if (auto real = std::filesystem::weakly_canonical(config.database, ec); !ec)
    config.database = real;
  if (options.db) {
    // The file's own settings were checked by the loader; --db may clash with them.
    const auto clashes = check_output_paths(config, options.config.string(), "--db");
    for (const auto& c : clashes) spdlog::error("{}", c.format());
    if (!clashes.empty()) return std::nullopt;
  }
  auto zone = Zone::locate(config.timezone);
  if (!zone) {
    spdlog::error("{}: {}", options.config.string(), zone.error().message);
    return std::nullopt;
  }
  return Pipeline{std::move(config), *zone, &clock};
}

Expected<std::vector<const TaskSpec*>> select_tasks(const PipelineConfig& config, Schedule which,
                                                    const std::vector<std::string>& names) {
  const std::vector<TaskSpec>& schedule = which == Schedule::Daily ? config.daily : config.intraday;
  const std::vector<TaskSpec>& other = which == Schedule::Daily ? config.intraday : config.daily;
  std::vector<const TaskSpec*> out;
  std::vector<std::string> known;
  known.reserve(schedule.size());
  for (const auto& t : schedule) known.push_back(t.name);
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const bool elsewhere = std::any_of(other.begin(), other.end(),
                                         [&](const TaskSpec& t) { return t.name == name; });
      if (elsewhere) {
        const bool daily = which == Schedule::Daily;
        return make_error(fmt::format("--task: '{}' is {} task; use --{} --task '{}'", name,
                                      daily ? "an intraday" : "a daily",
                                      daily ? "intraday" : "daily", name));
      }
      std::string msg = "--task: no task named '" + escape_controls(name) + "' in this schedule";
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

std::optional<MarketCalendar> load_calendar(const Pipeline& pipeline) {
  auto calendar = MarketCalendar::create(pipeline.config.market_hours, pipeline.zone);
  if (!calendar) {
    spdlog::error("{}", calendar.error().message);
    return std::nullopt;
  }
  return std::move(*calendar);
}

std::vector<std::string> names_of(const std::vector<const TaskSpec*>& tasks) {
  std::vector<std::string> out;
  out.reserve(tasks.size());
  for (const TaskSpec* t : tasks) out.push_back(t->name);
  return out;
}

std::optional<LoadedPipeline> load_pipeline_and_calendar(const GlobalOptions& global,
                                                         const Clock& clock) {
  auto pipeline = load_pipeline(global, false, clock);
  if (!pipeline) return std::nullopt;
  auto calendar = load_calendar(*pipeline);
  if (!calendar) return std::nullopt;
  return LoadedPipeline{std::move(*pipeline), std::move(*calendar)};
}

std::optional<ScheduleInput> load_schedule(const GlobalOptions& global, const Clock& clock,
                                           Schedule which, const std::vector<std::string>& names) {
  auto pipeline = load_pipeline(global, false, clock);
  if (!pipeline) return std::nullopt;
  auto selected = select_tasks(pipeline->config, which, names);
  if (!selected) {
    spdlog::error("{}", selected.error().message);
    return std::nullopt;
  }
  auto calendar = load_calendar(*pipeline);
  if (!calendar) return std::nullopt;
  return ScheduleInput{std::move(*pipeline), std::move(*calendar), std::move(*selected)};
}

}  // namespace orch
