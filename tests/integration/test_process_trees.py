"""Process trees: a task's processes are ended however they regroup, a stopped orchestrator
recomputes its wake-up when continued, and a dead runner's processes never overlap the
task run again."""

import os
import signal
import time
import unittest

from harness import PipelineTestCase, pid_alive, wait_dead
from test_full import SATURDAY_10, FullCase, write_pipeline

# A python3 process that ignores SIGTERM, moves itself to another process group and sleeps:
# argv[1] is where it writes its pid, argv[2] which group: "parent" (the group of its
# parent, e.g. the orchestrator's), "own" (a new group of its own).
REGROUP_PY = r'''#!/usr/bin/env python3
import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
if sys.argv[2] == "parent":
    os.setpgid(0, os.getpgid(os.getppid()))
else:
    os.setpgid(0, 0)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(60)
'''


class RegroupingTasks(PipelineTestCase):

    def regroup_script(self):
        return self.p.script("regroup.py", REGROUP_PY, prelude=False)

    def test_task_that_moves_into_the_orchestrators_group_is_killed_at_its_deadline(self):
        p = self.p
        script = self.regroup_script()
        p.write_config([
            {"name": "Escaper", "script": script, "args": [p.path("main.pid"), "parent"],
             "max_runtime_seconds": 1},
        ], kill_grace_seconds=1)
        r = p.daily(timeout=90)
        pid = p.read_pid("main.pid")
        p.extra_pids.append(pid)
        self.assertRc(r, 1)
        # 1 s limit + 1 s grace; before the fix it ran its whole 60 s
        self.assertLess(r.elapsed, 10, r)
        (tr,) = p.task_runs("Escaper")
        self.assertEqual(tr["status"], "TIMEOUT", tr)
        self.assertEqual(tr["signal"], 9, tr)
        self.assertLess(tr["duration_seconds"], 5, tr)
        self.assertFalse(pid_alive(pid), f"the task {pid} outlived its timeout")

    def test_grandchild_in_a_group_of_its_own_is_killed_at_the_deadline(self):
        p = self.p
        script = self.regroup_script()
        main = p.script("main.sh", (
            'trap "" TERM\n'
            f'"{p.path(script)}" "{p.path("gc.pid")}" own &\n'
            'exec sleep 60\n'))
        p.write_config([{"name": "Parent", "script": main, "max_runtime_seconds": 1}],
                       kill_grace_seconds=1)
        r = p.daily(timeout=90)
        gc = p.read_pid("gc.pid")
        p.extra_pids.append(gc)
        self.assertRc(r, 1)
        self.assertLess(r.elapsed, 10, r)
        self.assertEqual(p.task_runs("Parent")[0]["status"], "TIMEOUT")
        self.assertTrue(wait_dead(gc, 3), f"grandchild {gc} in its own group outlived the timeout")

    def test_regrouped_grandchild_is_ended_when_the_main_process_exits(self):
        p = self.p
        script = self.regroup_script()
        main = p.script("main.sh", (
            f'"{p.path(script)}" "{p.path("gc.pid")}" own &\n'
            f'while [ ! -s "{p.path("gc.pid")}" ]; do sleep 0.05; done\n'
            'exit 0\n'))
        p.write_config([{"name": "Parent", "script": main, "max_runtime_seconds": 30}],
                       kill_grace_seconds=1)
        r = p.daily(timeout=90)
        gc = p.read_pid("gc.pid")
        p.extra_pids.append(gc)
        self.assertRc(r, 0)
        self.assertStatus("Parent", "SUCCESS")
        # it ignores SIGTERM: the SIGKILL after the 1 s grace ends it
        self.assertTrue(wait_dead(gc, 5), f"grandchild {gc} outlived its task")


class StoppedOrchestrator(PipelineTestCase):

    def test_deadline_passed_while_stopped_is_acted_on_right_after_sigcont(self):
        p = self.p
        slow = p.script("slow.sh", f'echo $$ > "{p.path("main.pid")}"\nexec sleep 60\n')
        p.write_config([{"name": "Slow", "script": slow, "max_runtime_seconds": 5}],
                       kill_grace_seconds=1)
        proc = self.popen("--daily")
        main = p.read_pid("main.pid")
        p.extra_pids.append(main)
        os.kill(proc.pid, signal.SIGSTOP)
        time.sleep(7)  # the task's 5 s deadline passes while the orchestrator is stopped
        resumed = time.monotonic()
        os.kill(proc.pid, signal.SIGCONT)
        r = self.finish(proc, timeout=60)
        after = time.monotonic() - resumed
        self.assertRc(r, 1)
        # before the fix it slept the ~4.5 s left of its old timeout after resuming
        self.assertLess(after, 2.5, f"took {after:.1f}s after SIGCONT: {r!r}")
        self.assertEqual(p.task_runs("Slow")[0]["status"], "TIMEOUT")


