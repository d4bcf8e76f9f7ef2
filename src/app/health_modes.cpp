// --health: freshness of every data source and the state of every task, recorded in
// source_freshness and shown as the dashboard (or JSON); exit 1 when a source is red.
// --update-stale: run the tasks writing sources at or beyond --min-staleness, now.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/health_check.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/plan_tasks.h"
#include "orchestrator/app/session.h"
#include "orchestrator/exec/command.h"
#include "orchestrator/exec/detached.h"
#include "orchestrator/exec/dispatch_process_runner.h"
#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/graph/dag.h"
#include "orchestrator/health/stale.h"
#include "orchestrator/ui/console_status.h"
#include "orchestrator/ui/dashboard.h"
#include "orchestrator/util/text.h"

namespace orch {
namespace {

// --health takes its own lock ("health") so that two checks never interleave their
// source_freshness transitions; a second one waits this long for the first instead of
// exiting 75 at once.
constexpr auto kHealthLockWait = std::chrono::seconds(10);

void wait_until_free(const PipelineConfig& cfg, const std::string& mode) {
  const auto deadline = std::chrono::steady_clock::now() + kHealthLockWait;
  while (!InstanceLock::is_free(cfg.database, mode) &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool any_red(const HealthReport& report) {
  return std::any_of(report.sources.begin(), report.sources.end(),
                     [](const SourceFreshness& s) { return s.status == Freshness::Red; });
}

// "red, 3h 15m old" (" in market time" for market-hours sources)
std::string state_of(const SourceFreshness& s) {
  std::string text(to_string(s.status));
  text += s.age         ? ", " + human_age(*s.age) + " old"
          : s.in_future ? ", dated after the clock's now (age unknown)"
                        : ", never updated";
  if (s.market_time) text += " in market time";
  return text;
}

// "news (red, 3h 15m old)"
std::string describe(const SourceFreshness& s) { return s.name + " (" + state_of(s) + ")"; }

void print_selection(const StaleSelection& sel, const std::string& min) {
  fmt::print("Stale data sources (at or beyond {}): {}\n", min, sel.sources.size());
  for (const SourceFreshness* s : sel.sources) {
    std::string writers;
    for (const auto& t : s->tasks) writers += (writers.empty() ? "" : ", ") + t;
    fmt::print("  {}  <- {}\n", describe(*s), writers);
  }
}

void print_dry_run(const Pipeline& pipeline, const StaleSelection& sel, const std::string& min,
                   int jobs) {
  const PipelineConfig& cfg = pipeline.config;
  fmt::print("DRY RUN: nothing will be executed or written\n");
  print_selection(sel, min);
  if (sel.tasks.empty()) {
    fmt::print("Nothing to run.\n");
    return;
  }
  fmt::print("Would run {} task(s) now, in tier order, up to {} at once:\n", sel.tasks.size(),
             jobs);
  std::vector<int> tiers;
  for (const TaskSpec* t : sel.tasks) tiers.push_back(t->tier);
  for (const auto& group : group_by_tier(tiers)) {
    fmt::print("\nTier {}\n", sel.tasks[group.front()]->tier);
    for (int id : group) {
      const TaskSpec& t = *sel.tasks[id];
      fmt::print("  {}{}: writes {}, timeout {}, {} attempt(s)\n", t.name,
                 t.critical ? " [critical]" : "", t.data_source, format_duration(t.max_runtime),
                 cfg.retry_for(t).max_attempts);
      auto argv = resolve_command(t.script_path, t.args);
      if (argv) {
        fmt::print("      would run: {}  (in {})\n", format_command(*argv), cfg.base_dir.string());
      } else {
        fmt::print("      would fail: {}\n", argv.error().message);
      }
      const WallTime now = pipeline.clock->now();
      if (auto sbatch = submit_preview(cfg, t, "update-stale",
                                       format_date(pipeline.zone.date_of(now)), now)) {
        fmt::print("      as a Slurm job ({}): {}\n", t.executor, *sbatch);
      }
    }
  }
}

// What the refresh changed: each selected source before and after. Returns the sources the
// refresh ran a writer of and left at or beyond `min` (each also logged as a warning); a
// source whose writers --task left out, or that another orchestrator is writing now (all
// its writers left to it), is not counted: the refresh did not run them.
std::vector<std::string> print_outcome(const StaleSelection& sel, const Plan& plan,
                                       const std::optional<HealthReport>& after, Freshness min) {
  std::vector<std::string> still_stale;
  fmt::print("Refreshed data sources:\n");
  for (const SourceFreshness* s : sel.sources) {
    const SourceFreshness* now = nullptr;
    if (after) {
      for (const auto& a : after->sources) {
        if (a.name == s->name) now = &a;
      }
    }
    fmt::print("  {}: {} -> {}\n", s->name, state_of(*s), now ? state_of(*now) : "not checked");
    bool refreshed = false;
    for (std::size_t id = 0; id < sel.tasks.size(); ++id) {
      refreshed = refreshed || (sel.tasks[id]->data_source == s->name &&
                                plan.state(static_cast<int>(id)) != PlanState::Elsewhere);
    }
    if (now && refreshed &&
        (now->status == Freshness::Red ||
         (min == Freshness::Yellow && now->status == Freshness::Yellow))) {
      spdlog::warn("data source {} is still stale after the update ({})", s->name, state_of(*now));
      still_stale.push_back(s->name);
    }
  }
  return still_stale;
}

}  // namespace

int run_health(const GlobalOptions& global, bool json) {
  const SystemClock system_clock(global.now);
  auto loaded = load_pipeline_and_calendar(global, system_clock);
  if (!loaded) return exit_code::kUsage;
  Pipeline& pipeline = loaded->pipeline;
  MarketCalendar& calendar = loaded->calendar;
  const PipelineConfig& cfg = pipeline.config;

  wait_until_free(cfg, "health");
  auto session = open_store(pipeline, "health");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  StatusStore& store = *session->store;
  auto report = read_health(pipeline, calendar, store, pipeline.clock->now());
  if (report) {
    if (auto filled = fill_missed_dates(
            pipeline, calendar, *report, report->checked_at,
            [&](const std::vector<std::string>& tasks, const std::string& from,
                const std::string& to) { return read_date_history(store, tasks, from, to); });
        !filled) {
      report = filled.error();
    }
  }
  if (!report) {
    spdlog::error("{}", report.error().message);
    return exit_code::kStoreError;
  }
  auto turned_red = record_health(store, *report);
  if (!turned_red) {
    spdlog::error("{}", turned_red.error().message);
    return exit_code::kStoreError;
  }
  if (json) {
    fmt::print("{}\n", render_health_json(*report));
  } else {
    fmt::print("{}", render_dashboard(*report, pipeline.zone, stdout_style(global.color)));
  }
  std::fflush(stdout);
  write_metrics(pipeline, *report);
  const auto alerts = red_source_alerts(pipeline, *turned_red, "");
  const int code = any_red(*report) ? exit_code::kFailed : exit_code::kOk;
  if (alerts.empty()) return code;
  // The check does not wait for its alerts: the lock and the database are let go, and a
  // detached process of ours runs them (at most kMaxAlertsAtOnce at once, each ended at its
  // timeout) and logs their ends to orchestrator.log.
  { OpenStore closing = std::move(*session); }  // the lock released, the database closed
  const Status detached = run_detached([&] {
    PosixProcessRunner engine;
    BackgroundProcesses runner = alert_runner(engine, *pipeline.clock);
    submit_alerts(pipeline, runner, alerts);
    runner.drain(Millis{24 * 3600 * 1000});
    return 0;
  });
  if (!detached) spdlog::warn("on_failure alerts not sent: {}", detached.error().message);
  return code;
}

int run_update_stale(const GlobalOptions& global, const RunOptions& options,
                     const std::string& min_staleness) {
  const SystemClock system_clock(global.now);
  auto pipeline = load_pipeline(global, false, system_clock);
  if (!pipeline) return exit_code::kUsage;
  DispatchProcessRunner processes(pipeline->config.log_dir, current_environment());
  pipeline->processes = &processes;
  return run_update_stale(global, options, min_staleness, *pipeline);
}

int run_update_stale(const GlobalOptions& global, const RunOptions& options,
                     const std::string& min_staleness, const Pipeline& pipeline) {
  auto calendar = load_calendar(pipeline);
  if (!calendar) return exit_code::kUsage;
  const PipelineConfig& cfg = pipeline.config;
  const auto min = parse_freshness(min_staleness);
  if (!min || (*min != Freshness::Yellow && *min != Freshness::Red)) {
    spdlog::error("--min-staleness: expected yellow or red, not '{}'", min_staleness);
    return exit_code::kUsage;
  }
  if (auto names = check_task_names(cfg, options.tasks); !names) {
    spdlog::error("{}", names.error().message);
    return exit_code::kUsage;
  }
  const int jobs = options.jobs.value_or(cfg.max_parallel);

  if (options.dry_run) {
    auto rows = StatusStore::read_task_health_readonly(cfg.database);
    if (!rows) {
      spdlog::error("{}", rows.error().message);
      return exit_code::kStoreError;
    }
    const HealthReport report = build_report(cfg, *calendar, *rows, pipeline.clock->now());
    print_dry_run(pipeline, select_stale(cfg, report, *min, options.tasks), min_staleness, jobs);
    return exit_code::kOk;
  }

  // From here on, stop signals wait for a clean stop (local children and Slurm jobs).
  ProcessRunner& engine = *pipeline.processes;
  engine.arm();
  BackgroundProcesses processes = alert_runner(engine, *pipeline.clock);  // tasks and alerts
  auto session = open_store(pipeline, "update-stale");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  StatusStore& store = *session->store;
  const WallTime start = pipeline.clock->now();
  auto before = read_health(pipeline, *calendar, store, start);
  if (!before) {
    spdlog::error("{}", before.error().message);
    return exit_code::kStoreError;
  }
  const StaleSelection sel = select_stale(cfg, *before, *min, options.tasks);
  if (sel.tasks.empty()) {
    const HealthSummary sum = summarize(before->sources);
    fmt::print(
        "Nothing is stale at or beyond {}{}: {} healthy, {} stale, {} critical, {} unknown "
        "(unknown sources are never selected)\n",
        min_staleness, options.tasks.empty() ? "" : " among the --task selection", sum.healthy,
        sum.stale, sum.critical, sum.unknown);
    if (auto red = record_health(store, *before)) {
      alert_red_sources(pipeline, &processes, *red, "");
    } else {
      spdlog::warn("health: {}", red.error().message);
    }
    write_metrics(pipeline, *before);
    return finish_alerts(cfg, processes, exit_code::kOk);
  }
  print_selection(sel, min_staleness);
  std::fflush(stdout);

  std::vector<std::string> names;
  for (const TaskSpec* t : sel.tasks) names.push_back(t->name);
  // The run claims no trading date: a refresh does not stand in for the scheduled daily run
  // (--daily still runs a task that --update-stale refreshed earlier that day).
  auto run_id = store.ensure_tasks(names, start)
                    ? store.begin_run("update-stale", "", start)
                    : Expected<std::int64_t>(make_error("cannot add task rows"));
  if (!run_id) {
    spdlog::error("{}", run_id.error().message);
    return exit_code::kStoreError;
  }
  const std::string trading_date = format_date(pipeline.zone.date_of(start));
  spdlog::info("Update stale: {} task(s) for {} source(s), run {}", sel.tasks.size(),
               sel.sources.size(), *run_id);
  Plan plan(to_plan_tasks(cfg, sel.tasks), jobs);
  LaunchContext ctx{&cfg, "update-stale", *run_id, trading_date, current_environment(), &*calendar};
  ConsoleStatus sink(console_style(global.color), "Update stale",
                     [&](WallTime t) { return pipeline.zone.local_datetime(t); });
  Runner runner(plan, processes, store, sink, *pipeline.clock, *run_id, [&](int id, int attempt) {
    return make_launch(ctx, *sel.tasks[id], attempt, start, pipeline.clock->now());
  });
  const RunResult result = runner.run();
  const int code = finish_run(store, *run_id, result, pipeline.clock->now());
  const auto after = after_run(pipeline, store, processes, *run_id, result);
  const auto still_stale = print_outcome(sel, plan, after, *min);
  // A refresh that left a selected source stale did not do its job: exit 1, as a failed task.
  const int refreshed = code == exit_code::kOk && !still_stale.empty() ? exit_code::kFailed : code;
  return finish_alerts(cfg, processes, refreshed);  // 143/130 when a stop came meanwhile
}

}  // namespace orch
