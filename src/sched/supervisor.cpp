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
  if (auto d = trading_date_after(days, cal, cal.zone().date_of(after)))
    return cal.zone().at(*d, daily_time);
  return after + std::chrono::hours(24);
}

std::string describe_exit(const ProcessCompletion& c) {
  if (c.kind == ExitKind::Exited) return "exit " + std::to_string(c.exit_code);
  return "signal " + std::to_string(c.signal);
}

Supervisor::Supervisor(const Clock& clock, ProcessRunner& processes, SupervisorHost& host,
                       const MarketCalendar& calendar, DailyDays days, TimeOfDay daily_time)
    : clock_(clock),
      processes_(processes),
      host_(host),
      calendar_(calendar),
      days_(days),
      daily_time_(daily_time) {}

void Supervisor::start(Slot& slot) {
  slot.id = host_.start_runner(slot.role);
  slot.since = clock_.mono();
}

void Supervisor::died(Slot& slot, const ProcessCompletion& c) {
  if (clock_.mono() - slot.since >= kHealthyUptime) {
    slot.backoff = kFirstBackoff;
    slot.healthy = true;
  }
  const std::string detail = describe_exit(c) + "; restart in " + format_duration(slot.backoff);
  host_.event(std::string(to_string(slot.role)) + "-died", detail);
  host_.runner_died(slot.role, detail, slot.healthy);
  slot.healthy = false;
  slot.restart_pending = true;
  slot.restart_at = clock_.mono() + slot.backoff;
  slot.backoff = std::min(slot.backoff * 2, kMaxRestartBackoff);
}

void Supervisor::restart_if_due(Slot& slot) {
  if (!slot.restart_pending || clock_.mono() < slot.restart_at) return;
  start(slot);
  slot.restart_pending = slot.id == 0;  // could not start: try again after the backoff
  if (slot.id != 0) host_.event(std::string(to_string(slot.role)) + "-restarted", "");
  slot.restart_at = clock_.mono() + slot.backoff;
}

void Supervisor::on_completion(const ProcessCompletion& c) {
  // A runner ending on the stop signal (systemd stops the whole unit) is not a death.
  const bool stopping = processes_.stop_signal() != 0;
  if (daily_.id != 0 && c.id == daily_.id) {
    daily_.id = 0;
    const bool finished = c.kind == ExitKind::Exited && (c.exit_code == 0 || c.exit_code == 1);
    if (finished || stopping) {
      host_.event("daily-finished", describe_exit(c));
      daily_.backoff = kFirstBackoff;
      daily_.healthy = true;
    } else {
      died(daily_, c);
    }
    if (intraday_waits_for_daily_) {
      intraday_waits_for_daily_ = false;
      if (intraday_.id == 0 && !intraday_.restart_pending) start(intraday_);
    }
  } else if (intraday_.id != 0 && c.id == intraday_.id) {
    intraday_.id = 0;
    if (!stopping) died(intraday_, c);
  }
}

int Supervisor::run() {
  WallTime next_daily = next_daily_start(calendar_, days_, daily_time_, clock_.now());
  if (is_daily_day(days_, calendar_, calendar_.zone().date_of(clock_.now()))) {
    start(daily_);
    intraday_waits_for_daily_ = daily_.id != 0 && !host_.daily_ever_succeeded();
  }
  if (!intraday_waits_for_daily_) start(intraday_);
  host_.next_daily(next_daily);

  for (;;) {
    Millis wait = std::chrono::ceil<Millis>(next_daily - clock_.now());
    for (const Slot* slot : {&daily_, &intraday_}) {
      if (slot->restart_pending) {
        wait = std::min(wait, std::chrono::ceil<Millis>(slot->restart_at - clock_.mono()));
      }
    }
    for (const ProcessCompletion& c : processes_.wait(std::clamp(wait, Millis{0}, kMaxSleep))) {
      on_completion(c);
    }
    if (int sig = processes_.stop_signal()) {
      processes_.stop_all();
      host_.event("stopped", "signal " + std::to_string(sig));
      return sig;
    }
    restart_if_due(intraday_);
    restart_if_due(daily_);
    if (clock_.now() >= next_daily && daily_.id == 0) {
      daily_.restart_pending = false;
      start(daily_);
      next_daily = next_daily_start(calendar_, days_, daily_time_, clock_.now());
      host_.next_daily(next_daily);
    }
  }
}

}  // namespace orch
