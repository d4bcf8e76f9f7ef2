#pragma once
// The cache of a checked pipeline file: what the loader made of a file's bytes (the
// PipelineConfig and the warnings), so that the next start of the same binary on the same
// bytes skips the YAML parse, the slow part of loading a large file.
//
// Guarantees:
// - A cache is used only when it holds the very bytes of the file (compared whole, not by a
//   hash), was written for the same absolute path, by a binary with the same build id and
//   version, in this format version, and its checksum is right. Anything else (missing,
//   truncated, corrupt, older, another binary's, unreadable) is a miss: the file is parsed.
// - Only what the file's bytes decide is cached; what the machine decides is checked again
//   on every load (the time zone exists, the scripts exist), so a hit gives the same result
//   as a parse.
// - Writing is best effort (a read-only folder just means no cache) and atomic.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/config/loader.h"

namespace orch {

// Files smaller than this are parsed every time (a few milliseconds); larger ones are cached.
inline constexpr std::size_t kConfigCacheMinBytes = 64 * 1024;
// Bumped whenever the encoding below changes.
inline constexpr std::uint8_t kConfigCacheFormat = 2;

// What a cache is valid for, besides the file's bytes.
struct ConfigCacheKey {
  std::string binary;                   // build id and version of the code that loads files
  std::filesystem::path absolute_file;  // relative paths in the file are resolved against it
};

// What the file's bytes decide: the checked pipeline and the warnings about it (with line
// numbers; the file label is set by whoever reports them).
struct CachedConfig {
  PipelineConfig config;
  std::vector<ConfigDiagnostic> warnings;
};

// "<folder>/.<name>.cache" beside the pipeline file.
std::filesystem::path config_cache_path(const std::filesystem::path& absolute_file);

// The running binary's identity: the GNU build id of the object holding the loader, and the
// version. Empty when there is no build id (the cache is then never used).
const std::string& config_binary_identity();

std::string encode_config_cache(const ConfigCacheKey& key, std::string_view content,
                                const CachedConfig& cached);
// nullopt unless `bytes` is a whole, intact cache for exactly this key and content.
std::optional<CachedConfig> decode_config_cache(std::string_view bytes, const ConfigCacheKey& key,
                                                std::string_view content);

}  // namespace orch
