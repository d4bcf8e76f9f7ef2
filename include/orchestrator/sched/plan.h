#pragma once
// The pure scheduling state of one run (ninja's Plan): which task may start now, what a
// finished attempt means (retry, done, skip its dependents, stop after a critical failure).
// No I/O and no clock of its own: callers pass `now`, so it is tested by hand.
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/config/config.h"
#include "orchestrator/util/time.h"

namespace orch {

struct PlanTask {
  std::string name;
  int tier = 0;
  std::vector<int> deps;  // indices into the plan; always in lower tiers
  bool critical = false;
  RetryPolicy retry;
  std::optional<WallTime> not_before;  // may not start earlier
  bool already_done = false;           // succeeded earlier: counts as satisfied, not run
};

// Where a task is inside one run's plan (retries and backoff included). Distinct from
// TaskStatus (sched/recorder.h), the outcome recorded in the database and shown to users.
// Elsewhere: running now under another orchestrator (another mode), or downstream of such a
// task: not run in this run, neither a success nor a failure.
enum class PlanState {
  Waiting,
  Running,
  BackingOff,
  Succeeded,
  Failed,
  TimedOut,
  Skipped,
  AlreadyDone,
  Interrupted,
  Elsewhere
};
enum class AttemptOutcome { Success, Failure, Timeout, PermanentFailure, Interrupted };

struct PlanSkip {
  int task = 0;
  std::string reason;
};
struct PlanAbandon {  // a task in backoff whose next attempt will not happen
  int task = 0;
  PlanState state = PlanState::Failed;  // Failed (critical stop) or Interrupted
  std::string reason;
};

class Plan {
 public:
  Plan(std::vector<PlanTask> tasks, int jobs);

  // Tasks that may start at `now`, lowest tier first (a tier is a barrier), then in file
  // order; never more than the free job slots. The caller starts all of them.
  std::vector<int> ready(WallTime now) const;
  void mark_started(int id);
  struct Finish {
    PlanState state;  // BackingOff when another attempt follows
    std::optional<WallTime> retry_at;
    bool final() const { return state != PlanState::BackingOff; }
  };
  Finish mark_finished(int id, AttemptOutcome outcome, WallTime now);
  // The task just marked started is running under another orchestrator: it is not run here
  // (no attempt counted), and the tasks downstream of it are held back too (they would read
  // what it has not finished writing; the other run, or a later one, runs them). Neither
  // counts as a success or a failure. The held-back ones are listed by take_held_back().
  void mark_elsewhere(int id);
  // The orchestrator is stopping: tasks in backoff are abandoned; waiting ones stay unrun.
  void interrupt();

  std::vector<PlanSkip> take_skips();        // decided since the last call, in order
  std::vector<PlanAbandon> take_abandons();  // likewise
  std::vector<PlanSkip> take_held_back();    // likewise: downstream of mark_elsewhere()
  // The earliest instant a not-yet-runnable task of the open tier becomes runnable.
  std::optional<WallTime> next_wakeup(WallTime now) const;
  // Tasks of the open tier that wait only for their not-before time.
  std::vector<int> waiting_for_time(WallTime now) const;
  bool done() const { return unfinished_ == 0 || interrupted_; }
  bool stopped_by_critical() const { return critical_failure_.has_value(); }

  std::size_t size() const { return tasks_.size(); }
  const PlanTask& task(int id) const { return tasks_[id]; }
  PlanState state(int id) const { return states_[id]; }
  int attempts(int id) const { return attempts_[id]; }
  int running() const { return running_; }

 private:
  bool terminal(int id) const;
  void settle(int id, PlanState final_state);
  void skip_dependents(int id);
  void hold_back_dependents(int id, const std::string& origin);
  void stop_after_critical(int id);
  void advance_tier();

  std::vector<PlanTask> tasks_;
  std::vector<PlanState> states_;
  std::vector<int> attempts_;
  std::vector<std::optional<WallTime>> retry_at_;
  std::vector<std::vector<int>> dependents_;
  std::vector<std::vector<int>> tiers_;  // task ids by ascending tier
  std::size_t open_tier_ = 0;
  int jobs_;
  int running_ = 0;
  std::size_t unfinished_ = 0;
  bool interrupted_ = false;
  // Whether any task has a not-before time, and whether any retry was ever scheduled: without
  // either, next_wakeup() and waiting_for_time() have nothing to find and skip their scan of
  // the open tier (which the Runner makes on every loop: quadratic in a 2,000-task tier).
  bool any_not_before_ = false;
  bool any_retry_ = false;
  std::optional<int> critical_failure_;
  std::vector<PlanSkip> skips_;
  std::vector<PlanAbandon> abandons_;
  std::vector<PlanSkip> held_back_;
};

std::string_view to_string(PlanState s);

}  // namespace orch
