#include "orchestrator/sched/plan.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "orchestrator/graph/dag.h"

namespace orch {

Plan::Plan(std::vector<PlanTask> tasks, int jobs)
    : tasks_(std::move(tasks)),
      states_(tasks_.size(), PlanState::Waiting),
      attempts_(tasks_.size(), 0),
      retry_at_(tasks_.size()),
      dependents_(tasks_.size()),
      jobs_(std::max(1, jobs)) {
  std::vector<int> tiers;
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    tiers.push_back(tasks_[i].tier);
    for (int d : tasks_[i].deps) dependents_[d].push_back(static_cast<int>(i));
    if (tasks_[i].not_before) any_not_before_ = true;
    if (tasks_[i].already_done) {
      states_[i] = PlanState::AlreadyDone;
    } else {
      ++unfinished_;
    }
  }
  tiers_ = group_by_tier(tiers);
  advance_tier();
}

bool Plan::terminal(int id) const {
  switch (states_[id]) {
    case PlanState::Waiting:
    case PlanState::Running:
    case PlanState::BackingOff: return false;
    default: return true;
  }
}

void Plan::advance_tier() {
  while (open_tier_ < tiers_.size() &&
         std::all_of(tiers_[open_tier_].begin(), tiers_[open_tier_].end(),
                     [this](int id) { return terminal(id); })) {
    ++open_tier_;
  }
}

std::vector<int> Plan::ready(WallTime now) const {
  std::vector<int> out;
  if (interrupted_ || open_tier_ >= tiers_.size()) return out;
  int slots = jobs_ - running_;
  for (int id : tiers_[open_tier_]) {
    if (slots <= 0) break;
    bool startable = false;
    if (states_[id] == PlanState::Waiting) {
      const auto& nb = tasks_[id].not_before;
      startable = !nb || *nb <= now;
    } else if (states_[id] == PlanState::BackingOff) {
      startable = *retry_at_[id] <= now;
    }
    if (startable) {
      out.push_back(id);
      --slots;
    }
  }
  return out;
}

void Plan::mark_started(int id) {
  assert(states_[id] == PlanState::Waiting || states_[id] == PlanState::BackingOff);
  states_[id] = PlanState::Running;
  ++attempts_[id];
  ++running_;
}

Plan::Finish Plan::mark_finished(int id, AttemptOutcome outcome, WallTime now) {
  assert(states_[id] == PlanState::Running);
  --running_;
  const RetryPolicy& retry = tasks_[id].retry;
  bool retriable = outcome == AttemptOutcome::Failure || outcome == AttemptOutcome::Timeout;
  if (retriable && attempts_[id] < retry.max_attempts && !critical_failure_ && !interrupted_) {
    states_[id] = PlanState::BackingOff;
    any_retry_ = true;
    retry_at_[id] = now + retry.backoff_before(attempts_[id] + 1);
    return {PlanState::BackingOff, retry_at_[id]};
  }
  PlanState final_state = PlanState::Failed;
  switch (outcome) {
    case AttemptOutcome::Success: final_state = PlanState::Succeeded; break;
    case AttemptOutcome::Timeout: final_state = PlanState::TimedOut; break;
    case AttemptOutcome::Interrupted: final_state = PlanState::Interrupted; break;
    default: break;
  }
  settle(id, final_state);
  return {final_state, std::nullopt};
}

void Plan::settle(int id, PlanState final_state) {
  states_[id] = final_state;
  --unfinished_;
  if (final_state == PlanState::Failed || final_state == PlanState::TimedOut) {
    skip_dependents(id);
    if (tasks_[id].critical && !critical_failure_) stop_after_critical(id);
  }
  advance_tier();
}

