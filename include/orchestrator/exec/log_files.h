#pragma once
// The log files of local attempts (used by the POSIX process runner). An attempt's stdout and
// stderr go to an unnamed file (Linux O_TMPFILE) made in its log root until it has written
// something: then the file is given the attempt's log path (link_log), so that a log file exists
// only for an attempt with output. An unnamed file whose attempt ended having written nothing, with
// no process of it left, is kept and handed to the next attempt: a task that writes nothing costs
// no file creation at all. Where unnamed files are not supported (another OS, a file system without
// O_TMPFILE, no root given), the log file is made at its path at the start, as before, and named
// from the start.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/util/expected.h"
#include "orchestrator/util/fd.h"

namespace orch::detail {

struct AttemptLog {
  Fd fd;               // write-only, given to the child as stdout and stderr
  bool named = false;  // the file is at its log path (else still unnamed)
};

class LogFiles {
 public:
  // A file for an attempt's output: a kept unnamed file of `root`, a new one, or (no root,
  // or no unnamed files there) `path` created and emptied. Errors name the path.
  Expected<AttemptLog> open(const std::filesystem::path& root, const std::filesystem::path& path);
  // Gives the unnamed file `log` the name `path` (its folder made when missing; a file
  // already there is replaced, as the truncating open did). On failure (e.g. the task's
  // folder is on another file system) the content written so far is copied to `path`
  // instead; what the process writes after that is not. Returns the problem, if any.
  Status name(AttemptLog& log, const std::filesystem::path& path);
  // Keeps an unnamed, empty file no process writes to any more for the next open() in `root`.
  void keep(const std::filesystem::path& root, Fd fd);

 private:
  std::vector<std::pair<std::string, Fd>> kept_;  // (root, unnamed empty file)
  std::vector<std::string> no_tmpfile_;           // roots where O_TMPFILE failed
};

}  // namespace orch::detail
