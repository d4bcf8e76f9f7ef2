#pragma once
// The process set the scheduler drives (ninja's CommandRunner): start a command with a
// deadline, wait for completions or a timeout, stop everything. Implementations: the
// POSIX one in exec/, the Slurm one and the dispatcher over both in exec/, and
// FakeProcessRunner in tests.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/util/expected.h"
#include "orchestrator/util/time.h"

namespace orch {

using ProcessId = std::uint64_t;

// Where a process runs when not on this machine: a batch system's submission settings as plain
// values, interpreted by exec/ (the scheduler never looks inside). `type` is "slurm".
struct RemoteSpec {
  std::string type;
  std::string executor;   // the executor's name in the pipeline file
  std::string job_name;   // e.g. orch.price_data
  std::string partition;  // "" = the cluster's default
  std::string account;
  int cpus = 0;                         // 0 = not requested
  std::string memory;                   // "" = not requested; else e.g. 4G
  std::vector<std::string> extra_args;  // passed to the submit command as they are
  Millis poll{5000};                    // how often job states are asked for
  Millis max_pending{0};                // longest time in the queue; 0 = no limit
};

struct ProcessRequest {
  std::string task_name;          // for messages and fakes
  std::vector<std::string> argv;  // resolved: argv[0] is the program to execute
  std::vector<std::string> env;   // the whole environment, "KEY=VALUE"
  std::filesystem::path cwd;
  std::filesystem::path log_path;  // stdout and stderr of the attempt (created)
  // Where a local attempt's output may wait in an unnamed file until there is some, so that
  // an attempt that writes nothing leaves no log file (same file system as log_path); empty:
  // the log file is made at log_path at the start.
  std::filesystem::path log_root;
  Millis timeout{0};                 // SIGTERM to the group after this; 0 = none
  Millis kill_grace{10000};          // SIGKILL this long after SIGTERM
  std::optional<RemoteSpec> remote;  // absent: a local child process
};

enum class ExitKind {
  Exited,    // exit_code is set (0 = success)
  Signaled,  // killed by `signal` (not by us)
  TimedOut,  // we ended it at its deadline
  Stopped,   // we ended it because the orchestrator is stopping
};

struct ProcessCompletion {
  ProcessId id = 0;
  ExitKind kind = ExitKind::Exited;
  int exit_code = 0;
  int signal = 0;
  Millis duration{0};
  std::optional<std::int64_t> records_processed;  // last RECORDS_PROCESSED=<n> line
  std::optional<std::string> data_as_of;          // last DATA_AS_OF=<iso> line, as printed
  std::string last_output_line;                   // last non-empty line, for error messages
  std::optional<std::int64_t> output_bytes;       // size of the log at the end; 0: no output
  std::optional<std::string> warning;             // about the output, e.g. an ignored DATA_AS_OF
  std::string detail;  // the executor's own words for a failure (e.g. Slurm's job state)

  bool succeeded() const { return kind == ExitKind::Exited && exit_code == 0; }
};

// A started process as the operating system knows it: its pid (also its process group id)
// and its start time (clock ticks after boot), recorded so that a later orchestrator can
// end what a dead one left running, and tell a reused pid from it.
struct OsProcess {
  std::int64_t pid = 0;
  std::uint64_t start = 0;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // From here on a stop signal (SIGINT/SIGTERM/SIGHUP) is held for a clean stop, reported by
  // stop_signal(), instead of ending the process at once. A mode calls it where it starts to
  // write (so --dry-run and --validate keep the default signal behaviour); start() and wait()
  // imply it. Idempotent.
  virtual void arm() {}
  // Starts the process; an Error with retriable=false when trying again cannot help
  // (missing script, not executable, bad interpreter).
  virtual Expected<ProcessId> start(const ProcessRequest& request) = 0;
  // Returns the processes that finished, waiting at most `max_wait` for the first one.
  // Returns early (possibly empty) when a stop signal arrived (see stop_signal()), or when
  // the process was continued after being stopped: the caller recomputes its wake-up.
  virtual std::vector<ProcessCompletion> wait(Millis max_wait) = 0;
  // SIGINT/SIGTERM/SIGHUP received, or 0.
  virtual int stop_signal() const = 0;
  // Ends every running process (SIGTERM, SIGKILL after its grace) and reports them as Stopped.
  virtual std::vector<ProcessCompletion> stop_all() = 0;
  virtual std::size_t running() const = 0;
  // The batch system's id of a started process (a Slurm job id); empty for a local one.
  virtual std::string external_id(ProcessId) const { return {}; }
  // The OS identity of a running process; none where there is no such thing (fakes).
  virtual std::optional<OsProcess> os_process(ProcessId) const { return std::nullopt; }
};

}  // namespace orch
