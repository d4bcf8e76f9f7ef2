#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through ctest (unit + integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)"
