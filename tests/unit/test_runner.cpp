// The Runner loop on a fake clock and a fake process set: nothing sleeps, every instant is exact.
#include <doctest/doctest.h>

#include <algorithm>

#include "fakes.h"
#include "orchestrator/sched/runner.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono_literals;

namespace {

struct Harness {
  FakeClock clock{T0};
  FakeProcessRunner procs{clock};
  FakeRecorder recorder;
  CollectingSink sink;
  Millis timeout{60000};
  std::string remote_task;  // this task's attempts run as cluster jobs

  RunResult run(Plan& plan) {
    Runner r(plan, procs, recorder, sink, clock, 7, [&](int id, int) {
      Launch l;
      l.request.task_name = plan.task(id).name;
      l.request.argv = {"/bin/" + plan.task(id).name};
      l.request.timeout = timeout;
      if (plan.task(id).name == remote_task) l.request.remote = RemoteSpec{};
      l.scheduled_at = T0;
      return l;
    });
    return r.run();
  }
  std::vector<std::string> started() const {
    std::vector<std::string> out;
    for (const auto& s : procs.starts) out.push_back(s.task);
    return out;
  }
};

}  // namespace

TEST_CASE("tasks run in tier order and every state change is recorded") {
  Harness h;
  Plan plan({plan_task("A", 0), plan_task("B", 1, {0}), plan_task("C", 2, {1})}, 4);
  auto r = h.run(plan);
  CHECK(h.started() == std::vector<std::string>{"A", "B", "C"});
  CHECK(h.recorder.events == std::vector<std::string>{"start A 1", "end A SUCCESS final",
                                                      "start B 1", "end B SUCCESS final",
                                                      "start C 1", "end C SUCCESS final"});
  CHECK(r.summary.succeeded == 3);
  CHECK_FALSE(r.any_failed());
  CHECK(h.clock.now() == T0 + 3s);
}

TEST_CASE("a cluster job's id is recorded with its attempt and shown on the start line") {
  Harness h;
  h.remote_task = "B";
  Plan plan({plan_task("A", 0), plan_task("B", 1, {0})}, 4);
  auto r = h.run(plan);
  CHECK(r.summary.succeeded == 2);
  // The id reaches the attempt's row right after its start, before the job's end.
  CHECK(h.recorder.events == std::vector<std::string>{"start A 1", "end A SUCCESS final",
                                                      "start B 1", "job 3 92",
                                                      "end B SUCCESS final"});
  CHECK(std::find(h.sink.lines.begin(), h.sink.lines.end(), "run B 1 job 92") !=
        h.sink.lines.end());
  CHECK(std::find(h.sink.lines.begin(), h.sink.lines.end(), "run A 1") != h.sink.lines.end());
}

TEST_CASE("a retried task waits its backoff on the clock and counts as one run") {
  Harness h;
  h.procs.script["A"] = {exits(1000ms, 1), exits(1000ms, 1), exits(1000ms, 0)};
  Plan plan({plan_task("A", 0, {}, 3, {10s, 30s})}, 1);
  auto r = h.run(plan);
  REQUIRE(h.procs.starts.size() == 3);
  CHECK(h.procs.starts[0].at == T0);
  CHECK(h.procs.starts[1].at == T0 + 11s);
  CHECK(h.procs.starts[2].at == T0 + 42s);
  CHECK(h.recorder.total_runs["A"] == 1);
  CHECK(h.recorder.events[1] == "end A FAILED retry");
  CHECK(h.recorder.events.back() == "end A SUCCESS final");
  CHECK(std::find(h.sink.lines.begin(), h.sink.lines.end(),
                  "fail A: exit code 1: boom retry in 10000ms") != h.sink.lines.end());
  CHECK(r.summary.succeeded == 1);
  CHECK(r.summary.failed == 0);
}

TEST_CASE("a task over its runtime is a TIMEOUT and is retried") {
  Harness h;
  h.timeout = 5000ms;
  h.procs.script["A"] = {exits(60000ms, 0), exits(1000ms, 0)};
  Plan plan({plan_task("A", 0, {}, 2, {1s})}, 1);
  auto r = h.run(plan);
  CHECK(h.recorder.events[1] == "end A TIMEOUT retry");
  CHECK(h.procs.starts[1].at == T0 + 6s);
  CHECK(r.summary.succeeded == 1);
}

