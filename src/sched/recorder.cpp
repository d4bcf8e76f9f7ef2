// TaskStatus <-> the text stored in the database's status columns.
#include "orchestrator/sched/recorder.h"

#include <array>
#include <utility>

namespace orch {
namespace {

constexpr std::array<std::pair<TaskStatus, std::string_view>, 7> kNames{{
    {TaskStatus::Pending, "PENDING"},
    {TaskStatus::Running, "RUNNING"},
    {TaskStatus::Success, "SUCCESS"},
    {TaskStatus::Failed, "FAILED"},
    {TaskStatus::Timeout, "TIMEOUT"},
    {TaskStatus::Skipped, "SKIPPED"},
    {TaskStatus::Interrupted, "INTERRUPTED"},
}};

}  // namespace

std::string_view to_string(TaskStatus s) {
  for (const auto& [status, name] : kNames) {
    if (status == s) return name;
  }
  return "PENDING";  // unreachable: every enumerator is listed
}

// Exact, upper-case match: the database only ever holds what to_string wrote.
std::optional<TaskStatus> parse_task_status(std::string_view s) {
  for (const auto& [status, name] : kNames) {
    if (name == s) return status;
  }
  return std::nullopt;
}

}  // namespace orch
