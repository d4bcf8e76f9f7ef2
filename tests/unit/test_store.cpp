// StatusStore against real SQLite files in temporary folders: schema, counters, history,
// recovery of interrupted runs, and refusal of files it must not touch.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "helpers.h"
#include "orchestrator/store/status_store.h"
#include "store/connection.h"  // the store's own connection, to look at and break the file

namespace fs = std::filesystem;
using namespace std::chrono;
using namespace std::chrono_literals;
using orch::test::TempDir;

namespace {

SQLite::Database& raw_db(orch::StatusStore& s) { return orch::store_detail::connection_of(s).db(); }

// 2026-11-20 14:00:00 UTC plus `s` seconds.
orch::WallTime t0(std::int64_t s = 0) {
  return orch::WallTime{sys_days{2026y / 11 / 20}.time_since_epoch() + 14h + seconds(s)};
}

std::unique_ptr<orch::StatusStore> open_store(const fs::path& db) {
  auto store = orch::StatusStore::open(db);
  REQUIRE_MESSAGE(store.has_value(), (store ? "" : store.error().message));
  return std::move(*store);
}

// One value of the data_pipeline_status row of `task`, as text ("NULL" for NULL).
std::string col(orch::StatusStore& s, const std::string& task, const std::string& column) {
  SQLite::Statement q(raw_db(s),
                      "SELECT " + column + " FROM data_pipeline_status WHERE task_name = ?");
  q.bind(1, task);
  REQUIRE(q.executeStep());
  return q.getColumn(0).isNull() ? "NULL" : q.getColumn(0).getString();
}

int num(orch::StatusStore& s, const std::string& task, const std::string& column) {
  return std::stoi(col(s, task, column));
}

std::string scalar(orch::StatusStore& s, const std::string& sql) {
  SQLite::Statement q(raw_db(s), sql);
  REQUIRE(q.executeStep());
  return q.getColumn(0).isNull() ? "NULL" : q.getColumn(0).getString();
}

orch::AttemptStart start_of(std::int64_t run, const std::string& task, int attempt,
                            orch::WallTime at) {
  orch::AttemptStart s;
  s.run_id = run;
  s.task_name = task;
  s.attempt = attempt;
  s.scheduled_at = at;
  s.started_at = at;
  s.log_path = "/logs/" + task + ".log";
  s.command = "./" + task + ".sh";
  return s;
}

orch::AttemptEnd end_of(orch::TaskStatus status, orch::WallTime at, orch::Millis duration,
                        bool final, std::string error = {}) {
  orch::AttemptEnd e;
  e.status = status;
  e.ended_at = at;
  e.duration = duration;
  e.final = final;
  e.error = std::move(error);
  e.exit_code = status == orch::TaskStatus::Success ? 0 : 1;
  return e;
}

// One complete attempt: started at `at`, finished `secs` later.
void attempt(orch::StatusStore& s, std::int64_t run, const std::string& task, int n,
             orch::WallTime at, int secs, orch::TaskStatus status, bool final,
             std::string error = {}) {
  auto id = s.attempt_started(start_of(run, task, n, at));
  REQUIRE(id.has_value());
  auto done = s.attempt_finished(
      *id, task, end_of(status, at + seconds(secs), seconds(secs), final, std::move(error)));
  REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("store: schema has the documented columns, the history tables and WAL") {
  TempDir dir;
  const auto db = dir.path / "nested" / "deeper" / "status.db";
  auto s = open_store(db);

  const mode_t mask = ::umask(0);
  ::umask(mask);
  struct stat st {};
  REQUIRE(::stat((dir.path / "nested").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == (0775 & ~mask));

  std::set<std::string> columns;
  {
    SQLite::Statement q(raw_db(*s), "PRAGMA table_info(data_pipeline_status)");
    while (q.executeStep()) columns.insert(q.getColumn(1).getString());
  }  // finalized before the connection closes below
  for (const char* c :
       {"task_name", "last_run_start", "last_run_end", "last_success", "last_failure",
        "consecutive_failures", "total_runs", "total_successes", "total_failures",
        "last_error_message", "last_records_processed", "average_runtime_seconds", "status",
        "created_at", "updated_at", "run_id"}) {
    CHECK_MESSAGE(columns.count(c) == 1, c);
  }
  CHECK(columns.size() == 16);
  CHECK(scalar(*s, "PRAGMA journal_mode") == "wal");
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(scalar(*s, "PRAGMA foreign_keys") == "1");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM pragma_table_info('task_runs')") == "22");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM pragma_table_info('runs')") == "7");
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
               "tbl_name = 'task_runs' AND name LIKE 'idx_%'") == "3");
  // Crash recovery finds the open attempts on the small partial index, not by a scan.
  {
    SQLite::Statement plan(
        raw_db(*s), "EXPLAIN QUERY PLAN SELECT run_id FROM task_runs WHERE status = 'RUNNING'");
    REQUIRE(plan.executeStep());
    CHECK(plan.getColumn(3).getString() == "SCAN task_runs USING INDEX idx_task_runs_open");
  }
  CHECK(scalar(*s,
               "SELECT dflt_value FROM pragma_table_info('data_pipeline_status') "
               "WHERE name = 'status'") == "'PENDING'");

  s.reset();
  auto again = open_store(db);  // reopening keeps the file and its schema
  CHECK(scalar(*again, "PRAGMA user_version") == "6");
}

