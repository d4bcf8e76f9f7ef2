// sched/supervisor: the --full policy on the FakeClock and FakeProcessRunner: which runner
// starts when, the intraday restart backoff and its reset, the next daily start, the stop.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fakes.h"
#include "helpers.h"
#include "orchestrator/sched/supervisor.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

class FakeHost final : public SupervisorHost {
 public:
  explicit FakeHost(FakeProcessRunner& procs) : procs_(procs) {}
  std::vector<std::string> events;
  std::vector<WallTime> next_dailies;
  std::vector<std::string> deaths;  // runner_died: "daily first: exit 3; restart in 1.0s"
  bool ever_succeeded = true;
  ProcessId start_runner(RunnerRole role) override {
    ProcessRequest r;
    r.task_name = to_string(role);
    auto id = procs_.start(r);
    return id ? *id : 0;
  }
  void event(const std::string& kind, const std::string& detail) override {
    events.push_back(kind + (detail.empty() ? "" : ": " + detail));
  }
  void next_daily(WallTime at) override { next_dailies.push_back(at); }
  void runner_died(RunnerRole role, const std::string& detail, bool first) override {
    deaths.push_back(std::string(to_string(role)) + (first ? " first: " : ": ") + detail);
  }
  bool daily_ever_succeeded() override { return ever_succeeded; }

 private:
  FakeProcessRunner& procs_;
};

struct Full {
  explicit Full(WallTime start) : clock(start), procs(clock), host(procs) {}
  int run(DailyDays days = DailyDays::Trading, TimeOfDay at = TimeOfDay{18h}) {
    Supervisor s(clock, procs, host, calendar, days, at);
    return s.run();
  }
  std::vector<WallTime> starts_of(const std::string& role) const {
    std::vector<WallTime> out;
    for (const auto& s : procs.starts) {
      if (s.task == role) out.push_back(s.at);
    }
    return out;
  }
  FakeClock clock;
  FakeProcessRunner procs;
  FakeHost host;
  MarketCalendar calendar = nyse_calendar();
};

const WallTime kSaturday = utc(2026, 1, 17, 15, 0);  // no daily run today (trading days)

}  // namespace

TEST_CASE("supervisor: the intraday runner restarts after 1, 2, 4 .. 60 s when it keeps dying") {
  Full full(kSaturday);
  for (int i = 0; i < 10; ++i) full.procs.script["intraday"].push_back(exits(1s, 1));
  full.procs.signal_at = kSaturday + 240s;
  CHECK(full.run() == 15);
  const auto starts = full.starts_of("intraday");
  REQUIRE(starts.size() == 9);
  CHECK(full.starts_of("daily").empty());
  // each run lasts 1 s: the gap between a start and the next is 1 s + the backoff
  std::vector<Millis> backoffs;
  for (std::size_t i = 1; i < starts.size(); ++i) {
    backoffs.push_back(duration_cast<Millis>(starts[i] - starts[i - 1]) - 1s);
  }
  CHECK(backoffs == std::vector<Millis>{1s, 2s, 4s, 8s, 16s, 32s, 60s, 60s});
  CHECK(full.host.events.front() == "intraday-died: exit 1; restart in 1.0s");
}

TEST_CASE("supervisor: after 5 minutes of healthy uptime the backoff starts again at 1 s") {
  Full full(kSaturday);
  auto& script = full.procs.script["intraday"];
  for (int i = 0; i < 3; ++i) script.push_back(exits(1s, 1));  // backoff 1, 2, 4: next is 8
  script.push_back(exits(300s, 1));                            // up 5 minutes, then dies
  script.push_back(exits(1s, 1));
  script.push_back(exits(1h, 0));
  full.procs.signal_at = kSaturday + 20min;
  full.run();
  const auto starts = full.starts_of("intraday");
  REQUIRE(starts.size() == 6);
  CHECK(starts[3] - starts[2] == 1s + 4s);
  CHECK(starts[4] - starts[3] == 300s + 1s);  // reset: 1 s, not 8 s
  CHECK(starts[5] - starts[4] == 1s + 2s);
  // a runner up less than 5 minutes keeps the growing backoff
  Full shorter(kSaturday);
  auto& s2 = shorter.procs.script["intraday"];
  for (int i = 0; i < 3; ++i) s2.push_back(exits(1s, 1));
  s2.push_back(exits(299s, 1));
  s2.push_back(exits(1h, 0));
  shorter.procs.signal_at = kSaturday + 20min;
  shorter.run();
  const auto s = shorter.starts_of("intraday");
  REQUIRE(s.size() == 5);
  CHECK(s[4] - s[3] == 299s + 8s);
}

TEST_CASE("supervisor: the next daily start skips weekends and holidays as daily_days says") {
  const MarketCalendar cal = nyse_calendar();
  const TimeOfDay six_pm{18h};
  // Friday 2026-01-16; Monday the 19th is Martin Luther King Jr. Day (EST: UTC-5)
  const WallTime friday = utc(2026, 1, 16, 23, 30);
  CHECK(next_daily_start(cal, DailyDays::Trading, six_pm, friday) == utc(2026, 1, 20, 23, 0));
  CHECK(next_daily_start(cal, DailyDays::Weekdays, six_pm, friday) == utc(2026, 1, 19, 23, 0));
  CHECK(next_daily_start(cal, DailyDays::All, six_pm, friday) == utc(2026, 1, 17, 23, 0));
  // always a later date than `after`'s, even before today's time; the zone's date counts
  // (00:30 UTC on the 17th is still the 16th in New York)
  CHECK(next_daily_start(cal, DailyDays::All, six_pm, utc(2026, 1, 17, 0, 30)) ==
        utc(2026, 1, 17, 23, 0));
  // across the March DST change: 18:00 EDT is 22:00 UTC
  CHECK(next_daily_start(cal, DailyDays::Trading, six_pm, utc(2026, 3, 6, 23, 30)) ==
        utc(2026, 3, 9, 22, 0));

  PipelineConfig cfg;
  CHECK(earliest_daily_time(cfg) == TimeOfDay{});
  TaskSpec a, b, c;
  a.time = TimeOfDay{19h};
  b.time = TimeOfDay{17h + 30min};
  cfg.daily = {a, b, c};
  CHECK(earliest_daily_time(cfg) == TimeOfDay{17h + 30min});
}

