#pragma once
// Ending what the tasks of a dead orchestrator left running (a runner killed with -9: its
// tasks' main processes die with it, but their children do not), before anything runs again.
#include <cstdint>
#include <string>
#include <vector>

#include "orchestrator/util/time.h"

namespace orch {

struct LeftTree {
  std::int64_t run_id = 0;  // the dead run (ORCHESTRATOR_RUN_ID of its tasks)
  std::int64_t pgid = 0;    // the attempt's process group = its main process's pid
  std::uint64_t start = 0;  // that main process's start time (clock ticks after boot)
};

struct EndedTrees {
  int killed = 0;     // processes sent SIGKILL
  int survivors = 0;  // of those, still there after `wait`
};

// SIGKILLs every process that is still one of these trees, in or out of its group: the main
// process if its pid still has the recorded start time, and any process that started no
// earlier and whose environment carries ORCHESTRATOR_DB=<database> and the run's
// ORCHESTRATOR_RUN_ID (a process of another user, or another database, is never touched;
// nor is this process or its ancestors). Waits up to `wait` for them to be gone.
// Linux only (/proc); elsewhere it does nothing.
EndedTrees end_left_trees(const std::vector<LeftTree>& trees, const std::string& database,
                          Millis wait);

}  // namespace orch
