#!/usr/bin/env bash
# The web server benchmark (bench/README.md, "Web server"):
#   bash bench/web_run.sh [--seconds 15] [--connections 100]
# Installs wrk when missing, builds the Release binary in build-bench/, fills a 1,000-task,
# 1,000,000-row database and measures --serve with wrk on loopback. About 2 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-packages.sh
bash scripts/install-packages.sh wrk
build=build-bench
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# --serve runs in orchestrator-web, which `orchestrator --serve` execs from its own folder.
ninja -C "$build" orchestrator orchestrator-web >&2
work="${BENCH_WORK:-$(pwd)/$build/web-bench-work}"
python3 bench/web_bench.py --orchestrator "${ORCH_BIN:-$build/orchestrator}" --work "$work" \
  --json "$work.json" "$@"