TEST_CASE("tasks of a tier share the job slots") {
  Harness h;
  Plan plan({plan_task("A", 0), plan_task("B", 0), plan_task("C", 0), plan_task("D", 0),
             plan_task("E", 1)},
            2);
  h.run(plan);
  CHECK(h.procs.max_parallel_seen == 2);
  CHECK(h.clock.now() == T0 + 3s);  // two waves of 1 s, then E
}

TEST_CASE("a not-before time is honoured to the millisecond") {
  Harness h;
  auto t = plan_task("A", 0);
  t.not_before = T0 + 125s + 250ms;
  Plan plan({t, plan_task("B", 0)}, 2);
  h.run(plan);
  CHECK(h.procs.starts[0].task == "B");
  CHECK(h.procs.starts[1].at == T0 + 125s + 250ms);
  CHECK(h.sink.lines[0] == "run B 1");
  CHECK(std::find(h.sink.lines.begin(), h.sink.lines.end(), "wait A") != h.sink.lines.end());
}

TEST_CASE("a failure skips the dependents and the run reports failure") {
  Harness h;
  h.procs.script["A"] = {exits(1000ms, 3)};
  Plan plan({plan_task("A", 0), plan_task("B", 1, {0}), plan_task("C", 1)}, 2);
  auto r = h.run(plan);
  CHECK(h.started() == std::vector<std::string>{"A", "C"});
  CHECK(std::find(h.recorder.events.begin(), h.recorder.events.end(),
                  "skip B: dependency 'A' failed") != h.recorder.events.end());
  CHECK(r.summary.failed == 1);
  CHECK(r.summary.skipped == 1);
  CHECK(r.any_failed());
}

TEST_CASE("a script that cannot start fails without a process and is not retried") {
  Harness h;
  h.procs.script["A"] = {cannot_start("cannot execute: bad interpreter")};
  Plan plan({plan_task("A", 0, {}, 3, {1s})}, 1);
  auto r = h.run(plan);
  CHECK(h.procs.starts.empty());
  CHECK(h.recorder.events == std::vector<std::string>{"start A 1", "end A FAILED final"});
  CHECK(r.summary.failed == 1);
}

TEST_CASE("a stop signal ends running tasks as INTERRUPTED and leaves the rest unrun") {
  Harness h;
  h.procs.script["A"] = {exits(100000ms, 0)};
  h.procs.signal_at = T0 + 5s;
  Plan plan({plan_task("A", 0), plan_task("B", 1)}, 1);
  auto r = h.run(plan);
  CHECK(r.stop_signal == 15);
  CHECK(h.recorder.events == std::vector<std::string>{"start A 1", "end A INTERRUPTED final"});
  CHECK(r.summary.interrupted == 1);
  CHECK(h.started() == std::vector<std::string>{"A"});
}

TEST_CASE("when the store cannot record a start or commit it, nothing is run") {
  Harness h;
  std::string expected;
  SUBCASE("the write fails") {
    h.recorder.fail_writes = true;
    expected = "disk full";
  }
  SUBCASE("the commit fails") {
    h.recorder.fail_commits = true;
    expected = "disk I/O error at commit";
  }
  Plan plan({plan_task("A", 0), plan_task("B", 0)}, 2);
  auto r = h.run(plan);
  CHECK(h.procs.starts.empty());
  REQUIRE(r.store_error);
  CHECK(*r.store_error == expected);
}

TEST_CASE("every recorded change is committed before a process starts or the runner sleeps") {
  Harness h;
  h.procs.script["A"] = {exits(1000ms, 1), exits(1000ms, 0)};
  h.procs.script["B"] = {exits(500ms, 2)};
  h.procs.script["D"] = {cannot_start("cannot execute: missing")};
  int checks = 0;
  h.procs.before_start_or_wait = [&] {
    ++checks;
    CHECK(h.recorder.uncommitted == 0);
  };
  // A retries, B fails (so C is skipped), D cannot start, E runs in the next tier.
  Plan plan({plan_task("A", 0, {}, 2, {5s}), plan_task("B", 0), plan_task("C", 1, {1}),
             plan_task("D", 0), plan_task("E", 1, {0})},
            2);
  auto r = h.run(plan);
  CHECK(checks >= 5);
  CHECK(h.recorder.uncommitted == 0);
  CHECK(r.summary.succeeded == 2);
  CHECK(r.summary.failed == 2);
  CHECK(r.summary.skipped == 1);
}

