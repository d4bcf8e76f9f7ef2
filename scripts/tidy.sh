#!/usr/bin/env bash
# clang-tidy (checks in .clang-tidy) over src/ with the compile database of a build folder.
#
#   scripts/tidy.sh [BUILD_DIR]     (default build/; configured here when it has no database)
#
# Runs on all cores (run-clang-tidy when installed); fails on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
tidy="${CLANG_TIDY:-$(command -v clang-tidy || command -v clang-tidy-14 || true)}"
if [ -z "$tidy" ]; then
  echo "tidy: clang-tidy not found (scripts/install-packages.sh clang-tidy)" >&2
  exit 1
fi
if [ ! -f "$build/compile_commands.json" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi
# The generated header must exist before the files that include it are analysed.
mapfile -t files < <(git ls-files -- 'src/*.cpp')
runner="$(command -v run-clang-tidy || command -v run-clang-tidy-14 || true)"
if [ -n "$runner" ]; then
  "$runner" -quiet -clang-tidy-binary "$tidy" -p "$build" -j "$(nproc)" "${files[@]/#/$PWD/}"
else
  printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 4 "$tidy" --quiet -p "$build"
fi
echo "tidy: ${#files[@]} files clean"
