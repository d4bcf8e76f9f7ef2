#pragma once
// Tasks as Slurm jobs. start() submits with sbatch (returns at once with the job id); poll()
// asks squeue about all of this runner's jobs in one call and turns what changed into
// completions. Queue time is free; running time counts from the job's start as squeue
// reports it (its elapsed time), and at the deadline the job's processes get SIGTERM
// (scancel --signal=TERM --full), the job is cancelled kill_grace later and the attempt is a
// TIMEOUT. A failed squeue leaves states as they were. Exit codes come from the file the job
// wrapper writes next to the log, so no accounting (sacct) is needed; that file is also looked
// for every 200 ms between polls, and a task that exited 0 by itself, unsignalled, is done at
// once (Slurm's verdict is waited for only when something else happened). Not thread-safe; it
// starts no process of its own except the short Slurm commands, each waited for at once.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/sched/process_runner.h"

namespace orch {

class SlurmProcessRunner final : public ProcessRunner {
 public:
  // `wrapper_dir`: where the job wrapper script is written (the log folder); sbatch copies it
  // at submission, so nodes need not see it. `env`: for squeue/scancel (PATH, SLURM_CONF).
  SlurmProcessRunner(std::filesystem::path wrapper_dir, std::vector<std::string> env);
  ~SlurmProcessRunner() override;  // cancels what still runs

  Expected<ProcessId> start(const ProcessRequest& request) override;
  // Polls when a poll is due (or a deadline passed) and returns what ended; never sleeps.
  std::vector<ProcessCompletion> wait(Millis max_wait) override;
  int stop_signal() const override { return 0; }
  std::vector<ProcessCompletion> stop_all() override;  // one scancel for every job
  std::size_t running() const override { return jobs_.size(); }
  std::string external_id(ProcessId id) const override;

  // When wait() next has something to do (a poll or a deadline); nullopt with no jobs.
  std::optional<MonoTime> next_wake() const;
  // Slurm status queries made so far (one per poll, for all jobs).
  int status_queries() const { return status_queries_; }

  // Cancels jobs by id with one scancel; an error message when that failed.
  static std::optional<std::string> cancel(const std::vector<std::string>& job_ids,
                                           const std::vector<std::string>& env);
  // The Slurm commands missing from env's PATH.
  static std::vector<std::string> missing_commands(const std::vector<std::string>& env);

 private:
  struct Job {
    ProcessId id = 0;
    std::string job_id;
    std::filesystem::path log_path;
    MonoTime submitted;
    Millis timeout{0};
    Millis kill_grace{0};
    Millis poll{5000};
    Millis max_pending{0};
    std::string state = "PENDING";  // as last seen
    std::optional<MonoTime> running_since;
    std::optional<MonoTime> last_seen;   // the last poll that answered about it
    std::optional<MonoTime> final_seen;  // first poll that saw it ended
    std::optional<MonoTime> term_at;     // SIGTERM sent at our deadline
    int missing = 0;                     // consecutive polls that did not list it
    std::string last_query_error;
  };

  void poll(MonoTime now, std::vector<ProcessCompletion>& done);
  void enforce(MonoTime now, std::vector<ProcessCompletion>& done);
  void check_exit_files(MonoTime now, std::vector<ProcessCompletion>& done);
  std::optional<MonoTime> deadline_of(const Job& j) const;
  void finish(std::map<ProcessId, Job>::iterator it, ProcessCompletion c, MonoTime now,
              std::vector<ProcessCompletion>& done);
  Status ensure_wrapper();

  std::filesystem::path wrapper_dir_;
  std::filesystem::path wrapper_;
  std::vector<std::string> env_;
  std::map<ProcessId, Job> jobs_;
  ProcessId next_id_ = 1;
  std::optional<MonoTime> next_poll_;
  std::optional<MonoTime> next_check_;  // the next look for exit files (no Slurm call)
  int status_queries_ = 0;
};

}  // namespace orch
