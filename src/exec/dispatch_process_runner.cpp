#include "orchestrator/exec/dispatch_process_runner.h"

#include <algorithm>

namespace orch {

using SteadyClock = std::chrono::steady_clock;

DispatchProcessRunner::DispatchProcessRunner(std::filesystem::path slurm_wrapper_dir,
                                             std::vector<std::string> env)
    : wrapper_dir_(std::move(slurm_wrapper_dir)), env_(std::move(env)) {}

Expected<ProcessId> DispatchProcessRunner::start(const ProcessRequest& request) {
  local_.arm();  // a stop signal must reach Slurm jobs as well as local children
  const bool remote = request.remote.has_value();
  Expected<ProcessId> started = make_error("unreachable");
  if (remote) {
    if (!slurm_) slurm_ = std::make_unique<SlurmProcessRunner>(wrapper_dir_, env_);
    started = slurm_->start(request);
  } else {
    started = local_.start(request);
  }
  if (!started) return started.error();
  return outer(*started, remote);
}

std::vector<ProcessCompletion> DispatchProcessRunner::translate(std::vector<ProcessCompletion> done,
                                                                bool remote) {
  for (ProcessCompletion& c : done) c.id = outer(c.id, remote);
  return done;
}

std::vector<ProcessCompletion> DispatchProcessRunner::wait(Millis max_wait) {
  const MonoTime end = SteadyClock::now() + std::max(max_wait, Millis::zero());
  for (;;) {
    MonoTime wake = end;
    if (slurm_) {
      if (const auto w = slurm_->next_wake()) wake = std::min(wake, *w);
    }
    const auto cap = std::chrono::ceil<Millis>(wake - SteadyClock::now());
    auto done = translate(local_.wait(std::max(cap, Millis::zero())), false);
    if (slurm_ && slurm_->running() > 0) {
      auto remote = translate(slurm_->wait(Millis::zero()), true);
      done.insert(done.end(), std::make_move_iterator(remote.begin()),
                  std::make_move_iterator(remote.end()));
    }
    if (!done.empty() || local_.stop_signal() != 0 || SteadyClock::now() >= end) return done;
  }
}

std::vector<ProcessCompletion> DispatchProcessRunner::stop_all() {
  std::vector<ProcessCompletion> done;
  if (slurm_) done = translate(slurm_->stop_all(), true);  // one scancel, returns at once
  auto local = translate(local_.stop_all(), false);
  done.insert(done.end(), std::make_move_iterator(local.begin()),
              std::make_move_iterator(local.end()));
  return done;
}

std::size_t DispatchProcessRunner::running() const {
  return local_.running() + (slurm_ ? slurm_->running() : 0);
}

std::string DispatchProcessRunner::external_id(ProcessId id) const {
  if (!is_remote(id) || !slurm_) return {};
  return slurm_->external_id(inner(id));
}

std::optional<OsProcess> DispatchProcessRunner::os_process(ProcessId id) const {
  if (is_remote(id)) return std::nullopt;
  return local_.os_process(inner(id));
}

}  // namespace orch
