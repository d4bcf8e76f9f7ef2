// SlurmProcessRunner: submission, one squeue per poll for every job, deadlines on the
// running time, batched scancel, and between polls a look for the exit files of jobs whose
// task has ended (no Slurm call). What each Slurm state means for the attempt is in slurm.cpp.
#include "orchestrator/exec/slurm_process_runner.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "orchestrator/exec/helper_command.h"
#include "orchestrator/exec/output_scan.h"
#include "orchestrator/exec/slurm.h"

namespace orch {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr Millis kCommandTimeout{60000};  // sbatch/squeue/scancel on a busy controller
constexpr Millis kExitFileWait{10000};    // a shared folder may show the exit file late
constexpr int kMissingPolls = 2;          // polls without the job before it counts as lost
// How often the exit files of open jobs are looked for between polls: a task that ended by
// itself with exit 0 is done at once instead of at the next poll, so what waits for it (a
// dependent, a queued task) is submitted within this much of its end.
constexpr Millis kExitFileCheck{200};
constexpr const char* kWrapperName = slurm::kWrapperFileName;

std::string read_small_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str().substr(0, 200);
}

std::string seconds_text(Millis d) { return std::to_string((d.count() + 999) / 1000) + "s"; }

}  // namespace

SlurmProcessRunner::SlurmProcessRunner(std::filesystem::path wrapper_dir,
                                       std::vector<std::string> env)
    : wrapper_dir_(std::move(wrapper_dir)), env_(std::move(env)) {}

SlurmProcessRunner::~SlurmProcessRunner() {
  if (!jobs_.empty()) stop_all();
}

std::vector<std::string> SlurmProcessRunner::missing_commands(const std::vector<std::string>& env) {
  std::vector<std::string> missing;
  for (const char* cmd : slurm::kCommands) {
    if (!find_program(cmd, env)) missing.emplace_back(cmd);
  }
  return missing;
}

std::optional<std::string> SlurmProcessRunner::cancel(const std::vector<std::string>& job_ids,
                                                      const std::vector<std::string>& env) {
  if (job_ids.empty()) return std::nullopt;
  std::vector<std::string> argv{"scancel"};
  argv.insert(argv.end(), job_ids.begin(), job_ids.end());
  auto r = run_helper(argv, env, kCommandTimeout);
  if (!r) return r.error().message;
  if (!r->ok()) return "scancel: " + r->message();
  return std::nullopt;
}

Status SlurmProcessRunner::ensure_wrapper() {
  if (!wrapper_.empty()) return ok();
  std::error_code ec;
  std::filesystem::create_directories(wrapper_dir_, ec);
  const auto path = wrapper_dir_ / kWrapperName;
  const auto tmp = wrapper_dir_ / (std::string(kWrapperName) + "." + std::to_string(::getpid()));
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << slurm::wrapper_script();
    if (!out.flush()) return make_error("cannot write the Slurm job wrapper " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0755);
  std::filesystem::rename(tmp, path, ec);
  if (ec)
    return make_error("cannot write the Slurm job wrapper " + path.string() + ": " + ec.message());
  wrapper_ = path;
  return ok();
}

Expected<ProcessId> SlurmProcessRunner::start(const ProcessRequest& request) {
  const RemoteSpec spec = request.remote.value_or(RemoteSpec{});
  if (const auto missing = missing_commands(request.env); !missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    return make_error(names + " not found in PATH, needed to run on Slurm executor '" +
                          spec.executor +
                          "': install the Slurm client (Debian: apt-get install slurm-client) "
                          "or add its folder to PATH",
                      false);
  }
  if (auto w = ensure_wrapper(); !w) return w.error();
  std::error_code ec;
  std::filesystem::create_directories(request.log_path.parent_path(), ec);  // sbatch needs it
  std::filesystem::remove(slurm::exit_file_for(request.log_path), ec);

  const MonoTime submitted = SteadyClock::now();
  auto r = run_helper(slurm::sbatch_argv(request, wrapper_), request.env, kCommandTimeout);
  if (!r) return r.error();
  if (!r->ok()) return make_error("sbatch refused the job: " + r->message());
  const auto job_id = slurm::parse_job_id(r->out);
  if (!job_id) return make_error("sbatch printed no job id: " + r->message());

  Job j;
  j.id = next_id_++;
  j.job_id = *job_id;
  j.log_path = request.log_path;
  j.submitted = submitted;
  j.timeout = request.timeout;
  j.kill_grace = std::max(request.kill_grace, Millis::zero());
  j.poll = std::max(spec.poll, Millis(200));
  j.max_pending = spec.max_pending;
  const MonoTime poll_at = SteadyClock::now() + j.poll;
  if (!next_poll_ || poll_at < *next_poll_) next_poll_ = poll_at;
  if (!next_check_) next_check_ = SteadyClock::now() + std::min(kExitFileCheck, j.poll);
  jobs_.emplace(j.id, std::move(j));
  return next_id_ - 1;
}

