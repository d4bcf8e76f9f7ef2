// --daily: first the missed trading dates daily_catchup asks for (oldest first, each a run of
// its own), then the daily DAG for today (or for --date D), in tier and dependency order, each
// task not before its time on today's date, skipping what already succeeded for the date
// unless --force.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "orchestrator/app/daily_run.h"
#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/health_check.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/app/pipeline.h"
#include "orchestrator/app/plan_report.h"
#include "orchestrator/app/session.h"
#include "orchestrator/exec/dispatch_process_runner.h"
#include "orchestrator/sched/backfill.h"
#include "orchestrator/store/date_queries.h"

namespace orch {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// The dates daily_catchup fills before today, from the history read (read-only for --dry-run).
template <class ReadHistory>
Expected<std::vector<MissedDate>> catchup_dates(const Pipeline& p, const MarketCalendar& calendar,
                                                const std::vector<std::string>& tasks, Date today,
                                                ReadHistory read) {
  const int n = p.config.daily_catchup;
  auto range = look_back_range(p.config.daily_days, calendar, today, n);
  if (n <= 0 || !range) return std::vector<MissedDate>{};
  Expected<DateHistory> history = read(tasks, format_date(range->from), format_date(range->to));
  if (!history) return history.error();
  std::optional<Date> first;
  if (history->first_recorded) {
    if (auto d = parse_date(*history->first_recorded)) first = *d;
  }
  auto missed =
      missed_dates(p.config.daily_days, calendar, today, n, first, tasks, history->succeeded);
  if (missed.empty()) {
    spdlog::debug("catch-up (daily_catchup: {}): no missed trading date{}", n,
                  first ? "" : " (nothing recorded yet: a new database fills no history)");
  } else {
    std::string list;
    for (const auto& m : missed) {
      list += (list.empty() ? "" : "; ") + format_date(m.date) +
              " (not yet succeeded: " + joined(m.tasks) + ")";
    }
    spdlog::info(
        "Catching up {} missed trading date(s) of the last {} before today {} "
        "(daily_catchup: {}; none before the first recorded date {}): {}",
        missed.size(), n, format_date(today), n, *history->first_recorded, list);
  }
  return missed;
}

}  // namespace

int run_daily(const GlobalOptions& global, const RunOptions& options) {
  const SystemClock system_clock(global.now);
  auto in = load_schedule(global, system_clock, Schedule::Daily, options.tasks);
  if (!in) return exit_code::kUsage;
  DispatchProcessRunner processes(in->pipeline.config.log_dir, current_environment());
  in->pipeline.processes = &processes;
  return run_daily(global, options, *in);
}

int run_daily(const GlobalOptions& global, const RunOptions& options, const ScheduleInput& in) {
  const Pipeline& pipeline = in.pipeline;
  const PipelineConfig& cfg = pipeline.config;
  const MarketCalendar& calendar = in.calendar;
  const std::vector<const TaskSpec*>& selected = in.tasks;
  const int jobs = options.jobs.value_or(cfg.max_parallel);
  const Date today = pipeline.zone.date_of(pipeline.clock->now());
  Date day = today;
  if (options.date) {
    auto asked = parse_date(*options.date);
    if (!asked) {
      spdlog::error("--date: {} (expected YYYY-MM-DD)", asked.error().message);
      return exit_code::kUsage;
    }
    if (auto fits = check_run_date(cfg.daily_days, calendar, *asked, today); !fits) {
      spdlog::error("--date: {}", fits.error().message);
      return exit_code::kUsage;
    }
    day = *asked;
  }
  // An explicit --date runs that date alone; catch-up belongs to the run for today.
  const bool catch_up = !options.date && cfg.daily_catchup > 0;
  const std::vector<std::string> names = names_of(selected);
  const bool daily_day = is_daily_day(cfg.daily_days, calendar, today);
  const auto not_a_daily_day = [&] {
    auto why = calendar.closure_reason(today);
    spdlog::info("{} is not a daily day ({}{}): nothing to run for it", format_date(today),
                 why ? *why + ", " : "", "see daily_days");
  };
  if (options.scheduled && !daily_day && !catch_up) {
    not_a_daily_day();
    return exit_code::kOk;
  }

  if (options.dry_run) {
    if (catch_up) {
      auto missed = catchup_dates(pipeline, calendar, names, today, [&](auto&&... a) {
        return read_date_history_readonly(cfg.database, a...);
      });
      if (!missed) {
        spdlog::error("{}", missed.error().message);
        return exit_code::kStoreError;
      }
      for (const auto& m : *missed) {
        fmt::print("Catch-up first: trading date {}: would run {}\n", format_date(m.date),
                   joined(m.tasks));
      }
    }
    if (options.scheduled && !daily_day) {
      not_a_daily_day();
      return exit_code::kOk;
    }
    print_dry_run(pipeline, selected, day, !waits_for_times(day, today, options.no_wait), jobs);
    return exit_code::kOk;
  }

  // From here on, stop signals wait for a clean stop (local children and Slurm jobs).
  pipeline.processes->arm();
  // The tasks and their on_failure alerts, on the caller's process runner.
  BackgroundProcesses processes = alert_runner(*pipeline.processes, *pipeline.clock);
  auto session = open_store(pipeline, "daily");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  int code = exit_code::kOk;
  DailyRunContext ctx{&global, &pipeline, session->store.get(), &processes, selected, jobs};

  if (catch_up) {
    auto missed = catchup_dates(pipeline, calendar, names, today, [&](auto&&... a) {
      return read_date_history(*session->store, a...);
    });
    if (!missed) {
      spdlog::error("{}", missed.error().message);
      return exit_code::kStoreError;
    }
    const auto began = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < missed->size(); ++i) {
      const Date d = (*missed)[i].date;
      const auto elapsed =
          std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - began);
      spdlog::info("Catch-up: {}", date_progress(i, missed->size(), d, elapsed));
      const DailyRunOutcome ran = run_daily_date(ctx, d, DailyRunOptions{false, true});
      code = worse_exit_code(code, ran.code);
      if (ran.stopped()) return finish_alerts(cfg, processes, code);
    }
  }
  if (options.scheduled && !daily_day) {
    not_a_daily_day();
    return finish_alerts(cfg, processes, code);
  }
  const DailyRunOutcome ran =
      run_daily_date(ctx, day, DailyRunOptions{options.force, options.no_wait});
  // The alerts of the run's failures ran beside it; the mode ends when they have.
  return finish_alerts(cfg, processes, worse_exit_code(code, ran.code));
}

}  // namespace orch
