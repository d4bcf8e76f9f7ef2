// The status database's file setup: folder, connection PRAGMAs, schema creation and checks.
#include "schema.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>

namespace orch::store_detail {
namespace {

// data_pipeline_status is the table our users' tools read, plus run_id, the run that last
// touched the row. runs has one row per invocation, task_runs one per attempt or skip.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS data_pipeline_status (
    task_name TEXT PRIMARY KEY,
    last_run_start TIMESTAMP, last_run_end TIMESTAMP,
    last_success TIMESTAMP, last_failure TIMESTAMP,
    consecutive_failures INTEGER DEFAULT 0,
    total_runs INTEGER DEFAULT 0, total_successes INTEGER DEFAULT 0,
    total_failures INTEGER DEFAULT 0,
    last_error_message TEXT, last_records_processed INTEGER,
    average_runtime_seconds REAL,
    status TEXT DEFAULT 'PENDING',
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
    run_id INTEGER);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mode TEXT NOT NULL,
    pid INTEGER,
    trading_date TEXT,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    status TEXT);
CREATE TABLE IF NOT EXISTS task_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    task_name TEXT NOT NULL,
    attempt INTEGER,
    mode TEXT,
    trading_date TEXT,
    scheduled_at TIMESTAMP,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    duration_seconds REAL,
    status TEXT,
    exit_code INTEGER,
    signal INTEGER,
    records_processed INTEGER,
    data_as_of TEXT,
    error_message TEXT,
    log_path TEXT,
    command TEXT,
    pgid INTEGER,
    pgid_start INTEGER,
    slurm_job_id TEXT,
    output_bytes INTEGER);
CREATE INDEX IF NOT EXISTS idx_task_runs_task_started ON task_runs (task_name, started_at);
-- Only the open attempts (crash recovery finds them here). Version 1 indexed status and
-- run_id over the whole history: two more pages written per state change, for no reader.
DROP INDEX IF EXISTS idx_task_runs_status;
DROP INDEX IF EXISTS idx_task_runs_run;
CREATE INDEX IF NOT EXISTS idx_task_runs_open ON task_runs (run_id) WHERE status = 'RUNNING';
CREATE INDEX IF NOT EXISTS idx_task_runs_task_date_status
    ON task_runs (task_name, trading_date, status);
CREATE INDEX IF NOT EXISTS idx_runs_status ON runs (status);
CREATE TABLE IF NOT EXISTS supervisor_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT);
-- The health monitor's last colour per data source (version 3; earlier versions made it
-- on first use, outside the versioned schema).
CREATE TABLE IF NOT EXISTS source_freshness (
    source TEXT PRIMARY KEY,
    status TEXT,
    age_seconds REAL,
    last_success TIMESTAMP,
    checked_at TIMESTAMP,
    data_as_of TIMESTAMP);
)sql";

// Its documented columns; a data_pipeline_status found without one of them is refused.
constexpr const char* kRequiredColumns[] = {"task_name",
                                            "last_run_start",
                                            "last_run_end",
                                            "last_success",
                                            "last_failure",
                                            "consecutive_failures",
                                            "total_runs",
                                            "total_successes",
                                            "total_failures",
                                            "last_error_message",
                                            "last_records_processed",
                                            "average_runtime_seconds",
                                            "status",
                                            "created_at",
                                            "updated_at"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::set<std::string> columns_of(SQLite::Database& db, const char* table) {
  std::set<std::string> names;
  SQLite::Statement q(db, std::string("PRAGMA table_info(") + table + ")");
  while (q.executeStep()) names.insert(q.getColumn(1).getString());
  return names;
}

// Inside the caller's write transaction: creates what is missing and adds run_id to a
// data_pipeline_status made by an earlier tool. Returns the first problem, if any.
Status create_schema(SQLite::Database& db, const std::filesystem::path& path) {
  const auto existing = columns_of(db, "data_pipeline_status");
  if (!existing.empty()) {
    for (const char* column : kRequiredColumns) {
      if (existing.count(column) == 0) {
        return make_error(ErrorKind::Store,
                          "status database " + path.string() +
                              ": table data_pipeline_status has no column " + column +
                              "; it was not made for this orchestrator",
                          false);
      }
    }
    if (existing.count("run_id") == 0) {
      db.exec("ALTER TABLE data_pipeline_status ADD COLUMN run_id INTEGER");
    }
  }
  db.exec(kSchema);
  // Version 4: where an attempt's processes are, for ending them after a crash.
  const auto attempt_columns = columns_of(db, "task_runs");
  if (attempt_columns.count("pgid") == 0) db.exec("ALTER TABLE task_runs ADD COLUMN pgid INTEGER");
  if (attempt_columns.count("pgid_start") == 0) {
    db.exec("ALTER TABLE task_runs ADD COLUMN pgid_start INTEGER");
  }
  // Version 5: the Slurm job id of an attempt that ran as a cluster job.
  if (attempt_columns.count("slurm_job_id") == 0) {
    db.exec("ALTER TABLE task_runs ADD COLUMN slurm_job_id TEXT");
  }
  // Version 6: how much the attempt wrote to its log; 0 = nothing, and no log file was made.
  if (attempt_columns.count("output_bytes") == 0) {
    db.exec("ALTER TABLE task_runs ADD COLUMN output_bytes INTEGER");
  }
  db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion));
  return ok();
}

}  // namespace

