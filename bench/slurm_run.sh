#!/usr/bin/env bash
# The Slurm benchmark in one command (bench/README.md, "Slurm executor"):
#   bash bench/slurm_run.sh [slurm_bench.py options, e.g. --jobs 200 --reps 3]
# Builds the Release binary in build-bench/, starts the single-node cluster of
# scripts/slurm-local.sh (its folder under build-bench/, stopped again at the end unless it
# was already running), and runs bench/slurm_bench.py. Needs root (the cluster's daemons).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build=build-bench
bash scripts/install-packages.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" orchestrator >&2

export ORCH_SLURM_DIR="${ORCH_SLURM_DIR:-$root/$build/slurm-local}"
export SLURM_CONF="$ORCH_SLURM_DIR/slurm.conf"
if ! bash scripts/slurm-local.sh status >/dev/null 2>&1; then
  trap 'bash scripts/slurm-local.sh stop >&2 || true' EXIT
  bash scripts/slurm-local.sh start >&2
fi
work="$root/$build/slurm-bench"
python3 bench/slurm_bench.py --orchestrator "$build/orchestrator" --work "$work" \
  --json "$work/results.json" "$@"
