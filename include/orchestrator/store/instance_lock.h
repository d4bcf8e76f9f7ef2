#pragma once
// One orchestrator per mode and database: an flock on "<db>.<mode>.lock" holding the
// owner's PID. The kernel drops it when the holder dies, so a killed holder never blocks.
#include <filesystem>
#include <string>
#include <utility>
#include <sys/types.h>

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

  // Movable, not copyable; destroying the holder closes the descriptor, which releases the
  // lock. The file stays (unlinking it would let two processes lock two different files
  // of the same name).

 private:
  explicit InstanceLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace orch
