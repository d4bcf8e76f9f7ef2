// StatusReader: the dashboard's read-only queries. The connection is opened with
// SQLITE_OPEN_READONLY (no -wal/-shm is created by us when the runners have none yet, no
// write is possible); a busy timeout covers a checkpoint in progress.
#include "orchestrator/store/status_reader.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "connection.h"
#include "date_reads.h"

#include <algorithm>
#include <exception>

namespace orch {
namespace {

constexpr int kBusyTimeoutMs = 5000;

using store_detail::status_col;
using store_detail::time_col;

std::string text_col(const SQLite::Column& c) { return store_detail::text_col(c).value_or(""); }

bool has_column(SQLite::Database& db, const char* table, const char* column) {
  SQLite::Statement q(db, std::string("PRAGMA table_info(") + table + ")");
  while (q.executeStep()) {
    if (q.getColumn(1).getString() == column) return true;
  }
  return false;
}

// Final outcomes per task of a run: a task counts once, by its last row (attempt or skip);
// tasks that were already done for the date have no row in the run and are not counted.
constexpr const char* kRunColumns = R"sql(
    r.id, r.mode, r.pid, r.started_at, r.ended_at, r.status, r.trading_date,
    (SELECT COUNT(*) FROM task_runs t WHERE t.run_id = r.id AND t.status = 'SUCCESS'),
    (SELECT COUNT(*) FROM task_runs t WHERE t.run_id = r.id AND t.status IN ('FAILED', 'TIMEOUT')
        AND t.id = (SELECT MAX(u.id) FROM task_runs u WHERE u.run_id = r.id
                    AND u.task_name = t.task_name)),
    (SELECT COUNT(*) FROM task_runs t WHERE t.run_id = r.id AND t.status = 'SKIPPED'))sql";

RunRow run_from(SQLite::Statement& q) {
  RunRow r;
  r.id = q.getColumn(0).getInt64();
  r.mode = text_col(q.getColumn(1));
  if (!q.getColumn(2).isNull()) r.pid = q.getColumn(2).getInt64();
  r.started_at = time_col(q.getColumn(3));
  r.ended_at = time_col(q.getColumn(4));
  r.status = q.getColumn(5).isNull() ? TaskStatus::Running : status_col(q.getColumn(5));
  r.trading_date = text_col(q.getColumn(6));
  r.succeeded = q.getColumn(7).getInt();
  r.failed = q.getColumn(8).getInt();
  r.skipped = q.getColumn(9).getInt();
  return r;
}

std::vector<AttemptRow> attempts_from(SQLite::Statement& q) {
  std::vector<AttemptRow> out;
  while (q.executeStep()) {
    AttemptRow a;
    a.run_id = q.getColumn(0).getInt64();
    a.task = q.getColumn(1).getString();
    a.attempt = q.getColumn(2).getInt();
    a.status = status_col(q.getColumn(3));
    a.started_at = time_col(q.getColumn(4));
    a.ended_at = time_col(q.getColumn(5));
    if (!q.getColumn(6).isNull()) a.duration_seconds = q.getColumn(6).getDouble();
    if (!q.getColumn(7).isNull()) a.exit_code = q.getColumn(7).getInt();
    if (!q.getColumn(8).isNull()) a.records_processed = q.getColumn(8).getInt64();
    a.error = text_col(q.getColumn(9));
    if (!q.getColumn(10).isNull()) a.slurm_job_id = q.getColumn(10).getString();
    out.push_back(std::move(a));
  }
  return out;
}

std::string attempt_columns(SQLite::Database& db) {
  return std::string(
             "run_id, task_name, attempt, status, started_at, ended_at, duration_seconds, "
             "exit_code, records_processed, error_message, ") +
         (has_column(db, "task_runs", "slurm_job_id") ? "slurm_job_id" : "NULL");
}

}  // namespace

struct StatusReader::Db {
  std::unique_ptr<SQLite::Database> conn;
};

StatusReader::StatusReader(std::unique_ptr<Db> db) : db_(std::move(db)) {}
StatusReader::~StatusReader() = default;

