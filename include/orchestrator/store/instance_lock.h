#pragma once
// One orchestrator per mode and database: an flock on "<db>.<mode>.lock" holding the
// owner's PID, and a lock on the database file itself, so the same file reached by another
// path (a hard link) is the same database. The kernel drops both when the holder dies, so a
// killed holder never blocks.
#include <sys/types.h>
#include <filesystem>
#include <string>
#include <utility>

#include "orchestrator/util/expected.h"
#include "orchestrator/util/fd.h"

namespace orch {

class InstanceLock {
 public:
  struct Busy {
    bool held = false;  // another process holds the lock (vs. an I/O problem)
    pid_t holder = 0;   // 0 when the PID could not be read
  };
  // Takes the lock without waiting. On failure: an Error of kind Locked whose message names
  // the holder's PID when another process holds it (`*busy` is then set), or of kind Store
  // naming the I/O problem otherwise.
  static Expected<InstanceLock> acquire(const std::filesystem::path& db, const std::string& mode,
                                        Busy* busy = nullptr);
  // True when nobody holds the lock of `mode` right now (probes and releases at once).
  // flock locks belong to open file descriptions, so a process that holds the lock and asks
  // about its own mode gets false. A missing lock file is free.
  static bool is_free(const std::filesystem::path& db, const std::string& mode);
  static std::filesystem::path path_for(const std::filesystem::path& db, const std::string& mode);

  // Movable, not copyable; destroying the holder closes the lock file's descriptor and
  // unlocks its byte of the database file, which releases the lock. The lock file stays
  // (unlinking it would let two processes lock two different files of the same name).
  InstanceLock(InstanceLock&& other) noexcept
      : fd_(std::move(other.fd_)),
        identity_fd_(std::exchange(other.identity_fd_, -1)),
        identity_byte_(other.identity_byte_) {}
  InstanceLock& operator=(InstanceLock&& other) noexcept {
    if (this != &other) {
      release_identity();
      fd_ = std::move(other.fd_);
      identity_fd_ = std::exchange(other.identity_fd_, -1);
      identity_byte_ = other.identity_byte_;
    }
    return *this;
  }
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock() { release_identity(); }

 private:
  explicit InstanceLock(Fd fd) : fd_(std::move(fd)) {}
  // The lock on the database file's identity (creating the file when missing).
  Status lock_identity(const std::filesystem::path& db, const std::string& mode, Busy* busy);
  void release_identity() noexcept;
  Fd fd_;
  // The process's kept descriptor on the database file (never closed, see instance_lock.cpp)
  // and the byte of this mode's range it holds locked; -1 when not held.
  int identity_fd_ = -1;
  off_t identity_byte_ = 0;
};

}  // namespace orch
