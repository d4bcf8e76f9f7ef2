// Crash recovery: rows left RUNNING by an orchestrator that is gone become INTERRUPTED, in one
// transaction, before a new run starts.
#include <map>
#include <utility>
#include <vector>

#include "connection.h"

namespace orch {
namespace {

constexpr const char* kStoppedAttempt = "orchestrator stopped before the attempt finished";

// Runs still open, or with attempts still open.
constexpr const char* kOpenModes = R"sql(
    SELECT DISTINCT mode FROM runs
    WHERE status = 'RUNNING' OR id IN (SELECT run_id FROM task_runs WHERE status = 'RUNNING'))sql";
constexpr const char* kOpenRunsOfMode = R"sql(
    SELECT id, pid FROM runs
    WHERE mode = :mode
      AND (status = 'RUNNING' OR id IN (SELECT run_id FROM task_runs WHERE status = 'RUNNING')))sql";

}  // namespace

Expected<std::vector<std::string>> StatusStore::open_job_ids(
    const std::function<bool(const std::string& mode)>& mode_is_dead) {
  store_detail::Connection& c = *conn_;
  try {
    std::vector<std::string> ids;
    std::map<std::string, bool> dead;  // asked once per mode
    store_detail::Stmt q(c, R"sql(
        SELECT t.slurm_job_id, COALESCE(r.mode, '') FROM task_runs t
        LEFT JOIN runs r ON r.id = t.run_id
        WHERE t.status = 'RUNNING' AND t.slurm_job_id IS NOT NULL)sql");
    while (q->executeStep()) {
      const std::string mode = q->getColumn(1).getString();
      auto it = dead.find(mode);
      if (it == dead.end()) it = dead.emplace(mode, mode.empty() || mode_is_dead(mode)).first;
      if (it->second) ids.push_back(q->getColumn(0).getString());
    }
    return ids;
  } catch (const std::exception& e) {
    return store_detail::db_error(c.db(), "cannot read the Slurm jobs of interrupted attempts", e);
  }
}

Expected<int> StatusStore::recover_interrupted(
    const std::function<bool(const std::string& mode)>& mode_is_dead, WallTime now,
    std::vector<LeftGroup>* left) {
  using store_detail::Stmt;
  store_detail::Connection& c = *conn_;
  const std::string at = format_db_time(now);
  return store_detail::write<int>(c, "cannot recover interrupted runs", [&]() -> Expected<int> {
    if (left != nullptr) left->clear();
    std::vector<std::string> modes;
    {
      Stmt mq(c, kOpenModes);
      while (mq->executeStep()) modes.push_back(mq->getColumn(0).getString());
    }
    int changed = 0;
    for (const auto& mode : modes) {
      if (!mode_is_dead(mode)) continue;
      std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // id, pid
      {
        Stmt rq(c, kOpenRunsOfMode);
        rq->bind(":mode", mode);
        while (rq->executeStep()) {
          runs.emplace_back(rq->getColumn(0).getInt64(), rq->getColumn(1).getInt64());
        }
      }
      for (const auto& [id, pid] : runs) {
        if (left != nullptr) {
          Stmt gq(c,
                  "SELECT task_name, pgid, pgid_start FROM task_runs "
                  "WHERE run_id = :id AND status = 'RUNNING' AND pgid IS NOT NULL");
          gq->bind(":id", id);
          while (gq->executeStep()) {
            left->push_back(LeftGroup{id, gq->getColumn(0).getString(), gq->getColumn(1).getInt64(),
                                      static_cast<std::uint64_t>(gq->getColumn(2).getInt64())});
          }
        }
        Stmt attempts(c, R"sql(
            UPDATE task_runs SET status = 'INTERRUPTED', ended_at = :now, error_message = :why,
                duration_seconds =
                    MAX(0.0, ROUND((julianday(:now) - julianday(started_at)) * 86400.0, 3))
            WHERE run_id = :id AND status = 'RUNNING')sql");
        attempts->bind(":now", at);
        attempts->bind(":why", kStoppedAttempt);
        attempts->bind(":id", id);
        attempts->exec();

        Stmt tasks(c, R"sql(
            UPDATE data_pipeline_status SET status = 'INTERRUPTED', updated_at = :now,
                last_error_message = :why
            WHERE run_id = :id AND status = 'RUNNING')sql");
        tasks->bind(":now", at);
        tasks->bind(":why", "orchestrator (--" + mode + ", PID " + std::to_string(pid) + ", run " +
                                std::to_string(id) + ") stopped before the task finished");
        tasks->bind(":id", id);
        changed += tasks->exec();

        Stmt run(c,
                 "UPDATE runs SET status = 'INTERRUPTED', ended_at = COALESCE(ended_at, :now) "
                 "WHERE id = :id AND status = 'RUNNING'");
        run->bind(":now", at);
        run->bind(":id", id);
        run->exec();
      }
    }

    // Rows RUNNING that no open run owns (no run_id, or a closed or unknown run, e.g. left by
    // an earlier tool): no live process will finish them.
    Stmt orphans(c, R"sql(
        UPDATE data_pipeline_status SET status = 'INTERRUPTED', updated_at = :now,
            last_error_message = 'stopped before the task finished (no running orchestrator owns it)'
        WHERE status = 'RUNNING'
          AND (run_id IS NULL OR run_id NOT IN (SELECT id FROM runs WHERE status = 'RUNNING')))sql");
    orphans->bind(":now", at);
    changed += orphans->exec();
    return Expected<int>(changed);
  });
}

}  // namespace orch
