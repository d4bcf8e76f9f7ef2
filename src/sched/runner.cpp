#include "orchestrator/sched/runner.h"

#include <algorithm>

namespace orch {

namespace {

AttemptOutcome outcome_of(const ProcessCompletion& c) {
  switch (c.kind) {
    case ExitKind::Exited:
      return c.exit_code == 0 ? AttemptOutcome::Success : AttemptOutcome::Failure;
    case ExitKind::Signaled: return AttemptOutcome::Failure;
    case ExitKind::TimedOut: return AttemptOutcome::Timeout;
    case ExitKind::Stopped: return AttemptOutcome::Interrupted;
  }
  return AttemptOutcome::Failure;
}

TaskStatus attempt_status(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::Success: return TaskStatus::Success;
    case AttemptOutcome::Timeout: return TaskStatus::Timeout;
    case AttemptOutcome::Interrupted: return TaskStatus::Interrupted;
    default: return TaskStatus::Failed;
  }
}

std::string describe_failure(const ProcessCompletion& c, Millis timeout) {
  std::string what;
  if (!c.detail.empty()) return c.detail;
  switch (c.kind) {
    case ExitKind::Exited: what = "exit code " + std::to_string(c.exit_code); break;
    case ExitKind::Signaled: what = "killed by signal " + std::to_string(c.signal); break;
    case ExitKind::TimedOut: what = "timed out after " + format_duration(timeout); break;
    case ExitKind::Stopped: what = "stopped by the orchestrator"; break;
  }
  if (!c.last_output_line.empty() && c.kind != ExitKind::Stopped) what += ": " + c.last_output_line;
  return what;
}

}  // namespace

Runner::Runner(Plan& plan, ProcessRunner& processes, RunRecorder& recorder, StatusSink& sink,
               const Clock& clock, std::int64_t run_id, LaunchFn launch)
    : plan_(plan),
      processes_(processes),
      recorder_(recorder),
      sink_(sink),
      clock_(clock),
      run_id_(run_id),
      launch_(std::move(launch)),
      announced_wait_(plan.size(), false) {}

bool Runner::check(const Status& s) {
  if (!s && !result_.store_error) result_.store_error = s.error().message;
  return s.has_value();
}

RunResult Runner::run() {
  const MonoTime started = clock_.mono();
  for (std::size_t i = 0; i < plan_.size(); ++i) {
    if (plan_.state(static_cast<int>(i)) == PlanState::AlreadyDone) ++result_.summary.already_done;
  }
  // One batch per turn of the loop: the ends just reaped and the starts they allow are
  // committed together, before any process starts and before the next sleep.
  while (!plan_.done() && !result_.store_error) {
    if (int sig = processes_.stop_signal()) {
      stop(sig);
      break;
    }
    start_ready();
    commit();
    if (plan_.done() || result_.store_error) break;
    announce_waits();
    const WallTime now = clock_.now();
    const auto wake = plan_.next_wakeup(now);
    Millis max_wait = kMaxSleep;
    if (wake) max_wait = std::min(max_wait, std::chrono::ceil<Millis>(*wake - now));
    if (!unrecorded_.empty()) max_wait = std::min(max_wait, kProcessRecordDelay);
    sink_.flush();  // this turn's lines, now that its processes have started
    const auto completions = processes_.wait(max_wait);
    check(recorder_.check_store());
    recorder_.begin_batch();
    finish_all(completions, processes_.stop_signal() != 0);
    record_processes();
  }
  recorder_.begin_batch();
  record_processes();
  commit();
  if (result_.store_error && processes_.running() > 0) processes_.stop_all();
  result_.summary.elapsed = std::chrono::duration_cast<Millis>(clock_.mono() - started);
  RunSummary& s = result_.summary;
  s.stop_signal = result_.stop_signal;
  s.store_failed = result_.store_error.has_value();
  s.not_started = std::max(0, static_cast<int>(plan_.size()) - s.succeeded - s.failed - s.skipped -
                                  s.already_done - s.interrupted - s.elsewhere);
  sink_.run_finished(result_.summary);
  return result_;
}

void Runner::commit() { check(recorder_.end_batch()); }

