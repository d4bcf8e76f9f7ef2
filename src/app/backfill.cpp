// --backfill FROM..TO: the daily DAG for every trading date of the range, one date at a time
// under the daily lock (held throughout), oldest first unless --reverse. Dates are
// independent: a failure on one does not stop the next; a stop signal or a store error does.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "orchestrator/app/daily_run.h"
#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/health_check.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/session.h"
#include "orchestrator/exec/command.h"
#include "orchestrator/exec/dispatch_process_runner.h"
#include "orchestrator/graph/dag.h"
#include "orchestrator/sched/backfill.h"
#include "orchestrator/store/date_queries.h"

namespace orch {

namespace {

struct DateRow {
  Date date;
  RunSummary summary;
};

// The selection kept to the names in `keep`, in tier order (the order they would start in).
std::vector<const TaskSpec*> in_tier_order(const std::vector<const TaskSpec*>& tasks,
                                           const std::vector<std::string>& keep) {
  std::vector<const TaskSpec*> kept;
  for (const TaskSpec* t : tasks) {
    if (std::find(keep.begin(), keep.end(), t->name) != keep.end()) kept.push_back(t);
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const TaskSpec* a, const TaskSpec* b) { return a->tier < b->tier; });
  return kept;
}

int print_dry_run(const Pipeline& p, const std::vector<const TaskSpec*>& tasks,
                  const std::vector<Date>& dates, const std::string& range, bool force, int jobs,
                  bool json) {
  const auto names = names_of(tasks);
  const auto [lo, hi] = std::minmax_element(dates.begin(), dates.end(), [](Date a, Date b) {
    return std::chrono::sys_days{a} < std::chrono::sys_days{b};
  });
  auto history =
      read_date_history_readonly(p.config.database, names, format_date(*lo), format_date(*hi));
  if (!history) {
    spdlog::error("{}", history.error().message);
    return exit_code::kStoreError;
  }
  nlohmann::json rows = nlohmann::json::array();
  if (!json) {
    fmt::print("DRY RUN: nothing will be executed or written\n");
    fmt::print("Backfill {}: {} trading date(s), {} first, up to {} task(s) at once{}\n", range,
               dates.size(),
               std::chrono::sys_days{dates.front()} <= std::chrono::sys_days{dates.back()}
                   ? "oldest"
                   : "newest",
               jobs, force ? ", --force: every task" : "");
  }
  for (Date d : dates) {
    const auto todo = in_tier_order(tasks, tasks_to_run(names, history->succeeded, d, force));
    if (json) {
      rows.push_back({{"date", format_date(d)}, {"tasks", names_of(todo)}});
      continue;
    }
    if (todo.empty()) {
      fmt::print(
          "\n{}: nothing to run (every task already succeeded for it; --force runs them again)\n",
          format_date(d));
      continue;
    }
    fmt::print("\n{}: would run {} task(s)\n", format_date(d), todo.size());
    for (const TaskSpec* t : todo) {
      auto argv = resolve_command(t->script_path, t->args);
      fmt::print("  tier {} {}: {}\n", t->tier, t->name,
                 argv ? format_command(*argv) : "would fail: " + argv.error().message);
    }
  }
  if (json) {
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a["date"] < b["date"]; });
    fmt::print("{}\n", nlohmann::json{{"dry_run", true}, {"dates", rows}, {"ok", true}}.dump());
  }
  return exit_code::kOk;
}

void print_json(std::vector<DateRow> rows, bool ok) {
  std::sort(rows.begin(), rows.end(), [](const DateRow& a, const DateRow& b) {
    return std::chrono::sys_days{a.date} < std::chrono::sys_days{b.date};
  });
  nlohmann::json dates = nlohmann::json::array();
  for (const DateRow& r : rows) {
    const RunSummary& s = r.summary;
    dates.push_back({{"date", format_date(r.date)},
                     {"ran", s.succeeded + s.failed + s.interrupted},
                     {"succeeded", s.succeeded},
                     {"failed", s.failed},
                     {"skipped", s.skipped}});
  }
  fmt::print("{}\n", nlohmann::json{{"dates", dates}, {"ok", ok}}.dump());
  std::fflush(stdout);
}

}  // namespace

