#pragma once
// What the scheduler tells the person watching: progress lines on a terminal or in a log.
// ui/ has the console implementation; tests may collect events.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/util/time.h"

namespace orch {

struct RunSummary {
  int succeeded = 0;
  int failed = 0;        // failed or timed out, for good
  int skipped = 0;       // not run: an upstream failed, or a critical task failed
  int already_done = 0;  // succeeded earlier for this trading date
  int interrupted = 0;
  int not_started = 0;        // still waiting when the run ended (a stop, a database error)
  int stop_signal = 0;        // the signal that stopped the run, or 0
  bool store_failed = false;  // recording failed: the run was cut short
  int elsewhere = 0;  // running under another orchestrator now, or downstream of one: not run here
  Millis elapsed{0};
};

class StatusSink {
 public:
  virtual ~StatusSink() = default;
  virtual void task_waiting(std::string_view name, WallTime not_before) = 0;
  // `job_id`: the batch system's id when the attempt runs as a cluster job, else empty.
  virtual void task_started(std::string_view name, int attempt, int max_attempts,
                            const std::vector<std::string>& argv, std::string_view job_id) = 0;
  virtual void task_succeeded(std::string_view name, Millis duration,
                              std::optional<std::int64_t> records) = 0;
  // `retry_in` is set when another attempt follows.
  virtual void task_failed(std::string_view name, int attempt, std::string_view reason,
                           std::optional<Millis> retry_in) = 0;
  virtual void task_skipped(std::string_view name, std::string_view reason) = 0;
  // A task ended by a stop (SIGTERM/SIGINT), recorded INTERRUPTED: not a failure.
  virtual void task_interrupted(std::string_view name, std::string_view reason) {
    task_failed(name, 0, reason, std::nullopt);
  }
  // Something about a finished attempt's output worth a look (an ignored DATA_AS_OF).
  virtual void task_warning(std::string_view /*name*/, std::string_view /*message*/) {}
  virtual void run_finished(const RunSummary& summary) = 0;
};

}  // namespace orch