void Runner::finish_all(const std::vector<ProcessCompletion>& completions, bool stopping) {
  for (const ProcessCompletion& c : completions) {
    auto it = std::find_if(active_.begin(), active_.end(),
                           [&](const auto& a) { return a.first == c.id; });
    if (it == active_.end()) continue;
    const Active a = it->second;
    active_.erase(it);
    finish(a, c, stopping);
  }
}

// Records the starts of everything ready in the open batch, commits it, then spawns them
// (so every process has its RUNNING row first); repeats while spawn failures free slots.
// A spawn failure is committed on its own at once: no process starts beside an open batch.
void Runner::start_ready() {
  for (auto ids = plan_.ready(clock_.now()); !ids.empty() && !result_.store_error;
       ids = plan_.ready(clock_.now())) {
    recorder_.begin_batch();
    std::vector<Starting> starting;
    for (int id : ids) {
      if (result_.store_error) break;
      if (auto s = record_start(id)) starting.push_back(std::move(*s));
    }
    commit();
    for (Starting& s : starting) {
      if (result_.store_error) return;
      spawn(s);
    }
  }
}

std::optional<Runner::Starting> Runner::record_start(int id) {
  const int attempt = plan_.attempts(id) + 1;
  Starting s{id, 0, launch_(id, attempt)};
  plan_.mark_started(id);
  AttemptStart start{run_id_,         plan_.task(id).name,
                     attempt,         s.launch.scheduled_at,
                     clock_.now(),    s.launch.request.log_path.string(),
                     s.launch.command};
  auto row = recorder_.attempt_started(start);
  if (!row && row.error().kind == ErrorKind::Elsewhere) {
    // Another orchestrator runs it now: leave it (and what depends on it) to that one.
    plan_.mark_elsewhere(id);
    sink_.task_warning(start.task_name, row.error().message + ": not started in this run");
    ++result_.summary.elsewhere;
    for (const PlanSkip& held : plan_.take_held_back()) {
      sink_.task_warning(plan_.task(held.task).name, held.reason);
      ++result_.summary.elsewhere;
    }
    return std::nullopt;
  }
  if (!row) {
    check(Status(row.error()));
    return std::nullopt;
  }
  s.attempt_row = *row;
  return s;
}

void Runner::spawn(Starting& s) {
  const PlanTask& task = plan_.task(s.task);
  const auto announce = [&](std::string_view job_id) {
    sink_.task_started(task.name, plan_.attempts(s.task), task.retry.max_attempts,
                       s.launch.request.argv, job_id);
  };
  if (s.launch.unstartable) {
    announce({});
    finish_unstartable(s.task, s.attempt_row, *s.launch.unstartable);
    return;
  }
  auto pid = processes_.start(s.launch.request);
  if (!pid) {
    announce({});
    finish_unstartable(s.task, s.attempt_row, pid.error());
    return;
  }
  active_.emplace_back(*pid, Active{s.task, s.attempt_row, s.launch.request.timeout});
  // A cluster job's id is committed at once: whoever finds this row RUNNING after a crash
  // cancels the job by it.
  const std::string job_id = processes_.external_id(*pid);
  if (!job_id.empty()) check(recorder_.attempt_submitted(s.attempt_row, job_id));
  announce(job_id);
  // Recorded with the next batch, at most kProcessRecordDelay from now: one commit fewer per
  // task (most short tasks end before that, and their group goes in with their end).
  if (const auto os = processes_.os_process(*pid)) unrecorded_.push_back({s.attempt_row, *os});
}

// An attempt that ended in this batch is skipped: its row is no longer RUNNING, and only a
// RUNNING row's process group is ever looked for (crash recovery).
void Runner::record_processes() {
  for (const StartedProcess& p : unrecorded_) {
    const bool running = std::any_of(active_.begin(), active_.end(), [&](const auto& a) {
      return a.second.attempt_row == p.attempt_row;
    });
    if (running) check(recorder_.attempt_process(p.attempt_row, p.process.pid, p.process.start));
  }
  unrecorded_.clear();
}

void Runner::finish_unstartable(int id, std::int64_t attempt_row, const Error& error) {
  AttemptEnd end;
  end.ended_at = clock_.now();
  end.error = error.message;
  record_attempt_end(id, attempt_row, std::move(end),
                     error.retriable ? AttemptOutcome::Failure : AttemptOutcome::PermanentFailure,
                     error.message);
}