TEST_CASE(
    "supervisor: daily and intraday start together on a daily day; daily again on the next one") {
  // Friday 2026-01-16 18:00 EST: today is a trading day, so the daily runner starts at once,
  // and the intraday runner beside it (the daily DAG has succeeded before)
  const WallTime friday = utc(2026, 1, 16, 23, 0);
  Full full(friday);
  full.procs.script["daily"] = {exits(10min, 0), exits(10min, 0)};
  full.procs.script["intraday"] = {exits(24h * 30, 0)};  // stays up
  const WallTime tuesday = utc(2026, 1, 20, 23, 0);      // after the weekend and MLK Day
  full.procs.signal_at = tuesday + 5min;                 // both runners up
  CHECK(full.run() == 15);
  CHECK(full.starts_of("daily") == std::vector<WallTime>{friday, tuesday});
  CHECK(full.procs.max_parallel_seen == 2);
  // intraday at once, not after the daily run, and not restarted while it keeps running
  CHECK(full.starts_of("intraday") == std::vector<WallTime>{friday});
  CHECK(full.host.next_dailies == std::vector<WallTime>{tuesday, utc(2026, 1, 21, 23, 0)});
  // the stop signal stopped both
  CHECK(full.procs.running() == 0);
  CHECK(full.host.events ==
        std::vector<std::string>{"daily-finished: exit 0", "stopped: signal 15"});
  CHECK(full.host.deaths.empty());
}

TEST_CASE(
    "supervisor: while the daily DAG never succeeded, intraday waits for the first daily run") {
  const WallTime friday = utc(2026, 1, 16, 9, 0);  // 04:00 EST
  Full full(friday);
  full.host.ever_succeeded = false;
  full.procs.script["daily"] = {exits(5h, 1)};  // waits for its time, then a task fails
  full.procs.script["intraday"] = {exits(24h, 0)};
  full.procs.signal_at = friday + 6h;
  full.run(DailyDays::Trading, TimeOfDay{9h});
  CHECK(full.starts_of("intraday") == std::vector<WallTime>{friday + 5h});  // whatever its outcome
  CHECK(full.starts_of("daily").size() == 1);  // exit 1 is a finished run: not restarted
  CHECK(full.host.deaths.empty());
}

TEST_CASE("supervisor: a daily runner that dies is restarted with backoff and alerted on once") {
  const WallTime friday = utc(2026, 1, 16, 9, 0);
  Full full(friday);
  full.procs.script["daily"] = {exits(1min, 3), exits(1s, 74), exits(1s, 0)};
  full.procs.script["intraday"] = {exits(24h, 0)};
  full.procs.signal_at = friday + 1h;
  full.run();
  const auto starts = full.starts_of("daily");
  REQUIRE(starts.size() == 3);
  CHECK(starts[1] - starts[0] == 1min + 1s);  // backoff 1 s
  CHECK(starts[2] - starts[1] == 1s + 2s);    // then 2 s
  CHECK(full.host.deaths == std::vector<std::string>{"daily first: exit 3; restart in 1.0s",
                                                     "daily: exit 74; restart in 2.0s"});
  CHECK(full.starts_of("intraday") ==
        std::vector<WallTime>{friday});  // never waited, never stopped
  // killed by a signal is a death too
  Full killed(friday);
  killed.procs.script["daily"] = {exits(1min, 0)};
  killed.procs.script["daily"][0].killed_by = 9;
  killed.procs.script["daily"].push_back(exits(1s, 0));
  killed.procs.script["intraday"] = {exits(24h, 0)};
  killed.procs.signal_at = friday + 1h;
  killed.run();
  CHECK(killed.starts_of("daily").size() == 2);
  CHECK(killed.host.deaths == std::vector<std::string>{"daily first: signal 9; restart in 1.0s"});
}

TEST_CASE("supervisor: a stop signal stops both runners") {
  const WallTime friday = utc(2026, 1, 16, 23, 0);
  Full full(friday);
  full.procs.script["daily"] = {exits(2h, 0)};
  full.procs.script["intraday"] = {exits(24h, 0)};
  full.procs.signal_at = friday + 10min;
  CHECK(full.run() == 15);
  CHECK(full.starts_of("daily").size() == 1);
  CHECK(full.starts_of("intraday").size() == 1);
  CHECK(full.procs.running() == 0);
  CHECK(full.host.events.back() == "stopped: signal 15");

  Full both(kSaturday);
  both.procs.script["intraday"] = {exits(24h, 0)};
  both.procs.signal_at = kSaturday + 1h;
  CHECK(both.run() == 15);
  CHECK(both.procs.running() == 0);
}

TEST_CASE("supervisor: a runner that cannot start is tried again after the backoff") {
  Full full(kSaturday);
  full.procs.script["intraday"] = {exits(1s, 1), cannot_start("no such file"), exits(1h, 0)};
  full.procs.signal_at = kSaturday + 10min;
  full.run();
  const auto starts = full.starts_of("intraday");
  REQUIRE(starts.size() == 2);
  // died at 1 s; restart at 2 s fails; tried again 2 s later (the backoff had grown to 2 s)
  CHECK(starts[1] - starts[0] == 1s + 1s + 2s);
}