std::string SlurmProcessRunner::external_id(ProcessId id) const {
  const auto it = jobs_.find(id);
  return it == jobs_.end() ? std::string() : it->second.job_id;
}

std::optional<MonoTime> SlurmProcessRunner::deadline_of(const Job& j) const {
  if (j.term_at) return *j.term_at + j.kill_grace;
  std::optional<MonoTime> d;
  if (j.running_since && j.timeout > Millis::zero()) d = *j.running_since + j.timeout;
  if (!j.running_since && j.max_pending > Millis::zero()) d = j.submitted + j.max_pending;
  return d;
}

std::optional<MonoTime> SlurmProcessRunner::next_wake() const {
  if (jobs_.empty()) return std::nullopt;
  std::optional<MonoTime> wake = next_poll_;
  if (next_check_ && (!wake || *next_check_ < *wake)) wake = next_check_;
  for (const auto& [id, j] : jobs_) {
    if (const auto d = deadline_of(j); d && (!wake || *d < *wake)) wake = d;
  }
  return wake;
}

std::vector<ProcessCompletion> SlurmProcessRunner::wait(Millis) {
  std::vector<ProcessCompletion> done;
  if (jobs_.empty()) return done;
  const MonoTime now = SteadyClock::now();
  if (next_poll_ && now >= *next_poll_) poll(now, done);
  if (next_check_ && now >= *next_check_) check_exit_files(now, done);
  enforce(SteadyClock::now(), done);
  if (jobs_.empty()) next_check_.reset();
  return done;
}

void SlurmProcessRunner::check_exit_files(MonoTime now, std::vector<ProcessCompletion>& done) {
  next_check_ = now + kExitFileCheck;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    auto next = std::next(it);
    const Job& j = it->second;
    std::error_code ec;
    const auto exit_file = slurm::exit_file_for(j.log_path);
    if (!j.term_at && std::filesystem::exists(exit_file, ec)) {
      const auto file = slurm::parse_exit_file(read_small_file(exit_file));
      if (slurm::ended_cleanly(file)) {
        ProcessCompletion c;
        slurm::apply_final_state(c, j.job_id, "COMPLETED", file.status);
        finish(it, std::move(c), now, done);
      }
    }
    it = next;
  }
}

void SlurmProcessRunner::poll(MonoTime now, std::vector<ProcessCompletion>& done) {
  Millis interval = Millis::max();
  std::vector<std::string> ids;
  for (const auto& [id, j] : jobs_) {
    ids.push_back(j.job_id);
    interval = std::min(interval, j.poll);
  }
  next_poll_ = now + interval;
  ++status_queries_;
  auto r = run_helper(slurm::squeue_argv(ids), env_, kCommandTimeout);
  const bool none_known = r && !r->ok() && !r->timed_out && slurm::is_invalid_job_id_error(r->err);
  if (!r || (!r->ok() && !none_known)) {
    // Unknown, not failed: the states stay as last seen until a deadline decides.
    const std::string why = r ? "squeue: " + r->message() : r.error().message;
    for (auto& [id, j] : jobs_) j.last_query_error = why;
    return;
  }
  const auto states =
      none_known ? std::map<std::string, slurm::JobState>{} : slurm::parse_squeue(r->out);
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& j = it->second;
    auto next = std::next(it);
    const auto s = states.find(j.job_id);
    j.last_seen = now;
    j.last_query_error.clear();
    const auto exit_file = slurm::exit_file_for(j.log_path);
    if (s == states.end()) {
      if (++j.missing < kMissingPolls) {
        it = next;
        continue;
      }
      // Slurm forgot it (MinJobAge passed, or the controller lost its state).
      ProcessCompletion c;
      const std::string exit_text = slurm::parse_exit_file(read_small_file(exit_file)).status;
      if (!exit_text.empty()) {
        slurm::apply_final_state(
            c, j.job_id, exit_text.starts_with("exit 0") ? "COMPLETED" : "FAILED", exit_text);
      } else {
        c.kind = ExitKind::Exited;
        c.exit_code = 1;
        c.detail = "Slurm job " + j.job_id +
                   ": job state lost (Slurm no longer knows it and no final state was seen)";
      }
      finish(it, std::move(c), now, done);
      it = next;
      continue;
    }
    j.missing = 0;
    j.state = s->second.state;
    if (!j.running_since && !slurm::is_pending(j.state)) j.running_since = now - s->second.elapsed;
    if (slurm::is_terminal(j.state)) {
      std::string exit_text = slurm::parse_exit_file(read_small_file(exit_file)).status;
      const bool own_end = j.state == "COMPLETED" || j.state == "FAILED";
      if (!j.final_seen) j.final_seen = now;
      if (exit_text.empty() && !s->second.exit_code && own_end && !j.term_at &&
          now - *j.final_seen < kExitFileWait) {
        it = next;  // the job ended; its exit file may not be visible here yet
        continue;
      }
      // No exit file yet: squeue's own exit code of the batch script (the wrapper's, which
      // exits as the task did) serves as well.
      if (exit_text.empty()) exit_text = slurm::exit_text_of(s->second);
      ProcessCompletion c;
      slurm::apply_final_state(c, j.job_id, j.state, exit_text);
      if (j.term_at) {  // we ended it at its deadline
        c.kind = ExitKind::TimedOut;
        c.detail.clear();
      }
      finish(it, std::move(c), now, done);
    }
    it = next;
  }
}

