// --intraday: run every intraday task that is due (never run, or its interval elapsed less
// 5%), inside its market session when market_hours_only; once, or continuously, sleeping
// until the next instant anything can become due.
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
#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/sched/due.h"
#include "orchestrator/ui/console_status.h"

namespace orch {

namespace {

bool in_session(const MarketCalendar& cal, const TaskSpec& t, WallTime now) {
  if (!t.market_hours_only) return true;
  const MarketSession s = cal.session_at(now).session;
  return t.session == SessionKind::Regular ? s == MarketSession::Regular : s != MarketSession::Closed;
}

// The next instant the task's session begins (its window on a later trading day if needed).
WallTime next_session_start(const MarketCalendar& cal, const TaskSpec& t, WallTime now) {
  if (t.session == SessionKind::Regular) return cal.next_open(now);
  auto day = std::chrono::sys_days{cal.zone().date_of(now)};
  for (int i = 0; i < 30; ++i, day += std::chrono::days{1}) {
    if (auto w = cal.window(std::chrono::year_month_day{day}, SessionKind::Extended); w && w->start > now) {
      return w->start;
    }
  }
  return now + std::chrono::hours(24);
}

// One pass's bookkeeping across passes: when each task was last started or considered.
struct IntradayState {
  std::map<std::string, WallTime> last_start;
};

struct Intraday {
  const Pipeline& pipeline;
  const MarketCalendar& calendar;
  const std::vector<const TaskSpec*>& tasks;
  const RunOptions& options;
  const GlobalOptions& global;
};

std::vector<const TaskSpec*> due_tasks(const Intraday& in, const IntradayState& state, WallTime now) {
  std::vector<const TaskSpec*> due;
  for (const TaskSpec* t : in.tasks) {
    auto it = state.last_start.find(t->name);
    const std::optional<WallTime> last =
        it == state.last_start.end() ? std::nullopt : std::optional<WallTime>(it->second);
    if (in_session(in.calendar, *t, now) && is_due(last, t->interval, now)) due.push_back(t);
  }
  return due;
}

WallTime next_wake(const Intraday& in, const IntradayState& state, WallTime now) {
  std::optional<WallTime> wake;
  for (const TaskSpec* t : in.tasks) {
    WallTime at = now;
    if (!in_session(in.calendar, *t, now)) {
      at = next_session_start(in.calendar, *t, now);
    } else if (auto it = state.last_start.find(t->name); it != state.last_start.end()) {
      at = next_due(it->second, t->interval);
    }
    if (!wake || at < *wake) wake = at;
  }
  return wake.value_or(now + std::chrono::hours(24));
}

}  // namespace

int run_intraday(const GlobalOptions& global, const RunOptions& options, bool once,
                 Millis max_sleep) {
  auto pipeline = load_pipeline(global, false);
  if (!pipeline) return exit_code::kUsage;
  const PipelineConfig& cfg = pipeline->config;
  auto selected = select_tasks(cfg.intraday, options.tasks);
  if (!selected) {
    spdlog::error("{}", selected.error().message);
    return exit_code::kUsage;
  }
  auto calendar = MarketCalendar::create(cfg.market_hours, pipeline->zone);
  if (!calendar) {
    spdlog::error("{}", calendar.error().message);
    return exit_code::kUsage;
  }
  Intraday in{*pipeline, *calendar, *selected, options, global};
  const Clock& clock = *pipeline->clock;

  if (options.dry_run) {
    const WallTime now = clock.now();
    auto state = calendar->session_at(now);
    fmt::print("DRY RUN: nothing will be executed or written\n");
    fmt::print("Intraday pass at {}: market {}{}\n", pipeline->zone.local_datetime(now),
               to_string(state.session), state.reason.empty() ? "" : " (" + state.reason + ")");
    for (const TaskSpec* t : *selected) {
      const bool session_ok = in_session(*calendar, *t, now);
      auto argv = resolve_command(t->script_path, t->args);
      fmt::print("  tier {} {}: {}\n", t->tier, t->name,
                 session_ok ? "due unless it ran within its interval (the database is not read)"
                            : "outside its session: not run");
      fmt::print("      would run: {}\n", argv ? format_command(*argv) : argv.error().message);
    }
    return exit_code::kOk;
  }

  PosixProcessRunner processes;
  auto session = open_store(*pipeline, "intraday");
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
  IntradayState state{*starts};
  const auto base_env = current_environment();
  ConsoleStatus sink(console_style(global.color), "Intraday pass",
                     [&](WallTime t) { return pipeline->zone.local_datetime(t); });
  bool any_failed = false;

  for (;;) {
    const WallTime now = clock.now();
    // A wall clock stepped back must not stall the tasks until it catches up (sched/due.h).
    for (auto& [name, last] : state.last_start) last = clamp_last_start(last, now);
    auto due = due_tasks(in, state, now);
    if (due.empty()) {
      auto s = calendar->session_at(now);
      spdlog::debug("intraday: nothing due (market {}{})", to_string(s.session),
                    s.reason.empty() ? "" : ", " + s.reason);
    } else {
      const std::string trading_date = format_date(pipeline->zone.date_of(now));
      auto run_id = store.begin_run("intraday", trading_date, now);
      if (!run_id) {
        spdlog::error("{}", run_id.error().message);
        return exit_code::kStoreError;
      }
      for (const TaskSpec* t : due) state.last_start[t->name] = now;  // skipped ones wait too
      Plan plan(to_plan_tasks(cfg, due), options.jobs.value_or(cfg.max_parallel));
      LaunchContext ctx{&cfg, "intraday", *run_id, trading_date, base_env};
      Runner runner(plan, processes, store, sink, clock, *run_id, [&](int id, int attempt) {
        return make_launch(ctx, *due[id], attempt, now, clock.now());
      });
      const RunResult result = runner.run();
      const int pass = finish_run(store, *run_id, result, clock.now());
      after_run(*pipeline, store, processes, *run_id, result);  // alerts, freshness, metrics
      if (pass != exit_code::kOk && pass != exit_code::kFailed) return pass;
      any_failed = any_failed || pass == exit_code::kFailed;
    }
    if (once) {
      if (due.empty()) spdlog::info("Intraday pass: nothing due");
      return any_failed ? exit_code::kFailed : exit_code::kOk;
    }
    const WallTime after = clock.now();
    const Millis until = std::chrono::ceil<Millis>(next_wake(in, state, after) - after);
    const Millis sleep = std::clamp(until, Millis{0}, max_sleep);
    processes.wait(sleep);
    if (int sig = processes.stop_signal()) {
      spdlog::warn("stopped by signal {}", sig);
      return exit_code::signal_exit(sig);
    }
  }
}

}  // namespace orch
