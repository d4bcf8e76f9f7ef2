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
#include <set>

#include <spdlog/spdlog.h>

#include "orchestrator/exec/output_scan.h"
#include "proc_tree.h"
#include "spawn.h"

namespace orch {
namespace {

using Clock = std::chrono::steady_clock;

// Set by the handlers; the first stop signal wins. Shared by all runners (signals are too).
volatile sig_atomic_t g_stop_signal = 0;
// Set when we were continued after a stop (SIGSTOP/SIGTSTP, then SIGCONT): ppoll's timeout
// was computed before the stop, so wait() returns and its caller recomputes from the clock.
volatile sig_atomic_t g_continued = 0;
// A stop signal after the first (a second Ctrl-C): stop_all stops waiting out the grace.
volatile sig_atomic_t g_again_signal = 0;

constexpr int kSignals[5] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGCONT};
constexpr Millis kKillRepeat{1000};  // SIGKILL re-sent while a process refuses to go
constexpr Millis kStopGiveUp{2000};  // stop_all stops waiting this long after the last SIGKILL
constexpr Millis kLingerPoll{50};    // stop_all re-checks groups it may get no SIGCHLD for
constexpr Millis kTrackEvery{1000};  // /proc walk for the tasks' descendants while they run
constexpr Millis kReapSlack{200};    // a SIGKILLed main process not reaped by then is abandoned
constexpr Millis kNameEvery{1000};   // how soon a running attempt's first output gets its file

void on_signal(int sig) {
  if (sig == SIGCONT) {
    g_continued = 1;
    return;
  }
  if (sig == SIGCHLD) return;
  if (g_stop_signal == 0) {
    g_stop_signal = sig;
  } else {
    g_again_signal = sig;
  }
  // SIGCHLD only needs to interrupt ppoll/pselect.
}

// `sig` to the group, to the main process (it may have left the group) and to every member
// of the tree that is still the process it was.
void signal_tree(pid_t pgid, pid_t leader, TreeMembers& members, int sig) {
  if (pgid > 0) ::kill(-pgid, sig);
  if (leader > 0) ::kill(leader, sig);
  detail::signal_members(members, sig);
}

// SIGTERM, then SIGCONT so that a stopped member receives it.
void terminate_tree(pid_t pgid, pid_t leader, TreeMembers& members) {
  signal_tree(pgid, leader, members, SIGTERM);
  signal_tree(pgid, leader, members, SIGCONT);
}

bool group_alive(pid_t pgid) { return !(::kill(-pgid, 0) != 0 && errno == ESRCH); }

// Drops the members that are gone.
void prune(TreeMembers& members) {
  std::erase_if(members, [](const auto& m) { return detail::process_start(m.first) != m.second; });
}

}  // namespace

PosixProcessRunner::PosixProcessRunner() = default;

void PosixProcessRunner::arm() {
  if (armed_) return;
  armed_ = true;
  g_stop_signal = 0;
  g_continued = 0;
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
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
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
  if (!armed_) return;  // nothing was started and no signal state was changed
  if (!procs_.empty() || !lingering_.empty()) stop_all();
#ifdef __linux__
  ::prctl(PR_SET_CHILD_SUBREAPER, old_subreaper_);
#endif
  // Unblock first: a signal still pending then reaches our handler, not the old disposition.
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
  for (std::size_t i = 0; i < std::size(kSignals); ++i) {
    ::sigaction(kSignals[i], &old_actions_[i], nullptr);
  }
}

Expected<ProcessId> PosixProcessRunner::start(const ProcessRequest& request) {
  arm();
  const MonoTime started = Clock::now();
  Expected<detail::AttemptLog> log = logs_.open(request.log_root, request.log_path);
  if (!log) return log.error();
  const bool named = log->named;
  Expected<detail::Spawned> spawned = detail::spawn_process(request, std::move(log->fd));
  if (!spawned) return spawned.error();
  Proc p;
  p.id = next_id_++;
  p.pid = spawned->pid;
  p.log = detail::AttemptLog{std::move(spawned->log), named};
  p.log_root = request.log_root;
  p.start_ticks = spawned->start;
  p.started = started;
  if (request.timeout > Millis::zero()) p.deadline = started + request.timeout;
  p.kill_grace = std::max(request.kill_grace, Millis::zero());
  p.log_path = request.log_path;
  const ProcessId id = p.id;
  procs_.emplace(p.pid, std::move(p));
  return id;
}

std::optional<OsProcess> PosixProcessRunner::os_process(ProcessId id) const {
  for (const auto& [pid, p] : procs_) {
    if (p.id == id)
      return OsProcess{pid, p.start_ticks != 0 ? p.start_ticks : detail::process_start(pid)};
  }
  return std::nullopt;
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
  arm();
  const MonoTime end = Clock::now() + std::max(max_wait, Millis::zero());
  std::vector<ProcessCompletion> done;
  g_continued = 0;
  for (;;) {
    reap(done);
    const MonoTime now = Clock::now();
    maybe_track(now);
    name_logs_with_output(now);
    enforce_deadlines(now, done);
    if (!done.empty() || g_stop_signal != 0 || g_continued != 0 || now >= end) return done;
    MonoTime wake = end;
    if (const auto d = next_deadline()) wake = std::min(wake, *d);
    if (!procs_.empty()) wake = std::min({wake, next_track_, next_naming_});
    sleep_until(wake);
  }
}

