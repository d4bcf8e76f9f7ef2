#pragma once
// The real process set. Each task runs in its own process group with stdin from /dev/null
// and stdout+stderr written to its log file (emptied per attempt) (no pipe to us, so nothing a grandchild keeps
// open can hang us). Signals are blocked except inside ppoll/pselect, as in ninja.
#include <map>
#include <memory>
#include <optional>
#include <signal.h>
#include <sys/types.h>
#include <vector>

#include "orchestrator/util/fd.h"
#include "orchestrator/sched/process_runner.h"

namespace orch {

class PosixProcessRunner final : public ProcessRunner {
 public:
  // Blocks SIGCHLD/SIGINT/SIGTERM/SIGHUP (delivered only while waiting), installs the
  // handlers, and on Linux makes this process a child subreaper.
  PosixProcessRunner();
  ~PosixProcessRunner() override;  // stops what still runs, restores signal state
  PosixProcessRunner(const PosixProcessRunner&) = delete;
  PosixProcessRunner& operator=(const PosixProcessRunner&) = delete;

  Expected<ProcessId> start(const ProcessRequest& request) override;
  std::vector<ProcessCompletion> wait(Millis max_wait) override;
  int stop_signal() const override;
  std::vector<ProcessCompletion> stop_all() override;
  std::size_t running() const override { return procs_.size(); }

 private:
  struct Proc {
    ProcessId id = 0;
    pid_t pid = 0;                    // also the process group id
    MonoTime started;
    std::optional<MonoTime> deadline; // SIGTERM at this instant
    std::optional<MonoTime> kill_at;  // SIGKILL at this instant (set once SIGTERM was sent)
    Millis kill_grace{0};
    bool timed_out = false;
    bool stopping = false;
    std::filesystem::path log_path;
    Fd log;                           // ours, write-only: an empty log needs no scan
  };
  struct Lingering {                  // a group whose leader exited but members remain
    pid_t pgid = 0;
    MonoTime kill_at;
  };

  void reap(std::vector<ProcessCompletion>& done);
  void enforce_deadlines(MonoTime now);
  std::optional<MonoTime> next_deadline() const;
  ProcessCompletion complete(const Proc& p, int wait_status, MonoTime now);
  void sleep_until(MonoTime wake) const;  // ppoll/pselect: the only place signals arrive

  std::map<pid_t, Proc> procs_;
  std::vector<Lingering> lingering_;
  ProcessId next_id_ = 1;
  sigset_t old_mask_{};
  sigset_t wait_mask_{};              // old_mask_ without our four signals
  int old_subreaper_ = 0;
  struct sigaction old_actions_[4]{};
};

}  // namespace orch
