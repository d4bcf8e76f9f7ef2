#pragma once
// The JSON answers of /api/runs and /api/runs/ID, from the store's rows (statuses already as
// shown: a RUNNING row of a gone orchestrator arrives here as INTERRUPTED).
#include <string>
#include <vector>

#include "orchestrator/store/status_reader.h"

namespace orch::web {

// {"runs": [{"id", "mode", "started_at", "ended_at", "status", "trading_date",
//            "tasks": {"succeeded", "failed", "skipped"}}]}
std::string runs_json(const std::vector<RunRow>& runs);
// The run's object plus "attempts": [{"task", "attempt", "status", "started_at", "ended_at",
// "exit_code", "records_processed", "error", "slurm_job_id"}]
std::string run_json(const RunRow& run, const std::vector<AttemptRow>& attempts);

}  // namespace orch::web
