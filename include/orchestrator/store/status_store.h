#pragma once
// The SQLite status database: data_pipeline_status (the table users query), the runs table
// (one row per orchestrator invocation) and task_runs (one row per attempt). WAL, a busy
// timeout, BEGIN IMMEDIATE for every write, one transaction per state change or per batch.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/sched/recorder.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace SQLite {
class Database;
}

namespace orch {

namespace store_detail {
class StatementCache;
}

class StatusStore final : public RunRecorder {
 public:
  // Opens (creating the file, its folder and the schema on first use) the database.
  static Expected<std::unique_ptr<StatusStore>> open(const std::filesystem::path& path);
  ~StatusStore() override;

  // Rows left RUNNING by an orchestrator of `mode` that is gone become INTERRUPTED.
  // `mode_is_dead(mode)` tells whether no live process holds that mode's lock; it is
  // asked once per mode that has RUNNING rows. Returns the number of task rows changed.
  // A caller holding its own mode's lock must answer true for that mode (is_free says false
  // to the holder). Rows RUNNING that no open run owns (no run_id) are interrupted too.
  Expected<int> recover_interrupted(const std::function<bool(const std::string& mode)>& mode_is_dead,
                                    WallTime now);

  // The Slurm job ids of attempts still RUNNING in the database whose mode's orchestrator is
  // gone (same `mode_is_dead` as recover_interrupted): to cancel before marking them.
  Expected<std::vector<std::string>> open_job_ids(
      const std::function<bool(const std::string& mode)>& mode_is_dead);

  // Adds a PENDING row for every task not yet in data_pipeline_status.
  Status ensure_tasks(const std::vector<std::string>& names, WallTime now);

  // A new run (one invocation of a mode); its id is ORCHESTRATOR_RUN_ID.
  Expected<std::int64_t> begin_run(const std::string& mode, const std::string& trading_date,
                                   WallTime started_at);
  // status: "SUCCESS", "FAILED" or "INTERRUPTED".
  Status end_run(std::int64_t run_id, const std::string& status, WallTime ended_at);

  // Tasks with a successful attempt recorded for this trading date (YYYY-MM-DD).
  Expected<std::set<std::string>> succeeded_on(const std::string& trading_date);

  // The start of each task's latest attempt (any mode): when an intraday task is next due.
  Expected<std::map<std::string, WallTime>> last_starts();

  // A --full supervisor event (runner started, died, restarted), kept in supervisor_events.
  Status record_event(const std::string& kind, const std::string& detail, WallTime at);

  // RunRecorder
  Expected<std::int64_t> attempt_started(const AttemptStart& start) override;
  Status attempt_submitted(std::int64_t attempt_id, const std::string& job_id) override;
  Status attempt_finished(std::int64_t attempt_id, const std::string& task_name,
                          const AttemptEnd& end) override;
  Status run_abandoned(std::int64_t run_id, const std::string& task_name, TaskStatus status,
                       const std::string& reason, WallTime when) override;
  Status task_skipped(std::int64_t run_id, const std::string& task_name,
                      const std::string& reason, WallTime when) override;
  void begin_batch() override;
  Status end_batch() override;

  SQLite::Database& db();  // for the later health layer; same connection

 private:
  explicit StatusStore(std::unique_ptr<SQLite::Database> db);
  std::unique_ptr<SQLite::Database> db_;
  // The prepared statements of the per-task writes, kept for the connection's life (parsing
  // the SQL again for every state change was half of the CPU a task cost us). Declared after
  // db_, so they are finalized before the connection closes.
  std::unique_ptr<store_detail::StatementCache> stmts_;
};

}  // namespace orch
