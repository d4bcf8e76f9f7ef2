#!/usr/bin/env bash
# Installs the Debian 12 packages given, or without arguments the ones orchestrator needs to
# build and test, skipping those already installed (idempotent; apt-get update only when
# something is missing). Run as root, or with sudo available.
set -euo pipefail

packages=("$@")
if ((${#packages[@]} == 0)); then
  packages=(build-essential cmake ninja-build pkg-config python3 sqlite3 tzdata
            libyaml-cpp-dev libsqlitecpp-dev libsqlite3-dev libhowardhinnant-date-dev
            libspdlog-dev libfmt-dev libcli11-dev doctest-dev nlohmann-json3-dev
            libcpp-httplib-dev zlib1g-dev  # --serve: HTTP server, gzip of cached pages
            chromium  # tests/integration/test_web.py renders the dashboard headless
            faketime)  # faketime: the wall-clock step tests (tests/integration/test_clock_faults.py)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  echo "installing ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
