// on_failure: building the alert's process request and waiting for it on the mode's runner.
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
                file_part(alert.kind == AlertKind::SourceRed ? alert.source : alert.task) +
                ".log");
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

namespace {

Status outcome_of(const ProcessRequest& request, const ProcessCompletion& c) {
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
    case ExitKind::Stopped:
      return make_error(what + " was stopped");
  }
  return ok();
}

bool same_alert(const Alert& a, const Alert& b) {
  return a.kind == b.kind && a.task == b.task && a.source == b.source && a.status == b.status &&
         a.error == b.error;
}

}  // namespace

std::vector<AlertOutcome> send_alerts(const PipelineConfig& config, ProcessRunner& processes,
                                      const std::vector<Alert>& alerts,
                                      const std::vector<std::string>& base_env, WallTime now) {
  std::vector<AlertOutcome> out;
  for (const Alert& a : alerts) {
    const bool dup = std::any_of(out.begin(), out.end(),
                                 [&](const AlertOutcome& o) { return same_alert(o.alert, a); });
    if (!dup) out.push_back({a, ok()});
  }
  struct Running {
    std::size_t index;
    ProcessId id;
    ProcessRequest request;
  };
  std::vector<Running> running;
  std::size_t next = 0;
  // The runner enforces each deadline (SIGTERM, SIGKILL after the grace); this loop starts
  // alerts while there is room and collects their ends, and gives up on a stop signal.
  while (next < out.size() || !running.empty()) {
    while (next < out.size() && running.size() < kMaxAlertsAtOnce) {
      const std::size_t i = next++;
      auto request = alert_request(config, out[i].alert, base_env, now);
      if (!request) {
        out[i].status = request.error();
        continue;
      }
      auto id = processes.start(*request);
      if (!id) {
        out[i].status = make_error("cannot start " + format_command(request->argv) + ": " +
                                   id.error().message);
        continue;
      }
      running.push_back({i, *id, std::move(*request)});
    }
    if (running.empty()) break;
    for (const ProcessCompletion& c : processes.wait(Millis{1000})) {
      auto it = std::find_if(running.begin(), running.end(), [&](const Running& r) { return r.id == c.id; });
      if (it == running.end()) continue;
      out[it->index].status = outcome_of(it->request, c);
      running.erase(it);
    }
    if (processes.stop_signal() != 0) {
      processes.stop_all();
      for (const Running& r : running) {
        out[r.index].status = make_error("stop signal received while the on_failure command ran; it was ended");
      }
      for (std::size_t i = next; i < out.size(); ++i) {
        out[i].status = make_error("not sent: stop signal received");
      }
      break;
    }
  }
  return out;
}

Status send_alert(const PipelineConfig& config, ProcessRunner& processes, const Alert& alert,
                  const std::vector<std::string>& base_env, WallTime now) {
  return send_alerts(config, processes, {alert}, base_env, now).front().status;
}

}  // namespace orch
