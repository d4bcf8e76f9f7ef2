#include "orchestrator/sched/background.h"

#include <algorithm>
#include <utility>

namespace orch {

BackgroundProcesses::BackgroundProcesses(ProcessRunner& inner, const Clock& clock,
                                         std::size_t max_at_once, std::size_t max_queued,
                                         Report report)
    : inner_(inner),
      clock_(clock),
      max_at_once_(std::max<std::size_t>(max_at_once, 1)),
      max_queued_(max_queued),
      report_(std::move(report)) {}

BackgroundProcesses::Submitted BackgroundProcesses::submit(std::string key,
                                                           ProcessRequest request) {
  const auto same = [&](const Job& j) { return j.key == key; };
  if (std::any_of(running_.begin(), running_.end(), same) ||
      std::any_of(queued_.begin(), queued_.end(), same)) {
    ++coalesced_;
    return Submitted::Coalesced;
  }
  if (running_.size() >= max_at_once_) {
    if (queued_.size() >= max_queued_) {
      report_({std::move(key), std::move(request), std::nullopt,
               make_error("not run: " + std::to_string(max_at_once_) + " already run and " +
                          std::to_string(queued_.size()) + " wait")});
      return Submitted::Dropped;
    }
    queued_.push_back({std::move(key), std::move(request), 0});
    return Submitted::Queued;
  }
  queued_.push_front({std::move(key), std::move(request), 0});
  start_queued();
  return Submitted::Started;
}

void BackgroundProcesses::start_queued() {
  while (running_.size() < max_at_once_ && !queued_.empty()) {
    Job job = std::move(queued_.front());
    queued_.pop_front();
    auto id = inner_.start(job.request);
    if (!id) {
      report_({std::move(job.key), std::move(job.request), std::nullopt, id.error()});
      continue;
    }
    job.id = *id;
    running_.push_back(std::move(job));
  }
}

bool BackgroundProcesses::sort(std::vector<ProcessCompletion> done) {
  bool task_ended = false;
  for (ProcessCompletion& c : done) {
    auto it =
        std::find_if(running_.begin(), running_.end(), [&](const Job& j) { return j.id == c.id; });
    if (it == running_.end()) {
      pending_.push_back(std::move(c));
      task_ended = true;
      continue;
    }
    Job job = std::move(*it);
    running_.erase(it);
    report_({std::move(job.key), std::move(job.request), std::move(c), std::nullopt});
  }
  if (inner_.stop_signal() == 0) start_queued();
  return task_ended;
}

void BackgroundProcesses::poll() {
  if (!running_.empty()) sort(inner_.wait(Millis{0}));
}

bool BackgroundProcesses::drain(Millis max_wait) {
  const MonoTime until = clock_.mono() + max_wait;
  while (jobs() > 0) {
    if (inner_.stop_signal() != 0) {
      stop_all();
      break;
    }
    const auto left = std::chrono::ceil<Millis>(until - clock_.mono());
    if (left.count() <= 0) break;
    sort(inner_.wait(left));
  }
  return jobs() == 0;
}

Expected<ProcessId> BackgroundProcesses::start(const ProcessRequest& request) {
  return inner_.start(request);
}

std::vector<ProcessCompletion> BackgroundProcesses::wait(Millis max_wait) {
  const MonoTime until = clock_.mono() + max_wait;
  for (;;) {
    if (!pending_.empty()) {
      // The tasks' ends a background wait collected, with whatever else ended by now.
      if (!running_.empty() || inner_.running() > 0) sort(inner_.wait(Millis{0}));
      return std::exchange(pending_, {});
    }
    const auto left = std::chrono::ceil<Millis>(until - clock_.mono());
    const bool task_ended = sort(inner_.wait(std::max(left, Millis{0})));
    if (task_ended || inner_.stop_signal() != 0 || left.count() <= 0) {
      return std::exchange(pending_, {});
    }
    if (clock_.mono() >= until) return {};
  }
}

std::vector<ProcessCompletion> BackgroundProcesses::stop_all() {
  abandon_queue("not run: a stop signal came first");
  sort(inner_.stop_all());
  return std::exchange(pending_, {});
}

void BackgroundProcesses::abandon_queue(const std::string& why) {
  while (!queued_.empty()) {
    Job job = std::move(queued_.front());
    queued_.pop_front();
    report_({std::move(job.key), std::move(job.request), std::nullopt, make_error(why)});
  }
}

}  // namespace orch
