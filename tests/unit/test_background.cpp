// sched/background: on_failure-style jobs beside the tasks on one process runner, on the
// FakeClock and FakeProcessRunner (a wait advances the clock; nothing sleeps).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fakes.h"
#include "orchestrator/sched/background.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono_literals;

namespace {

ProcessRequest request(std::string name) {
  ProcessRequest r;
  r.task_name = std::move(name);
  return r;
}

struct Fixture {
  FakeClock clock{T0};
  FakeProcessRunner inner{clock};
  std::vector<BackgroundEnd> ends;
  BackgroundProcesses bg{inner, clock, 4, 2, [this](const BackgroundEnd& e) { ends.push_back(e); }};

  Millis elapsed() const { return std::chrono::duration_cast<Millis>(clock.mono() - MonoTime{}); }
};

}  // namespace

TEST_CASE("a task's wait returns at the task's end, not the background job's") {
  Fixture f;
  f.inner.script["alert"] = {exits(10s, 0)};
  f.inner.script["A"] = {exits(1s, 0)};
  CHECK(f.bg.submit("k", request("alert")) == BackgroundProcesses::Submitted::Started);
  auto id = f.bg.start(request("A"));
  REQUIRE(id.has_value());
  CHECK(f.bg.running() == 1);  // the tasks' count leaves the job out

  auto done = f.bg.wait(60s);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == *id);
  CHECK(f.elapsed() == 1s);
  CHECK(f.bg.running() == 0);
  CHECK(f.bg.jobs() == 1);
  CHECK(f.ends.empty());

  // A sleep of the loop: the job ends inside it, is reported, and the sleep goes on.
  CHECK(f.bg.wait(12s).empty());
  CHECK(f.elapsed() == 13s);
  REQUIRE(f.ends.size() == 1);
  CHECK(f.ends[0].key == "k");
  REQUIRE(f.ends[0].completion.has_value());
  CHECK(f.ends[0].completion->succeeded());
  CHECK(f.bg.jobs() == 0);
}

TEST_CASE("at most max_at_once jobs run; identical keys coalesce; a full queue drops") {
  Fixture f;
  for (int i = 0; i < 7; ++i) f.inner.script["alert" + std::to_string(i)] = {exits(10s, 0)};
  using S = BackgroundProcesses::Submitted;
  std::vector<S> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(f.bg.submit("k" + std::to_string(i), request("alert" + std::to_string(i))));
  got.push_back(f.bg.submit("k0", request("alert0")));  // the same news again: not twice
  got.push_back(f.bg.submit("k4", request("alert4")));
  got.push_back(f.bg.submit("k5", request("alert5")));
  got.push_back(f.bg.submit("k6", request("alert6")));  // the queue holds 2
  CHECK(got == std::vector<S>{S::Started, S::Started, S::Started, S::Started, S::Coalesced,
                              S::Queued, S::Queued, S::Dropped});
  CHECK(f.bg.coalesced() == 1);
  REQUIRE(f.ends.size() == 1);  // the dropped one, with why
  CHECK(f.ends[0].key == "k6");
  CHECK_FALSE(f.ends[0].completion.has_value());
  REQUIRE(f.ends[0].error.has_value());

  CHECK(f.bg.drain(60s));
  CHECK(f.elapsed() == 20s);  // two waves of 10 s
  CHECK(f.inner.max_parallel_seen == 4);
  CHECK(f.ends.size() == 7);
  CHECK(f.inner.starts.size() == 6);
}

TEST_CASE("a job ending during a task's wait starts the next queued one then") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.inner.script["alert" + std::to_string(i)] = {exits(2s, 0)};
  f.inner.script["A"] = {exits(3s, 0)};
  for (int i = 0; i < 5; ++i)
    f.bg.submit("k" + std::to_string(i), request("alert" + std::to_string(i)));
  REQUIRE(f.bg.start(request("A")).has_value());
  auto done = f.bg.wait(60s);
  REQUIRE(done.size() == 1);
  CHECK(f.elapsed() == 3s);
  CHECK(f.ends.size() == 4);
  REQUIRE(f.inner.starts.size() == 6);  // 5 alerts and A
  CHECK(f.inner.starts.back().task == "alert4");
  CHECK(f.inner.starts.back().at == T0 + 2s);
  CHECK(f.bg.drain(10s));
  CHECK(f.elapsed() == 4s);
}

TEST_CASE("drain is bounded, and a stop ends the jobs and abandons the queue") {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.inner.script["alert" + std::to_string(i)] = {exits(30s, 0)};
  for (int i = 0; i < 5; ++i)
    f.bg.submit("k" + std::to_string(i), request("alert" + std::to_string(i)));
  CHECK_FALSE(f.bg.drain(5s));
  CHECK(f.elapsed() == 5s);
  CHECK(f.bg.jobs() == 5);

  f.inner.signal_at = T0 + 6s;
  CHECK(f.bg.drain(60s));
  CHECK(f.bg.stop_signal() == 15);
  CHECK(f.bg.jobs() == 0);
  REQUIRE(f.ends.size() == 5);
  int stopped = 0;
  int not_run = 0;
  for (const BackgroundEnd& e : f.ends) {
    if (e.completion && e.completion->kind == ExitKind::Stopped) ++stopped;
    if (!e.completion && e.error) ++not_run;
  }
  CHECK(stopped == 4);
  CHECK(not_run == 1);
}

TEST_CASE("stop_all hands the tasks only their own ends") {
  Fixture f;
  f.inner.script["alert"] = {exits(30s, 0)};
  f.inner.script["A"] = {exits(30s, 0)};
  f.bg.submit("k", request("alert"));
  auto id = f.bg.start(request("A"));
  REQUIRE(id.has_value());
  auto stopped = f.bg.stop_all();
  REQUIRE(stopped.size() == 1);
  CHECK(stopped[0].id == *id);
  REQUIRE(f.ends.size() == 1);
  CHECK(f.ends[0].completion->kind == ExitKind::Stopped);
}
