#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan + libFuzzer) and runs each for a
# bounded time on its seed corpus; fails on any crash, sanitizer report, leak or timeout.
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
mkdir -p "$out/obj" "$out/artifacts"

flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -I"$root/include" -DORCH_VERSION=\"fuzz\")
# the layers the targets use: no SQLite, no processes (graph/ is needed by the loader's checks)
sources=("$root"/src/util/*.cpp "$root"/src/config/*.cpp "$root"/src/calendar/*.cpp
         "$root"/src/graph/*.cpp)

echo "== fuzz: building with $("$cxx" --version | head -1) =="
objects=()
jobs=()
for src in "${sources[@]}"; do
  rel="${src#"$root"/src/}"
  obj="$out/obj/${rel//\//_}.o"
  objects+=("$obj")
  # rebuilt when the source or any header is newer than the object
  if [ ! -e "$obj" ] || [ "$src" -nt "$obj" ] ||
     [ -n "$(find "$root/include" "$root/src" -newer "$obj" -name '*.h' -print -quit)" ]; then
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    jobs+=($!)
    if [ "${#jobs[@]}" -ge "$(nproc)" ]; then wait "${jobs[0]}"; jobs=("${jobs[@]:1}"); fi
  fi
done
for j in "${jobs[@]}"; do wait "$j"; done
libs=(-lyaml-cpp -ldate-tz)

status=0
passed=0
failed=0
for target in config time; do
  bin="$out/fuzz_$target"
  "$cxx" "${flags[@]}" -fsanitize=fuzzer "$here/fuzz_$target.cpp" "${objects[@]}" "${libs[@]}" -o "$bin"
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
