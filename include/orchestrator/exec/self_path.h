#pragma once
// The absolute path of this running binary, so a supervisor can re-execute itself.
#include <filesystem>
#include <string>

namespace orch {

// /proc/self/exe on Linux; elsewhere argv[0] made absolute (searching PATH for a bare name).
std::filesystem::path self_executable(const std::string& argv0);

}  // namespace orch
