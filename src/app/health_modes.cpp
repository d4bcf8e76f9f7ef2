// Placeholder until the health monitor lands (issue 4): says so and exits 2.
#include <spdlog/spdlog.h>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"

namespace orch {

int run_health(const GlobalOptions&, bool) {
  spdlog::error("--health is not available in this version yet");
  return exit_code::kUsage;
}

int run_update_stale(const GlobalOptions&, const RunOptions&, const std::string&) {
  spdlog::error("--update-stale is not available in this version yet");
  return exit_code::kUsage;
}

}  // namespace orch
