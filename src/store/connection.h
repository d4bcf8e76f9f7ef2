#pragma once
// Internal to store/ (and the store's unit tests): the one SQLite connection of a StatusStore,
// its prepared statements, the batch state, and the transaction helper every write goes
// through. Nothing outside src/store/ includes this header in production code.
#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "checkpointer.h"
#include "orchestrator/store/status_store.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch::store_detail {

// The connection and its prepared statements, each parsed once per process instead of once
// per state change (parsing again for every change was half of the CPU a task cost us).
// Statements are keyed by their SQL text. Declared after the database, so the statements are
// finalized before the connection closes.
class Connection {
 public:
  explicit Connection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}
  ~Connection() {
    if (checkpointer) checkpointer->stop();
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  SQLite::Database& db() { return *db_; }
  SQLite::Statement& statement(std::string_view sql);

  bool batch_requested = false;  // between begin_batch() and end_batch()
  bool batch_open = false;       // ... and its BEGIN IMMEDIATE has run (at the first write)
  bool batch_lost = false;       // SQLite rolled the whole batch back (e.g. disk full)
  // check_store() just stat-ed the path (after a wake-up, before this turn's batch): the
  // next transaction's first change need not do it again. Consumed by it, cleared at commit.
  bool identity_fresh = false;

  // The identity (device, inode) of the file opened, taken at open: a path that no longer
  // leads to it means the database was deleted or replaced under us.
  std::filesystem::path path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;

  // Checkpoints the WAL off the writer's thread (null for a connection not opened through
  // StatusStore::open). ~Connection stops it before the statements and the connection go.
  std::unique_ptr<Checkpointer> checkpointer;

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

// The connection behind a store, for the store's own files and its unit tests.
Connection& connection_of(StatusStore& store);

// One use of a cached statement: reset and its bindings cleared at the end of the scope, so
// it holds no read snapshot or lock between uses and starts from scratch at the next one.
class Stmt {
 public:
  Stmt(Connection& c, std::string_view sql) : st_(c.statement(sql)) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  SQLite::Statement* operator->() { return &st_; }
  SQLite::Statement& operator*() { return st_; }

 private:
  SQLite::Statement& st_;
};

// The path still leads to the file this connection opened (device and inode); else an Error
// of kind Store saying the database was deleted or replaced while we ran.
Status check_identity(const Connection& c);
// The device and inode of `path` (following symlinks), or an Error.
Expected<std::pair<std::uint64_t, std::uint64_t>> file_identity(const std::filesystem::path& path);
// data_pipeline_status with each task's latest success and finished attempt (reads.cpp), for
// the store's connection and the read-only ones (--dry-run, StatusReader).
std::vector<TaskHealthRow> read_health_rows(SQLite::Database& db);

// `what` (status database <file>): <SQLite's message> (<what the user can do>).
Error db_error(SQLite::Database& db, const std::string& what, const std::exception& e);
void rollback(Connection& c) noexcept;

// The transaction steps of write(), kept out of the template.
Status begin_change(Connection& c, const std::string& what, bool batched);
void undo_change(Connection& c, bool batched) noexcept;
void commit_change(Connection& c, bool batched);

// Runs `body` (returning Expected<T>) in a BEGIN IMMEDIATE transaction: committed when it
// returns a value, rolled back when it returns an Error or anything throws. Inside a batch
// the body runs in a savepoint of the batch's transaction instead, released or undone alone.
template <class T, class F>
Expected<T> write(Connection& c, const std::string& what, F&& body) {
  const bool batched = c.batch_requested;
  if (auto begun = begin_change(c, what, batched); !begun) return begun.error();
  try {
    Expected<T> result = body();
    if (!result) {
      undo_change(c, batched);
    } else {
      commit_change(c, batched);
    }
    return result;
  } catch (const std::exception& e) {
    undo_change(c, batched);
    return db_error(c.db(), what, e);
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
void bind_text(SQLite::Statement& st, const char* name, const std::string& s);
// A time in the database's text form, or NULL.
void bind_time(SQLite::Statement& st, const char* name, const std::optional<WallTime>& t);
std::optional<WallTime> time_col(const SQLite::Column& c);
std::optional<std::string> text_col(const SQLite::Column& c);
// A task or run status as stored; NULL or text no version wrote reads as PENDING.
TaskStatus status_col(const SQLite::Column& c);

}  // namespace orch::store_detail
