#pragma once
// The loop that drives a Plan (ninja's Builder): starts what is ready through a
// ProcessRunner, records every state change through a RunRecorder before it matters,
// reports progress to a StatusSink, and sleeps until the next completion or due time.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/sched/clock.h"
#include "orchestrator/sched/deferred_sink.h"
#include "orchestrator/sched/plan.h"
#include "orchestrator/sched/process_runner.h"
#include "orchestrator/sched/recorder.h"
#include "orchestrator/sched/status_sink.h"

namespace orch {

// What to execute for one attempt. `unstartable` is set when the script cannot run at all
// (missing, not executable): the attempt is recorded as failed without a process.
struct Launch {
  ProcessRequest request;
  std::string command;  // for humans and the history row
  WallTime scheduled_at;
  std::optional<Error> unstartable;
};
using LaunchFn = std::function<Launch(int task, int attempt)>;

struct RunResult {
  RunSummary summary;
  int stop_signal = 0;                     // SIGINT/SIGTERM/SIGHUP that stopped the run, or 0
  std::optional<std::string> store_error;  // recording failed: the run was stopped
  bool any_failed() const { return summary.failed > 0 || summary.skipped > 0; }
};

class Runner {
 public:
  Runner(Plan& plan, ProcessRunner& processes, RunRecorder& recorder, StatusSink& sink,
         const Clock& clock, std::int64_t run_id, LaunchFn launch);
  RunResult run();

  // The longest single sleep: wall-clock jumps, and a database deleted or replaced under the
  // run (checked after every wake-up), are noticed at least this often.
  static constexpr Millis kMaxSleep{1000};
  // A started process's group is recorded with the next batch (the ends and starts of the
  // next wake-up), and at the latest this long after its start: the loop sleeps no longer
  // while a group is unrecorded.
  static constexpr Millis kProcessRecordDelay{5};

 private:
  struct Starting {
    int task = 0;
    std::int64_t attempt_row = 0;
    Launch launch;
  };
  void start_ready();
  std::optional<Starting> record_start(int id);
  void spawn(Starting& s);
  void commit();  // ends the recorder's batch; a failure stops the run
  struct Active {
    int task = 0;
    std::int64_t attempt_row = 0;
    Millis timeout{0};
  };
  // `stopping`: a stop signal arrived, so a task that did not succeed was ended by the stop
  // (e.g. systemd signalling the whole unit) and counts as INTERRUPTED, not as a failure.
  void finish(const Active& a, const ProcessCompletion& c, bool stopping);
  void finish_all(const std::vector<ProcessCompletion>& completions, bool stopping);
  void finish_unstartable(int id, std::int64_t attempt_row, const Error& error);
  void record_attempt_end(int id, std::int64_t attempt_row, AttemptEnd end, AttemptOutcome outcome,
                          const std::string& reason);
  void flush_plan_events();
  void record_processes();  // the started processes' groups, into the open batch
  void announce_waits();
  void stop(int signal);
  bool check(const Status& s);

  Plan& plan_;
  ProcessRunner& processes_;
  RunRecorder& recorder_;
  DeferredSink sink_;  // the caller's sink; flushed before every sleep and at the end
  const Clock& clock_;
  std::int64_t run_id_;
  LaunchFn launch_;
  std::vector<std::pair<ProcessId, Active>> active_;
  struct StartedProcess {
    std::int64_t attempt_row = 0;
    OsProcess process;
  };
  std::vector<StartedProcess> unrecorded_;  // started since the last batch
  std::vector<bool> announced_wait_;
  RunResult result_;
};

}  // namespace orch
