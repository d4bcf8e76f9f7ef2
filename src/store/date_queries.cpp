// Successes by trading date. Each query walks the (task_name, trading_date, status) index of
// task_runs: one seek per task name, never a scan of the whole history.
#include "orchestrator/store/date_queries.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <exception>

namespace orch {
namespace {

Error query_error(SQLite::Database& db, const std::string& what, const std::exception& e) {
  return make_error(what + " (status database " + db.getFilename() + "): " + e.what());
}

}  // namespace

Expected<std::optional<std::string>> first_recorded_date(SQLite::Database& db) {
  try {
    // Distinct task names by index skips, then the smallest non-empty trading date of each
    // (update-stale runs record NULL).
    SQLite::Statement q(db, R"sql(
        WITH RECURSIVE names(name) AS (
            SELECT MIN(task_name) FROM task_runs
            UNION ALL
            SELECT (SELECT MIN(task_name) FROM task_runs WHERE task_name > name)
            FROM names WHERE name IS NOT NULL)
        SELECT MIN((SELECT MIN(trading_date) FROM task_runs
                    WHERE task_name = name AND trading_date > ''))
        FROM names WHERE name IS NOT NULL)sql");
    if (q.executeStep() && !q.getColumn(0).isNull()) {
      return std::optional<std::string>(q.getColumn(0).getString());
    }
    return std::optional<std::string>();
  } catch (const std::exception& e) {
    return query_error(db, "cannot read the first recorded trading date", e);
  }
}

Expected<SucceededByDate> succeeded_between(SQLite::Database& db,
                                            const std::vector<std::string>& tasks,
                                            const std::string& from, const std::string& to) {
  try {
    SucceededByDate out;
    SQLite::Statement q(db, R"sql(
        SELECT DISTINCT trading_date FROM task_runs
        WHERE task_name = :task AND trading_date BETWEEN :from AND :to AND status = 'SUCCESS')sql");
    for (const auto& task : tasks) {
      q.bind(":task", task);
      q.bind(":from", from);
      q.bind(":to", to);
      while (q.executeStep()) out[q.getColumn(0).getString()].insert(task);
      q.reset();
    }
    return out;
  } catch (const std::exception& e) {
    return query_error(db, "cannot read the successes of " + from + ".." + to, e);
  }
}

Expected<std::vector<SuccessRun>> newest_successes(SQLite::Database& db, const std::string& task) {
  try {
    std::vector<SuccessRun> out;
    // Both walk (task_name, trading_date, status): the newest date by a backwards index step,
    // then that date's successes only.
    SQLite::Statement newest(db, R"sql(
        SELECT trading_date, started_at, ended_at, data_as_of FROM task_runs
        WHERE task_name = :task AND status = 'SUCCESS' AND trading_date = (
            SELECT MAX(trading_date) FROM task_runs
            WHERE task_name = :task AND status = 'SUCCESS' AND trading_date > '')
        ORDER BY ended_at DESC, id DESC LIMIT 1)sql");
    SQLite::Statement undated(db, R"sql(
        SELECT trading_date, started_at, ended_at, data_as_of FROM task_runs
        WHERE task_name = :task AND status = 'SUCCESS' AND trading_date IS NULL
        ORDER BY ended_at DESC, id DESC LIMIT 1)sql");
    for (SQLite::Statement* q : {&newest, &undated}) {
      q->bind(":task", task);
      if (!q->executeStep()) continue;
      SuccessRun r;
      r.trading_date = q->getColumn(0).isNull() ? "" : q->getColumn(0).getString();
      for (int i : {1, 2}) {
        if (q->getColumn(i).isNull()) continue;
        if (auto t = parse_db_time(q->getColumn(i).getString())) (i == 1 ? r.started_at : r.ended_at) = *t;
      }
      if (!q->getColumn(3).isNull()) r.data_as_of = q->getColumn(3).getString();
      out.push_back(std::move(r));
    }
    return out;
  } catch (const std::exception& e) {
    return query_error(db, "cannot read the successes of " + task, e);
  }
}

Expected<DateHistory> read_date_history(SQLite::Database& db, const std::vector<std::string>& tasks,
                                        const std::string& from, const std::string& to) {
  auto first = first_recorded_date(db);
  if (!first) return first.error();
  auto succeeded = succeeded_between(db, tasks, from, to);
  if (!succeeded) return succeeded.error();
  return DateHistory{std::move(*first), std::move(*succeeded)};
}

Expected<DateHistory> read_date_history_readonly(const std::filesystem::path& path,
                                                 const std::vector<std::string>& tasks,
                                                 const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return DateHistory{};
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, 10000);
    // A file made by an older version may lack the history table: no history then.
    if (!db.tableExists("task_runs")) return DateHistory{};
    return read_date_history(db, tasks, from, to);
  } catch (const std::exception& e) {
    return make_error("cannot read status database " + path.string() + ": " + e.what());
  }
}

}  // namespace orch
