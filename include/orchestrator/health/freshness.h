#pragma once
// Freshness of the data sources, computed from the task rows of the status database, the
// pipeline file and the market calendar at one instant. Pure: no I/O, no clock of its own.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/config/config.h"
#include "orchestrator/store/health_queries.h"

namespace orch {

// Ordered by severity: red is "more stale" than yellow. Unknown stands apart.
enum class Freshness { Green, Yellow, Red, Unknown };
std::string_view to_string(Freshness f);  // "green", "yellow", "red", "unknown"
std::optional<Freshness> parse_freshness(std::string_view s);
int metric_value(Freshness f);  // 0 green, 1 yellow, 2 red, 3 unknown

struct SourceFreshness {
  std::string name;
  Freshness status = Freshness::Unknown;
  std::optional<Millis> age;               // nullopt: no writer ever succeeded
  std::optional<WallTime> last_success;    // end of the writers' latest successful run
  std::optional<WallTime> reference;       // the instant the age counts from
  bool from_data_as_of = false;            // reference is the DATA_AS_OF the task printed
  bool market_time = false;                // ages only inside `session` windows
  bool daily_time = false;                 // written only by daily tasks: ages on daily_days only
  SessionKind session = SessionKind::Regular;
  std::optional<Seconds> green;            // thresholds from freshness_thresholds
  std::optional<Seconds> yellow;
  std::vector<std::string> tasks;          // the tasks writing it, in file order
};

// The colour of `age` against the thresholds: age < green is green, < yellow is yellow, else
// red. A missing threshold never matches (only green: beyond it is red; only yellow: never
// green). Unknown when the age is unknown or the source has no threshold at all.
Freshness classify(std::optional<Millis> age, std::optional<Seconds> green,
                   std::optional<Seconds> yellow);

// The instant a task's latest success counts from: the DATA_AS_OF of its latest successful
// attempt when it names an instant (MarketCalendar::data_instant: no offset means the
// pipeline's zone, a date alone its close), else that attempt's end (or last_success when the
// history has no successful attempt, e.g. a table written by an earlier tool).
struct TaskReference {
  std::optional<WallTime> at;
  bool from_data_as_of = false;
};
TaskReference task_reference(const TaskHealthRow& row, const MarketCalendar& calendar);

// One entry per data source written by a task of the pipeline, sorted by name. A source is
// aged in market time (inside the session; extended when any writer is extended) when every
// writer is market_hours_only, else in wall time. With several writers the most recent
// reference wins. Ages are never negative (a DATA_AS_OF in the future counts as age 0).
std::vector<SourceFreshness> compute_freshness(const PipelineConfig& config,
                                               const MarketCalendar& calendar,
                                               const std::vector<TaskHealthRow>& rows,
                                               WallTime now);

// One check: the sources, and the pipeline's tasks in file order (daily, then intraday) with
// their rows (a task never recorded gets an empty PENDING row).
struct HealthReport {
  WallTime checked_at;
  std::vector<SourceFreshness> sources;
  std::vector<TaskHealthRow> tasks;
};
HealthReport build_report(const PipelineConfig& config, const MarketCalendar& calendar,
                          const std::vector<TaskHealthRow>& rows, WallTime now);

// The dashboard's SUMMARY: healthy = green, stale = yellow, critical = red.
struct HealthSummary {
  int healthy = 0, stale = 0, critical = 0, unknown = 0, total = 0;
};
HealthSummary summarize(const std::vector<SourceFreshness>& sources);

}  // namespace orch
