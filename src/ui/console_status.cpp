#include "orchestrator/ui/console_status.h"

#include <spdlog/spdlog.h>

#include <csignal>

#include "orchestrator/exec/command.h"

namespace orch {

ConsoleStatus::ConsoleStatus(ConsoleStyle style, std::string pipeline_label,
                             TimeFormatter format_time)
    : style_(style), label_(std::move(pipeline_label)), format_time_(std::move(format_time)) {}

void ConsoleStatus::task_waiting(std::string_view name, WallTime not_before) {
  spdlog::info("{} {} waits until {}", mark("⏳", "WAIT"), name, format_time_(not_before));
}

void ConsoleStatus::task_started(std::string_view name, int attempt, int max_attempts,
                                 const std::vector<std::string>& argv, std::string_view job_id) {
  const std::string job = job_id.empty() ? "" : fmt::format(" [Slurm job {}]", job_id);
  if (attempt > 1) {
    spdlog::info("{}  Running: {} (attempt {}/{}){}", mark("▶️", ">>"), name, attempt,
                 max_attempts, job);
  } else {
    spdlog::info("{}  Running: {}{}", mark("▶️", ">>"), name, job);
  }
  spdlog::debug("   $ {}", format_command(argv));
}

void ConsoleStatus::task_succeeded(std::string_view name, Millis duration,
                                   std::optional<std::int64_t> records) {
  if (records) {
    spdlog::info("   {} {} completed in {} ({} records)", mark("✅", "OK"), name,
                 format_duration(duration), *records);
  } else {
    spdlog::info("   {} {} completed in {}", mark("✅", "OK"), name, format_duration(duration));
  }
}

void ConsoleStatus::task_warning(std::string_view name, std::string_view message) {
  spdlog::warn("   {} {}: {}", mark("⚠️", "WARNING"), name, message);
}

void ConsoleStatus::task_failed(std::string_view name, int attempt, std::string_view reason,
                                std::optional<Millis> retry_in) {
  if (retry_in) {
    spdlog::warn("   {} {} failed (attempt {}): {}; retrying in {}", mark("⚠️", "RETRY"), name,
                 attempt, reason, format_duration(*retry_in));
  } else {
    spdlog::error("   {} {} failed: {}", mark("❌", "FAILED"), name, reason);
  }
}

void ConsoleStatus::task_skipped(std::string_view name, std::string_view reason) {
  spdlog::warn("{}  Skipping {}: {}", mark("⏭️", "SKIP"), name, reason);
}

void ConsoleStatus::task_interrupted(std::string_view name, std::string_view reason) {
  spdlog::warn("   {} {} interrupted: {}", mark("⏹️", "INTERRUPTED"), name, reason);
}

void ConsoleStatus::run_finished(const RunSummary& s) {
  // "completed" only for a run that ran to its end: never after a stop or a lost write.
  const bool cut_short = s.stop_signal != 0 || s.store_failed;
  const bool clean = !cut_short && s.failed == 0 && s.skipped == 0 && s.interrupted == 0;
  const std::string how = s.stop_signal == SIGINT    ? "stopped by SIGINT"
                          : s.stop_signal == SIGTERM ? "stopped by SIGTERM"
                          : s.stop_signal != 0
                              ? "stopped by signal " + std::to_string(s.stop_signal)
                          : s.store_failed ? "aborted: the status database could not be written"
                          : clean          ? "completed"
                                           : "finished with problems";
  const auto line = fmt::format(
      "{} {} {}: {} succeeded, {} failed, {} skipped, {} already done, {} interrupted{} in {}",
      clean       ? mark("✅", "DONE")
      : cut_short ? mark("⏹️", "STOPPED")
                  : mark("❌", "DONE"),
      label_, how, s.succeeded, s.failed, s.skipped, s.already_done, s.interrupted,
      (s.not_started > 0 ? fmt::format(", {} not started", s.not_started) : std::string()) +
          (s.elsewhere > 0 ? fmt::format(", {} left to another orchestrator", s.elsewhere)
                           : std::string()),
      format_duration(s.elapsed));
  if (clean) {
    spdlog::info("{}", line);
  } else {
    spdlog::error("{}", line);
  }
}

}  // namespace orch
