// The tasks of daily_schedule and intraday_schedule: their keys, then the checks across
// tasks (unique names, known dependencies in the same schedule, no cycles, tier order) and
// the scripts that do not exist. Graph algorithms live in graph/dag.cpp.
#include <algorithm>
#include <climits>
#include <map>
#include <set>

#include "loader_internal.h"
#include "orchestrator/graph/dag.h"
#include "orchestrator/util/text.h"

namespace orch::config_detail {
namespace {

namespace fs = std::filesystem;
// A task's log folder is its name in snake_case: keep it well inside NAME_MAX (255).
constexpr std::size_t kMaxTaskFolderName = 200;

// The first control character of `name` (is_control), as its bytes.
std::optional<std::string> first_control(std::string_view name) {
  for (std::size_t i = 0; i < name.size();) {
    const std::size_t start = i;
    const auto cp = next_code_point(name, i);
    if (cp && is_control(*cp)) return std::string(name.substr(start, i - start));
  }
  return std::nullopt;
}

constexpr std::string_view kDailyKeys[] = {
    "name",     "script",      "args",         "env",
    "time",     "tier",        "dependencies", "max_runtime_seconds",
    "critical", "data_source", "retry_policy", "executor",
    "resources"};
constexpr std::string_view kIntradayKeys[] = {"name",
                                              "script",
                                              "args",
                                              "env",
                                              "tier",
                                              "dependencies",
                                              "max_runtime_seconds",
                                              "critical",
                                              "data_source",
                                              "retry_policy",
                                              "executor",
                                              "resources",
                                              "interval_minutes",
                                              "interval_seconds",
                                              "market_hours_only",
                                              "session"};
constexpr std::string_view kIntradayOnly[] = {"interval_minutes", "interval_seconds",
                                              "market_hours_only", "session"};

const char* schedule_key(Schedule s) {
  return s == Schedule::Daily ? "daily_schedule" : "intraday_schedule";
}
const char* schedule_adjective(Schedule s) { return s == Schedule::Daily ? "daily" : "intraday"; }

// A key of the other schedule gets a hint saying where it belongs.
MisplacedHint misplaced_for(Schedule schedule) {
  return [schedule](std::string_view key) -> std::optional<std::string> {
    const bool intraday_key = std::find(std::begin(kIntradayOnly), std::end(kIntradayOnly), key) !=
                              std::end(kIntradayOnly);
    if (schedule == Schedule::Daily && intraday_key) {
      return in_quotes(key) +
             " is only for intraday_schedule tasks; daily tasks run once per trading date";
    }
    if (schedule == Schedule::Intraday && key == "time") {
      return "'time' is only for daily_schedule tasks; intraday tasks run every interval_minutes "
             "or interval_seconds";
    }
    return std::nullopt;
  };
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
}

void read_env(Diagnostics& diag, const Field& field, TaskSpec& spec) {
  const auto entries = read_scalar_map(diag, field);
  if (!entries) return;
  for (const auto& [key, value] : *entries) {
    if (!valid_env_name(key.text)) {
      diag.error(key.line, field.task,
                 "bad environment variable name " + in_quotes(key.text) + " in env",
                 "use letters, digits and '_', not starting with a digit, e.g. API_KEY");
      continue;
    }
    spec.env.emplace_back(key.text, value.value.IsNull() ? std::string{} : value.value.Scalar());
  }
}

// Intervals: exactly one of interval_minutes / interval_seconds.
void read_interval(Diagnostics& diag, const Fields& fields, int task_line, TaskSpec& spec) {
  const Field* minutes = fields.find("interval_minutes");
  const Field* seconds = fields.find("interval_seconds");
  if (minutes && seconds) {
    const Field* later = minutes->key_line >= seconds->key_line ? minutes : seconds;
    diag.error(later->key_line, spec.name, "both interval_minutes and interval_seconds are set",
               "keep exactly one of them");
    return;
  }
  if (!minutes && !seconds) {
    diag.error(task_line, spec.name, "an intraday task needs interval_minutes or interval_seconds",
               "e.g. interval_minutes: 5, or interval_seconds: 30 for sub-minute collectors");
    return;
  }
  const auto interval =
      minutes ? read_duration(diag, *minutes, false, 60) : read_duration(diag, *seconds, false, 1);
  if (interval) spec.interval = *interval;
}

ParsedTask read_task(Diagnostics& diag, const YAML::Node& node, Schedule schedule,
                     const PipelineConfig& config) {
  ParsedTask task;
  TaskSpec& spec = task.spec;
  spec.schedule = schedule;
  spec.line = line_of(node, 0);
  // The name first, so every later diagnostic can name the task.
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (entry.first.IsScalar() && entry.first.Scalar() == "name" && entry.second.IsScalar()) {
        spec.name = entry.second.Scalar();
        break;
      }
    }
  }
  const std::span<const std::string_view> known =
      schedule == Schedule::Daily ? std::span<const std::string_view>(kDailyKeys)
                                  : std::span<const std::string_view>(kIntradayKeys);
  const auto fields =
      read_fields(diag, node, spec.line, known, "", spec.name, misplaced_for(schedule));
  if (!fields) return task;

