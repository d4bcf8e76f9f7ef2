// PosixProcessRunner: owns the running task processes, their deadlines, and the groups
// their leaders left behind. Signals are blocked except inside sleep_until(), so every
// check-then-sleep below is race-free (ninja's scheme).
#include "orchestrator/exec/posix_process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <cerrno>
#include <ctime>

#include <spdlog/spdlog.h>

#include "orchestrator/exec/output_scan.h"
#include "spawn.h"

namespace orch {
namespace {

using Clock = std::chrono::steady_clock;

// Set by the handler; the first stop signal wins. Shared by all runners (signals are too).
volatile sig_atomic_t g_stop_signal = 0;
// A stop signal after the first (a second Ctrl-C): stop_all stops waiting out the grace.
volatile sig_atomic_t g_again_signal = 0;

constexpr int kSignals[4] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
constexpr Millis kKillRepeat{1000};        // SIGKILL re-sent while a process refuses to go
constexpr Millis kStopGiveUp{2000};        // stop_all stops waiting this long after the last SIGKILL
constexpr Millis kLingerPoll{50};          // stop_all re-checks groups it may get no SIGCHLD for

void on_signal(int sig) {
  if (sig == SIGCHLD) return;
  if (g_stop_signal == 0) {
    g_stop_signal = sig;
  } else {
    g_again_signal = sig;
  }
  // SIGCHLD only needs to interrupt ppoll/pselect.
}

// SIGTERM, then SIGCONT so that a stopped member receives it.
void terminate_group(pid_t pgid) {
  ::kill(-pgid, SIGTERM);
  ::kill(-pgid, SIGCONT);
}

}  // namespace

PosixProcessRunner::PosixProcessRunner() {
  g_stop_signal = 0;
  g_again_signal = 0;
  sigset_t ours;
  sigemptyset(&ours);
  for (int sig : kSignals) sigaddset(&ours, sig);
  ::sigprocmask(SIG_BLOCK, &ours, &old_mask_);
  wait_mask_ = old_mask_;
  for (int sig : kSignals) sigdelset(&wait_mask_, sig);

  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sa.sa_mask = ours;  // no nesting: a second signal waits, so the first one really wins
  for (int i = 0; i < 4; ++i) {
    sa.sa_flags = kSignals[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
    ::sigaction(kSignals[i], &sa, &old_actions_[i]);
  }
#ifdef __linux__
  // Orphaned grandchildren are reparented to us, so we can reap them and see them die.
  ::prctl(PR_GET_CHILD_SUBREAPER, &old_subreaper_);
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
}

PosixProcessRunner::~PosixProcessRunner() {
  if (!procs_.empty() || !lingering_.empty()) stop_all();
#ifdef __linux__
  ::prctl(PR_SET_CHILD_SUBREAPER, old_subreaper_);
#endif
  // Unblock first: a signal still pending then reaches our handler, not the old disposition.
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  for (int i = 0; i < 4; ++i) ::sigaction(kSignals[i], &old_actions_[i], nullptr);
}

Expected<ProcessId> PosixProcessRunner::start(const ProcessRequest& request) {
  const MonoTime started = Clock::now();
  Expected<detail::Spawned> spawned = detail::spawn_process(request);
  if (!spawned) return spawned.error();
  Proc p;
  p.id = next_id_++;
  p.pid = spawned->pid;
  p.log = std::move(spawned->log);
  p.started = started;
  if (request.timeout > Millis::zero()) p.deadline = started + request.timeout;
  p.kill_grace = std::max(request.kill_grace, Millis::zero());
  p.log_path = request.log_path;
  const ProcessId id = p.id;
  procs_.emplace(p.pid, std::move(p));
  return id;
}

// A stop signal that arrived while blocked (e.g. during database setup) counts at once, so
// no task is started after it.
int PosixProcessRunner::stop_signal() const {
  if (g_stop_signal != 0) return g_stop_signal;
  sigset_t pending;
  sigemptyset(&pending);
  if (sigpending(&pending) == 0) {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      if (sigismember(&pending, sig)) return sig;
    }
  }
  return 0;
}

std::vector<ProcessCompletion> PosixProcessRunner::wait(Millis max_wait) {
  const MonoTime end = Clock::now() + std::max(max_wait, Millis::zero());
  std::vector<ProcessCompletion> done;
  for (;;) {
    reap(done);
    const MonoTime now = Clock::now();
    enforce_deadlines(now);
    if (!done.empty() || g_stop_signal != 0 || now >= end) return done;
    MonoTime wake = end;
    if (const auto d = next_deadline()) wake = std::min(wake, *d);
    sleep_until(wake);
  }
}

std::vector<ProcessCompletion> PosixProcessRunner::stop_all() {
  std::vector<ProcessCompletion> done;
  reap(done);  // what ended on its own keeps its own outcome
  MonoTime now = Clock::now();
  MonoTime last_kill = now;
  for (auto& [pid, p] : procs_) {
    p.stopping = true;
    terminate_group(pid);
    const MonoTime kill_at = now + p.kill_grace;
    if (!p.kill_at || kill_at < *p.kill_at) p.kill_at = kill_at;
    last_kill = std::max(last_kill, *p.kill_at);
  }
  for (const Lingering& l : lingering_) {
    terminate_group(l.pgid);
    last_kill = std::max(last_kill, l.kill_at);
  }
  MonoTime give_up = last_kill + kStopGiveUp;
  // A stop signal that is still pending (blocked outside ppoll) is delivered at the first
  // sleep and is the first one, not a second.
  if (g_stop_signal == 0 && stop_signal() != 0) sleep_until(Clock::now());
  bool killed_at_once = false;
  for (;;) {
    reap(done);
    now = Clock::now();
    if (g_again_signal != 0 && !killed_at_once) {
      // A second Ctrl-C (or TERM) while the tasks have their grace: the user wants out now.
      killed_at_once = true;
      spdlog::warn("second interrupt: killing now");
      for (auto& [pid, p] : procs_) {
        ::kill(-pid, SIGKILL);
        p.kill_at = now + kKillRepeat;
      }
      for (Lingering& l : lingering_) {
        ::kill(-l.pgid, SIGKILL);
        l.kill_at = now;
      }
      give_up = std::min(give_up, now + kKillRepeat + kStopGiveUp);
    }
    enforce_deadlines(now);
    if ((procs_.empty() && lingering_.empty()) || now >= give_up) break;
    MonoTime wake = give_up;
    if (const auto d = next_deadline()) wake = std::min(wake, *d);
    if (!lingering_.empty()) wake = std::min(wake, now + kLingerPoll);
    sleep_until(wake);
  }
  // Processes SIGKILL could not end (uninterruptible sleep) are reported and forgotten;
  // they are reaped as strangers whenever they do exit.
  for (const auto& [pid, p] : procs_) {
    done.push_back(complete(p, 0, now));
    done.back().exit_code = 0;
    done.back().signal = SIGKILL;
  }
  procs_.clear();
  lingering_.clear();
  return done;
}

void PosixProcessRunner::reap(std::vector<ProcessCompletion>& done) {
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;  // nothing more now, or ECHILD
    const auto it = procs_.find(pid);
    if (it == procs_.end()) continue;  // an orphan reparented to us (subreaper): just reaped
    const Proc& p = it->second;
    const MonoTime now = Clock::now();
    done.push_back(complete(p, status, now));
    // The leader is gone; whatever it left in its group is ended the same way.
    if (::kill(-pid, 0) == 0) {
      terminate_group(pid);
      lingering_.push_back(Lingering{pid, p.kill_at.value_or(now + p.kill_grace)});
    }
    procs_.erase(it);
  }
}

