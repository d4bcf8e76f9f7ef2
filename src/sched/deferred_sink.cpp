#include "orchestrator/sched/deferred_sink.h"

#include <string>
#include <utility>

namespace orch {

void DeferredSink::flush() {
  // Swapped out first: a line that makes the sink report another (it does not today) is
  // held for the next flush instead of changing the vector under the loop.
  std::vector<std::function<void(StatusSink&)>> held;
  held.swap(held_);
  for (auto& line : held) line(out_);
}

void DeferredSink::task_waiting(std::string_view name, WallTime not_before) {
  held_.emplace_back(
      [n = std::string(name), not_before](StatusSink& s) { s.task_waiting(n, not_before); });
}

void DeferredSink::task_started(std::string_view name, int attempt, int max_attempts,
                                const std::vector<std::string>& argv, std::string_view job_id) {
  held_.emplace_back([n = std::string(name), attempt, max_attempts, argv, j = std::string(job_id)](
                         StatusSink& s) { s.task_started(n, attempt, max_attempts, argv, j); });
}

void DeferredSink::task_succeeded(std::string_view name, Millis duration,
                                  std::optional<std::int64_t> records) {
  held_.emplace_back([n = std::string(name), duration, records](StatusSink& s) {
    s.task_succeeded(n, duration, records);
  });
}

void DeferredSink::task_failed(std::string_view name, int attempt, std::string_view reason,
                               std::optional<Millis> retry_in) {
  held_.emplace_back([n = std::string(name), attempt, r = std::string(reason),
                      retry_in](StatusSink& s) { s.task_failed(n, attempt, r, retry_in); });
}

void DeferredSink::task_skipped(std::string_view name, std::string_view reason) {
  held_.emplace_back(
      [n = std::string(name), r = std::string(reason)](StatusSink& s) { s.task_skipped(n, r); });
}

void DeferredSink::task_interrupted(std::string_view name, std::string_view reason) {
  held_.emplace_back([n = std::string(name), r = std::string(reason)](StatusSink& s) {
    s.task_interrupted(n, r);
  });
}

void DeferredSink::task_warning(std::string_view name, std::string_view message) {
  held_.emplace_back(
      [n = std::string(name), m = std::string(message)](StatusSink& s) { s.task_warning(n, m); });
}

void DeferredSink::run_finished(const RunSummary& summary) {
  flush();
  out_.run_finished(summary);
}

}  // namespace orch