TEST_CASE("store: a version 1 database loses its two whole-history indexes on upgrade") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  open_store(db).reset();
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
    raw.exec("DROP INDEX idx_task_runs_open");
    raw.exec("CREATE INDEX idx_task_runs_status ON task_runs (status)");
    raw.exec("CREATE INDEX idx_task_runs_run ON task_runs (run_id)");
    raw.exec("INSERT INTO task_runs (run_id, task_name, status) VALUES (1, 'prices', 'SUCCESS')");
    raw.exec("PRAGMA user_version = 1");
  }
  auto s = open_store(db);
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(scalar(*s,
               "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE "
               "type = 'index' AND name LIKE 'idx_task_runs%' ORDER BY name)") ==
        "idx_task_runs_open,idx_task_runs_task_date_status,idx_task_runs_task_started");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM task_runs") == "1");
}

TEST_CASE("store: a version 3 database gets task_runs.pgid and pgid_start on upgrade") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  open_store(db).reset();
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
    raw.exec("ALTER TABLE task_runs DROP COLUMN pgid");
    raw.exec("ALTER TABLE task_runs DROP COLUMN pgid_start");
    raw.exec("INSERT INTO task_runs (run_id, task_name, status) VALUES (1, 'prices', 'RUNNING')");
    raw.exec("PRAGMA user_version = 3");
  }
  auto s = open_store(db);
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM task_runs") == "1");
  REQUIRE(s->attempt_process(1, 4242, 777));
  CHECK(scalar(*s, "SELECT pgid || ' ' || pgid_start FROM task_runs") == "4242 777");
}

TEST_CASE("store: a version 2 database gets source_freshness from the schema on upgrade") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  open_store(db).reset();
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
    raw.exec("DROP TABLE source_freshness");  // version 2 made it at the first health check
    raw.exec("INSERT INTO task_runs (run_id, task_name, status) VALUES (1, 'prices', 'SUCCESS')");
    raw.exec("PRAGMA user_version = 2");
  }
  auto s = open_store(db);
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM pragma_table_info('source_freshness')") == "6");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM task_runs") == "1");
  // The health monitor reads and writes it without making it.
  CHECK(*s->stored_source_status("news") == "");
  orch::SourceRecord news;
  news.source = "news";
  news.status = "red";
  auto red = s->record_source_freshness({news}, t0());
  REQUIRE(red.has_value());
  CHECK(*red == std::vector<std::string>{"news"});
  CHECK(*s->stored_source_status("news") == "red");
}