void SlurmProcessRunner::enforce(MonoTime now, std::vector<ProcessCompletion>& done) {
  std::vector<std::string> to_term;
  std::vector<std::string> to_cancel;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    Job& j = it->second;
    auto next = std::next(it);
    if (j.term_at && now >= *j.term_at + j.kill_grace) {
      to_cancel.push_back(j.job_id);
      ProcessCompletion c;
      c.kind = ExitKind::TimedOut;
      finish(it, std::move(c), now, done);
    } else if (!j.term_at && j.running_since && j.timeout > Millis::zero() &&
               now >= *j.running_since + j.timeout) {
      j.term_at = now;
      to_term.push_back(j.job_id);
    } else if (!j.running_since && j.max_pending > Millis::zero() &&
               now >= j.submitted + j.max_pending) {
      to_cancel.push_back(j.job_id);
      ProcessCompletion c;
      c.exit_code = 1;
      c.detail = "Slurm job " + j.job_id + " queued longer than max_pending_seconds (" +
                 seconds_text(j.max_pending) + "); cancelled";
      finish(it, std::move(c), now, done);
    } else if (!j.last_query_error.empty() && j.timeout > Millis::zero() &&
               now - j.last_seen.value_or(j.submitted) > j.timeout + j.kill_grace) {
      // No answer about it for longer than it may run: give up on it.
      to_cancel.push_back(j.job_id);
      ProcessCompletion c;
      c.exit_code = 1;
      c.detail = "Slurm job " + j.job_id + ": state unknown for " +
                 seconds_text(
                     std::chrono::duration_cast<Millis>(now - j.last_seen.value_or(j.submitted))) +
                 " (" + j.last_query_error + ")";
      finish(it, std::move(c), now, done);
    }
    it = next;
  }
  if (!to_term.empty()) {
    std::vector<std::string> argv{"scancel", "--signal=TERM", "--full"};
    argv.insert(argv.end(), to_term.begin(), to_term.end());
    (void)run_helper(argv, env_, kCommandTimeout);  // a failure: the cancel at kill time follows
  }
  (void)cancel(to_cancel, env_);
}

void SlurmProcessRunner::finish(std::map<ProcessId, Job>::iterator it, ProcessCompletion c,
                                MonoTime now, std::vector<ProcessCompletion>& done) {
  const Job& j = it->second;
  c.id = j.id;
  c.duration = std::chrono::duration_cast<Millis>(now - j.running_since.value_or(now));
  std::error_code ec;
  const auto exit_file = slurm::exit_file_for(j.log_path);
  // The node's own measure, when the wrapper wrote it: a job that started and ended between
  // two polls has no running_since here.
  if (const auto file = slurm::parse_exit_file(read_small_file(exit_file)); file.runtime) {
    c.duration = *file.runtime;
  }
  OutputReport report = scan_output(j.log_path);
  c.records_processed = report.records_processed;
  c.data_as_of = std::move(report.data_as_of);
  c.last_output_line = std::move(report.last_line);
  // Slurm makes the file (--output) whether or not the job writes to it.
  if (const auto size = std::filesystem::file_size(j.log_path, ec); !ec) {
    c.output_bytes = static_cast<std::int64_t>(size);
  }
  if (report.data_as_of_problem) {  // said in the attempt's log too, as for a local task
    std::ofstream(j.log_path, std::ios::app)
        << "orchestrator: warning: " << *report.data_as_of_problem << "\n";
    c.warning = std::move(report.data_as_of_problem);
  }
  std::filesystem::remove(exit_file, ec);
  done.push_back(std::move(c));
  jobs_.erase(it);
}

std::vector<ProcessCompletion> SlurmProcessRunner::stop_all() {
  std::vector<ProcessCompletion> done;
  std::vector<std::string> ids;
  for (const auto& [id, j] : jobs_) ids.push_back(j.job_id);
  const auto error = cancel(ids, env_);
  const MonoTime now = SteadyClock::now();
  while (!jobs_.empty()) {
    ProcessCompletion c;
    c.kind = ExitKind::Stopped;
    if (error)
      c.detail = "stopped by the orchestrator; cancelling Slurm job " +
                 jobs_.begin()->second.job_id + " failed: " + *error;
    finish(jobs_.begin(), std::move(c), now, done);
  }
  return done;
}

}  // namespace orch
