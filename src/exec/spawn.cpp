// Starting one task. The parent prepares paths, argv/envp arrays and descriptors; the child
// only rewires them and reports a failure as {stage, errno}: in our shared memory on Linux
// (clone with CLONE_VM|CLONE_VFORK), elsewhere on a CLOEXEC pipe whose EOF means success.
#include "spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#endif

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "orchestrator/exec/process_policy.h"
#include "orchestrator/util/fd.h"
#include "orchestrator/util/path_search.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace orch::detail {
namespace {

constexpr long kMaxFdToClose = 65536;

enum class Stage : int { ProcessGroup = 1, Redirect, Chdir, Exec };

struct ChildFailure {
  int stage = 0;
  int error = 0;
};

// What the child uses; all of it lives in the parent's memory (shared or copied).
struct ChildPlan {
  const char* exec_path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* cwd = nullptr;  // nullptr: stay where we are
  int devnull_fd = -1;
  int log_fd = -1;
  int error_fd = -1;                       // fork: the pipe the failure is written to
  ChildFailure* shared_failure = nullptr;  // clone(CLONE_VM): where the failure is stored
  int max_fd = 0;
  const int* caught = nullptr;  // signals with a handler of ours, to reset
  int caught_count = 0;
  pid_t parent = 0;
  mode_t umask = 022;  // the umask the orchestrator was started with (it runs tighter)
};

// ---- the child: async-signal-safe calls only ----

// The child runs on a stack of its own inside our address space (start_child), which
// AddressSanitizer cannot follow: it would report its own stack bookkeeping as overflows.
// The child code below is not instrumented (it makes system calls only).
#if defined(__SANITIZE_ADDRESS__)
#define ORCH_CHILD_CODE __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ORCH_CHILD_CODE __attribute__((no_sanitize_address))
#endif
#endif
#ifndef ORCH_CHILD_CODE
#define ORCH_CHILD_CODE
#endif

[[noreturn]] ORCH_CHILD_CODE void child_fail(const ChildPlan& plan, Stage stage, int err) {
  const ChildFailure failure{static_cast<int>(stage), err};
  if (plan.shared_failure != nullptr) {
    *plan.shared_failure = failure;  // read by the parent once we are gone (vfork semantics)
  } else {
    while (::write(plan.error_fd, &failure, sizeof failure) < 0 && errno == EINTR) {}
  }
  ::_exit(127);
}

// Leaves only 0-2 (and the CLOEXEC error pipe) to the program.
ORCH_CHILD_CODE void close_inherited(const ChildPlan& plan) {
#if defined(__linux__) && defined(SYS_close_range)
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
#endif
  for (int fd = 3; fd < plan.max_fd; ++fd) {
    if (fd != plan.error_fd) ::close(fd);
  }
}

[[noreturn]] ORCH_CHILD_CODE void run_child(const ChildPlan& plan) {
  if (::setpgid(0, 0) != 0) child_fail(plan, Stage::ProcessGroup, errno);
#ifdef __linux__
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != plan.parent) ::_exit(127);  // the orchestrator died before prctl
#endif
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  // SIGPIPE and SIGXFSZ are ignored by us, and an ignored signal stays ignored across execve.
  const int reset[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGCONT, SIGPIPE, SIGXFSZ};
  for (int sig : reset) ::sigaction(sig, &dfl, nullptr);
  // Any other handler of ours must not run in the child either: until execve it shares our
  // memory (CLONE_VM), so a handler would run on the parent's data.
  for (int i = 0; i < plan.caught_count; ++i) ::sigaction(plan.caught[i], &dfl, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::umask(plan.umask);

  // The sources are all >= 3, so no dup2 clobbers another; dup2 clears CLOEXEC on 0-2.
  if (::dup2(plan.devnull_fd, 0) < 0 || ::dup2(plan.log_fd, 1) < 0 || ::dup2(plan.log_fd, 2) < 0) {
    child_fail(plan, Stage::Redirect, errno);
  }
  if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) {
    child_fail(plan, Stage::Chdir, errno);
  }
  close_inherited(plan);
  ::execve(plan.exec_path, plan.argv, plan.envp);
  child_fail(plan, Stage::Exec, errno);
}

// ---- the parent ----

#ifdef __linux__
ORCH_CHILD_CODE int child_entry(void* arg) { run_child(*static_cast<const ChildPlan*>(arg)); }
#endif

