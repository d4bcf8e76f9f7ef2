#pragma once
// Private to the config loader: the diagnostics sink, checked access to YAML maps, typed
// readers for scalar values, and the task and graph passes. Every reader reports its own
// errors and returns nullopt on failure, so callers can go on and collect them all.
#include <sys/types.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/config/loader.h"
#include "orchestrator/util/text.h"

namespace orch::config_detail {

// The longest duration any setting may hold: ten years, far below chrono overflow.
inline constexpr long long kMaxDurationSeconds = 10LL * 365 * 24 * 3600;
inline constexpr long long kMaxTier = 10'000;

// Collects the diagnostics of one file.
class Diagnostics {
 public:
  Diagnostics(std::string file_label, LoadResult& result)
      : file_(std::move(file_label)), result_(result) {}

  void error(int line, std::string task, std::string message, std::string hint);
  void warning(int line, std::string task, std::string message, std::string hint);
  void missing_script(int line, std::string task, std::string message, std::string hint);
  void error(ConfigDiagnostic d) { result_.errors.push_back(std::move(d)); }
  bool has_errors() const { return !result_.errors.empty(); }
  const std::string& file() const { return file_; }

 private:
  ConfigDiagnostic make(int line, std::string task, std::string message, std::string hint) const;
  std::string file_;
  LoadResult& result_;
};

// 1-based line of a node, or `fallback` when the node carries no position.
int line_of(const YAML::Node& node, int fallback = 0);

// One key: value of a map, with the display name used in messages ("market_hours.open").
struct Field {
  std::string name;  // display name
  std::string task;  // the task it belongs to, or empty
  YAML::Node key;
  YAML::Node value;
  int key_line = 0;
  int line = 0;  // the value's line (the key's when the value has none)
};

// The keys of one map, checked against the keys it may hold.
struct Fields {
  std::vector<Field> all;  // in file order, duplicates and unknown keys left out
  const Field* find(std::string_view key) const;
};

// Extra hint for a key that is unknown here but belongs elsewhere (e.g. a daily key in an
// intraday task); nullopt to fall back to the nearest known key.
using MisplacedHint = std::function<std::optional<std::string>(std::string_view key)>;

// A key of a daily or an intraday task (loader_tasks.cpp holds the lists): misplaced at the
// top level.
bool is_task_key(std::string_view key);

// Reads a map: reports a non-map value, unknown keys (suggesting the nearest known key) and
// duplicate keys. `section` prefixes display names ("market_hours"); empty at top level and
// in tasks. Returns nullopt when `node` is not a map.
std::optional<Fields> read_fields(Diagnostics& diag, const YAML::Node& node, int line,
                                  std::span<const std::string_view> known,
                                  const std::string& section, const std::string& task,
                                  const MisplacedHint& misplaced = {});

// Typed readers: each reports a wrong type or range at the field's line.
std::optional<std::string> read_string(Diagnostics& diag, const Field& field,
                                       std::string_view example);
std::optional<long long> read_integer(Diagnostics& diag, const Field& field, long long min,
                                      long long max, std::string_view example);
// A duration given in `unit_seconds` (60 for minutes); zero refused unless `allow_zero`.
std::optional<Seconds> read_duration(Diagnostics& diag, const Field& field, bool allow_zero,
                                     long long unit_seconds = 1);
std::optional<bool> read_bool(Diagnostics& diag, const Field& field);
std::optional<TimeOfDay> read_time_of_day(Diagnostics& diag, const Field& field);
// Index into `choices` of the value.
std::optional<std::size_t> read_choice(Diagnostics& diag, const Field& field,
                                       std::span<const std::string_view> choices);

struct ListItem {
  std::string text;
  int line = 0;
};
// A list of scalars (absent or null: empty). `example` shows the expected form in hints.
std::optional<std::vector<ListItem>> read_scalar_list(Diagnostics& diag, const Field& field,
                                                      std::string_view example);
// `text` (the value of `field`) as an absolute path against the pipeline file's folder;
// refused (nullopt, an error) when relative and the file has no folder (read from a pipe).
std::optional<std::filesystem::path> resolve_path(Diagnostics& diag, const Field& field,
                                                  const PipelineConfig& config,
                                                  const std::string& text, const std::string& task);
// A map of scalar: scalar (absent or null: empty), in file order.
std::optional<std::vector<std::pair<ListItem, Field>>> read_scalar_map(Diagnostics& diag,
                                                                       const Field& field);

// retry_policy (top level or per task); keys it leaves out come from `base`.
std::optional<RetryPolicy> read_retry_policy(Diagnostics& diag, const Field& field,
                                             const RetryPolicy& base);

// A task as read, with the positions the graph checks report against.
struct ParsedTask {
  TaskSpec spec;
  bool has_name = false;
  bool duplicate = false;             // same name as an earlier task: left out of the graph
  std::vector<int> dependency_lines;  // parallel to spec.dependencies
  int tier_line = 0;
  int executor_line = 0;  // 0: no `executor:` key, the default applies
};

// executors: (top level) into config.executors; default_executor: checked against them later.
void read_executors(Diagnostics& diag, const Field& field, PipelineConfig& config);
// A task's `executor:` and `resources:` keys.
void read_task_executor(Diagnostics& diag, const Field& field, ParsedTask& task);
void read_task_resources(Diagnostics& diag, const Field& field, TaskSpec& spec);
// Resolves default_executor (read at `default_line`, 0 when absent) and every task's executor
// name against config.executors, reporting unknown names with the nearest known one.
void resolve_executors(Diagnostics& diag, PipelineConfig& config, int default_line,
                       std::vector<ParsedTask>& daily, std::vector<ParsedTask>& intraday);

// Reads daily_schedule or intraday_schedule.
std::vector<ParsedTask> read_schedule(Diagnostics& diag, const Field& field, Schedule schedule,
                                      const PipelineConfig& config);
// Duplicate names, dependency resolution, cycles, computed tiers and tier rules.
void check_task_graph(Diagnostics& diag, std::vector<ParsedTask>& daily,
                      std::vector<ParsedTask>& intraday);
// Loads a regular file's bytes `text` (its permission bits `file_mode`), through the cache
// beside it when it is large enough (loader_cached.cpp).
LoadResult load_regular_file(const std::string& text, const std::filesystem::path& file,
                             mode_t file_mode, std::uintmax_t max_file_bytes);

// Reports scripts that do not exist (missing_scripts, not errors).
void check_scripts(Diagnostics& diag, const std::vector<ParsedTask>& tasks);
void check_script(Diagnostics& diag, const TaskSpec& task);

}  // namespace orch::config_detail
