// The Plan by hand: tiers as barriers, job slots, not-before times, retries with backoff,
// skips downstream of failures, and the stop after a critical failure.
#include <doctest/doctest.h>

#include "fakes.h"
#include "orchestrator/sched/plan.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono_literals;

namespace {

std::vector<int> start_all(Plan& p, WallTime now) {
  auto ids = p.ready(now);
  for (int id : ids) p.mark_started(id);
  return ids;
}

}  // namespace

TEST_CASE("a tier starts only when every task of the lower tiers has finished") {
  Plan p({plan_task("A", 0), plan_task("B", 0), plan_task("C", 1, {0})}, 4);
  CHECK(start_all(p, T0) == std::vector<int>{0, 1});
  p.mark_finished(0, AttemptOutcome::Success, T0);
  CHECK(p.ready(T0).empty());  // B still runs
  p.mark_finished(1, AttemptOutcome::Success, T0);
  CHECK(p.ready(T0) == std::vector<int>{2});
}

TEST_CASE("no more than `jobs` tasks run at once") {
  Plan p({plan_task("A", 0), plan_task("B", 0), plan_task("C", 0)}, 2);
  CHECK(start_all(p, T0).size() == 2);
  CHECK(p.ready(T0).empty());
  p.mark_finished(0, AttemptOutcome::Success, T0);
  CHECK(p.ready(T0) == std::vector<int>{2});
}

TEST_CASE("a not-before time holds a task back and is the next wake-up") {
  auto t = plan_task("A", 0);
  t.not_before = T0 + 90s;
  Plan p({t}, 1);
  CHECK(p.ready(T0).empty());
  CHECK(p.waiting_for_time(T0) == std::vector<int>{0});
  REQUIRE(p.next_wakeup(T0));
  CHECK(*p.next_wakeup(T0) == T0 + 90s);
  CHECK(p.ready(T0 + 90s) == std::vector<int>{0});
}

TEST_CASE("failed attempts are retried after their backoff, the last value repeating") {
  Plan p({plan_task("A", 0, {}, 4, {10s, 30s})}, 1);
  start_all(p, T0);
  auto f = p.mark_finished(0, AttemptOutcome::Failure, T0 + 1s);
  CHECK(f.state == PlanState::BackingOff);
  CHECK(*f.retry_at == T0 + 11s);
  CHECK(p.ready(T0 + 10s).empty());
  CHECK(start_all(p, T0 + 11s) == std::vector<int>{0});
  f = p.mark_finished(0, AttemptOutcome::Timeout, T0 + 12s);
  CHECK(*f.retry_at == T0 + 42s);
  start_all(p, T0 + 42s);
  f = p.mark_finished(0, AttemptOutcome::Failure, T0 + 43s);
  CHECK(*f.retry_at == T0 + 73s);  // 30 s again
  start_all(p, T0 + 73s);
  f = p.mark_finished(0, AttemptOutcome::Failure, T0 + 74s);
  CHECK(f.state == PlanState::Failed);
  CHECK(f.final());
  CHECK(p.attempts(0) == 4);
  CHECK(p.done());
}

TEST_CASE("a permanent failure is not retried") {
  Plan p({plan_task("A", 0, {}, 3, {1s})}, 1);
  start_all(p, T0);
  CHECK(p.mark_finished(0, AttemptOutcome::PermanentFailure, T0).state == PlanState::Failed);
  CHECK(p.done());
}

TEST_CASE("a failure skips its dependents and theirs, naming the upstream") {
  Plan p({plan_task("A", 0), plan_task("B", 0), plan_task("C", 1, {0}), plan_task("D", 2, {2}),
          plan_task("E", 2, {1})},
         4);
  start_all(p, T0);
  p.mark_finished(0, AttemptOutcome::Timeout, T0);
  auto skips = p.take_skips();
  REQUIRE(skips.size() == 2);
  CHECK(skips[0].task == 2);
  CHECK(skips[0].reason == "dependency 'A' timed out");
  CHECK(skips[1].task == 3);
  CHECK(skips[1].reason == "dependency 'C' was skipped");
  p.mark_finished(1, AttemptOutcome::Success, T0);
  CHECK(p.ready(T0) == std::vector<int>{4});  // E does not depend on A
}

TEST_CASE("a critical failure skips everything not started and cancels pending retries") {
  auto crit = plan_task("Crit", 0);
  crit.critical = true;
  Plan p({crit, plan_task("Flaky", 0, {}, 3, {5s}), plan_task("Slow", 0), plan_task("Later", 1)},
         3);
  start_all(p, T0);
  p.mark_finished(1, AttemptOutcome::Failure, T0);  // Flaky backs off
  p.mark_finished(0, AttemptOutcome::Failure, T0);
  CHECK(p.stopped_by_critical());
  auto skips = p.take_skips();
  REQUIRE(skips.size() == 1);
  CHECK(skips[0].task == 3);
  CHECK(skips[0].reason == "critical task 'Crit' failed");
  auto abandons = p.take_abandons();
  REQUIRE(abandons.size() == 1);
  CHECK(abandons[0].task == 1);
  CHECK(abandons[0].state == PlanState::Failed);
  CHECK_FALSE(p.done());  // Slow still runs
  CHECK(p.mark_finished(2, AttemptOutcome::Failure, T0).state ==
        PlanState::Failed);  // no retry now
  CHECK(p.done());
}

TEST_CASE("tasks already done satisfy their dependents without running") {
  auto a = plan_task("A", 0);
  a.already_done = true;
  Plan p({a, plan_task("B", 1, {0})}, 1);
  CHECK(p.ready(T0) == std::vector<int>{1});
  CHECK(p.state(0) == PlanState::AlreadyDone);
}

TEST_CASE("interrupt abandons pending retries and ends the plan") {
  Plan p({plan_task("A", 0, {}, 2, {60s}), plan_task("B", 1)}, 1);
  start_all(p, T0);
  p.mark_finished(0, AttemptOutcome::Failure, T0);
  p.interrupt();
  CHECK(p.done());
  auto abandons = p.take_abandons();
  REQUIRE(abandons.size() == 1);
  CHECK(abandons[0].state == PlanState::Interrupted);
  CHECK(p.ready(T0 + 120s).empty());
}
