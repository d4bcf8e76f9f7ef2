#pragma once
// Process-wide settings made once at start (in main), before any file is created:
//
// - umask: files and folders the orchestrator creates (database and its -wal/-shm, lock,
//   log folders and files, metrics) are never world-writable, even under `umask 000`: the
//   process umask is tightened to (original | 002). Tasks and alerts get the original umask
//   back before exec, so what they create is as the user configured.
// - SIGXFSZ is ignored, so a file-size limit (RLIMIT_FSIZE) makes a write fail with EFBIG,
//   which is reported (exit 74 for the database), instead of killing the orchestrator with
//   its tasks left unrecorded. Tasks get the default disposition back.
#include <sys/types.h>

namespace orch {

// Applies both settings; returns the original umask (also kept for task_umask()).
mode_t apply_process_policy();
// The umask a task or alert runs with: the one the orchestrator was started with.
mode_t task_umask();

}  // namespace orch
