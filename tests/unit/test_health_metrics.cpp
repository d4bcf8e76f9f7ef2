// health/metrics (the Prometheus textfile, checked against the exposition rules promtool
// applies), store/health_queries on a real database, and the on_failure alert's request.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "helpers.h"
#include "orchestrator/health/alerts.h"
#include "orchestrator/health/metrics.h"
#include "orchestrator/store/health_queries.h"
#include "orchestrator/store/status_store.h"
#include "store/connection.h"  // the store's own connection, to read a column back

using namespace orch;
using namespace std::chrono;
namespace fs = std::filesystem;
using orch::test::TempDir;

namespace {

WallTime utc_at(int h, int m, int s = 0) {
  return WallTime{sys_days{2026y / 11 / 20}.time_since_epoch() + hours{h} + minutes{m} +
                  seconds{s}};
}

PipelineConfig metrics_config() {
  PipelineConfig c;
  TaskSpec a;
  a.name = "Asset \"Collection\"\\v2\nnew";
  a.data_source = "assets";
  TaskSpec b;
  b.name = "Price Data";
  b.data_source = "price_data";
  b.schedule = Schedule::Intraday;
  c.daily = {a};
  c.intraday = {b};
  return c;
}

// The rules `promtool check metrics` enforces on a text exposition, as far as we use them:
// valid names, HELP/TYPE once per family and before its samples, no duplicate series,
// counters ending in _total, numeric values.
std::vector<std::string> exposition_problems(const std::string& text) {
  static const std::regex name_re("[a-zA-Z_:][a-zA-Z0-9_:]*");
  static const std::regex sample_re(
      R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\})? (-?[0-9.eE+-]+|NaN|[+-]Inf))");
  std::vector<std::string> problems;
  std::map<std::string, std::string> types;
  std::set<std::string> seen_series, helped, families_with_samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
      std::istringstream words(line.substr(7));
      std::string name, rest;
      words >> name >> rest;
      if (!std::regex_match(name, name_re)) problems.push_back("bad name: " + line);
      if (line[2] == 'H' && !helped.insert(name).second) problems.push_back("second HELP: " + line);
      if (line[2] == 'T') {
        if (types.count(name)) problems.push_back("second TYPE: " + line);
        if (families_with_samples.count(name)) problems.push_back("TYPE after samples: " + line);
        types[name] = rest;
        if (rest == "counter" && !name.ends_with("_total"))
          problems.push_back("counter name: " + name);
      }
    } else if (std::regex_match(line, m, sample_re)) {
      const std::string name = m[1];
      if (!types.count(name)) problems.push_back("sample before TYPE: " + line);
      families_with_samples.insert(name);
      const std::string series = name + "{" + m[3].str() + "}";
      if (!seen_series.insert(series).second) problems.push_back("duplicate series: " + line);
    } else {
      problems.push_back("unparsable line: " + line);
    }
  }
  return problems;
}

}  // namespace

