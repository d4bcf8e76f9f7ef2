#pragma once
// Internal to store/: the database file's folder, the connection's settings and the schema
// (tables, indexes, PRAGMA user_version). Not part of the public headers.
#include <filesystem>
#include <memory>
#include <string>

#include "orchestrator/util/expected.h"

namespace SQLite {
class Database;
}

namespace orch::store_detail {

// Version written to PRAGMA user_version once the schema below exists.
// 1: the first release; 2: partial index of open attempts instead of two whole-history
// indexes; 3: source_freshness made by the schema instead of on first use; 4: task_runs.pgid
// and pgid_start, the process group of an attempt and its leader's start time; 5: the Slurm
// job id of an attempt (task_runs.slurm_job_id).
inline constexpr int kSchemaVersion = 6;
inline constexpr int kBusyTimeoutMs = 10000;
// The -wal file is truncated to this size when the log restarts (PRAGMA journal_size_limit);
// about one auto-checkpoint's worth (1000 pages of 4 KiB).
inline constexpr long kWalSizeLimitBytes = 4L * 1024 * 1024;

// What a user can do about an SQLite error code (" (...)"), or empty.
std::string hint_for(int sqlite_code);

// Creates the missing folders above `file`, each with mode 0775 less the umask.
Status create_parent_folder(const std::filesystem::path& file);

// Opens (creating the folder and the file when missing) with WAL, the busy timeout,
// synchronous=NORMAL and foreign_keys=ON, then creates the schema when missing or checks the
// one found. Refuses, without writing to it, a file that is not an SQLite database, a
// read-only one, or one written by a newer schema version.
Expected<std::unique_ptr<SQLite::Database>> open_database(const std::filesystem::path& path);

}  // namespace orch::store_detail
