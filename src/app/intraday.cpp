// --intraday: the store, the console and the per-pass run (a runs row, the Runner, the
// after-run checks) around sched/'s IntradayScheduler, which decides what is due and when to
// wake; once, or continuously until SIGTERM/SIGINT.
#include <spdlog/spdlog.h>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/health_check.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/app/plan_tasks.h"
#include "orchestrator/app/session.h"
#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/exec/command.h"
#include "orchestrator/exec/dispatch_process_runner.h"
#include "orchestrator/sched/intraday_loop.h"
#include "orchestrator/ui/console_status.h"

namespace orch {

namespace {

// One pass's work: a runs row, the due tasks through the Runner, the row closed, the
// after-run checks (alerts, freshness, metrics).
class IntradayRun final : public IntradayPass {
 public:
  IntradayRun(const Pipeline& pipeline, const MarketCalendar& calendar, const RunOptions& options,
              StatusStore& store, BackgroundProcesses& processes, StatusSink& sink,
              std::vector<std::string> base_env)
      : pipeline_(pipeline),
        calendar_(calendar),
        options_(options),
        store_(store),
        processes_(processes),
        sink_(sink),
        base_env_(std::move(base_env)) {}

  Result run(const std::vector<const TaskSpec*>& due, WallTime now) override {
    const PipelineConfig& cfg = pipeline_.config;
    const Clock& clock = *pipeline_.clock;
    const std::string trading_date = format_date(pipeline_.zone.date_of(now));
    auto run_id = store_.begin_run("intraday", trading_date, now);
    if (!run_id) {
      spdlog::error("{}", run_id.error().message);
      return {false, exit_code::kStoreError};
    }
    Plan plan(to_plan_tasks(cfg, due), options_.jobs.value_or(cfg.max_parallel));
    LaunchContext ctx{&cfg, "intraday", *run_id, trading_date, base_env_, &calendar_};
    Runner runner(plan, processes_, store_, sink_, clock, *run_id, [&](int id, int attempt) {
      return make_launch(ctx, *due[id], attempt, now, clock.now());
    });
    const RunResult result = runner.run();
    const int pass = finish_run(store_, *run_id, result, clock.now());
    after_run(pipeline_, store_, processes_, *run_id, result);  // alerts, freshness, metrics
    if (int sig = processes_.stop_signal(); sig != 0 && pass != exit_code::kStoreError) {
      return {false, exit_code::signal_exit(sig)};  // stopped while the alerts ran
    }
    if (pass != exit_code::kOk && pass != exit_code::kFailed) return {false, pass};
    return {pass == exit_code::kFailed, std::nullopt};
  }

  void stepped_back(const std::string& task, WallTime last_start, WallTime now) override {
    spdlog::warn(
        "{}: its last start {} is after the clock's now {} (the clock was stepped back?): "
        "counted as due",
        task, format_iso_utc(last_start), format_iso_utc(now));
  }

  void idle(WallTime now) override {
    auto s = calendar_.session_at(now);
    spdlog::debug("intraday: nothing due (market {}{})", to_string(s.session),
                  s.reason.empty() ? "" : ", " + s.reason);
  }

 private:
  const Pipeline& pipeline_;
  const MarketCalendar& calendar_;
  const RunOptions& options_;
  StatusStore& store_;
  BackgroundProcesses& processes_;
  StatusSink& sink_;
  std::vector<std::string> base_env_;
};

}  // namespace

int run_intraday(const GlobalOptions& global, const RunOptions& options, bool once,
                 Millis max_sleep) {
  const SystemClock system_clock(global.now);
  auto in = load_schedule(global, system_clock, Schedule::Intraday, options.tasks);
  if (!in) return exit_code::kUsage;
  DispatchProcessRunner processes(in->pipeline.config.log_dir, current_environment());
  in->pipeline.processes = &processes;
  return run_intraday(global, options, once, max_sleep, *in);
}

int run_intraday(const GlobalOptions& global, const RunOptions& options, bool once,
                 Millis max_sleep, const ScheduleInput& in) {
  const Pipeline& pipeline = in.pipeline;
  const PipelineConfig& cfg = pipeline.config;
  const MarketCalendar& calendar = in.calendar;
  const std::vector<const TaskSpec*>& selected = in.tasks;
  const Clock& clock = *pipeline.clock;

  if (options.dry_run) {
    const WallTime now = clock.now();
    auto state = calendar.session_at(now);
    fmt::print("DRY RUN: nothing will be executed or written\n");
    fmt::print("Intraday pass at {}: market {}{}\n", pipeline.zone.local_datetime(now),
               to_string(state.session), state.reason.empty() ? "" : " (" + state.reason + ")");
    for (const TaskSpec* t : selected) {
      const bool session_ok = in_session(calendar, *t, now);
      auto argv = resolve_command(t->script_path, t->args);
      fmt::print("  tier {} {}: {}\n", t->tier, t->name,
                 session_ok ? "due unless it ran within its interval (the database is not read)"
                            : "outside its session: not run");
      fmt::print("      would run: {}\n", argv ? format_command(*argv) : argv.error().message);
      if (auto sbatch = submit_preview(pipeline.config, *t, "intraday",
                                       format_date(pipeline.zone.date_of(now)), now)) {
        fmt::print("      as a Slurm job ({}): {}\n", t->executor, *sbatch);
      }
    }
    return exit_code::kOk;
  }

  // From here on, stop signals wait for a clean stop (local children and Slurm jobs).
  pipeline.processes->arm();
  // The passes' tasks and their on_failure alerts, which run beside the loop: a pass never
  // waits for an alert, the loop's sleep collects their ends.
  BackgroundProcesses processes = alert_runner(*pipeline.processes, clock);
  auto session = open_store(pipeline, "intraday");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  StatusStore& store = *session->store;
  std::vector<std::string> names;
  for (const auto& t : cfg.intraday) names.push_back(t.name);
  if (auto added = store.ensure_tasks(names, clock.now()); !added) {
    spdlog::error("{}", added.error().message);
    return exit_code::kStoreError;
  }
  auto starts = store.last_starts();
  if (!starts) {
    spdlog::error("{}", starts.error().message);
    return exit_code::kStoreError;
  }
  IntradayScheduler scheduler(calendar, selected, *starts);
  ConsoleStatus sink(console_style(global.color), "Intraday pass",
                     [&](WallTime t) { return pipeline.zone.local_datetime(t); });
  IntradayRun pass(pipeline, calendar, options, store, processes, sink, current_environment());
  const IntradayOutcome out = scheduler.run(clock, processes, pass, once, max_sleep);
  if (out.abort_code) return finish_alerts(cfg, processes, *out.abort_code);
  if (out.stop_signal) {
    spdlog::warn("stopped by signal {}", out.stop_signal);
    return finish_alerts(cfg, processes, exit_code::signal_exit(out.stop_signal));  // ends them
  }
  if (once && out.passes_run == 0) spdlog::info("Intraday pass: nothing due");
  return finish_alerts(cfg, processes, out.any_failed ? exit_code::kFailed : exit_code::kOk);
}

}  // namespace orch