// Starts run_child(plan) in a new process and returns its pid (-1 and errno on failure).
// On Linux: clone(CLONE_VM | CLONE_VFORK) on a stack of its own, as glibc's posix_spawn
// does: the child borrows our address space until execve instead of copying our page
// tables (fork's cost grows with the parent's memory; execve then throws the copy away),
// and we are suspended until it has exec'ed or failed. Every signal is blocked meanwhile,
// so no handler of ours runs in the child. Elsewhere: fork.
// The child's stack is mapped once and reused: one child at a time runs on it (we are
// suspended until it has exec'ed), and spawning happens on the scheduler's thread only.
pid_t start_child(const ChildPlan& plan) {
#ifdef __linux__
  constexpr std::size_t kStackSize = 64 * 1024;
  static void* stack = nullptr;  // kept once mapped; a failed mmap is tried again next time
  if (stack == nullptr) {
    void* mapped = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mapped == MAP_FAILED) return -1;
    stack = mapped;
  }
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  const pid_t pid = ::clone(child_entry, static_cast<char*>(stack) + kStackSize,
                            CLONE_VM | CLONE_VFORK | SIGCHLD, const_cast<ChildPlan*>(&plan));
  const int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return pid;
#else
  const pid_t pid = ::fork();
  if (pid == 0) run_child(plan);
  return pid;
#endif
}

#ifdef __linux__
// CLOCK_BOOTTIME in the clock ticks /proc/<pid>/stat counts a process's start in (the kernel
// takes the child's start from this clock inside clone); -1 when it cannot be read.
long long boot_ticks() {
  static const long tick = ::sysconf(_SC_CLK_TCK);
  timespec ts{};
  if (tick <= 0 || 1000000000L % tick != 0 || ::clock_gettime(CLOCK_BOOTTIME, &ts) != 0) return -1;
  const long long ns = static_cast<long long>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
  return ns / (1000000000LL / tick);
}
#endif

// Moves a descriptor to >= 3 (keeping CLOEXEC), for parents started with 0-2 closed.
bool move_above_stdio(Fd& fd) {
  if (fd.get() >= 3) return true;
  const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3);
  if (moved < 0) return false;
  fd.reset(moved);
  return true;
}

#ifndef __linux__
bool make_cloexec_pipe(Fd& read_end, Fd& write_end) {
  int p[2];
  if (::pipe(p) != 0) return false;
  ::fcntl(p[0], F_SETFD, FD_CLOEXEC);
  ::fcntl(p[1], F_SETFD, FD_CLOEXEC);
  read_end.reset(p[0]);
  write_end.reset(p[1]);
  return true;
}
#endif

std::string env_path(const std::vector<std::string>& env) {
  for (const std::string& kv : env) {
    if (kv.starts_with("PATH=")) return kv.substr(5);
  }
  return std::string(kDefaultSearchPath);
}

// The file execve gets: argv[0] itself when it has a '/', else the first executable
// PATH entry (PATH from the request, relative entries taken from its cwd).
Expected<std::string> find_program(const ProcessRequest& req) {
  const std::string& name = req.argv[0];
  if (name.find('/') != std::string::npos) return name;
  const std::string path = env_path(req.env);
  const PathLookup lookup = find_in_path(name, path, req.cwd);
  if (lookup.found) return lookup.found->string();
  if (lookup.not_executable) {
    return make_error(
        "cannot execute " + name + ": Permission denied (found in PATH, not executable)", false);
  }
  return make_error("cannot execute " + name + ": not found in PATH=" + path, false);
}

// "(bad interpreter ...)" for an ENOENT on a file that exists: names the #! interpreter.
std::string shebang_hint(const std::string& file) {
  Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  char buf[256];
  const ssize_t n = fd.valid() ? ::read(fd.get(), buf, sizeof buf) : -1;
  if (n < 2 || buf[0] != '#' || buf[1] != '!') return " (bad interpreter in its #! line?)";
  std::string_view line(buf + 2, static_cast<std::size_t>(n) - 2);
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') {
    return " (its #! line ends in a carriage return: convert the file to Unix line endings)";
  }
  const std::size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return " (empty #! line)";
  line = line.substr(start);
  line = line.substr(0, line.find_first_of(" \t"));
  return " (bad interpreter in its #! line: " + std::string(line) + " not found)";
}

Error describe_failure(const ChildFailure& f, const ProcessRequest& req,
                       const std::string& exec_path) {
  const std::string what = errno_text(f.error);
  switch (static_cast<Stage>(f.stage)) {
    case Stage::ProcessGroup:
      return make_error("cannot start " + exec_path + ": setpgid: " + what, true);
    case Stage::Redirect:
      return make_error("cannot start " + exec_path + ": redirecting output: " + what, true);
    case Stage::Chdir:
      return make_error("cannot change to working directory " + req.cwd.string() + ": " + what,
                        f.error != ENOENT && f.error != ENOTDIR && f.error != EACCES);
    case Stage::Exec: break;
    default: return make_error("cannot start " + exec_path + ": unexpected failure", true);
  }
  std::filesystem::path file(exec_path);
  if (file.is_relative() && !req.cwd.empty()) file = req.cwd / file;
  std::string message = "cannot execute " + exec_path + ": " + what;
  if (f.error == ENOENT && ::access(file.c_str(), F_OK) == 0) {
    message += shebang_hint(file.string());
  } else if (f.error == ENOEXEC) {
    message += " (no #! line? start the script with e.g. #!/bin/sh)";
  }
  const bool retriable = f.error == ETXTBSY || f.error == ENOMEM || f.error == EAGAIN ||
                         f.error == EMFILE || f.error == ENFILE || f.error == EIO;
  return make_error(std::move(message), retriable);
}

