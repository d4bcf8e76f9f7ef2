#pragma once
// The dashboard page as a pure function: plain structs in (filled by app/ from the store, the
// health report and the calendar), one HTML document out, with inline CSS and inline SVG
// charts drawn here. Nothing is loaded from another host; the page reads well with scripts
// off (the live page refreshes through a <noscript> meta refresh then).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/sched/recorder.h"

namespace orch::web {

struct SourceView {
  std::string name;
  std::string status;        // green | yellow | red | unknown
  std::string age;           // "3h 15m" ("" when never updated)
  std::string last_success;  // local time text ("" when never)
  bool market_time = false;  // ages in market time
  std::vector<std::string> tasks;
};

struct RuntimeSample {
  std::string when;  // local time text of the attempt's start
  double seconds = 0;
  TaskStatus status = TaskStatus::Success;
};

struct TaskView {
  std::string name;
  std::string schedule;  // daily | intraday
  TaskStatus status =
      TaskStatus::Pending;             // as shown (RUNNING of a gone orchestrator: INTERRUPTED)
  std::optional<double> success_rate;  // 0..1
  std::optional<double> average_runtime_seconds;
  std::string last_run;  // local time text ("" when never)
  int consecutive_failures = 0;
  std::string last_error;
  std::vector<RuntimeSample> runtimes;  // oldest first, at most 30
  bool newest_silent = false;           // its newest finished attempt wrote no output
};

// One attempt on the Gantt chart; times are seconds after the chart's origin.
struct TimelineBar {
  std::string task;
  int attempt = 1;
  TaskStatus status = TaskStatus::Success;
  double start = 0;
  double end = 0;
  std::string start_text, end_text;  // local times for the tooltip
};
struct TimelineWait {  // the backoff between two attempts of a task
  std::string task;
  int before_attempt = 2;
  double start = 0;
  double end = 0;
};
struct Timeline {
  std::string trading_date;       // "" when the daily DAG never ran
  std::string origin_text;        // local time of x = 0
  std::vector<std::string> rows;  // tasks, in order of first start
  std::vector<TimelineBar> bars;
  std::vector<TimelineWait> waits;
  std::vector<std::pair<std::string, std::string>> skipped;  // task, reason
};

struct OutcomeGrid {
  std::vector<std::string> dates;  // oldest first
  std::vector<std::string> tasks;
  std::map<std::string, std::map<std::string, TaskStatus>> cells;  // task -> date -> outcome
};

struct MarketView {
  bool open = false;
  std::string session;  // pre | regular | post | closed
  std::string reason;
  std::string trading_date;
  std::string next_open, next_close;  // local time text
};

struct MissedDate {
  std::string date;
  std::vector<std::string> tasks;
};

struct DashboardData {
  std::string pipeline;    // the pipeline file's name, for the title
  std::string checked_at;  // local time text
  std::string zone;
  int healthy = 0, stale = 0, critical = 0, unknown = 0;
  std::vector<SourceView> sources;
  std::vector<TaskView> tasks;
  MarketView market;
  Timeline timeline;
  OutcomeGrid grid;
  // nullopt: this build does not compute missed dates (the section says so).
  std::optional<std::vector<MissedDate>> missed_dates;
};

struct PageOptions {
  bool live = true;          // served by --serve: self-refresh, links to the API
  std::string script_nonce;  // the CSP nonce of the refresh script (live only)
  int refresh_seconds = 10;
};

std::string render_page(const DashboardData& data, const PageOptions& options);

// The charts, each one <svg> element (exposed for the unit tests).
std::string timeline_svg(const Timeline& timeline);
std::string runtime_svg(const std::string& task, const std::vector<RuntimeSample>& samples);
std::string grid_svg(const OutcomeGrid& grid);

}  // namespace orch::web
