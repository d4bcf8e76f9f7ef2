#pragma once
// --market-status and --calendar YEAR: the market calendar as seen from the command line.
#include <string>

#include "orchestrator/app/options.h"
#include "orchestrator/calendar/market_calendar.h"

namespace orch {

// Is the regular session open at the clock's time? Exit 0 when it is, 1 otherwise (pre- and
// post-market count as closed), 2 when the pipeline cannot be loaded.
// The --market-status --json object at `now` (also GET /api/market); `indent` as json::dump.
std::string market_status_json(const MarketCalendar& calendar, WallTime now, int indent = -1);

int run_market_status(const GlobalOptions& global, bool json);
// The holidays and early closes of `year` (1990..2200, else a usage error: exit 2).
int run_calendar(const GlobalOptions& global, int year, bool json);

}  // namespace orch
