#pragma once
// The on_failure alert: the configured command run (argv, no shell, in the pipeline's folder)
// with the details in ORCHESTRATOR_ALERT_* variables, through the mode's ProcessRunner (the
// process engine reaps every child, so nothing else may fork), bounded by its timeout.
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

// Runs the alert and waits for it. Call only while no task runs on `processes` (completions
// of other processes would be lost). An Error when it cannot start, exits non-zero, times out
// or a stop signal cuts the wait; the caller logs it and goes on.
Status send_alert(const PipelineConfig& config, ProcessRunner& processes, const Alert& alert,
                  const std::vector<std::string>& base_env, WallTime now);

// At most this many alerts of one batch run at once.
constexpr std::size_t kMaxAlertsAtOnce = 4;

struct AlertOutcome {
  Alert alert;
  Status status;
};

// Runs a batch of alerts side by side, at most kMaxAlertsAtOnce at a time, each bounded by
// its timeout, and waits for all of them: ten alerts with a hanging command cost about three
// timeouts, not ten. Identical alerts (same kind, task, source, status and error) are sent
// once. One outcome per alert sent, in the order given. Same caveats as send_alert.
std::vector<AlertOutcome> send_alerts(const PipelineConfig& config, ProcessRunner& processes,
                                      const std::vector<Alert>& alerts,
                                      const std::vector<std::string>& base_env, WallTime now);

}  // namespace orch
