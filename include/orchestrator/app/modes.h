#pragma once
// One entry point per mode; each returns the process exit code (app/exit_codes.h).
#include <string>

#include "orchestrator/app/options.h"
#include "orchestrator/app/pipeline.h"

namespace orch {

int run_daily(const GlobalOptions& global, const RunOptions& options);
// --backfill FROM..TO: the daily DAG for each trading date of the range, one at a time.
int run_backfill(const GlobalOptions& global, const RunOptions& options, const std::string& range);
int run_validate(const GlobalOptions& global, bool json);
// --intraday: one pass with `once`, else passes until SIGTERM/SIGINT, sleeping at most
// `max_sleep` between checks.
int run_intraday(const GlobalOptions& global, const RunOptions& options, bool once,
                 Millis max_sleep);

// --full: the daily runner, then the intraday runner, as supervised child processes.
int run_full(const GlobalOptions& global, Millis intraday_interval);

// --health: freshness of every source and task, recorded and shown; exit 1 when any is red.
int run_health(const GlobalOptions& global, bool json);
// --update-stale: run the tasks writing sources at or beyond `min_staleness` ("yellow"/"red").
int run_update_stale(const GlobalOptions& global, const RunOptions& options,
                     const std::string& min_staleness);
// The modes that run tasks, on a loaded pipeline whose clock and process runner (non-null)
// the caller chose: the entries above compose the system clock and the real runner (it arms
// its signal handling only where the mode starts to write); unit tests hand in fakes.
int run_daily(const GlobalOptions& global, const RunOptions& options, const ScheduleInput& in);
int run_backfill(const GlobalOptions& global, const RunOptions& options, const std::string& range,
                 const ScheduleInput& in);
int run_intraday(const GlobalOptions& global, const RunOptions& options, bool once,
                 Millis max_sleep, const ScheduleInput& in);
int run_full(const GlobalOptions& global, Millis intraday_interval, const Pipeline& pipeline);
int run_update_stale(const GlobalOptions& global, const RunOptions& options,
                     const std::string& min_staleness, const Pipeline& pipeline);

// --print-units launchd|systemd: timer/agent files for this installation.
int run_print_units(const GlobalOptions& global, const std::string& kind);
// --serve in `orchestrator`: replaces this process (same PID, argv unchanged) with
// orchestrator-web from the folder of this binary, which links the HTTP server and runs
// --serve (serve/serve.h). Returns only when that cannot be done: the error names the path
// looked at and the fix, exit 2.
int exec_web_binary(const GlobalOptions& global, char** argv);
// --report FILE ("-": stdout): the dashboard as one self-contained HTML file.
int run_report(const GlobalOptions& global, const std::string& file);

}  // namespace orch
