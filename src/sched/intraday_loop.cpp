#include "orchestrator/sched/intraday_loop.h"

#include <algorithm>

#include "orchestrator/sched/due.h"

namespace orch {

bool in_session(const MarketCalendar& cal, const TaskSpec& t, WallTime now) {
  if (!t.market_hours_only) return true;
  const MarketSession s = cal.session_at(now).session;
  return t.session == SessionKind::Regular ? s == MarketSession::Regular
                                           : s != MarketSession::Closed;
}

WallTime next_session_start(const MarketCalendar& cal, const TaskSpec& t, WallTime now) {
  if (t.session == SessionKind::Regular) return cal.next_open(now);
  auto day = std::chrono::sys_days{cal.zone().date_of(now)};
  for (int i = 0; i < 30; ++i, day += std::chrono::days{1}) {
    if (auto w = cal.window(std::chrono::year_month_day{day}, SessionKind::Extended);
        w && w->start > now) {
      return w->start;
    }
  }
  return now + std::chrono::hours(24);
}

std::chrono::year_month_day session_date(const MarketCalendar& cal, const TaskSpec& t,
                                         WallTime now) {
  const std::chrono::year_month_day today = cal.zone().date_of(now);
  if (!t.market_hours_only) return today;
  auto day = std::chrono::sys_days{today};
  for (int i = 0; i < 30; ++i, day -= std::chrono::days{1}) {
    const std::chrono::year_month_day d{day};
    if (auto w = cal.window(d, t.session); w && w->start <= now) return d;
  }
  return today;
}

IntradayScheduler::IntradayScheduler(const MarketCalendar& calendar,
                                     std::vector<const TaskSpec*> tasks,
                                     std::map<std::string, WallTime> last_starts, Cadence cadence)
    : calendar_(calendar),
      tasks_(std::move(tasks)),
      last_start_(std::move(last_starts)),
      cadence_(cadence) {}

std::vector<const TaskSpec*> IntradayScheduler::due(WallTime now) {
  for (auto& [name, last] : last_start_) last = clamp_last_start(last, now);
  std::vector<const TaskSpec*> out;
  for (const TaskSpec* t : tasks_) {
    if (in_session(calendar_, *t, now) && is_due(last_start(t->name), t->interval, now, cadence_))
      out.push_back(t);
  }
  return out;
}

std::vector<std::pair<std::string, WallTime>> IntradayScheduler::forget_future_starts(
    WallTime now) {
  std::vector<std::pair<std::string, WallTime>> forgotten;
  for (auto it = last_start_.begin(); it != last_start_.end();) {
    if (it->second > now) {
      forgotten.emplace_back(it->first, it->second);
      it = last_start_.erase(it);
    } else {
      ++it;
    }
  }
  return forgotten;
}

void IntradayScheduler::started(const std::vector<const TaskSpec*>& tasks, WallTime now) {
  for (const TaskSpec* t : tasks) last_start_[t->name] = now;
}

std::optional<WallTime> IntradayScheduler::last_start(const std::string& task) const {
  auto it = last_start_.find(task);
  return it == last_start_.end() ? std::nullopt : std::optional<WallTime>(it->second);
}

WallTime IntradayScheduler::next_wake(WallTime now) const {
  std::optional<WallTime> wake;
  for (const TaskSpec* t : tasks_) {
    WallTime at = now;
    if (!in_session(calendar_, *t, now)) {
      at = next_session_start(calendar_, *t, now);
    } else if (auto last = last_start(t->name)) {
      at = next_due(*last, t->interval, cadence_);
    }
    if (!wake || at < *wake) wake = at;
  }
  return wake.value_or(now + std::chrono::hours(24));
}

IntradayOutcome IntradayScheduler::run(const Clock& clock, ProcessRunner& processes,
                                       IntradayPass& pass, bool once, Millis max_sleep) {
  IntradayOutcome out;
  cadence_ = once ? Cadence::Timer : Cadence::Resident;
  if (once) {
    const WallTime now = clock.now();
    for (const auto& [task, last] : forget_future_starts(now)) pass.stepped_back(task, last, now);
  }
  for (;;) {
    const WallTime now = clock.now();
    const auto due_now = due(now);
    if (due_now.empty()) {
      pass.idle(now);
    } else {
      started(due_now, now);
      ++out.passes_run;
      const IntradayPass::Result r = pass.run(due_now, now);
      if (r.abort_code) {
        out.abort_code = r.abort_code;
        return out;
      }
      out.any_failed = out.any_failed || r.failed;
    }
    if (once) return out;
    const WallTime after = clock.now();
    const Millis until = std::chrono::ceil<Millis>(next_wake(after) - after);
    processes.wait(std::clamp(until, Millis{0}, max_sleep));
    if (int sig = processes.stop_signal()) {
      out.stop_signal = sig;
      return out;
    }
  }
}

}  // namespace orch
