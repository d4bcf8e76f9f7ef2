#pragma once
// The pipeline file as plain values: what dependency_graph.yaml says, checked, with
// defaults filled in and paths made absolute. No YAML types leak past config/.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/util/time.h"

namespace orch {

enum class Schedule { Daily, Intraday };
// Which market hours a task's freshness counts (not the market's phase at an instant: that
// is MarketSession in calendar/). Extended = pre + regular + post.
enum class SessionKind { Regular, Extended };
enum class DailyDays { Trading, Weekdays, All };  // which days --full runs the daily DAG

struct RetryPolicy {
  int max_attempts = 1;          // attempts in all, the first included
  std::vector<Seconds> backoff;  // wait before attempt 2, 3, ...; the last value repeats
  // The wait before `attempt` (2-based: the wait before the second attempt is backoff[0]).
  Seconds backoff_before(int attempt) const;
  bool operator==(const RetryPolicy&) const = default;
};

// A place other than this machine to run tasks on (the `executors:` map); `slurm` is the only
// type. Settings left out are not passed to the cluster (its defaults apply).
struct ExecutorSpec {
  std::string name;
  std::string type = "slurm";
  std::string partition;  // "" = the cluster's default
  std::string account;
  int cpus = 0;        // 0 = not requested
  std::string memory;  // "" = not requested; else <n>[K|M|G|T]
  std::vector<std::string> extra_args;
  Seconds poll{5};         // poll_seconds
  Seconds max_pending{0};  // max_pending_seconds; 0 = no limit
  int line = 0;
  bool operator==(const ExecutorSpec&) const = default;
};

inline constexpr const char* kLocalExecutor = "local";

struct TaskSpec {
  std::string name;
  std::string script;                 // as written in the file
  std::filesystem::path script_path;  // absolute (relative to the pipeline file's folder)
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;  // in file order
  Schedule schedule = Schedule::Daily;
  int tier = 0;  // explicit, or 1 + highest tier of its dependencies
  bool tier_explicit = false;
  std::vector<std::string> dependencies;
  Seconds max_runtime{3600};
  bool critical = false;
  std::string data_source;                // default: snake_case(name)
  std::optional<RetryPolicy> retry;       // per-task override of the global policy
  std::string executor = kLocalExecutor;  // resolved: "local" or a key of executors
  int cpus = 0;                           // resources.cpus; 0 = the executor's
  std::string memory;                     // resources.memory; "" = the executor's
  int line = 0;                           // 1-based line of the task in the file
  int script_line = 0;                    // 1-based line of its script (0: none given)
  // daily only
  std::optional<TimeOfDay> time;  // not-before time on the trading date
  // intraday only
  Seconds interval{0};  // interval_minutes * 60 or interval_seconds
  bool market_hours_only = false;
  SessionKind session = SessionKind::Regular;
  bool operator==(const TaskSpec&) const = default;
};

struct MarketHours {
  std::string calendar = "NYSE";
  TimeOfDay open{std::chrono::hours(9) + std::chrono::minutes(30)};
  TimeOfDay close{std::chrono::hours(16)};
  TimeOfDay pre_market_open{std::chrono::hours(4)};
  TimeOfDay post_market_close{std::chrono::hours(20)};
  std::vector<std::chrono::year_month_day> extra_closures;
  std::map<std::chrono::sys_days, TimeOfDay> extra_early_closes;
  bool operator==(const MarketHours&) const = default;
};

struct AlertCommand {
  std::vector<std::string> command;
  Seconds timeout{30};
  bool operator==(const AlertCommand&) const = default;
};

struct FreshnessThresholds {
  std::map<std::string, Seconds> green;   // age < green is green
  std::map<std::string, Seconds> yellow;  // age < yellow is yellow, else red
  bool operator==(const FreshnessThresholds&) const = default;
};

struct PipelineConfig {
  std::filesystem::path file;      // absolute path of the pipeline file
  std::filesystem::path base_dir;  // its folder: tasks' working directory, base of relative paths
  // False when the file is a pipe or device (-c /dev/stdin): it has no folder, so relative
  // paths in it are refused, `database` is empty unless given (absolute) and tasks run in
  // the current folder (base_dir).
  bool folder_known = true;
  std::string timezone = "America/New_York";
  std::filesystem::path database;  // absolute
  std::filesystem::path log_dir;   // absolute
  int max_parallel = 4;
  Seconds kill_grace{10};
  DailyDays daily_days = DailyDays::Trading;
  // --daily first fills the missed trading dates among this many before today (0: none).
  int daily_catchup = 0;
  std::optional<std::filesystem::path> metrics_file;  // absolute
  std::optional<AlertCommand> on_failure;
  // --serve: the file holding the control endpoints' bearer token (absolute), and the extra
  // Host names the server answers to besides loopback and its listening address.
  std::optional<std::filesystem::path> serve_token_file;
  std::vector<std::string> serve_allowed_hosts;
  MarketHours market_hours;
  RetryPolicy retry_policy;
  FreshnessThresholds freshness;
  std::map<std::string, ExecutorSpec> executors;
  std::string default_executor = kLocalExecutor;
  std::vector<TaskSpec> daily;
  std::vector<TaskSpec> intraday;
  std::map<std::string, int> setting_lines;  // line of each top-level key the file sets

  // The executor a task runs on, or nullptr when it runs on this machine.
  const ExecutorSpec* executor_for(const TaskSpec& task) const {
    const auto it = executors.find(task.executor);
    return it == executors.end() ? nullptr : &it->second;
  }

  const RetryPolicy& retry_for(const TaskSpec& task) const {
    return task.retry ? *task.retry : retry_policy;
  }

  // Field by field (what the pipeline-file cache's round trip is checked with).
  bool operator==(const PipelineConfig&) const = default;
};

// "Asset Collection" -> "asset_collection": the default data_source of a task, and the name
// of its log folder. Words are runs of letters and digits of any script (is_word_char),
// joined by '_'; ASCII letters are lowercased, others kept as written ("Цены акций" ->
// "Цены_акций", "価格データ" stays, "Café" and "Cafè" stay distinct).
std::string snake_case(std::string_view name);

}  // namespace orch
