// StatusStore's reads: what the scheduler asks before a run (successes of a trading date, the
// last starts) and what the health monitor shows. Plain SELECTs: one statement each, or a
// row-by-row probe that needs no snapshot across rows.
#include <sqlite3.h>

#include "connection.h"
#include "date_reads.h"
#include "schema.h"

namespace orch {
namespace {

using store_detail::db_error;
using store_detail::status_col;
using store_detail::Stmt;
using store_detail::text_col;
using store_detail::time_col;

// One read transaction around a multi-statement read: one snapshot and one WAL read lock for
// all of it, instead of taking and releasing them around every statement (4 per task).
// A savepoint, so it nests inside a transaction already open; released however the read
// ends (it writes nothing).
class ReadSnapshot {
 public:
  explicit ReadSnapshot(SQLite::Database& db) : db_(db) { db_.exec("SAVEPOINT health_read"); }
  ~ReadSnapshot() {
    try {
      db_.exec("RELEASE health_read");
    } catch (...) {}
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  SQLite::Database& db_;
};

// Shared by the store's connection and the read-only one of --dry-run.
std::vector<TaskHealthRow> task_health_rows(SQLite::Database& db) {
  ReadSnapshot snapshot(db);
  std::vector<TaskHealthRow> rows;
  SQLite::Statement q(db, R"sql(
      SELECT task_name, status, last_run_start, last_run_end, last_success,
             consecutive_failures, total_runs, total_successes, total_failures,
             average_runtime_seconds, last_records_processed, last_error_message
      FROM data_pipeline_status ORDER BY task_name)sql");
  while (q.executeStep()) {
    TaskHealthRow r;
    r.name = q.getColumn(0).getString();
    r.status = status_col(q.getColumn(1));
    r.last_run_start = time_col(q.getColumn(2));
    r.last_run_end = time_col(q.getColumn(3));
    r.last_success = time_col(q.getColumn(4));
    r.consecutive_failures = q.getColumn(5).getInt();
    r.total_runs = q.getColumn(6).getInt64();
    r.total_successes = q.getColumn(7).getInt64();
    r.total_failures = q.getColumn(8).getInt64();
    if (!q.getColumn(9).isNull()) r.average_runtime_seconds = q.getColumn(9).getDouble();
    if (!q.getColumn(10).isNull()) r.last_records = q.getColumn(10).getInt64();
    r.last_error = q.getColumn(11).isNull() ? "" : q.getColumn(11).getString();
    rows.push_back(std::move(r));
  }
  // Per task, newest first through idx_task_runs_task_started (no scan of the history):
  // the latest successful attempt (its end and DATA_AS_OF) and the latest finished one.
  SQLite::Statement success(db, R"sql(
      SELECT ended_at, data_as_of FROM task_runs
      WHERE task_name = :task AND status = 'SUCCESS'
      ORDER BY started_at DESC, id DESC LIMIT 1)sql");
  SQLite::Statement finished(db, R"sql(
      SELECT duration_seconds FROM task_runs
      WHERE task_name = :task AND attempt > 0 AND ended_at IS NOT NULL
          AND duration_seconds IS NOT NULL
      ORDER BY started_at DESC, id DESC LIMIT 1)sql");
  store_detail::NewestSuccesses newest(db);
  for (TaskHealthRow& r : rows) {
    success.bind(":task", r.name);
    if (success.executeStep()) {
      r.success_ended_at = time_col(success.getColumn(0));
      r.success_data_as_of = text_col(success.getColumn(1));
    }
    success.reset();
    finished.bind(":task", r.name);
    if (finished.executeStep()) r.last_duration_seconds = finished.getColumn(0).getDouble();
    finished.reset();
    r.newest_successes = newest.of(r.name);
  }
  return rows;
}

}  // namespace

Expected<bool> StatusStore::any_run_succeeded(const std::string& mode) {
  try {
    Stmt q(*conn_, "SELECT EXISTS (SELECT 1 FROM runs WHERE mode = :mode AND status = 'SUCCESS')");
    q->bind(":mode", mode);
    return q->executeStep() && q->getColumn(0).getInt() != 0;
  } catch (const std::exception& e) {
    return db_error(conn_->db(), "cannot read the runs of mode " + mode, e);
  }
}

namespace store_detail {
std::vector<TaskHealthRow> read_health_rows(SQLite::Database& db) { return task_health_rows(db); }
}  // namespace store_detail

Expected<std::set<std::string>> StatusStore::succeeded_on(const std::string& trading_date) {
  try {
    std::set<std::string> names;
    // Not "SELECT DISTINCT task_name ... WHERE trading_date = :date AND status = 'SUCCESS'":
    // without ANALYZE statistics (the orchestrator never gathers them) SQLite answers that
    // through idx_task_runs_status, i.e. by reading every successful attempt ever recorded
    // (0.2 s at 1,000,000 rows, at every --daily start). Instead: walk the distinct task names
    // on an index, one seek each, and probe (task_name, trading_date, status) for each.
    Stmt q(*conn_, R"sql(
        WITH RECURSIVE names(name) AS (
            SELECT MIN(task_name) FROM task_runs
            UNION ALL
            SELECT (SELECT MIN(task_name) FROM task_runs WHERE task_name > name)
            FROM names WHERE name IS NOT NULL)
        SELECT name FROM names
        WHERE name IS NOT NULL AND EXISTS (
            SELECT 1 FROM task_runs
            WHERE task_name = name AND trading_date = :date AND status = 'SUCCESS'))sql");
    q->bind(":date", trading_date);
    while (q->executeStep()) names.insert(q->getColumn(0).getString());
    return names;
  } catch (const std::exception& e) {
    return db_error(conn_->db(), "cannot read the successes of " + trading_date, e);
  }
}

Expected<std::map<std::string, WallTime>> StatusStore::last_starts() {
  try {
    std::map<std::string, WallTime> starts;
    Stmt q(*conn_,
           "SELECT task_name, last_run_start FROM data_pipeline_status "
           "WHERE last_run_start IS NOT NULL");
    while (q->executeStep()) {
      if (auto t = parse_db_time(q->getColumn(1).getString())) {
        starts[q->getColumn(0).getString()] = *t;
      }
    }
    return starts;
  } catch (const std::exception& e) {
    return db_error(conn_->db(), "cannot read the last task starts", e);
  }
}

Expected<std::vector<TaskHealthRow>> StatusStore::read_task_health() {
  try {
    return task_health_rows(conn_->db());
  } catch (const std::exception& e) {
    return db_error(conn_->db(), "cannot read the task status", e);
  }
}

Expected<std::vector<TaskHealthRow>> StatusStore::read_task_health_readonly(
    const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<TaskHealthRow>{};
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, store_detail::kBusyTimeoutMs);
    return task_health_rows(db);
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::Store, "cannot read status database " + path.string() + ": " +
                                            e.what() + store_detail::hint_for(e.getErrorCode()));
  } catch (const std::exception& e) {
    return make_error(ErrorKind::Store,
                      "cannot read status database " + path.string() + ": " + e.what());
  }
}

