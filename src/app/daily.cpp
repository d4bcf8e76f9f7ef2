// --daily: the daily DAG once, in tier and dependency order, each task not before its time
// on the trading date, skipping what already succeeded for that date unless --force.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/health_check.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/app/session.h"
#include "orchestrator/app/plan_report.h"
#include "orchestrator/app/plan_tasks.h"
#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/ui/console_status.h"

namespace orch {

namespace {

std::vector<PlanTask> daily_plan(const Pipeline& p, const std::vector<const TaskSpec*>& tasks,
                                 std::chrono::year_month_day trading_date, bool no_wait,
                                 const std::set<std::string>& already_done) {
  std::vector<PlanTask> out = to_plan_tasks(p.config, tasks);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i]->time && !no_wait) out[i].not_before = p.zone.at(trading_date, *tasks[i]->time);
    out[i].already_done = already_done.contains(tasks[i]->name);
  }
  return out;
}

}  // namespace

int run_daily(const GlobalOptions& global, const RunOptions& options) {
  const SystemClock system_clock(global.now);
  auto pipeline = load_pipeline(global, false, system_clock);
  if (!pipeline) return exit_code::kUsage;
  const PipelineConfig& cfg = pipeline->config;
  auto selected = select_tasks(cfg.daily, options.tasks);
  if (!selected) {
    spdlog::error("{}", selected.error().message);
    return exit_code::kUsage;
  }
  const int jobs = options.jobs.value_or(cfg.max_parallel);
  const WallTime start = pipeline->clock->now();
  const auto trading_day = pipeline->zone.date_of(start);
  const std::string trading_date = format_date(trading_day);

  if (options.scheduled) {
    auto calendar = MarketCalendar::create(cfg.market_hours, pipeline->zone);
    if (!calendar) {
      spdlog::error("{}", calendar.error().message);
      return exit_code::kUsage;
    }
    if (!is_daily_day(cfg.daily_days, *calendar, trading_day)) {
      auto why = calendar->closure_reason(trading_day);
      spdlog::info("{} is not a daily day ({}{}): nothing to run", trading_date,
                   why ? *why + ", " : "", "see daily_days");
      return exit_code::kOk;
    }
  }
  if (options.dry_run) {
    print_dry_run(*pipeline, *selected, trading_day, options.no_wait, jobs);
    return exit_code::kOk;
  }

  PosixProcessRunner processes;  // from here on, stop signals wait for a clean stop
  auto session = open_store(*pipeline, "daily");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  StatusStore& store = *session->store;
  std::vector<std::string> names;
  for (const auto& t : cfg.daily) names.push_back(t.name);
  std::set<std::string> done;
  if (!options.force) {
    auto succeeded = store.succeeded_on(trading_date);
    if (!succeeded) {
      spdlog::error("{}", succeeded.error().message);
      return exit_code::kStoreError;
    }
    done = *succeeded;
  }
  if (auto added = store.ensure_tasks(names, start); !added) {
    spdlog::error("{}", added.error().message);
    return exit_code::kStoreError;
  }
  auto run_id = store.begin_run("daily", trading_date, start);
  if (!run_id) {
    spdlog::error("{}", run_id.error().message);
    return exit_code::kStoreError;
  }

  Plan plan(daily_plan(*pipeline, *selected, trading_day, options.no_wait, done), jobs);
  spdlog::info("Daily pipeline: {} task(s), trading date {} ({}), run {}", selected->size(),
               trading_date, cfg.timezone, *run_id);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan.state(static_cast<int>(i)) == PlanState::AlreadyDone) {
      spdlog::info("{} already succeeded for {} (--force runs it again)", plan.task(i).name,
                   trading_date);
    }
  }
  LaunchContext ctx{&cfg, "daily", *run_id, trading_date, current_environment()};
  ConsoleStatus sink(console_style(global.color), "Daily pipeline",
                     [&](WallTime t) { return pipeline->zone.local_datetime(t); });
  Runner runner(plan, processes, store, sink, *pipeline->clock, *run_id,
                [&](int id, int attempt) {
                  const TaskSpec& t = *(*selected)[id];
                  WallTime scheduled = plan.task(id).not_before.value_or(start);
                  if (t.time && options.no_wait) scheduled = pipeline->zone.at(trading_day, *t.time);
                  return make_launch(ctx, t, attempt, scheduled, pipeline->clock->now());
                });
  RunResult result = runner.run();

  const int code_after = finish_run(store, *run_id, result, pipeline->clock->now());
  after_run(*pipeline, store, processes, *run_id, result);  // alerts, freshness, metrics
  // A stop while the alerts ran ended them: the exit says so (143/130), not the run's outcome.
  if (int sig = processes.stop_signal(); sig != 0 && code_after != exit_code::kStoreError) {
    return exit_code::signal_exit(sig);
  }
  return code_after;
}

}  // namespace orch
