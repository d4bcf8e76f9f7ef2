// on_failure: building the alert's process request, its coalescing key and the meaning of its end.
#include "orchestrator/health/alerts.h"

#include <algorithm>

#include "orchestrator/exec/command.h"
#include "orchestrator/util/env.h"
#include "orchestrator/util/text.h"

namespace orch {
namespace {

// Where a program named `program` is executed from: a path, or a bare name for PATH.
Expected<std::vector<std::string>> alert_argv(const PipelineConfig& config,
                                              const std::vector<std::string>& command) {
  namespace fs = std::filesystem;
  const std::string& program = command.front();
  const std::vector<std::string> args(command.begin() + 1, command.end());
  fs::path path(program);
  if (path.is_relative()) path = config.base_dir / path;
  std::error_code ec;
  if (program.find('/') != std::string::npos || fs::exists(path, ec)) {
    return resolve_command(path.lexically_normal(), args);
  }
  return command;  // spawn looks a bare name up in PATH
}

std::string file_part(std::string_view subject) {
  std::string s = snake_case(subject);
  s.resize(utf8_prefix(s, 60));
  return s.empty() ? "alert" : s;
}

}  // namespace

std::string_view to_string(AlertKind k) {
  switch (k) {
    case AlertKind::TaskFailed: return "task_failed";
    case AlertKind::SourceRed: return "source_red";
    case AlertKind::RunnerDied: return "runner_died";
  }
  return "task_failed";
}

Expected<ProcessRequest> alert_request(const PipelineConfig& config, const Alert& alert,
                                       const std::vector<std::string>& base_env, WallTime now) {
  if (!config.on_failure || config.on_failure->command.empty()) {
    return make_error("no on_failure command is configured", false);
  }
  const AlertCommand& cmd = *config.on_failure;
  auto argv = alert_argv(config, cmd.command);
  if (!argv) return argv.error();
  static int sequence = 0;  // two alerts in the same second get their own logs
  ProcessRequest r;
  r.task_name = "on_failure";
  r.argv = *argv;
  r.cwd = config.base_dir;
  r.timeout = cmd.timeout;
  r.kill_grace = std::min<Millis>(config.kill_grace, Millis{5000});
  r.log_path = config.log_dir / "alerts" /
               (format_compact_utc(now) + "-" + std::to_string(++sequence) + "-" +
                std::string(to_string(alert.kind)) + "-" +
                file_part(alert.kind == AlertKind::SourceRed ? alert.source : alert.task) + ".log");
  r.env = base_env;
  set_env(r.env, "ORCHESTRATOR_ALERT_KIND", std::string(to_string(alert.kind)));
  set_env(r.env, "ORCHESTRATOR_ALERT_TASK", alert.task);
  set_env(r.env, "ORCHESTRATOR_ALERT_SOURCE", alert.source);
  set_env(r.env, "ORCHESTRATOR_ALERT_STATUS", alert.status);
  set_env(r.env, "ORCHESTRATOR_ALERT_ERROR", alert.error);
  set_env(r.env, "ORCHESTRATOR_ALERT_LOG", alert.log);
  set_env(r.env, "ORCHESTRATOR_RUN_ID", alert.run_id);
  set_env(r.env, "ORCHESTRATOR_DB", config.database.string());
  return r;
}

std::string alert_subject(const Alert& alert) {
  return std::string(to_string(alert.kind)) + " " +
         (alert.kind == AlertKind::SourceRed ? alert.source : alert.task);
}

std::string alert_key(const Alert& alert) {
  return alert_subject(alert) + "\n" + alert.task + "\n" + alert.source + "\n" + alert.status +
         "\n" + alert.error;
}

Status alert_outcome(const ProcessRequest& request, const ProcessCompletion& c) {
  const std::string what = format_command(request.argv);
  switch (c.kind) {
    case ExitKind::Exited:
      if (c.exit_code == 0) return ok();
      return make_error(what + " exited with code " + std::to_string(c.exit_code) + " (log " +
                        request.log_path.string() + ")");
    case ExitKind::TimedOut:
      return make_error(what + " timed out after " + format_duration(request.timeout));
    case ExitKind::Signaled:
      return make_error(what + " was killed by signal " + std::to_string(c.signal));
    case ExitKind::Stopped: return make_error(what + " was ended by a stop signal");
  }
  return ok();
}

}  // namespace orch
