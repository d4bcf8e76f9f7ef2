// The store's WAL checkpointer: commits do not checkpoint, a thread of the store copies the
// WAL back into the database, the -wal file stays bounded, everything committed is there for
// another connection, and the thread's connection closing keeps this process's locks.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "helpers.h"
#include "orchestrator/store/status_store.h"
#include "store/connection.h"  // the store's checkpointer, its test options and counters

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;
using orch::store_detail::CheckpointOptions;
using orch::test::TempDir;

namespace {

orch::store_detail::Checkpointer& checkpointer(orch::StatusStore& s) {
  return *orch::store_detail::connection_of(s).checkpointer;
}

orch::WallTime at(std::int64_t s) {
  return orch::WallTime{sys_days{2026y / 11 / 20}.time_since_epoch() + 14h + seconds(s)};
}

std::unique_ptr<orch::StatusStore> open_store(const fs::path& db,
                                              const CheckpointOptions& options) {
  auto store = orch::StatusStore::open(db);
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().message));
  checkpointer(**store).configure(options);
  return std::move(*store);
}

// Options sized for a test: a threshold of 64 pages instead of 1,000.
CheckpointOptions small(bool use_thread = true, int hard_bound = 1 << 30) {
  CheckpointOptions o;
  o.threshold_pages = 64;
  o.hard_bound_pages = hard_bound;
  o.quiet = 1ms;
  o.use_thread = use_thread;
  return o;
}

// `n` attempts of task `task`, each started and finished in a batch of its own, as the
// runner records a task at -j 1: one committed transaction (about 7 WAL pages) each.
void commit_attempts(orch::StatusStore& s, std::int64_t run, int n, int& clock) {
  for (int i = 0; i < n; ++i, ++clock) {
    s.begin_batch();
    orch::AttemptStart start;
    start.run_id = run;
    start.task_name = "t" + std::to_string(clock % 50);
    start.attempt = 1;
    start.scheduled_at = start.started_at = at(clock);
    start.log_path = "/logs/" + start.task_name + ".log";
    start.command = "/bin/true";
    auto id = s.attempt_started(start);
    REQUIRE(id.has_value());
    orch::AttemptEnd end;
    end.status = orch::TaskStatus::Success;
    end.ended_at = at(clock + 1);
    end.duration = 1s;
    end.final = true;
    REQUIRE(s.attempt_finished(*id, start.task_name, end).has_value());
    REQUIRE(s.end_batch().has_value());
  }
}

std::uintmax_t wal_size(const fs::path& db) {
  std::error_code ec;
  const auto size = fs::file_size(db.string() + "-wal", ec);
  return ec ? 0 : size;
}

int count_attempts(const fs::path& db) {
  SQLite::Database reader(db.string(), SQLite::OPEN_READONLY);
  return reader.execAndGet("SELECT COUNT(*) FROM task_runs").getInt();
}

// 30 rounds of 20 attempts (about 140 WAL pages, twice the threshold, each), waiting for the
// thread between rounds as a runner's pauses would. Returns the largest -wal file seen.
std::uintmax_t run_rounds(orch::StatusStore& s, const fs::path& db, int& clock) {
  auto run = s.begin_run("daily", "2026-11-20", at(0));
  REQUIRE(run.has_value());
  std::uintmax_t largest = 0;
  for (int round = 0; round < 30; ++round) {
    commit_attempts(s, *run, 20, clock);
    REQUIRE(checkpointer(s).wait_until_idle(10s));
    largest = std::max(largest, wal_size(db));
  }
  return largest;
}

// A WAL of `pages` pages of 4 KiB (a frame is the page and a 24-byte header).
constexpr std::uintmax_t wal_bytes(std::uintmax_t pages) { return 32 + pages * (4096 + 24); }

}  // namespace

TEST_CASE("checkpoint: the thread keeps the -wal file bounded; without it the file grows") {
  TempDir dir;
  int clock = 0;
  const auto db = dir.path / "status.db";
  std::uintmax_t with_thread = 0;
  {
    auto s = open_store(db, small());
    with_thread = run_rounds(*s, db, clock);
    const auto stats = checkpointer(*s).stats();
    CHECK(stats.thread_started);
    CHECK(stats.thread_checkpoints >= 30);  // the threshold was passed in every round
    CHECK(stats.writer_checkpoints == 0);
    CHECK(stats.failures == 0);
    // Everything committed is in the file for a second connection, while the store is open...
    CHECK(count_attempts(db) == 600);
  }
  // ... and after it closed: its close, the last one, checkpointed the rest and removed the WAL.
  CHECK_FALSE(fs::exists(db.string() + "-wal"));
  CHECK(count_attempts(db) == 600);

  // 4,200 pages were committed; the file never held more than a few rounds of them.
  MESSAGE("largest -wal with the thread: " << with_thread << " bytes");
  CHECK(with_thread <= wal_bytes(3 * 160));

  // The same rounds with the thread disabled (and the writer's fallback out of reach): nothing
  // checkpoints before the close, so the file holds every page committed.
  std::uintmax_t without = 0;
  {
    auto s = open_store(db, small(false));
    without = run_rounds(*s, db, clock);
    CHECK_FALSE(checkpointer(*s).stats().thread_started);
  }
  MESSAGE("largest -wal without the thread: " << without << " bytes");
  CHECK(without > wal_bytes(3000));
  CHECK(count_attempts(db) == 1200);
}