TEST_CASE("store: a version 2 database whose source_freshness already exists keeps its rows") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  open_store(db).reset();
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO source_freshness (source, status) VALUES ('news', 'red')");
    raw.exec("PRAGMA user_version = 2");
  }
  auto s = open_store(db);
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(*s->stored_source_status("news") == "red");
}

TEST_CASE("store: a run of two attempts counts once in total_runs") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = s->begin_run("daily", "2026-11-20", t0());
  REQUIRE(run.has_value());

  attempt(*s, *run, "prices", 1, t0(), 5, orch::TaskStatus::Failed, false, "exit code 1");
  CHECK(col(*s, "prices", "status") == "RUNNING");
  CHECK(col(*s, "prices", "last_run_end") == orch::format_db_time(t0(5)));
  CHECK(col(*s, "prices", "last_error_message") == "exit code 1");
  CHECK(num(*s, "prices", "total_runs") == 1);
  CHECK(num(*s, "prices", "total_failures") == 0);

  auto id = s->attempt_started(start_of(*run, "prices", 2, t0(60)));
  REQUIRE(id.has_value());
  CHECK(num(*s, "prices", "total_runs") == 1);
  auto end = end_of(orch::TaskStatus::Success, t0(70), 10s, true);
  end.records_processed = 1234;
  end.data_as_of = "2026-11-20T13:59:00Z";
  REQUIRE(s->attempt_finished(*id, "prices", end).has_value());

  CHECK(col(*s, "prices", "status") == "SUCCESS");
  CHECK(num(*s, "prices", "total_runs") == 1);
  CHECK(num(*s, "prices", "total_successes") == 1);
  CHECK(num(*s, "prices", "total_failures") == 0);
  CHECK(num(*s, "prices", "consecutive_failures") == 0);
  CHECK(col(*s, "prices", "last_error_message") == "NULL");
  CHECK(num(*s, "prices", "last_records_processed") == 1234);
  CHECK(col(*s, "prices", "last_success") == orch::format_db_time(t0(70)));
  CHECK(col(*s, "prices", "run_id") == std::to_string(*run));

  CHECK(scalar(*s,
               "SELECT group_concat(status || ':' || attempt || ':' || mode || ':' || "
               "trading_date, ',') FROM (SELECT * FROM task_runs ORDER BY id)") ==
        "FAILED:1:daily:2026-11-20,SUCCESS:2:daily:2026-11-20");
  CHECK(scalar(*s,
               "SELECT data_as_of || ' ' || records_processed || ' ' || duration_seconds "
               "FROM task_runs WHERE attempt = 2") == "2026-11-20T13:59:00Z 1234 10.0");
  REQUIRE(s->end_run(*run, orch::TaskStatus::Success, t0(80)).has_value());
  CHECK(scalar(*s, "SELECT status || ' ' || ended_at FROM runs") ==
        "SUCCESS " + orch::format_db_time(t0(80)));
}

TEST_CASE("store: final failures count once and a success resets consecutive_failures") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = *s->begin_run("daily", "2026-11-20", t0());

  attempt(*s, run, "news", 1, t0(), 3, orch::TaskStatus::Failed, false, "first");
  attempt(*s, run, "news", 2, t0(10), 3, orch::TaskStatus::Failed, true, "second");
  CHECK(col(*s, "news", "status") == "FAILED");
  CHECK(num(*s, "news", "total_runs") == 1);
  CHECK(num(*s, "news", "total_failures") == 1);
  CHECK(num(*s, "news", "consecutive_failures") == 1);
  CHECK(col(*s, "news", "last_error_message") == "second");
  CHECK(col(*s, "news", "last_failure") == orch::format_db_time(t0(13)));
  CHECK(col(*s, "news", "last_success") == "NULL");
  CHECK(col(*s, "news", "last_run_end") == orch::format_db_time(t0(13)));

  attempt(*s, run, "news", 1, t0(100), 30, orch::TaskStatus::Timeout, true, "timed out");
  CHECK(col(*s, "news", "status") == "TIMEOUT");
  CHECK(num(*s, "news", "total_runs") == 2);
  CHECK(num(*s, "news", "consecutive_failures") == 2);

  attempt(*s, run, "news", 1, t0(200), 4, orch::TaskStatus::Success, true);
  CHECK(num(*s, "news", "consecutive_failures") == 0);
  CHECK(num(*s, "news", "total_runs") == 3);
  CHECK(num(*s, "news", "total_failures") == 2);
  CHECK(num(*s, "news", "total_successes") == 1);
  CHECK(col(*s, "news", "last_failure") == orch::format_db_time(t0(130)));

  // An interrupted attempt changes the status only.
  attempt(*s, run, "news", 1, t0(300), 1, orch::TaskStatus::Interrupted, true, "SIGTERM");
  CHECK(col(*s, "news", "status") == "INTERRUPTED");
  CHECK(col(*s, "news", "last_run_end") == orch::format_db_time(t0(301)));
  CHECK(num(*s, "news", "total_runs") == 4);
  CHECK(num(*s, "news", "total_failures") == 2);
  CHECK(num(*s, "news", "total_successes") == 1);
}

