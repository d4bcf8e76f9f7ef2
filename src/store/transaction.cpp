// The store's transactions: every state change is one BEGIN IMMEDIATE transaction committed
// before the call returns, or a savepoint in the Runner's batch; every SQLite failure comes
// back as an Error naming the database. Also the statement cache and the binding helpers.
#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <utility>

#include "connection.h"
#include "schema.h"

namespace orch::store_detail {

SQLite::Statement& Connection::statement(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    it = cache_
             .emplace(std::string(sql), std::make_unique<SQLite::Statement>(*db_, std::string(sql)))
             .first;
  }
  return *it->second;
}

Stmt::~Stmt() {
  st_.tryReset();
  try {
    st_.clearBindings();  // sqlite3_clear_bindings: always SQLITE_OK
  } catch (...) {}
}

Error db_error(SQLite::Database& db, const std::string& what, const std::exception& e) {
  const auto* sql = dynamic_cast<const SQLite::Exception*>(&e);
  return make_error(ErrorKind::Store, what + " (status database " + db.getFilename() + "): " +
                                          e.what() + (sql ? hint_for(sql->getErrorCode()) : ""));
}

void rollback(Connection& c) noexcept {
  try {
    Stmt(c, "ROLLBACK")->exec();
  } catch (...) {  // e.g. SQLite already rolled back by itself: nothing left to undo
  }
}

Expected<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return make_error(ErrorKind::Store,
                      "cannot stat status database " + path.string() + ": " + std::strerror(errno));
  }
  return std::make_pair(static_cast<std::uint64_t>(st.st_dev),
                        static_cast<std::uint64_t>(st.st_ino));
}

Status check_identity(const Connection& c) {
  if (c.path.empty()) return ok();  // not opened through StatusStore::open (unit tests)
  struct stat st {};
  const bool found = ::stat(c.path.c_str(), &st) == 0;
  if (found && static_cast<std::uint64_t>(st.st_dev) == c.device &&
      static_cast<std::uint64_t>(st.st_ino) == c.inode) {
    return ok();
  }
  return make_error(ErrorKind::Store,
                    "status database " + c.path.string() + " was " +
                        (found ? "replaced by another file" : "deleted") +
                        " while the orchestrator ran; stopped, since what it records would be "
                        "lost and another orchestrator could run the same tasks on the new file "
                        "(restore the file, or start again to use the new one)",
                    false);
}

Status begin_change(Connection& c, const std::string& what, bool batched) {
  if (!c.batch_open && !std::exchange(c.identity_fresh, false)) {
    // Once per transaction (a batch checks at its first change).
    if (auto same = check_identity(c); !same) {
      if (batched) c.batch_lost = true;
      return same.error();
    }
  }
  if (batched && c.batch_lost) {
    return make_error(ErrorKind::Store,
                      what + " (status database " + c.db().getFilename() +
                          "): an earlier error rolled back the changes recorded with it");
  }
  try {
    if (batched && !c.batch_open) {
      Stmt(c, "BEGIN IMMEDIATE")->exec();
      c.batch_open = true;
    }
    Stmt(c, batched ? "SAVEPOINT change" : "BEGIN IMMEDIATE")->exec();
    return ok();
  } catch (const std::exception& e) {
    return db_error(c.db(), what, e);
  }
}

void undo_change(Connection& c, bool batched) noexcept {
  if (!batched) return rollback(c);
  try {
    Stmt(c, "ROLLBACK TO change")->exec();
    Stmt(c, "RELEASE change")->exec();
  } catch (...) {  // SQLite ended the whole transaction itself (e.g. disk full)
  }
  if (c.batch_open && sqlite3_get_autocommit(c.db().getHandle())) {
    c.batch_open = false;  // and with it the batch's earlier changes: nothing more is
    c.batch_lost = true;   // recorded in this batch, and end_batch() reports the loss
  }
}

void commit_change(Connection& c, bool batched) {
  Stmt(c, batched ? "RELEASE change" : "COMMIT")->exec();
  if (!batched && c.checkpointer) c.checkpointer->after_commit();
}

void bind_text(SQLite::Statement& st, const char* name, const std::string& s) {
  if (s.empty()) {
    st.bind(name);
  } else {
    st.bind(name, s);
  }
}

void bind_time(SQLite::Statement& st, const char* name, const std::optional<WallTime>& t) {
  if (t) {
    st.bind(name, format_db_time(*t));
  } else {
    st.bind(name);
  }
}

std::optional<WallTime> time_col(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return parse_db_time(c.getString());
}

std::optional<std::string> text_col(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

TaskStatus status_col(const SQLite::Column& c) {
  if (c.isNull()) return TaskStatus::Pending;
  return parse_task_status(c.getString()).value_or(TaskStatus::Pending);
}

}  // namespace orch::store_detail

namespace orch {

void StatusStore::begin_batch() { conn_->batch_requested = true; }

Status StatusStore::check_store() {
  Status same = store_detail::check_identity(*conn_);
  conn_->identity_fresh = same.has_value();
  return same;
}

Status StatusStore::end_batch() {
  using namespace store_detail;
  Connection& c = *conn_;
  c.batch_requested = false;
  c.identity_fresh = false;
  if (std::exchange(c.batch_lost, false)) {
    return make_error(ErrorKind::Store, "cannot record the task changes (status database " +
                                            c.db().getFilename() + "): an error rolled them back" +
                                            hint_for(SQLITE_IOERR));
  }
  if (!c.batch_open) return ok();
  c.batch_open = false;
  try {
    Stmt(c, "COMMIT")->exec();
    if (c.checkpointer) c.checkpointer->after_commit();
    return ok();
  } catch (const std::exception& e) {
    rollback(c);
    return db_error(c.db(), "cannot commit the recorded task changes", e);
  }
}

}  // namespace orch
