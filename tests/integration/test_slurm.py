"""Tasks on a real Slurm cluster: the single-node one of scripts/slurm-local.sh.

The cluster is found through $SLURM_CONF, else $ORCH_SLURM_DIR/slurm.conf, else
build/slurm-local/slurm.conf: what scripts/test.sh starts (or reuses) before running ctest.
Without a reachable cluster these tests skip saying why, except under CI (CI=true), where
that is a failure.  The configuration-error and missing-command cases need no cluster.
"""

import os
import shutil
import signal
import subprocess
import unittest

from harness import HERE, PipelineTestCase

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
DEFAULT_CONF = os.path.join(REPO, "build", "slurm-local", "slurm.conf")


def _find_cluster():
    conf = os.environ.get("SLURM_CONF") or DEFAULT_CONF
    if not os.environ.get("SLURM_CONF") and os.environ.get("ORCH_SLURM_DIR"):
        conf = os.path.join(os.environ["ORCH_SLURM_DIR"], "slurm.conf")
    if not shutil.which("squeue"):
        return None, "the Slurm client is not installed (scripts/slurm-local.sh start installs it)"
    if not os.path.exists(conf):
        return None, f"no cluster configuration at {conf} (start one: scripts/slurm-local.sh start)"
    env = dict(os.environ, SLURM_CONF=conf)
    try:
        r = subprocess.run(["squeue", "--noheader"], env=env, capture_output=True, timeout=15)
    except subprocess.TimeoutExpired:
        return None, f"the cluster of {conf} does not answer"
    if r.returncode != 0:
        return None, f"the cluster of {conf} is not running: {r.stderr.decode().strip()}"
    return conf, ""


SLURM_CONF, WHY_NOT = _find_cluster()


def needs_cluster(cls):
    if SLURM_CONF:
        return cls
    if os.environ.get("CI") == "true":  # each cluster test fails, saying why
        def set_up(self):
            self.fail(f"CI=true but no Slurm cluster: {WHY_NOT}")
        cls.setUp = set_up
        return cls
    return unittest.skip(f"no Slurm cluster: {WHY_NOT}")(cls)


def slurm(*args):
    """Runs a Slurm command against the test cluster; returns its stdout."""
    r = subprocess.run(list(args), env=dict(os.environ, SLURM_CONF=SLURM_CONF),
                       capture_output=True, timeout=30)
    return r.stdout.decode()


def read_text(path):
    """The file's stripped text, or "" while it does not exist."""
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def job_state(job_id):
    out = slurm("squeue", "--noheader", "--states=all", f"--jobs={job_id}", "--format=%T|%j|%C")
    return out.strip()


CLUSTER = {"cluster": {"type": "slurm", "poll_seconds": 1}}


class SlurmCase(PipelineTestCase):

    def run_env(self, extra=None):
        env = {"SLURM_CONF": SLURM_CONF or DEFAULT_CONF}
        env.update(extra or {})
        return env

    def daily(self, *args, timeout=120, env=None):
        return self.p.run("--daily", "--no-wait", *args, timeout=timeout, env=self.run_env(env))

    def job_ids(self, task):
        return [r["slurm_job_id"] for r in self.p.task_runs(task)]

    def wait_job_gone(self, job_id, timeout=30.0):
        """Until the job is no longer pending or running; returns its final state."""
        def ended():
            state = job_state(job_id).split("|")[0]
            return state if state not in ("PENDING", "RUNNING", "COMPLETING") else ""
        return self.wait_until(ended, timeout, f"job {job_id} to end", interval=0.1)