Expected<std::vector<FailedTask>> StatusStore::read_failed_tasks(std::int64_t run_id) {
  try {
    std::vector<FailedTask> out;
    Stmt q(*conn_, R"sql(
        SELECT s.task_name, s.status, s.last_error_message,
               (SELECT CASE WHEN t.output_bytes = 0 THEN NULL ELSE t.log_path END
                FROM task_runs t
                WHERE t.run_id = s.run_id AND t.task_name = s.task_name AND t.attempt > 0
                ORDER BY t.id DESC LIMIT 1)
        FROM data_pipeline_status s
        WHERE s.run_id = :run AND s.status IN ('FAILED', 'TIMEOUT')
        ORDER BY s.task_name)sql");
    q->bind(":run", run_id);
    while (q->executeStep()) {
      FailedTask f;
      f.name = q->getColumn(0).getString();
      f.status = parse_task_status(q->getColumn(1).getString()).value_or(TaskStatus::Failed);
      f.error = q->getColumn(2).isNull() ? "" : q->getColumn(2).getString();
      f.log_path = q->getColumn(3).isNull() ? "" : q->getColumn(3).getString();
      out.push_back(std::move(f));
    }
    return out;
  } catch (const std::exception& e) {
    return db_error(conn_->db(), "cannot read the failed tasks of run " + std::to_string(run_id),
                    e);
  }
}

}  // namespace orch
