// InstanceLock: an exclusive flock on "<db>.<mode>.lock", next to the database, whose file
// holds the owner's PID, and an open-file-description (OFD) lock on the database file
// itself, so that another path to the same file (a hard link, a file recreated at the path)
// is judged by the file's identity, not by how it is spelled. Both kinds of lock belong to an
// open file description: the kernel drops them when the holder's last descriptor closes,
// including when it is killed.
//
// The identity lock: each mode owns a 2^32-byte range of the database file far beyond what
// SQLite locks (SQLite's own locks sit at 1 GiB; these start at 64 TiB and are never data).
// The holder locks the whole range, then keeps only the byte at offset PID within it, so a
// contender's F_OFD_GETLK over the range finds that byte and learns the holder's PID.
//
// Descriptors on the database file are opened once per process and never closed: closing
// any descriptor of a file drops every POSIX record lock the process holds on it, SQLite's
// own locks included (a probe from inside a write transaction would otherwise let another
// process write beside us). SQLite's unix VFS defers its own closes for the same reason.
#include "orchestrator/store/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <sys/stat.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

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

constexpr off_t kIdentityBase = off_t{1} << 46;
constexpr off_t kRangeBytes = off_t{1} << 32;

off_t range_start(const std::string& mode) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a: a fixed slot per mode name
  for (unsigned char ch : mode) h = (h ^ ch) * 0x100000001b3ULL;
  return kIdentityBase + static_cast<off_t>(h & 0xfff) * kRangeBytes;
}

int ofd_lock(int fd, short type, off_t start, off_t len) {
  struct flock fl {};
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = start;
  fl.l_len = len;
  int rc = 0;
  do {
    rc = ::fcntl(fd, F_OFD_SETLK, &fl);
  } while (rc != 0 && errno == EINTR);
  return rc;
}

// Who holds `mode`'s identity lock: nullopt when nobody, 0 when the PID is not known yet.
std::optional<pid_t> identity_holder(int fd, const std::string& mode) {
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = range_start(mode);
  fl.l_len = kRangeBytes;
  if (::fcntl(fd, F_OFD_GETLK, &fl) != 0) return pid_t{0};  // cannot tell: count it held
  if (fl.l_type == F_UNLCK) return std::nullopt;
  if (fl.l_len != 1) return pid_t{0};  // between taking the range and keeping its byte
  return static_cast<pid_t>(fl.l_start - range_start(mode));
}

Error io_error(const std::string& what, const std::filesystem::path& path) {
  return make_error(ErrorKind::Store, what + " " + path.string() + ": " + std::strerror(errno),
                    false);
}

// A descriptor on the database file, kept for the life of the process (see the top): one
// read-write open file description per file identity that holds this process's identity
// locks, and a separate read-only one per identity for probes, whose F_OFD_GETLK then sees
// the holder's locks even when the holder is this process. -1 with errno set on failure.
int database_fd(const std::filesystem::path& db, bool holder) {
  static std::mutex mutex;
  static std::map<std::pair<dev_t, ino_t>, int> holders;
  static std::map<std::pair<dev_t, ino_t>, int> probes;
  const std::lock_guard<std::mutex> guard(mutex);
  auto& kept = holder ? holders : probes;
  struct stat st {};
  if (::stat(db.c_str(), &st) == 0) {
    if (auto it = kept.find({st.st_dev, st.st_ino}); it != kept.end()) return it->second;
  }
  const int fd = holder ? ::open(db.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)
                        : ::open(db.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  if (::fstat(fd, &st) == 0) {
    // A file replaced between the stat and the open: keep both descriptors (never close).
    kept.emplace(std::make_pair(st.st_dev, st.st_ino), fd);
  }
  return fd;
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
  if (auto held = lock.lock_identity(db, mode, busy); !held) return held.error();
  return lock;
}

Status InstanceLock::lock_identity(const std::filesystem::path& db, const std::string& mode,
                                   Busy* busy) {
  const int fd = database_fd(db, true);
  if (fd < 0) return io_error("cannot open database", db);
  const off_t start = range_start(mode);
  for (int tries = 0;; ++tries) {
    if (ofd_lock(fd, F_WRLCK, start, kRangeBytes) == 0) break;
    if (errno != EAGAIN && errno != EACCES) return io_error("cannot lock database", db);
    std::optional<pid_t> holder = identity_holder(fd, mode);
    if (holder && *holder == 0 && tries < kBusyRetries) {
      std::this_thread::sleep_for(kBusyPause);
      continue;
    }
    if (!holder && tries < kBusyRetries) continue;  // it was just released
    const pid_t pid = holder.value_or(0);
    if (busy != nullptr) *busy = Busy{true, pid};
    std::string message = pid > 0 ? "another orchestrator (PID " + std::to_string(pid) + ")"
                                  : "another orchestrator (PID unknown)";
    message.append(" is running --").append(mode).append(" on ").append(db.string());
    message.append(" (the same database file, reached by another path)");
    return make_error(ErrorKind::Locked, std::move(message), false);
  }
  const off_t mine = static_cast<off_t>(::getpid());
  identity_fd_ = fd;
  identity_byte_ = start + mine;
  if (ofd_lock(fd, F_UNLCK, start, mine) != 0 ||
      ofd_lock(fd, F_UNLCK, start + mine + 1, kRangeBytes - mine - 1) != 0) {
    return io_error("cannot lock database", db);
  }
  return ok();
}

void InstanceLock::release_identity() noexcept {
  if (identity_fd_ >= 0) ofd_lock(identity_fd_, F_UNLCK, identity_byte_, 1);
  identity_fd_ = -1;
}

// A shared probe on a new open file description: it conflicts with any holder's exclusive
// lock, including one held by this same process (so the holder itself sees "not free"),
// and two probes at once do not see each other. A file that cannot be opened for another
// reason than absence counts as held, so that nothing live is declared dead.
bool InstanceLock::is_free(const std::filesystem::path& db, const std::string& mode) {
  const auto path = path_for(db, mode);
  {
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return errno == ENOENT;
    const bool free = flock_nb(fd.get(), LOCK_SH) == 0;
    if (free) ::flock(fd.get(), LOCK_UN);
    if (!free) return false;
  }
  const int db_fd = database_fd(db, false);
  if (db_fd < 0) return errno == ENOENT;
  return !identity_holder(db_fd, mode).has_value();
}

}  // namespace orch