@needs_cluster
class SlurmRuns(SlurmCase):

    def test_dag_mixes_local_and_cluster_tasks_with_resources_and_protocol(self):
        p = self.p
        local = p.script("local.sh", "stamp start\nsleep 0.2\nstamp end\n")
        remote = p.script("remote.sh", (
            "stamp start\n"
            "echo \"$SLURM_JOB_ID|$SLURM_CPUS_PER_TASK|$ORCHESTRATOR_TASK|$ORCHESTRATOR_ATTEMPT|$PWD\" > env.txt\n"
            "echo to-stderr >&2\n"
            "echo RECORDS_PROCESSED=42\n"
            "stamp end\n"))
        p.write_config([
            {"name": "Prepare", "script": local},
            {"name": "Heavy Model", "script": remote, "dependencies": ["Prepare"],
             "executor": "cluster", "resources": {"cpus": 2, "memory": "100M"}},
            {"name": "Publish", "script": local, "dependencies": ["Heavy Model"]},
        ], executors=CLUSTER)
        r = self.daily()
        self.assertRc(r, 0)
        for task in ("Prepare", "Heavy Model", "Publish"):
            self.assertStatus(task, "SUCCESS")
        with open(p.trace_path) as f:
            order = [line.rsplit(" ", 2)[0:2] for line in f.read().splitlines()]
        self.assertEqual([t for t, what in order if what == "start"],
                         ["Prepare", "Heavy Model", "Publish"])
        (run,) = p.task_runs("Heavy Model")
        job = run["slurm_job_id"]
        self.assertTrue(job and job.isdigit(), run)
        self.assertEqual(run["records_processed"], 42)
        self.assertIsNone(p.task_runs("Prepare")[0]["slurm_job_id"])
        # The job ran the task in the pipeline's folder with the protocol's environment.
        env_job, cpus, task, attempt, cwd = read_text(p.path("env.txt")).split("|")
        self.assertEqual((env_job, cpus, task, attempt), (job, "2", "Heavy Model", "1"))
        self.assertEqual(os.path.realpath(cwd), os.path.realpath(p.root))
        # Its job name, its resources, and its output in the attempt's log.
        state, name, alloc_cpus = job_state(job).split("|")
        self.assertEqual((state, name, alloc_cpus), ("COMPLETED", "orch.heavy_model", "2"))
        log = read_text(run["log_path"])
        self.assertIn("RECORDS_PROCESSED=42", log)
        self.assertIn("to-stderr", log)
        self.assertIn(f"Heavy Model [Slurm job {job}]", r.output)

    def test_running_time_limit_sigterms_the_task_and_cancels_the_job(self):
        p = self.p
        slow = p.script("slow.sh", (
            "trap 'echo got-term > term.txt; exit 1' TERM\n"
            "echo $SLURM_JOB_ID > job.txt\n"
            "sleep 60 & wait\n"))
        p.write_config([
            {"name": "Slow", "script": slow, "executor": "cluster", "max_runtime_seconds": 2},
        ], executors=CLUSTER)
        r = self.daily()
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 30, r)
        row = self.assertStatus("Slow", "TIMEOUT")
        self.assertIn("timed out after 2.0s", row["last_error_message"])
        # SIGTERM reached the task itself at the deadline; the job then ended.
        self.wait_until(lambda: os.path.exists(p.path("term.txt")), 10, "the task's TERM trap", interval=0.1)
        job = read_text(p.path("job.txt"))
        self.assertEqual(self.job_ids("Slow"), [job])
        self.wait_job_gone(job)

    def test_failures_retry_with_backoff_and_exit_codes_reach_the_attempt(self):
        p = self.p
        flaky = p.script("flaky.sh", (
            "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count\n"
            "[ $n -ge 2 ] || { echo first-try-fails; exit 3; }\n"))
        broken = p.script("broken.sh", "echo broken-for-good\nexit 4\n")
        p.write_config([
            {"name": "Flaky", "script": flaky, "executor": "cluster"},
            {"name": "Broken", "script": broken, "executor": "cluster"},
        ], executors=CLUSTER, retry_policy={"max_attempts": 2, "backoff_seconds": [1]})
        r = self.daily()
        self.assertRc(r, 1)
        self.assertStatus("Flaky", "SUCCESS")
        runs = p.task_runs("Flaky")
        self.assertEqual([(t["attempt"], t["status"], t["exit_code"]) for t in runs],
                         [(1, "FAILED", 3), (2, "SUCCESS", 0)])
        self.assertNotEqual(runs[0]["slurm_job_id"], runs[1]["slurm_job_id"])
        row = self.assertStatus("Broken", "FAILED")
        self.assertEqual(row["last_error_message"], "exit code 4: broken-for-good")
        self.assertEqual([t["exit_code"] for t in p.task_runs("Broken")], [4, 4])

    def test_cancelled_by_someone_else_is_a_failure_in_slurms_words(self):
        p = self.p
        slow = p.script("slow.sh", "echo $SLURM_JOB_ID > job.txt\nsleep 60\n")
        p.write_config([{"name": "Victim", "script": slow, "executor": "cluster"}],
                       executors=CLUSTER)
        proc = self.popen("--daily", "--no-wait", env=self.run_env())
        job = self.wait_until(lambda: read_text(p.path("job.txt")), 30, "the job to start", interval=0.1)
        slurm("scancel", job)
        r = self.finish(proc, timeout=60)
        self.assertRc(r, 1)
        row = self.assertStatus("Victim", "FAILED")
        self.assertIn(f"Slurm job {job} ended CANCELLED", row["last_error_message"])

    def test_a_task_killed_by_a_signal_on_the_node_fails_saying_which(self):
        p = self.p
        killed = p.script("killed.sh", "echo about-to-die\nkill -KILL $$\n")
        p.write_config([{"name": "Killed", "script": killed, "executor": "cluster"}],
                       executors=CLUSTER)
        r = self.daily()
        self.assertRc(r, 1)
        row = self.assertStatus("Killed", "FAILED")
        self.assertIn("killed by signal 9", row["last_error_message"])

    def test_a_node_failure_fails_the_attempt_with_slurms_state(self):
        # The node set DOWN under a running job: Slurm ends it NODE_FAIL (not requeued).
        p = self.p
        node = slurm("sinfo", "--noheader", "--format=%N").strip()
        self.assertTrue(node, "the cluster's node")
        slow = p.script("slow.sh", "echo $SLURM_JOB_ID > job.txt\nsleep 60\n")
        p.write_config([{"name": "On Failing Node", "script": slow, "executor": "cluster"}],
                       executors=CLUSTER)
        proc = self.popen("--daily", "--no-wait", env=self.run_env())
        self.addCleanup(self.resume_node, node)
        job = self.wait_until(lambda: read_text(p.path("job.txt")), 30, "the job to start", interval=0.1)
        slurm("scontrol", "update", f"NodeName={node}", "State=DOWN", "Reason=orchestrator-test")
        r = self.finish(proc, timeout=60)
        self.assertRc(r, 1)
        row = self.assertStatus("On Failing Node", "FAILED")
        self.assertEqual(row["last_error_message"], f"Slurm job {job} ended NODE_FAIL")

    def test_a_preempted_job_fails_the_attempt_with_slurms_state(self):
        # The job holds every CPU of the node; a job of the higher-priority partition `urgent`
        # (scripts/slurm-local.sh) needs them, so Slurm cancels ours as PREEMPTED.
        p = self.p
        cpus = slurm("sinfo", "--noheader", "--partition=urgent", "--format=%c").strip()
        self.assertTrue(cpus.isdigit(), "the cluster has no 'urgent' partition (started by an older "
                        "scripts/slurm-local.sh: stop it and start it again)")
        slow = p.script("slow.sh", "echo $SLURM_JOB_ID > job.txt\nsleep 60\n")
        p.write_config([{"name": "Preempted", "script": slow, "executor": "cluster",
                         "resources": {"cpus": int(cpus)}}], executors=CLUSTER)
        proc = self.popen("--daily", "--no-wait", env=self.run_env())
        job = self.wait_until(lambda: read_text(p.path("job.txt")), 30, "the job to start", interval=0.1)
        urgent = slurm("sbatch", "--parsable", "--partition=urgent", f"--cpus-per-task={cpus}",
                       "--output=/dev/null", "--job-name=orch-test-urgent", "--wrap=true").strip()
        self.assertTrue(urgent, "the urgent job was not submitted")
        self.addCleanup(slurm, "scancel", urgent.split(";")[0])
        r = self.finish(proc, timeout=60)
        self.assertRc(r, 1)
        row = self.assertStatus("Preempted", "FAILED")
        self.assertEqual(row["last_error_message"], f"Slurm job {job} ended PREEMPTED")

    def test_slurms_own_time_limit_is_a_timeout_in_slurms_words(self):
        # Our deadline always comes first (--time is max_runtime + grace, rounded up), so the
        # job is given a shorter --time through extra_args (the later option wins): Slurm ends
        # it TIMEOUT after its minute. About 1-2 minutes.
        p = self.p
        slow = p.script("slow.sh", "echo $SLURM_JOB_ID > job.txt\nsleep 300\n")
        executors = {"cluster": {"type": "slurm", "poll_seconds": 1, "extra_args": ["--time=1"]}}
        p.write_config([{"name": "Over Slurm Limit", "script": slow, "executor": "cluster",
                         "max_runtime_seconds": 600}], executors=executors)
        r = self.daily(timeout=300)
        self.assertRc(r, 1)
        self.assertGreater(r.elapsed, 55, r)
        job = read_text(p.path("job.txt"))
        row = self.assertStatus("Over Slurm Limit", "TIMEOUT")
        self.assertEqual(row["last_error_message"], f"Slurm job {job} ended TIMEOUT (Slurm's time limit)")

    def resume_node(self, node):
        slurm("scontrol", "update", f"NodeName={node}", "State=RESUME")
        self.wait_until(lambda: "idle" in slurm("sinfo", "--noheader", "--format=%T"), 60,
                        "the node to be back", interval=0.2)

    def test_a_job_slurm_no_longer_knows_fails_as_state_lost(self):
        # The real controller, but squeue's answer stops listing the job (as after MinJobAge or
        # a controller that lost its state) while it still runs: no final state, no exit file.
        p = self.p
        wrap = p.path("forgetful-bin")
        os.makedirs(wrap)
        forget = p.path("forget")
        with open(os.path.join(wrap, "squeue"), "w") as f:
            f.write(f"#!/bin/sh\n[ -e {forget} ] && exit 0\nexec {shutil.which('squeue')} \"$@\"\n")
        os.chmod(os.path.join(wrap, "squeue"), 0o755)
        slow = p.script("slow.sh", "echo $SLURM_JOB_ID > job.txt\nsleep 60\n")
        p.write_config([{"name": "Forgotten", "script": slow, "executor": "cluster"}],
                       executors=CLUSTER)
        proc = self.popen("--daily", "--no-wait",
                          env=self.run_env({"PATH": wrap + os.pathsep + os.environ["PATH"]}))
        job = self.wait_until(lambda: read_text(p.path("job.txt")), 30, "the job to start", interval=0.1)
        self.addCleanup(slurm, "scancel", job)
        with open(forget, "w"):
            pass
        r = self.finish(proc, timeout=60)
        self.assertRc(r, 1)
        row = self.assertStatus("Forgotten", "FAILED")
        self.assertIn(f"Slurm job {job}: job state lost", row["last_error_message"])

    def test_a_job_queued_too_long_is_cancelled(self):
        p = self.p
        ok = p.script("ok.sh", "echo never\n")
        executors = {"cluster": {"type": "slurm", "poll_seconds": 1, "max_pending_seconds": 2,
                                 "extra_args": ["--begin=now+1hour"]}}
        p.write_config([{"name": "Queued", "script": ok, "executor": "cluster"}],
                       executors=executors)
        r = self.daily()
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 20, r)
        row = self.assertStatus("Queued", "FAILED")
        self.assertIn("queued longer than max_pending_seconds (2s)", row["last_error_message"])
        (job,) = self.job_ids("Queued")
        self.assertEqual(self.wait_job_gone(job), "CANCELLED")

    def test_sbatch_refusal_fails_the_attempt_with_slurms_message_and_retries(self):
        p = self.p
        ok = p.script("ok.sh", "stamp start\n")
        executors = {"cluster": {"type": "slurm", "partition": "no_such_partition"}}
        p.write_config([
            {"name": "Refused", "script": ok, "executor": "cluster"},
            {"name": "Local", "script": ok},
        ], executors=executors, retry_policy={"max_attempts": 2, "backoff_seconds": [0]})
        r = self.daily()
        self.assertRc(r, 1)
        row = self.assertStatus("Refused", "FAILED")
        self.assertIn("sbatch refused the job", row["last_error_message"])
        self.assertIn("invalid partition", row["last_error_message"].lower())
        self.assertEqual([t["attempt"] for t in p.task_runs("Refused")], [1, 2])
        self.assertStatus("Local", "SUCCESS")

    def test_controller_unreachable_for_a_while_loses_nothing(self):
        # The real cluster behind wrappers that fail like a controller that is down: the first
        # sbatch and the first three squeue calls.
        p = self.p
        wrap = p.path("flaky-bin")
        os.makedirs(wrap)
        for cmd, failures in (("sbatch", 1), ("squeue", 3)):
            count = p.path(f"{cmd}.count")
            with open(os.path.join(wrap, cmd), "w") as f:
                f.write("#!/bin/sh\n"
                        f"n=$(cat {count} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {count}\n"
                        f"if [ $n -le {failures} ]; then\n"
                        f"  echo '{cmd}: error: Unable to contact slurm controller (connect failure)' >&2\n"
                        "  exit 1\nfi\n"
                        f"exec {shutil.which(cmd)} \"$@\"\n")
            os.chmod(os.path.join(wrap, cmd), 0o755)
        # Longer than the failing polls, so the job is still running when squeue answers again.
        job = p.script("job.sh", "sleep 6\necho RECORDS_PROCESSED=7\n")
        p.write_config([{"name": "Resilient", "script": job, "executor": "cluster"}],
                       executors=CLUSTER, retry_policy={"max_attempts": 2, "backoff_seconds": [0]})
        r = self.daily(env={"PATH": wrap + os.pathsep + os.environ["PATH"]})
        self.assertRc(r, 0)
        self.assertStatus("Resilient", "SUCCESS")
        runs = p.task_runs("Resilient")
        self.assertEqual([t["status"] for t in runs], ["FAILED", "SUCCESS"])
        self.assertIn("Unable to contact slurm controller", runs[0]["error_message"])
        self.assertEqual(runs[1]["records_processed"], 7)
        self.assertGreaterEqual(int(read_text(p.path("squeue.count"))), 4)  # it kept asking

    def test_a_job_that_exits_0_frees_its_dependent_without_waiting_for_a_poll(self):
        # poll_seconds 60: had each end waited for a poll, this chain would take 3 minutes.
        p = self.p
        step = p.script("step.sh", "stamp start\nsleep 1\necho RECORDS_PROCESSED=1\nstamp end\n")
        p.write_config([
            {"name": "First", "script": step, "executor": "cluster"},
            {"name": "Second", "script": step, "executor": "cluster", "dependencies": ["First"]},
            {"name": "Third", "script": step, "executor": "cluster", "dependencies": ["Second"]},
        ], executors={"cluster": {"type": "slurm", "poll_seconds": 60}})
        r = self.daily(timeout=240)
        self.assertRc(r, 0)
        self.assertLess(r.elapsed, 45, r)
        for task in ("First", "Second", "Third"):
            self.assertStatus(task, "SUCCESS")
            (run,) = p.task_runs(task)
            self.assertEqual(run["records_processed"], 1)
            # The running time is the node's measure of the task, not 0 for a job never seen
            # running by a poll.
            self.assertGreaterEqual(run["duration_seconds"], 1.0, run)
            self.assertLess(run["duration_seconds"], 30, run)
        starts = {t: at for t, what, at in p.trace() if what == "start"}
        ends = {t: at for t, what, at in p.trace() if what == "end"}
        self.assertGreater(starts["Second"], ends["First"])
        self.assertGreater(starts["Third"], ends["Second"])

    def test_one_status_query_per_poll_for_all_jobs(self):
        p = self.p
        calls = p.path("slurm-calls.txt")
        wrap = p.path("counting-bin")
        os.makedirs(wrap)
        for cmd in ("squeue", "sacct", "scontrol", "sbatch", "scancel"):
            real = shutil.which(cmd)
            with open(os.path.join(wrap, cmd), "w") as f:
                f.write(f"#!/bin/sh\necho \"{cmd} $*\" >> {calls}\nexec {real} \"$@\"\n")
            os.chmod(os.path.join(wrap, cmd), 0o755)
        sleepy = p.script("sleepy.sh", "sleep 3\n")
        p.write_config([{"name": f"Job {i}", "script": sleepy, "executor": "cluster"}
                        for i in range(6)], executors=CLUSTER, max_parallel=6)
        r = self.daily(env={"PATH": wrap + os.pathsep + os.environ["PATH"]})
        self.assertRc(r, 0)
        lines = read_text(calls).splitlines()
        queries = [line for line in lines if line.split()[0] in ("squeue", "sacct", "scontrol")]
        submits = [line for line in lines if line.startswith("sbatch ")]
        self.assertEqual(len(submits), 6)
        # poll_seconds 1: about one query a second however many jobs; never one per job.
        self.assertGreaterEqual(len(queries), 2, lines)
        self.assertLessEqual(len(queries), r.elapsed / 1.0 + 2, (r.elapsed, queries))
        first = queries[0]
        asked = next(a for a in first.split() if a.startswith("--jobs=")).split("=", 1)[1]
        self.assertEqual(len(asked.split(",")), 6, f"the first poll did not ask for all 6 jobs: {first}")


