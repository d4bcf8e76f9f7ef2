#pragma once
// What --serve and --report show, read from the status database without writing it: the
// health report (the same build_report as --health) and the dashboard page's data. A row left
// RUNNING by an orchestrator that is gone is shown INTERRUPTED, not rewritten.
#include <map>
#include <string>

#include "orchestrator/app/pipeline.h"
#include "orchestrator/calendar/market_calendar.h"
#include "orchestrator/health/freshness.h"
#include "orchestrator/store/status_reader.h"
#include "orchestrator/web/page.h"

namespace orch {

// Whether a mode's orchestrator is alive, asked of its lock (a shared probe, as every mode's
// recovery does) at most once per mode per view.
class Liveness {
 public:
  explicit Liveness(std::filesystem::path db) : db_(std::move(db)) {}
  bool alive(const std::string& mode);
  // RUNNING becomes INTERRUPTED when the mode's orchestrator is gone (or no run owns it).
  TaskStatus shown(TaskStatus status, const std::string& mode);

 private:
  std::filesystem::path db_;
  std::map<std::string, bool> known_;
};

// RUNNING rows whose mode's orchestrator is gone (`modes`: StatusReader::running_task_modes)
// become INTERRUPTED in `rows`; the database is not touched.
void show_gone_as_interrupted(std::vector<TaskHealthRow>& rows,
                              const std::map<std::string, std::string>& modes, Liveness& live);

// The rows as --health reads them, with RUNNING rows of gone orchestrators shown INTERRUPTED.
Expected<std::vector<TaskHealthRow>> read_rows_view(StatusReader& reader, Liveness& live);

// The dashboard's data at `now` from `rows` (read_rows_view) and the reader.
Expected<web::DashboardData> read_dashboard(const Pipeline& pipeline,
                                            const MarketCalendar& calendar, StatusReader& reader,
                                            Liveness& live, const std::vector<TaskHealthRow>& rows,
                                            WallTime now);

}  // namespace orch
