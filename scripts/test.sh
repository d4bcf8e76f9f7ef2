#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite through ctest (unit + integration), with the
# Slurm integration tests (tests/integration/test_slurm.py) against a real single-node cluster:
#
# - a cluster already running in $ORCH_SLURM_DIR (default build/slurm-local) is used as it is
#   and left running (.ci/run starts one for this and its sanitizer stage);
# - else scripts/slurm-local.sh starts one there (as root on Debian/Ubuntu; it installs
#   slurm-wlm and munge when missing) and it is stopped again on any exit;
# - where it cannot start (not root, no apt-get), that is said and the cluster tests skip,
#   except under CI=true, where a cluster that cannot start is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bash scripts/setup.sh

export ORCH_SLURM_DIR="${ORCH_SLURM_DIR:-$root/build/slurm-local}"
export SLURM_CONF="$ORCH_SLURM_DIR/slurm.conf"
if bash scripts/slurm-local.sh status >/dev/null 2>&1; then
  echo "test: using the Slurm cluster already running in $ORCH_SLURM_DIR (left running)"
else
  trap 'bash "$root/scripts/slurm-local.sh" stop >/dev/null 2>&1 || true' EXIT
  if ! bash scripts/slurm-local.sh start; then
    if [ "${CI:-}" = true ]; then
      echo "test: the Slurm cluster did not start (above); under CI=true that is a failure" >&2
      exit 1
    fi
    echo "test: the Slurm cluster did not start (above): test_slurm's cluster tests will skip" >&2
  fi
fi

cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)"
