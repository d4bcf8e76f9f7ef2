#pragma once
// Test doubles for the scheduler's interfaces: a process set that "runs" scripted attempts
// on a FakeClock, a recorder and a sink that keep what they were told.
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "orchestrator/sched/clock.h"
#include "orchestrator/sched/plan.h"
#include "orchestrator/sched/process_runner.h"
#include "orchestrator/sched/recorder.h"
#include "orchestrator/sched/status_sink.h"

namespace orch::test {

// An arbitrary fixed instant for tests on a fake clock.
inline const WallTime T0 = WallTime{} + std::chrono::hours(24 * 20000);

inline PlanTask plan_task(std::string name, int tier, std::vector<int> deps = {}, int attempts = 1,
                          std::vector<Seconds> backoff = {}) {
  PlanTask t;
  t.name = std::move(name);
  t.tier = tier;
  t.deps = std::move(deps);
  t.retry.max_attempts = attempts;
  t.retry.backoff = std::move(backoff);
  return t;
}

struct FakeAttempt {
  Millis duration{1000};
  int exit_code = 0;
  std::optional<std::int64_t> records;
  std::optional<Error> start_error;  // start() fails with this
  int killed_by = 0;                 // ends killed by this signal instead of exiting
};
inline FakeAttempt exits(Millis after, int code) {
  FakeAttempt a;
  a.duration = after;
  a.exit_code = code;
  return a;
}
inline FakeAttempt cannot_start(std::string why) {
  FakeAttempt a;
  a.start_error = Error{std::move(why), false};
  return a;
}

class FakeProcessRunner final : public ProcessRunner {
 public:
  explicit FakeProcessRunner(FakeClock& clock) : clock_(clock) {}

  std::map<std::string, std::deque<FakeAttempt>> script;  // per task, one entry per attempt
  struct StartEvent {
    std::string task;
    WallTime at;
  };
  std::vector<StartEvent> starts;
  std::size_t max_parallel_seen = 0;
  std::function<void()> before_start_or_wait;  // a test's check at each start and each sleep
  std::optional<WallTime> signal_at;  // stop_signal() turns SIGTERM (15) once the clock passes it
  int signal_number = 15;
  bool died_by_signal_at_stop = false;  // the tasks got the stop signal too and died of it first
  bool report_os_process = false;       // os_process() answers (pid 1000 + id), as a local runner's
  std::vector<Millis> waits;            // max_wait of each wait()

  Expected<ProcessId> start(const ProcessRequest& request) override {
    if (before_start_or_wait) before_start_or_wait();
    FakeAttempt a;
    auto it = script.find(request.task_name);
    if (it != script.end() && !it->second.empty()) {
      a = it->second.front();
      it->second.pop_front();
    }
    if (a.start_error) return *a.start_error;
    starts.push_back({request.task_name, clock_.now()});
    Proc p{next_id_++, request.task_name, clock_.mono() + a.duration, a, false, clock_.mono()};
    if (request.timeout.count() > 0 && a.duration > request.timeout) {
      p.ends = clock_.mono() + request.timeout;
      p.timed_out = true;
    }
    if (request.remote) external_[p.id] = "9" + std::to_string(p.id);  // a job id, as Slurm's
    procs_.push_back(p);
    max_parallel_seen = std::max(max_parallel_seen, procs_.size());
    return p.id;
  }

  std::vector<ProcessCompletion> wait(Millis max_wait) override {
    waits.push_back(max_wait);
    if (before_start_or_wait) before_start_or_wait();
    if (stop_signal()) return {};
    const MonoTime limit = clock_.mono() + max_wait;
    MonoTime first = limit;
    for (const Proc& p : procs_) first = std::min(first, p.ends);
    if (signal_at) {
      auto until_signal = std::chrono::ceil<Millis>(*signal_at - clock_.now());
      if (until_signal.count() >= 0) first = std::min(first, clock_.mono() + until_signal);
    }
    if (first > clock_.mono())
      clock_.advance(std::chrono::duration_cast<Millis>(first - clock_.mono()));
    std::vector<ProcessCompletion> done;
    for (auto it = procs_.begin(); it != procs_.end();) {
      if (it->ends <= clock_.mono()) {
        done.push_back(complete(*it, it->timed_out ? ExitKind::TimedOut : ExitKind::Exited));
        it = procs_.erase(it);
      } else {
        ++it;
      }
    }
    return done;
  }

  int stop_signal() const override {
    return signal_at && clock_.now() >= *signal_at ? signal_number : 0;
  }

  std::vector<ProcessCompletion> stop_all() override {
    std::vector<ProcessCompletion> done;
    for (const Proc& p : procs_) {
      done.push_back(complete(p, died_by_signal_at_stop ? ExitKind::Signaled : ExitKind::Stopped));
      if (died_by_signal_at_stop) done.back().signal = 15;
    }
    procs_.clear();
    return done;
  }

