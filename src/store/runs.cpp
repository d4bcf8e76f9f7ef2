// StatusStore's lifetime and the runs it records: opening the database, one runs row per
// invocation (begin_run/end_run), and the --full supervisor's events.
#include <unistd.h>
#include <tuple>

#include "connection.h"
#include "schema.h"

namespace orch {

using store_detail::Connection;
using store_detail::Stmt;

store_detail::Connection& store_detail::connection_of(StatusStore& store) { return *store.conn_; }

StatusStore::StatusStore(std::unique_ptr<Connection> conn) : conn_(std::move(conn)) {}
StatusStore::~StatusStore() {
  // A batch left open by an early return is committed, not dropped; a failure to commit has
  // no one left to tell, and the next start recovers what was left RUNNING.
  (void)end_batch();
  // Joined before the writing connection closes: that close, the last one, checkpoints
  // what is left and removes the WAL.
  if (conn_->checkpointer) conn_->checkpointer->stop();
}

Expected<std::unique_ptr<StatusStore>> StatusStore::open(const std::filesystem::path& path) {
  auto db = store_detail::open_database(path);
  if (!db) return db.error();
  auto conn = std::make_unique<Connection>(std::move(*db));
  auto id = store_detail::file_identity(path);
  if (!id) return id.error();
  conn->path = path;
  std::tie(conn->device, conn->inode) = *id;
  conn->checkpointer =
      std::make_unique<store_detail::Checkpointer>(path, conn->device, conn->inode);
  conn->checkpointer->attach(conn->db().getHandle());
  return std::unique_ptr<StatusStore>(new StatusStore(std::move(conn)));
}

Expected<std::int64_t> StatusStore::begin_run(const std::string& mode,
                                              const std::string& trading_date,
                                              WallTime started_at) {
  Connection& c = *conn_;
  return store_detail::write<std::int64_t>(c, "cannot record the start of a run", [&]() {
    Stmt st(c,
            "INSERT INTO runs (mode, pid, trading_date, started_at, status) "
            "VALUES (:mode, :pid, :date, :started, 'RUNNING')");
    st->bind(":mode", mode);
    st->bind(":pid", static_cast<std::int64_t>(::getpid()));
    store_detail::bind_text(*st, ":date", trading_date);
    st->bind(":started", format_db_time(started_at));
    st->exec();
    return Expected<std::int64_t>(c.db().getLastInsertRowid());
  });
}

Status StatusStore::record_event(const std::string& kind, const std::string& detail, WallTime at) {
  Connection& c = *conn_;
  return store_detail::write<Ok>(c, "cannot record the event " + kind, [&]() -> Status {
    Stmt st(c, "INSERT INTO supervisor_events (at, kind, detail) VALUES (:at, :kind, :detail)");
    st->bind(":at", format_db_time(at));
    st->bind(":kind", kind);
    st->bind(":detail", detail);
    st->exec();
    return ok();
  });
}

Status StatusStore::end_run(std::int64_t run_id, TaskStatus outcome, WallTime ended_at) {
  if (outcome != TaskStatus::Success && outcome != TaskStatus::Failed &&
      outcome != TaskStatus::Interrupted) {
    return make_error(ErrorKind::Store,
                      "cannot end run " + std::to_string(run_id) + " with status " +
                          std::string(to_string(outcome)) +
                          ": expected SUCCESS, FAILED or INTERRUPTED",
                      false);
  }
  Connection& c = *conn_;
  return store_detail::write<Ok>(
      c, "cannot record the end of run " + std::to_string(run_id), [&]() -> Status {
        Stmt st(c, "UPDATE runs SET ended_at = :ended, status = :status WHERE id = :id");
        st->bind(":ended", format_db_time(ended_at));
        st->bind(":status", std::string(to_string(outcome)));
        st->bind(":id", run_id);
        if (st->exec() == 0) return make_error(ErrorKind::Store, "no such run", false);
        return ok();
      });
}

}  // namespace orch