// Made once per process: /dev/null for the tasks' stdin (opened again while it fails), the
// signals we have a handler for (ours are installed before the first task starts), the
// descriptor limit.
struct SpawnShared {
  Fd devnull;
  std::vector<int> caught;
  int max_fd = 1024;
};

// False with errno set when /dev/null cannot be opened (e.g. out of descriptors).
bool open_devnull(Fd& fd) {
  if (fd.valid()) return true;
  Fd opened(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!opened.valid() || !move_above_stdio(opened)) return false;
  fd = std::move(opened);
  return true;
}

SpawnShared& spawn_shared() {
  static SpawnShared shared = [] {
    SpawnShared s;
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_DFL &&
          old.sa_handler != SIG_IGN) {
        s.caught.push_back(sig);
      }
    }
    const long open_max = ::sysconf(_SC_OPEN_MAX);
    s.max_fd = static_cast<int>(open_max > 0 ? std::min(open_max, kMaxFdToClose) : 1024);
    return s;
  }();
  return shared;
}

}  // namespace

std::string errno_text(int err) { return std::generic_category().message(err); }

Expected<Spawned> spawn_process(const ProcessRequest& req, Fd log) {
  if (req.argv.empty())
    return make_error("cannot start " + req.task_name + ": empty command", false);
  Expected<std::string> exec_path = find_program(req);
  if (!exec_path) return exec_path.error();

  SpawnShared& shared = spawn_shared();
  if (!open_devnull(shared.devnull)) {
    const int err = errno;
    return make_error("cannot start " + req.task_name + ": opening /dev/null: " + errno_text(err),
                      true);
  }
  if (!move_above_stdio(log)) {
    const int err = errno;
    return make_error("cannot start " + req.task_name + ": " + errno_text(err), true);
  }

  std::vector<char*> argv;
  argv.reserve(req.argv.size() + 1);
  for (const std::string& a : req.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  envp.reserve(req.env.size() + 1);
  for (const std::string& e : req.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  ChildPlan plan;
  plan.exec_path = exec_path->c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.cwd = req.cwd.empty() ? nullptr : req.cwd.c_str();
  plan.devnull_fd = shared.devnull.get();
  plan.log_fd = log.get();
  plan.max_fd = shared.max_fd;
  plan.caught = shared.caught.data();
  plan.caught_count = static_cast<int>(shared.caught.size());
  plan.parent = ::getpid();
  plan.umask = task_umask();

#ifdef __linux__
  ChildFailure failure;
  plan.shared_failure = &failure;
  const long long before = boot_ticks();
  const pid_t pid = start_child(plan);
  if (pid < 0) {
    const int err = errno;
    return make_error("cannot start " + req.task_name + ": clone: " + errno_text(err), true);
  }
  if (failure.stage == 0) {  // execve succeeded
    // The child's start lies between the two readings: the same tick, so that is its start.
    const long long after = boot_ticks();
    const unsigned long long start =
        before >= 0 && after == before ? static_cast<unsigned long long>(before) : 0;
    return Spawned{pid, std::move(log), start};
  }
#else
  Fd error_read, error_write;
  if (!make_cloexec_pipe(error_read, error_write) || !move_above_stdio(error_write)) {
    return make_error("cannot start " + req.task_name + ": " + errno_text(errno), true);
  }
  plan.error_fd = error_write.get();
  const pid_t pid = start_child(plan);
  if (pid < 0) {
    const int err = errno;
    return make_error("cannot start " + req.task_name + ": fork: " + errno_text(err), true);
  }
  ::setpgid(pid, pid);  // also done by the child; whichever runs first wins, no race
  error_write.reset();
  ChildFailure failure;
  ssize_t n;
  do {
    n = ::read(error_read.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return Spawned{pid, std::move(log)};  // EOF: closed by a successful execve
  if (n != static_cast<ssize_t>(sizeof failure)) failure = ChildFailure{};
#endif

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (failure.stage == 0) {
    return make_error("cannot start " + exec_path.value() + ": lost track of the child", true);
  }
  return describe_failure(failure, req, exec_path.value());
}

}  // namespace orch::detail