// Every waiting task downstream of `id` is skipped, naming its own failed or skipped upstream.
void Plan::skip_dependents(int id) {
  for (int dep : dependents_[id]) {
    if (states_[dep] != PlanState::Waiting) continue;
    const char* what = states_[id] == PlanState::TimedOut  ? "timed out"
                       : states_[id] == PlanState::Skipped ? "was skipped"
                                                           : "failed";
    states_[dep] = PlanState::Skipped;
    --unfinished_;
    skips_.push_back({dep, "dependency '" + tasks_[id].name + "' " + what});
    skip_dependents(dep);
  }
}

void Plan::mark_elsewhere(int id) {
  assert(states_[id] == PlanState::Running);
  --running_;
  --attempts_[id];
  states_[id] = PlanState::Elsewhere;
  --unfinished_;
  hold_back_dependents(id, tasks_[id].name);
  advance_tier();
}

void Plan::hold_back_dependents(int id, const std::string& origin) {
  for (int dep : dependents_[id]) {
    if (states_[dep] != PlanState::Waiting) continue;
    states_[dep] = PlanState::Elsewhere;
    --unfinished_;
    held_back_.push_back(
        {dep, "not run: upstream '" + origin + "' is running under another orchestrator"});
    hold_back_dependents(dep, origin);
  }
}

std::vector<PlanSkip> Plan::take_held_back() { return std::exchange(held_back_, {}); }

void Plan::stop_after_critical(int id) {
  critical_failure_ = id;
  std::string why = "critical task '" + tasks_[id].name + "' failed";
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (states_[i] == PlanState::Waiting) {
      states_[i] = PlanState::Skipped;
      --unfinished_;
      skips_.push_back({static_cast<int>(i), why});
    } else if (states_[i] == PlanState::BackingOff) {
      states_[i] = PlanState::Failed;
      --unfinished_;
      abandons_.push_back({static_cast<int>(i), PlanState::Failed, "retry cancelled: " + why});
    }
  }
}

void Plan::interrupt() {
  for (std::size_t i = 0; i < tasks_.size(); ++i) {
    if (states_[i] == PlanState::BackingOff) {
      states_[i] = PlanState::Interrupted;
      --unfinished_;
      abandons_.push_back({static_cast<int>(i), PlanState::Interrupted,
                           "orchestrator stopped before the next attempt"});
    }
  }
  interrupted_ = true;
}

std::vector<PlanSkip> Plan::take_skips() { return std::exchange(skips_, {}); }
std::vector<PlanAbandon> Plan::take_abandons() { return std::exchange(abandons_, {}); }

std::optional<WallTime> Plan::next_wakeup(WallTime now) const {
  std::optional<WallTime> best;
  if (interrupted_ || open_tier_ >= tiers_.size() || (!any_not_before_ && !any_retry_)) return best;
  for (int id : tiers_[open_tier_]) {
    std::optional<WallTime> at;
    if (states_[id] == PlanState::Waiting) at = tasks_[id].not_before;
    if (states_[id] == PlanState::BackingOff) at = retry_at_[id];
    if (at && *at > now && (!best || *at < *best)) best = at;
  }
  return best;
}

std::vector<int> Plan::waiting_for_time(WallTime now) const {
  std::vector<int> out;
  if (interrupted_ || open_tier_ >= tiers_.size() || !any_not_before_) return out;
  for (int id : tiers_[open_tier_]) {
    const auto& nb = tasks_[id].not_before;
    if (states_[id] == PlanState::Waiting && nb && *nb > now) out.push_back(id);
  }
  return out;
}

std::string_view to_string(PlanState s) {
  switch (s) {
    case PlanState::Waiting: return "waiting";
    case PlanState::Running: return "running";
    case PlanState::BackingOff: return "backing off";
    case PlanState::Succeeded: return "succeeded";
    case PlanState::Failed: return "failed";
    case PlanState::TimedOut: return "timed out";
    case PlanState::Skipped: return "skipped";
    case PlanState::AlreadyDone: return "already done";
    case PlanState::Interrupted: return "interrupted";
    case PlanState::Elsewhere: return "running elsewhere";
  }
  return "?";
}

}  // namespace orch
