// Reading /proc: the process list with parents, groups and start times, and environments.
#include "proc_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "orchestrator/util/fd.h"

namespace orch::detail {
namespace {

// Reads a small /proc file whole (at most `limit` bytes).
std::string read_small(const std::string& path, std::size_t limit) {
  std::string out;
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return out;
  char buf[4096];
  while (out.size() < limit) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// Parses /proc/<pid>/stat (false for a zombie, which only waits to be reaped): the command (field
// 2) may hold spaces and ')', so the fields are counted from the last ')'.
bool parse_stat(pid_t pid, ProcInfo& info) {
  const std::string text = read_small("/proc/" + std::to_string(pid) + "/stat", 4096);
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return false;
  const char* p = text.c_str() + close + 1;
  // Fields from 3: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice num_threads itrealvalue starttime.
  char* end = nullptr;
  unsigned long long fields[20] = {};
  while (*p == ' ') ++p;
  if (*p == '\0' || *p == 'Z' || *p == 'X') return false;  // a zombie has ended already
  ++p;                                                     // the state letter
  for (int i = 0; i < 19; ++i) {
    fields[i] = std::strtoull(p, &end, 10);
    if (end == p) return false;
    p = end;
  }
  info.pid = pid;
  info.ppid = static_cast<pid_t>(fields[0]);
  info.pgid = static_cast<pid_t>(fields[1]);
  info.start = fields[18];
  return true;
}

}  // namespace

std::vector<ProcInfo> list_processes() {
  std::vector<ProcInfo> out;
#ifdef __linux__
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    ProcInfo info;
    if (parse_stat(static_cast<pid_t>(pid), info)) out.push_back(info);
  }
  ::closedir(dir);
#endif
  return out;
}

bool list_own_children(std::vector<pid_t>& out) {
  out.clear();
#ifdef __linux__
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return false;
  bool ok = true;
  while (const dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    Fd fd(::open(("/proc/self/task/" + std::string(e->d_name) + "/children").c_str(),
                 O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
      ok = false;  // no CONFIG_PROC_CHILDREN, or the thread just ended: not a complete list
      break;
    }
    std::string text;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) ok = false;
      if (n <= 0) break;
      text.append(buf, static_cast<std::size_t>(n));
    }
    const char* p = text.c_str();
    for (;;) {
      char* end = nullptr;
      const long pid = std::strtol(p, &end, 10);
      if (end == p) break;
      out.push_back(static_cast<pid_t>(pid));
      p = end;
    }
  }
  ::closedir(dir);
  return ok;
#else
  return false;
#endif
}

unsigned long long process_start(pid_t pid) {
#ifdef __linux__
  ProcInfo info;
  if (pid > 0 && parse_stat(pid, info)) return info.start;
#else
  (void)pid;
#endif
  return 0;
}

int signal_members(Members& members, int sig) {
  int sent = 0;
  for (auto it = members.begin(); it != members.end();) {
    if (process_start(it->first) != it->second) {
      it = members.erase(it);  // gone (or its pid now names another process)
      continue;
    }
    if (::kill(it->first, sig) == 0) ++sent;
    ++it;
  }
  return sent;
}

bool environ_has(pid_t pid, std::string_view entry) {
  const std::string env = read_small("/proc/" + std::to_string(pid) + "/environ", 1 << 20);
  std::size_t begin = 0;
  while (begin < env.size()) {
    std::size_t end = env.find('\0', begin);
    if (end == std::string::npos) end = env.size();
    if (std::string_view(env).substr(begin, end - begin) == entry) return true;
    begin = end + 1;
  }
  return false;
}

}  // namespace orch::detail
