// Successes by trading date. Each query walks the (task_name, trading_date, status) index of
// task_runs: one seek per task name, never a scan of the whole history.
#include "orchestrator/store/date_queries.h"

#include <exception>

#include "connection.h"
#include "date_reads.h"
#include "schema.h"

namespace orch {
namespace store_detail {
namespace {

std::optional<std::string> first_recorded_date(SQLite::Database& db) {
  // Distinct task names by index skips, then the smallest trading date of each (runs that
  // claim none store NULL, which MIN skips).
  SQLite::Statement q(db, R"sql(
      WITH RECURSIVE names(name) AS (
          SELECT MIN(task_name) FROM task_runs
          UNION ALL
          SELECT (SELECT MIN(task_name) FROM task_runs WHERE task_name > name)
          FROM names WHERE name IS NOT NULL)
      SELECT MIN((SELECT MIN(trading_date) FROM task_runs
                  WHERE task_name = name AND trading_date > ''))
      FROM names WHERE name IS NOT NULL)sql");
  if (q.executeStep() && !q.getColumn(0).isNull()) return q.getColumn(0).getString();
  return std::nullopt;
}

}  // namespace

// The newest date by a backwards index step, then that date's successes only; and the runs
// that claim no date (--update-stale), whose data is as of their end.
// A task's attempts never overlap (one runs at a time, across modes too), so among its
// successes the largest id is the one that ended last: ordering by id reads the index
// backwards where ordering by ended_at sorted every success of the date in a temporary b-tree.
NewestSuccesses::NewestSuccesses(SQLite::Database& db)
    : newest_(db, R"sql(
      SELECT trading_date, started_at, ended_at, data_as_of FROM task_runs
      WHERE task_name = :task AND status = 'SUCCESS' AND trading_date = (
          SELECT MAX(trading_date) FROM task_runs
          WHERE task_name = :task AND status = 'SUCCESS' AND trading_date > '')
      ORDER BY id DESC LIMIT 1)sql"),
      undated_(db, R"sql(
      SELECT trading_date, started_at, ended_at, data_as_of FROM task_runs
      WHERE task_name = :task AND status = 'SUCCESS' AND trading_date IS NULL
      ORDER BY id DESC LIMIT 1)sql") {}

std::vector<SuccessRun> NewestSuccesses::of(const std::string& task) {
  std::vector<SuccessRun> out;
  for (SQLite::Statement* q : {&newest_, &undated_}) {
    q->reset();
    q->bind(":task", task);
    if (!q->executeStep()) continue;
    SuccessRun r;
    r.trading_date = q->getColumn(0).isNull() ? "" : q->getColumn(0).getString();
    r.started_at = time_col(q->getColumn(1));
    r.ended_at = time_col(q->getColumn(2));
    r.data_as_of = text_col(q->getColumn(3));
    out.push_back(std::move(r));
  }
  for (SQLite::Statement* q : {&newest_, &undated_}) q->reset();
  return out;
}

DateHistory date_history(SQLite::Database& db, const std::vector<std::string>& tasks,
                         const std::string& from, const std::string& to) {
  DateHistory out;
  out.first_recorded = first_recorded_date(db);
  SQLite::Statement q(db, R"sql(
      SELECT DISTINCT trading_date FROM task_runs
      WHERE task_name = :task AND trading_date BETWEEN :from AND :to AND status = 'SUCCESS')sql");
  for (const auto& task : tasks) {
    q.bind(":task", task);
    q.bind(":from", from);
    q.bind(":to", to);
    while (q.executeStep()) out.succeeded[q.getColumn(0).getString()].insert(task);
    q.reset();
  }
  return out;
}

}  // namespace store_detail

Expected<DateHistory> read_date_history(StatusStore& store, const std::vector<std::string>& tasks,
                                        const std::string& from, const std::string& to) {
  SQLite::Database& db = store_detail::connection_of(store).db();
  try {
    return store_detail::date_history(db, tasks, from, to);
  } catch (const std::exception& e) {
    return store_detail::db_error(db, "cannot read the successes of " + from + ".." + to, e);
  }
}

Expected<DateHistory> read_date_history_readonly(const std::filesystem::path& path,
                                                 const std::vector<std::string>& tasks,
                                                 const std::string& from, const std::string& to) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return DateHistory{};
  try {
    SQLite::Database db(path, SQLite::OPEN_READONLY, store_detail::kBusyTimeoutMs);
    // A file made by an older version may lack the history table: no history then.
    if (!db.tableExists("task_runs")) return DateHistory{};
    return store_detail::date_history(db, tasks, from, to);
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::Store, "cannot read status database " + path.string() + ": " +
                                            e.what() + store_detail::hint_for(e.getErrorCode()));
  } catch (const std::exception& e) {
    return make_error(ErrorKind::Store,
                      "cannot read status database " + path.string() + ": " + e.what());
  }
}

}  // namespace orch