TEST_CASE("store: average runtime is the mean over successful runs") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = *s->begin_run("intraday", "2026-11-20", t0());
  attempt(*s, run, "bars", 1, t0(0), 2, orch::TaskStatus::Success, true);
  CHECK(std::stod(col(*s, "bars", "average_runtime_seconds")) == doctest::Approx(2.0));
  attempt(*s, run, "bars", 1, t0(100), 100, orch::TaskStatus::Failed, true, "boom");
  attempt(*s, run, "bars", 1, t0(300), 4, orch::TaskStatus::Success, true);
  CHECK(std::stod(col(*s, "bars", "average_runtime_seconds")) == doctest::Approx(3.0));
  attempt(*s, run, "bars", 1, t0(400), 6, orch::TaskStatus::Success, true);
  CHECK(std::stod(col(*s, "bars", "average_runtime_seconds")) == doctest::Approx(4.0));
  CHECK(num(*s, "bars", "total_successes") == 3);
}

TEST_CASE("store: skipped tasks and abandoned runs") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = *s->begin_run("daily", "2026-11-20", t0());

  REQUIRE(s->task_skipped(run, "report", "upstream prices failed", t0(5)).has_value());
  CHECK(col(*s, "report", "status") == "SKIPPED");
  CHECK(col(*s, "report", "last_error_message") == "upstream prices failed");
  CHECK(num(*s, "report", "total_runs") == 0);
  CHECK(num(*s, "report", "total_failures") == 0);
  CHECK(scalar(*s,
               "SELECT attempt || ' ' || status || ' ' || mode || ' ' || "
               "(started_at = ended_at) || ' ' || error_message FROM task_runs") ==
        "0 SKIPPED daily 1 upstream prices failed");

  // A retry that will not happen: the outcome is a failure without a new attempt.
  attempt(*s, run, "fx", 1, t0(), 3, orch::TaskStatus::Failed, false, "exit 1");
  REQUIRE(s->run_abandoned(run, "fx", orch::TaskStatus::Failed, "critical task failed", t0(9))
              .has_value());
  CHECK(col(*s, "fx", "status") == "FAILED");
  CHECK(num(*s, "fx", "total_runs") == 1);
  CHECK(num(*s, "fx", "total_failures") == 1);
  CHECK(num(*s, "fx", "consecutive_failures") == 1);
  CHECK(col(*s, "fx", "last_failure") == orch::format_db_time(t0(9)));
  CHECK(col(*s, "fx", "last_error_message") == "critical task failed");

  attempt(*s, run, "rates", 1, t0(), 3, orch::TaskStatus::Failed, false, "exit 1");
  REQUIRE(
      s->run_abandoned(run, "rates", orch::TaskStatus::Interrupted, "SIGTERM", t0(9)).has_value());
  CHECK(col(*s, "rates", "status") == "INTERRUPTED");
  CHECK(col(*s, "rates", "last_error_message") == "SIGTERM");
  CHECK(num(*s, "rates", "total_failures") == 0);

  CHECK_FALSE(s->run_abandoned(run, "rates", orch::TaskStatus::Success, "x", t0(9)).has_value());
  CHECK_FALSE(s->end_run(run, orch::TaskStatus::Running, t0(10)).has_value());
  CHECK_FALSE(s->end_run(run + 100, orch::TaskStatus::Success, t0(10)).has_value());
  auto unknown = s->attempt_finished(999, "fx", end_of(orch::TaskStatus::Success, t0(), 1s, true));
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message.find("999") != std::string::npos);
}

