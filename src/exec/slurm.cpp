#include "orchestrator/exec/slurm.h"

#include <charconv>

namespace orch::slurm {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
  return s;
}

std::optional<long long> to_number(std::string_view s) {
  long long v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = s.find(sep, start);
    parts.push_back(
        s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

std::filesystem::path exit_file_for(const std::filesystem::path& log_path) {
  return std::filesystem::path(log_path.string() + ".exit");
}

ExitFile parse_exit_file(std::string_view text) {
  ExitFile f;
  for (std::string_view line : split(text, '\n')) {
    line = trim(line);
    if (f.status.empty() && (line.starts_with("exit ") || line.starts_with("signal "))) {
      f.status = std::string(line);
    } else if (line.starts_with("received signal ")) {
      f.signalled = true;
    } else if (line.starts_with("runtime ")) {
      // seconds with a fraction: "1.234"
      const std::string_view v = line.substr(8);
      const auto dot = v.find('.');
      const auto whole = to_number(v.substr(0, dot));
      long long ms = 0;
      if (dot != std::string_view::npos) {
        std::string frac(v.substr(dot + 1, 3));
        frac.resize(3, '0');
        if (const auto m = to_number(frac)) ms = *m;
      }
      if (whole && *whole >= 0) f.runtime = Millis(*whole * 1000 + ms);
    }
  }
  return f;
}

bool ended_cleanly(const ExitFile& f) { return f.status == "exit 0" && !f.signalled; }

long long time_limit_minutes(Millis timeout, Millis kill_grace) {
  const long long ms =
      std::max<long long>(0, timeout.count()) + std::max<long long>(0, kill_grace.count());
  return std::max<long long>(1, (ms + 59'999) / 60'000);
}

std::vector<std::string> sbatch_argv(const ProcessRequest& r,
                                     const std::filesystem::path& wrapper) {
  const RemoteSpec spec = r.remote.value_or(RemoteSpec{});
  std::vector<std::string> argv = {"sbatch",
                                   "--parsable",
                                   "--job-name=" + spec.job_name,
                                   "--chdir=" + r.cwd.string(),
                                   "--output=" + r.log_path.string(),
                                   "--open-mode=truncate",
                                   "--export=ALL",
                                   "--no-requeue"};
  if (r.timeout > Millis::zero()) {
    argv.push_back("--time=" + std::to_string(time_limit_minutes(r.timeout, r.kill_grace)));
  }
  if (!spec.partition.empty()) argv.push_back("--partition=" + spec.partition);
  if (!spec.account.empty()) argv.push_back("--account=" + spec.account);
  if (spec.cpus > 0) argv.push_back("--cpus-per-task=" + std::to_string(spec.cpus));
  if (!spec.memory.empty()) argv.push_back("--mem=" + spec.memory);
  argv.insert(argv.end(), spec.extra_args.begin(), spec.extra_args.end());
  argv.push_back(wrapper.string());
  argv.push_back(exit_file_for(r.log_path).string());
  argv.insert(argv.end(), r.argv.begin(), r.argv.end());
  return argv;
}

std::optional<std::string> parse_job_id(std::string_view sbatch_output) {
  std::string_view out = trim(sbatch_output);
  const std::size_t nl = out.rfind('\n');  // warnings may come first
  if (nl != std::string_view::npos) out = out.substr(nl + 1);
  const std::string_view id = out.substr(0, out.find(';'));
  if (id.empty() || !to_number(id)) return std::nullopt;
  return std::string(id);
}

std::vector<std::string> squeue_argv(const std::vector<std::string>& job_ids) {
  std::string ids;
  for (const auto& id : job_ids) ids += (ids.empty() ? "" : ",") + id;
  return {"squeue", "--noheader", "--states=all", "--jobs=" + ids,
          "--Format=JobID:|,State:|,TimeUsed:|,Reason:|,exit_code:|"};
}

std::optional<Millis> parse_elapsed(std::string_view text) {
  text = trim(text);
  long long days = 0;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto d = to_number(text.substr(0, dash));
    if (!d) return std::nullopt;
    days = *d;
    text = text.substr(dash + 1);
  }
  const auto parts = split(text, ':');
  if (parts.size() < 2 || parts.size() > 3) return std::nullopt;
  long long total = 0;
  for (const auto part : parts) {
    const auto v = to_number(part);
    if (!v) return std::nullopt;
    total = total * 60 + *v;
  }
  return Millis((days * 86400 + total) * 1000);
}

std::map<std::string, JobState> parse_squeue(std::string_view output) {
  std::map<std::string, JobState> jobs;
  for (std::string_view line : split(output, '\n')) {
    line = trim(line);
    const auto fields = split(line, '|');
    if (fields.size() < 3 || fields[0].empty() || fields[1].empty()) continue;
    JobState s;
    s.state = std::string(trim(fields[1]));
    s.elapsed = parse_elapsed(fields[2]).value_or(Millis::zero());
    if (fields.size() > 3) s.reason = std::string(trim(fields[3]));
    if (fields.size() > 4) {  // "N", or "N:S" where S is the signal that ended it
      const auto code = split(trim(fields[4]), ':');
      if (const auto n = to_number(code[0])) s.exit_code = static_cast<int>(*n);
      if (code.size() > 1) {
        if (const auto sig = to_number(code[1]); sig && *sig != 0)
          s.signal = static_cast<int>(*sig);
      }
    }
    jobs[std::string(trim(fields[0]))] = std::move(s);
  }
  return jobs;
}

std::string exit_text_of(const JobState& s) {
  if (s.signal) return "signal " + std::to_string(*s.signal);
  if (s.exit_code) return "exit " + std::to_string(*s.exit_code);
  return {};
}

bool is_invalid_job_id_error(std::string_view stderr_text) {
  return stderr_text.find("Invalid job id specified") != std::string_view::npos;
}

bool is_pending(std::string_view state) {
  return state == "PENDING" || state == "CONFIGURING" || state == "REQUEUED" ||
         state == "REQUEUE_HOLD" || state == "REQUEUE_FED" || state == "RESV_DEL_HOLD" ||
         state == "SUSPENDED" || state == "STOPPED" || state == "RESIZING";
}

bool is_terminal(std::string_view state) {
  return state == "COMPLETED" || state == "FAILED" || state == "TIMEOUT" || state == "CANCELLED" ||
         state == "OUT_OF_MEMORY" || state == "NODE_FAIL" || state == "PREEMPTED" ||
         state == "BOOT_FAIL" || state == "DEADLINE" || state == "SPECIAL_EXIT" ||
         state == "REVOKED";
}

void apply_final_state(ProcessCompletion& c, std::string_view job_id, std::string_view state,
                       std::string_view exit_text) {
  const std::string job = "Slurm job " + std::string(job_id);
  exit_text = trim(exit_text);
  std::optional<long long> exit_code;
  std::optional<long long> signal;
  if (exit_text.starts_with("exit ")) exit_code = to_number(exit_text.substr(5));
  if (exit_text.starts_with("signal ")) signal = to_number(exit_text.substr(7));

  if (state == "TIMEOUT") {
    c.kind = ExitKind::TimedOut;
    c.detail = job + " ended TIMEOUT (Slurm's time limit)";
    return;
  }
  if (state == "COMPLETED" || state == "FAILED") {
    if (exit_code) {
      c.kind = ExitKind::Exited;
      c.exit_code = static_cast<int>(*exit_code);
      return;  // the task's own exit: described like a local one
    }
    if (signal) {
      c.kind = ExitKind::Signaled;
      c.signal = static_cast<int>(*signal);
      return;
    }
    c.kind = ExitKind::Exited;
    c.exit_code = state == "COMPLETED" ? 0 : 1;
    if (state == "FAILED") c.detail = job + " ended FAILED (the wrapper wrote no exit status)";
    return;
  }
  c.kind = ExitKind::Exited;
  c.exit_code = 1;
  if (state == "CANCELLED") {
    c.detail = job + " ended CANCELLED: cancelled outside the orchestrator (scancel or an admin)";
  } else {
    c.detail = job + " ended " + std::string(state);
  }
}

std::string_view wrapper_script() {
  return R"py(#!/usr/bin/env -S python3 -I -S
# Written by orchestrator: runs one task attempt as a Slurm batch job. argv[1] is the exit
# file to write next to the attempt's log, the rest the task's command line, executed as it
# is (no shell) in its own session. TERM/INT/USR1/USR2 are passed on to the task's group.
# The exit file: "exit N" or "signal N", "runtime SECONDS", and "received signal N" when a
# signal came while the task ran. Only os, signal, sys and time, and python3 -I -S (no site,
# no user paths): this runs once per job and its start-up time counts.
import os, signal, sys, time

start = time.monotonic()
exit_file, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    try:
        os.setsid()
        os.execvp(argv[0], argv)
    except OSError as e:
        os.write(2, f"cannot execute {argv[0]}: {e.strerror}\n".encode())
    os._exit(127)

received = []


def forward(signum, _frame):
    received.append(signum)
    try:
        os.killpg(pid, signum)
    except OSError:
        pass


for s in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2):
    signal.signal(s, forward)
status = os.waitpid(pid, 0)[1]
runtime = time.monotonic() - start
try:
    os.killpg(pid, signal.SIGTERM)  # what the task left running in its group
except OSError:
    pass
if os.WIFSIGNALED(status):
    text, code = f"signal {os.WTERMSIG(status)}", 128 + os.WTERMSIG(status)
else:
    text, code = f"exit {os.WEXITSTATUS(status)}", os.WEXITSTATUS(status)
text += f"\nruntime {runtime:.3f}\n"
if received:
    text += f"received signal {received[0]}\n"
with open(exit_file + ".tmp", "w") as f:
    f.write(text)
os.replace(exit_file + ".tmp", exit_file)
sys.exit(code)
)py";
}

}  // namespace orch::slurm