std::vector<ProcessCompletion> PosixProcessRunner::stop_all() {
  std::vector<ProcessCompletion> done;
  reap(done);  // what ended on its own keeps its own outcome
  track_trees();
  MonoTime now = Clock::now();
  MonoTime last_kill = now;
  for (auto& [pid, p] : procs_) {
    p.stopping = true;
    terminate_tree(pid, pid, p.members);
    const MonoTime kill_at = now + p.kill_grace;
    if (!p.kill_at || kill_at < *p.kill_at) p.kill_at = kill_at;
    last_kill = std::max(last_kill, *p.kill_at);
  }
  for (Lingering& l : lingering_) {
    terminate_tree(l.pgid, 0, l.members);
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
    enforce_deadlines(now, done);
    if ((procs_.empty() && lingering_.empty()) || now >= give_up) break;
    MonoTime wake = give_up;
    if (const auto d = next_deadline()) wake = std::min(wake, *d);
    if (!lingering_.empty()) wake = std::min(wake, now + kLingerPoll);
    sleep_until(wake);
  }
  // Processes SIGKILL could not end (uninterruptible sleep) are reported and forgotten;
  // they are reaped as strangers whenever they do exit.
  for (auto& [pid, p] : procs_) {
    done.push_back(complete(p, 0, now, false));
    done.back().exit_code = 0;
    done.back().signal = SIGKILL;
  }
  procs_.clear();
  lingering_.clear();
  return done;
}

void PosixProcessRunner::reap(std::vector<ProcessCompletion>& done) {
  std::vector<std::pair<pid_t, int>> exited;  // our tasks' main processes, with their status
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) break;  // nothing more now, or ECHILD
    // Not a task's main process: an orphan reparented to us (subreaper), just reaped.
    if (procs_.count(pid) != 0) exited.emplace_back(pid, status);
  }
  if (exited.empty()) return;
  // The exited ones are still listed, so their orphans (reparented to us) are found as theirs.
  // An exited process's living children were made ours (we are the subreaper) before we could
  // reap it, and so were its earlier orphans: when our only children are the main processes
  // of running tasks, no tree gained a process the last walk did not see, and the walk of
  // all of /proc (a file per process on the machine) is left out.
  if (!only_task_children()) track_trees();
  for (const auto& [pid, status] : exited) {
    const auto it = procs_.find(pid);
    Proc& p = it->second;
    const MonoTime now = Clock::now();
    // The main process is gone; whatever is left of its tree is ended the same way.
    prune(p.members);
    const bool left = group_alive(pid) || !p.members.empty();
    done.push_back(complete(p, status, now, !left));
    if (left) {
      terminate_tree(pid, 0, p.members);
      lingering_.push_back(
          Lingering{pid, std::move(p.members), p.kill_at.value_or(now + p.kill_grace)});
    }
    procs_.erase(it);
  }
}

bool PosixProcessRunner::only_task_children() {
  if (!detail::list_own_children(children_)) return false;
  return std::all_of(children_.begin(), children_.end(),
                     [this](pid_t pid) { return procs_.count(pid) != 0; });
}

void PosixProcessRunner::maybe_track(MonoTime now) {
  if (procs_.empty() || now < next_track_) return;
  track_trees();
}

// Each task's tree: its main process's descendants, its group, the members seen before that
// are still alive, and what they started since. An orphan reparented to us that no tree knew
// yet belongs to the task whose group it is in, or to the only task running; with several
// tasks running it is left to be found as a member's child or group member later.
void PosixProcessRunner::track_trees() {
  next_track_ = Clock::now() + kTrackEvery;
  if (procs_.empty() && lingering_.empty()) return;
  const std::vector<detail::ProcInfo> all = detail::list_processes();
  if (all.empty()) return;
  const pid_t self = ::getpid();
  std::map<pid_t, const detail::ProcInfo*> by_pid;
  std::multimap<pid_t, const detail::ProcInfo*> children;
  for (const detail::ProcInfo& info : all) {
    by_pid.emplace(info.pid, &info);
    children.emplace(info.ppid, &info);
  }
  // Roots of each tree: still-alive known members and the group's members.
  std::set<pid_t> known;
  auto seed = [&](pid_t leader, pid_t pgid, TreeMembers& members) {
    TreeMembers fresh;
    for (const auto& [pid, start] : members) {
      const auto it = by_pid.find(pid);
      if (it != by_pid.end() && it->second->start == start) fresh.emplace(pid, start);
    }
    for (const detail::ProcInfo& info : all) {
      if (pgid > 0 && info.pgid == pgid && info.pid != leader) fresh.emplace(info.pid, info.start);
    }
    members = std::move(fresh);
    for (const auto& m : members) known.insert(m.first);
  };
  for (auto& [pid, p] : procs_) seed(pid, pid, p.members);
  for (Lingering& l : lingering_) seed(0, l.pgid, l.members);
  for (const detail::ProcInfo& info : all) {
    if (info.ppid != self || procs_.count(info.pid) != 0 || known.count(info.pid) != 0) continue;
    Proc* owner = nullptr;
    if (const auto it = procs_.find(info.pgid); it != procs_.end()) {
      owner = &it->second;
    } else if (procs_.size() == 1) {
      owner = &procs_.begin()->second;
    }
    if (owner != nullptr) owner->members.emplace(info.pid, info.start);
  }
  // Everything below the main process and below each member.
  auto grow = [&](pid_t leader, TreeMembers& members) {
    std::vector<pid_t> todo;
    if (leader > 0) todo.push_back(leader);
    for (const auto& m : members) todo.push_back(m.first);
    while (!todo.empty()) {
      const pid_t parent = todo.back();
      todo.pop_back();
      const auto [first, last] = children.equal_range(parent);
      for (auto it = first; it != last; ++it) {
        const detail::ProcInfo& c = *it->second;
        if (c.pid == self || c.pid == leader || procs_.count(c.pid) != 0) continue;
        if (members.emplace(c.pid, c.start).second) todo.push_back(c.pid);
      }
    }
  };
  for (auto& [pid, p] : procs_) grow(pid, p.members);
  for (Lingering& l : lingering_) grow(0, l.members);
}

