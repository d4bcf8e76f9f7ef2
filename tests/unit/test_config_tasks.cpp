// config/: the keys of a task, the rules across tasks (names, dependencies, cycles, tiers)
// and scripts that do not exist.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "config_helpers.h"
#include "helpers.h"
#include "orchestrator/config/loader.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

// A daily schedule of one task "A" (line 2) with extra keys (from line 4).
std::string daily_task(const std::string& keys) {
  return "daily_schedule:\n  - name: A\n    script: a.sh\n" + keys;
}
// An intraday schedule of one task "Q" (line 2) with extra keys (from line 4).
std::string intraday_task(const std::string& keys) {
  return "intraday_schedule:\n  - name: Q\n    script: q.sh\n" + keys;
}

}  // namespace

TEST_CASE("refused: a task without name or script") {
  const auto no_name = single_error(load("daily_schedule:\n  - script: a.sh\n"));
  CHECK(no_name.line == 2);
  CHECK(no_name.task.empty());
  CHECK(has(no_name.message, "has no 'name'"));
  CHECK(has(no_name.hint, "name:"));
  const auto no_script = single_error(load("daily_schedule:\n  - name: A\n    tier: 0\n"));
  CHECK(no_script.line == 2);
  CHECK(no_script.task == "A");
  CHECK(has(no_script.message, "no 'script'"));
  const auto empty_name = single_error(load("daily_schedule:\n  - name: \"\"\n    script: a.sh\n"));
  CHECK(has(empty_name.message, "'name' is empty"));
}

TEST_CASE("refused: unknown task key, with the nearest known key") {
  const auto e =
      single_error(load("daily_schedule:\n  - name: News Events\n    script: n.sh\n"
                        "    dependncies: []\n"));
  CHECK(e.line == 4);
  CHECK(e.task == "News Events");
  CHECK(e.format() ==
        "/orch-test-nowhere/pipeline.yaml:4: task 'News Events': unknown key "
        "'dependncies' (did you mean 'dependencies'?)");
}

TEST_CASE("refused: a key that is the start of a known key suggests it") {
  const auto e = single_error(load(daily_task("    max_runtime: 60\n")));
  CHECK(e.line == 4);
  CHECK(e.message == "unknown key 'max_runtime'");
  CHECK(e.hint == "did you mean 'max_runtime_seconds'?");
}

TEST_CASE("refused: intraday keys in a daily task and `time` in an intraday task") {
  for (const char* key : {"interval_minutes: 5", "interval_seconds: 5", "market_hours_only: true",
                          "session: regular"}) {
    CAPTURE(key);
    const auto e = single_error(load(daily_task(std::string("    ") + key + "\n")));
    CHECK(e.line == 4);
    CHECK(e.task == "A");
    CHECK(has(e.message, "unknown key"));
    CHECK(has(e.hint, "only for intraday_schedule tasks"));
  }
  const auto e =
      single_error(load(intraday_task("    interval_minutes: 1\n    time: \"09:30\"\n")));
  CHECK(e.line == 5);
  CHECK(e.task == "Q");
  CHECK(e.message == "unknown key 'time'");
  CHECK(has(e.hint, "only for daily_schedule tasks"));
}

