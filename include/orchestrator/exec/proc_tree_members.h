#pragma once
// The processes of one task's tree other than its main process: pid -> start time (clock
// ticks after boot), so a pid is signalled only while it still names the same process.
#include <sys/types.h>

#include <map>

namespace orch {

using TreeMembers = std::map<pid_t, unsigned long long>;

}  // namespace orch
