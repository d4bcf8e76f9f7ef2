// --full: a supervisor (sched/supervisor.h decides what runs when) whose runners are this
// binary re-executed as `--daily` and `--intraday`; SIGTERM/SIGINT stop both.
#include <spdlog/spdlog.h>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/app/session.h"
#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/exec/command.h"
#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/exec/self_path.h"
#include "orchestrator/health/alerts.h"
#include "orchestrator/sched/supervisor.h"

namespace orch {

namespace {

// The supervisor's hands: each runner is this binary re-executed (`orchestrator` when this is
// orchestrator-web: exec/self_path.h) with the pipeline's file and database, its output in
// log_dir/supervisor/; each event is logged and recorded in the store.
class FullHost final : public SupervisorHost {
 public:
  FullHost(const GlobalOptions& global, const Pipeline& pipeline, StatusStore& store,
           ProcessRunner& processes, Millis interval)
      : global_(global),
        p_(pipeline),
        store_(store),
        processes_(processes),
        interval_(interval),
        self_(light_executable(global.argv0)),
        env_(current_environment()) {}

  ProcessId start_runner(RunnerRole which) override {
    const std::string role = to_string(which);
    std::vector<std::string> argv{
        self_.string(), "-c", p_.config.file.string(), "--db", p_.config.database.string(),
        "--no-color"};
    if (global_.now) argv.insert(argv.end(), {"--now", format_iso_utc(p_.clock->now())});
    if (global_.verbosity == Verbosity::Verbose) argv.emplace_back("-v");
    if (which == RunnerRole::Daily) {
      argv.emplace_back("--daily");
    } else {
      argv.insert(argv.end(), {"--intraday", "--interval",
                               fmt::format("{:g}", static_cast<double>(interval_.count()) / 1000)});
    }
    ProcessRequest r;
    r.task_name = role;
    r.argv = argv;
    r.env = env_;
    r.cwd = p_.config.base_dir;
    r.log_path = p_.config.log_dir / "supervisor" /
                 (role + "-" + format_compact_utc(p_.clock->now()) + ".log");
    r.kill_grace = p_.config.kill_grace * 2 + Seconds{5};  // room for the child's own cleanup
    auto id = processes_.start(r);
    if (!id) {
      spdlog::error("cannot start the {} runner: {}", role, id.error().message);
      event(role + "-start-failed", id.error().message);
      return 0;
    }
    spdlog::info("started the {} runner (output in {})", role, r.log_path.string());
    event(role + "-started", format_command(argv));
    return *id;
  }

  void event(const std::string& kind, const std::string& detail) override {
    if (kind == "daily-finished") spdlog::info("the daily runner finished ({})", detail);
    if (kind == "intraday-died") spdlog::warn("the intraday runner died ({})", detail);
    if (kind == "daily-died") spdlog::warn("the daily runner died ({})", detail);
    if (kind == "daily-restarted") spdlog::warn("restarted the daily runner");
    if (kind == "stopped") spdlog::warn("{}: stopped the runners", detail);
    if (auto s = store_.record_event(kind, detail, p_.clock->now()); !s) {
      spdlog::warn("{}", s.error().message);
    }
  }

  // on_failure (kind runner_died) for the first death of a streak, started on the
  // supervisor's process runner and not waited for: the runner enforces its timeout, the
  // supervisor's loop reaps it, a stop ends it.
  void runner_died(RunnerRole role, const std::string& detail, bool first) override {
    if (!first || !p_.config.on_failure) return;
    Alert alert;
    alert.kind = AlertKind::RunnerDied;
    alert.task = to_string(role);
    alert.status = detail.substr(0, detail.find(';'));
    alert.error = std::string("the --full ") + to_string(role) + " runner died (" + detail + ")";
    auto request = alert_request(p_.config, alert, env_, p_.clock->now());
    if (!request) {
      spdlog::warn("on_failure alert (runner_died {}): {}", alert.task, request.error().message);
      return;
    }
    if (auto id = processes_.start(*request); !id) {
      spdlog::warn("on_failure alert (runner_died {}) failed: {}", alert.task, id.error().message);
    } else {
      spdlog::info("on_failure alert started: runner_died {}", alert.task);
    }
  }

  bool daily_ever_succeeded() override {
    auto yes = store_.any_run_succeeded("daily");
    if (!yes) {
      spdlog::warn("{}", yes.error().message);
      return true;  // unknown: do not hold back the intraday runner
    }
    return *yes;
  }

  void next_daily(WallTime at) override {
    spdlog::info("next daily run: {}", p_.zone.local_datetime(at));
  }

 private:
  const GlobalOptions& global_;
  const Pipeline& p_;
  StatusStore& store_;
  ProcessRunner& processes_;
  Millis interval_;
  std::filesystem::path self_;
  std::vector<std::string> env_;
};

}  // namespace

int run_full(const GlobalOptions& global, Millis intraday_interval) {
  const SystemClock system_clock(global.now);
  auto pipeline = load_pipeline(global, false, system_clock);
  if (!pipeline) return exit_code::kUsage;
  PosixProcessRunner processes;  // the runners are local children
  pipeline->processes = &processes;
  return run_full(global, intraday_interval, *pipeline);
}

int run_full(const GlobalOptions& global, Millis intraday_interval, const Pipeline& pipeline) {
  auto calendar = load_calendar(pipeline);
  if (!calendar) return exit_code::kUsage;
  ProcessRunner& processes = *pipeline.processes;
  processes.arm();
  auto session = open_store(pipeline, "full");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  FullHost host(global, pipeline, *session->store, processes, intraday_interval);
  Supervisor supervisor(*pipeline.clock, processes, host, *calendar, pipeline.config.daily_days,
                        earliest_daily_time(pipeline.config));
  return exit_code::signal_exit(supervisor.run());
}

}  // namespace orch