TEST_CASE("store: ensure_tasks adds PENDING rows and leaves existing ones") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = *s->begin_run("daily", "2026-11-20", t0());
  attempt(*s, run, "a", 1, t0(), 1, orch::TaskStatus::Success, true);
  REQUIRE(s->ensure_tasks({"a", "b"}, t0(50)).has_value());
  CHECK(col(*s, "a", "status") == "SUCCESS");
  CHECK(col(*s, "b", "status") == "PENDING");
  CHECK(num(*s, "b", "total_runs") == 0);
  CHECK(col(*s, "b", "created_at") == orch::format_db_time(t0(50)));
  CHECK(col(*s, "b", "updated_at") == orch::format_db_time(t0(50)));
}

TEST_CASE("store: succeeded_on lists the tasks that succeeded on a trading date") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto day1 = *s->begin_run("daily", "2026-11-19", t0(-86400));
  attempt(*s, day1, "a", 1, t0(-86400), 1, orch::TaskStatus::Success, true);
  attempt(*s, day1, "b", 1, t0(-86400), 1, orch::TaskStatus::Failed, true, "x");
  auto day2 = *s->begin_run("daily", "2026-11-20", t0());
  attempt(*s, day2, "b", 1, t0(), 1, orch::TaskStatus::Success, true);
  attempt(*s, day2, "c", 1, t0(), 1, orch::TaskStatus::Failed, false, "x");
  attempt(*s, day2, "c", 2, t0(9), 1, orch::TaskStatus::Success, true);

  CHECK(*s->succeeded_on("2026-11-19") == std::set<std::string>{"a"});
  CHECK(*s->succeeded_on("2026-11-20") == std::set<std::string>{"b", "c"});
  CHECK(s->succeeded_on("2026-11-21")->empty());
}

namespace {

// A database of schema `version` with one history row: made now, then the task_runs columns
// later versions added dropped.
void make_older_version(const std::filesystem::path& db, int version,
                        std::initializer_list<const char*> later_columns) {
  open_store(db).reset();
  SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
  for (const char* column : later_columns) {
    raw.exec(std::string("ALTER TABLE task_runs DROP COLUMN ") + column);
  }
  raw.exec("INSERT INTO task_runs (run_id, task_name, status) VALUES (1, 'prices', 'SUCCESS')");
  raw.exec("PRAGMA user_version = " + std::to_string(version));
}

}  // namespace

TEST_CASE("store: a version 4 database gains slurm_job_id and keeps its history") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  make_older_version(db, 4, {"slurm_job_id", "output_bytes"});
  auto s = open_store(db);
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM pragma_table_info('task_runs') WHERE name = 'slurm_job_id'") ==
        "1");
  CHECK(scalar(*s, "SELECT COUNT(*) FROM task_runs WHERE task_name = 'prices'") == "1");
}

TEST_CASE("store: a version 5 database gains output_bytes and keeps its history") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  make_older_version(db, 5, {"output_bytes"});
  auto s = open_store(db);
  CHECK(scalar(*s, "PRAGMA user_version") == "6");
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM task_runs WHERE task_name = 'prices' AND "
               "output_bytes IS NULL") == "1");
  // An attempt's end records what it wrote: 0 is "no output" (no log file was made).
  auto run = *s->begin_run("daily", "2026-11-20", t0());
  auto row = *s->attempt_started(start_of(run, "quiet", 1, t0()));
  orch::AttemptEnd end;
  end.ended_at = t0(1);
  end.output_bytes = 0;
  REQUIRE(s->attempt_finished(row, "quiet", end).has_value());
  CHECK(scalar(*s, "SELECT output_bytes FROM task_runs WHERE task_name = 'quiet'") == "0");
}

