// health/freshness and ui/dashboard: colours at chosen instants, unknown sources, market-time
// ageing across a weekend and a holiday, DATA_AS_OF precedence, the text and JSON reports.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "orchestrator/health/freshness.h"
#include "orchestrator/ui/dashboard.h"

#include "helpers.h"

using namespace orch;
using namespace std::chrono;
using orch::test::new_york;
using orch::test::nyse_calendar;
using orch::test::utc;

namespace {

// New York local time in November (EST, UTC-5).
WallTime est(unsigned d, int h, int mi, int s = 0) { return utc(2026, 11, d, h + 5, mi, s); }

TaskSpec daily_task(const std::string& name, const std::string& source) {
  TaskSpec t;
  t.name = name;
  t.data_source = source;
  t.schedule = Schedule::Daily;
  return t;
}

TaskSpec intraday_task(const std::string& name, const std::string& source,
                       SessionKind session = SessionKind::Regular) {
  TaskSpec t = daily_task(name, source);
  t.schedule = Schedule::Intraday;
  t.market_hours_only = true;
  t.session = session;
  return t;
}

PipelineConfig pipeline_config() {
  PipelineConfig c;
  c.daily = {daily_task("Fundamental Data", "fundamentals"), daily_task("News Events", "news"),
             daily_task("No Thresholds", "loose")};
  c.intraday = {intraday_task("Price Data", "price_data"),
                intraday_task("Extended Quotes", "quotes", SessionKind::Extended)};
  c.freshness.green = {{"fundamentals", Seconds{86400}},
                       {"news", Seconds{3600}},
                       {"price_data", Seconds{300}},
                       {"quotes", Seconds{300}}};
  c.freshness.yellow = {{"fundamentals", Seconds{172800}},
                        {"news", Seconds{7200}},
                        {"price_data", Seconds{900}},
                        {"quotes", Seconds{900}}};
  return c;
}

TaskHealthRow succeeded(const std::string& name, WallTime end,
                        std::optional<std::string> as_of = std::nullopt) {
  TaskHealthRow r;
  r.name = name;
  r.status = TaskStatus::Success;
  r.last_success = end;
  r.last_run_end = end;
  r.success_ended_at = end;
  r.success_data_as_of = std::move(as_of);
  r.total_runs = 1;
  r.total_successes = 1;
  return r;
}

const SourceFreshness& source(const std::vector<SourceFreshness>& all, const std::string& name) {
  for (const auto& s : all) {
    if (s.name == name) return s;
  }
  FAIL("no source " << name);
  return all.front();
}

Freshness colour_at(const std::string& src, const std::vector<TaskHealthRow>& rows, WallTime now) {
  const auto all = compute_freshness(pipeline_config(), nyse_calendar(), rows, now);
  return source(all, src).status;
}

}  // namespace