@needs_cluster
class SlurmStops(SlurmCase):

    def start_and_wait_running(self, name="Long"):
        p = self.p
        slow = p.script("slow.sh", "echo $SLURM_JOB_ID > job.txt\nsleep 120\n")
        local = p.script("local.sh", "sleep 120\n")
        p.write_config([
            {"name": name, "script": slow, "executor": "cluster", "max_runtime_seconds": 300},
            {"name": "Local Long", "script": local, "max_runtime_seconds": 300},
        ], executors=CLUSTER)
        proc = self.popen("--daily", "--no-wait", env=self.run_env())
        job = self.wait_until(lambda: read_text(p.path("job.txt")), 30, "the job to start", interval=0.1)
        self.wait_until(lambda: self.job_ids(name) == [job], 10, "the job id in the database", interval=0.1)
        return proc, job

    def test_sigterm_cancels_the_jobs_and_records_them_interrupted(self):
        proc, job = self.start_and_wait_running()
        proc.send_signal(signal.SIGTERM)
        r = self.finish(proc, timeout=60)
        self.assertRc(r, 143)
        self.assertStatus("Long", "INTERRUPTED")
        self.assertStatus("Local Long", "INTERRUPTED")
        self.assertEqual(self.wait_job_gone(job, 20), "CANCELLED")

    def test_after_kill_9_the_next_run_cancels_the_orphaned_job(self):
        proc, job = self.start_and_wait_running()
        proc.kill()
        proc.wait()
        self.assertEqual(job_state(job).split("|")[0], "RUNNING")  # Slurm keeps it running
        r = self.p.run("--health", env=self.run_env())
        self.assertIn(job, r.output)
        self.assertEqual(self.wait_job_gone(job, 20), "CANCELLED")
        self.assertStatus("Long", "INTERRUPTED")
        (run,) = self.p.task_runs("Long")
        self.assertEqual(run["status"], "INTERRUPTED")


