#!/usr/bin/env bash
# Installs what orchestrator needs on Debian 12 (idempotent: installs only what is missing)
# and builds it into ./build. Run as root, or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config python3 sqlite3 tzdata
          libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev libhowardhinnant-date-dev
          libspdlog-dev libfmt-dev libcli11-dev doctest-dev nlohmann-json3-dev
          faketime)  # faketime: the wall-clock step tests (tests/integration/test_clock_faults.py)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build_type="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" ${CMAKE_ARGS:-} >/dev/null
cmake --build build
echo "setup: built $(pwd)/build/orchestrator"
