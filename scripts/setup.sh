#!/usr/bin/env bash
# Installs what orchestrator needs on Debian 12 (idempotent: installs only what is missing)
# and builds it into ./build. Run as root, or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-packages.sh

build_type="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${CMAKE_ARGS:-} >/dev/null
cmake --build build
echo "setup: built $(pwd)/build/orchestrator and $(pwd)/build/orchestrator-web (--serve)"