  if (const Field* f = fields->find("name")) {
    const auto name = read_string(diag, *f, "name: \"Asset Collection\"");
    task.has_name = name.has_value();
  } else {
    diag.error(spec.line, "", std::string("a task in ") + schedule_key(schedule) + " has no 'name'",
               "add name: \"...\"; names are unique across both schedules");
  }
  if (!task.has_name) spec.name.clear();
  if (const Field* f = fields->find("script")) {
    task.spec.script_line = f->line;
    if (const auto script = read_string(diag, *f, "script: \"collectors/01_collect_assets.py\"")) {
      spec.script = *script;
      if (auto path = resolve_path(diag, *f, config, *script, spec.name)) spec.script_path = *path;
    }
  } else {
    diag.error(spec.line, spec.name, "no 'script'",
               "add script: \"path/to/script\", relative to the pipeline file's folder");
  }
  if (const Field* f = fields->find("args")) {
    if (const auto items = read_scalar_list(diag, *f, "args: [\"--universe\", \"sp500\"]")) {
      for (const auto& item : *items) spec.args.push_back(item.text);
    }
  }
  if (const Field* f = fields->find("env")) read_env(diag, *f, spec);
  if (const Field* f = fields->find("time")) spec.time = read_time_of_day(diag, *f);
  if (const Field* f = fields->find("tier")) {
    task.tier_line = f->line;
    if (const auto tier = read_integer(diag, *f, 0, kMaxTier, "tier: 1")) {
      spec.tier = static_cast<int>(*tier);
      spec.tier_explicit = true;
    }
  }
  if (const Field* f = fields->find("dependencies")) {
    if (const auto items = read_scalar_list(diag, *f, "dependencies: [\"Asset Collection\"]")) {
      for (const auto& item : *items) {
        if (std::find(spec.dependencies.begin(), spec.dependencies.end(), item.text) !=
            spec.dependencies.end()) {
          continue;  // listed twice: harmless, keep the first
        }
        spec.dependencies.push_back(item.text);
        task.dependency_lines.push_back(item.line);
      }
    }
  }
  if (const Field* f = fields->find("critical")) {
    if (const auto critical = read_bool(diag, *f)) spec.critical = *critical;
  }
  spec.data_source = snake_case(spec.name);
  if (spec.data_source.empty()) spec.data_source = spec.name;
  if (const Field* f = fields->find("data_source")) {
    if (const auto source = read_string(diag, *f, "data_source: price_data"))
      spec.data_source = *source;
  }
  if (const Field* f = fields->find("retry_policy")) {
    spec.retry = read_retry_policy(diag, *f, config.retry_policy);
  }
  if (const Field* f = fields->find("executor")) read_task_executor(diag, *f, task);
  if (const Field* f = fields->find("resources")) read_task_resources(diag, *f, spec);
  if (schedule == Schedule::Intraday) {
    read_interval(diag, *fields, spec.line, spec);
    if (const Field* f = fields->find("market_hours_only")) {
      if (const auto only = read_bool(diag, *f)) spec.market_hours_only = *only;
    }
    if (const Field* f = fields->find("session")) {
      static constexpr std::string_view kSessions[] = {"regular", "extended"};
      if (const auto i = read_choice(diag, *f, kSessions)) {
        spec.session = *i == 0 ? SessionKind::Regular : SessionKind::Extended;
      }
    }
  }
  spec.max_runtime =
      schedule == Schedule::Intraday && spec.interval > Seconds{0} ? spec.interval : Seconds{3600};
  if (const Field* f = fields->find("max_runtime_seconds")) {
    if (const auto runtime = read_duration(diag, *f, /*allow_zero=*/false))
      spec.max_runtime = *runtime;
  }
  return task;
}

struct TaskRef {
  Schedule schedule;
  std::size_t index;
  int line;
};

