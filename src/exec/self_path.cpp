#include "orchestrator/exec/self_path.h"

#include <cstdlib>
#include <system_error>

#include "orchestrator/util/path_search.h"

namespace orch {

std::filesystem::path self_executable(const std::string& argv0) {
  std::error_code ec;
#ifdef __linux__
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe;
#endif
  if (argv0.find('/') != std::string::npos) return std::filesystem::absolute(argv0, ec);
  const char* path = std::getenv("PATH");
  const PathLookup lookup = find_in_path(argv0, path != nullptr ? path : kDefaultSearchPath);
  if (lookup.found) return std::filesystem::absolute(*lookup.found, ec);
  return argv0;
}

}  // namespace orch
