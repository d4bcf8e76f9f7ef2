// write_file_atomically: temp file + fsync + rename (+ fsync of the folder).
#include "orchestrator/util/atomic_write.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "orchestrator/util/fd.h"

namespace orch {
namespace {

Error io_error(const std::string& what, const std::filesystem::path& path, int err) {
  return make_error("cannot " + what + " " + path.string() + ": " + std::strerror(err));
}

// Writes all of `text`, retrying short writes and EINTR; 0 or the errno.
int write_all(int fd, std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path, std::string_view text,
                             mode_t mode) {
  std::error_code ec;
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : ".";
  std::filesystem::create_directories(folder, ec);
  if (ec) return make_error("cannot create the folder of " + path.string() + ": " + ec.message());

  const std::filesystem::path tmp = path.string() + "." + std::to_string(::getpid()) + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd.valid()) return io_error("write", tmp, errno);
  int err = write_all(fd.get(), text);
  if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  // close() reports a deferred write error (e.g. on NFS): checked, not left to ~Fd.
  if (::close(fd.release()) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return io_error("write", tmp, err);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    ::unlink(tmp.c_str());
    return make_error("cannot rename " + tmp.string() + " to " + path.string() + ": " +
                      std::strerror(err));
  }
  // Best effort: the new name is in place either way; this makes it survive a power cut.
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.valid()) ::fsync(dir.get());
  return ok();
}

}  // namespace orch
