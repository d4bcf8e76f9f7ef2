// InstanceLock: an exclusive flock on "<db>.<mode>.lock", next to the database, whose file
// holds the owner's PID. flock locks belong to an open file description: the kernel drops
// the lock when the holder's last descriptor closes, including when it is killed.
#include "orchestrator/store/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "schema.h"

namespace orch {
namespace {

// A probe by is_free holds the lock for microseconds; acquire retries this long before it
// believes another orchestrator holds it.
constexpr int kBusyRetries = 5;
constexpr auto kBusyPause = std::chrono::milliseconds(20);

int flock_nb(int fd, int op) {
  int rc = 0;
  do {
    rc = ::flock(fd, op | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

// The PID the holder wrote, or 0 when the file holds none (yet).
pid_t read_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  long pid = 0;
  for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    pid = pid * 10 + (buf[i] - '0');
    if (pid > 1'000'000'000) return 0;
  }
  return static_cast<pid_t>(pid);
}

Error io_error(const std::string& what, const std::filesystem::path& path) {
  return make_error(ErrorKind::Store, what + " " + path.string() + ": " + std::strerror(errno), false);
}

}  // namespace

std::filesystem::path InstanceLock::path_for(const std::filesystem::path& db,
                                             const std::string& mode) {
  return std::filesystem::path(db.string() + "." + mode + ".lock");
}

Expected<InstanceLock> InstanceLock::acquire(const std::filesystem::path& db,
                                             const std::string& mode, Busy* busy) {
  const auto path = path_for(db, mode);
  if (auto made = store_detail::create_parent_folder(path); !made) return made.error();
  Fd owned(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0664));
  if (!owned.valid()) return io_error("cannot open lock file", path);
  const int fd = owned.get();
  InstanceLock lock(std::move(owned));  // closes fd on every early return

  for (int tries = 0;; ++tries) {
    if (flock_nb(fd, LOCK_EX) == 0) break;
    if (errno != EWOULDBLOCK) return io_error("cannot lock", path);
    if (tries < kBusyRetries) {
      std::this_thread::sleep_for(kBusyPause);
      continue;
    }
    // The holder may be between taking the lock and writing its PID: read again briefly.
    pid_t holder = read_pid(fd);
    for (int i = 0; holder == 0 && i < kBusyRetries; ++i) {
      std::this_thread::sleep_for(kBusyPause);
      holder = read_pid(fd);
    }
    if (busy != nullptr) *busy = Busy{true, holder};
    std::string message = holder > 0 ? "another orchestrator (PID " + std::to_string(holder) + ")"
                                     : "another orchestrator (PID unknown)";
    message.append(" is running --").append(mode).append(" on ").append(db.string());
    return make_error(ErrorKind::Locked, std::move(message), false);
  }

  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) return io_error("cannot write lock file", path);
  if (::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return io_error("cannot write lock file", path);
  }
  return lock;
}

// A shared probe on a new open file description: it conflicts with any holder's exclusive
// lock, including one held by this same process (so the holder itself sees "not free"),
// and two probes at once do not see each other. A file that cannot be opened for another
// reason than absence counts as held, so that nothing live is declared dead.
bool InstanceLock::is_free(const std::filesystem::path& db, const std::string& mode) {
  const auto path = path_for(db, mode);
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno == ENOENT;
  const bool free = flock_nb(fd.get(), LOCK_SH) == 0;
  if (free) ::flock(fd.get(), LOCK_UN);
  return free;
}

}  // namespace orch