TEST_CASE("checkpoint: past the hard bound the writer checkpoints itself") {
  TempDir dir;
  int clock = 0;
  const auto db = dir.path / "status.db";
  auto s = open_store(db, small(false, 200));
  const auto largest = run_rounds(*s, db, clock);
  CHECK(checkpointer(*s).stats().writer_checkpoints >= 10);
  CHECK(largest <= wal_bytes(200 + 20));  // the bound and one commit's pages
  CHECK(count_attempts(db) == 600);
}

TEST_CASE("checkpoint: a store destroyed while its thread works closes cleanly, nothing lost") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  int clock = 0;
  // The store goes at once after the commit that woke the thread, or a little later: the
  // join waits for a checkpoint under way; the last close checkpoints what is left.
  for (int extra = 0; extra < 6; ++extra) {
    auto s = open_store(db, small());
    auto run = s->begin_run("daily", "2026-11-20", at(0));
    REQUIRE(run.has_value());
    commit_attempts(*s, *run, 10 + extra * 3, clock);
    s.reset();
    CHECK_FALSE(fs::exists(db.string() + "-wal"));
    CHECK(count_attempts(db) == clock);
  }
}

// Another process (a dashboard) keeping the file open makes the writer's close not the last
// one, so that close does not checkpoint: the store does, so the next writer starts the WAL
// over and cuts the file back to its limit (4 MiB) instead of appending to it for good.
TEST_CASE("checkpoint: a store closed beside another connection leaves its WAL checkpointed") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  int clock = 0;
  {
    auto s = open_store(db, small(false));  // no thread: nothing checkpoints during the run
    auto run = s->begin_run("daily", "2026-11-20", at(0));
    REQUIRE(run.has_value());
    SQLite::Database dashboard(db.string(), SQLite::OPEN_READONLY);
    REQUIRE(dashboard.execAndGet("SELECT COUNT(*) FROM runs").getInt() == 1);  // it has read
    commit_attempts(*s, *run, 200, clock);  // about 1,400 pages: 5.7 MB
    REQUIRE(wal_size(db) > 5'000'000);
    s.reset();
    REQUIRE(fs::exists(db.string() + "-wal"));  // the dashboard keeps it
    auto next = open_store(db, small());
    commit_attempts(*next, *run, 1, clock);
    CHECK(wal_size(db) <= 4u * 1024 * 1024);
    CHECK(dashboard.execAndGet("SELECT COUNT(*) FROM task_runs").getInt() == 201);
  }
}

TEST_CASE("checkpoint: modes that write little never start the thread") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  int clock = 0;
  auto s = open_store(db, CheckpointOptions{});  // the real threshold: 1,000 pages
  auto run = s->begin_run("daily", "2026-11-20", at(0));
  REQUIRE(run.has_value());
  commit_attempts(*s, *run, 20, clock);
  CHECK_FALSE(checkpointer(*s).stats().thread_started);
  CHECK(wal_size(db) > 0);  // the commits are in the WAL, not checkpointed by the writer
}

// POSIX record locks belong to the process and all go when any descriptor of the file closes;
// SQLite's unix VFS shares one lock record between the connections of a process and keeps
// the descriptors its locks live on. The checkpointer's connection must not break that: after
// a store whose thread opened its connection is destroyed, the write transaction another
// store of this process holds must still keep other processes from writing.
TEST_CASE("checkpoint: closing the thread's connection keeps another store's write lock") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  int clock = 0;
  auto first = open_store(db, small());
  auto run = first->begin_run("daily", "2026-11-20", at(0));
  REQUIRE(run.has_value());
  commit_attempts(*first, *run, 20, clock);
  REQUIRE(checkpointer(*first).wait_until_idle(10s));
  REQUIRE(checkpointer(*first).stats().thread_checkpoints >= 1);  // its connection is open

  auto second = open_store(db, small());
  second->begin_batch();
  orch::AttemptStart start;
  start.run_id = *run;
  start.task_name = "held";
  start.attempt = 1;
  start.scheduled_at = start.started_at = at(0);
  REQUIRE(second->attempt_started(start).has_value());  // BEGIN IMMEDIATE, still open
  CHECK_FALSE(orch::test::another_process_can_write(db));

  first.reset();  // joins the thread, closes its connection, then the writer's
  CHECK_MESSAGE(!orch::test::another_process_can_write(db),
                "another process took the write lock beside ours");
  REQUIRE(second->end_batch().has_value());
  CHECK(orch::test::another_process_can_write(db));  // the probe can tell a free lock
}
