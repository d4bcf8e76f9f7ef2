#include "orchestrator/exec/self_path.h"

#include <cstdlib>
#include <sstream>
#include <system_error>
#include <unistd.h>

namespace orch {

std::filesystem::path self_executable(const std::string& argv0) {
  std::error_code ec;
#ifdef __linux__
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return exe;
#endif
  if (argv0.find('/') != std::string::npos) return std::filesystem::absolute(argv0, ec);
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = std::filesystem::path(dir.empty() ? "." : dir) / argv0;
    if (access(candidate.c_str(), X_OK) == 0) return std::filesystem::absolute(candidate, ec);
  }
  return argv0;
}

}  // namespace orch
