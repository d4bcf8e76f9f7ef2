#include "orchestrator/sched/supervisor.h"

#include <algorithm>

#include "orchestrator/calendar/trading_dates.h"

namespace orch {

const char* to_string(RunnerRole role) { return role == RunnerRole::Daily ? "daily" : "intraday"; }

TimeOfDay earliest_daily_time(const PipelineConfig& config) {
  std::optional<TimeOfDay> first;
  for (const auto& t : config.daily) {
    if (t.time && (!first || *t.time < *first)) first = t.time;
  }
  return first.value_or(TimeOfDay{});
}

WallTime next_daily_start(const MarketCalendar& cal, DailyDays days, TimeOfDay daily_time,
                          WallTime after) {
  if (auto d = trading_date_after(days, cal, cal.zone().date_of(after))) return cal.zone().at(*d, daily_time);
  return after + std::chrono::hours(24);
}

std::string describe_exit(const ProcessCompletion& c) {
  if (c.kind == ExitKind::Exited) return "exit " + std::to_string(c.exit_code);
  return "signal " + std::to_string(c.signal);
}

Supervisor::Supervisor(const Clock& clock, ProcessRunner& processes, SupervisorHost& host,
                       const MarketCalendar& calendar, DailyDays days, TimeOfDay daily_time)
    : clock_(clock), processes_(processes), host_(host), calendar_(calendar), days_(days),
      daily_time_(daily_time), restart_at_(clock.mono()), intraday_since_(clock.mono()) {}

void Supervisor::start_intraday() {
  intraday_ = host_.start_runner(RunnerRole::Intraday);
  intraday_since_ = clock_.mono();
}

void Supervisor::on_completion(const ProcessCompletion& c) {
  if (daily_ != 0 && c.id == daily_) {
    daily_ = 0;
    host_.event("daily-finished", describe_exit(c));
    if (intraday_ == 0 && !restart_pending_) start_intraday();
  } else if (intraday_ != 0 && c.id == intraday_) {
    intraday_ = 0;
    if (clock_.mono() - intraday_since_ >= kHealthyUptime) backoff_ = kFirstBackoff;
    host_.event("intraday-died", describe_exit(c) + "; restart in " + format_duration(backoff_));
    restart_pending_ = true;
    restart_at_ = clock_.mono() + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxRestartBackoff);
  }
}

int Supervisor::run() {
  WallTime next_daily = next_daily_start(calendar_, days_, daily_time_, clock_.now());
  if (is_daily_day(days_, calendar_, calendar_.zone().date_of(clock_.now()))) {
    daily_ = host_.start_runner(RunnerRole::Daily);
  }
  if (daily_ == 0) start_intraday();
  host_.next_daily(next_daily);

  for (;;) {
    Millis wait = std::chrono::ceil<Millis>(next_daily - clock_.now());
    if (restart_pending_) wait = std::min(wait, std::chrono::ceil<Millis>(restart_at_ - clock_.mono()));
    for (const ProcessCompletion& c : processes_.wait(std::clamp(wait, Millis{0}, kMaxSleep))) {
      on_completion(c);
    }
    if (int sig = processes_.stop_signal()) {
      processes_.stop_all();
      host_.event("stopped", "signal " + std::to_string(sig));
      return sig;
    }
    if (restart_pending_ && clock_.mono() >= restart_at_) {
      start_intraday();
      restart_pending_ = intraday_ == 0;  // could not start: try again after the backoff
      if (intraday_ != 0) host_.event("intraday-restarted", "");
      restart_at_ = clock_.mono() + backoff_;
    }
    if (clock_.now() >= next_daily && daily_ == 0) {
      daily_ = host_.start_runner(RunnerRole::Daily);
      next_daily = next_daily_start(calendar_, days_, daily_time_, clock_.now());
      host_.next_daily(next_daily);
    }
  }
}

}  // namespace orch
