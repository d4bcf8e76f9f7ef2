// config/: defaults, the manual's full example, top-level settings and their refusals.
// Task and graph rules are in test_config_tasks.cpp.
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

const std::string kOneTask = "daily_schedule:\n  - name: A\n    script: a.sh\n";

const char* const kManualExample =
    R"(timezone: America/New_York        # schedule times and trading dates are in this zone
database: data/pipeline.db        # relative paths are relative to this file's folder
log_dir: logs
max_parallel: 4
kill_grace_seconds: 10            # SIGTERM, then SIGKILL this long after
daily_days: trading               # trading | weekdays | all: the days --full runs the daily DAG
metrics_file: metrics/orchestrator.prom   # optional: Prometheus textfile, rewritten atomically
on_failure:                       # optional: run when a task fails for good or a source turns red
  command: ["scripts/notify.sh"]
  timeout_seconds: 30

market_hours:
  calendar: NYSE                  # built-in rules: holidays and 13:00 early closes
  open: "09:30"
  close: "16:00"
  pre_market_open: "04:00"
  post_market_close: "20:00"
  extra_closures: ["2027-01-09"]  # ad-hoc full closures
  extra_early_closes: {}          # date: "HH:MM"

retry_policy:
  max_attempts: 3                 # attempts in all, the first included
  backoff_seconds: [10, 30, 60]   # wait before attempt 2, 3, 4...; the last value repeats

freshness_thresholds:             # seconds; age < green is green, < yellow is yellow, else red
  green:  { price_data: 300, fundamentals: 86400 }
  yellow: { price_data: 900, fundamentals: 172800 }

daily_schedule:
  - name: "Asset Collection"
    script: "collectors/01_collect_assets.py"
    args: ["--universe", "sp500"]   # optional
    env: { KEY: value }             # optional
    time: "09:30:00"                # not-before time on the trading date (see 3)
    tier: 0
    dependencies: []
    max_runtime_seconds: 120
    critical: true
    data_source: assets             # optional; default: the name in snake_case
    retry_policy: { max_attempts: 1 }  # optional per-task override

intraday_schedule:
  - name: "Price Data"
    script: "collectors/02_collect_price_data.py"
    interval_minutes: 1             # or interval_seconds: 5 for sub-minute collectors
    tier: 0
    dependencies: []
    max_runtime_seconds: 45
    critical: true
    market_hours_only: true
    session: regular                # regular | extended (pre + regular + post)
)";

}  // namespace

TEST_CASE("ConfigDiagnostic::format: file:line: task 'X': message (hint)") {
  const ConfigDiagnostic with_task{"pipeline.yaml", 12, "News Events", "unknown key 'dependncies'",
                                   "did you mean 'dependencies'?"};
  CHECK(with_task.format() ==
        "pipeline.yaml:12: task 'News Events': unknown key 'dependncies' (did you mean "
        "'dependencies'?)");
  const ConfigDiagnostic bare{"p.yaml", 0, "", "cannot read", ""};
  CHECK(bare.format() == "p.yaml: cannot read");
}

TEST_CASE("snake_case lowercases and joins words with single underscores") {
  CHECK(snake_case("Asset Collection") == "asset_collection");
  CHECK(snake_case("ML Features Aggregation") == "ml_features_aggregation");
  CHECK(snake_case("  News -- Events (v2)! ") == "news_events_v2");
  CHECK(snake_case("price_data") == "price_data");
  CHECK(snake_case("") == "");
  // Letters of any script count; only ASCII is lowercased; symbols and emoji separate words.
  CHECK(snake_case("価格データ") == "価格データ");
  CHECK(snake_case("Цены акций") == "Цены_акций");
  CHECK(snake_case("Café Prices") != snake_case("Cafè Prices"));
  CHECK(snake_case("— ★ 🚀 —") == "");
  CHECK(snake_case("Prices\xff\xfe"
                   "EU") == "prices_eu");  // invalid UTF-8 separates
}

