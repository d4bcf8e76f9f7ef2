#pragma once
// --market-status and --calendar YEAR: the market calendar as seen from the command line.
#include "orchestrator/app/options.h"

namespace orch {

// Is the regular session open at the clock's time? Exit 0 when it is, 1 otherwise (pre- and
// post-market count as closed), 2 when the pipeline cannot be loaded.
int run_market_status(const GlobalOptions& global, bool json);
// The holidays and early closes of `year` (1990..2200, else a usage error: exit 2).
int run_calendar(const GlobalOptions& global, int year, bool json);

}  // namespace orch
