#!/usr/bin/env bash
# The benchmark suite in one command (bench/README.md says what each row measures):
#   bash bench/run.sh [bench.py options, e.g. --reps 5 or --only ab]
# Installs what is missing (idempotent), builds the Release binary in build-bench/ and the
# floor program, then measures everything side by side and prints one table (exit 1 when a
# target is missed). Not part of the test command. Takes about 5 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-packages.sh

build=build-bench
echo "bench: building $build (Release)" >&2
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$build" orchestrator >&2
if [ ! -x "$build/bench-floor" ] || [ bench/floor.cpp -nt "$build/bench-floor" ]; then
  c++ -O2 -std=c++20 -Wall -Wextra -o "$build/bench-floor" bench/floor.cpp
fi

# The scratch folder is on the same file system as a real pipeline (not tmpfs). The previous
# run's folder is deleted at the end of this one, not before it: ext4 scans past recently
# deleted inodes when it allocates new ones, which would slow the log files being measured.
work="${BENCH_WORK:-$root/$build/bench-work}"
trash="$work.old.$$"
[ -e "$work" ] && mv "$work" "$trash"
cleanup() { rm -rf "$trash"; }
trap cleanup EXIT

python3 bench/bench.py --orchestrator "$build/orchestrator" --floor "$build/bench-floor" \
  --work "$work" --json "$work/results.json" "$@"
