#pragma once
// Starting one child process (internal to exec/). Everything the forked child needs is
// prepared in the parent, so between fork and execve the child makes only
// async-signal-safe calls and never allocates.
#include <sys/types.h>

#include <string>

#include "orchestrator/sched/process_runner.h"
#include "orchestrator/util/fd.h"

namespace orch::detail {

// Forks and executes request.argv (argv[0] searched in the request's PATH when it has no
// '/') in a new process group whose id is the returned pid: stdin /dev/null, stdout and
// stderr to `log` (see log_files.h), cwd request.cwd, environment exactly
// request.env, no other descriptor of ours. Returns once execve succeeded, with our own
// descriptor of the log (its size tells whether there is output to scan); an exec failure
// is reported (retriable=false unless a retry can help) and the child reaped.
struct Spawned {
  pid_t pid = 0;
  Fd log;
  // The child's start time as /proc/<pid>/stat gives it (clock ticks after boot), when the
  // boot clock read before and after the clone fell in the same tick; else 0 (ask /proc).
  unsigned long long start = 0;
};
Expected<Spawned> spawn_process(const ProcessRequest& request, Fd log);

// strerror's text for `err`, for messages.
std::string errno_text(int err);

}  // namespace orch::detail
