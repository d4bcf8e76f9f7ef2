#pragma once
// Slurm's command lines and answers as plain functions (no process is started here): the
// sbatch argv of an attempt, the squeue query for many jobs at once and its parsing, and how
// a job's final state becomes a ProcessCompletion. SlurmProcessRunner drives them.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/sched/process_runner.h"

namespace orch::slurm {

// The job wrapper's file name in the log folder (sbatch copies it at each submission).
inline constexpr const char* kWrapperFileName = ".orchestrator-slurm-job.py";

// The commands the executor needs on PATH.
inline constexpr const char* kCommands[] = {"sbatch", "squeue", "scancel"};

// The file the job wrapper writes next to the attempt's log once the task has ended: a first
// line "exit <n>" or "signal <n>", then "runtime <seconds>" and, when the job was sent a
// signal while the task ran (scancel, preemption, Slurm's time limit), "received signal <n>".
std::filesystem::path exit_file_for(const std::filesystem::path& log_path);

struct ExitFile {
  std::string status;             // "exit N" / "signal N"; empty when there is no file yet
  bool signalled = false;         // the job was sent a signal while the task ran
  std::optional<Millis> runtime;  // the task's own running time, measured on the node
};
ExitFile parse_exit_file(std::string_view text);
// The task exited 0 by itself, nobody signalled the job: the attempt succeeded, whatever Slurm
// still has to say about the job (it is ending). Anything else waits for Slurm's final state.
bool ended_cleanly(const ExitFile& f);

// --time in whole minutes: (max_runtime + kill_grace) rounded up, at least 1.
long long time_limit_minutes(Millis timeout, Millis kill_grace);

// sbatch --parsable ... <wrapper> <exit file> <argv...>: the job runs the task's argv in its
// folder through the wrapper, stdout and stderr to the attempt's log, the environment
// exported from sbatch's own (the task's), never requeued behind our back.
std::vector<std::string> sbatch_argv(const ProcessRequest& request,
                                     const std::filesystem::path& wrapper);

// The job id sbatch --parsable printed ("123" or "123;cluster"), or nullopt.
std::optional<std::string> parse_job_id(std::string_view sbatch_output);

// squeue for these jobs, finished ones included (they stay visible for MinJobAge).
std::vector<std::string> squeue_argv(const std::vector<std::string>& job_ids);

struct JobState {
  std::string state;             // PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, CANCELLED, ...
  Millis elapsed{0};             // running time so far
  std::string reason;            // why pending, or Slurm's reason for the end
  std::optional<int> exit_code;  // the batch script's, once ended
  std::optional<int> signal;     // the signal that ended it, if any
};
// The text an exit file would hold, from squeue's exit code: "exit N" / "signal S" / "".
std::string exit_text_of(const JobState& s);
// Lines "id|state|elapsed|reason|exit_code|"; lines that do not parse are left out.
std::map<std::string, JobState> parse_squeue(std::string_view output);
// squeue's elapsed time: [days-][hours:]minutes:seconds; nullopt when it does not parse.
std::optional<Millis> parse_elapsed(std::string_view text);
// squeue's answer when none of the asked ids is known any more (it exits 1).
bool is_invalid_job_id_error(std::string_view stderr_text);

bool is_pending(std::string_view state);   // waiting to run (PENDING, CONFIGURING, ...)
bool is_terminal(std::string_view state);  // ended: COMPLETED, FAILED, TIMEOUT, ...

// The outcome of a job that ended with Slurm `state` and the wrapper's exit file `exit_text`
// (empty when missing). Sets kind, exit_code, signal and detail (Slurm's words) of `c`.
void apply_final_state(ProcessCompletion& c, std::string_view job_id, std::string_view state,
                       std::string_view exit_text);

// The job wrapper (Python 3, as the collectors; env -S, coreutils >= 8.30): runs argv without a
// shell in its own session, forwards TERM/INT/USR1/USR2 to it, writes the exit file atomically,
// exits alike.
std::string_view wrapper_script();

}  // namespace orch::slurm