TEST_CASE("refused: wrong types in a task") {
  struct Case {
    std::string keys;
    int line;
    std::string words;
  };
  const Case cases[] = {
      {"    args: --fast\n", 4, "'args' must be a list"},
      {"    args: [[1]]\n", 4, "item 1 of 'args'"},
      {"    critical: maybe\n", 4, "'critical' must be true or false, got 'maybe'"},
      {"    env: [A, B]\n", 4, "'env' must be a map"},
      {"    env: { A: [1] }\n", 4, "'env.A' must be a single value"},
      {"    env: { BAD-NAME: 1 }\n", 4, "bad environment variable name 'BAD-NAME'"},
      {"    dependencies: B\n", 4, "'dependencies' must be a list"},
      {"    tier: one\n", 4, "'tier' must be a whole number, got 'one'"},
      {"    tier: -1\n", 4, "'tier' must be at least 0"},
      {"    tier:\n", 4, "'tier' has no value"},
      {"    data_source: [x]\n", 4, "'data_source' must be a single value"},
      {"    retry_policy: 3\n", 4, "'retry_policy' must be a map"},
      {"    time: [9, 30]\n", 4, "'time' must be a single value"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.keys);
    const auto e = single_error(load(daily_task(c.keys)));
    CHECK(e.line == c.line);
    CHECK(e.task == "A");
    CHECK(has(e.message, c.words));
    CHECK_FALSE(e.hint.empty());
  }
  const auto list_name = load("daily_schedule:\n  - name: [A]\n    script: a.sh\n");
  CHECK(has(single_error(list_name).message, "'name' must be a single value"));
  CHECK(has(single_error(load("daily_schedule:\n  - just a string\n")).message, "must be a map"));
}

TEST_CASE("env values may be strings, numbers or bools; args are scalars") {
  const auto result =
      load(daily_task("    env: { B: 2, A: yes, C: text, D: }\n    args: [1, --x]\n"));
  REQUIRE(result.config.has_value());
  const auto& env = result.config->daily.at(0).env;
  REQUIRE(env.size() == 4);
  CHECK(env[0] == std::pair<std::string, std::string>{"B", "2"});  // file order kept
  CHECK(env[1] == std::pair<std::string, std::string>{"A", "yes"});
  CHECK(env[2].second == "text");
  CHECK(env[3].second == "");
  CHECK(result.config->daily.at(0).args == std::vector<std::string>{"1", "--x"});
}

TEST_CASE("refused: duplicate task names, across both schedules") {
  const auto e =
      single_error(load("daily_schedule:\n  - name: A\n    script: a.sh\n"
                        "intraday_schedule:\n  - name: A\n    script: b.sh\n"
                        "    interval_minutes: 1\n"));
  CHECK(e.line == 5);
  CHECK(e.task == "A");
  CHECK(has(e.message, "duplicate task name"));
  CHECK(has(e.message, "line 2"));
}

TEST_CASE("refused: a dependency on an unknown task, with the nearest name") {
  const auto e =
      single_error(load("daily_schedule:\n  - name: Asset Collection\n    script: a.sh\n"
                        "  - name: Prices\n    script: p.sh\n"
                        "    dependencies:\n      - Asset Colection\n"));
  CHECK(e.line == 7);
  CHECK(e.task == "Prices");
  CHECK(e.message == "depends on unknown task 'Asset Colection'");
  CHECK(e.hint == "did you mean 'Asset Collection'?");
  const auto far = single_error(load(daily_task("    dependencies: [Zebra]\n")));
  CHECK(has(far.hint, "exact name of a task in daily_schedule"));
}

TEST_CASE("refused: a dependency on a task of the other schedule") {
  const auto e = single_error(
      load(daily_task("    dependencies: [Q]\n") + intraday_task("    interval_minutes: 1\n")));
  CHECK(e.line == 4);
  CHECK(e.task == "A");
  CHECK(e.message == "depends on 'Q', a task of intraday_schedule");
  CHECK(has(e.hint, "only on tasks of daily_schedule"));
}