TEST_CASE("RetryPolicy::backoff_before: backoff[attempt - 2], last value repeats") {
  RetryPolicy policy{4, {Seconds{10}, Seconds{30}}};
  CHECK(policy.backoff_before(2) == Seconds{10});
  CHECK(policy.backoff_before(3) == Seconds{30});
  CHECK(policy.backoff_before(7) == Seconds{30});
  CHECK(policy.backoff_before(1) == Seconds{0});
  CHECK(RetryPolicy{}.backoff_before(2) == Seconds{0});
}

TEST_CASE("defaults fill in every absent key") {
  const auto result = load(kOneTask +
                           "intraday_schedule:\n  - name: Quotes Feed\n    script: q.sh\n"
                           "    interval_seconds: 5\n");
  REQUIRE(result.errors.empty());
  REQUIRE(result.config.has_value());
  const PipelineConfig& c = *result.config;
  CHECK(c.file == kFile);
  CHECK(c.base_dir == kFile.parent_path());
  CHECK(c.timezone == "America/New_York");
  CHECK(c.database == kFile.parent_path() / "data/pipeline.db");
  CHECK(c.log_dir == kFile.parent_path() / "logs");
  CHECK_FALSE(c.metrics_file.has_value());
  CHECK_FALSE(c.on_failure.has_value());
  CHECK(c.max_parallel == 4);
  CHECK(c.kill_grace == Seconds{10});
  CHECK(c.daily_days == DailyDays::Trading);
  CHECK(c.retry_policy.max_attempts == 1);
  CHECK(c.retry_policy.backoff.empty());
  CHECK(c.market_hours.calendar == "NYSE");
  CHECK(c.market_hours.open.since_midnight == hours{9} + minutes{30});
  CHECK(c.market_hours.close.since_midnight == hours{16});
  CHECK(c.market_hours.pre_market_open.since_midnight == hours{4});
  CHECK(c.market_hours.post_market_close.since_midnight == hours{20});
  CHECK(c.freshness.green.empty());
  REQUIRE(c.daily.size() == 1);
  const TaskSpec& a = c.daily[0];
  CHECK(a.schedule == Schedule::Daily);
  CHECK(a.script_path == kFile.parent_path() / "a.sh");
  CHECK(a.max_runtime == Seconds{3600});
  CHECK_FALSE(a.critical);
  CHECK(a.data_source == "a");
  CHECK(a.tier == 0);
  CHECK_FALSE(a.tier_explicit);
  CHECK_FALSE(a.time.has_value());
  CHECK_FALSE(a.retry.has_value());
  CHECK(a.line == 2);
  REQUIRE(c.intraday.size() == 1);
  const TaskSpec& q = c.intraday[0];
  CHECK(q.schedule == Schedule::Intraday);
  CHECK(q.interval == Seconds{5});
  CHECK(q.max_runtime == Seconds{5});
  CHECK_FALSE(q.market_hours_only);
  CHECK(q.session == SessionKind::Regular);
  CHECK(q.data_source == "quotes_feed");
  CHECK(c.retry_for(q).max_attempts == 1);
}

