#pragma once
// A read-only view of the status database for the web dashboard, the HTTP API and --report:
// opened with SQLITE_OPEN_READONLY, so it takes no lock file, writes no row and never changes
// what the runners see. Every query is one SELECT; statuses are read as TaskStatus, as stored
// (the caller decides whether a RUNNING row's orchestrator is still alive).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/store/date_queries.h"
#include "orchestrator/store/health_queries.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch {

// One row of `runs` with its tasks counted by final outcome.
struct RunRow {
  std::int64_t id = 0;
  std::string mode;
  std::optional<std::int64_t> pid;
  std::optional<WallTime> started_at;
  std::optional<WallTime> ended_at;
  TaskStatus status = TaskStatus::Running;  // Running, Success, Failed or Interrupted
  std::string trading_date;                 // "" when the run claims none
  int succeeded = 0, failed = 0, skipped = 0;
};

// One attempt (attempt >= 1) or skip (attempt 0) of a task in a run.
struct AttemptRow {
  std::int64_t run_id = 0;
  std::string task;
  int attempt = 0;
  TaskStatus status = TaskStatus::Pending;
  std::optional<WallTime> started_at;
  std::optional<WallTime> ended_at;
  std::optional<double> duration_seconds;
  std::optional<int> exit_code;
  std::optional<std::int64_t> records_processed;
  std::string error;
  std::optional<std::string> slurm_job_id;
};

// One finished attempt in a task's recent history.
struct RuntimePoint {
  WallTime started_at;
  double seconds = 0;
  TaskStatus status = TaskStatus::Pending;
  std::optional<std::int64_t> output_bytes;  // 0: wrote nothing (no log file)
};

// The log of a task's newest attempt: where it is (or would be), how much the attempt wrote
// (0: nothing, and no file was made; none: still running, or recorded by an older version).
struct NewestLog {
  std::string path;
  std::optional<std::int64_t> output_bytes;
  bool running = false;
};

class StatusReader {
 public:
  // Opens an existing database read-only; a missing file or one that is not a status
  // database is an error (the caller exits 74).
  static Expected<std::unique_ptr<StatusReader>> open(const std::filesystem::path& path);
  ~StatusReader();

  // Every task row, as StatusStore::read_task_health reads it.
  Expected<std::vector<TaskHealthRow>> read_task_health();

  // Changes whenever another connection committed since the last call (PRAGMA data_version):
  // lets callers keep what they read until the database changes.
  Expected<std::int64_t> data_version();

  // Newest started_at first.
  Expected<std::vector<RunRow>> runs(int limit);
  Expected<std::optional<RunRow>> run(std::int64_t id);
  // Attempts and skips of one run, in the order they were recorded.
  Expected<std::vector<AttemptRow>> attempts_of_run(std::int64_t run_id);

  // The latest trading date a daily run was recorded for ("" when none), and every attempt
  // (attempt >= 1) and skip of the daily runs for that date, in the order recorded.
  Expected<std::string> latest_daily_date();
  Expected<std::vector<AttemptRow>> daily_attempts_on(const std::string& trading_date);

  // The last `count` finished attempts of each task (oldest first), one indexed walk per task.
  Expected<std::map<std::string, std::vector<RuntimePoint>>> recent_runtimes(
      const std::vector<std::string>& tasks, int count);

  // Per task and trading date in [from, to]: the daily outcome of that date (SUCCESS when any
  // attempt succeeded, else the status of its last attempt or skip).
  Expected<std::map<std::string, std::map<std::string, TaskStatus>>> daily_outcomes(
      const std::vector<std::string>& tasks, const std::string& from, const std::string& to);

  // The log of the task's newest attempt; nullopt when it never ran.
  Expected<std::optional<NewestLog>> newest_log(const std::string& task);

  // For task rows left RUNNING: the mode of the run that set them ("" when no run owns them).
  Expected<std::map<std::string, std::string>> running_task_modes();

  // The run history by trading date (first recorded date, successes in [from, to]), as
  // read_date_history reads it, on this connection.
  Expected<DateHistory> date_history(const std::vector<std::string>& tasks, const std::string& from,
                                     const std::string& to);

 private:
  struct Db;  // the SQLite connection (src/store/status_reader.cpp)
  explicit StatusReader(std::unique_ptr<Db> db);
  std::unique_ptr<Db> db_;
};

}  // namespace orch