TEST_CASE("refused: a cycle, named, and no tier errors for it") {
  const auto e = single_error(load(R"(daily_schedule:
  - name: A
    script: a.sh
    tier: 1
    dependencies: [B]
  - name: B
    script: b.sh
    tier: 1
    dependencies: [A]
)"));
  CHECK(e.line == 5);
  CHECK(e.task == "A");
  CHECK(has(e.message, "A -> B -> A"));
  CHECK_FALSE(e.hint.empty());
  const auto self = single_error(load(daily_task("    dependencies: [A]\n")));
  CHECK(has(self.message, "A -> A"));
}

TEST_CASE("cycles are reported before tier rules, in either schedule") {
  const auto result = load(R"(daily_schedule:
  - name: A
    script: a.sh
    tier: 0
  - name: B
    script: b.sh
    tier: 0
    dependencies: [A]
intraday_schedule:
  - name: X
    script: x.sh
    interval_minutes: 1
    dependencies: [Y]
  - name: Y
    script: y.sh
    interval_minutes: 1
    dependencies: [X]
)");
  REQUIRE(result.errors.size() == 2);
  CHECK(has(result.errors[0].message, "X -> Y -> X"));
  CHECK(result.errors[0].line == 13);
  CHECK(has(result.errors[1].message, "in tier 0 but depends on 'A' in tier 0"));
}

TEST_CASE("refused: a dependency on a task of the same or a higher tier") {
  const auto same = single_error(load(R"(daily_schedule:
  - name: Assets
    script: a.sh
    tier: 1
  - name: Prices
    script: p.sh
    tier: 1
    dependencies: [Assets]
)"));
  CHECK(same.line == 8);
  CHECK(same.task == "Prices");
  CHECK(same.message ==
        "is in tier 1 but depends on 'Assets' in tier 1; a task must be in a higher tier than its "
        "dependencies");
  CHECK(same.hint == "raise 'Prices' to tier 2 or more, or remove the dependency");
  const auto higher = single_error(load(R"(daily_schedule:
  - name: Assets
    script: a.sh
    tier: 3
  - name: Prices
    script: p.sh
    tier: 1
    dependencies: [Assets]
)"));
  CHECK(has(higher.message, "tier 1 but depends on 'Assets' in tier 3"));
  CHECK(has(higher.hint, "tier 4"));
}

TEST_CASE("missing tiers are computed from dependencies") {
  const auto result = load(R"(daily_schedule:
  - name: Features
    script: f.sh
    dependencies: [Prices, Fundamentals]
  - name: Assets
    script: a.sh
  - name: Prices
    script: p.sh
    dependencies: [Assets]
  - name: Fundamentals
    script: u.sh
    tier: 4
    dependencies: [Assets]
)");
  REQUIRE(result.config.has_value());
  const auto& daily = result.config->daily;
  REQUIRE(daily.size() == 4);
  CHECK(daily[0].tier == 5);
  CHECK_FALSE(daily[0].tier_explicit);
  CHECK(daily[1].tier == 0);
  CHECK(daily[2].tier == 1);
  CHECK(daily[3].tier == 4);
  CHECK(daily[3].tier_explicit);
  CHECK(daily[0].dependencies == std::vector<std::string>{"Prices", "Fundamentals"});
}

TEST_CASE("intraday tasks need exactly one interval") {
  const auto both =
      single_error(load(intraday_task("    interval_minutes: 1\n    interval_seconds: 5\n")));
  CHECK(both.line == 5);
  CHECK(both.task == "Q");
  CHECK(has(both.message, "both interval_minutes and interval_seconds"));
  const auto neither = single_error(load(intraday_task("")));
  CHECK(neither.line == 2);
  CHECK(has(neither.message, "needs interval_minutes or interval_seconds"));
  const auto result = load(intraday_task("    interval_minutes: 5\n"));
  REQUIRE(result.config.has_value());
  CHECK(result.config->intraday.at(0).interval == minutes{5});
  CHECK(result.config->intraday.at(0).max_runtime == minutes{5});
}

TEST_CASE("refused: zero or negative task durations") {
  struct Case {
    std::string yaml;
    std::string words;
  };
  const Case cases[] = {
      {intraday_task("    interval_minutes: -1\n"), "'interval_minutes' must be greater than 0"},
      {intraday_task("    interval_seconds: 0\n"), "'interval_seconds' must be greater than 0"},
      {intraday_task("    interval_minutes: 1.5\n"), "whole number of minutes"},
      {intraday_task("    interval_seconds: 5\n    max_runtime_seconds: 0\n"),
       "'max_runtime_seconds' must be greater than 0"},
      {daily_task("    max_runtime_seconds: -10\n"),
       "'max_runtime_seconds' must be greater than 0"},
      {daily_task("    retry_policy: { max_attempts: 0 }\n"),
       "'retry_policy.max_attempts' must be at least 1"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    const auto e = single_error(load(c.yaml));
    CHECK(e.line >= 4);
    CHECK(has(e.message, c.words));
  }
}

TEST_CASE("refused: bad session and bad time") {
  const auto session =
      single_error(load(intraday_task("    interval_minutes: 1\n    session: extnded\n")));
  CHECK(session.line == 5);
  CHECK(has(session.message, "regular, extended"));
  CHECK(session.hint == "did you mean 'extended'?");
  const auto time = single_error(load(daily_task("    time: \"25:00\"\n")));
  CHECK(time.line == 4);
  CHECK(time.task == "A");
  CHECK(has(time.message, "'25:00'"));
  CHECK(has(single_error(load(daily_task("    time: \"9:30\"\n"))).hint, "\"09:30\""));
  const auto ok = load(daily_task("    time: \"16:05:30\"\n"));
  REQUIRE(ok.config.has_value());
  CHECK(ok.config->daily.at(0).time->since_midnight == hours{16} + minutes{5} + seconds{30});
}

TEST_CASE("extended sessions and market_hours_only are read") {
  const auto result =
      load(intraday_task("    interval_seconds: 30\n    session: extended\n"
                         "    market_hours_only: yes\n    data_source: quotes\n"));
  REQUIRE(result.config.has_value());
  const TaskSpec& q = result.config->intraday.at(0);
  CHECK(q.session == SessionKind::Extended);
  CHECK(q.market_hours_only);
  CHECK(q.data_source == "quotes");
  CHECK(q.interval == Seconds{30});
}

TEST_CASE("refused: a schedule that is not a list") {
  const auto e = single_error(load("intraday_schedule: Q\n"));
  CHECK(e.line == 1);
  CHECK(has(e.message, "'intraday_schedule' must be a list of tasks"));
}

TEST_CASE("missing scripts are reported apart from errors") {
  const TempDir tmp("orch_config");
  const fs::path& dir = tmp.path;
  fs::create_directories(dir / "collectors");
  write_file(dir / "collectors/present.sh", "#!/bin/sh\n");
  const std::string text = R"(daily_schedule:
  - name: Present
    script: collectors/present.sh
  - name: Absent
    script: collectors/absent.sh
  - name: Folder
    script: collectors
  - name: Absolute
    script: /orch-test-nowhere/abs.sh
)";
  const auto result = load_config_text(text, dir / "dependency_graph.yaml");
  CHECK(result.errors.empty());
  REQUIRE(result.config.has_value());  // not fatal: run modes go on
  CHECK(result.config->daily.at(0).script_path == dir / "collectors/present.sh");
  CHECK(result.config->daily.at(3).script_path == "/orch-test-nowhere/abs.sh");
  REQUIRE(result.missing_scripts.size() == 3);
  const auto& absent = result.missing_scripts[0];
  CHECK(absent.line == 5);
  CHECK(absent.task == "Absent");
  CHECK(has(absent.message, (dir / "collectors/absent.sh").string()));
  CHECK(has(absent.message, "does not exist"));
  CHECK(has(absent.hint, "create it or fix 'script'"));
  CHECK(result.missing_scripts[1].task == "Folder");
  CHECK(has(result.missing_scripts[1].message, "is a directory"));
  CHECK(result.missing_scripts[2].task == "Absolute");
}

TEST_CASE("errors in several tasks are all reported") {
  const auto result = load(R"(daily_schedule:
  - name: A
    script: a.sh
    critical: perhaps
  - name: B
    scrpt: b.sh
  - name: C
    script: c.sh
    dependencies: [D]
)");
  REQUIRE(result.errors.size() == 4);
  CHECK(result.errors[0].line == 4);
  CHECK(result.errors[1].line == 6);  // unknown key 'scrpt'
  CHECK(result.errors[1].hint == "did you mean 'script'?");
  CHECK(result.errors[2].line == 5);  // so B has no script
  CHECK(result.errors[3].line == 9);  // unknown dependency
}
