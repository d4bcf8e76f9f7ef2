#pragma once
// Progress lines for a run, in the form users know from the Python tool
// ("▶️  Running: Asset Collection", "✅ Asset Collection completed in 2.1s").
#include <functional>
#include <string>

#include "orchestrator/sched/status_sink.h"
#include "orchestrator/ui/logging.h"

namespace orch {

class ConsoleStatus final : public StatusSink {
 public:
  using TimeFormatter = std::function<std::string(WallTime)>;
  ConsoleStatus(ConsoleStyle style, std::string pipeline_label, TimeFormatter format_time);

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
  const char* mark(const char* emoji, const char* plain) const {
    return style_.emoji ? emoji : plain;
  }
  ConsoleStyle style_;
  std::string label_;
  TimeFormatter format_time_;
};

}  // namespace orch
