#pragma once
// The --full supervisor's policy: the daily runner on a daily day and the intraday runner
// beside it from the start (the intraday runner waits for the first daily runner to end only
// while the daily DAG has never succeeded on this database); either runner restarted with
// backoff (1, 2, 4 .. 60 s; back to 1 s after 5 minutes of healthy uptime) when it dies (the
// daily runner "dies" when it ends by a signal or with an exit code other than 0 or 1: 1 is a
// finished run with failed tasks); the daily runner again on the next day that matches
// daily_days; both stopped on SIGTERM/SIGINT. Starting a runner (its argv and log), recording
// events and alerting are the caller's: SupervisorHost.
#include <string>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/config/config.h"
#include "orchestrator/sched/clock.h"
#include "orchestrator/sched/process_runner.h"

namespace orch {

enum class RunnerRole { Daily, Intraday };
const char* to_string(RunnerRole role);  // "daily", "intraday"

class SupervisorHost {
 public:
  virtual ~SupervisorHost() = default;
  // Starts the runner; 0 when it could not start (the host says why).
  virtual ProcessId start_runner(RunnerRole role) = 0;
  // Something the supervisor did or saw: "daily-finished", "daily-died", "daily-restarted",
  // "intraday-died", "intraday-restarted", "stopped"; `detail` says the exit and the backoff.
  virtual void event(const std::string& kind, const std::string& detail) = 0;
  // A runner died (first of a streak: `first` is false for the deaths that follow before it
  // runs healthy again); the host alerts on it (on_failure) without waiting.
  virtual void runner_died(RunnerRole /*role*/, const std::string& /*detail*/, bool /*first*/) {}
  // Whether a daily run ever succeeded on this database (asked once, at the start).
  virtual bool daily_ever_succeeded() = 0;
  // The next daily run was (re)computed.
  virtual void next_daily(WallTime /*at*/) {}
};

// The earliest `time` of the daily tasks (midnight when none has one).
TimeOfDay earliest_daily_time(const PipelineConfig& config);

// The start of the daily run on the first day after `after`'s date (in the calendar's zone)
// that matches `days`; a day later when none does within a year.
WallTime next_daily_start(const MarketCalendar& calendar, DailyDays days, TimeOfDay daily_time,
                          WallTime after);

// "exit 3", "signal 9"
std::string describe_exit(const ProcessCompletion& c);

class Supervisor {
 public:
  static constexpr Millis kFirstBackoff{1000};
  static constexpr Millis kMaxRestartBackoff{60000};
  static constexpr Millis kHealthyUptime{300000};  // up this long: the next restart has no backoff
  static constexpr Millis kMaxSleep{30000};

  Supervisor(const Clock& clock, ProcessRunner& processes, SupervisorHost& host,
             const MarketCalendar& calendar, DailyDays days, TimeOfDay daily_time);

  // Runs until a stop signal; returns it after stopping both runners.
  int run();

 private:
  // One runner's process and its restart state.
  struct Slot {
    RunnerRole role;
    ProcessId id = 0;  // 0: not running (the process runner numbers from 1)
    bool restart_pending = false;
    bool healthy = true;  // false from a death until it has run kHealthyUptime again
    MonoTime restart_at{}, since{};
    Millis backoff = kFirstBackoff;
  };
  void start(Slot& slot);
  void died(Slot& slot, const ProcessCompletion& c);
  void restart_if_due(Slot& slot);
  void on_completion(const ProcessCompletion& c);

  const Clock& clock_;
  ProcessRunner& processes_;
  SupervisorHost& host_;
  const MarketCalendar& calendar_;
  DailyDays days_;
  TimeOfDay daily_time_;
  Slot daily_{RunnerRole::Daily}, intraday_{RunnerRole::Intraday};
  bool intraday_waits_for_daily_ = false;
};

}  // namespace orch
