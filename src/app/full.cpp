// --full: a supervisor. It re-executes this binary as `--daily`, then as `--intraday`,
// restarts the intraday runner with backoff when it dies, starts the daily runner again on
// the next day that matches daily_days, and forwards SIGTERM/SIGINT to both.
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

namespace orch {

namespace {

constexpr Millis kMaxRestartBackoff{60000};
constexpr Millis kHealthyUptime{300000};  // a runner up this long restarts without backoff

// The earliest `time` of the daily tasks (midnight when none has one).
TimeOfDay earliest_daily_time(const PipelineConfig& cfg) {
  std::optional<TimeOfDay> first;
  for (const auto& t : cfg.daily) {
    if (t.time && (!first || *t.time < *first)) first = t.time;
  }
  return first.value_or(TimeOfDay{});
}

// The start of the daily run on the first matching day after `after`'s date.
WallTime next_daily_start(const Pipeline& p, const MarketCalendar& cal, WallTime after) {
  auto day = std::chrono::sys_days{p.zone.date_of(after)};
  for (int i = 1; i <= 366; ++i) {
    const std::chrono::year_month_day d{day + std::chrono::days{i}};
    if (is_daily_day(p.config.daily_days, cal, d)) return p.zone.at(d, earliest_daily_time(p.config));
  }
  return after + std::chrono::hours(24);
}

class Supervisor {
 public:
  Supervisor(const GlobalOptions& global, const Pipeline& pipeline, StatusStore& store,
             ProcessRunner& processes, Millis interval)
      : global_(global), p_(pipeline), store_(store), processes_(processes), interval_(interval),
        self_(self_executable(global.argv0)), env_(current_environment()) {}

  std::optional<ProcessId> start(const std::string& role) {
    std::vector<std::string> argv{self_.string(), "-c", p_.config.file.string(),
                                  "--db", p_.config.database.string(), "--no-color"};
    if (global_.now) argv.insert(argv.end(), {"--now", format_iso_utc(p_.clock->now())});
    if (global_.verbosity == Verbosity::Verbose) argv.push_back("-v");
    if (role == "daily") {
      argv.push_back("--daily");
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
      return std::nullopt;
    }
    spdlog::info("started the {} runner (output in {})", role, r.log_path.string());
    event(role + "-started", format_command(argv));
    return *id;
  }

  void event(const std::string& kind, const std::string& detail) {
    if (auto s = store_.record_event(kind, detail, p_.clock->now()); !s) {
      spdlog::warn("{}", s.error().message);
    }
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

std::string describe_exit(const ProcessCompletion& c) {
  if (c.kind == ExitKind::Exited) return "exit " + std::to_string(c.exit_code);
  return "signal " + std::to_string(c.signal);
}

}  // namespace

int run_full(const GlobalOptions& global, Millis intraday_interval) {
  auto pipeline = load_pipeline(global, false);
  if (!pipeline) return exit_code::kUsage;
  auto calendar = MarketCalendar::create(pipeline->config.market_hours, pipeline->zone);
  if (!calendar) {
    spdlog::error("{}", calendar.error().message);
    return exit_code::kUsage;
  }
  PosixProcessRunner processes;
  auto session = open_store(*pipeline, "full");
  if (!session) return exit_code::for_error(session.error().kind);  // open_store logged why
  const Clock& clock = *pipeline->clock;
  Supervisor sup(global, *pipeline, *session->store, processes, intraday_interval);

  // ProcessId 0 means "not running" (the process runner numbers from 1).
  ProcessId daily = 0, intraday = 0;
  bool restart_pending = false;
  MonoTime restart_at = clock.mono(), intraday_since = clock.mono();
  Millis backoff{1000};
  const auto start_intraday = [&] {
    intraday = sup.start("intraday").value_or(0);
    intraday_since = clock.mono();
  };
  WallTime next_daily = next_daily_start(*pipeline, *calendar, clock.now());
  if (is_daily_day(pipeline->config.daily_days, *calendar, pipeline->zone.date_of(clock.now()))) {
    daily = sup.start("daily").value_or(0);
  }
  if (daily == 0) start_intraday();
  spdlog::info("next daily run: {}", pipeline->zone.local_datetime(next_daily));

  for (;;) {
    Millis wait = std::chrono::ceil<Millis>(next_daily - clock.now());
    if (restart_pending) wait = std::min(wait, std::chrono::ceil<Millis>(restart_at - clock.mono()));
    wait = std::clamp(wait, Millis{0}, Millis{30000});
    for (const ProcessCompletion& c : processes.wait(wait)) {
      if (daily != 0 && c.id == daily) {
        daily = 0;
        spdlog::info("the daily runner finished ({})", describe_exit(c));
        sup.event("daily-finished", describe_exit(c));
        if (intraday == 0 && !restart_pending) start_intraday();
      } else if (intraday != 0 && c.id == intraday) {
        intraday = 0;
        if (clock.mono() - intraday_since >= kHealthyUptime) backoff = Millis{1000};
        spdlog::warn("the intraday runner died ({}); restarting in {}", describe_exit(c),
                     format_duration(backoff));
        sup.event("intraday-died", describe_exit(c) + "; restart in " + format_duration(backoff));
        restart_pending = true;
        restart_at = clock.mono() + backoff;
        backoff = std::min(backoff * 2, kMaxRestartBackoff);
      }
    }
    if (int sig = processes.stop_signal()) {
      spdlog::warn("signal {}: stopping the runners", sig);
      processes.stop_all();
      sup.event("stopped", "signal " + std::to_string(sig));
      return exit_code::signal_exit(sig);
    }
    if (restart_pending && clock.mono() >= restart_at) {
      start_intraday();
      restart_pending = intraday == 0;  // could not start: try again after the backoff
      if (intraday != 0) sup.event("intraday-restarted", "");
      restart_at = clock.mono() + backoff;
    }
    if (clock.now() >= next_daily && daily == 0) {
      daily = sup.start("daily").value_or(0);
      next_daily = next_daily_start(*pipeline, *calendar, clock.now());
      spdlog::info("next daily run: {}", pipeline->zone.local_datetime(next_daily));
    }
  }
}

}  // namespace orch
