// The health monitor's queries. Reads are plain SELECTs (no transaction needed: one
// statement each); source_freshness is written in one BEGIN IMMEDIATE transaction so that
// two processes checking at once cannot both see the same red transition.
#include "orchestrator/store/health_queries.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>
#include <map>
#include <set>

namespace orch {
namespace {

constexpr const char* kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS source_freshness (
    source TEXT PRIMARY KEY,
    status TEXT,
    age_seconds REAL,
    last_success TIMESTAMP,
    checked_at TIMESTAMP,
    data_as_of TIMESTAMP))sql";

Error query_error(SQLite::Database& db, const std::string& what, const std::exception& e) {
  return make_error(what + " (status database " + db.getFilename() + "): " + e.what());
}

std::optional<WallTime> time_col(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return parse_db_time(c.getString());
}

std::optional<std::string> text_col(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

template <class V>
void bind_opt(SQLite::Statement& st, const char* name, const std::optional<V>& v) {
  if (v) {
    st.bind(name, *v);
  } else {
    st.bind(name);
  }
}

void bind_time(SQLite::Statement& st, const char* name, const std::optional<WallTime>& t) {
  if (t) {
    st.bind(name, format_db_time(*t));
  } else {
    st.bind(name);
  }
}

bool table_exists(SQLite::Database& db, const char* table) {
  SQLite::Statement q(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  q.bind(1, table);
  return q.executeStep();
}

}  // namespace

Expected<std::vector<TaskHealthRow>> read_task_health(SQLite::Database& db) {
  try {
    std::vector<TaskHealthRow> rows;
    SQLite::Statement q(db, R"sql(
        SELECT task_name, status, last_run_start, last_run_end, last_success,
               consecutive_failures, total_runs, total_successes, total_failures,
               average_runtime_seconds, last_records_processed, last_error_message
        FROM data_pipeline_status ORDER BY task_name)sql");
    while (q.executeStep()) {
      TaskHealthRow r;
      r.name = q.getColumn(0).getString();
      r.status = q.getColumn(1).isNull() ? "PENDING" : q.getColumn(1).getString();
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
      auto newest = newest_successes(db, r.name);
      if (!newest) return newest.error();
      r.newest_successes = std::move(*newest);
    }
    return rows;
  } catch (const std::exception& e) {
    return query_error(db, "cannot read the task status", e);
  }
}

Expected<std::vector<TaskHealthRow>> read_task_health_readonly(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::vector<TaskHealthRow>{};
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, 10000);
    return read_task_health(db);
  } catch (const std::exception& e) {
    return make_error("cannot read status database " + path.string() + ": " + e.what());
  }
}

Expected<std::vector<FailedTask>> read_failed_tasks(SQLite::Database& db, std::int64_t run_id) {
  try {
    std::vector<FailedTask> out;
    SQLite::Statement q(db, R"sql(
        SELECT s.task_name, s.status, s.last_error_message,
               (SELECT log_path FROM task_runs t
                WHERE t.run_id = s.run_id AND t.task_name = s.task_name AND t.attempt > 0
                ORDER BY t.id DESC LIMIT 1)
        FROM data_pipeline_status s
        WHERE s.run_id = :run AND s.status IN ('FAILED', 'TIMEOUT')
        ORDER BY s.task_name)sql");
    q.bind(":run", run_id);
    while (q.executeStep()) {
      FailedTask f;
      f.name = q.getColumn(0).getString();
      f.status = q.getColumn(1).getString();
      f.error = q.getColumn(2).isNull() ? "" : q.getColumn(2).getString();
      f.log_path = q.getColumn(3).isNull() ? "" : q.getColumn(3).getString();
      out.push_back(std::move(f));
    }
    return out;
  } catch (const std::exception& e) {
    return query_error(db, "cannot read the failed tasks of run " + std::to_string(run_id), e);
  }
}

Expected<std::vector<std::string>> record_source_freshness(SQLite::Database& db,
                                                           const std::vector<SourceRecord>& records,
                                                           WallTime now) {
  try {
    SQLite::Transaction txn(db, SQLite::TransactionBehavior::IMMEDIATE);
    db.exec(kCreateTable);
    std::map<std::string, std::string> before;
    {
      SQLite::Statement q(db, "SELECT source, status FROM source_freshness");
      while (q.executeStep()) {
        before[q.getColumn(0).getString()] =
            q.getColumn(1).isNull() ? "" : q.getColumn(1).getString();
      }
    }
    std::vector<std::string> turned_red;
    std::set<std::string> current;
    SQLite::Statement up(db, R"sql(
        INSERT INTO source_freshness (source, status, age_seconds, last_success, checked_at,
                                      data_as_of)
        VALUES (:source, :status, :age, :last, :checked, :as_of)
        ON CONFLICT (source) DO UPDATE SET status = excluded.status,
            age_seconds = excluded.age_seconds, last_success = excluded.last_success,
            checked_at = excluded.checked_at, data_as_of = excluded.data_as_of)sql");
    for (const auto& r : records) {
      current.insert(r.source);
      up.bind(":source", r.source);
      up.bind(":status", r.status);
      bind_opt(up, ":age", r.age_seconds);
      bind_time(up, ":last", r.last_success);
      up.bind(":checked", format_db_time(now));
      bind_time(up, ":as_of", r.data_as_of);
      up.exec();
      up.reset();
      auto it = before.find(r.source);
      if (r.status == "red" && (it == before.end() || it->second != "red")) {
        turned_red.push_back(r.source);
      }
    }
    // Sources no longer in the pipeline file leave the table.
    SQLite::Statement del(db, "DELETE FROM source_freshness WHERE source = ?");
    for (const auto& [source, status] : before) {
      if (current.contains(source)) continue;
      del.bind(1, source);
      del.exec();
      del.reset();
    }
    txn.commit();
    return turned_red;
  } catch (const std::exception& e) {
    return query_error(db, "cannot record the freshness of the data sources", e);
  }
}

Expected<std::string> stored_source_status(SQLite::Database& db, const std::string& source) {
  try {
    if (!table_exists(db, "source_freshness")) return std::string();
    SQLite::Statement q(db, "SELECT status FROM source_freshness WHERE source = ?");
    q.bind(1, source);
    if (!q.executeStep() || q.getColumn(0).isNull()) return std::string();
    return q.getColumn(0).getString();
  } catch (const std::exception& e) {
    return query_error(db, "cannot read the freshness of " + source, e);
  }
}

}  // namespace orch