Expected<std::vector<TaskHealthRow>> StatusReader::read_task_health() {
  try {
    return store_detail::read_health_rows(*db_->conn);
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the task status", e);
  }
}

Expected<std::unique_ptr<StatusReader>> StatusReader::open(const std::filesystem::path& path) {
  const std::string where = "status database " + path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return make_error(ErrorKind::Store,
                      where + " does not exist yet (run a mode such as --daily first)", false);
  }
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY, kBusyTimeoutMs);
    // 1 MiB of page cache instead of 2: the queries walk indexes, a bigger cache buys little
    // and the server keeps two connections for its whole life.
    db->exec("PRAGMA cache_size = -1024");
    // Reads the header and the schema: a file that is not a status database fails here.
    SQLite::Statement q(*db,
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                        "('data_pipeline_status', 'runs', 'task_runs')");
    q.executeStep();
    if (q.getColumn(0).getInt() != 3) {
      return make_error(
          ErrorKind::Store,
          where + " has no orchestrator tables (data_pipeline_status, runs, task_runs)", false);
    }
    return std::unique_ptr<StatusReader>(new StatusReader(std::make_unique<Db>(Db{std::move(db)})));
  } catch (const std::exception& e) {
    return make_error(ErrorKind::Store, "cannot open " + where + " read-only: " + e.what(), false);
  }
}

Expected<std::int64_t> StatusReader::data_version() {
  try {
    return db_->conn->execAndGet("PRAGMA data_version").getInt64();
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the data version", e);
  }
}

Expected<std::vector<RunRow>> StatusReader::runs(int limit) {
  try {
    SQLite::Statement q(*db_->conn,
                        std::string("SELECT ") + kRunColumns +
                            " FROM runs r ORDER BY r.started_at DESC, r.id DESC LIMIT ?");
    q.bind(1, limit);
    std::vector<RunRow> out;
    while (q.executeStep()) out.push_back(run_from(q));
    return out;
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the runs", e);
  }
}

Expected<std::optional<RunRow>> StatusReader::run(std::int64_t id) {
  try {
    SQLite::Statement q(*db_->conn,
                        std::string("SELECT ") + kRunColumns + " FROM runs r WHERE r.id = ?");
    q.bind(1, id);
    if (!q.executeStep()) return std::optional<RunRow>();
    return std::optional<RunRow>(run_from(q));
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read run " + std::to_string(id), e);
  }
}

Expected<std::vector<AttemptRow>> StatusReader::attempts_of_run(std::int64_t run_id) {
  try {
    SQLite::Statement q(*db_->conn, "SELECT " + attempt_columns(*db_->conn) +
                                        " FROM task_runs WHERE run_id = ? ORDER BY id");
    q.bind(1, run_id);
    return attempts_from(q);
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn,
                                  "cannot read the attempts of run " + std::to_string(run_id), e);
  }
}

Expected<std::string> StatusReader::latest_daily_date() {
  try {
    SQLite::Statement q(*db_->conn,
                        "SELECT MAX(trading_date) FROM runs WHERE mode = 'daily' "
                        "AND trading_date IS NOT NULL AND trading_date <> ''");
    q.executeStep();
    return text_col(q.getColumn(0));
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the latest daily run", e);
  }
}

Expected<std::vector<AttemptRow>> StatusReader::daily_attempts_on(const std::string& trading_date) {
  try {
    SQLite::Statement q(*db_->conn,
                        "SELECT " + attempt_columns(*db_->conn) +
                            " FROM task_runs WHERE run_id IN (SELECT id FROM runs WHERE "
                            "mode = 'daily' AND trading_date = ?) ORDER BY id");
    q.bind(1, trading_date);
    return attempts_from(q);
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the attempts of " + trading_date, e);
  }
}

