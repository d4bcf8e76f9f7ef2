#pragma once
// The rows the health monitor reads from and writes to the status database, through
// StatusStore (read_task_health, read_failed_tasks, record_source_freshness).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/sched/recorder.h"
#include "orchestrator/util/time.h"

namespace orch {

// A successful attempt, as freshness needs it to find its data instant.
struct SuccessRun {
  std::string trading_date;  // "" for a run that claims no date (--update-stale: NULL)
  std::optional<WallTime> started_at;
  std::optional<WallTime> ended_at;
  std::optional<std::string> data_as_of;  // as the task printed it
};

// What the database knows about one task: its data_pipeline_status row plus, from
// task_runs, its latest successful attempt and its latest finished attempt.
struct TaskHealthRow {
  std::string name;
  TaskStatus status = TaskStatus::Pending;  // NULL or text no status names reads as Pending
  std::optional<WallTime> last_run_start;
  std::optional<WallTime> last_run_end;
  std::optional<WallTime> last_success;
  int consecutive_failures = 0;
  std::int64_t total_runs = 0;
  std::int64_t total_successes = 0;
  std::int64_t total_failures = 0;
  std::optional<double> average_runtime_seconds;
  std::optional<std::int64_t> last_records;
  std::string last_error;
  std::optional<WallTime> success_ended_at;       // end of the latest SUCCESS attempt
  std::optional<std::string> success_data_as_of;  // its DATA_AS_OF, as the task printed it
  std::optional<double> last_duration_seconds;    // the latest finished attempt's duration
  // Where its newest data can be: the latest-ended success of the newest trading date it
  // succeeded for, and the latest-ended success without a trading date. A backfill of an old
  // date is never among them once a newer date succeeded.
  std::vector<SuccessRun> newest_successes;
};

// A task whose run ended Failed or Timeout for good, for the task_failed alert.
struct FailedTask {
  std::string name;
  TaskStatus status = TaskStatus::Failed;  // Failed or Timeout
  std::string error;
  std::string log_path;  // the log of its last attempt in that run ("" when none)
};

// One source's colour at a check, as stored in source_freshness.
struct SourceRecord {
  std::string source;
  std::string status;  // green | yellow | red | unknown
  std::optional<double> age_seconds;
  std::optional<WallTime> last_success;
  std::optional<WallTime> data_as_of;
};

}  // namespace orch
