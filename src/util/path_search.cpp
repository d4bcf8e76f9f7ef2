#include "orchestrator/util/path_search.h"

#include <sys/stat.h>
#include <unistd.h>

namespace orch {

PathLookup find_in_path(std::string_view name, std::string_view search_path,
                        const std::filesystem::path& base) {
  PathLookup result;
  if (name.empty() || name.find('/') != std::string_view::npos) return result;
  for (std::size_t begin = 0;;) {
    const std::size_t colon = search_path.find(':', begin);
    std::string_view dir = search_path.substr(
        begin, colon == std::string_view::npos ? std::string_view::npos : colon - begin);
    if (dir.empty()) dir = ".";
    std::filesystem::path candidate = std::filesystem::path(dir) / name;
    if (candidate.is_relative() && !base.empty()) candidate = base / candidate;
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0) {
        result.found = std::move(candidate);
        result.not_executable = false;
        return result;
      }
      result.not_executable = true;
    }
    if (colon == std::string_view::npos) return result;
    begin = colon + 1;
  }
}

}  // namespace orch
