#pragma once
// The status database: data_pipeline_status (the task table our users' tools read), the runs
// table (one row per orchestrator invocation), task_runs (one row per attempt),
// supervisor_events and source_freshness. WAL, a busy timeout, BEGIN IMMEDIATE for every
// write, one transaction per state change or per batch. This class is the only way in: no
// SQLite type appears outside src/store/. Every error it returns has ErrorKind::Store.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/sched/recorder.h"
#include "orchestrator/store/health_queries.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch {

class StatusStore;
namespace store_detail {
class Connection;
Connection& connection_of(StatusStore& store);  // defined in src/store/ (private header)
}  // namespace store_detail

class StatusStore final : public RunRecorder {
 public:
  // Opens (creating the file, its folder and the schema on first use) the database.
  static Expected<std::unique_ptr<StatusStore>> open(const std::filesystem::path& path);
  ~StatusStore() override;

  // Where the stores' debug-level notes go (process-wide; none by default): WAL checkpoints
  // that failed or work again. Called on the thread that writes through a store, never from
  // the store's checkpoint thread, so a single-threaded logger is fine. Set it before opening.
  static void set_debug_log(std::function<void(const std::string&)> log);

  // Rows left RUNNING by an orchestrator of `mode` that is gone become INTERRUPTED.
  // `mode_is_dead(mode)` tells whether no live process holds that mode's lock; it is
  // asked once per mode that has RUNNING rows. Returns the number of task rows changed.
  // A caller holding its own mode's lock must answer true for that mode (is_free says false
  // to the holder). Rows RUNNING that no open run owns (no run_id) are interrupted too.
  // `left`, when given, receives the process group of each attempt so interrupted (recorded
  // by attempt_process), for the caller to end what is left of it.
  struct LeftGroup {
    std::int64_t run_id = 0;
    std::string task_name;
    std::int64_t pgid = 0;
    std::uint64_t start = 0;
  };
  Expected<int> recover_interrupted(
      const std::function<bool(const std::string& mode)>& mode_is_dead, WallTime now,
      std::vector<LeftGroup>* left = nullptr);

  // The Slurm job ids of attempts still RUNNING in the database whose mode's orchestrator is
  // gone (same `mode_is_dead` as recover_interrupted): to cancel before marking them.
  Expected<std::vector<std::string>> open_job_ids(
      const std::function<bool(const std::string& mode)>& mode_is_dead);

  // Adds a PENDING row for every task not yet in data_pipeline_status.
  Status ensure_tasks(const std::vector<std::string>& names, WallTime now);

  // A new run (one invocation of a mode); its id is ORCHESTRATOR_RUN_ID.
  Expected<std::int64_t> begin_run(const std::string& mode, const std::string& trading_date,
                                   WallTime started_at);
  // `outcome`: Success, Failed or Interrupted.
  Status end_run(std::int64_t run_id, TaskStatus outcome, WallTime ended_at);

  // Tasks with a successful attempt recorded for this trading date (YYYY-MM-DD).
  Expected<std::set<std::string>> succeeded_on(const std::string& trading_date);

  // Whether any run of `mode` ("daily") ever ended SUCCESS on this database.
  Expected<bool> any_run_succeeded(const std::string& mode);

  // The start of each task's latest attempt (any mode): when an intraday task is next due.
  Expected<std::map<std::string, WallTime>> last_starts();

  // A --full supervisor event (runner started, died, restarted), kept in supervisor_events.
  Status record_event(const std::string& kind, const std::string& detail, WallTime at);

  // --- What the health monitor reads and writes.
  // Every task row of data_pipeline_status (tasks no longer in the config included).
  Expected<std::vector<TaskHealthRow>> read_task_health();
  // The same from the file at `path`, opened read-only (for --dry-run: nothing is written,
  // no schema is made); no rows when the file does not exist.
  static Expected<std::vector<TaskHealthRow>> read_task_health_readonly(
      const std::filesystem::path& path);
  // The tasks whose outcome in run `run_id` is Failed or Timeout, for the task_failed alert.
  Expected<std::vector<FailedTask>> read_failed_tasks(std::int64_t run_id);
  // Upserts every record (checked_at = `now`) in one BEGIN IMMEDIATE transaction and removes
  // the sources not given. Returns the sources whose stored colour was not red before (or
  // had no row) and is red now: each transition is returned to exactly one caller.
  Expected<std::vector<std::string>> record_source_freshness(
      const std::vector<SourceRecord>& records, WallTime now);
  // The stored colour of `source` ("green", "red", ...), "" when it has no row.
  Expected<std::string> stored_source_status(const std::string& source);

  // RunRecorder
  Expected<std::int64_t> attempt_started(const AttemptStart& start) override;
  Status attempt_submitted(std::int64_t attempt_id, const std::string& job_id) override;
  Status attempt_process(std::int64_t attempt_id, std::int64_t pgid, std::uint64_t start) override;
  Status attempt_finished(std::int64_t attempt_id, const std::string& task_name,
                          const AttemptEnd& end) override;
  Status run_abandoned(std::int64_t run_id, const std::string& task_name, TaskStatus status,
                       const std::string& reason, WallTime when) override;
  Status task_skipped(std::int64_t run_id, const std::string& task_name, const std::string& reason,
                      WallTime when) override;
  void begin_batch() override;
  Status end_batch() override;
  // The path still leads to the file opened (device and inode). Every transaction checks
  // this too before it begins.
  Status check_store() override;

 private:
  explicit StatusStore(std::unique_ptr<store_detail::Connection> conn);
  friend store_detail::Connection& store_detail::connection_of(StatusStore&);
  std::unique_ptr<store_detail::Connection> conn_;
};

}  // namespace orch
