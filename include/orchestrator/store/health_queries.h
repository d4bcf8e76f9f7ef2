#pragma once
// Read queries of the health monitor over the status database (data_pipeline_status and
// task_runs), and the source_freshness table it owns: the last recorded colour of each data
// source, so that "turned red" is noticed once per transition.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/store/date_queries.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace SQLite {
class Database;
}

namespace orch {

// What the database knows about one task: its data_pipeline_status row plus, from
// task_runs, its latest successful attempt and its latest finished attempt.
struct TaskHealthRow {
  std::string name;
  std::string status = "PENDING";
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
  std::vector<SuccessRun> newest_successes;       // where its newest data can be (date_queries.h)
};

// Every task row of data_pipeline_status (tasks no longer in the config included).
Expected<std::vector<TaskHealthRow>> read_task_health(SQLite::Database& db);
// The same from the file at `path`, opened read-only (for --dry-run: nothing is written);
// no rows when the file does not exist.
Expected<std::vector<TaskHealthRow>> read_task_health_readonly(const std::filesystem::path& path);

// A task whose run `run_id` ended FAILED or TIMEOUT for good, for the task_failed alert.
struct FailedTask {
  std::string name;
  std::string status;  // FAILED or TIMEOUT
  std::string error;
  std::string log_path;  // the log of its last attempt in that run ("" when none)
};
Expected<std::vector<FailedTask>> read_failed_tasks(SQLite::Database& db, std::int64_t run_id);

// One source's colour at a check, as stored in source_freshness.
struct SourceRecord {
  std::string source;
  std::string status;  // green | yellow | red | unknown
  std::optional<double> age_seconds;
  std::optional<WallTime> last_success;
  std::optional<WallTime> data_as_of;
};

// Upserts every record (checked_at = `now`) in one BEGIN IMMEDIATE transaction, creating the
// table when missing. Returns the sources whose stored status was not "red" before (or had no
// row) and is "red" now: each transition is returned to exactly one caller.
Expected<std::vector<std::string>> record_source_freshness(SQLite::Database& db,
                                                           const std::vector<SourceRecord>& records,
                                                           WallTime now);

// The stored status per source ("" when the table or the row is missing).
Expected<std::string> stored_source_status(SQLite::Database& db, const std::string& source);

}  // namespace orch
