#pragma once
// What /proc says about the processes of this machine (internal to exec/): who is whose
// child, which group each is in, and when each started, so that a task's whole process tree
// can be found and signalled however its members regrouped. Linux only; elsewhere every
// query answers "nothing known" and callers fall back to process groups.
#include <sys/types.h>

#include <map>
#include <string_view>
#include <vector>

#include "orchestrator/exec/proc_tree_members.h"

namespace orch::detail {

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  unsigned long long start = 0;  // clock ticks after boot (field 22 of /proc/<pid>/stat)
};

// Every process /proc shows (empty where there is no /proc).
std::vector<ProcInfo> list_processes();

// The start time of `pid`, or 0 when it is gone (or unknown here).
unsigned long long process_start(pid_t pid);

using Members = TreeMembers;

// Sends `sig` to each member that still has the start time recorded for it; drops the
// members that are gone. Returns how many were signalled.
int signal_members(Members& members, int sig);

// True when the environment `pid` was started with holds the entry `entry` ("KEY=VALUE").
// False when it does not, or cannot be read (another user's process is never ours).
bool environ_has(pid_t pid, std::string_view entry);

}  // namespace orch::detail
