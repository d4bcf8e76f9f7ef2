#include "orchestrator/exec/self_path.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

std::filesystem::path sibling_path(const std::string& argv0, const std::string& name) {
  const std::filesystem::path self = self_executable(argv0);
  if (!self.is_absolute()) return {};
  return self.parent_path() / name;
}

std::filesystem::path light_executable(const std::string& argv0) {
  std::filesystem::path self = self_executable(argv0);
  if (self.filename() != kWebBinaryName || !self.is_absolute()) return self;
  std::filesystem::path light = self.parent_path() / kLightBinaryName;
  return ::access(light.c_str(), X_OK) == 0 ? light : self;
}

Error replace_process(const std::filesystem::path& path, char* const* argv) {
  ::execv(path.c_str(), argv);
  const int err = errno;
  return make_error(std::strerror(err), false);
}

}  // namespace orch
