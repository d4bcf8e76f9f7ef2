// InstanceLock: one holder per mode and database, the holder's PID in the refusal, release
// on destruction, and no stale lock after the holder is killed.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <SQLiteCpp/SQLiteCpp.h>

#include "helpers.h"
#include "orchestrator/store/instance_lock.h"

namespace fs = std::filesystem;
using orch::test::read_file;
using orch::test::TempDir;

TEST_CASE("lock: the lock file sits next to the database") {
  CHECK(orch::InstanceLock::path_for("/var/lib/orch/status.db", "daily") ==
        fs::path("/var/lib/orch/status.db.daily.lock"));
}

TEST_CASE("lock: a second acquire fails naming the holder, destruction releases") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  CHECK(orch::InstanceLock::is_free(db, "daily"));  // no lock file yet

  {
    auto first = orch::InstanceLock::acquire(db, "daily");
    REQUIRE(first.has_value());
    CHECK(read_file(orch::InstanceLock::path_for(db, "daily")) ==
          std::to_string(::getpid()) + "\n");

    orch::InstanceLock::Busy busy;
    auto second = orch::InstanceLock::acquire(db, "daily", &busy);
    REQUIRE_FALSE(second.has_value());
    CHECK(busy.holder == ::getpid());
    CHECK(second.error().message == "another orchestrator (PID " + std::to_string(::getpid()) +
                                        ") is running --daily on " + db.string());
    CHECK_FALSE(orch::InstanceLock::is_free(db, "daily"));  // even for the holder itself

    // Another mode is independent.
    CHECK(orch::InstanceLock::is_free(db, "intraday"));
    auto other = orch::InstanceLock::acquire(db, "intraday");
    CHECK(other.has_value());

    // Moving keeps the lock held; the moved-from object releases nothing.
    orch::InstanceLock moved = std::move(*first);
    CHECK_FALSE(orch::InstanceLock::is_free(db, "daily"));
  }
  CHECK(orch::InstanceLock::is_free(db, "daily"));
  CHECK(orch::InstanceLock::is_free(db, "intraday"));
  CHECK(orch::InstanceLock::acquire(db, "daily").has_value());
}

TEST_CASE("lock: the folder of the database is created when missing") {
  TempDir dir;
  const auto db = dir.path / "new" / "status.db";
  auto lock = orch::InstanceLock::acquire(db, "daily");
  REQUIRE(lock.has_value());
  CHECK(fs::exists(orch::InstanceLock::path_for(db, "daily")));
}

TEST_CASE("lock: a holder killed with SIGKILL leaves the lock free") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    auto lock = orch::InstanceLock::acquire(db, "intraday");
    const char ok = lock.has_value() ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char got = 0;
  REQUIRE(::read(ready[0], &got, 1) == 1);
  ::close(ready[0]);
  CHECK(got == '1');

  CHECK_FALSE(orch::InstanceLock::is_free(db, "intraday"));
  orch::InstanceLock::Busy busy;
  auto refused = orch::InstanceLock::acquire(db, "intraday", &busy);
  REQUIRE_FALSE(refused.has_value());
  CHECK(busy.holder == child);
  CHECK(refused.error().message.find("PID " + std::to_string(child)) != std::string::npos);

  REQUIRE(::kill(child, SIGKILL) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(orch::InstanceLock::is_free(db, "intraday"));
  CHECK(orch::InstanceLock::acquire(db, "intraday").has_value());
}

// A probe must not release the SQLite locks this process holds on the same file: POSIX
// record locks belong to the process and go away when any descriptor of the file closes.
TEST_CASE("lock: probing and locking keep this process's SQLite write lock") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  SQLite::Database conn(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  conn.exec("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)");
  CHECK(orch::InstanceLock::is_free(db, "intraday"));
  {
    auto held = orch::InstanceLock::acquire(db, "daily");
    REQUIRE(held.has_value());
    CHECK_FALSE(orch::InstanceLock::is_free(db, "daily"));
  }  // released
  CHECK(orch::InstanceLock::is_free(db, "daily"));
  // Another process must still find the database write-locked by our transaction.
  CHECK_MESSAGE(!orch::test::another_process_can_write(db),
                "another process took the write lock beside ours");
  conn.exec("COMMIT");
}
