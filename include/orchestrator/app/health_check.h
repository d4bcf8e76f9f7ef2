#pragma once
// The health bookkeeping every mode shares: read the store and compute freshness; record it
// in source_freshness (noticing sources that turned red); alert through on_failure; rewrite
// metrics_file. Modes call after_run() once a run (or an intraday pass) has finished.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/app/pipeline.h"
#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/health/alerts.h"
#include "orchestrator/health/freshness.h"
#include "orchestrator/sched/background.h"
#include "orchestrator/sched/runner.h"
#include "orchestrator/store/date_queries.h"
#include "orchestrator/store/status_store.h"

namespace orch {

// Reads every task row and computes the report at `now`, without the missed dates (only the
// dashboards show them: fill_missed_dates), so a runner's after_run does not read the history
// by date after every pass. No writes.
Expected<HealthReport> read_health(const Pipeline& pipeline, const MarketCalendar& calendar,
                                   StatusStore& store, WallTime now);

// Reads the daily run history by trading date (from the store, or read-only from the file).
using DateHistoryReader = std::function<Expected<DateHistory>(
    const std::vector<std::string>& tasks, const std::string& from, const std::string& to)>;
// Fills report.missed_dates: of the last kHealthMissedDates trading dates before today, not
// before the first recorded date, those for which some daily task has not succeeded. The one
// rule --health, /api/health and the page share.
Status fill_missed_dates(const Pipeline& pipeline, const MarketCalendar& calendar,
                         HealthReport& report, WallTime now, const DateHistoryReader& read);

// Records `report` in source_freshness; returns the sources that turned red with it.
Expected<std::vector<const SourceFreshness*>> record_health(StatusStore& store,
                                                            const HealthReport& report);

// Rewrites metrics_file from `report` when it is configured; failures are logged only.
void write_metrics(const Pipeline& pipeline, const HealthReport& report);
// The same, reading the store first (for callers without a report at hand).
void write_metrics(const Pipeline& pipeline, StatusStore& store, WallTime now);

// The mode's alerts beside its tasks: `inner` wrapped so that an on_failure alert runs on
// the same process engine without delaying anything (at most kMaxAlertsAtOnce at once,
// identical ones coalesced, each bounded by its timeout); each end is logged.
BackgroundProcesses alert_runner(ProcessRunner& inner, const Clock& clock);
void log_alert_end(const BackgroundEnd& end);

// Starts (or queues) one alert per entry on `alerts`; never waits.
void submit_alerts(const Pipeline& pipeline, BackgroundProcesses& alerts,
                   const std::vector<Alert>& batch);

// For a mode that ends (--daily, --once, --update-stale, --backfill): waits for the alerts
// still running or queued, each bounded by its timeout; a stop signal ends them. Returns the
// mode's exit `code`, or 128+signal when a stop came (during the run or the wait).
int finish_alerts(const PipelineConfig& cfg, BackgroundProcesses& alerts, int code);

// Logs each source that turned red; returns one source_red alert for each when on_failure
// is configured.
std::vector<Alert> red_source_alerts(const Pipeline& pipeline,
                                     const std::vector<const SourceFreshness*>& turned_red,
                                     const std::string& run_id);
// The same, submitted on `alerts` when given.
void alert_red_sources(const Pipeline& pipeline, BackgroundProcesses* alerts,
                       const std::vector<const SourceFreshness*>& turned_red,
                       const std::string& run_id);

// After run `run_id`: task_failed alerts for its tasks that failed for good (started beside
// the pipeline, not waited for), then the freshness recorded (source_red alerts for new reds) and
// the metrics rewritten, at the clock's now. After a stop signal only the metrics are rewritten (no
// alerts); after a store error nothing is done. Never fails the run: problems are logged. Returns
// the report.
std::optional<HealthReport> after_run(const Pipeline& pipeline, StatusStore& store,
                                      BackgroundProcesses& processes, std::int64_t run_id,
                                      const RunResult& result);

}  // namespace orch