// Names across both schedules, in file order; later duplicates are marked and reported.
std::map<std::string, TaskRef> register_names(Diagnostics& diag, std::vector<ParsedTask>& daily,
                                              std::vector<ParsedTask>& intraday) {
  std::vector<TaskRef> order;
  for (std::size_t i = 0; i < daily.size(); ++i)
    order.push_back({Schedule::Daily, i, daily[i].spec.line});
  for (std::size_t i = 0; i < intraday.size(); ++i)
    order.push_back({Schedule::Intraday, i, intraday[i].spec.line});
  std::stable_sort(order.begin(), order.end(),
                   [](const TaskRef& a, const TaskRef& b) { return a.line < b.line; });
  std::map<std::string, TaskRef> names;
  std::map<std::string, const ParsedTask*> snake_names;  // log folders are named by snake_case
  for (const TaskRef& ref : order) {
    ParsedTask& task = (ref.schedule == Schedule::Daily ? daily : intraday)[ref.index];
    if (!task.has_name) continue;
    const auto [first, inserted] = names.emplace(task.spec.name, ref);
    if (!inserted) {
      task.duplicate = true;
      diag.error(
          ref.line, task.spec.name,
          "duplicate task name (first defined on line " + std::to_string(first->second.line) + ")",
          "task names must be unique across daily_schedule and intraday_schedule");
      continue;
    }
    if (const auto bad = first_control(task.spec.name)) {
      diag.error(ref.line, task.spec.name,
                 "task name contains a control character (" + escape_controls(*bad) + ")",
                 "names are printed in logs and on the console: remove it");
      continue;
    }
    const std::string snake = snake_case(task.spec.name);
    if (snake.empty()) {
      diag.error(ref.line, task.spec.name, "task name has no letter or digit (of any script)",
                 "its log folder is named after it: use a name like 'Price Data'");
      continue;
    }
    if (snake.size() > kMaxTaskFolderName) {
      diag.error(ref.line, task.spec.name,
                 "task name is too long (" + std::to_string(snake.size()) +
                     " characters as a "
                     "folder name; at most " +
                     std::to_string(kMaxTaskFolderName) + ")",
                 "its log folder is named after it: use a shorter name");
      continue;
    }
    const auto [other, fresh] = snake_names.emplace(snake, &task);
    if (!fresh) {
      diag.error(ref.line, task.spec.name,
                 "task name differs from '" + other->second->spec.name + "' (line " +
                     std::to_string(other->second->spec.line) +
                     ") only in ASCII case, spaces or punctuation (both are '" + snake + "')",
                 "rename one: log folders and default data sources use that form");
    }
  }
  return names;
}

// One schedule's tasks as a graph: nodes are the named, non-duplicate tasks.
struct ScheduleGraph {
  std::vector<GraphNode> nodes;
  std::vector<std::size_t> task_of_node;
  std::vector<std::vector<int>> dep_lines;  // parallel to nodes[i].deps
  bool has_cycle = false;
};

// Resolves dependencies by name, reporting unknown ones and ones of the other schedule.
ScheduleGraph build_graph(Diagnostics& diag, const std::vector<ParsedTask>& tasks,
                          Schedule schedule, const std::map<std::string, TaskRef>& names) {
  ScheduleGraph graph;
  std::map<std::string, int> node_of_name;
  std::vector<std::string> same_schedule_names;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (!tasks[i].has_name || tasks[i].duplicate) continue;
    node_of_name[tasks[i].spec.name] = static_cast<int>(graph.nodes.size());
    GraphNode node;
    node.name = tasks[i].spec.name;
    if (tasks[i].spec.tier_explicit) node.explicit_tier = tasks[i].spec.tier;
    graph.nodes.push_back(std::move(node));
    graph.task_of_node.push_back(i);
    same_schedule_names.push_back(tasks[i].spec.name);
  }
  std::vector<std::string> all_names;
  all_names.reserve(names.size());
  for (const auto& entry : names) all_names.push_back(entry.first);
  graph.dep_lines.resize(graph.nodes.size());
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const ParsedTask& task = tasks[graph.task_of_node[n]];
    for (std::size_t d = 0; d < task.spec.dependencies.size(); ++d) {
      const std::string& dep = task.spec.dependencies[d];
      const int line = task.dependency_lines[d];
      if (const auto it = node_of_name.find(dep); it != node_of_name.end()) {
        graph.nodes[n].deps.push_back(it->second);
        graph.dep_lines[n].push_back(line);
      } else if (const auto other = names.find(dep); other != names.end()) {
        diag.error(
            line, task.spec.name,
            "depends on " + in_quotes(dep) + ", a task of " + schedule_key(other->second.schedule),
            std::string("a ") + schedule_adjective(schedule) +
                " task can depend only on tasks of " + schedule_key(schedule) +
                "; remove the dependency");
      } else {
        auto suggestion = closest_match(dep, same_schedule_names);
        if (!suggestion) suggestion = closest_match(dep, all_names);
        diag.error(line, task.spec.name, "depends on unknown task " + in_quotes(dep),
                   suggestion ? did_you_mean(suggestion)
                              : std::string("a dependency must be the exact name of a task in ") +
                                    schedule_key(schedule));
      }
    }
  }
  return graph;
}