TEST_CASE("health: classify against green and yellow thresholds") {
  const auto g = std::optional<Seconds>(Seconds{300});
  const auto y = std::optional<Seconds>(Seconds{900});
  CHECK(classify(Millis{0}, g, y) == Freshness::Green);
  CHECK(classify(Millis{299'999}, g, y) == Freshness::Green);
  CHECK(classify(Millis{300'000}, g, y) == Freshness::Yellow);  // age < green is green
  CHECK(classify(Millis{899'999}, g, y) == Freshness::Yellow);
  CHECK(classify(Millis{900'000}, g, y) == Freshness::Red);
  CHECK(classify(std::nullopt, g, y) == Freshness::Unknown);
  CHECK(classify(Millis{1}, std::nullopt, std::nullopt) == Freshness::Unknown);
  CHECK(classify(Millis{400'000}, g, std::nullopt) == Freshness::Red);  // only green
  CHECK(classify(Millis{1}, std::nullopt, y) == Freshness::Yellow);     // only yellow
  CHECK(classify(Millis{900'000}, std::nullopt, y) == Freshness::Red);
  CHECK(metric_value(Freshness::Green) == 0);
  CHECK(metric_value(Freshness::Unknown) == 3);
  CHECK(parse_freshness("red") == Freshness::Red);
  CHECK_FALSE(parse_freshness("purple").has_value());
}

TEST_CASE("health: wall-time colours of a daily source at chosen instants") {
  const std::vector<TaskHealthRow> rows = {succeeded("News Events", est(20, 9, 32))};
  CHECK(colour_at("news", rows, est(20, 9, 32)) == Freshness::Green);
  CHECK(colour_at("news", rows, est(20, 10, 31, 59)) == Freshness::Green);
  CHECK(colour_at("news", rows, est(20, 10, 32)) == Freshness::Yellow);
  CHECK(colour_at("news", rows, est(20, 11, 31)) == Freshness::Yellow);
  CHECK(colour_at("news", rows, est(20, 11, 32)) == Freshness::Red);
  // Daily sources age only on daily days (daily_days: trading): Friday 09:32 to Monday 09:32
  // is one day old, not three, so a weekend raises no false alarm.
  const auto all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(23, 9, 32));
  CHECK(source(all, "news").age == Millis{hours{24}});
  CHECK(source(all, "news").daily_time);
  CHECK_FALSE(source(all, "news").market_time);
  // With daily_days: all every day counts.
  auto every_day = pipeline_config();
  every_day.daily_days = DailyDays::All;
  CHECK(source(compute_freshness(every_day, nyse_calendar(), rows, est(23, 9, 32)), "news").age ==
        Millis{hours{72}});
}

TEST_CASE("health: unknown when never run, and when the source has no thresholds") {
  const auto all = compute_freshness(pipeline_config(), nyse_calendar(),
                                     {succeeded("No Thresholds", est(20, 9, 0))}, est(20, 10, 0));
  CHECK(all.size() == 5);
  CHECK(all.front().name == "fundamentals");  // sorted by name
  const auto& never = source(all, "fundamentals");
  CHECK(never.status == Freshness::Unknown);
  CHECK_FALSE(never.age.has_value());
  CHECK_FALSE(never.last_success.has_value());
  CHECK(never.tasks == std::vector<std::string>{"Fundamental Data"});
  const auto& loose = source(all, "loose");
  CHECK(loose.status == Freshness::Unknown);
  CHECK(loose.age == Millis{hours{1}});
  // A row that exists but never succeeded is still unknown.
  TaskHealthRow failed;
  failed.name = "News Events";
  failed.status = TaskStatus::Failed;
  failed.total_runs = 3;
  CHECK(colour_at("news", {failed}, est(20, 10, 0)) == Freshness::Unknown);
}

TEST_CASE("health: market-hours sources age only while the market is open (weekend)") {
  // Friday's last bar at the close: green all weekend and Monday before the open.
  const std::vector<TaskHealthRow> rows = {succeeded("Price Data", est(20, 16, 0))};
  CHECK(colour_at("price_data", rows, est(21, 12, 0)) == Freshness::Green);
  CHECK(colour_at("price_data", rows, est(23, 9, 29)) == Freshness::Green);
  const auto ten = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(23, 9, 40));
  CHECK(source(ten, "price_data").age == Millis{minutes{10}});
  CHECK(source(ten, "price_data").status == Freshness::Yellow);
  CHECK(source(ten, "price_data").market_time);
  CHECK(colour_at("price_data", rows, est(23, 9, 34, 59)) == Freshness::Green);
  CHECK(colour_at("price_data", rows, est(23, 9, 45)) == Freshness::Red);
  // A run that ended after the close counts from the close on.
  const std::vector<TaskHealthRow> late = {succeeded("Price Data", est(20, 17, 30))};
  CHECK(source(compute_freshness(pipeline_config(), nyse_calendar(), late, est(23, 9, 33)),
               "price_data")
            .age == Millis{minutes{3}});
}

TEST_CASE("health: market time skips a holiday, and the extended session counts pre-market") {
  // Thanksgiving 2026 is Thursday 26 November: closed all day.
  const std::vector<TaskHealthRow> rows = {succeeded("Price Data", est(25, 16, 0)),
                                           succeeded("Extended Quotes", est(25, 20, 0))};
  auto all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(26, 12, 0));
  CHECK(source(all, "price_data").age == Millis{0});
  CHECK(source(all, "quotes").age == Millis{0});
  all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(27, 9, 36));
  CHECK(source(all, "price_data").age == Millis{minutes{6}});
  CHECK(source(all, "price_data").status == Freshness::Yellow);
  // Extended: from 04:00 on the Friday, so 5h 36m of market time: red.
  CHECK(source(all, "quotes").session == SessionKind::Extended);
  CHECK(source(all, "quotes").age == Millis{hours{5} + minutes{36}});
  CHECK(source(all, "quotes").status == Freshness::Red);
}

TEST_CASE("health: a source with a wall-clock writer ages in wall time") {
  PipelineConfig c = pipeline_config();
  c.daily.push_back(daily_task("Price Backfill", "price_data"));
  const std::vector<TaskHealthRow> rows = {succeeded("Price Data", est(20, 16, 0))};
  const auto all = compute_freshness(c, nyse_calendar(), rows, est(23, 9, 0));
  CHECK_FALSE(source(all, "price_data").market_time);
  CHECK(source(all, "price_data").status == Freshness::Red);
  CHECK(source(all, "price_data").tasks ==
        std::vector<std::string>{"Price Backfill", "Price Data"});
}

TEST_CASE("health: DATA_AS_OF of the latest success takes precedence over the run's end") {
  // The run ended at 10:00 but its newest data is from 07:00.
  auto rows = std::vector<TaskHealthRow>{
      succeeded("News Events", est(20, 10, 0), "2026-11-20T07:00:00-05:00")};
  auto all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(20, 10, 30));
  CHECK(source(all, "news").age == Millis{minutes{210}});
  CHECK(source(all, "news").from_data_as_of);
  CHECK(source(all, "news").status == Freshness::Red);
  CHECK(source(all, "news").last_success == est(20, 10, 0));  // last_success stays the run's end
  // Unparsable: the run's end.
  rows.front().success_data_as_of = "yesterday-ish";
  all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(20, 10, 30));
  CHECK(source(all, "news").age == Millis{minutes{30}});
  CHECK_FALSE(source(all, "news").from_data_as_of);
  // Up to a minute in the future (clock skew): age 0, never negative.
  rows.front().success_data_as_of = "2026-11-20T15:00:00Z";
  all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(20, 10, 0) - seconds{50});
  CHECK(source(all, "news").age == Millis{0});
  CHECK(source(all, "news").status == Freshness::Green);
  // Further ahead (the clock stepped back): red, age unknown, never fresh.
  all = compute_freshness(pipeline_config(), nyse_calendar(), rows, est(20, 10, 0) - minutes{5});
  CHECK_FALSE(source(all, "news").age);
  CHECK(source(all, "news").in_future);
  CHECK(source(all, "news").status == Freshness::Red);
  // A Z offset parses too.
  rows.front().success_data_as_of = "2026-11-20T14:30:00Z";
  CHECK(task_reference(rows.front(), nyse_calendar()).at == est(20, 9, 30));
  // No offset: a local time in the pipeline's zone (New York).
  rows.front().success_data_as_of = "2026-11-20T09:45:00";
  CHECK(task_reference(rows.front(), nyse_calendar()).at == est(20, 9, 45));
  CHECK(task_reference(rows.front(), nyse_calendar()).from_data_as_of);
  // A date alone: that date's regular close; the early close the day after Thanksgiving.
  rows.front().success_data_as_of = "2026-11-20";
  CHECK(task_reference(rows.front(), nyse_calendar()).at == est(20, 16, 0));
  rows.front().success_data_as_of = "2026-11-27";
  CHECK(task_reference(rows.front(), nyse_calendar()).at == est(27, 13, 0));
  // Summer time: 09:45 in July is 13:45Z.
  rows.front().success_data_as_of = "2026-07-15 09:45:00";
  CHECK(task_reference(rows.front(), nyse_calendar()).at ==
        parse_iso8601("2026-07-15T13:45:00Z").value());
}

TEST_CASE("health: several writers: the most recent reference wins") {
  PipelineConfig c = pipeline_config();
  c.daily.push_back(daily_task("News Backup", "news"));
  const std::vector<TaskHealthRow> rows = {succeeded("News Events", est(20, 8, 0)),
                                           succeeded("News Backup", est(20, 9, 50))};
  const auto all = compute_freshness(c, nyse_calendar(), rows, est(20, 10, 0));
  CHECK(source(all, "news").age == Millis{minutes{10}});
  CHECK(source(all, "news").status == Freshness::Green);
}

TEST_CASE("health: human ages and shortened errors") {
  CHECK(human_age(Millis{0}) == "0s");
  CHECK(human_age(seconds{45}) == "45s");
  CHECK(human_age(minutes{45}) == "45m");
  CHECK(human_age(hours{3} + minutes{15} + seconds{59}) == "3h 15m");
  CHECK(human_age(hours{2}) == "2h");
  CHECK(human_age(days{2} + hours{5} + minutes{7}) == "2d 5h");
  CHECK(human_age(Millis{-5}) == "0s");
  CHECK(shorten("exit code 1:\n  HTTP 503\tretry", 60) == "exit code 1: HTTP 503 retry");
  const std::string long_text(100, 'x');
  CHECK(shorten(long_text, 60) == std::string(57, 'x') + "...");
  const std::string accents = std::string(70, 'a') + "é";
  CHECK(shorten("ééé" + accents, 10) == "éééaaaa...");
}

TEST_CASE("health: the dashboard shows sections, the task table and the SUMMARY line") {
  const std::vector<TaskHealthRow> rows = {succeeded("Fundamental Data", est(20, 9, 30)),
                                           succeeded("News Events", est(19, 9, 30)),
                                           succeeded("Price Data", est(20, 15, 0))};
  HealthReport report = build_report(pipeline_config(), nyse_calendar(), rows, est(20, 15, 8));
  report.tasks[1].status = TaskStatus::Failed;
  report.tasks[1].consecutive_failures = 2;
  report.tasks[1].total_runs = 4;
  report.tasks[1].last_error = "exit code 1: " + std::string(80, 'e');
  const std::string text = render_dashboard(report, new_york(), ConsoleStyle{});
  CHECK(text.find("DATA PIPELINE HEALTH DASHBOARD") == 0);
  CHECK(text.find("CRITICAL - Data Critically Stale:") != std::string::npos);
  CHECK(text.find("news") != std::string::npos);
  CHECK(text.find("Critically stale (updated 1d 5h ago)") != std::string::npos);
  CHECK(text.find("Stale (updated 8m ago in market hours)") != std::string::npos);
  CHECK(text.find("Fresh (updated 5h 38m ago)") != std::string::npos);
  CHECK(text.find("UNKNOWN - ") != std::string::npos);
  CHECK(text.find("Never updated") != std::string::npos);
  CHECK(text.find("PIPELINE TASK STATUS") != std::string::npos);
  CHECK(text.find("25%") != std::string::npos);
  CHECK(text.find(std::string(44, 'e') + "...") != std::string::npos);
  CHECK(text.find("\nSUMMARY: 1 healthy, 1 stale, 1 critical, 2 unknown (Total: 5)\n") !=
        std::string::npos);
  CHECK(text.find('\033') == std::string::npos);
  CHECK(text.find("📊") == std::string::npos);
  const std::string fancy = render_dashboard(report, new_york(), ConsoleStyle{true, true});
  CHECK(fancy.find("📊") != std::string::npos);
  CHECK(fancy.find("🔴 CRITICAL") != std::string::npos);
  CHECK(fancy.find("📈 SUMMARY: 1 healthy, 1 stale, 1 critical, 2 unknown (Total: 5)") !=
        std::string::npos);
}

TEST_CASE("health: JSON has exactly the documented keys") {
  const std::vector<TaskHealthRow> rows = {succeeded("News Events", est(20, 9, 30))};
  const HealthReport report =
      build_report(pipeline_config(), nyse_calendar(), rows, est(20, 10, 0));
  const auto j = nlohmann::json::parse(render_health_json(report));
  CHECK(j["checked_at"] == "2026-11-20T15:00:00Z");
  REQUIRE(j["sources"].size() == 5);
  for (const auto& s : j["sources"]) {
    CHECK(s.size() == 5);
    for (const char* k : {"name", "status", "age_seconds", "last_success", "tasks"})
      CHECK(s.contains(k));
  }
  const auto news = j["sources"][2];
  CHECK(news["name"] == "news");
  CHECK(news["status"] == "green");
  CHECK(news["age_seconds"] == 1800.0);
  CHECK(news["last_success"] == "2026-11-20T14:30:00Z");
  CHECK(news["tasks"] == nlohmann::json::array({"News Events"}));
  CHECK(j["sources"][0]["age_seconds"].is_null());
  REQUIRE(j["tasks"].size() == 5);
  for (const auto& t : j["tasks"]) {
    CHECK(t.size() == 6);
    for (const char* k : {"name", "status", "consecutive_failures", "success_rate",
                          "average_runtime_seconds", "last_error_message"})
      CHECK(t.contains(k));
  }
  CHECK(j["tasks"][1]["name"] == "News Events");
  CHECK(j["tasks"][1]["success_rate"] == 1.0);
  CHECK(j["tasks"][0]["status"] == "PENDING");
  CHECK(j["tasks"][0]["success_rate"].is_null());
  CHECK(
      j["summary"] ==
      nlohmann::json{{"healthy", 1}, {"stale", 0}, {"critical", 0}, {"unknown", 4}, {"total", 5}});
}
