// `orchestrator --serve`: the HTTP server is linked into orchestrator-web only (cpp-httplib
// loads OpenSSL at every start, a cost every timer run and --validate would pay), so this
// binary hands --serve to it with execv: same PID, same argv, same open descriptors, so
// systemd, launchd and scripts that started `orchestrator --serve` see no difference.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"
#include "orchestrator/exec/self_path.h"

namespace orch {

int exec_web_binary(const GlobalOptions& global, char** argv) {
  const std::filesystem::path web = sibling_path(global.argv0, kWebBinaryName);
  if (web.empty()) {
    spdlog::error(
        "--serve runs in {}, installed beside {}, but the folder of this binary is unknown; "
        "start {} --serve directly",
        kWebBinaryName, kLightBinaryName, kWebBinaryName);
    return exit_code::kUsage;
  }
  std::fflush(nullptr);  // nothing buffered may be lost, or written twice, by the exec
  const Error failed = replace_process(web, argv);
  spdlog::error(
      "--serve runs in {}, which cannot be started: {}: {} (install both binaries, {} and {}, "
      "in the same folder: cmake --install does)",
      kWebBinaryName, web.string(), failed.message, kLightBinaryName, kWebBinaryName);
  return exit_code::kUsage;
}

}  // namespace orch