void report_cycle(Diagnostics& diag, ScheduleGraph& graph) {
  const auto cycle = find_cycle(graph.nodes);
  if (!cycle) return;
  graph.has_cycle = true;
  const int first = (*cycle)[0];
  const auto& deps = graph.nodes[first].deps;
  const auto edge = std::find(deps.begin(), deps.end(), (*cycle)[1]);
  const int line = graph.dep_lines[first][static_cast<std::size_t>(edge - deps.begin())];
  diag.error(line, graph.nodes[first].name,
             "dependency cycle: " + format_cycle(graph.nodes, *cycle),
             "each task depends on the next; remove one of these dependencies");
}

// Fills in computed tiers and reports explicit tiers not above their dependencies'.
void apply_tiers(Diagnostics& diag, std::vector<ParsedTask>& tasks, const ScheduleGraph& graph) {
  if (graph.has_cycle) return;  // tiers mean nothing in a cycle
  const std::vector<int> tiers = compute_tiers(graph.nodes);
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    ParsedTask& task = tasks[graph.task_of_node[n]];
    task.spec.tier = tiers[n];
    if (!task.spec.tier_explicit) continue;
    for (std::size_t d = 0; d < graph.nodes[n].deps.size(); ++d) {
      const int dep = graph.nodes[n].deps[d];
      if (tiers[dep] < tiers[n]) continue;
      const std::string dep_tier = std::to_string(tiers[dep]);
      diag.error(graph.dep_lines[n][d], task.spec.name,
                 "is in tier " + std::to_string(tiers[n]) + " but depends on " +
                     in_quotes(graph.nodes[dep].name) + " in tier " + dep_tier +
                     "; a task must be in a higher tier than its dependencies",
                 "raise " + in_quotes(task.spec.name) + " to tier " +
                     (tiers[dep] == INT_MAX ? dep_tier : std::to_string(tiers[dep] + 1)) +
                     " or more, or remove the dependency");
    }
  }
}

}  // namespace

bool is_task_key(std::string_view key) {
  const auto in = [key](const auto& keys) {
    return std::find(std::begin(keys), std::end(keys), key) != std::end(keys);
  };
  return in(kDailyKeys) || in(kIntradayKeys);
}

std::vector<ParsedTask> read_schedule(Diagnostics& diag, const Field& field, Schedule schedule,
                                      const PipelineConfig& config) {
  std::vector<ParsedTask> tasks;
  if (field.value.IsNull()) return tasks;
  if (!field.value.IsSequence()) {
    diag.error(field.line, "", in_quotes(field.name) + " must be a list of tasks",
               "start each task with '- name: ...'");
    return tasks;
  }
  for (const auto& item : field.value) {
    if (!item.IsMap()) {
      diag.error(
          line_of(item, field.line), "",
          std::string("each task of ") + schedule_key(schedule) + " must be a map of key: value",
          "write each task as '- name: ...' followed by its keys, indented");
      continue;
    }
    tasks.push_back(read_task(diag, item, schedule, config));
  }
  return tasks;
}

void check_task_graph(Diagnostics& diag, std::vector<ParsedTask>& daily,
                      std::vector<ParsedTask>& intraday) {
  const auto names = register_names(diag, daily, intraday);
  ScheduleGraph daily_graph = build_graph(diag, daily, Schedule::Daily, names);
  ScheduleGraph intraday_graph = build_graph(diag, intraday, Schedule::Intraday, names);
  // Cycles in either schedule are reported before any tier rule.
  report_cycle(diag, daily_graph);
  report_cycle(diag, intraday_graph);
  apply_tiers(diag, daily, daily_graph);
  apply_tiers(diag, intraday, intraday_graph);
}

void check_script(Diagnostics& diag, const TaskSpec& task) {
  if (task.script.empty()) return;
  std::error_code ec;
  const auto status = fs::status(task.script_path, ec);
  const std::string path = task.script_path.string();
  if (!fs::exists(status)) {
    diag.missing_script(
        task.script_line, task.name, "script " + in_quotes(path) + " does not exist",
        "create it or fix 'script'; relative paths start at the pipeline file's folder");
  } else if (fs::is_directory(status)) {
    diag.missing_script(task.script_line, task.name,
                        "script " + in_quotes(path) + " is a directory",
                        "point 'script' at the program to run");
  }
}

void check_scripts(Diagnostics& diag, const std::vector<ParsedTask>& tasks) {
  for (const auto& task : tasks) check_script(diag, task.spec);
}

}  // namespace orch::config_detail