TEST_CASE("metrics: label values are escaped") {
  CHECK(escape_label_value("plain") == "plain");
  CHECK(escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("metrics: the textfile has tasks and sources, valid for promtool") {
  const PipelineConfig cfg = metrics_config();
  TaskHealthRow price;
  price.name = "Price Data";
  price.status = TaskStatus::Failed;
  price.consecutive_failures = 2;
  price.total_runs = 5;
  price.total_failures = 2;
  price.last_success = utc_at(14, 0, 0) + Millis{250};
  price.last_duration_seconds = 1.5;
  SourceFreshness ps;
  ps.name = "price_data";
  ps.status = Freshness::Red;
  ps.age = Millis{1'234'500};
  SourceFreshness as;
  as.name = "assets";
  as.status = Freshness::Unknown;
  const std::string text = render_metrics(cfg, {price}, {as, ps}, utc_at(15, 0));
  INFO(text);
  CHECK(exposition_problems(text).empty());
  for (const auto& p : exposition_problems(text)) MESSAGE(p);

  const std::string asset = "task=\"Asset \\\"Collection\\\"\\\\v2\\nnew\"";
  CHECK(text.find("# TYPE orchestrator_task_last_success_timestamp_seconds gauge\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_task_last_success_timestamp_seconds{task=\"Price Data\"} "
                  "1795183200.250\n") != std::string::npos);
  // Never succeeded: no sample rather than a misleading 0.
  CHECK(text.find("orchestrator_task_last_success_timestamp_seconds{" + asset) ==
        std::string::npos);
  CHECK(text.find("orchestrator_task_last_duration_seconds{task=\"Price Data\"} 1.500\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_task_consecutive_failures{task=\"Price Data\"} 2\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_task_consecutive_failures{" + asset + "} 0\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_task_status{task=\"Price Data\",status=\"FAILED\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_task_status{task=\"Price Data\",status=\"SUCCESS\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_task_status{" + asset + ",status=\"PENDING\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("# TYPE orchestrator_task_runs_total counter\n") != std::string::npos);
  CHECK(text.find("orchestrator_task_runs_total{task=\"Price Data\"} 5\n") != std::string::npos);
  CHECK(text.find("orchestrator_source_age_seconds{source=\"price_data\"} 1234.500\n") !=
        std::string::npos);
  CHECK(text.find("orchestrator_source_age_seconds{source=\"assets\"}") == std::string::npos);
  CHECK(text.find("orchestrator_source_status{source=\"price_data\"} 2\n") != std::string::npos);
  CHECK(text.find("orchestrator_source_status{source=\"assets\"} 3\n") != std::string::npos);
  CHECK(text.find("orchestrator_health_checked_timestamp_seconds 1795186800.000\n") !=
        std::string::npos);
}

TEST_CASE("metrics: the exposition checker catches what promtool would") {
  CHECK(exposition_problems("x_total{a=\"1\"} 1\n").size() == 1);        // sample before TYPE
  CHECK(exposition_problems("# TYPE x gauge\nx 1\nx 2\n").size() == 1);  // duplicate
  CHECK(exposition_problems("# TYPE x counter\nx 1\n").size() == 1);     // counter name
  CHECK(exposition_problems("# TYPE x gauge\nx{a=\"b\"c\"} 1\n").size() == 1);  // bad escape
}

TEST_CASE("health queries: rows, DATA_AS_OF of the latest success, failed tasks of a run") {
  TempDir dir;
  auto opened = StatusStore::open(dir.path / "status.db");
  REQUIRE(opened.has_value());
  StatusStore& s = **opened;
  auto run = s.begin_run("daily", "2026-11-20", utc_at(14, 0));
  REQUIRE(run.has_value());
  auto attempt = [&](const std::string& task, int n, WallTime at, TaskStatus status,
                     std::optional<std::string> as_of, bool final) {
    AttemptStart st;
    st.run_id = *run;
    st.task_name = task;
    st.attempt = n;
    st.scheduled_at = st.started_at = at;
    st.log_path = "/logs/" + task + std::to_string(n) + ".log";
    auto id = s.attempt_started(st);
    REQUIRE(id.has_value());
    AttemptEnd e;
    e.status = status;
    e.ended_at = at + seconds{2};
    e.duration = seconds{2};
    e.data_as_of = std::move(as_of);
    e.final = final;
    if (status != TaskStatus::Success) e.error = "exit code 1: boom";
    REQUIRE(s.attempt_finished(*id, task, e).has_value());
  };
  attempt("News", 1, utc_at(14, 0), TaskStatus::Success, "2026-11-20T13:00:00Z", true);
  attempt("News", 1, utc_at(14, 10), TaskStatus::Success, std::nullopt, true);  // latest: no as-of
  attempt("Prices", 1, utc_at(14, 0), TaskStatus::Success, "2026-11-20T13:55:00Z", true);
  attempt("Prices", 1, utc_at(14, 20), TaskStatus::Failed, std::nullopt, false);
  attempt("Prices", 2, utc_at(14, 21), TaskStatus::Failed, std::nullopt, true);

  auto rows = s.read_task_health();
  REQUIRE(rows.has_value());
  REQUIRE(rows->size() == 2);
  const TaskHealthRow& news = (*rows)[0];
  CHECK(news.name == "News");
  CHECK(news.success_ended_at == utc_at(14, 10, 2));
  CHECK_FALSE(news.success_data_as_of.has_value());  // only the latest success's counts
  CHECK(news.total_runs == 2);
  const TaskHealthRow& prices = (*rows)[1];
  CHECK(prices.status == TaskStatus::Failed);
  CHECK(prices.success_data_as_of == "2026-11-20T13:55:00Z");
  CHECK(prices.consecutive_failures == 1);
  CHECK(prices.last_duration_seconds == doctest::Approx(2.0));
  CHECK(prices.last_error == "exit code 1: boom");

  auto failed = s.read_failed_tasks(*run);
  REQUIRE(failed.has_value());
  REQUIRE(failed->size() == 1);
  CHECK((*failed)[0].name == "Prices");
  CHECK((*failed)[0].status == TaskStatus::Failed);
  CHECK((*failed)[0].log_path == "/logs/Prices2.log");
  CHECK(s.read_failed_tasks(*run + 1)->empty());

  auto readonly = StatusStore::read_task_health_readonly(dir.path / "status.db");
  REQUIRE(readonly.has_value());
  CHECK(readonly->size() == 2);
  CHECK(StatusStore::read_task_health_readonly(dir.path / "missing.db")->empty());
  CHECK_FALSE(fs::exists(dir.path / "missing.db"));
}

TEST_CASE("health queries: a source turning red is reported once per transition") {
  TempDir dir;
  auto opened = StatusStore::open(dir.path / "status.db");
  REQUIRE(opened.has_value());
  StatusStore& store = **opened;
  auto rec = [](const std::string& source, const std::string& status) {
    SourceRecord r;
    r.source = source;
    r.status = status;
    r.age_seconds = 10.0;
    return r;
  };
  CHECK(*store.stored_source_status("news") == "");
  auto red =
      store.record_source_freshness({rec("news", "red"), rec("prices", "green")}, utc_at(15, 0));
  REQUIRE(red.has_value());
  CHECK(*red == std::vector<std::string>{"news"});
  CHECK(store.record_source_freshness({rec("news", "red"), rec("prices", "yellow")}, utc_at(15, 1))
            ->empty());
  CHECK(*store.record_source_freshness({rec("news", "green"), rec("prices", "red")},
                                       utc_at(15, 2)) == std::vector<std::string>{"prices"});
  CHECK(*store.record_source_freshness({rec("news", "red"), rec("prices", "red")}, utc_at(15, 3)) ==
        std::vector<std::string>{"news"});
  CHECK(*store.stored_source_status("prices") == "red");
  // A source gone from the pipeline leaves the table.
  CHECK(store.record_source_freshness({rec("news", "red")}, utc_at(15, 4))->empty());
  CHECK(*store.stored_source_status("prices") == "");
  SQLite::Statement q(store_detail::connection_of(store).db(),
                      "SELECT checked_at, age_seconds FROM source_freshness WHERE source = 'news'");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getString() == "2026-11-20 15:04:00.000");
  CHECK(q.getColumn(1).getDouble() == doctest::Approx(10.0));
}

TEST_CASE("alerts: the request carries the details, resolved against the pipeline folder") {
  TempDir dir;
  fs::create_directories(dir.path / "scripts");
  const fs::path notify = dir.path / "scripts" / "notify.sh";
  { std::ofstream(notify) << "#!/bin/sh\nexit 0\n"; }
  fs::permissions(notify, fs::perms::owner_all);
  PipelineConfig cfg;
  cfg.base_dir = dir.path;
  cfg.log_dir = dir.path / "logs";
  cfg.database = dir.path / "data" / "pipeline.db";
  Alert alert;
  alert.kind = AlertKind::TaskFailed;
  alert.task = "News Events";
  alert.source = "news";
  alert.status = "TIMEOUT";
  alert.error = "timed out after 5m";
  alert.log = "/logs/news.log";
  alert.run_id = "42";
  CHECK_FALSE(alert_request(cfg, alert, {}, utc_at(15, 0)).has_value());  // no on_failure

  cfg.on_failure = AlertCommand{{"scripts/notify.sh", "--urgent"}, Seconds{7}};
  auto r = alert_request(cfg, alert, {"PATH=/usr/bin", "ORCHESTRATOR_RUN_ID=1"}, utc_at(15, 0));
  REQUIRE(r.has_value());
  CHECK(r->argv == std::vector<std::string>{notify.string(), "--urgent"});
  CHECK(r->cwd == dir.path);
  CHECK(r->timeout == Millis{7000});
  CHECK(r->log_path.parent_path() == dir.path / "logs" / "alerts");
  const std::set<std::string> env(r->env.begin(), r->env.end());
  for (const char* e :
       {"PATH=/usr/bin", "ORCHESTRATOR_ALERT_KIND=task_failed",
        "ORCHESTRATOR_ALERT_TASK=News Events", "ORCHESTRATOR_ALERT_SOURCE=news",
        "ORCHESTRATOR_ALERT_STATUS=TIMEOUT", "ORCHESTRATOR_ALERT_ERROR=timed out after 5m",
        "ORCHESTRATOR_ALERT_LOG=/logs/news.log", "ORCHESTRATOR_RUN_ID=42"}) {
    CHECK_MESSAGE(env.count(e) == 1, e);
  }
  CHECK(env.count("ORCHESTRATOR_RUN_ID=1") == 0);

  cfg.on_failure = AlertCommand{{"logger", "-t", "orch"}, Seconds{30}};  // bare name: PATH
  CHECK(alert_request(cfg, alert, {}, utc_at(15, 0))->argv ==
        std::vector<std::string>{"logger", "-t", "orch"});
  cfg.on_failure = AlertCommand{{"scripts/missing.sh"}, Seconds{30}};
  CHECK_FALSE(alert_request(cfg, alert, {}, utc_at(15, 0)).has_value());
}
