#pragma once
// Starting an orchestrator of our own in the background (the web server's control endpoints):
// a new session, stdin and stdout on /dev/null, stderr shared, no descriptor of ours above 2,
// default signal dispositions and an empty mask. It is not tied to our life: it outlives us.
#include <sys/types.h>
#include <functional>
#include <string>
#include <vector>

#include "orchestrator/util/expected.h"

namespace orch {

Expected<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& cwd);

// Runs `body` in a grandchild that outlives us (the on_failure alerts of a --health that
// does not wait for them): its own session, stdin and stdout on /dev/null, stderr on
// /dev/null (the file log we hold stays open for it), an empty signal mask and default
// dispositions. Returns once the grandchild exists; the grandchild _exits with body's
// result and runs no destructor of ours (the caller's database and lock must be closed
// before). Pending output is flushed first so that nothing is written twice.
Status run_detached(const std::function<int()>& body);

// Reaps every child that has exited, without waiting (call on SIGCHLD).
void reap_exited_children();

}  // namespace orch
