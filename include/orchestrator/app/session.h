#pragma once
// What every mode that writes needs before its first task: the log folder and file, the
// mode's instance lock, the status database with interrupted rows recovered.
#include <memory>
#include <optional>
#include <string>

#include "orchestrator/app/pipeline.h"
#include "orchestrator/store/instance_lock.h"
#include "orchestrator/store/status_store.h"

namespace orch {

struct StoreSession {
  InstanceLock lock;
  std::unique_ptr<StatusStore> store;
};

// On failure returns the exit code to use (75 when locked, 74 when the database is
// unusable), having printed why.
Expected<StoreSession> open_store_session(const Pipeline& pipeline, const std::string& mode,
                                          int* exit_code);

}  // namespace orch
