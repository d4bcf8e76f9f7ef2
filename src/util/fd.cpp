// Fd: the one place a descriptor we own is closed.
#include "orchestrator/util/fd.h"

#include <unistd.h>

namespace orch {

void Fd::reset(int fd) {
  if (fd_ >= 0 && fd_ != fd) {
    // Not retried on EINTR: on Linux the descriptor is released even then, and a retry
    // could close one another thread just opened.
    ::close(fd_);
  }
  fd_ = fd;
}

}  // namespace orch