TEST_CASE("the manual's full example loads with every value") {
  const auto result = load(kManualExample);
  for (const auto& e : result.errors) INFO(e.format());
  REQUIRE(result.errors.empty());
  REQUIRE(result.config.has_value());
  const PipelineConfig& c = *result.config;
  const fs::path base = kFile.parent_path();
  CHECK(c.database == base / "data/pipeline.db");
  CHECK(c.metrics_file == base / "metrics/orchestrator.prom");
  REQUIRE(c.on_failure.has_value());
  CHECK(c.on_failure->command == std::vector<std::string>{"scripts/notify.sh"});
  CHECK(c.on_failure->timeout == Seconds{30});
  CHECK(c.market_hours.extra_closures == std::vector<year_month_day>{year{2027} / 1 / 9});
  CHECK(c.market_hours.extra_early_closes.empty());
  CHECK(c.retry_policy.max_attempts == 3);
  CHECK(c.retry_policy.backoff == std::vector<Seconds>{Seconds{10}, Seconds{30}, Seconds{60}});
  CHECK(c.freshness.green.at("price_data") == Seconds{300});
  CHECK(c.freshness.yellow.at("fundamentals") == Seconds{172800});

  REQUIRE(c.daily.size() == 1);
  const TaskSpec& assets = c.daily[0];
  CHECK(assets.name == "Asset Collection");
  CHECK(assets.script == "collectors/01_collect_assets.py");
  CHECK(assets.script_path == base / "collectors/01_collect_assets.py");
  CHECK(assets.args == std::vector<std::string>{"--universe", "sp500"});
  REQUIRE(assets.env.size() == 1);
  CHECK(assets.env[0] == std::pair<std::string, std::string>{"KEY", "value"});
  REQUIRE(assets.time.has_value());
  CHECK(assets.time->since_midnight == hours{9} + minutes{30});
  CHECK(assets.tier_explicit);
  CHECK(assets.max_runtime == Seconds{120});
  CHECK(assets.critical);
  CHECK(assets.data_source == "assets");
  REQUIRE(assets.retry.has_value());
  CHECK(assets.retry->max_attempts == 1);
  CHECK(c.retry_for(assets).max_attempts == 1);
  CHECK(assets.line == 30);

  REQUIRE(c.intraday.size() == 1);
  const TaskSpec& prices = c.intraday[0];
  CHECK(prices.interval == Seconds{60});
  CHECK(prices.max_runtime == Seconds{45});
  CHECK(prices.market_hours_only);
  CHECK(prices.session == SessionKind::Regular);
  CHECK(prices.data_source == "price_data");

  // fundamentals has thresholds but no task writes it; both scripts are missing here, and so
  // is the on_failure command (a warning: alerts fail, tasks run)
  REQUIRE(result.warnings.size() == 2);
  const auto& threshold =
      has(result.warnings[0].message, "'fundamentals'") ? result.warnings[0] : result.warnings[1];
  const auto& alert = &threshold == &result.warnings[0] ? result.warnings[1] : result.warnings[0];
  CHECK(threshold.line == 26);
  CHECK(has(threshold.message, "'fundamentals'"));
  CHECK(has(alert.message, "on_failure.command: 'scripts/notify.sh' was not found"));
  CHECK(result.missing_scripts.size() == 2);
}

TEST_CASE("a relative pipeline path is made absolute; diagnostics keep it as given") {
  const auto result = load_config_text("max_parallel: 0\n" + kOneTask, "conf/pipeline.yaml");
  CHECK(single_error(result).file == "conf/pipeline.yaml");
  const auto ok = load_config_text(kOneTask, "conf/pipeline.yaml");
  REQUIRE(ok.config.has_value());
  CHECK(ok.config->file.is_absolute());
  CHECK(ok.config->file == fs::current_path() / "conf/pipeline.yaml");
  CHECK(ok.config->base_dir == fs::current_path() / "conf");
}

TEST_CASE("refused: a pipeline file that does not exist or is a directory (line 0)") {
  const auto missing = load_config("/orch-test-nowhere/dependency_graph.yaml");
  const auto e = single_error(missing);
  CHECK(e.line == 0);
  CHECK(e.file == "/orch-test-nowhere/dependency_graph.yaml");
  CHECK(has(e.message, "does not exist"));
  CHECK_FALSE(e.hint.empty());
  const auto dir = load_config(fs::temp_directory_path());
  CHECK(has(single_error(dir).message, "is a directory"));
}

TEST_CASE("load_config reads a real file and anchors paths at its folder") {
  const TempDir tmp("orch_config");
  const fs::path& dir = tmp.path;
  write_file(dir / "dependency_graph.yaml", "database: state/db.sqlite\n" + std::string(kOneTask));
  const auto result = load_config(dir / "dependency_graph.yaml");
  REQUIRE(result.config.has_value());
  CHECK(result.config->database == dir / "state/db.sqlite");
  CHECK(result.config->daily.at(0).script_path == dir / "a.sh");
}

TEST_CASE("refused: YAML syntax error, with its line") {
  const auto e = single_error(load("timezone: UTC\nmax_parallel: 4\n  bad: [1, 2\n"));
  CHECK(e.line == 3);
  CHECK(has(e.message, "YAML syntax error"));
  CHECK_FALSE(e.hint.empty());
}

TEST_CASE("refused: an empty file and a top level that is not a map") {
  CHECK(has(single_error(load("")).message, "empty"));
  const auto e = single_error(load("- a\n- b\n"));
  CHECK(e.line == 1);
  CHECK(has(e.message, "top level must be a map"));
}

