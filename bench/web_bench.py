#!/usr/bin/env python3
"""Benchmark of --serve: p50/p99 latency of / and /api/health under 100 concurrent keep-alive
clients (wrk), and the server's resident memory, over a pipeline of 1,000 tasks whose database
holds 1,000,000 task_runs rows. Loopback only, bounded in time (bash bench/web_run.sh).

The database is made by the orchestrator itself (--health creates the schema), then filled
with synthetic history by sqlite3: 800 daily tasks x 1,000 trading dates and 200 intraday
tasks x 1,000 passes, one runs row per daily date and per pass."""

import argparse
import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

DAILY, INTRADAY, HISTORY = 800, 200, 1000


def write_pipeline(work):
    os.makedirs(os.path.join(work, "scripts"), exist_ok=True)
    script = os.path.join(work, "scripts", "task.sh")
    with open(script, "w") as f:
        f.write("#!/bin/sh\necho RECORDS_PROCESSED=1\n")
    os.chmod(script, 0o755)
    lines = ["timezone: \"America/New_York\"", "database: \"data/pipeline.db\"",
             "freshness_thresholds:", "  green: {" + ", ".join(f"d{i}: 86400" for i in range(0, DAILY, 10)) + "}",
             "  yellow: {" + ", ".join(f"d{i}: 172800" for i in range(0, DAILY, 10)) + "}",
             "daily_schedule:"]
    for i in range(DAILY):
        lines += [f"  - name: \"Daily Task {i:04d}\"", "    script: \"scripts/task.sh\"",
                  f"    data_source: \"d{i - i % 10}\""]
        if i >= 100:
            lines.append(f"    dependencies: [\"Daily Task {i % 100:04d}\"]")
    lines.append("intraday_schedule:")
    for i in range(INTRADAY):
        lines += [f"  - name: \"Intraday Task {i:04d}\"", "    script: \"scripts/task.sh\"",
                  "    interval_minutes: 5"]
    path = os.path.join(work, "pipeline.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def trading_dates(end, count):
    out, d = [], end
    while len(out) < count:
        if d.weekday() < 5:
            out.append(d)
        d -= dt.timedelta(days=1)
    return list(reversed(out))


def fill_history(db_path, end):
    """1,000,000 task_runs rows; every 7th task fails now and then, with a retry."""
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    fmt = lambda t: t.strftime("%Y-%m-%d %H:%M:%S.000")
    dates = trading_dates(end, HISTORY)
    rows = 0
    with conn:
        for n, day in enumerate(dates):
            start = dt.datetime(day.year, day.month, day.day, 14, 30)
            cur = conn.execute("INSERT INTO runs (mode, pid, trading_date, started_at, ended_at, status) "
                               "VALUES ('daily', 1, ?, ?, ?, 'SUCCESS')",
                               (day.isoformat(), fmt(start), fmt(start + dt.timedelta(minutes=20))))
            run_id = cur.lastrowid
            batch = []
            for i in range(DAILY):
                s = start + dt.timedelta(seconds=i)
                status = "FAILED" if (i % 7 == 0 and n % 5 == 0) else "SUCCESS"
                batch.append((run_id, f"Daily Task {i:04d}", 1, "daily", day.isoformat(), fmt(s), fmt(s),
                              fmt(s + dt.timedelta(seconds=2 + i % 5)), 2.0 + i % 5, status,
                              1 if status == "FAILED" else 0, 10, "HTTP 503" if status == "FAILED" else None,
                              f"logs/x/{run_id}-{i}.log"))
            conn.executemany("INSERT INTO task_runs (run_id, task_name, attempt, mode, trading_date, "
                             "scheduled_at, started_at, ended_at, duration_seconds, status, exit_code, "
                             "records_processed, error_message, log_path) VALUES "
                             "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            rows += len(batch)
            p_start = start + dt.timedelta(hours=1)
            cur = conn.execute("INSERT INTO runs (mode, pid, trading_date, started_at, ended_at, status) "
                               "VALUES ('intraday', 1, ?, ?, ?, 'SUCCESS')",
                               (day.isoformat(), fmt(p_start), fmt(p_start + dt.timedelta(seconds=30))))
            run_id = cur.lastrowid
            batch = [(run_id, f"Intraday Task {i:04d}", 1, "intraday", day.isoformat(), fmt(p_start),
                      fmt(p_start), fmt(p_start + dt.timedelta(seconds=1)), 1.0, "SUCCESS", 0, 5, None,
                      f"logs/y/{run_id}-{i}.log") for i in range(INTRADAY)]
            conn.executemany("INSERT INTO task_runs (run_id, task_name, attempt, mode, trading_date, "
                             "scheduled_at, started_at, ended_at, duration_seconds, status, exit_code, "
                             "records_processed, error_message, log_path) VALUES "
                             "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            rows += len(batch)
        last = dates[-1]
        end_t = fmt(dt.datetime(last.year, last.month, last.day, 14, 50))
        names = [f"Daily Task {i:04d}" for i in range(DAILY)] + [f"Intraday Task {i:04d}" for i in range(INTRADAY)]
        conn.executemany("INSERT OR REPLACE INTO data_pipeline_status (task_name, last_run_start, last_run_end, "
                         "last_success, consecutive_failures, total_runs, total_successes, total_failures, "
                         "average_runtime_seconds, status, last_records_processed) "
                         "VALUES (?, ?, ?, ?, 0, ?, ?, ?, 3.0, 'SUCCESS', 10)",
                         [(n, end_t, end_t, end_t, HISTORY, HISTORY - 20, 20) for n in names])
    conn.close()
    return rows


def wrk(url, seconds, connections, gzip):
    headers = ["-H", "Accept-Encoding: gzip, deflate, br"] if gzip else []
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          *headers, url],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=seconds + 60).stdout

    def ms(label):
        m = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return {"p50_ms": ms("50%"), "p99_ms": ms("99%"), "requests_per_s": float(rps.group(1)) if rps else None,
            "non_2xx": int(errors.group(1)) if errors else 0, "socket_errors": sock.group(1) if sock else "",
            "raw": out}


def rss_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--orchestrator", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seconds", type=int, default=15)
    ap.add_argument("--connections", type=int, default=100)
    ap.add_argument("--json")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: bash scripts/install-packages.sh wrk")
    binary = os.path.abspath(args.orchestrator)
    work = os.path.abspath(args.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    config = write_pipeline(work)
    now = "2026-11-20T15:00:00-05:00"
    env = dict(os.environ, TERM="dumb")
    subprocess.run([binary, "-c", config, "--now", now, "-q", "--health"], env=env, stdout=subprocess.DEVNULL,
                   check=False)
    t0 = time.monotonic()
    rows = fill_history(os.path.join(work, "data", "pipeline.db"), dt.date(2026, 11, 20))
    print(f"web bench: {rows} task_runs rows written in {time.monotonic() - t0:.0f} s", file=sys.stderr)

    server = subprocess.Popen([binary, "-c", config, "--now", now, "-q", "--serve", "--listen", "127.0.0.1:0"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        base = server.stdout.readline().decode().strip()
        results = {"tasks": DAILY + INTRADAY, "task_runs": rows, "connections": args.connections,
                   "seconds": args.seconds}
        import urllib.request
        for path in ("/", "/api/health"):
            t = time.monotonic()
            body = urllib.request.urlopen(base.rstrip("/") + path, timeout=60).read()
            results[f"cold_ms {path}"] = round((time.monotonic() - t) * 1000, 1)
            results[f"bytes {path}"] = len(body)
        # As a browser asks (Accept-Encoding: gzip), then without compression.
        for path, gzip in (("/api/health", True), ("/", True), ("/api/health", False), ("/", False)):
            r = wrk(base.rstrip("/") + path, args.seconds, args.connections, gzip)
            results[path + (" gzip" if gzip else " identity")] = {k: v for k, v in r.items() if k != "raw"}
            print(r["raw"], file=sys.stderr)
        results["rss_kib"] = rss_kib(server.pid, "VmRSS")
        results["peak_rss_kib"] = rss_kib(server.pid, "VmHWM")
    finally:
        server.terminate()
        server.wait(timeout=30)
    results["exit_code"] = server.returncode
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    ok = (results["/api/health gzip"]["p99_ms"] or 1e9) < 50 and (results["/ gzip"]["p99_ms"] or 1e9) < 100 \
        and results["peak_rss_kib"] < 30 * 1024
    print("targets (p99 /api/health < 50 ms, p99 / < 100 ms, RSS < 30 MB):", "met" if ok else "MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
