#pragma once
// Short helper commands whose output we read (sbatch, squeue, scancel): argv only, no shell,
// stdin from /dev/null, stdout and stderr captured through pipes, a hard timeout, and the
// child waited for by its own pid (never waitpid(-1)), so the task runner's reaping is not
// disturbed. The child gets default signal dispositions and its own process group, so a
// Ctrl-C on the terminal reaches us, not a half-done scancel.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch {

struct HelperResult {
  int exit_code = 0;       // 128 + signal when killed
  bool timed_out = false;  // killed at the timeout
  std::string out;
  std::string err;
  bool ok() const { return !timed_out && exit_code == 0; }
  std::string message() const;  // stderr (else stdout) trimmed, or what ended it
};

// The absolute path of `program` in the PATH of `env` ("KEY=VALUE" list), or nullopt.
std::optional<std::filesystem::path> find_program(const std::string& program,
                                                  const std::vector<std::string>& env);

// Runs argv (argv[0] looked up in env's PATH) with exactly `env`; an Error only when it
// could not be started at all.
Expected<HelperResult> run_helper(const std::vector<std::string>& argv,
                                  const std::vector<std::string>& env, Millis timeout);

}  // namespace orch
