// spawn_detached: posix_spawn with POSIX_SPAWN_SETSID (own session: a SIGINT to our terminal
// or our process group does not reach it) and closefrom(3) as a file action.
#include "orchestrator/exec/detached.h"

#include <fcntl.h>
#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>

extern char** environ;

namespace orch {

Expected<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::string& cwd) {
  if (argv.empty()) return make_error("nothing to start");
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGXFSZ}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return make_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  return pid;
}

Status run_detached(const std::function<int()>& body) {
  if (auto logger = spdlog::default_logger()) logger->flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return make_error(std::string("cannot fork: ") + std::strerror(errno));
  if (child == 0) {
    // The middle process: a new session, then the grandchild, then gone, so that no zombie
    // of ours is left and the grandchild is nobody's job-control member.
    ::setsid();
    const pid_t grandchild = ::fork();
    if (grandchild != 0) ::_exit(grandchild < 0 ? 1 : 0);
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
      if (null > 2) ::close(null);
    }
    sigset_t empty;
    sigemptyset(&empty);
    for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGXFSZ, SIGCONT}) {
      std::signal(sig, SIG_DFL);
    }
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
    int rc = 1;
    try {
      rc = body();
    } catch (...) {
      rc = 1;
    }
    if (auto logger = spdlog::default_logger()) logger->flush();
    ::_exit(rc);
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return make_error("could not start a background process");
  }
  return ok();
}

void reap_exited_children() {
  int status = 0;
  while (true) {
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) continue;
    if (pid < 0 && errno == EINTR) continue;
    break;
  }
}

}  // namespace orch
