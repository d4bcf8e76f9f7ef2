// The Slurm executor's plain parts: the executors in the pipeline file, the sbatch command
// line, squeue's answers, and how Slurm's final states become attempt outcomes. The runner
// itself is tested against a real cluster (tests/integration/test_slurm.py).
#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "config_helpers.h"
#include "orchestrator/exec/dispatch_process_runner.h"
#include "orchestrator/exec/slurm.h"

using namespace orch;
using namespace orch::test;
using namespace std::chrono_literals;

namespace {

const std::string kExecutors =
    "executors:\n"
    "  cluster:\n"
    "    type: slurm\n"
    "    partition: batch\n"
    "    cpus: 2\n"
    "    memory: 4g\n"
    "    extra_args: [\"--qos=normal\"]\n"
    "    poll_seconds: 3\n"
    "    max_pending_seconds: 600\n";

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("config: executors, default_executor and per-task executor and resources") {
  const auto r = load(kExecutors +
                      "default_executor: cluster\n"
                      "daily_schedule:\n"
                      "  - name: Heavy\n    script: a.sh\n    resources: {cpus: 8, memory: 32G}\n"
                      "  - name: Light\n    script: a.sh\n    executor: local\n");
  for (const auto& e : r.errors) INFO(e.format());
  REQUIRE(r.config.has_value());
  const ExecutorSpec& ex = r.config->executors.at("cluster");
  CHECK(ex.partition == "batch");
  CHECK(ex.cpus == 2);
  CHECK(ex.memory == "4G");
  CHECK(ex.extra_args == std::vector<std::string>{"--qos=normal"});
  CHECK(ex.poll == 3s);
  CHECK(ex.max_pending == 600s);
  const TaskSpec& heavy = r.config->daily[0];
  CHECK(heavy.executor == "cluster");  // from default_executor
  CHECK(heavy.cpus == 8);
  CHECK(heavy.memory == "32G");
  CHECK(r.config->executor_for(heavy) == &ex);
  CHECK(r.config->executor_for(r.config->daily[1]) == nullptr);
}

TEST_CASE("config: refused executor settings name the line and the fix") {
  SUBCASE("unknown executor of a task, with the nearest name") {
    const auto e = single_error(load(kExecutors + "daily_schedule:\n  - name: A\n    script: a.sh\n"
                                                  "    executor: clustr\n"));
    CHECK(e.line == 13);
    CHECK(e.task == "A");
    CHECK(has(e.message, "unknown executor 'clustr'"));
    CHECK(has(e.hint, "cluster"));
  }
  SUBCASE("unknown default_executor") {
    const auto e = single_error(load(kExecutors + "default_executor: nope\n"));
    CHECK(e.line == 10);
    CHECK(has(e.message, "unknown executor 'nope'"));
  }
  SUBCASE("unknown type") {
    const auto e = single_error(load("executors:\n  c:\n    type: pbs\n"));
    CHECK(e.line == 3);
    CHECK(has(e.message, "unknown executor type 'pbs'"));
  }
  SUBCASE("no type") {
    const auto e = single_error(load("executors:\n  c:\n    partition: x\n"));
    CHECK(has(e.message, "has no 'type'"));
  }
  SUBCASE("cpus and memory") {
    for (const char* bad :
         {"cpus: 0", "cpus: -1", "cpus: 1.5", "cpus: two", "memory: 0", "memory: 0G", "memory: 4GB",
          "memory: G", "memory: -4G", "memory: 4.5G"}) {
      INFO(bad);
      const auto e =
          single_error(load(std::string("executors:\n  c:\n    type: slurm\n    ") + bad + "\n"));
      CHECK(e.line == 4);
    }
    const auto e = single_error(load(kExecutors + "daily_schedule:\n  - name: A\n    script: a.sh\n"
                                                  "    resources: {memory: 12X}\n"));
    CHECK(e.task == "A");
    CHECK(has(e.message, "bad resources.memory '12X'"));
  }
  SUBCASE("unknown key in an executor suggests the nearest") {
    const auto e = single_error(load("executors:\n  c:\n    type: slurm\n    partiton: x\n"));
    CHECK(e.line == 4);
    CHECK(has(e.hint, "partition"));
  }
  SUBCASE("'local' is reserved") {
    const auto e = single_error(load("executors:\n  local:\n    type: slurm\n"));
    CHECK(has(e.message, "reserved"));
  }
}

TEST_CASE("slurm: the sbatch command line of an attempt") {
  ProcessRequest r;
  r.argv = {"python3", "collectors/11.py", "--x"};
  r.cwd = "/srv/pipeline";
  r.log_path = "/srv/pipeline/logs/ml/a.log";
  r.timeout = 100s;
  r.kill_grace = 30s;
  RemoteSpec spec;
  spec.job_name = "orch.ml";
  spec.partition = "batch";
  spec.cpus = 8;
  spec.memory = "32G";
  spec.extra_args = {"--qos=normal"};
  r.remote = spec;
  const auto argv = slurm::sbatch_argv(r, "/srv/pipeline/logs/w.py");
  CHECK(argv.front() == "sbatch");
  for (const char* part :
       {"--parsable", "--job-name=orch.ml", "--chdir=/srv/pipeline",
        "--output=/srv/pipeline/logs/ml/a.log", "--time=3", "--partition=batch",
        "--cpus-per-task=8", "--mem=32G", "--qos=normal", "--no-requeue", "--export=ALL"}) {
    CHECK_MESSAGE(contains(argv, part), part);
  }
  CHECK_FALSE(contains(argv, "--account="));
  // The wrapper, its exit file next to the log, then the task's own argv untouched.
  const std::vector<std::string> tail(argv.end() - 5, argv.end());
  CHECK(tail == std::vector<std::string>{"/srv/pipeline/logs/w.py",
                                         "/srv/pipeline/logs/ml/a.log.exit", "python3",
                                         "collectors/11.py", "--x"});
  CHECK(slurm::time_limit_minutes(100s, 30s) == 3);
  CHECK(slurm::time_limit_minutes(60s, 0s) == 1);
  CHECK(slurm::time_limit_minutes(50s, 10s) == 1);
  CHECK(slurm::time_limit_minutes(50s, 11s) == 2);
}

TEST_CASE("slurm: sbatch's job id and squeue's answers") {
  CHECK(slurm::parse_job_id("123\n") == "123");
  CHECK(slurm::parse_job_id("4567;cluster\n") == "4567");
  CHECK(slurm::parse_job_id("sbatch: warning: x\n89\n") == "89");
  CHECK_FALSE(slurm::parse_job_id("").has_value());
  CHECK_FALSE(slurm::parse_job_id("Submitted batch job\n").has_value());

  CHECK(slurm::parse_elapsed("0:03") == 3000ms);
  CHECK(slurm::parse_elapsed("1:02:03") == Millis(3723000));
  CHECK(slurm::parse_elapsed("2-00:00:01") == Millis((2 * 86400 + 1) * 1000LL));
  CHECK_FALSE(slurm::parse_elapsed("INVALID").has_value());
  CHECK_FALSE(slurm::parse_elapsed("5").has_value());

  const auto jobs = slurm::parse_squeue(
      "12|RUNNING|0:05|None||\n13|PENDING|0:00|Resources||\n"
      "garbage\n14|OUT_OF_MEMORY|1:00|OutOfMemory|0:9|\n"
      "15|FAILED|0:02|NonZeroExitCode|3|\n");
  REQUIRE(jobs.size() == 4);
  CHECK(slurm::exit_text_of(jobs.at("15")) == "exit 3");
  CHECK(slurm::exit_text_of(jobs.at("14")) == "signal 9");
  CHECK(slurm::exit_text_of(jobs.at("12")).empty());
  CHECK(jobs.at("12").state == "RUNNING");
  CHECK(jobs.at("12").elapsed == 5000ms);
  CHECK(jobs.at("13").reason == "Resources");
  CHECK(jobs.at("14").state == "OUT_OF_MEMORY");

  const auto q = slurm::squeue_argv({"1", "2", "3"});
  CHECK(contains(q, "--jobs=1,2,3"));
  CHECK(contains(q, "--states=all"));
  CHECK(slurm::is_invalid_job_id_error("slurm_load_jobs error: Invalid job id specified\n"));
  CHECK_FALSE(slurm::is_invalid_job_id_error("Unable to contact slurm controller"));
  CHECK(slurm::is_pending("PENDING"));
  CHECK_FALSE(slurm::is_pending("RUNNING"));
  CHECK(slurm::is_terminal("NODE_FAIL"));
  CHECK_FALSE(slurm::is_terminal("COMPLETING"));
}

TEST_CASE("slurm: final states map to attempt outcomes in Slurm's words") {
  const auto outcome = [](std::string_view state, std::string_view exit_text) {
    ProcessCompletion c;
    slurm::apply_final_state(c, "77", state, exit_text);
    return c;
  };
  auto c = outcome("COMPLETED", "exit 0\n");
  CHECK(c.succeeded());
  c = outcome("FAILED", "exit 3\n");
  CHECK((c.kind == ExitKind::Exited && c.exit_code == 3 && c.detail.empty()));
  c = outcome("FAILED", "signal 9\n");
  CHECK((c.kind == ExitKind::Signaled && c.signal == 9));
  c = outcome("FAILED", "");
  CHECK_FALSE(c.succeeded());
  CHECK(has(c.detail, "FAILED"));
  c = outcome("TIMEOUT", "");
  CHECK(c.kind == ExitKind::TimedOut);
  CHECK(has(c.detail, "Slurm job 77 ended TIMEOUT"));
  for (const char* state : {"OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL"}) {
    c = outcome(state, "exit 0\n");  // the task's own exit does not hide Slurm's verdict
    INFO(state);
    CHECK_FALSE(c.succeeded());
    CHECK(c.detail == std::string("Slurm job 77 ended ") + state);
  }
  c = outcome("CANCELLED", "");
  CHECK_FALSE(c.succeeded());
  CHECK(has(c.detail, "ended CANCELLED: cancelled outside the orchestrator"));
}

TEST_CASE(
    "dispatch: local requests run here; remote ones without the Slurm commands fail at once") {
  std::string templ = (std::filesystem::temp_directory_path() / "orch_dispatch_XXXXXX").string();
  REQUIRE(::mkdtemp(templ.data()) != nullptr);
  const std::filesystem::path dir = templ;
  DispatchProcessRunner runner(dir / "logs", {"PATH=/nonexistent"});
  ProcessRequest local;
  local.argv = {"/bin/sh", "-c", "echo RECORDS_PROCESSED=3"};
  local.env = {"PATH=/usr/bin:/bin"};
  local.cwd = dir;
  local.log_path = dir / "logs" / "local.log";
  auto id = runner.start(local);
  REQUIRE(id.has_value());
  CHECK(runner.external_id(*id).empty());

  ProcessRequest remote = local;
  remote.env = {"PATH=/nonexistent"};
  remote.remote = RemoteSpec{};
  remote.remote->executor = "cluster";
  auto refused = runner.start(remote);
  REQUIRE_FALSE(refused.has_value());
  CHECK_FALSE(refused.error().retriable);
  CHECK(has(refused.error().message, "sbatch, squeue, scancel not found in PATH"));
  CHECK(has(refused.error().message, "slurm-client"));

  std::vector<ProcessCompletion> done;
  for (int i = 0; i < 100 && done.empty(); ++i) done = runner.wait(100ms);
  REQUIRE(done.size() == 1);
  CHECK(done[0].id == *id);  // the dispatcher's id, not the inner runner's
  CHECK(done[0].succeeded());
  CHECK(done[0].records_processed == 3);
  CHECK(runner.running() == 0);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST_CASE("slurm: the job wrapper's exit file; only an unsignalled exit 0 ends a job early") {
  auto f = slurm::parse_exit_file("exit 0\nruntime 1.234\n");
  CHECK(f.status == "exit 0");
  CHECK_FALSE(f.signalled);
  REQUIRE(f.runtime.has_value());
  CHECK(f.runtime->count() == 1234);
  CHECK(slurm::ended_cleanly(f));

  f = slurm::parse_exit_file(
      "exit 0\nruntime 12.5\nreceived signal 15\n");  // cancelled, preempted...
  CHECK(f.signalled);
  CHECK(f.runtime->count() == 12500);
  CHECK_FALSE(slurm::ended_cleanly(f));  // Slurm's final state decides

  CHECK_FALSE(slurm::ended_cleanly(slurm::parse_exit_file("exit 3\nruntime 0.100\n")));
  CHECK_FALSE(slurm::ended_cleanly(slurm::parse_exit_file("signal 9\nruntime 0.100\n")));
  CHECK_FALSE(slurm::ended_cleanly(slurm::parse_exit_file("")));  // not written yet
  f = slurm::parse_exit_file("exit 0\n");  // a wrapper that wrote only the status
  CHECK(slurm::ended_cleanly(f));
  CHECK_FALSE(f.runtime.has_value());
  CHECK_FALSE(slurm::parse_exit_file("exit 0\nruntime soon\n").runtime.has_value());

  // The status line is what the final-state mapping reads.
  ProcessCompletion c;
  slurm::apply_final_state(c, "77", "FAILED",
                           slurm::parse_exit_file("exit 4\nruntime 2.000\n").status);
  CHECK((c.kind == ExitKind::Exited && c.exit_code == 4));
}