TEST_CASE("refused: unknown top-level key, with the nearest known key") {
  const auto e =
      single_error(load("timezone: UTC\ndaily_schedul:\n  - name: A\n    script: a.sh\n"));
  CHECK(e.line == 2);
  CHECK(e.task.empty());
  CHECK(e.message == "unknown key 'daily_schedul'");
  CHECK(e.hint == "did you mean 'daily_schedule'?");
}

TEST_CASE("refused: an unknown key far from any known one lists the known keys") {
  const auto e = single_error(load("colour: blue\n" + kOneTask));
  CHECK(e.line == 1);
  CHECK(has(e.hint, "known keys: timezone"));
}

TEST_CASE("refused: a task key at the top level says where it belongs") {
  const auto e = single_error(load(kOneTask + "script: x.sh\n"));
  CHECK(e.line == 4);
  CHECK(has(e.hint, "inside a task"));
  // keys of daily tasks only, intraday tasks only, and both
  for (const char* key : {"time: \"06:00\"", "session: regular", "resources: {}"}) {
    const auto other = single_error(load(kOneTask + key + "\n"));
    INFO(key);
    CHECK(has(other.hint, "inside a task"));
  }
}

TEST_CASE("refused: unknown keys in market_hours, retry_policy, freshness_thresholds, on_failure") {
  const auto result = load(R"(market_hours:
  opne: "09:30"
retry_policy:
  max_attempt: 3
freshness_thresholds:
  gren: { a: 10 }
on_failure:
  command: ["n.sh"]
  timeout: 5
)" + kOneTask);
  REQUIRE(result.errors.size() == 4);  // in file order
  CHECK(result.errors[0].line == 2);
  CHECK(result.errors[0].message == "unknown key 'opne' in market_hours");
  CHECK(result.errors[0].hint == "did you mean 'open'?");
  CHECK(result.errors[1].line == 4);
  CHECK(result.errors[1].hint == "did you mean 'max_attempts'?");
  CHECK(result.errors[2].line == 6);
  CHECK(result.errors[2].message == "unknown key 'gren' in freshness_thresholds");
  CHECK(result.errors[2].hint == "did you mean 'green'?");
  CHECK(result.errors[3].line == 9);
  CHECK(result.errors[3].message == "unknown key 'timeout' in on_failure");  // a prefix of it
  CHECK(result.errors[3].hint == "did you mean 'timeout_seconds'?");
}

TEST_CASE("refused: duplicate keys") {
  const auto e = single_error(load("max_parallel: 2\nmax_parallel: 3\n" + kOneTask));
  CHECK(e.line == 2);
  CHECK(has(e.message, "duplicate key 'max_parallel'"));
  CHECK(has(e.message, "line 1"));
}

TEST_CASE("refused: wrong types") {
  const auto text = single_error(load("max_parallel: four\n" + kOneTask));
  CHECK(text.line == 1);
  CHECK(text.message == "'max_parallel' must be a whole number, got 'four'");
  CHECK(has(text.hint, "max_parallel: 4"));
  CHECK(has(single_error(load("max_parallel: 2.5\n" + kOneTask)).message, "whole number"));
  CHECK(has(single_error(load("max_parallel: [1]\n" + kOneTask)).message, "not a list"));
  CHECK(has(single_error(load("database: {a: 1}\n" + kOneTask)).message, "not a map"));
  CHECK(has(single_error(load("kill_grace_seconds: soon\n" + kOneTask)).message,
            "whole number of seconds"));
  CHECK(has(single_error(load("market_hours: NYSE\n" + kOneTask)).message,
            "'market_hours' must be a map"));
  CHECK(has(single_error(load("daily_schedule: {name: A}\n")).message, "must be a list of tasks"));
}

TEST_CASE("refused: huge numbers are errors, not overflow") {
  const auto e = single_error(load("kill_grace_seconds: 99999999999999999999999999\n" + kOneTask));
  CHECK(e.line == 1);
  CHECK(has(e.message, "too large"));
  CHECK(has(single_error(load("kill_grace_seconds: 9000000000000000000\n" + kOneTask)).message,
            "too large"));
  CHECK(has(single_error(load("max_parallel: 4294967297\n" + kOneTask)).message, "at most 10000"));
}

