// Placeholder until the unit renderer lands (issue 5): says so and exits 2.
#include <spdlog/spdlog.h>

#include "orchestrator/app/exit_codes.h"
#include "orchestrator/app/modes.h"

namespace orch {

int run_print_units(const GlobalOptions&, const std::string&) {
  spdlog::error("--print-units is not available in this version yet");
  return exit_code::kUsage;
}

}  // namespace orch
