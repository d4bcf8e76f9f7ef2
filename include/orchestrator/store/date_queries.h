#pragma once
// The run history by trading date, for backfill, catch-up and the missed dates of --health:
// the first recorded trading date, and which tasks succeeded for which dates. Plain SELECTs on
// the (task_name, trading_date, status) index of task_runs.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/sched/backfill.h"
#include "orchestrator/util/expected.h"

namespace orch {

class StatusStore;

// What catch-up, the missed dates and a backfill's dry run need to know, in one read.
struct DateHistory {
  // The earliest trading date ("YYYY-MM-DD") of any run recorded, intraday runs included
  // (--update-stale runs record none); nullopt on a database with no run.
  std::optional<std::string> first_recorded;
  // For each task asked, the trading dates in [from, to] it has a successful attempt for.
  SucceededByDate succeeded;
};
Expected<DateHistory> read_date_history(StatusStore& store, const std::vector<std::string>& tasks,
                                        const std::string& from, const std::string& to);
// The same from the file at `path`, opened read-only (for --dry-run: nothing is written, no
// schema is made); an empty history when the file does not exist.
Expected<DateHistory> read_date_history_readonly(const std::filesystem::path& path,
                                                 const std::vector<std::string>& tasks,
                                                 const std::string& from, const std::string& to);

}  // namespace orch