// A hint for the errors a user can act on; empty otherwise.
std::string hint_for(int code) {
  switch (code & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: return " (not an SQLite database, or damaged; the file was left as it is)";
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      return " (the file and its folder must be writable: WAL mode keeps -wal and -shm files "
             "next to it)";
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return " (is the disk full, or a file-size limit reached? nothing more is started until "
             "the state can be recorded)";
    default: return "";
  }
}

Status create_parent_folder(const std::filesystem::path& file) {
  const auto folder = file.parent_path();
  if (folder.empty()) return ok();
  std::filesystem::path partial;
  for (const auto& part : folder) {
    partial /= part;
    std::error_code ec;
    if (std::filesystem::is_directory(partial, ec)) continue;
    if (::mkdir(partial.c_str(), 0775) != 0 && errno != EEXIST) {
      return make_error(ErrorKind::Store,
                        "cannot create folder " + partial.string() + " for database " +
                            file.string() + ": " + std::strerror(errno),
                        false);
    }
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    return make_error(ErrorKind::Store,
                      "cannot use " + folder.string() + " as the folder of database " +
                          file.string() + ": not a directory",
                      false);
  }
  return ok();
}

Expected<std::unique_ptr<SQLite::Database>> open_database(const std::filesystem::path& path) {
  const std::string where = "status database " + path.string();
  if (auto made = create_parent_folder(path); !made) return made.error();
  try {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                 kBusyTimeoutMs);
    // The first statement only reads the header: a file that is not a database fails here,
    // and one written by a newer orchestrator is refused, both before anything is written to
    // them (not even the switch to WAL, which a newer version may not want).
    const int user_version = db->execAndGet("PRAGMA user_version").getInt();
    if (user_version > kSchemaVersion) {
      return make_error(ErrorKind::Store,
                        where + " has schema version " + std::to_string(user_version) +
                            ", newer than this orchestrator's (" + std::to_string(kSchemaVersion) +
                            "); upgrade the orchestrator (the "
                            "file is left as it is)",
                        false);
    }
    const std::string mode = lower(db->execAndGet("PRAGMA journal_mode = WAL").getString());
    if (sqlite3_db_readonly(db->getHandle(), "main") == 1) {
      return make_error(ErrorKind::Store,
                        where + " is read-only; the orchestrator needs to write to it", false);
    }
    if (mode != "wal") {
      return make_error(ErrorKind::Store,
                        where + ": cannot switch to WAL mode (the journal mode stays '" + mode +
                            "'; WAL needs a local file system)",
                        false);
    }
    db->exec("PRAGMA synchronous = NORMAL");
    // SQLite reuses the -wal file after a checkpoint but never shrinks it: a reader that once
    // held a snapshot across many runs would leave it at its high-water mark for good (31 MB
    // after 30 runs of 20 tasks, measured). With a limit, the file is cut back to it when the
    // log restarts after a complete checkpoint, without waiting for anyone.
    db->exec("PRAGMA journal_size_limit = " + std::to_string(kWalSizeLimitBytes));
    db->exec("PRAGMA foreign_keys = ON");

    const int found = user_version;
    if (found < kSchemaVersion) {
      SQLite::Transaction txn(*db, SQLite::TransactionBehavior::IMMEDIATE);
      // Another process may have created the schema while we waited for the write lock.
      if (db->execAndGet("PRAGMA user_version").getInt() < kSchemaVersion) {
        if (auto made = create_schema(*db, path); !made) return made.error();
      }
      txn.commit();
    }
    return db;
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::Store,
                      "cannot open " + where + ": " + e.what() + hint_for(e.getErrorCode()), false);
  } catch (const std::exception& e) {
    return make_error(ErrorKind::Store, "cannot open " + where + ": " + e.what(), false);
  }
}

}  // namespace orch::store_detail