void PosixProcessRunner::enforce_deadlines(MonoTime now) {
  for (auto& [pid, p] : procs_) {
    if (p.deadline && !p.kill_at && now >= *p.deadline) {
      p.timed_out = true;
      terminate_group(pid);
      p.kill_at = now + p.kill_grace;
    }
    if (p.kill_at && now >= *p.kill_at) {
      ::kill(-pid, SIGKILL);
      p.kill_at = now + kKillRepeat;
    }
  }
  std::erase_if(lingering_, [now](Lingering& l) {
    if (::kill(-l.pgid, 0) != 0 && errno == ESRCH) return true;  // the group is gone
    if (now >= l.kill_at) {
      ::kill(-l.pgid, SIGKILL);
      l.kill_at = now + kKillRepeat;
    }
    return false;
  });
}

std::optional<MonoTime> PosixProcessRunner::next_deadline() const {
  std::optional<MonoTime> next;
  const auto consider = [&next](MonoTime t) {
    if (!next || t < *next) next = t;
  };
  for (const auto& [pid, p] : procs_) {
    if (p.kill_at) {
      consider(*p.kill_at);
    } else if (p.deadline) {
      consider(*p.deadline);
    }
  }
  for (const Lingering& l : lingering_) consider(l.kill_at);
  return next;
}

ProcessCompletion PosixProcessRunner::complete(const Proc& p, int wait_status, MonoTime now) {
  ProcessCompletion c;
  c.id = p.id;
  if (WIFEXITED(wait_status)) {
    c.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    c.signal = WTERMSIG(wait_status);
  }
  if (p.timed_out) {
    c.kind = ExitKind::TimedOut;
  } else if (p.stopping) {
    c.kind = ExitKind::Stopped;
  } else {
    c.kind = WIFEXITED(wait_status) ? ExitKind::Exited : ExitKind::Signaled;
  }
  c.duration = std::chrono::duration_cast<Millis>(now - p.started);
  struct stat st {};
  if (p.log.valid() && ::fstat(p.log.get(), &st) == 0 && st.st_size == 0) return c;
  OutputReport report = scan_output(p.log_path);
  c.records_processed = report.records_processed;
  c.data_as_of = std::move(report.data_as_of);
  c.last_output_line = std::move(report.last_line);
  if (report.data_as_of_problem) {
    // Said in the attempt's log too, beside the line it is about.
    const std::string line = "orchestrator: warning: " + *report.data_as_of_problem + "\n";
    Fd log(::open(p.log_path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    if (log.valid()) {
      const ssize_t n = ::write(log.get(), line.data(), line.size());
      (void)n;  // best effort: the orchestrator's log has the warning too
    }
    c.warning = std::move(report.data_as_of_problem);
  }
  return c;
}

void PosixProcessRunner::sleep_until(MonoTime wake) const {
  auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(wake - Clock::now());
  if (left < std::chrono::nanoseconds::zero()) left = std::chrono::nanoseconds::zero();
#ifndef __linux__
  // macOS emulates pselect non-atomically: a signal just before it may wait out the timeout.
  left = std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(200));
#endif
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(left.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(left.count() % 1000000000);
#ifdef __linux__
  ::ppoll(nullptr, 0, &ts, &wait_mask_);
#else
  ::pselect(0, nullptr, nullptr, nullptr, &ts, &wait_mask_);
#endif
  // EINTR (a signal arrived) or the timeout: the caller's loop re-checks either way.
}

}  // namespace orch
