#pragma once
// One entry point per mode; each returns the process exit code (app/exit_codes.h).
#include "orchestrator/app/options.h"

namespace orch {

int run_daily(const GlobalOptions& global, const RunOptions& options);
int run_validate(const GlobalOptions& global, bool json);
// --intraday: one pass with `once`, else passes until SIGTERM/SIGINT, sleeping at most
// `max_sleep` between checks.
int run_intraday(const GlobalOptions& global, const RunOptions& options, bool once,
                 Millis max_sleep);

// --full: the daily runner, then the intraday runner, as supervised child processes.
int run_full(const GlobalOptions& global, Millis intraday_interval);

}  // namespace orch