int run_backfill(const GlobalOptions& global, const RunOptions& options,
                 const std::string& range_text) {
  const SystemClock system_clock(global.now);
  auto in = load_schedule(global, system_clock, Schedule::Daily, options.tasks);
  if (!in) return exit_code::kUsage;
  DispatchProcessRunner processes(in->pipeline.config.log_dir, current_environment());
  in->pipeline.processes = &processes;
  return run_backfill(global, options, range_text, *in);
}

int run_backfill(const GlobalOptions& global, const RunOptions& options,
                 const std::string& range_text, const ScheduleInput& in) {
  const Pipeline& pipeline = in.pipeline;
  const PipelineConfig& cfg = pipeline.config;
  const MarketCalendar& calendar = in.calendar;
  const std::vector<const TaskSpec*>& selected = in.tasks;
  auto range = parse_date_range(range_text);
  if (!range) {
    spdlog::error("--backfill: {}", range.error().message);
    return exit_code::kUsage;
  }
  const Date today = pipeline.zone.date_of(pipeline.clock->now());
  auto dates = backfill_dates(cfg.daily_days, calendar, *range, today, options.reverse);
  if (!dates) {
    spdlog::error("{}", dates.error().message);
    return exit_code::kUsage;
  }
  const int jobs = options.jobs.value_or(cfg.max_parallel);
  if (options.dry_run) {
    return print_dry_run(pipeline, selected, *dates, range_text, options.force, jobs, options.json);
  }

  // From here on, stop signals wait for a clean stop (local children and Slurm jobs).
  pipeline.processes->arm();
  // The tasks and their on_failure alerts, on the caller's process runner.
  BackgroundProcesses processes = alert_runner(*pipeline.processes, *pipeline.clock);
  auto session = open_store(pipeline, "daily");  // the daily lock, held throughout
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  int code = exit_code::kOk;
  DailyRunContext ctx{&global, &pipeline, session->store.get(), &processes, selected, jobs};
  spdlog::info(
      "Backfill {}: {} trading date(s) (daily_days), {} first{}", range_text, dates->size(),
      options.reverse ? "newest" : "oldest",
      options.force ? ", --force: every task" : ", only the tasks not yet succeeded for each");
  std::vector<DateRow> rows;
  const auto began = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < dates->size(); ++i) {
    if (processes.stop_signal() != 0) {
      return finish_alerts(cfg, processes, exit_code::signal_exit(processes.stop_signal()));
    }
    const Date d = (*dates)[i];
    const auto elapsed =
        std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - began);
    spdlog::info("Backfill: {}", date_progress(i, dates->size(), d, elapsed));
    const DailyRunOutcome ran = run_daily_date(ctx, d, DailyRunOptions{options.force, false});
    code = worse_exit_code(code, ran.code);
    rows.push_back({d, ran.result.summary});
    if (ran.stopped()) break;  // a stop signal or a store error ends the backfill
  }
  int failed_dates = 0;
  for (const DateRow& r : rows) failed_dates += r.summary.failed + r.summary.skipped > 0 ? 1 : 0;
  const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - began);
  if (failed_dates == 0 && code == exit_code::kOk) {
    spdlog::info("Backfill {} done: {} date(s) in {}", range_text, rows.size(),
                 format_duration(took));
  } else {
    spdlog::error(
        "Backfill {} finished with problems: {} of {} date(s) had a failed or skipped "
        "task, in {} (run it again to redo only what did not succeed)",
        range_text, failed_dates, rows.size(), format_duration(took));
  }
  code = finish_alerts(cfg, processes, code);  // the failures' alerts ran beside the dates
  if (options.json) print_json(rows, code == exit_code::kOk);
  return code;
}

}  // namespace orch
