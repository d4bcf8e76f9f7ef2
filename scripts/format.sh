#!/usr/bin/env bash
# clang-format (style in .clang-format) over the C++ of src/, include/ and tests/.
#
#   scripts/format.sh            reformats the files in place
#   scripts/format.sh --check    changes nothing; lists what is off and fails (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
fmt="${CLANG_FORMAT:-$(command -v clang-format || command -v clang-format-14 || true)}"
if [ -z "$fmt" ]; then
  echo "format: clang-format not found (scripts/install-packages.sh clang-format)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files -- 'src/*.cpp' 'src/*.h' 'include/*.h' 'tests/*.cpp' 'tests/*.h')
if [ "${1:-}" = "--check" ]; then
  if "$fmt" --dry-run --Werror "${files[@]}"; then
    echo "format: ${#files[@]} files follow .clang-format"
  else
    echo "format: the files above are not formatted: run scripts/format.sh" >&2
    exit 1
  fi
else
  "$fmt" -i "${files[@]}"
  echo "format: ${#files[@]} files formatted"
fi