TEST_CASE("refused: an unknown time zone, with the nearest zone") {
  const auto e = single_error(load("timezone: America/New_Yrok\n" + kOneTask));
  CHECK(e.line == 1);
  CHECK(e.message == "unknown time zone 'America/New_Yrok'");
  CHECK(e.hint == "did you mean 'America/New_York'?");
  CHECK(has(single_error(load("timezone: Mars/Olympus\n" + kOneTask)).hint, "IANA"));
  const auto ok = load("timezone: Europe/London\n" + kOneTask);
  REQUIRE(ok.config.has_value());
  CHECK(ok.config->timezone == "Europe/London");
}

TEST_CASE("refused: bad market hours times, order, calendar") {
  const auto bad_time = single_error(load("market_hours:\n  close: \"25:00\"\n" + kOneTask));
  CHECK(bad_time.line == 2);
  CHECK(has(bad_time.message, "'market_hours.close'"));
  CHECK(has(bad_time.message, "'25:00'"));
  CHECK(has(bad_time.hint, "HH:MM"));
  const auto order = single_error(load("market_hours:\n  open: \"16:30\"\n" + kOneTask));
  CHECK(order.line == 1);
  CHECK(has(order.message, "out of order"));
  const auto calendar = single_error(load("market_hours:\n  calendar: LSE\n" + kOneTask));
  CHECK(calendar.line == 2);
  CHECK(has(calendar.message, "'LSE'"));
  CHECK(has(calendar.hint, "NYSE"));
}

TEST_CASE("refused: bad dates in extra_closures and extra_early_closes") {
  const auto closure = single_error(load(
      "market_hours:\n  extra_closures:\n    - \"2027-01-09\"\n    - \"2027-02-30\"\n" + kOneTask));
  CHECK(closure.line == 4);
  CHECK(has(closure.message, "extra_closures"));
  CHECK(has(closure.message, "'2027-02-30'"));
  const auto early = single_error(
      load("market_hours:\n  extra_early_closes:\n    \"2027-13-01\": \"13:00\"\n" + kOneTask));
  CHECK(early.line == 3);
  CHECK(has(early.message, "extra_early_closes"));
  const auto late = single_error(
      load("market_hours:\n  extra_early_closes: {\"2027-11-26\": \"17:00\"}\n" + kOneTask));
  CHECK(has(late.message, "not between open"));
}

TEST_CASE("extra_early_closes are read by date") {
  const auto result =
      load("market_hours:\n  extra_early_closes: {\"2027-11-26\": \"13:00\"}\n" + kOneTask);
  REQUIRE(result.config.has_value());
  const auto& early = result.config->market_hours.extra_early_closes;
  REQUIRE(early.size() == 1);
  CHECK(early.at(sys_days{year{2027} / 11 / 26}).since_midnight == hours{13});
}

