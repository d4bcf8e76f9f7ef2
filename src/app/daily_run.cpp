// The daily DAG for one trading date (see app/daily_run.h).
#include "orchestrator/app/daily_run.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/health_check.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/plan_tasks.h"
#include "orchestrator/app/session.h"
#include "orchestrator/sched/backfill.h"
#include "orchestrator/ui/console_status.h"

namespace orch {

namespace {

std::vector<PlanTask> daily_plan(const Pipeline& p, const std::vector<const TaskSpec*>& tasks,
                                 Date trading_date, bool honour_times,
                                 const std::set<std::string>& already_done) {
  std::vector<PlanTask> out = to_plan_tasks(p.config, tasks);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i]->time && honour_times)
      out[i].not_before = p.zone.at(trading_date, *tasks[i]->time);
    out[i].already_done = already_done.contains(tasks[i]->name);
  }
  return out;
}

DailyRunOutcome store_failure(const std::string& message) {
  spdlog::error("{}", message);
  DailyRunOutcome out;
  out.code = exit_code::kStoreError;
  out.result.store_error = message;
  return out;
}

}  // namespace

DailyRunOutcome run_daily_date(const DailyRunContext& ctx, Date day,
                               const DailyRunOptions& options) {
  const Pipeline& pipeline = *ctx.pipeline;
  const PipelineConfig& cfg = pipeline.config;
  StatusStore& store = *ctx.store;
  const WallTime start = pipeline.clock->now();
  const std::string trading_date = format_date(day);
  const Date today = pipeline.zone.date_of(start);
  const bool past = std::chrono::sys_days{day} < std::chrono::sys_days{today};
  const bool honour_times = waits_for_times(day, today, options.no_wait);

  std::set<std::string> done;
  if (!options.force) {
    auto succeeded = store.succeeded_on(trading_date);
    if (!succeeded) return store_failure(succeeded.error().message);
    done = *succeeded;
  }
  std::vector<std::string> names;
  for (const auto& t : cfg.daily) names.push_back(t.name);
  if (auto added = store.ensure_tasks(names, start); !added)
    return store_failure(added.error().message);
  auto run_id = store.begin_run("daily", trading_date, start);
  if (!run_id) return store_failure(run_id.error().message);

  Plan plan(daily_plan(pipeline, ctx.tasks, day, honour_times, done), ctx.jobs);
  spdlog::info("Daily pipeline: {} task(s), trading date {} ({}{}), run {}", ctx.tasks.size(),
               trading_date, cfg.timezone, past ? ", a past date: `time`s ignored" : "", *run_id);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan.state(static_cast<int>(i)) == PlanState::AlreadyDone) {
      spdlog::info("{} already succeeded for {} (--force runs it again)", plan.task(i).name,
                   trading_date);
    }
  }
  LaunchContext launch{&cfg, "daily", *run_id, trading_date, current_environment()};
  ConsoleStatus sink(console_style(ctx.global->color), "Daily pipeline " + trading_date,
                     [&](WallTime t) { return pipeline.zone.local_datetime(t); });
  Runner runner(plan, *ctx.processes, store, sink, *pipeline.clock, *run_id,
                [&](int id, int attempt) {
                  const TaskSpec& t = *ctx.tasks[id];
                  // The instant the task was due on its date, even when the wait was skipped.
                  const WallTime scheduled = t.time ? pipeline.zone.at(day, *t.time) : start;
                  return make_launch(launch, t, attempt, scheduled, pipeline.clock->now());
                });
  DailyRunOutcome out;
  out.result = runner.run();
  out.code = finish_run(store, *run_id, out.result, pipeline.clock->now());
  after_run(pipeline, store, *ctx.processes, *run_id, out.result);  // alerts, freshness, metrics
  // A stop while the alerts ran ended them: the exit says so (143/130), not the run's outcome,
  // and no later date of a backfill or catch-up starts.
  if (int sig = ctx.processes->stop_signal(); sig != 0 && out.code != exit_code::kStoreError) {
    out.code = exit_code::signal_exit(sig);
    out.result.stop_signal = sig;
  }
  return out;
}

std::string date_progress(std::size_t index, std::size_t count, Date day, Millis elapsed) {
  std::string text = "date " + std::to_string(index + 1) + " of " + std::to_string(count) + " (" +
                     format_date(day) + "), " + format_duration(elapsed) + " elapsed";
  if (index == 0) return text + ", estimate after the first date";
  const auto per_date = elapsed / static_cast<long>(index);
  return text + ", about " + format_duration(per_date * static_cast<long>(count - index)) + " left";
}

int worse_exit_code(int so_far, int next) {
  if (so_far != exit_code::kOk && so_far != exit_code::kFailed) return so_far;
  if (next != exit_code::kOk && next != exit_code::kFailed) return next;
  return std::max(so_far, next);
}

}  // namespace orch