TEST_CASE("the end of one task and the start it allows are committed together") {
  Harness h;
  Plan plan({plan_task("A", 0), plan_task("B", 0), plan_task("C", 0)}, 1);
  h.run(plan);
  CHECK(h.recorder.events.size() == 6);
  // start A | end A + start B | end B + start C | end C
  CHECK(h.recorder.commits == 4);
}

TEST_CASE("a task that dies of the same stop signal before we stop it is INTERRUPTED, not FAILED") {
  Harness h;
  h.procs.script["A"] = {exits(100000ms, 0)};
  h.procs.signal_at = T0 + 5s;
  h.procs.died_by_signal_at_stop = true;
  Plan plan({plan_task("A", 0, {}, 3, {0s}), plan_task("B", 1)}, 1);
  auto r = h.run(plan);
  CHECK(h.recorder.events == std::vector<std::string>{"start A 1", "end A INTERRUPTED final"});
  CHECK(r.summary.interrupted == 1);
  CHECK(r.summary.failed == 0);
}

TEST_CASE("a task that cannot start is committed before the next one of its tier starts") {
  Harness h;
  h.procs.script["D"] = {cannot_start("cannot execute: missing")};
  int starts_checked = 0;
  h.procs.before_start_or_wait = [&] {
    ++starts_checked;
    CHECK(h.recorder.uncommitted == 0);
  };
  Plan plan({plan_task("D", 0), plan_task("A", 0), plan_task("B", 0)}, 3);
  auto r = h.run(plan);
  CHECK(starts_checked >= 3);
  CHECK(r.summary.failed == 1);
  CHECK(r.summary.succeeded == 2);
}

TEST_CASE("a started process's group is recorded with the next batch, and within 5 ms") {
  Harness h;
  h.procs.report_os_process = true;
  // A ends first: its end goes in instead of its group (a row that is no longer RUNNING is
  // never searched for its group). B runs on: its group is committed 5 ms in.
  h.procs.script["A"] = {exits(2ms, 0)};
  h.procs.script["B"] = {exits(1000ms, 0)};
  Plan plan({plan_task("A", 0), plan_task("B", 1, {0})}, 1);
  auto r = h.run(plan);
  CHECK(r.summary.succeeded == 2);
  CHECK(h.recorder.events == std::vector<std::string>{"start A 1", "end A SUCCESS final",
                                                      "start B 1", "process 3 1002",
                                                      "end B SUCCESS final"});
  // Commits: A's start; A's end and B's start; B's group; B's end. The group of a running
  // process never waits for more than kProcessRecordDelay.
  CHECK(h.recorder.committed_at == std::vector<std::size_t>{1, 3, 4, 5});
  REQUIRE(h.procs.waits.size() >= 3);
  CHECK(h.procs.waits[0] == Runner::kProcessRecordDelay);
  CHECK(h.procs.waits[1] == Runner::kProcessRecordDelay);
  CHECK(h.procs.waits[2] > Runner::kProcessRecordDelay);
  CHECK(h.clock.now() == T0 + 1002ms);
}

TEST_CASE("a turn's lines reach the sink after its processes start and before the loop sleeps") {
  Harness h;
  h.procs.script["A"] = {exits(10ms, 0)};
  h.procs.script["B"] = {exits(10ms, 0)};
  Plan plan({plan_task("A", 0), plan_task("B", 1, {0})}, 1);
  std::vector<std::vector<std::string>> at_start, at_wait;
  std::size_t waits_seen = 0;
  h.procs.before_start_or_wait = [&] {  // wait() counts itself before the hook, start() not
    if (h.procs.waits.size() != waits_seen) {
      waits_seen = h.procs.waits.size();
      at_wait.push_back(h.sink.lines);
    } else {
      at_start.push_back(h.sink.lines);
    }
  };
  auto r = h.run(plan);
  CHECK(r.summary.succeeded == 2);
  CHECK(h.sink.lines == std::vector<std::string>{"run A 1", "ok A", "run B 1", "ok B"});
  REQUIRE(at_start.size() == 2);
  // B starts before "ok A" is written: no terminal or log write between an end and a start.
  CHECK(at_start[1] == std::vector<std::string>{"run A 1"});
  // Every sleep comes after the lines of its turn.
  REQUIRE(at_wait.size() >= 2);
  CHECK(at_wait[0] == std::vector<std::string>{"run A 1"});
  CHECK(at_wait[1] == std::vector<std::string>{"run A 1", "ok A", "run B 1"});
}