# The work a loader starts as a grandchild (not exec'ed, same process group, no death signal
# of its own). The first instance records its pid and works 30 s; a later one records whether
# the first is still alive when it starts, then ends.
WORK_PY = r'''import os, sys, time
here = sys.argv[1]
first = os.path.join(here, "work1.pid")
if not os.path.exists(first):
    with open(first + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(first + ".tmp", first)
    time.sleep(30)
else:
    pid = int(open(first).read())
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        alive = state not in ("Z", "X")
    except OSError:
        alive = False
    with open(os.path.join(here, "overlap.txt"), "w") as f:
        f.write("overlap" if alive else "alone")
'''


class DeadRunnersTasks(FullCase):

    def loader(self):
        p = self.p
        with open(p.path("work.py"), "w") as f:
            f.write(WORK_PY)
        return p.script("loader.sh", f'echo $$ >> "{p.path("loader.pids")}"\n'
                                     f'python3 "{p.path("work.py")}" "{p.root}"\n')

    def test_grandchild_of_a_killed_run_is_ended_before_the_task_runs_again(self):
        p = self.p
        loader = self.loader()
        p.write_config([{"name": "Load", "script": loader, "max_runtime_seconds": 60}])
        first = self.popen("--daily")
        work = p.read_pid("work1.pid")
        p.extra_pids.append(work)
        first.kill()
        first.wait()
        (loader_pid,) = self.pids_in("loader.pids")
        self.assertDead(loader_pid, "the killed run's task")
        r = p.daily(timeout=60)
        self.assertRc(r, 0)
        self.assertIn("INTERRUPTED", [t["status"] for t in p.task_runs("Load")])
        self.assertEqual(p.read("overlap.txt"), "alone",
                         "the killed run's python3 was still working when the task ran again")
        self.assertFalse(pid_alive(work), f"the killed run's grandchild {work} is still running")

    def test_kill_9_of_the_intraday_runner_ends_its_grandchildren_before_the_restart(self):
        p = self.p
        loader = self.loader()
        write_pipeline(p, intraday=[{"name": "Intra", "script": loader, "interval_minutes": 1,
                                     "max_runtime_seconds": 50}])
        sup = self.start_full(SATURDAY_10)
        work = p.read_pid("work1.pid", timeout=20)
        p.extra_pids.append(work)
        (runner,) = self.runner_pids("intraday")
        os.kill(runner, signal.SIGKILL)
        self.wait_until(lambda: "intraday-restarted" in self.kinds(), 20, "the restart")
        self.assertTrue(wait_dead(work, 3), f"the dead runner's grandchild {work} still runs "
                                            "beside the restarted runner")
        # the restarted runner marks the dead one's attempt when it opens the database
        self.wait_until(lambda: p.task_runs("Intra")[0]["status"] == "INTERRUPTED", 15,
                        "the dead runner's attempt marked INTERRUPTED")
        self.assertFalse(pid_alive(work))
        sup.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup, timeout=30), 143)

    def test_grandchildren_left_by_a_killed_supervisor_are_ended_by_the_next_start(self):
        p = self.p
        intra = p.script("intra.sh", f'sleep 30 &\necho $! >> "{p.path("gc.pids")}"\nwait\n')
        write_pipeline(p, intraday=[{"name": "Intra", "script": intra, "interval_minutes": 1,
                                     "max_runtime_seconds": 50}])
        sup = self.start_full(SATURDAY_10)
        self.wait_until(lambda: self.pids_in("gc.pids"), 15, "the intraday task")
        (gc,) = self.pids_in("gc.pids")
        p.extra_pids.append(gc)
        sup.kill()
        sup.wait()
        sup2 = self.start_full(SATURDAY_10)
        self.wait_until(lambda: self.kinds().count("intraday-started") >= 2, 15,
                        "the new intraday runner")
        self.assertTrue(wait_dead(gc, 3), f"the killed supervisor's grandchild {gc} still runs")
        sup2.send_signal(signal.SIGTERM)
        self.assertRc(self.finish(sup2, timeout=30), 143)


if __name__ == "__main__":
    unittest.main()