class SlurmConfigAndTools(SlurmCase):
    """No cluster needed: refused configurations, missing commands, --dry-run."""

    def test_bad_executor_settings_are_refused_with_file_and_line(self):
        p = self.p
        ok = p.script("ok.sh", "true\n")
        # (executors, task keys, text of the line the error must name, message, hint)
        cases = [
            ({"cluster": {"type": "slurm"}}, {"executor": "clutser"}, 'executor: "clutser"',
             "unknown executor 'clutser'", "did you mean 'cluster'"),
            ({"cluster": {"type": "pbs"}}, {"executor": "cluster"}, "executors:",
             "unknown executor type 'pbs'", "slurm"),
            ({"cluster": {"type": "slurm", "cpus": 0}}, {"executor": "cluster"}, "executors:",
             "'executors.cluster.cpus' must be at least 1", "cpus: 2"),
            ({"cluster": {"type": "slurm", "memory": "0G"}}, {"executor": "cluster"}, "executors:",
             "bad executors.cluster.memory '0G'", "K, M, G or T"),
            ({"cluster": {"type": "slurm"}}, {"executor": "cluster", "resources": {"memory": "4X"}},
             "resources:", "bad resources.memory '4X'", "K, M, G or T"),
            ({"cluster": {"type": "slurm"}}, {"executor": "cluster", "resources": {"cpus": "two"}},
             "resources:", "cpus", "cpus: 2"),
        ]
        for executors, task, needle, message, hint in cases:
            with self.subTest(message=message):
                p.write_config([dict({"name": "Task", "script": ok}, **task)], executors=executors)
                with open(p.config_path) as f:
                    line = next(i for i, text in enumerate(f, 1) if needle in text)
                r = p.run("--validate")
                self.assertRc(r, 2)
                self.assertIn(message, r.output)
                self.assertIn(hint, r.output)
                self.assertIn(f"pipeline.yaml:{line}:", r.output)
                self.assertRc(self.daily(), 2)

    def test_missing_slurm_commands_fail_validate_and_only_those_tasks(self):
        p = self.p
        bin_dir = p.path("bin")
        os.makedirs(bin_dir)
        for tool in ("date", "sleep"):
            os.symlink(shutil.which(tool), os.path.join(bin_dir, tool))
        ok = p.script("ok.sh", "stamp start\n")
        p.write_config([
            {"name": "Remote", "script": ok, "executor": "cluster"},
            {"name": "Local", "script": ok},
        ], executors=CLUSTER)
        env = {"PATH": bin_dir}
        r = p.run("--validate", env=env)
        self.assertRc(r, 2)
        self.assertIn("sbatch, squeue, scancel not found in PATH", r.output)
        self.assertIn("apt-get install slurm-client", r.output)
        r = self.daily(env=env)
        self.assertRc(r, 1)
        row = self.assertStatus("Remote", "FAILED")
        self.assertIn("not found in PATH", row["last_error_message"])
        self.assertStatus("Local", "SUCCESS")

    def test_dry_run_prints_the_sbatch_command_line(self):
        p = self.p
        ok = p.script("ok.sh", "true\n")
        executors = {"cluster": {"type": "slurm", "partition": "batch", "account": "research",
                                 "cpus": 2, "memory": "4G", "extra_args": ["--qos=normal"]}}
        p.write_config([
            {"name": "ML Features", "script": ok, "executor": "cluster", "max_runtime_seconds": 100,
             "resources": {"cpus": 8, "memory": "32G"}},
        ], executors=executors, kill_grace_seconds=30)
        r = p.run("--daily", "--dry-run")
        self.assertRc(r, 0)
        line = next(l for l in r.stdout.splitlines() if "sbatch" in l)
        for part in ("--parsable", "--job-name=orch.ml_features", "--time=3", "--partition=batch",
                     "--account=research", "--cpus-per-task=8", "--mem=32G", "--qos=normal",
                     "--output=" + os.path.join(p.log_dir, "ml_features"), "scripts/ok.sh"):
            self.assertIn(part, line)
        self.assertNothingWritten(r)


if __name__ == "__main__":
    unittest.main()
