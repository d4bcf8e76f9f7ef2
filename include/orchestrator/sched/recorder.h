#pragma once
// What the scheduler tells the status store, one call per state change. Each call is
// committed before it returns, or, inside a batch, when the batch ends; the Runner ends its
// batch before it starts a process or sleeps, so a crash loses nothing a process could see.
// The SQLite implementation is store/StatusStore; tests use an in-memory fake.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch {

// A task's recorded outcome, from the Runner to the database, the dashboard, metrics and
// alerts (PlanState in sched/plan.h is the plan's own bookkeeping). Its text form, below, is
// the only place the database's status strings are spelled.
enum class TaskStatus { Pending, Running, Success, Failed, Timeout, Skipped, Interrupted };
std::string_view to_string(TaskStatus s);  // "PENDING", "RUNNING", ... as in the database
std::optional<TaskStatus> parse_task_status(std::string_view s);

struct AttemptStart {
  std::int64_t run_id = 0;
  std::string task_name;
  int attempt = 1;        // 1-based
  WallTime scheduled_at;  // the not-before instant, or the run's start
  WallTime started_at;
  std::string log_path;
  std::string command;  // the argv joined for humans
};

struct AttemptEnd {
  TaskStatus status = TaskStatus::Success;  // Success, Failed, Timeout or Interrupted
  std::optional<int> exit_code;
  std::optional<int> signal;
  WallTime ended_at;
  Millis duration{0};
  std::optional<std::int64_t> records_processed;
  std::optional<std::string> data_as_of;
  std::optional<std::int64_t> output_bytes;  // what it wrote to its log; 0: nothing, no file
  std::string error;                         // empty on success
  bool final = true;                         // false when another attempt follows
};

class RunRecorder {
 public:
  virtual ~RunRecorder() = default;
  // Marks the task RUNNING and adds its history row; the first attempt of a run counts once
  // in total_runs. Returns the history row's id.
  virtual Expected<std::int64_t> attempt_started(const AttemptStart& start) = 0;
  // Stores the batch system's job id with the attempt (its history row).
  virtual Status attempt_submitted(std::int64_t attempt_id, const std::string& job_id) = 0;
  // The attempt's process started: its pid (= process group id) and start time, recorded at
  // once so that whoever finds the attempt left RUNNING can end what it started.
  virtual Status attempt_process(std::int64_t /*attempt_id*/, std::int64_t /*pgid*/,
                                 std::uint64_t /*start*/) {
    return ok();
  }
  // Closes the history row; when `end.final`, applies the run's outcome to the counters.
  virtual Status attempt_finished(std::int64_t attempt_id, const std::string& task_name,
                                  const AttemptEnd& end) = 0;
  // A run whose next attempt will not happen (critical stop, signal): the final outcome
  // without an attempt. `status` is Failed or Interrupted.
  virtual Status run_abandoned(std::int64_t run_id, const std::string& task_name, TaskStatus status,
                               const std::string& reason, WallTime when) = 0;
  // The task will not run in this run (an upstream failed, a critical task failed).
  virtual Status task_skipped(std::int64_t run_id, const std::string& task_name,
                              const std::string& reason, WallTime when) = 0;

  // Groups the calls that follow into one transaction, committed by end_batch() (what
  // happens at one instant: the ends just reaped and the starts they allow). A call that
  // fails inside a batch is undone alone; end_batch() without a batch does nothing.
  virtual void begin_batch() = 0;
  virtual Status end_batch() = 0;

  // Whether what is recorded still reaches the database a user sees (e.g. its file was not
  // deleted or replaced under us). The Runner asks at every turn of its loop and stops the
  // run on an error, as for any recording failure.
  virtual Status check_store() { return ok(); }
};

}  // namespace orch
