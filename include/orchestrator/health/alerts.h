#pragma once
// The on_failure alert: the configured command run (argv, no shell, in the pipeline's folder)
// with the details in ORCHESTRATOR_ALERT_* variables, bounded by its timeout. Modes start it
// beside the pipeline on their process runner (sched/background.h: the process engine reaps
// every child, so nothing else may fork); no task, pass or check waits for it.
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/config/config.h"
#include "orchestrator/sched/process_runner.h"

namespace orch {

enum class AlertKind { TaskFailed, SourceRed, RunnerDied };
std::string_view to_string(AlertKind k);  // "task_failed", "source_red", "runner_died"

struct Alert {
  AlertKind kind = AlertKind::TaskFailed;
  std::string task;    // the failed task; for source_red the source's tasks, joined by ", ";
                       // for runner_died the --full runner ("daily", "intraday")
  std::string source;  // the task's data_source, or the source that turned red
  std::string status;  // FAILED or TIMEOUT; "red" for source_red
  std::string error;   // the task's last error, or why the source is red
  std::string log;     // the log file of the failed attempt ("" for source_red)
  std::string run_id;  // ORCHESTRATOR_RUN_ID of the run that noticed it ("" for --health)
};

// The request for `alert`: command[0] is resolved like a task's script when it names a path
// (relative to the pipeline's folder) or a file there; a bare name not found there is looked
// up in PATH. Output goes to log_dir/alerts/; SIGTERM at the alert's timeout_seconds.
Expected<ProcessRequest> alert_request(const PipelineConfig& config, const Alert& alert,
                                       const std::vector<std::string>& base_env, WallTime now);

// At most this many alerts run at once in one orchestrator; more wait in a queue of at most
// kMaxAlertsQueued (beyond that an alert is dropped and logged).
constexpr std::size_t kMaxAlertsAtOnce = 4;
constexpr std::size_t kMaxAlertsQueued = 64;

// "task_failed Fetch prices", "source_red price_data": what log lines name.
std::string alert_subject(const Alert& alert);
// Alerts with the same key are the same news (kind, task, source, status and error; not the
// run id): one of them running or waiting is enough. The key starts with alert_subject.
std::string alert_key(const Alert& alert);
// What a finished alert process's end means: ok, or why it failed (exit code and log,
// time limit, signal, stopped).
Status alert_outcome(const ProcessRequest& request, const ProcessCompletion& c);

}  // namespace orch
