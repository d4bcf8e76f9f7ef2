#!/usr/bin/env python3
"""The Slurm executor against a plain sbatch loop (bench/README.md, "Slurm").

N one-second jobs through a running cluster (scripts/slurm-local.sh; bench/slurm_run.sh
starts one), two ways, each timed from the first submission to the last job's end as seen
by the submitter:

  plain         a loop of `sbatch --parsable` (the same script, log and time limit per job),
                then one `squeue --jobs=<all>` a second until none is queued or running
  orchestrator  --daily --no-wait -j N on a pipeline of N tasks on a slurm executor with
                poll_seconds 1
  plain-wrapped the plain loop, each job running the script through the orchestrator's job
                wrapper, to tell the wrapper's cost from the orchestrator's own
  queued        the orchestrator again at -j <cluster slots> (--queued-jobs): it holds the
                queue itself and submits the next task when one ends, as a pipeline limited
                by --jobs or by dependencies does

Every Slurm command either side runs goes through a logging wrapper first on PATH, so the
status calls per poll are counted, not assumed: calls closer together than half the poll
interval belong to the same poll. Standard library only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

POLL_SECONDS = 1.0


def write_counting_wrappers(folder, log):
    """A folder of squeue/sacct/scontrol/sbatch/scancel that log "<cmd> <epoch> <njobs>"."""
    os.makedirs(folder, exist_ok=True)
    for cmd in ("squeue", "sacct", "scontrol", "sbatch", "scancel"):
        real = shutil.which(cmd)
        if not real:
            sys.exit(f"slurm_bench: {cmd} not found; start the cluster with bench/slurm_run.sh")
        path = os.path.join(folder, cmd)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n"
                    f"echo \"{cmd} $(date +%s.%N) $*\" >> {log}\n"
                    f"exec {real} \"$@\"\n")
        os.chmod(path, 0o755)


def read_calls(log):
    calls = []
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    calls.append((parts[0], float(parts[1]), " ".join(parts[2:])))
    return calls


def calls_per_poll(calls, seconds):
    """(status calls per poll interval over the run, average job ids named per call)."""
    status = [args for cmd, _, args in calls if cmd in ("squeue", "sacct", "scontrol")]
    if not status:
        return 0.0, 0.0
    per_poll = len(status) / max(1.0, seconds / POLL_SECONDS)
    ids = [len(a.split("--jobs=", 1)[1].split()[0].split(",")) for a in status if "--jobs=" in a]
    return round(per_poll, 2), round(sum(ids) / max(1, len(ids)), 1)


def job_script(work):
    path = os.path.join(work, "one_second.sh")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nsleep 1\necho RECORDS_PROCESSED=1\n")
    os.chmod(path, 0o755)
    return path


def run_plain(work, n, env, wrapper=None):
    """The sbatch loop; with `wrapper`, each job runs the script through the orchestrator's
    job wrapper (as the orchestrator's jobs do), to tell the wrapper's cost from ours."""
    folder = os.path.join(work, "plain-wrapped" if wrapper else "plain")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "logs"))
    script = job_script(work)
    start = time.monotonic()
    ids = []
    for i in range(n):
        command = [wrapper, f"{folder}/logs/{i}.log.exit", script] if wrapper else [script]
        out = subprocess.run(["sbatch", "--parsable", f"--job-name=plain.{i}",
                              f"--output={folder}/logs/{i}.log", f"--chdir={work}", "--time=1"]
                             + command, env=env, capture_output=True, check=True, text=True)
        ids.append(out.stdout.strip().split(";")[0])
    while True:
        out = subprocess.run(["squeue", "--noheader", "--states=PENDING,RUNNING,COMPLETING,CONFIGURING",
                              "--jobs=" + ",".join(ids), "--format=%i"], env=env,
                             capture_output=True, text=True)
        if out.returncode == 0 and not out.stdout.strip():
            break
        if out.returncode != 0 and "Invalid job id" in out.stderr:
            break
        time.sleep(POLL_SECONDS)
    return time.monotonic() - start


def run_orchestrator(binary, work, n, env, parallel):
    folder = os.path.join(work, "orch")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    script = job_script(work)
    lines = ["timezone: America/New_York", "kill_grace_seconds: 5",
             "retry_policy: {max_attempts: 1}",
             f"executors: {{cluster: {{type: slurm, poll_seconds: {int(POLL_SECONDS)}}}}}",
             "default_executor: cluster", "daily_schedule:"]
    for i in range(n):
        lines += [f"  - name: \"Job {i}\"", f"    script: \"{script}\"", "    max_runtime_seconds: 60"]
    config = os.path.join(folder, "pipeline.yaml")
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    start = time.monotonic()
    r = subprocess.run([binary, "-c", config, "--daily", "--no-wait", "-j", str(parallel), "-q"],
                       env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if r.returncode != 0:
        sys.exit(f"slurm_bench: orchestrator exited {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orchestrator", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--queued-jobs", type=int, default=8,
                    help="-j of the 'queued' run: the cluster's slots (ORCH_SLURM_CPUS); 0 skips it")
    ap.add_argument("--json")
    args = ap.parse_args()
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    results = []
    for rep in range(args.reps):
        row = {"rep": rep + 1, "jobs": args.jobs, "load_before": round(os.getloadavg()[0], 1)}
        names = ["plain", "orchestrator", "plain-wrapped"] + (["queued"] if args.queued_jobs else [])
        for name in names:
            log = os.path.join(work, f"calls-{name}.txt")
            if os.path.exists(log):
                os.remove(log)
            wrappers = os.path.join(work, "counting-bin")
            write_counting_wrappers(wrappers, log)
            env = dict(os.environ, PATH=wrappers + os.pathsep + os.environ["PATH"])
            if name == "plain":
                seconds = run_plain(work, args.jobs, env)
            elif name == "plain-wrapped":
                wrapper = os.path.join(work, "orch", "logs", ".orchestrator-slurm-job.py")
                seconds = run_plain(work, args.jobs, env, wrapper)
            elif name == "queued":
                seconds = run_orchestrator(os.path.abspath(args.orchestrator), work, args.jobs, env,
                                           args.queued_jobs)
            else:
                seconds = run_orchestrator(os.path.abspath(args.orchestrator), work, args.jobs, env,
                                           args.jobs)
            calls = read_calls(log)
            per_poll, ids_per_call = calls_per_poll(calls, seconds)
            row[name] = {"seconds": round(seconds, 2), "sbatch": sum(c == "sbatch" for c, _, _ in calls),
                         "status_calls": sum(c in ("squeue", "sacct", "scontrol") for c, _, _ in calls),
                         "status_calls_per_poll": per_poll, "job_ids_per_call": ids_per_call}
        row["load_after"] = round(os.getloadavg()[0], 1)
        if "queued" in row:
            row["ratio_queued"] = round(row["queued"]["seconds"] / row["plain"]["seconds"], 3)
        row["ratio"] = round(row["orchestrator"]["seconds"] / row["plain"]["seconds"], 3)
        row["ratio_same_job_script"] = round(row["orchestrator"]["seconds"] / row["plain-wrapped"]["seconds"], 3)
        results.append(row)
        o = row["orchestrator"]
        print(f"rep {rep + 1}: plain {row['plain']['seconds']:.1f} s, orchestrator {o['seconds']:.1f} s, "
              f"ratio {row['ratio']:.3f} (target <= 1.10); plain loop running the same wrapped job "
              f"{row['plain-wrapped']['seconds']:.1f} s, ratio {row['ratio_same_job_script']:.3f}; "
              f"orchestrator: {o['status_calls']} status calls = {o['status_calls_per_poll']} per "
              f"{POLL_SECONDS:g} s poll (target 1), {o['job_ids_per_call']} job ids per call; "
              f"{o['sbatch']} sbatch"
              + (f"; queued at -j {args.queued_jobs}: {row['queued']['seconds']:.1f} s, ratio "
                 f"{row['ratio_queued']:.3f}" if "queued" in row else "")
              + f"; load average {row['load_before']} -> {row['load_after']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    ratios = sorted(r["ratio"] for r in results)
    median = ratios[len(ratios) // 2] if len(ratios) % 2 else sum(ratios[len(ratios) // 2 - 1:][:2]) / 2
    print(f"median ratio over {len(ratios)} runs: {median:.3f} (target <= 1.10)")
    most = max(r["orchestrator"]["status_calls_per_poll"] for r in results)
    return 0 if median <= 1.10 and most <= 1.0 else 1  # the median ratio; the worst status rate


if __name__ == "__main__":
    sys.exit(main())
