#include "orchestrator/app/session.h"

#include <spdlog/spdlog.h>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/launch.h"
#include "orchestrator/exec/left_trees.h"
#include "orchestrator/exec/slurm_process_runner.h"
#include "orchestrator/ui/logging.h"

namespace orch {

namespace {

// A task never overlaps itself: what the interrupted attempts started (their main processes
// died with their orchestrator, their children need not have) is ended before anything runs.
void end_left_processes(const std::vector<StatusStore::LeftGroup>& left,
                        const std::string& database) {
  if (left.empty()) return;
  std::vector<LeftTree> trees;
  trees.reserve(left.size());
  for (const auto& g : left) trees.push_back(LeftTree{g.run_id, g.pgid, g.start});
  const EndedTrees ended = end_left_trees(trees, database, std::chrono::seconds(5));
  if (ended.killed > 0) {
    spdlog::warn("ended {} process(es) left running by the interrupted task(s)", ended.killed);
  }
  if (ended.survivors > 0) {
    spdlog::error("{} process(es) left by the interrupted task(s) did not end after SIGKILL",
                  ended.survivors);
  }
}

Expected<OpenStore> open_session(const Pipeline& pipeline, const std::string& mode) {
  const PipelineConfig& cfg = pipeline.config;
  if (auto logs = add_file_logging(cfg.log_dir); !logs) {
    spdlog::warn("{} (logging to the console only)", logs.error().message);
  }
  std::error_code ec;
  std::filesystem::create_directories(cfg.database.parent_path(), ec);
  if (ec) {
    return make_error(ErrorKind::Store, "cannot create the database folder " +
                                            cfg.database.parent_path().string() + ": " +
                                            ec.message());
  }
  auto lock = InstanceLock::acquire(cfg.database, mode);
  if (!lock) return lock.error();
  auto store = StatusStore::open(cfg.database);
  if (!store) return store.error();
  const auto mode_is_dead = [&](const std::string& m) {
    return m == mode || InstanceLock::is_free(cfg.database, m);
  };
  // The Slurm jobs of a dead orchestrator's attempts are cancelled before their rows are
  // marked INTERRUPTED, so no job outlives the record of it.
  auto jobs = (*store)->open_job_ids(mode_is_dead);
  if (!jobs) return jobs.error();
  if (!jobs->empty()) {
    std::string ids;
    for (const auto& id : *jobs) ids += (ids.empty() ? "" : " ") + id;
    if (auto failed = SlurmProcessRunner::cancel(*jobs, current_environment())) {
      spdlog::warn("could not cancel the Slurm jobs {} left by an orchestrator that is gone: {}",
                   ids, *failed);
    } else {
      spdlog::warn("cancelled the Slurm jobs {} left by an orchestrator that is gone", ids);
    }
  }
  std::vector<StatusStore::LeftGroup> left;
  auto recovered = (*store)->recover_interrupted(mode_is_dead, pipeline.clock->now(), &left);
  if (!recovered) return recovered.error();
  if (*recovered > 0) {
    spdlog::warn("marked {} task(s) INTERRUPTED: the orchestrator that ran them is gone",
                 *recovered);
  }
  end_left_processes(left, cfg.database.string());
  return OpenStore{std::move(*lock), std::move(*store)};
}

}  // namespace

Expected<OpenStore> open_store(const Pipeline& pipeline, const std::string& mode) {
  auto session = open_session(pipeline, mode);
  if (!session) spdlog::error("{}", session.error().message);
  return session;
}

int finish_run(StatusStore& store, std::int64_t run_id, const RunResult& result, WallTime end) {
  if (result.store_error) {
    spdlog::error("status database error, run stopped: {}", *result.store_error);
    // Already failing with the store's exit code; a second store error adds nothing, and the
    // next start marks the run INTERRUPTED.
    (void)store.end_run(run_id, TaskStatus::Failed, end);
    return exit_code::kStoreError;
  }
  if (result.stop_signal) {
    // Exiting on the signal either way; the next start recovers a run left open.
    (void)store.end_run(run_id, TaskStatus::Interrupted, end);
    spdlog::warn("stopped by signal {}", result.stop_signal);
    return exit_code::signal_exit(result.stop_signal);
  }
  const bool failed = result.any_failed();
  if (auto ended = store.end_run(run_id, failed ? TaskStatus::Failed : TaskStatus::Success, end);
      !ended) {
    spdlog::error("{}", ended.error().message);
    return exit_code::kStoreError;
  }
  return failed ? exit_code::kFailed : exit_code::kOk;
}

}  // namespace orch