void PosixProcessRunner::enforce_deadlines(MonoTime now, std::vector<ProcessCompletion>& done) {
  bool tracked = false;
  auto track_once = [&] {  // before signalling: the tree as it is now
    if (!tracked) track_trees();
    tracked = true;
  };
  for (auto it = procs_.begin(); it != procs_.end();) {
    const pid_t pid = it->first;
    Proc& p = it->second;
    if (p.deadline && !p.kill_at && now >= *p.deadline) {
      track_once();
      p.timed_out = true;
      terminate_tree(pid, pid, p.members);
      p.kill_at = now + p.kill_grace;
    }
    if (p.kill_at && now >= *p.kill_at) {
      track_once();
      signal_tree(pid, pid, p.members, SIGKILL);
      p.kill_at = now + kKillRepeat;
      if (!p.abandon_at) p.abandon_at = now + kReapSlack;
    }
    if (p.abandon_at && now >= *p.abandon_at) {
      // SIGKILL did not end the main process (stuck in the kernel, e.g. on a dead NFS
      // mount): the attempt ends now, as if killed, and the run goes on. It is reaped as a
      // stranger whenever it does exit; until then it is SIGKILLed again with its tree.
      done.push_back(complete(p, SIGKILL, now, false));
      done.back().warning = "process " + std::to_string(pid) +
                            " did not end after SIGKILL; the attempt is recorded as ended "
                            "and the run goes on (the process is killed again until it goes)";
      p.members.emplace(pid, detail::process_start(pid));
      lingering_.push_back(Lingering{pid, std::move(p.members), now + kKillRepeat});
      it = procs_.erase(it);
      continue;
    }
    ++it;
  }
  std::erase_if(lingering_, [now](Lingering& l) {
    prune(l.members);
    if (!group_alive(l.pgid) && l.members.empty()) return true;  // the tree is gone
    if (now >= l.kill_at) {
      signal_tree(l.pgid, 0, l.members, SIGKILL);
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
    if (p.abandon_at) consider(*p.abandon_at);
    if (p.kill_at) {
      consider(*p.kill_at);
    } else if (p.deadline) {
      consider(*p.deadline);
    }
  }
  for (const Lingering& l : lingering_) consider(l.kill_at);
  return next;
}

// Gives the unnamed log of each running attempt that has written something its name, so
// that its output can be followed while it runs.
void PosixProcessRunner::name_logs_with_output(MonoTime now) {
  if (now < next_naming_) return;
  next_naming_ = now + kNameEvery;
  for (auto& [pid, p] : procs_) {
    struct stat st {};
    if (p.log.named || ::fstat(p.log.fd.get(), &st) != 0 || st.st_size == 0) continue;
    if (auto named = logs_.name(p.log, p.log_path); !named) {
      spdlog::warn("{}", named.error().message);
    }
  }
}

ProcessCompletion PosixProcessRunner::complete(Proc& p, int wait_status, MonoTime now,
                                               bool tree_gone) {
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
  const bool sized = p.log.fd.valid() && ::fstat(p.log.fd.get(), &st) == 0;
  if (sized) c.output_bytes = st.st_size;
  if (!p.log.named) {
    // Nothing written and nobody left to write (and no truncation that moved the offset):
    // no log file, and the unnamed one serves the next attempt.
    if (sized && st.st_size == 0 && tree_gone && ::lseek(p.log.fd.get(), 0, SEEK_CUR) == 0) {
      logs_.keep(p.log_root, std::move(p.log.fd));
      return c;
    }
    if (auto named = logs_.name(p.log, p.log_path); !named) c.warning = named.error().message;
  }
  if (sized && st.st_size == 0) return c;
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
