// The task-running modes composed with a FakeClock and a FakeProcessRunner instead of the
// system clock and the real runner: what a user sees (exit code, the status database, which
// tasks started when) without starting a process or sleeping.
#include <doctest/doctest.h>
#include <signal.h>

#include <map>

#include "fakes.h"
#include "helpers.h"
#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/store/status_store.h"

namespace orch::test {
namespace {

// Three daily tasks in a chain; the first not before 09:30 New York time.
const char* kChain = R"(timezone: America/New_York
retry_policy: {max_attempts: 1, backoff_seconds: [0]}
daily_schedule:
  - name: Assets
    script: assets.sh
    time: "09:30:00"
    tier: 0
  - name: Prices
    script: prices.sh
    tier: 1
    dependencies: [Assets]
  - name: Report
    script: report.sh
    tier: 2
    dependencies: [Prices]
)";

struct DailyFixture {
  TempDir dir{"orch_modes"};
  GlobalOptions global;
  DailyFixture() {
    for (const char* s : {"assets.sh", "prices.sh", "report.sh"})
      write_file(dir / s, "#!/bin/sh\n", 0755);
    write_file(dir / "pipeline.yaml", kChain);
    global.config = dir / "pipeline.yaml";
    global.db = dir / "status.db";
    global.color = ColorMode::Never;
  }

  // --daily with `options` at the fake clock's now, through `processes`.
  int run_daily_mode(FakeClock& clock, FakeProcessRunner& processes, const RunOptions& options) {
    auto in = load_schedule(global, clock, Schedule::Daily, options.tasks);
    REQUIRE(in.has_value());
    in->pipeline.processes = &processes;
    return run_daily(global, options, *in);
  }

  std::map<std::string, TaskStatus> statuses() {
    auto store = StatusStore::open(dir / "status.db");
    REQUIRE(store.has_value());
    auto rows = (*store)->read_task_health();
    REQUIRE(rows.has_value());
    std::map<std::string, TaskStatus> out;
    for (const auto& r : *rows) out[r.name] = r.status;
    return out;
  }
};

}  // namespace

TEST_CASE(
    "--daily on fakes: waits for the task's time, records each status, a failure skips its "
    "dependents") {
  DailyFixture f;
  FakeClock clock(utc(2026, 11, 20, 14, 0));  // Friday 2026-11-20, 09:00 in New York
  FakeProcessRunner processes(clock);
  processes.script["Prices"] = {exits(Millis{2000}, 3)};

  CHECK(f.run_daily_mode(clock, processes, RunOptions{}) == exit_code::kFailed);

  REQUIRE(processes.starts.size() == 2);  // Report never starts: its dependency failed
  CHECK(processes.starts[0].task == "Assets");
  CHECK(processes.starts[0].at == utc(2026, 11, 20, 14, 30));  // its `time`, on the fake clock
  CHECK(processes.starts[1].task == "Prices");
  const auto status = f.statuses();
  CHECK(status.at("Assets") == TaskStatus::Success);
  CHECK(status.at("Prices") == TaskStatus::Failed);
  CHECK(status.at("Report") == TaskStatus::Skipped);
}

TEST_CASE("--daily on fakes: a second run the same day starts only what has not succeeded") {
  DailyFixture f;
  FakeClock clock(utc(2026, 11, 20, 15, 0));  // 10:00 in New York: no waiting
  FakeProcessRunner processes(clock);
  processes.script["Prices"] = {exits(Millis{1000}, 1)};
  CHECK(f.run_daily_mode(clock, processes, RunOptions{}) == exit_code::kFailed);
  REQUIRE(processes.starts.size() == 2);

  clock.advance(std::chrono::minutes(5));
  FakeProcessRunner again(clock);  // every attempt succeeds now
  CHECK(f.run_daily_mode(clock, again, RunOptions{}) == exit_code::kOk);
  REQUIRE(again.starts.size() == 2);
  CHECK(again.starts[0].task == "Prices");
  CHECK(again.starts[1].task == "Report");
  for (const auto& [name, status] : f.statuses()) {
    INFO(name);
    CHECK(status == TaskStatus::Success);
  }
}

TEST_CASE("--daily --dry-run on fakes: nothing is started and no database is written") {
  DailyFixture f;
  FakeClock clock(utc(2026, 11, 20, 15, 0));
  FakeProcessRunner processes(clock);
  RunOptions options;
  options.dry_run = true;
  CHECK(f.run_daily_mode(clock, processes, options) == exit_code::kOk);
  CHECK(processes.starts.empty());
  CHECK_FALSE(std::filesystem::exists(f.dir / "status.db"));
}

namespace {

bool sigterm_blocked() {
  sigset_t mask;
  sigemptyset(&mask);
  ::sigprocmask(SIG_BLOCK, nullptr, &mask);
  return sigismember(&mask, SIGTERM) == 1;
}

}  // namespace

TEST_CASE(
    "runner: signal handling is taken over at arm() (or the first start/wait), not when made") {
  REQUIRE_FALSE(sigterm_blocked());
  {
    // A mode makes its runner before --dry-run is decided: SIGTERM still ends the process.
    PosixProcessRunner runner;
    CHECK_FALSE(sigterm_blocked());
    CHECK(runner.stop_signal() == 0);
    runner.arm();  // where the mode starts to write: from here SIGTERM waits for a clean stop
    CHECK(sigterm_blocked());
    runner.arm();  // idempotent
  }
  CHECK_FALSE(sigterm_blocked());  // restored when the runner ends
  {
    PosixProcessRunner runner;
    (void)runner.wait(Millis{0});
    CHECK(sigterm_blocked());
  }
  CHECK_FALSE(sigterm_blocked());
}

}  // namespace orch::test
