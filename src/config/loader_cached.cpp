// Loading a regular pipeline file through its cache (config_cache.h says when a cache is
// trusted): a hit gives what a parse would, with the machine-dependent checks (the zone, the
// scripts) made again; a miss parses and rewrites the cache, best effort.
#include <date/tz.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "loader_internal.h"
#include "orchestrator/config/config_cache.h"
#include "orchestrator/util/atomic_write.h"
#include "orchestrator/util/fd.h"

namespace orch::config_detail {
namespace {

namespace fs = std::filesystem;

// The whole cache file, or "" when it cannot be read (missing, unreadable, absurdly large).
std::string read_cache_file(const fs::path& path, std::uintmax_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_size > static_cast<off_t>(max_bytes)) {
    return {};
  }
  std::string bytes(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return {};
    got += static_cast<std::size_t>(n);
  }
  return bytes;
}

// A cache hit as the loader would have returned it: the cached config and warnings, and the
// checks of what may have changed on the machine since (the zone, the scripts). nullopt
// when the zone is no longer known: the parse then reports it as usual.
std::optional<LoadResult> result_from_cache(CachedConfig cached, const fs::path& file) {
  try {
    (void)date::locate_zone(cached.config.timezone);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  LoadResult result;
  Diagnostics diag(file.string(), result);
  for (ConfigDiagnostic& w : cached.warnings) {
    w.file = file.string();
    result.warnings.push_back(std::move(w));
  }
  for (const auto* tasks : {&cached.config.daily, &cached.config.intraday}) {
    for (const TaskSpec& task : *tasks) check_script(diag, task);
  }
  result.config = std::move(cached.config);
  return result;
}

}  // namespace

LoadResult load_regular_file(const std::string& text, const fs::path& file, mode_t file_mode,
                             std::uintmax_t max_file_bytes) {
  const std::string& binary = config_binary_identity();
  if (text.size() < kConfigCacheMinBytes || binary.empty())
    return load_config_text(text, file, true);
  std::error_code ec;
  const fs::path absolute = fs::absolute(file, ec).lexically_normal();
  if (ec) return load_config_text(text, file, true);
  const ConfigCacheKey key{binary, absolute};
  const fs::path cache = config_cache_path(absolute);
  if (auto cached = decode_config_cache(read_cache_file(cache, 8 * max_file_bytes), key, text)) {
    if (auto result = result_from_cache(std::move(*cached), file)) return std::move(*result);
  }
  LoadResult result = load_config_text(text, file, true);
  if (result.config && result.errors.empty() && result.missing_scripts.empty()) {
    CachedConfig entry{*result.config, result.warnings};
    for (ConfigDiagnostic& w : entry.warnings) w.file.clear();
    // Readable by whoever may read the pipeline file, no one else (it may hold env values).
    (void)write_file_atomically(cache, encode_config_cache(key, text, entry), file_mode & 0666);
  }
  return result;
}

}  // namespace orch::config_detail