Expected<std::map<std::string, std::vector<RuntimePoint>>> StatusReader::recent_runtimes(
    const std::vector<std::string>& tasks, int count) {
  try {
    // Newest first on idx_task_runs_task_started, then reversed: no scan of the history.
    SQLite::Statement q(*db_->conn, R"sql(
        SELECT started_at, duration_seconds, status, output_bytes FROM task_runs
        WHERE task_name = ? AND attempt > 0 AND duration_seconds IS NOT NULL
        ORDER BY started_at DESC, id DESC LIMIT ?)sql");
    std::map<std::string, std::vector<RuntimePoint>> out;
    for (const auto& task : tasks) {
      q.bind(1, task);
      q.bind(2, count);
      auto& points = out[task];
      while (q.executeStep()) {
        auto at = time_col(q.getColumn(0));
        if (!at) continue;
        RuntimePoint p{*at, q.getColumn(1).getDouble(), status_col(q.getColumn(2)), {}};
        if (!q.getColumn(3).isNull()) p.output_bytes = q.getColumn(3).getInt64();
        points.push_back(p);
      }
      q.reset();
      std::reverse(points.begin(), points.end());
    }
    return out;
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the recent runtimes", e);
  }
}

Expected<std::map<std::string, std::map<std::string, TaskStatus>>> StatusReader::daily_outcomes(
    const std::vector<std::string>& tasks, const std::string& from, const std::string& to) {
  try {
    // On idx_task_runs_task_date_status: one range per task.
    SQLite::Statement q(*db_->conn, R"sql(
        SELECT trading_date, status FROM task_runs
        WHERE task_name = ? AND trading_date BETWEEN ? AND ? AND mode = 'daily'
        ORDER BY id)sql");
    std::map<std::string, std::map<std::string, TaskStatus>> out;
    for (const auto& task : tasks) {
      q.bind(1, task);
      q.bind(2, from);
      q.bind(3, to);
      auto& by_date = out[task];
      while (q.executeStep()) {
        const std::string date = text_col(q.getColumn(0));
        const TaskStatus status = status_col(q.getColumn(1));
        // SUCCESS when any attempt succeeded, else the last attempt's or skip's status.
        auto [cell, added] = by_date.try_emplace(date, status);
        if (!added && cell->second != TaskStatus::Success) cell->second = status;
      }
      q.reset();
    }
    return out;
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the daily outcomes", e);
  }
}

Expected<std::optional<NewestLog>> StatusReader::newest_log(const std::string& task) {
  try {
    SQLite::Statement q(*db_->conn, R"sql(
        SELECT log_path, output_bytes, status = 'RUNNING' FROM task_runs
        WHERE task_name = ? AND attempt > 0 AND log_path IS NOT NULL AND log_path <> ''
        ORDER BY started_at DESC, id DESC LIMIT 1)sql");
    q.bind(1, task);
    if (!q.executeStep()) return std::optional<NewestLog>();
    NewestLog log;
    log.path = q.getColumn(0).getString();
    if (!q.getColumn(1).isNull()) log.output_bytes = q.getColumn(1).getInt64();
    log.running = q.getColumn(2).getInt() != 0;
    return std::optional<NewestLog>(std::move(log));
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the log of " + task, e);
  }
}

Expected<std::map<std::string, std::string>> StatusReader::running_task_modes() {
  try {
    SQLite::Statement q(*db_->conn, R"sql(
        SELECT s.task_name, r.mode FROM data_pipeline_status s
        LEFT JOIN runs r ON r.id = s.run_id WHERE s.status = 'RUNNING')sql");
    std::map<std::string, std::string> out;
    while (q.executeStep()) out[q.getColumn(0).getString()] = text_col(q.getColumn(1));
    return out;
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the running tasks", e);
  }
}

Expected<DateHistory> StatusReader::date_history(const std::vector<std::string>& tasks,
                                                 const std::string& from, const std::string& to) {
  try {
    return store_detail::date_history(*db_->conn, tasks, from, to);
  } catch (const std::exception& e) {
    return store_detail::db_error(*db_->conn, "cannot read the successes of " + from + ".." + to,
                                  e);
  }
}

}  // namespace orch
