#pragma once
// Replacing a file so that a reader sees the old text or the new one, never a part: the
// text goes to "<path>.<pid>.tmp" in the same folder, is fsynced, then renamed over `path`
// (and the folder fsynced, so the rename survives a power cut). On any failure the
// temporary file is removed and `path` is left as it was.
#include <sys/types.h>
#include <filesystem>
#include <string_view>

#include "orchestrator/util/expected.h"

namespace orch {

// Creates the missing parent folders. `mode` is the new file's permission bits (before
// the umask). The temporary name does not end like `path`, so a watcher matching e.g.
// "*.prom" ignores the file until it is renamed.
Status write_file_atomically(const std::filesystem::path& path, std::string_view text,
                             mode_t mode = 0644);

}  // namespace orch
