#pragma once
// What every mode that writes needs before its first task: the log folder and file, the
// mode's instance lock, the status database with interrupted rows recovered.
#include <memory>
#include <optional>
#include <string>

#include "orchestrator/app/pipeline.h"
#include "orchestrator/sched/runner.h"
#include "orchestrator/store/instance_lock.h"
#include "orchestrator/store/status_store.h"

namespace orch {

// The held lock and the opened store of one mode's invocation.
struct OpenStore {
  InstanceLock lock;
  std::unique_ptr<StatusStore> store;
};

// On failure logs why; the Error's kind is Locked when another orchestrator runs the mode,
// Store when the database or its folder is unusable (exit_code_for maps it to 75 or 74).
Expected<OpenStore> open_store(const Pipeline& pipeline, const std::string& mode);

// Closes the run's row and maps its result to the exit code: 74 when the store failed,
// 128+signal when stopped, 1 when a task failed or was skipped, else 0.
int finish_run(StatusStore& store, std::int64_t run_id, const RunResult& result, WallTime end);

}  // namespace orch
