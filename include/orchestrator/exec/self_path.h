#pragma once
// The absolute path of this running binary, so a supervisor can re-execute itself, and of
// its sibling: `orchestrator` runs every mode but --serve, `orchestrator-web` (the same
// program with the HTTP server linked in) runs every mode; both are installed side by side.
#include <filesystem>
#include <string>

#include "orchestrator/util/expected.h"

namespace orch {

inline constexpr const char* kLightBinaryName = "orchestrator";
inline constexpr const char* kWebBinaryName = "orchestrator-web";

// /proc/self/exe on Linux; elsewhere argv[0] made absolute (searching PATH for a bare name).
std::filesystem::path self_executable(const std::string& argv0);

// `name` in the folder of this binary (empty when this binary's own path is not absolute).
std::filesystem::path sibling_path(const std::string& argv0, const std::string& name);

// The binary to start for a mode other than --serve (the runners of --full, the runs the web
// server's control endpoints start, the units' ExecStart): `orchestrator` beside this binary
// when this is orchestrator-web and it is there and executable (it starts faster and smaller,
// without the HTTP server's libraries), else this binary itself.
std::filesystem::path light_executable(const std::string& argv0);

// execv(path, argv): this process becomes `path` (same PID, open descriptors without
// FD_CLOEXEC, signal mask and ignored signals kept). Returns only on failure, with errno's
// reason.
Error replace_process(const std::filesystem::path& path, char* const* argv);

}  // namespace orch