TEST_CASE(
    "store: a cluster job's id is kept with its attempt; open ones of dead modes are listed") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto dead = *s->begin_run("daily", "2026-11-20", t0());
  auto alive = *s->begin_run("intraday", "2026-11-20", t0());
  auto a = *s->attempt_started(start_of(dead, "a", 1, t0()));
  auto b = *s->attempt_started(start_of(alive, "b", 1, t0()));
  auto c = *s->attempt_started(start_of(dead, "c", 1, t0()));
  REQUIRE(s->attempt_submitted(a, "101").has_value());
  REQUIRE(s->attempt_submitted(b, "102").has_value());
  REQUIRE(s->attempt_submitted(c, "103").has_value());
  orch::AttemptEnd end;
  end.ended_at = t0(5);
  REQUIRE(s->attempt_finished(c, "c", end).has_value());  // finished: nothing to cancel
  CHECK(scalar(*s, "SELECT slurm_job_id FROM task_runs WHERE id = " + std::to_string(a)) == "101");
  auto ids = s->open_job_ids([](const std::string& mode) { return mode == "daily"; });
  REQUIRE(ids.has_value());
  CHECK(*ids == std::vector<std::string>{"101"});
}

TEST_CASE("store: recover_interrupted ends only the runs of dead modes") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto dead = *s->begin_run("daily", "2026-11-20", t0());
  auto alive = *s->begin_run("intraday", "2026-11-20", t0());
  REQUIRE(s->attempt_started(start_of(dead, "a", 1, t0())).has_value());
  REQUIRE(s->attempt_started(start_of(alive, "b", 1, t0())).has_value());
  // A row left RUNNING by an earlier tool, owned by no run.
  raw_db(*s).exec(
      "INSERT INTO data_pipeline_status (task_name, status) VALUES ('legacy', 'RUNNING')");

  std::map<std::string, int> asked;
  auto is_dead = [&](const std::string& mode) {
    ++asked[mode];
    return mode == "daily";
  };
  auto changed = s->recover_interrupted(is_dead, t0(60));
  REQUIRE(changed.has_value());
  CHECK(*changed == 2);
  CHECK(asked == std::map<std::string, int>{{"daily", 1}, {"intraday", 1}});

  CHECK(col(*s, "a", "status") == "INTERRUPTED");
  CHECK(col(*s, "a", "updated_at") == orch::format_db_time(t0(60)));
  CHECK(col(*s, "a", "last_error_message").find("stopped before") != std::string::npos);
  CHECK(col(*s, "b", "status") == "RUNNING");
  CHECK(col(*s, "legacy", "status") == "INTERRUPTED");
  CHECK(scalar(*s,
               "SELECT status || ' ' || ended_at || ' ' || duration_seconds || ' ' || "
               "error_message FROM task_runs WHERE task_name = 'a'") ==
        "INTERRUPTED " + orch::format_db_time(t0(60)) +
            " 60.0 orchestrator stopped before the attempt finished");
  CHECK(scalar(*s, "SELECT status FROM task_runs WHERE task_name = 'b'") == "RUNNING");
  CHECK(scalar(*s, "SELECT status || ' ' || ended_at FROM runs WHERE id = " +
                       std::to_string(dead)) == "INTERRUPTED " + orch::format_db_time(t0(60)));
  CHECK(scalar(*s, "SELECT status FROM runs WHERE id = " + std::to_string(alive)) == "RUNNING");

  // Nothing left to recover for dead modes; the live one is asked again.
  auto again = s->recover_interrupted(is_dead, t0(90));
  REQUIRE(again.has_value());
  CHECK(*again == 0);
  CHECK(asked["daily"] == 1);
  CHECK(asked["intraday"] == 2);
}

