#include "orchestrator/app/launch.h"

#include "orchestrator/sched/intraday_loop.h"

#include <algorithm>

#include "orchestrator/exec/command.h"
#include "orchestrator/exec/slurm.h"
#include "orchestrator/util/env.h"

extern char** environ;

namespace orch {

namespace {}  // namespace

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

Launch make_launch(const LaunchContext& ctx, const TaskSpec& task, int attempt,
                   WallTime scheduled_at, WallTime now) {
  const PipelineConfig& cfg = *ctx.config;
  Launch l;
  l.scheduled_at = scheduled_at;
  ProcessRequest& r = l.request;
  r.task_name = task.name;
  r.cwd = cfg.base_dir;
  r.timeout = task.max_runtime;
  r.kill_grace = cfg.kill_grace;
  r.log_root = cfg.log_dir;
  r.log_path = cfg.log_dir / snake_case(task.name) /
               (format_compact_utc(now) + "-run" + std::to_string(ctx.run_id) + "-attempt" +
                std::to_string(attempt) + ".log");
  auto argv = resolve_command(task.script_path, task.args);
  if (argv) {
    r.argv = *argv;
  } else {
    r.argv.push_back(task.script_path.string());
    r.argv.insert(r.argv.end(), task.args.begin(), task.args.end());
    l.unstartable = argv.error();
  }
  l.command = format_command(r.argv);

  r.env = ctx.base_env;
  for (const auto& [key, value] : task.env) set_env(r.env, key, value);
  set_env(r.env, "ORCHESTRATOR_TASK", task.name);
  set_env(r.env, "ORCHESTRATOR_RUN_ID", std::to_string(ctx.run_id));
  set_env(r.env, "ORCHESTRATOR_ATTEMPT", std::to_string(attempt));
  set_env(r.env, "ORCHESTRATOR_DB", cfg.database.string());
  set_env(r.env, "ORCHESTRATOR_SCHEDULED_AT", format_iso_utc(scheduled_at));
  set_env(r.env, "ORCHESTRATOR_TRADING_DATE",
          ctx.calendar && task.schedule == Schedule::Intraday
              ? format_date(session_date(*ctx.calendar, task, scheduled_at))
              : ctx.trading_date);
  set_env(r.env, "ORCHESTRATOR_MODE", ctx.mode);
  // The task's time limit, so that it can give up on a wait (a lock) and say why before it is
  // killed.
  set_env(r.env, "ORCHESTRATOR_MAX_RUNTIME_SECONDS", std::to_string(task.max_runtime.count()));
  if (const ExecutorSpec* ex = cfg.executor_for(task)) {
    RemoteSpec remote;
    remote.type = ex->type;
    remote.executor = ex->name;
    remote.job_name = "orch." + snake_case(task.name);
    remote.partition = ex->partition;
    remote.account = ex->account;
    remote.cpus = task.cpus > 0 ? task.cpus : ex->cpus;
    remote.memory = task.memory.empty() ? ex->memory : task.memory;
    remote.extra_args = ex->extra_args;
    remote.poll = ex->poll;
    remote.max_pending = ex->max_pending;
    r.remote = std::move(remote);
  }
  return l;
}

std::optional<std::string> submit_preview(const PipelineConfig& cfg, const TaskSpec& task,
                                          const std::string& mode, const std::string& trading_date,
                                          WallTime now) {
  if (!cfg.executor_for(task)) return std::nullopt;
  const LaunchContext ctx{&cfg, mode, 0, trading_date, {}};
  const Launch l = make_launch(ctx, task, 1, now, now);
  return format_command(slurm::sbatch_argv(l.request, cfg.log_dir / slurm::kWrapperFileName));
}

}  // namespace orch
