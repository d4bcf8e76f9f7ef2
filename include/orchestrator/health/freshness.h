#pragma once
// Freshness of the data sources, computed from the task rows of the status database, the
// pipeline file and the market calendar at one instant. Pure: no I/O, no clock of its own.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/config/config.h"
#include "orchestrator/sched/backfill.h"
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
  std::optional<Millis> age;             // nullopt: no writer ever succeeded
  std::optional<WallTime> last_success;  // end of the writers' latest successful run
  std::optional<WallTime> reference;     // the instant the age counts from
  bool from_data_as_of = false;          // reference is the DATA_AS_OF the task printed
  bool from_session_close = false;       // reference is the close of a past trading date
  bool in_future = false;    // reference after now (beyond kFutureSkew): red, age unknown
  bool market_time = false;  // ages only inside `session` windows
  bool daily_time = false;   // written only by daily tasks: ages on daily_days only
  DailyDays daily_days = DailyDays::Trading;  // the days daily_time counts
  SessionKind session = SessionKind::Regular;
  std::optional<Seconds> green;  // thresholds from freshness_thresholds
  std::optional<Seconds> yellow;
  std::vector<std::string> tasks;  // the tasks writing it, in file order
};

// The colour of `age` against the thresholds: age < green is green, < yellow is yellow, else
// red. A missing threshold never matches (only green: beyond it is red; only yellow: never
// green). Unknown when the age is unknown or the source has no threshold at all.
Freshness classify(std::optional<Millis> age, std::optional<Seconds> green,
                   std::optional<Seconds> yellow);

// The instant a task's data is from. A successful run's data instant is its DATA_AS_OF when
// it names an instant (MarketCalendar::data_instant: no offset means the pipeline's zone, a
// date alone its close), else its end when it ran on its own trading date (or claims none),
// else the close of the regular session of its trading date (the configured close on a date
// without a session): a backfill of an old date holds that date's data, not today's.
struct TaskReference {
  std::optional<WallTime> at;
  bool from_data_as_of = false;
  bool from_session_close = false;
};
TaskReference run_data_instant(const SuccessRun& run, const MarketCalendar& calendar);
// The newest data instant among the task's successful runs (row.newest_successes); for a row
// without that history (a table written by an earlier tool), its last_success.
TaskReference task_reference(const TaskHealthRow& row, const MarketCalendar& calendar);

// A reference this far after now is clock skew (a bar end rounded up, another machine's
// clock) and counts as age 0; further ahead the clock was stepped back (or the data is
// dated wrongly): how old the data really is cannot be known, so the source is red with no
// age rather than fresh until the clock catches up.
constexpr Millis kFutureSkew{60'000};

// One entry per data source written by a task of the pipeline, sorted by name. A source is
// aged in market time (inside the session; extended when any writer is extended) when every
// writer is market_hours_only, else in wall time. With several writers the most recent
// reference wins. Ages are never negative: a reference up to kFutureSkew after now is age 0,
// one further ahead makes the source red with no age (`in_future`).
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
  // The last kHealthMissedDates trading dates before today (not before the first recorded
  // date) for which some daily task has not succeeded; filled by the caller that read them.
  std::vector<MissedDate> missed_dates;
};
HealthReport build_report(const PipelineConfig& config, const MarketCalendar& calendar,
                          const std::vector<TaskHealthRow>& rows, WallTime now);

// The dashboard's SUMMARY: healthy = green, stale = yellow, critical = red.
struct HealthSummary {
  int healthy = 0, stale = 0, critical = 0, unknown = 0, total = 0;
};
HealthSummary summarize(const std::vector<SourceFreshness>& sources);

}  // namespace orch