TEST_CASE("store: every timestamp written parses with julianday()") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = *s->begin_run("daily", "2026-11-20", t0());
  attempt(*s, run, "a", 1, t0(), 1, orch::TaskStatus::Failed, true, "x");
  attempt(*s, run, "a", 1, t0(10) + 123ms, 2, orch::TaskStatus::Success, true);
  REQUIRE(s->end_run(run, orch::TaskStatus::Success, t0(20)).has_value());
  for (const char* c : {"last_run_start", "last_run_end", "last_success", "last_failure",
                        "created_at", "updated_at"}) {
    CHECK_MESSAGE(scalar(*s, std::string("SELECT julianday(") + c +
                                 ") IS NOT NULL FROM data_pipeline_status") == "1",
                  c);
  }
  CHECK(col(*s, "a", "last_run_start") == "2026-11-20 14:00:10.123");
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM task_runs WHERE julianday(scheduled_at) IS NULL OR "
               "julianday(started_at) IS NULL OR julianday(ended_at) IS NULL") == "0");
  CHECK(scalar(*s,
               "SELECT julianday(started_at) IS NOT NULL AND julianday(ended_at) IS NOT "
               "NULL FROM runs") == "1");
}

TEST_CASE("store: a file that is not a database is refused and left unchanged") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 7) % 256));
  { std::ofstream(db, std::ios::binary) << garbage; }

  auto store = orch::StatusStore::open(db);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message.find(db.string()) != std::string::npos);
  CHECK(store.error().message.find("not a database") != std::string::npos);
  CHECK(file_bytes(db) == garbage);
  CHECK_FALSE(fs::exists(dir.path / "status.db-wal"));
}

TEST_CASE("store: a folder that cannot be written is an error naming the database") {
  TempDir dir;
  fs::path db;
  if (::geteuid() == 0) {
    db = "/proc/self/status.db";  // root ignores permission bits; procfs refuses new files
  } else {
    fs::create_directory(dir.path / "ro");
    fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    db = dir.path / "ro" / "status.db";
  }
  auto store = orch::StatusStore::open(db);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message.find(db.string()) != std::string::npos);
  CHECK_FALSE(fs::exists(db));
}

TEST_CASE("store: a database from a newer schema version is refused") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("PRAGMA user_version = 99");
  }
  auto store = orch::StatusStore::open(db);
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().message.find("schema version 99") != std::string::npos);
}

TEST_CASE("store: an earlier tool's data_pipeline_status gains run_id and keeps its rows") {
  TempDir dir;
  const auto db = dir.path / "status.db";
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec(R"(CREATE TABLE data_pipeline_status (
        task_name TEXT PRIMARY KEY, last_run_start TIMESTAMP, last_run_end TIMESTAMP,
        last_success TIMESTAMP, last_failure TIMESTAMP, consecutive_failures INTEGER DEFAULT 0,
        total_runs INTEGER DEFAULT 0, total_successes INTEGER DEFAULT 0,
        total_failures INTEGER DEFAULT 0, last_error_message TEXT,
        last_records_processed INTEGER, average_runtime_seconds REAL,
        status TEXT DEFAULT 'PENDING', created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
        updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP))");
    raw.exec(
        "INSERT INTO data_pipeline_status (task_name, total_runs, total_successes, "
        "average_runtime_seconds, status) VALUES ('old', 4, 4, 10.0, 'SUCCESS')");
  }
  auto s = open_store(db);
  CHECK(scalar(*s,
               "SELECT COUNT(*) FROM pragma_table_info('data_pipeline_status') "
               "WHERE name = 'run_id'") == "1");
  auto run = *s->begin_run("daily", "2026-11-20", t0());
  attempt(*s, run, "old", 1, t0(), 20, orch::TaskStatus::Success, true);
  CHECK(num(*s, "old", "total_runs") == 5);
  CHECK(std::stod(col(*s, "old", "average_runtime_seconds")) == doctest::Approx(12.0));
}

