#pragma once
// A StatusSink that holds the progress lines of one turn of the Runner's loop and passes them
// on, in order, at flush(): the Runner flushes after the turn's processes are started and
// before it sleeps, so writing the lines (a terminal, a log file) is never between one task's
// end and the start of the task it frees. Nothing waits longer than that turn (microseconds
// to milliseconds); run_finished is passed on at once, after what is held.
#include <functional>
#include <vector>

#include "orchestrator/sched/status_sink.h"

namespace orch {

class DeferredSink final : public StatusSink {
 public:
  explicit DeferredSink(StatusSink& out) : out_(out) {}
  DeferredSink(const DeferredSink&) = delete;
  DeferredSink& operator=(const DeferredSink&) = delete;
  ~DeferredSink() override { flush(); }

  void flush();

  void task_waiting(std::string_view name, WallTime not_before) override;
  void task_started(std::string_view name, int attempt, int max_attempts,
                    const std::vector<std::string>& argv, std::string_view job_id) override;
  void task_succeeded(std::string_view name, Millis duration,
                      std::optional<std::int64_t> records) override;
  void task_failed(std::string_view name, int attempt, std::string_view reason,
                   std::optional<Millis> retry_in) override;
  void task_skipped(std::string_view name, std::string_view reason) override;
  void task_interrupted(std::string_view name, std::string_view reason) override;
  void task_warning(std::string_view name, std::string_view message) override;
  void run_finished(const RunSummary& summary) override;

 private:
  StatusSink& out_;
  std::vector<std::function<void(StatusSink&)>> held_;
};

}  // namespace orch
