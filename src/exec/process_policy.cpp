#include "orchestrator/exec/process_policy.h"

#include <signal.h>
#include <sys/stat.h>

namespace orch {
namespace {

// Read once at start; a global because the forked child reads it between fork and exec.
mode_t g_task_umask = 022;
bool g_applied = false;

}  // namespace

mode_t apply_process_policy() {
  const mode_t original = ::umask(0);
  ::umask(original | S_IWOTH);
  if (!g_applied) g_task_umask = original;
  g_applied = true;
  ::signal(SIGXFSZ, SIG_IGN);
  return original;
}

mode_t task_umask() {
  if (g_applied) return g_task_umask;
  // Not applied (unit tests): the current umask, read without changing it.
  const mode_t current = ::umask(0);
  ::umask(current);
  return current;
}

}  // namespace orch
