// The RunRecorder side of StatusStore: what the Runner records per state change (a task's
// attempts, its final outcome, a skip) in task_runs and data_pipeline_status, each through
// write() so it is committed, or part of the batch, before the call returns.
#include <optional>

#include <unistd.h>

#include "connection.h"
#include "orchestrator/store/instance_lock.h"

namespace orch {
namespace {

using store_detail::bind_opt;
using store_detail::bind_text;
using store_detail::Connection;
using store_detail::Stmt;

double seconds(Millis d) { return static_cast<double>(d.count()) / 1000.0; }

// A data_pipeline_status row for `task` exists afterwards (PENDING if it was just made).
void ensure_row(Connection& c, const std::string& task, const std::string& when) {
  Stmt st(c,
          "INSERT OR IGNORE INTO data_pipeline_status (task_name, status, created_at, "
          "updated_at) VALUES (:task, 'PENDING', :when, :when)");
  st->bind(":task", task);
  st->bind(":when", when);
  st->exec();
}

// The apply_* functions write a final outcome to the task's row and return how many rows
// they changed (0: the row is missing). `ended`: the attempt's end, or none (no attempt).

// The final outcome "failed for good" (Failed or Timeout): counters, last_failure, message.
int apply_failure(Connection& c, const std::string& task, std::int64_t run_id, TaskStatus status,
                  const std::string& when, const std::string& error,
                  const std::optional<std::string>& ended) {
  Stmt st(c, R"sql(
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
int apply_interrupted(Connection& c, const std::string& task, std::int64_t run_id,
                      const std::string& when, const std::string& reason,
                      const std::optional<std::string>& ended) {
  Stmt st(c, R"sql(
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
int apply_success(Connection& c, const std::string& task, std::int64_t run_id,
                  const AttemptEnd& end, const std::string& when) {
  Stmt st(c, R"sql(
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

// Another attempt follows: the task stays RUNNING; the message tells why it retries.
int apply_retrying(Connection& c, const std::string& task, std::int64_t run_id,
                   const AttemptEnd& end, const std::string& when) {
  Stmt st(c, R"sql(
      UPDATE data_pipeline_status SET status = 'RUNNING', last_error_message = :error,
          last_run_end = :ended, updated_at = :ended, run_id = :run
      WHERE task_name = :task)sql");
  bind_text(*st, ":error", end.error);
  st->bind(":ended", when);
  st->bind(":run", run_id);
  st->bind(":task", task);
  return st->exec();
}

bool is_outcome(TaskStatus s) {
  return s == TaskStatus::Success || s == TaskStatus::Failed || s == TaskStatus::Timeout ||
         s == TaskStatus::Interrupted;
}

}  // namespace

Status StatusStore::ensure_tasks(const std::vector<std::string>& names, WallTime now) {
  const std::string when = format_db_time(now);
  return store_detail::write<Ok>(*conn_, "cannot add the tasks", [&]() -> Status {
    for (const auto& name : names) ensure_row(*conn_, name, when);
    return ok();
  });
}

Status StatusStore::attempt_process(std::int64_t attempt_id, std::int64_t pgid,
                                    std::uint64_t start) {
  Connection& c = *conn_;
  return store_detail::write<Ok>(c, "cannot record the process of an attempt", [&]() -> Status {
    Stmt up(c, "UPDATE task_runs SET pgid = :pgid, pgid_start = :start WHERE id = :id");
    up->bind(":pgid", pgid);
    up->bind(":start", static_cast<std::int64_t>(start));
    up->bind(":id", attempt_id);
    up->exec();
    return ok();
  });
}

Expected<std::int64_t> StatusStore::attempt_started(const AttemptStart& start) {
  const std::string started = format_db_time(start.started_at);
  Connection& c = *conn_;
  return store_detail::write<std::int64_t>(
      c, "cannot record the start of " + start.task_name, [&]() -> Expected<std::int64_t> {
        // In the transaction that marks it RUNNING: a task RUNNING under another run whose
        // mode's lock a live process holds (another mode: ours is held by us alone) is running
        // now; a second copy would write beside it.
        {
          Stmt other(c, R"sql(
          SELECT r.mode, r.pid FROM data_pipeline_status s JOIN runs r ON r.id = s.run_id
          WHERE s.task_name = :task AND s.status = 'RUNNING' AND s.run_id <> :run)sql");
          other->bind(":task", start.task_name);
          other->bind(":run", start.run_id);
          if (other->executeStep()) {
            const std::string mode = other->getColumn(0).getString();
            const std::int64_t pid = other->getColumn(1).getInt64();
            if (pid != static_cast<std::int64_t>(::getpid()) &&
                !InstanceLock::is_free(c.path, mode)) {
              return make_error(ErrorKind::Elsewhere,
                                "already running in " + mode + " (pid " + std::to_string(pid) + ")",
                                false);
            }
          }
        }
        // mode and trading_date are the run's, copied so history queries need no join.
        Stmt ins(c, R"sql(
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
        const std::int64_t id = c.db().getLastInsertRowid();

        // The first attempt of a run is the one that counts in total_runs.
        Stmt up(c, R"sql(
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
  Connection& c = *conn_;
  return store_detail::write<Ok>(c, "cannot record Slurm job " + job_id, [&]() -> Status {
    Stmt st(c, "UPDATE task_runs SET slurm_job_id = :job WHERE id = :id");
    st->bind(":job", job_id);
    st->bind(":id", attempt_id);
    st->exec();
    return ok();
  });
}

Status StatusStore::attempt_finished(std::int64_t attempt_id, const std::string& task_name,
                                     const AttemptEnd& end) {
  if (!is_outcome(end.status)) {
    return make_error(ErrorKind::Store,
                      "cannot finish an attempt of " + task_name + " with status " +
                          std::string(to_string(end.status)),
                      false);
  }
  const std::string when = format_db_time(end.ended_at);
  Connection& c = *conn_;
  return store_detail::write<Ok>(c, "cannot record the end of " + task_name, [&]() -> Status {
    // The attempt's run, by its row id (a RETURNING clause would cost a temporary table).
    std::int64_t run_id = 0;
    {
      Stmt run(c, "SELECT run_id FROM task_runs WHERE id = :id AND task_name = :task");
      run->bind(":id", attempt_id);
      run->bind(":task", task_name);
      if (!run->executeStep()) {
        return make_error(ErrorKind::Store,
                          "no attempt " + std::to_string(attempt_id) + " of " + task_name, false);
      }
      run_id = run->getColumn(0).getInt64();
    }
    Stmt row(c, R"sql(
        UPDATE task_runs SET ended_at = :ended, duration_seconds = :duration, status = :status,
            exit_code = :exit, signal = :signal, records_processed = :records,
            data_as_of = :as_of, error_message = :error, output_bytes = :output
        WHERE id = :id)sql");
    row->bind(":ended", when);
    row->bind(":duration", seconds(end.duration));
    row->bind(":status", std::string(to_string(end.status)));
    bind_opt(*row, ":exit", end.exit_code);
    bind_opt(*row, ":signal", end.signal);
    bind_opt(*row, ":records", end.records_processed);
    bind_opt(*row, ":as_of", end.data_as_of);
    bind_opt(*row, ":output", end.output_bytes);
    bind_text(*row, ":error", end.error);
    row->bind(":id", attempt_id);
    row->exec();

    // One UPDATE of the task's row: the attempt's end and, when final, the outcome.
    auto apply = [&]() -> int {
      if (!end.final) return apply_retrying(c, task_name, run_id, end, when);
      switch (end.status) {
        case TaskStatus::Success: return apply_success(c, task_name, run_id, end, when);
        case TaskStatus::Interrupted:
          return apply_interrupted(c, task_name, run_id, when, end.error, when);
        default: return apply_failure(c, task_name, run_id, end.status, when, end.error, when);
      }
    };
    if (apply() == 0) {  // the row was deleted while the task ran: made again, then updated
      ensure_row(c, task_name, when);
      apply();
    }
    return ok();
  });
}

Status StatusStore::run_abandoned(std::int64_t run_id, const std::string& task_name,
                                  TaskStatus status, const std::string& reason, WallTime when) {
  if (status != TaskStatus::Failed && status != TaskStatus::Timeout &&
      status != TaskStatus::Interrupted) {
    return make_error(
        ErrorKind::Store,
        "cannot abandon the run of " + task_name + " with status " + std::string(to_string(status)),
        false);
  }
  const std::string at = format_db_time(when);
  Connection& c = *conn_;
  return store_detail::write<Ok>(c, "cannot record the outcome of " + task_name, [&]() -> Status {
    ensure_row(c, task_name, at);
    if (status == TaskStatus::Interrupted) {
      apply_interrupted(c, task_name, run_id, at, reason, std::nullopt);
    } else {
      apply_failure(c, task_name, run_id, status, at, reason, std::nullopt);
    }
    return ok();
  });
}

Status StatusStore::task_skipped(std::int64_t run_id, const std::string& task_name,
                                 const std::string& reason, WallTime when) {
  const std::string at = format_db_time(when);
  Connection& c = *conn_;
  return store_detail::write<Ok>(c, "cannot record the skip of " + task_name, [&]() -> Status {
    Stmt ins(c, R"sql(
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

    ensure_row(c, task_name, at);
    Stmt up(c, R"sql(
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

}  // namespace orch