void Runner::finish(const Active& a, const ProcessCompletion& c, bool stopping) {
  AttemptEnd end;
  end.ended_at = clock_.now();
  end.duration = c.duration;
  if (c.kind == ExitKind::Exited) end.exit_code = c.exit_code;
  if (c.signal != 0) end.signal = c.signal;
  end.records_processed = c.records_processed;
  end.data_as_of = c.data_as_of;
  end.output_bytes = c.output_bytes;
  if (c.warning) sink_.task_warning(plan_.task(a.task).name, *c.warning);
  AttemptOutcome outcome = outcome_of(c);
  std::string reason;
  if (outcome != AttemptOutcome::Success) reason = end.error = describe_failure(c, a.timeout);
  if (stopping && outcome != AttemptOutcome::Success && outcome != AttemptOutcome::Interrupted) {
    outcome = AttemptOutcome::Interrupted;
    reason = end.error = "ended while the orchestrator was stopping (" + reason + ")";
  }
  record_attempt_end(a.task, a.attempt_row, std::move(end), outcome, reason);
}

void Runner::record_attempt_end(int id, std::int64_t attempt_row, AttemptEnd end,
                                AttemptOutcome outcome, const std::string& reason) {
  const Plan::Finish fin = plan_.mark_finished(id, outcome, end.ended_at);
  end.status = attempt_status(outcome);
  end.final = fin.final();
  check(recorder_.attempt_finished(attempt_row, plan_.task(id).name, end));
  const std::string& name = plan_.task(id).name;
  if (outcome == AttemptOutcome::Success) {
    sink_.task_succeeded(name, end.duration, end.records_processed);
    ++result_.summary.succeeded;
  } else if (outcome == AttemptOutcome::Interrupted) {
    sink_.task_interrupted(name, reason);
    ++result_.summary.interrupted;
  } else {
    std::optional<Millis> retry_in;
    if (fin.retry_at) retry_in = std::chrono::ceil<Millis>(*fin.retry_at - end.ended_at);
    sink_.task_failed(name, plan_.attempts(id), reason, retry_in);
    if (fin.final()) ++result_.summary.failed;
  }
  flush_plan_events();
}

void Runner::flush_plan_events() {
  const WallTime now = clock_.now();
  for (const PlanSkip& skip : plan_.take_skips()) {
    check(recorder_.task_skipped(run_id_, plan_.task(skip.task).name, skip.reason, now));
    sink_.task_skipped(plan_.task(skip.task).name, skip.reason);
    ++result_.summary.skipped;
  }
  for (const PlanAbandon& a : plan_.take_abandons()) {
    const bool interrupted = a.state == PlanState::Interrupted;
    check(recorder_.run_abandoned(run_id_, plan_.task(a.task).name,
                                  interrupted ? TaskStatus::Interrupted : TaskStatus::Failed,
                                  a.reason, now));
    if (interrupted) {
      sink_.task_interrupted(plan_.task(a.task).name, a.reason);
    } else {
      sink_.task_failed(plan_.task(a.task).name, plan_.attempts(a.task), a.reason, std::nullopt);
    }
    ++(interrupted ? result_.summary.interrupted : result_.summary.failed);
  }
}

void Runner::announce_waits() {
  for (int id : plan_.waiting_for_time(clock_.now())) {
    if (announced_wait_[id]) continue;
    announced_wait_[id] = true;
    sink_.task_waiting(plan_.task(id).name, *plan_.task(id).not_before);
  }
}

// A stop signal: abandon pending retries, end every running task (TERM, then KILL after
// its grace) and record each as INTERRUPTED. Waiting tasks are left as they were.
void Runner::stop(int signal) {
  result_.stop_signal = signal;
  plan_.interrupt();
  recorder_.begin_batch();
  record_processes();
  flush_plan_events();
  commit();  // before stop_all(), which may wait out the tasks' grace periods
  sink_.flush();
  const auto stopped = processes_.stop_all();
  recorder_.begin_batch();
  // A task that died by itself here was most likely signalled along with us (systemd stops
  // the whole unit): INTERRUPTED, like the ones we stop.
  finish_all(stopped, /*stopping=*/true);
  commit();
}

}  // namespace orch
