#pragma once
// Read queries over the run history by trading date, for backfill, catch-up and the missed
// dates of --health: the first recorded trading date, and which tasks succeeded for which
// dates. Plain SELECTs on the (task_name, trading_date, status) index of task_runs.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "orchestrator/sched/backfill.h"
#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace SQLite {
class Database;
}

namespace orch {

// The earliest trading date ("YYYY-MM-DD") of any run recorded, intraday runs included;
// nullopt on a database with no run.
Expected<std::optional<std::string>> first_recorded_date(SQLite::Database& db);

// For each of `tasks`, the trading dates in [from, to] (YYYY-MM-DD) it has a successful
// attempt for.
Expected<SucceededByDate> succeeded_between(SQLite::Database& db,
                                            const std::vector<std::string>& tasks,
                                            const std::string& from, const std::string& to);

// A successful attempt, as freshness needs it to find its data instant.
struct SuccessRun {
  std::string trading_date;  // "" for a run that claims no date (--update-stale: NULL)
  std::optional<WallTime> started_at;
  std::optional<WallTime> ended_at;
  std::optional<std::string> data_as_of;  // as the task printed it
};
// A task's successful attempts that can hold its newest data: the latest-ended one of the
// newest trading date it succeeded for, and the latest-ended one without a trading date. A
// backfill of an old date is never among them once a newer date succeeded.
Expected<std::vector<SuccessRun>> newest_successes(SQLite::Database& db, const std::string& task);

// What catch-up, the missed dates and a backfill's dry run need to know, in one read.
struct DateHistory {
  std::optional<std::string> first_recorded;  // first_recorded_date()
  SucceededByDate succeeded;                  // succeeded_between() for the range asked
};
Expected<DateHistory> read_date_history(SQLite::Database& db, const std::vector<std::string>& tasks,
                                        const std::string& from, const std::string& to);
// The same from the file at `path`, opened read-only (for --dry-run: nothing is written);
// an empty history when the file does not exist.
Expected<DateHistory> read_date_history_readonly(const std::filesystem::path& path,
                                                 const std::vector<std::string>& tasks,
                                                 const std::string& from, const std::string& to);

}  // namespace orch
