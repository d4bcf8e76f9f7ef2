#include "orchestrator/exec/log_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#endif

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "spawn.h"

namespace orch::detail {
namespace {

constexpr int kNamedFlags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY;
constexpr std::size_t kMaxKept = 16;  // more than this many idle unnamed files are closed

// Opens `path` with `flags`; when its folder is missing, makes it and tries once more.
int open_making_folder(const std::filesystem::path& path, const std::filesystem::path& folder,
                       int flags) {
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0 && errno == ENOENT && !folder.empty()) {
    std::error_code ec;  // the folder, on a first run
    std::filesystem::create_directories(folder, ec);
    fd = ::open(path.c_str(), flags, 0644);
  }
  return fd;
}

Expected<AttemptLog> open_named(const std::filesystem::path& path) {
  Fd fd(open_making_folder(path, path.parent_path(), kNamedFlags));
  if (!fd.valid()) {
    const int err = errno;
    return make_error("cannot open log file " + path.string() + ": " + errno_text(err),
                      err != EACCES && err != EROFS && err != ENOTDIR && err != EISDIR);
  }
  return AttemptLog{std::move(fd), true};
}

#ifdef __linux__
std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Links the unnamed file `fd` at `path`, replacing a file already there. 0 or an errno.
int link_at(int fd, const std::filesystem::path& path) {
  const std::string source = proc_fd_path(fd);
  for (int tries = 0; tries < 3; ++tries) {
    if (::linkat(AT_FDCWD, source.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0) {
      return 0;
    }
    const int err = errno;
    if (err == ENOENT && tries == 0) {
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
    } else if (err == EEXIST) {
      ::unlink(path.c_str());
    } else {
      return err;
    }
  }
  return EEXIST;
}

// Copies what `fd` holds so far into a new file at `path`. 0 or an errno.
int copy_to(int fd, const std::filesystem::path& path) {
  Fd in(::open(proc_fd_path(fd).c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) return errno;
  Fd out(open_making_folder(path, path.parent_path(), kNamedFlags));
  if (!out.valid()) return errno;
  for (;;) {
    const ssize_t n = ::sendfile(out.get(), in.get(), nullptr, 1 << 20);
    if (n == 0) return 0;
    if (n < 0 && errno != EINTR) return errno;
  }
}
#endif

}  // namespace

Expected<AttemptLog> LogFiles::open(const std::filesystem::path& root,
                                    const std::filesystem::path& path) {
#ifdef __linux__
  const std::string key = root.string();
  if (!key.empty() && std::find(no_tmpfile_.begin(), no_tmpfile_.end(), key) == no_tmpfile_.end()) {
    for (auto it = kept_.rbegin(); it != kept_.rend(); ++it) {
      if (it->first != key) continue;
      AttemptLog log{std::move(it->second), false};
      kept_.erase(std::next(it).base());
      return log;
    }
    Fd fd(open_making_folder(root, root, O_TMPFILE | O_WRONLY | O_CLOEXEC | O_NOCTTY));
    if (fd.valid()) return AttemptLog{std::move(fd), false};
    // Not supported here (EOPNOTSUPP, EISDIR, EINVAL on older kernels) or not allowed: the
    // named open says what is wrong, if anything is.
    no_tmpfile_.push_back(key);
  }
#else
  (void)root;
#endif
  return open_named(path);
}

Status LogFiles::name(AttemptLog& log, const std::filesystem::path& path) {
  if (log.named) return ok();
#ifdef __linux__
  const int err = link_at(log.fd.get(), path);
  if (err == 0) {
    log.named = true;
    return ok();
  }
  const int copy_err = copy_to(log.fd.get(), path);
  log.named = true;  // as named as it gets: not tried again
  if (copy_err != 0) {
    return make_error("cannot write log file " + path.string() + ": " + errno_text(copy_err),
                      false);
  }
  return make_error("cannot link log file " + path.string() + " (" + errno_text(err) +
                        "): the output so far was copied there; later output is not",
                    false);
#else
  (void)path;
  log.named = true;
  return ok();
#endif
}

void LogFiles::keep(const std::filesystem::path& root, Fd fd) {
  if (kept_.size() >= kMaxKept) return;  // `fd` closes: the unnamed file is gone with it
  kept_.emplace_back(root.string(), std::move(fd));
}

}  // namespace orch::detail