TEST_CASE("refused: zero or negative durations and counts") {
  struct Case {
    std::string yaml;
    std::string key;
    std::string words;
  };
  const Case cases[] = {
      {"kill_grace_seconds: 0\n", "'kill_grace_seconds'", "greater than 0"},
      {"kill_grace_seconds: -5\n", "'kill_grace_seconds'", "greater than 0"},
      {"max_parallel: 0\n", "'max_parallel'", "at least 1"},
      {"retry_policy:\n  max_attempts: 0\n", "'retry_policy.max_attempts'", "at least 1"},
      {"retry_policy:\n  backoff_seconds: [5, -1]\n", "'retry_policy.backoff_seconds[1]'",
       "must not be negative"},
      {"on_failure:\n  command: [n.sh]\n  timeout_seconds: 0\n", "'on_failure.timeout_seconds'",
       "greater than 0"},
      {"freshness_thresholds:\n  green: { a: 0 }\n", "'freshness_thresholds.green.a'",
       "greater than 0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    const auto e = single_error(load(c.yaml + kOneTask));
    CHECK(has(e.message, c.key));
    CHECK(has(e.message, c.words));
    CHECK(e.line >= 1);
  }
  const auto zero_backoff = load("retry_policy:\n  backoff_seconds: [0, 10]\n" + kOneTask);
  REQUIRE(zero_backoff.config.has_value());
  CHECK(zero_backoff.config->retry_policy.backoff_before(2) == Seconds{0});
}

TEST_CASE("refused: daily_days outside trading|weekdays|all") {
  const auto e = single_error(load("daily_days: weekday\n" + kOneTask));
  CHECK(e.line == 1);
  CHECK(has(e.message, "trading, weekdays, all"));
  CHECK(e.hint == "did you mean 'weekdays'?");
  const auto ok = load("daily_days: all\n" + kOneTask);
  REQUIRE(ok.config.has_value());
  CHECK(ok.config->daily_days == DailyDays::All);
}

TEST_CASE("refused: on_failure.command must be a non-empty list of strings") {
  const auto empty = single_error(load("on_failure:\n  command: []\n" + kOneTask));
  CHECK(empty.line == 2);
  CHECK(has(empty.message, "on_failure.command is empty"));
  const auto text = single_error(load("on_failure:\n  command: notify.sh\n" + kOneTask));
  CHECK(has(text.message, "must be a list"));
  const auto nested = single_error(load("on_failure:\n  command: [[a]]\n" + kOneTask));
  CHECK(has(nested.message, "item 1"));
  const auto missing = single_error(load("on_failure:\n  timeout_seconds: 5\n" + kOneTask));
  CHECK(missing.line == 1);
  CHECK(has(missing.message, "no 'command'"));
}

TEST_CASE("refused: a yellow threshold lower than green") {
  const auto e = single_error(
      load("freshness_thresholds:\n  green: { a: 300 }\n  yellow: { a: 100 }\n" + kOneTask));
  CHECK(e.line == 3);
  CHECK(has(e.message, "yellow.a"));
  CHECK(has(e.message, "lower than green"));
  CHECK(load("freshness_thresholds:\n  green: { a: 300 }\n  yellow: { a: 300 }\n" + kOneTask)
            .config.has_value());
}

TEST_CASE("warning: a threshold for a data source no task writes") {
  const auto result = load("freshness_thresholds:\n  green: { a: 10, prices: 5 }\n" + kOneTask);
  REQUIRE(result.config.has_value());
  REQUIRE(result.warnings.size() == 1);
  CHECK(result.warnings[0].line == 2);
  CHECK(has(result.warnings[0].message, "'prices'"));
  CHECK(has(result.warnings[0].message, "no task writes"));
}

TEST_CASE("a task's retry_policy takes the keys it leaves out from the global one") {
  const auto result = load(
      "retry_policy: { max_attempts: 3, backoff_seconds: [10, 30] }\n"
      "daily_schedule:\n  - name: A\n    script: a.sh\n    retry_policy: { max_attempts: 5 }\n");
  REQUIRE(result.config.has_value());
  const TaskSpec& a = result.config->daily.at(0);
  REQUIRE(a.retry.has_value());
  CHECK(a.retry->max_attempts == 5);
  CHECK(a.retry->backoff == std::vector<Seconds>{Seconds{10}, Seconds{30}});
}

TEST_CASE("every error in a file is reported, not just the first") {
  const auto result = load(
      "max_parallel: 0\nkill_grace_seconds: x\ndaily_days: never\n"
      "timezone: Nowhere/Land\n" +
      kOneTask);
  CHECK_FALSE(result.config.has_value());
  CHECK(result.errors.size() == 4);
}

TEST_CASE("hostile input never throws") {
  const std::string deep = std::string(20000, '[') + std::string(20000, ']');
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += static_cast<char>((i * 7919) % 256);
  const std::string inputs[] = {
      deep,
      binary,
      "\t\t: :",
      "? [a, b]\n: c\n",
      "*unknown_alias\n",
      "x: &a [1]\ndaily_schedule: *a\n",
      "daily_schedule: [~, 1, [2], {}]\n",
      "daily_schedule:\n  - name: A\n    script: a.sh\n    env: {? [x] : y}\n",
      std::string("timezone: \0\n", 12),
      "%YAML 9.9\n---\n",
  };
  for (const auto& text : inputs) {
    LoadResult result;
    CHECK_NOTHROW(result = load(text));
    CHECK_FALSE(result.config.has_value());
    CHECK_FALSE(result.errors.empty());
  }
}
