#pragma once
// Looking a bare program name up in a PATH value, as execvp does: the one PATH search.
#include <filesystem>
#include <optional>
#include <string_view>

namespace orch {

// The search path when none is given (what execvp and sh use without PATH).
inline constexpr std::string_view kDefaultSearchPath = "/usr/bin:/bin";

struct PathLookup {
  std::optional<std::filesystem::path> found;  // the first executable regular file
  bool not_executable = false;                 // nothing found, but a file of that name exists
};

// Tries each ':'-separated entry of `search_path` in order (an empty entry is "."); relative
// entries are taken from `base` when it is not empty, else from the current folder. `name`
// must not contain '/' (such a name is not searched for: the caller uses it as is).
PathLookup find_in_path(std::string_view name, std::string_view search_path,
                        const std::filesystem::path& base = {});

}  // namespace orch
