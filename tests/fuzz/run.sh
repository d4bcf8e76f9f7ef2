#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake option ORCH_FUZZ: clang, ASan + UBSan + libFuzzer, in
# their own build folder) and runs each for a bounded time on its seed corpus; fails on any
# crash, sanitizer report, leak or timeout.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]        (default 60; FUZZ_SECONDS also works)
#
# Needs clang++ and Debian's libclang-rt-14-dev (the fuzzer and sanitizer runtimes); .ci/run
# installs them when missing. The corpus grows in build-fuzz/corpus_*/ (seeds are copied
# there, never written back into the repository); crash inputs land in build-fuzz/artifacts/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-${FUZZ_SECONDS:-60}}"
out="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
cxx="${CXX_FUZZ:-$(command -v clang++ || command -v clang++-14 || true)}"
if [ -z "$cxx" ]; then
  echo "fuzz: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi
mkdir -p "$out/artifacts"
targets=()
for src in "$here"/fuzz_*.cpp; do
  name="$(basename "$src" .cpp)"
  targets+=("${name#fuzz_}")
done

echo "== fuzz: building with $("$cxx" --version | head -1) =="
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$out" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DORCH_FUZZ=ON -DBUILD_TESTING=OFF "${launcher[@]}" >/dev/null
cmake --build "$out" --target "${targets[@]/#/fuzz_}"

status=0
passed=0
failed=0
for target in "${targets[@]}"; do
  bin="$out/fuzz_$target"
  corpus="$out/corpus_$target"
  mkdir -p "$corpus"
  cp -n "$here/corpus_$target"/* "$corpus"/ 2>/dev/null || true
  dict=()
  [ -f "$here/$target.dict" ] && dict=(-dict="$here/$target.dict")
  echo "== fuzz: fuzz_$target for ${seconds}s (corpus $(ls "$corpus" | wc -l) inputs) =="
  log="$out/fuzz_$target.log"
  # -rss_limit_mb: the loader caps files at 16 MiB, so 2 GB of RSS is a real problem
  if ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
     "$bin" "${dict[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/artifacts/$target-" \
       "$corpus" >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+.*DONE" "$log" | sed "s/^/  /" || true
    echo "  fuzz_$target: no crash"
    passed=$((passed + 1))
  else
    status=1
    failed=$((failed + 1))
    tail -60 "$log"
    echo "  fuzz_$target: FAILED (input saved under $out/artifacts/)"
  fi
done
echo "fuzz: $passed passed, $failed failed"
exit "$status"
