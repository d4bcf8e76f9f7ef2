#pragma once
// The real process set. Each task runs in its own process group with stdin from /dev/null
// and stdout+stderr written to a file (no pipe to us, so nothing a grandchild keeps open can
// hang us): on Linux an unnamed file that gets the attempt's log path once the attempt has
// written something (checked about once a second and at its end), so an attempt that writes
// nothing leaves no log file (orchestrator/exec/log_files.h); elsewhere the log file, emptied per
// attempt. Signals are blocked except inside ppoll/pselect, as in ninja. A task's tree is every
// process it started, however they regroup: on Linux the runner (a child subreaper) walks /proc for
// each task's descendants about once a second, at the deadline and when the task's main process
// exits, and signals them by pid as well as the task's group. An attempt ends at its deadline plus
// the grace at the latest.
#include <signal.h>
#include <sys/types.h>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "orchestrator/exec/log_files.h"
#include "orchestrator/exec/proc_tree_members.h"
#include "orchestrator/sched/process_runner.h"
#include "orchestrator/util/fd.h"

namespace orch {

class PosixProcessRunner final : public ProcessRunner {
 public:
  // Changes nothing in the process until arm() (or the first start() or wait()).
  PosixProcessRunner();
  ~PosixProcessRunner() override;  // once armed: stops what still runs, restores signal state
  PosixProcessRunner(const PosixProcessRunner&) = delete;
  PosixProcessRunner& operator=(const PosixProcessRunner&) = delete;

  // Blocks SIGCHLD/SIGINT/SIGTERM/SIGHUP/SIGCONT (delivered only while waiting), installs the
  // handlers, and on Linux makes this process a child subreaper; once, idempotent.
  void arm() override;
  Expected<ProcessId> start(const ProcessRequest& request) override;
  std::vector<ProcessCompletion> wait(Millis max_wait) override;
  int stop_signal() const override;
  std::vector<ProcessCompletion> stop_all() override;
  std::size_t running() const override { return procs_.size(); }
  std::optional<OsProcess> os_process(ProcessId id) const override;

 private:
  struct Proc {
    ProcessId id = 0;
    pid_t pid = 0;                       // also the process group id
    unsigned long long start_ticks = 0;  // its start as /proc shows it, when known at spawn
    TreeMembers members;                 // descendants seen so far (pid -> start time)
    std::optional<MonoTime> abandon_at;  // SIGKILL did not end it: recorded ended now
    MonoTime started;
    std::optional<MonoTime> deadline;  // SIGTERM at this instant
    std::optional<MonoTime> kill_at;   // SIGKILL at this instant (set once SIGTERM was sent)
    Millis kill_grace{0};
    bool timed_out = false;
    bool stopping = false;
    std::filesystem::path log_path;
    std::filesystem::path log_root;  // where its unnamed file was made
    detail::AttemptLog log;          // ours, write-only: an empty log needs no scan
  };
  struct Lingering {  // a task ended, but processes of its tree remain
    pid_t pgid = 0;
    TreeMembers members;
    MonoTime kill_at;
  };

  void reap(std::vector<ProcessCompletion>& done);
  void track_trees();              // refreshes each task's members from /proc
  void maybe_track(MonoTime now);  // track_trees() at most once per kTrackEvery
  bool only_task_children();       // our children are all running tasks' main processes
  void enforce_deadlines(MonoTime now, std::vector<ProcessCompletion>& done);
  std::optional<MonoTime> next_deadline() const;
  // The attempt's outcome and output. `tree_gone`: no process of it is left, so an unnamed
  // log it left empty can serve the next attempt.
  ProcessCompletion complete(Proc& p, int wait_status, MonoTime now, bool tree_gone);
  void name_logs_with_output(MonoTime now);  // at most once per kNameEvery
  void sleep_until(MonoTime wake) const;     // ppoll/pselect: the only place signals arrive

  std::map<pid_t, Proc> procs_;
  std::vector<pid_t> children_;  // only_task_children()'s buffer
  std::vector<Lingering> lingering_;
  detail::LogFiles logs_;
  MonoTime next_naming_{};
  ProcessId next_id_ = 1;
  bool armed_ = false;
  MonoTime next_track_{};
  sigset_t old_mask_{};
  sigset_t wait_mask_{};  // old_mask_ without our five signals
  int old_subreaper_ = 0;
  struct sigaction old_actions_[5]{};  // one per signal handled (kSignals)
};

}  // namespace orch
