#pragma once
// Jobs that run beside the pipeline (the on_failure alerts) on the same process runner as its
// tasks, so that one reaper sees every child and an alert never holds up a task, a pass or
// the loop's sleep. This class is the tasks' ProcessRunner: it forwards starts to the inner
// runner, hands the tasks only their own completions, and deals with a background job's end
// itself (report it, start the next queued one) wherever the caller happens to wait.
// Owns: at most `max_at_once` jobs at a time, a queue of at most `max_queued` more, and
// coalescing: a job whose key matches one running or queued is not started again.
// Each job's time limit is its request's timeout, enforced by the inner runner.
#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/sched/clock.h"
#include "orchestrator/sched/process_runner.h"

namespace orch {

// How a background job ended: `completion` when it ran, else `error` says why it did not
// (the start failed, the queue was full, a stop came first).
struct BackgroundEnd {
  std::string key;
  ProcessRequest request;
  std::optional<ProcessCompletion> completion;
  std::optional<Error> error;
};

class BackgroundProcesses final : public ProcessRunner {
 public:
  using Report = std::function<void(const BackgroundEnd&)>;
  BackgroundProcesses(ProcessRunner& inner, const Clock& clock, std::size_t max_at_once,
                      std::size_t max_queued, Report report);

  enum class Submitted { Started, Queued, Coalesced, Dropped };
  // Starts the job now or queues it; never waits. Coalesced: one with the same key runs or
  // waits already. Dropped: the queue is full (reported as an end with an error).
  Submitted submit(std::string key, ProcessRequest request);
  // Collects ended jobs without waiting (and starts queued ones).
  void poll();
  // Waits until no job runs or waits, at most `max_wait`; a stop signal ends them all.
  // Returns true when none is left.
  bool drain(Millis max_wait);
  std::size_t jobs() const { return running_.size() + queued_.size(); }
  std::size_t coalesced() const { return coalesced_; }

  // The tasks' view of the inner runner.
  void arm() override { inner_.arm(); }
  Expected<ProcessId> start(const ProcessRequest& request) override;
  // Waits as the inner runner does, for the tasks' processes only: a background job ending
  // meanwhile is dealt with and the wait goes on until `max_wait` is over.
  std::vector<ProcessCompletion> wait(Millis max_wait) override;
  int stop_signal() const override { return inner_.stop_signal(); }
  // Ends the tasks and the background jobs (a stop ends both); returns the tasks' ends.
  std::vector<ProcessCompletion> stop_all() override;
  std::size_t running() const override {
    const std::size_t all = inner_.running();
    return all > running_.size() ? all - running_.size() : 0;
  }
  std::string external_id(ProcessId id) const override { return inner_.external_id(id); }
  std::optional<OsProcess> os_process(ProcessId id) const override { return inner_.os_process(id); }

 private:
  struct Job {
    std::string key;
    ProcessRequest request;
    ProcessId id = 0;
  };
  // Moves the tasks' completions to pending_, reports the jobs' ends; true if a task's ended.
  bool sort(std::vector<ProcessCompletion> done);
  void start_queued();
  void abandon_queue(const std::string& why);

  ProcessRunner& inner_;
  const Clock& clock_;
  std::size_t max_at_once_;
  std::size_t max_queued_;
  Report report_;
  std::vector<Job> running_;
  std::deque<Job> queued_;
  std::vector<ProcessCompletion> pending_;  // the tasks' ends seen by a background wait
  std::size_t coalesced_ = 0;
};

}  // namespace orch
