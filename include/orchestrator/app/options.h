#pragma once
// What the command line asked for, as plain values (cli/ fills them, app/ acts on them).
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/ui/logging.h"
#include "orchestrator/util/time.h"

namespace orch {

struct GlobalOptions {
  std::string argv0;  // how we were started (for --full re-execution)
  std::filesystem::path config = "dependency_graph.yaml";
  std::optional<std::filesystem::path> db;  // overrides `database:`
  std::optional<WallTime> now;              // --now / ORCHESTRATOR_NOW
  Verbosity verbosity = Verbosity::Normal;
  ColorMode color = ColorMode::Auto;
};

struct RunOptions {
  bool dry_run = false;
  bool force = false;              // daily: rerun tasks that already succeeded for the trading date
  bool no_wait = false;            // daily: ignore `time`
  bool scheduled = false;          // daily: started by a timer, so honour daily_days
  std::vector<std::string> tasks;  // --task: restrict the run
  std::optional<int> jobs;         // -j
  bool json = false;
  std::optional<std::string> date;  // daily --date: the trading date to run (YYYY-MM-DD)
  bool reverse = false;             // backfill: newest date first
};

}  // namespace orch
