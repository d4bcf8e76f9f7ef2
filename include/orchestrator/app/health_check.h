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
#include "orchestrator/health/freshness.h"
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

// Logs each source that turned red and, when on_failure is configured and `processes` given,
// sends one source_red alert for it; failures are logged only.
void alert_red_sources(const Pipeline& pipeline, ProcessRunner* processes,
                       const std::vector<const SourceFreshness*>& turned_red,
                       const std::string& run_id);

// After run `run_id`: task_failed alerts for its tasks that failed for good, then the
// freshness recorded (source_red alerts for new reds) and the metrics rewritten, at the
// clock's now. After a stop signal only the metrics are rewritten (no alerts); after a store
// error nothing is done. Never fails the run: problems are logged. Returns the report.
std::optional<HealthReport> after_run(const Pipeline& pipeline, StatusStore& store,
                                      ProcessRunner& processes, std::int64_t run_id,
                                      const RunResult& result);

}  // namespace orch
