// StatusStore: every state change is one BEGIN IMMEDIATE transaction committed before the
// call returns, or a savepoint in the Runner's batch; every SQLite failure comes back as an
// Error naming the database.
#include "orchestrator/store/status_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <unistd.h>

#include <exception>
#include <optional>
#include <unordered_map>
#include <utility>

#include "schema.h"

namespace orch {

namespace store_detail {

// The connection's prepared statements, each parsed once per process instead of once per
// state change. Keyed by the address of their SQL text: pass string literals only.
class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}
  SQLite::Database& db() { return db_; }
  bool batch_requested = false;  // between begin_batch() and end_batch()
  bool batch_open = false;       // ... and its BEGIN IMMEDIATE has run (at the first write)
  bool batch_lost = false;       // SQLite rolled the whole batch back (e.g. disk full)
  SQLite::Statement& get(const char* sql) {
    std::unique_ptr<SQLite::Statement>& slot = cache_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    return *slot;
  }

 private:
  SQLite::Database& db_;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> cache_;
};

}  // namespace store_detail

namespace {

using store_detail::StatementCache;

// One use of a cached statement: reset and its bindings cleared at the end of the scope, so
// it holds no read snapshot or lock between uses and starts from scratch at the next one.
class Stmt {
 public:
  Stmt(StatementCache& cache, const char* sql) : st_(cache.get(sql)) {}
  ~Stmt() {
    st_.tryReset();
    try {
      st_.clearBindings();  // sqlite3_clear_bindings: always SQLITE_OK
    } catch (...) {
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

constexpr const char* kStoppedAttempt = "orchestrator stopped before the attempt finished";

Error db_error(SQLite::Database& db, const std::string& what, const std::exception& e) {
  const auto* sql = dynamic_cast<const SQLite::Exception*>(&e);
  return make_error(what + " (status database " + db.getFilename() + "): " + e.what() +
                    (sql ? store_detail::hint_for(sql->getErrorCode()) : ""));
}

void rollback(StatementCache& sql) noexcept {
  try {
    Stmt(sql, "ROLLBACK")->exec();
  } catch (...) {  // e.g. SQLite already rolled back by itself: nothing left to undo
  }
}

// Runs `body` (returning Expected<T>) in a BEGIN IMMEDIATE transaction: committed when it
// returns a value, rolled back when it returns an Error or anything throws. Inside a batch
// the body runs in a savepoint of the batch's transaction instead, released or undone alone.
template <class T, class F>
Expected<T> write(StatementCache& sql, const std::string& what, F&& body) {
  const bool batched = sql.batch_requested;
  if (batched && sql.batch_lost) {
    return make_error(what + " (status database " + sql.db().getFilename() +
                      "): an earlier error rolled back the changes recorded with it");
  }
  try {
    if (batched && !sql.batch_open) {
      Stmt(sql, "BEGIN IMMEDIATE")->exec();
      sql.batch_open = true;
    }
    Stmt(sql, batched ? "SAVEPOINT change" : "BEGIN IMMEDIATE")->exec();
  } catch (const std::exception& e) {
    return db_error(sql.db(), what, e);
  }
  auto undo = [&] {
    if (!batched) return rollback(sql);
    try {
      Stmt(sql, "ROLLBACK TO change")->exec();
      Stmt(sql, "RELEASE change")->exec();
    } catch (...) {  // SQLite ended the whole transaction itself (e.g. disk full)
    }
    if (sql.batch_open && sqlite3_get_autocommit(sql.db().getHandle())) {
      sql.batch_open = false;  // and with it the batch's earlier changes: nothing more is
      sql.batch_lost = true;   // recorded in this batch, and end_batch() reports the loss
    }
  };
  try {
    Expected<T> result = body();
    if (!result) {
      undo();
    } else {
      Stmt(sql, batched ? "RELEASE change" : "COMMIT")->exec();
    }
    return result;
  } catch (const std::exception& e) {
    undo();
    return db_error(sql.db(), what, e);
  }
}

template <class V>
void bind_opt(SQLite::Statement& st, const char* name, const std::optional<V>& v) {
  if (v) {
    st.bind(name, *v);
  } else {
    st.bind(name);
  }
}

// Empty text is stored as NULL.
void bind_text(SQLite::Statement& st, const char* name, const std::string& s) {
  if (s.empty()) {
    st.bind(name);
  } else {
    st.bind(name, s);
  }
}

double seconds(Millis d) { return static_cast<double>(d.count()) / 1000.0; }

// A data_pipeline_status row for `task` exists afterwards (PENDING if it was just made).
void ensure_row(StatementCache& sql, const std::string& task, const std::string& when) {
  Stmt st(sql,
          "INSERT OR IGNORE INTO data_pipeline_status (task_name, status, created_at, "
          "updated_at) VALUES (:task, 'PENDING', :when, :when)");
  st->bind(":task", task);
  st->bind(":when", when);
  st->exec();
}

// The apply_* functions write a final outcome to the task's row and return how many rows
// they changed (0: the row is missing). `ended`: the attempt's end, or none (no attempt).

// The final outcome "failed for good" (Failed or Timeout): counters, last_failure, message.
int apply_failure(StatementCache& sql, const std::string& task, std::int64_t run_id,
                  TaskStatus status, const std::string& when, const std::string& error,
                  const std::optional<std::string>& ended) {
  Stmt st(sql, R"sql(
      UPDATE data_pipeline_status SET status = :status, run_id = :run, updated_at = :when,
          last_run_end = COALESCE(:ended, last_run_end),
          total_failures = COALESCE(total_failures, 0) + 1,
          consecutive_failures = COALESCE(consecutive_failures, 0) + 1,
          last_failure = :when, last_error_message = :error
      WHERE task_name = :task)sql");
  st->bind(":status", std::string(to_string(status)));
  st->bind(":run", run_id);
  st->bind(":when", when);
  bind_opt(*st, ":ended", ended);
  bind_text(*st, ":error", error);
  st->bind(":task", task);
  return st->exec();
}

// Interrupted: the status (and the reason, when given) only; no counter changes.
int apply_interrupted(StatementCache& sql, const std::string& task, std::int64_t run_id,
                      const std::string& when, const std::string& reason,
                      const std::optional<std::string>& ended) {
  Stmt st(sql, R"sql(
      UPDATE data_pipeline_status SET status = 'INTERRUPTED', run_id = :run, updated_at = :when,
          last_run_end = COALESCE(:ended, last_run_end),
          last_error_message = COALESCE(:error, last_error_message)
      WHERE task_name = :task)sql");
  st->bind(":run", run_id);
  st->bind(":when", when);
  bind_opt(*st, ":ended", ended);
  bind_text(*st, ":error", reason);
  st->bind(":task", task);
  return st->exec();
}

// Success: counters, last_success, records (when given), running mean of success runtimes.
int apply_success(StatementCache& sql, const std::string& task, std::int64_t run_id,
                  const AttemptEnd& end, const std::string& when) {
  Stmt st(sql, R"sql(
      UPDATE data_pipeline_status SET status = 'SUCCESS', run_id = :run, updated_at = :when,
          last_run_end = :when,
          consecutive_failures = 0, last_success = :when, last_error_message = NULL,
          last_records_processed = COALESCE(:records, last_records_processed),
          average_runtime_seconds = CASE
              WHEN average_runtime_seconds IS NULL OR COALESCE(total_successes, 0) <= 0
                  THEN :duration
              ELSE (average_runtime_seconds * total_successes + :duration)
                   / (total_successes + 1) END,
          total_successes = COALESCE(total_successes, 0) + 1
      WHERE task_name = :task)sql");
  st->bind(":run", run_id);
  st->bind(":when", when);
  bind_opt(*st, ":records", end.records_processed);
  st->bind(":duration", seconds(end.duration));
  st->bind(":task", task);
  return st->exec();
}

bool is_outcome(TaskStatus s) {
  return s == TaskStatus::Success || s == TaskStatus::Failed || s == TaskStatus::Timeout ||
         s == TaskStatus::Interrupted;
}

}  // namespace

StatusStore::StatusStore(std::unique_ptr<SQLite::Database> db)
    : db_(std::move(db)), stmts_(std::make_unique<StatementCache>(*db_)) {}
StatusStore::~StatusStore() {
  (void)end_batch();  // a batch left open by an early return is committed, not dropped
}

SQLite::Database& StatusStore::db() { return *db_; }

Expected<std::unique_ptr<StatusStore>> StatusStore::open(const std::filesystem::path& path) {
  auto db = store_detail::open_database(path);
  if (!db) return db.error();
  return std::unique_ptr<StatusStore>(new StatusStore(std::move(*db)));
}

Status StatusStore::ensure_tasks(const std::vector<std::string>& names, WallTime now) {
  const std::string when = format_db_time(now);
  return write<Ok>(*stmts_, "cannot add the tasks", [&]() -> Status {
    for (const auto& name : names) ensure_row(*stmts_, name, when);
    return ok();
  });
}

Expected<std::int64_t> StatusStore::begin_run(const std::string& mode,
                                              const std::string& trading_date,
                                              WallTime started_at) {
  return write<std::int64_t>(*stmts_, "cannot record the start of a run", [&]() {
    SQLite::Statement st(*db_,
                         "INSERT INTO runs (mode, pid, trading_date, started_at, status) "
                         "VALUES (:mode, :pid, :date, :started, 'RUNNING')");
    st.bind(":mode", mode);
    st.bind(":pid", static_cast<std::int64_t>(::getpid()));
    bind_text(st, ":date", trading_date);
    st.bind(":started", format_db_time(started_at));
    st.exec();
    return Expected<std::int64_t>(db_->getLastInsertRowid());
  });
}

Status StatusStore::record_event(const std::string& kind, const std::string& detail, WallTime at) {
  return write<Ok>(*stmts_, "cannot record the event " + kind, [&]() -> Status {
    SQLite::Statement st(
        *db_, "INSERT INTO supervisor_events (at, kind, detail) VALUES (:at, :kind, :detail)");
    st.bind(":at", format_db_time(at));
    st.bind(":kind", kind);
    st.bind(":detail", detail);
    st.exec();
    return ok();
  });
}

Status StatusStore::end_run(std::int64_t run_id, const std::string& status, WallTime ended_at) {
  if (status != "SUCCESS" && status != "FAILED" && status != "INTERRUPTED") {
    return make_error("cannot end run " + std::to_string(run_id) + " with status '" + status +
                          "': expected SUCCESS, FAILED or INTERRUPTED",
                      false);
  }
  return write<Ok>(*stmts_, "cannot record the end of run " + std::to_string(run_id),
                   [&]() -> Status {
                     SQLite::Statement st(
                         *db_, "UPDATE runs SET ended_at = :ended, status = :status WHERE id = :id");
                     st.bind(":ended", format_db_time(ended_at));
                     st.bind(":status", status);
                     st.bind(":id", run_id);
                     if (st.exec() == 0) return make_error("no such run", false);
                     return ok();
                   });
}

Expected<std::set<std::string>> StatusStore::succeeded_on(const std::string& trading_date) {
  try {
    std::set<std::string> names;
    // Not "SELECT DISTINCT task_name ... WHERE trading_date = :date AND status = 'SUCCESS'":
    // without ANALYZE statistics (the orchestrator never gathers them) SQLite answers that
    // through idx_task_runs_status, i.e. by reading every successful attempt ever recorded
    // (0.2 s at 1,000,000 rows, at every --daily start). Instead: walk the distinct task names
    // on an index, one seek each, and probe (task_name, trading_date, status) for each.
    SQLite::Statement q(*db_, R"sql(
        WITH RECURSIVE names(name) AS (
            SELECT MIN(task_name) FROM task_runs
            UNION ALL
            SELECT (SELECT MIN(task_name) FROM task_runs WHERE task_name > name)
            FROM names WHERE name IS NOT NULL)
        SELECT name FROM names
        WHERE name IS NOT NULL AND EXISTS (
            SELECT 1 FROM task_runs
            WHERE task_name = name AND trading_date = :date AND status = 'SUCCESS'))sql");
    q.bind(":date", trading_date);
    while (q.executeStep()) names.insert(q.getColumn(0).getString());
    return names;
  } catch (const std::exception& e) {
    return db_error(*db_, "cannot read the successes of " + trading_date, e);
  }
}

Expected<std::map<std::string, WallTime>> StatusStore::last_starts() {
  try {
    std::map<std::string, WallTime> starts;
    SQLite::Statement q(*db_,
                        "SELECT task_name, last_run_start FROM data_pipeline_status "
                        "WHERE last_run_start IS NOT NULL");
    while (q.executeStep()) {
      if (auto t = parse_db_time(q.getColumn(1).getString())) starts[q.getColumn(0).getString()] = *t;
    }
    return starts;
  } catch (const std::exception& e) {
    return db_error(*db_, "cannot read the last task starts", e);
  }
}

Expected<std::int64_t> StatusStore::attempt_started(const AttemptStart& start) {
  const std::string started = format_db_time(start.started_at);
  return write<std::int64_t>(*stmts_, "cannot record the start of " + start.task_name, [&]() {
    // mode and trading_date are the run's, copied so history queries need no join.
    Stmt ins(*stmts_, R"sql(
        INSERT INTO task_runs (run_id, task_name, attempt, mode, trading_date, scheduled_at,
                               started_at, status, log_path, command)
        VALUES (:run, :task, :attempt, (SELECT mode FROM runs WHERE id = :run),
                (SELECT trading_date FROM runs WHERE id = :run), :scheduled, :started,
                'RUNNING', :log, :command))sql");
    ins->bind(":run", start.run_id);
    ins->bind(":task", start.task_name);
    ins->bind(":attempt", start.attempt);
    ins->bind(":scheduled", format_db_time(start.scheduled_at));
    ins->bind(":started", started);
    bind_text(*ins, ":log", start.log_path);
    bind_text(*ins, ":command", start.command);
    ins->exec();
    const std::int64_t id = db_->getLastInsertRowid();

    // The first attempt of a run is the one that counts in total_runs.
    Stmt up(*stmts_, R"sql(
        INSERT INTO data_pipeline_status (task_name, status, last_run_start, run_id, total_runs,
                                          created_at, updated_at)
        VALUES (:task, 'RUNNING', :started, :run, :counted, :started, :started)
        ON CONFLICT (task_name) DO UPDATE SET
            status = 'RUNNING', last_run_start = excluded.last_run_start,
            run_id = excluded.run_id, updated_at = excluded.updated_at,
            total_runs = COALESCE(total_runs, 0) + excluded.total_runs)sql");
    up->bind(":task", start.task_name);
    up->bind(":started", started);
    up->bind(":run", start.run_id);
    up->bind(":counted", start.attempt == 1 ? 1 : 0);
    up->exec();
    return Expected<std::int64_t>(id);
  });
}

Status StatusStore::attempt_submitted(std::int64_t attempt_id, const std::string& job_id) {
  return write<Ok>(*stmts_, "cannot record Slurm job " + job_id, [&]() -> Status {
    Stmt st(*stmts_, "UPDATE task_runs SET slurm_job_id = :job WHERE id = :id");
    st->bind(":job", job_id);
    st->bind(":id", attempt_id);
    st->exec();
    return ok();
  });
}

Expected<std::vector<std::string>> StatusStore::open_job_ids(
    const std::function<bool(const std::string& mode)>& mode_is_dead) {
  try {
    std::vector<std::string> ids;
    std::map<std::string, bool> dead;  // asked once per mode
    SQLite::Statement q(*db_, R"sql(
        SELECT t.slurm_job_id, COALESCE(r.mode, '') FROM task_runs t
        LEFT JOIN runs r ON r.id = t.run_id
        WHERE t.status = 'RUNNING' AND t.slurm_job_id IS NOT NULL)sql");
    while (q.executeStep()) {
      const std::string mode = q.getColumn(1).getString();
      auto it = dead.find(mode);
      if (it == dead.end()) it = dead.emplace(mode, mode.empty() || mode_is_dead(mode)).first;
      if (it->second) ids.push_back(q.getColumn(0).getString());
    }
    return ids;
  } catch (const std::exception& e) {
    return db_error(*db_, "cannot read the Slurm jobs of interrupted attempts", e);
  }
}

Status StatusStore::attempt_finished(std::int64_t attempt_id, const std::string& task_name,
                                     const AttemptEnd& end) {
  if (!is_outcome(end.status)) {
    return make_error("cannot finish an attempt of " + task_name + " with status " +
                          std::string(to_string(end.status)),
                      false);
  }
  const std::string when = format_db_time(end.ended_at);
  return write<Ok>(*stmts_, "cannot record the end of " + task_name, [&]() -> Status {
    Stmt row(*stmts_, R"sql(
        UPDATE task_runs SET ended_at = :ended, duration_seconds = :duration, status = :status,
            exit_code = :exit, signal = :signal, records_processed = :records,
            data_as_of = :as_of, error_message = :error
        WHERE id = :id AND task_name = :task
        RETURNING run_id)sql");
    row->bind(":ended", when);
    row->bind(":duration", seconds(end.duration));
    row->bind(":status", std::string(to_string(end.status)));
    bind_opt(*row, ":exit", end.exit_code);
    bind_opt(*row, ":signal", end.signal);
    bind_opt(*row, ":records", end.records_processed);
    bind_opt(*row, ":as_of", end.data_as_of);
    bind_text(*row, ":error", end.error);
    row->bind(":id", attempt_id);
    row->bind(":task", task_name);
    if (!row->executeStep()) {
      return make_error("no attempt " + std::to_string(attempt_id) + " of " + task_name, false);
    }
    const std::int64_t run_id = row->getColumn(0).getInt64();

    // One UPDATE of the task's row: the attempt's end and, when final, the outcome.
    auto apply = [&]() -> int {
      if (!end.final) {
        // Another attempt follows: the task stays RUNNING; the message tells why it retries.
        Stmt st(*stmts_, R"sql(
            UPDATE data_pipeline_status SET status = 'RUNNING', last_error_message = :error,
                last_run_end = :ended, updated_at = :ended, run_id = :run
            WHERE task_name = :task)sql");
        bind_text(*st, ":error", end.error);
        st->bind(":ended", when);
        st->bind(":run", run_id);
        st->bind(":task", task_name);
        return st->exec();
      }
      switch (end.status) {
        case TaskStatus::Success:
          return apply_success(*stmts_, task_name, run_id, end, when);
        case TaskStatus::Interrupted:
          return apply_interrupted(*stmts_, task_name, run_id, when, end.error, when);
        default:
          return apply_failure(*stmts_, task_name, run_id, end.status, when, end.error, when);
      }
    };
    if (apply() == 0) {  // the row was deleted while the task ran: made again, then updated
      ensure_row(*stmts_, task_name, when);
      apply();
    }
    return ok();
  });
}

Status StatusStore::run_abandoned(std::int64_t run_id, const std::string& task_name,
                                  TaskStatus status, const std::string& reason, WallTime when) {
  if (status != TaskStatus::Failed && status != TaskStatus::Timeout &&
      status != TaskStatus::Interrupted) {
    return make_error("cannot abandon the run of " + task_name + " with status " +
                          std::string(to_string(status)),
                      false);
  }
  const std::string at = format_db_time(when);
  return write<Ok>(*stmts_, "cannot record the outcome of " + task_name, [&]() -> Status {
    ensure_row(*stmts_, task_name, at);
    if (status == TaskStatus::Interrupted) {
      apply_interrupted(*stmts_, task_name, run_id, at, reason, std::nullopt);
    } else {
      apply_failure(*stmts_, task_name, run_id, status, at, reason, std::nullopt);
    }
    return ok();
  });
}

Status StatusStore::task_skipped(std::int64_t run_id, const std::string& task_name,
                                 const std::string& reason, WallTime when) {
  const std::string at = format_db_time(when);
  return write<Ok>(*stmts_, "cannot record the skip of " + task_name, [&]() -> Status {
    Stmt ins(*stmts_, R"sql(
        INSERT INTO task_runs (run_id, task_name, attempt, mode, trading_date, started_at,
                               ended_at, status, error_message)
        VALUES (:run, :task, 0, (SELECT mode FROM runs WHERE id = :run),
                (SELECT trading_date FROM runs WHERE id = :run), :when, :when, 'SKIPPED',
                :reason))sql");
    ins->bind(":run", run_id);
    ins->bind(":task", task_name);
    ins->bind(":when", at);
    bind_text(*ins, ":reason", reason);
    ins->exec();

    ensure_row(*stmts_, task_name, at);
    Stmt up(*stmts_, R"sql(
        UPDATE data_pipeline_status SET status = 'SKIPPED', last_error_message = :reason,
            run_id = :run, updated_at = :when
        WHERE task_name = :task)sql");
    bind_text(*up, ":reason", reason);
    up->bind(":run", run_id);
    up->bind(":when", at);
    up->bind(":task", task_name);
    up->exec();
    return ok();
  });
}

void StatusStore::begin_batch() { stmts_->batch_requested = true; }

Status StatusStore::end_batch() {
  StatementCache& sql = *stmts_;
  sql.batch_requested = false;
  if (std::exchange(sql.batch_lost, false)) {
    return make_error("cannot record the task changes (status database " +
                      sql.db().getFilename() + "): an error rolled them back" +
                      store_detail::hint_for(SQLITE_IOERR));
  }
  if (!sql.batch_open) return ok();
  sql.batch_open = false;
  try {
    Stmt(sql, "COMMIT")->exec();
    return ok();
  } catch (const std::exception& e) {
    rollback(sql);
    return db_error(sql.db(), "cannot commit the recorded task changes", e);
  }
}

Expected<int> StatusStore::recover_interrupted(
    const std::function<bool(const std::string& mode)>& mode_is_dead, WallTime now) {
  const std::string at = format_db_time(now);
  return write<int>(*stmts_, "cannot recover interrupted runs", [&]() -> Expected<int> {
    // Runs still open, or with attempts still open, grouped by mode.
    constexpr const char* kOpen =
        "(status = 'RUNNING' OR id IN (SELECT run_id FROM task_runs WHERE status = 'RUNNING'))";
    std::vector<std::string> modes;
    SQLite::Statement mq(*db_, std::string("SELECT DISTINCT mode FROM runs WHERE ") + kOpen);
    while (mq.executeStep()) modes.push_back(mq.getColumn(0).getString());

    int changed = 0;
    for (const auto& mode : modes) {
      if (!mode_is_dead(mode)) continue;
      std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // id, pid
      SQLite::Statement rq(*db_,
                           std::string("SELECT id, pid FROM runs WHERE mode = :mode AND ") + kOpen);
      rq.bind(":mode", mode);
      while (rq.executeStep()) {
        runs.emplace_back(rq.getColumn(0).getInt64(), rq.getColumn(1).getInt64());
      }
      for (const auto& [id, pid] : runs) {
        SQLite::Statement attempts(*db_, R"sql(
            UPDATE task_runs SET status = 'INTERRUPTED', ended_at = :now, error_message = :why,
                duration_seconds =
                    MAX(0.0, ROUND((julianday(:now) - julianday(started_at)) * 86400.0, 3))
            WHERE run_id = :id AND status = 'RUNNING')sql");
        attempts.bind(":now", at);
        attempts.bind(":why", kStoppedAttempt);
        attempts.bind(":id", id);
        attempts.exec();

        SQLite::Statement tasks(*db_, R"sql(
            UPDATE data_pipeline_status SET status = 'INTERRUPTED', updated_at = :now,
                last_error_message = :why
            WHERE run_id = :id AND status = 'RUNNING')sql");
        tasks.bind(":now", at);
        tasks.bind(":why", "orchestrator (--" + mode + ", PID " + std::to_string(pid) +
                               ", run " + std::to_string(id) +
                               ") stopped before the task finished");
        tasks.bind(":id", id);
        changed += tasks.exec();

        SQLite::Statement run(*db_,
                              "UPDATE runs SET status = 'INTERRUPTED', "
                              "ended_at = COALESCE(ended_at, :now) "
                              "WHERE id = :id AND status = 'RUNNING'");
        run.bind(":now", at);
        run.bind(":id", id);
        run.exec();
      }
    }

    // Rows RUNNING that no open run owns (no run_id, or a closed or unknown run, e.g. left by
    // an earlier tool): no live process will finish them.
    SQLite::Statement orphans(*db_, R"sql(
        UPDATE data_pipeline_status SET status = 'INTERRUPTED', updated_at = :now,
            last_error_message = 'stopped before the task finished (no running orchestrator owns it)'
        WHERE status = 'RUNNING'
          AND (run_id IS NULL OR run_id NOT IN (SELECT id FROM runs WHERE status = 'RUNNING')))sql");
    orphans.bind(":now", at);
    changed += orphans.exec();
    return Expected<int>(changed);
  });
}

}  // namespace orch
