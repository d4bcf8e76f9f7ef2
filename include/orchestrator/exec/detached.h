#pragma once
// Starting an orchestrator of our own in the background (the web server's control endpoints):
// a new session, stdin and stdout on /dev/null, stderr shared, no descriptor of ours above 2,
// default signal dispositions and an empty mask. It is not tied to our life: it outlives us.
#include <string>
#include <sys/types.h>
#include <vector>

#include "orchestrator/util/expected.h"

namespace orch {

Expected<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& cwd);

// Reaps every child that has exited, without waiting (call on SIGCHLD).
void reap_exited_children();

}  // namespace orch
