#pragma once
// The exit codes users see (docs/manual.md, "Exit codes"): 74 for a status database we
// cannot use, 75 for a mode's lock held by another instance, 128 + N for a stop by signal N.
#include "orchestrator/util/expected.h"

namespace orch::exit_code {
constexpr int kOk = 0;
constexpr int kFailed = 1;       // a task failed or timed out; --health: a source is red
constexpr int kUsage = 2;        // usage or configuration error: nothing run, nothing written
constexpr int kStoreError = 74;  // the status database cannot be opened or written (EX_IOERR)
constexpr int kLocked = 75;      // another orchestrator holds this mode's lock (EX_TEMPFAIL)
constexpr int signal_exit(int sig) { return 128 + sig; }  // 130 SIGINT, 143 SIGTERM

// The exit code for a failure of this kind.
constexpr int for_error(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Usage: return kUsage;
    case ErrorKind::Store: return kStoreError;
    case ErrorKind::Locked: return kLocked;
    case ErrorKind::Failure: return kFailed;
    case ErrorKind::Elsewhere: return kFailed;  // never stops a process: the Runner handles it
  }
  return kFailed;
}
}  // namespace orch::exit_code