TEST_CASE("store: a batch is one transaction; a failed change in it is undone alone") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = s->begin_run("daily", "2026-11-20", t0());
  REQUIRE(run.has_value());
  SQLite::Database reader((dir.path / "status.db").string(), SQLite::OPEN_READONLY);
  auto attempts_seen = [&] { return reader.execAndGet("SELECT COUNT(*) FROM task_runs").getInt(); };

  s->begin_batch();
  auto a = s->attempt_started(start_of(*run, "prices", 1, t0()));
  REQUIRE(a.has_value());
  auto bad = s->attempt_finished(*a, "news", end_of(orch::TaskStatus::Success, t0(5), 5s, true));
  CHECK_FALSE(bad.has_value());
  auto b = s->attempt_started(start_of(*run, "news", 1, t0(1)));
  REQUIRE(b.has_value());
  CHECK(attempts_seen() == 0);  // nothing visible before the batch ends

  REQUIRE(s->end_batch().has_value());
  CHECK(attempts_seen() == 2);
  CHECK(col(*s, "prices", "status") == "RUNNING");  // the failed change left no trace
  CHECK(col(*s, "news", "status") == "RUNNING");
  CHECK(s->end_batch().has_value());  // no batch: nothing to do

  // Without a batch, each change is visible at once.
  attempt(*s, *run, "prices", 1, t0(10), 1, orch::TaskStatus::Success, true);
  CHECK(attempts_seen() == 3);
}

TEST_CASE("store: a task row deleted while its attempt ran is made again at the attempt's end") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = s->begin_run("daily", "2026-11-20", t0());
  REQUIRE(run.has_value());
  auto id = s->attempt_started(start_of(*run, "prices", 1, t0()));
  REQUIRE(id.has_value());
  raw_db(*s).exec("DELETE FROM data_pipeline_status WHERE task_name = 'prices'");
  REQUIRE(s->attempt_finished(*id, "prices", end_of(orch::TaskStatus::Success, t0(9), 9s, true))
              .has_value());
  CHECK(col(*s, "prices", "status") == "SUCCESS");
  CHECK(num(*s, "prices", "total_successes") == 1);
  CHECK(col(*s, "prices", "last_run_end") == orch::format_db_time(t0(9)));
  CHECK(col(*s, "prices", "run_id") == std::to_string(*run));
}

TEST_CASE("store: when SQLite rolls a whole batch back, the loss is reported, not half-committed") {
  TempDir dir;
  auto s = open_store(dir.path / "status.db");
  auto run = s->begin_run("daily", "2026-11-20", t0());
  REQUIRE(run.has_value());
  const auto pages = scalar(*s, "PRAGMA page_count");

  s->begin_batch();
  REQUIRE(s->attempt_started(start_of(*run, "prices", 1, t0())).has_value());
  raw_db(*s).exec("PRAGMA max_page_count = " + pages);  // the next growth is SQLITE_FULL
  auto big = start_of(*run, "news", 1, t0(1));
  big.command = std::string(200000, 'x');
  CHECK_FALSE(s->attempt_started(big).has_value());  // SQLite rolled back the transaction
  raw_db(*s).exec("PRAGMA max_page_count = 1073741823");
  CHECK_FALSE(s->attempt_started(start_of(*run, "fx", 1, t0(2))).has_value());
  auto ended = s->end_batch();
  REQUIRE_FALSE(ended.has_value());
  CHECK(ended.error().message.find("rolled them back") != std::string::npos);

  // Nothing of the batch is in the database, not even the change made after the failure.
  CHECK(scalar(*s, "SELECT COUNT(*) FROM task_runs") == "0");
  // The next batch works again.
  s->begin_batch();
  REQUIRE(s->attempt_started(start_of(*run, "fx", 1, t0(3))).has_value());
  REQUIRE(s->end_batch().has_value());
  CHECK(scalar(*s, "SELECT COUNT(*) FROM task_runs") == "1");
}