  std::size_t running() const override { return procs_.size(); }
  std::optional<OsProcess> os_process(ProcessId id) const override {
    if (!report_os_process) return std::nullopt;
    return OsProcess{1000 + static_cast<std::int64_t>(id), 42};
  }
  std::string external_id(ProcessId id) const override {
    const auto it = external_.find(id);
    return it == external_.end() ? std::string() : it->second;
  }

 private:
  struct Proc {
    ProcessId id;
    std::string task;
    MonoTime ends;
    FakeAttempt attempt;
    bool timed_out;
    MonoTime started;
  };
  ProcessCompletion complete(const Proc& p, ExitKind kind) {
    ProcessCompletion c;
    c.id = p.id;
    c.kind = kind;
    if (kind == ExitKind::Exited && p.attempt.killed_by != 0) {
      c.kind = ExitKind::Signaled;
      c.signal = p.attempt.killed_by;
    }
    c.exit_code = c.kind == ExitKind::Exited ? p.attempt.exit_code : 0;
    c.duration = std::chrono::duration_cast<Millis>(clock_.mono() - p.started);
    c.records_processed = p.attempt.records;
    if (c.exit_code != 0) c.last_output_line = "boom";
    return c;
  }
  FakeClock& clock_;
  std::vector<Proc> procs_;
  std::map<ProcessId, std::string> external_;
  ProcessId next_id_ = 1;
};

// Keeps every call as a line: "start X 1", "end X FAILED retry", "end X SUCCESS final",
// "skip X: reason", "abandon X FAILED: reason".
class FakeRecorder final : public RunRecorder {
 public:
  std::vector<std::string> events;
  std::map<std::string, std::int64_t> total_runs;
  bool fail_writes = false;
  bool fail_commits = false;
  std::size_t uncommitted = 0;            // calls made in the open batch
  int commits = 0;                        // batches ended with something in them
  std::vector<std::size_t> committed_at;  // events.size() at each of those commits

  Expected<std::int64_t> attempt_started(const AttemptStart& s) override {
    if (fail_writes) return make_error("disk full");
    add("start " + s.task_name + " " + std::to_string(s.attempt));
    if (s.attempt == 1) ++total_runs[s.task_name];
    return static_cast<std::int64_t>(events.size());
  }
  Status attempt_submitted(std::int64_t row, const std::string& job_id) override {
    add("job " + std::to_string(row) + " " + job_id);
    return ok();
  }
  Status attempt_process(std::int64_t row, std::int64_t pgid, std::uint64_t) override {
    add("process " + std::to_string(row) + " " + std::to_string(pgid));
    return ok();
  }
  Status attempt_finished(std::int64_t, const std::string& task, const AttemptEnd& e) override {
    add("end " + task + " " + std::string(to_string(e.status)) + (e.final ? " final" : " retry"));
    return ok();
  }
  Status run_abandoned(std::int64_t, const std::string& task, TaskStatus s,
                       const std::string& reason, WallTime) override {
    add("abandon " + task + " " + std::string(to_string(s)) + ": " + reason);
    return ok();
  }
  Status task_skipped(std::int64_t, const std::string& task, const std::string& reason,
                      WallTime) override {
    add("skip " + task + ": " + reason);
    return ok();
  }
  void begin_batch() override { in_batch_ = true; }
  Status end_batch() override {
    in_batch_ = false;
    if (uncommitted == 0) return ok();
    if (fail_commits) return make_error("disk I/O error at commit");
    uncommitted = 0;
    ++commits;
    committed_at.push_back(events.size());
    return ok();
  }

 private:
  void add(std::string event) {
    events.push_back(std::move(event));
    if (in_batch_) ++uncommitted;
  }
  bool in_batch_ = false;
};

class CollectingSink final : public StatusSink {
 public:
  std::vector<std::string> lines;
  RunSummary summary;
  void task_waiting(std::string_view name, WallTime) override {
    lines.push_back("wait " + std::string(name));
  }
  void task_started(std::string_view name, int attempt, int, const std::vector<std::string>&,
                    std::string_view job_id) override {
    lines.push_back("run " + std::string(name) + " " + std::to_string(attempt) +
                    (job_id.empty() ? "" : " job " + std::string(job_id)));
  }
  void task_succeeded(std::string_view name, Millis, std::optional<std::int64_t>) override {
    lines.push_back("ok " + std::string(name));
  }
  void task_failed(std::string_view name, int, std::string_view reason,
                   std::optional<Millis> retry_in) override {
    lines.push_back("fail " + std::string(name) + ": " + std::string(reason) +
                    (retry_in ? " retry in " + std::to_string(retry_in->count()) + "ms" : ""));
  }
  void task_skipped(std::string_view name, std::string_view reason) override {
    lines.push_back("skip " + std::string(name) + ": " + std::string(reason));
  }
  void run_finished(const RunSummary& s) override { summary = s; }
};

}  // namespace orch::test
