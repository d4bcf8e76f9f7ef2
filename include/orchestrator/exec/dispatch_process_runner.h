#pragma once
// The one ProcessRunner the scheduler sees when some tasks run elsewhere: it owns the local
// PosixProcessRunner and a SlurmProcessRunner and sends each request to the one its
// `remote` names. wait() sleeps in the local runner (woken by a local exit or a signal) for
// at most the time to the next Slurm poll or deadline, then lets the Slurm runner poll:
// no busy-waiting, and signals still stop everything at once. Our id of a process is the
// inner runner's id times two, plus one for Slurm: the route is in the id, no table to keep.
#include <memory>
#include <optional>
#include <vector>

#include "orchestrator/exec/posix_process_runner.h"
#include "orchestrator/exec/slurm_process_runner.h"

namespace orch {

class DispatchProcessRunner final : public ProcessRunner {
 public:
  // `slurm_wrapper_dir` and `env`: as for SlurmProcessRunner (made on first use).
  DispatchProcessRunner(std::filesystem::path slurm_wrapper_dir, std::vector<std::string> env);

  void arm() override { local_.arm(); }
  Expected<ProcessId> start(const ProcessRequest& request) override;
  std::vector<ProcessCompletion> wait(Millis max_wait) override;
  int stop_signal() const override { return local_.stop_signal(); }
  std::vector<ProcessCompletion> stop_all() override;
  std::size_t running() const override;
  std::string external_id(ProcessId id) const override;
  std::optional<OsProcess> os_process(ProcessId id) const override;  // local ones only

  int slurm_status_queries() const { return slurm_ ? slurm_->status_queries() : 0; }

 private:
  static ProcessId outer(ProcessId inner, bool remote) { return inner * 2 + (remote ? 1 : 0); }
  static bool is_remote(ProcessId id) { return (id & 1) != 0; }
  static ProcessId inner(ProcessId id) { return id / 2; }
  static std::vector<ProcessCompletion> translate(std::vector<ProcessCompletion> done, bool remote);

  PosixProcessRunner local_;
  std::filesystem::path wrapper_dir_;
  std::vector<std::string> env_;
  std::unique_ptr<SlurmProcessRunner> slurm_;
};

}  // namespace orch
