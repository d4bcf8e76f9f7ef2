#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for trying the `slurm` executor and for the
# integration tests: munged, slurmctld and slurmd with their own configuration, ports, socket
# and state in one folder, so a system Slurm (if any) is not disturbed. No slurmdbd: sacct does
# not work here, as on clusters without accounting.
#
#   scripts/slurm-local.sh start    # installs slurm-wlm and munge if missing, starts, waits for a job
#   scripts/slurm-local.sh status   # prints whether it runs and the SLURM_CONF to export
#   scripts/slurm-local.sh stop
#
# Folder: $ORCH_SLURM_DIR, else $XDG_STATE_HOME/orchestrator-slurm (~/.local/state/...).
# Use it with:  export SLURM_CONF=<folder>/slurm.conf
# Needs root (the daemons run as root here) and Debian/Ubuntu (apt-get).
# Ports: $ORCH_SLURM_PORT (slurmctld) and that + 1 (slurmd). Unset, a running cluster in this
# folder keeps its ports, and a new one takes the first free pair from 16817 up (16817/16818,
# 16819/16820, ...), so clusters in different folders can run side by side.
# CPUs offered: $ORCH_SLURM_CPUS (default 8; more than the machine has is allowed, for sleepy jobs).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
dir="${ORCH_SLURM_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/orchestrator-slurm}"
port="${ORCH_SLURM_PORT:-}"
cpus="${ORCH_SLURM_CPUS:-8}"
node="$(hostname -s)"
conf="$dir/slurm.conf"

die() { echo "slurm-local: $*" >&2; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Whether something listens on 127.0.0.1:$1 (bash's /dev/tcp; no extra tool needed).
port_in_use() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# Sets $port: $ORCH_SLURM_PORT, else the port of this folder's cluster while any of its
# daemons runs (rewriting the configuration under them would cut them off), else the first
# free pair from 16817.
choose_port() {
  [ -n "$port" ] && return 0
  if [ -f "$conf" ] && { pid_alive "$dir/slurmctld.pid" || pid_alive "$dir/slurmd.pid"; }; then
    port="$(sed -n 's/^SlurmctldPort=//p' "$conf")"
    [ -n "$port" ] && return 0
  fi
  port=16817
  while port_in_use "$port" || port_in_use $((port + 1)); do
    port=$((port + 2))
    [ "$port" -lt 17017 ] || die "no free port pair between 16817 and 17016; set ORCH_SLURM_PORT"
  done
}

write_config() {
  mkdir -p "$dir/state" "$dir/spool" "$dir/log"
  chmod 700 "$dir"
  cat >"$conf" <<EOF
# Written by scripts/slurm-local.sh: a single-node cluster for trying orchestrator's slurm executor.
ClusterName=orchlocal
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# A job without --mem gets this much per CPU, not the whole node (which would run one at a time).
DefMemPerCPU=100
SchedulerType=sched/builtin
PreemptType=preempt/partition_prio
PreemptMode=CANCEL
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
KillWait=5
MinJobAge=300
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=8192 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP PriorityTier=1
# A job here that needs the node preempts (cancels) jobs of \`debug\`: their state is PREEMPTED.
PartitionName=urgent Nodes=$node MaxTime=INFINITE State=UP PriorityTier=2
EOF
}

start_munge() {
  pid_alive "$dir/munged.pid" && return 0
  install -m 0600 /etc/munge/munge.key "$dir/munge.key"
  munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
    --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge.seed"
}

wait_for_job() {
  local deadline=$((SECONDS + 60)) out
  while ((SECONDS < deadline)); do
    if out="$(SLURM_CONF="$conf" timeout 20 srun --quiet --time=1 -N1 -n1 /bin/true 2>&1)"; then
      return 0
    fi
    sleep 0.5
  done
  die "no job ran within 60 s (last: $out); logs in $dir/log"
}

start() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (the daemons run as root here)"
  command -v apt-get >/dev/null || die "needs apt-get (Debian or Ubuntu)"
  bash "$here/install-packages.sh" slurm-wlm munge
  choose_port
  write_config
  start_munge
  export SLURM_CONF="$conf"
  pid_alive "$dir/slurmctld.pid" || slurmctld -f "$conf" -i
  pid_alive "$dir/slurmd.pid" || slurmd -f "$conf" -N "$node"
  wait_for_job
  echo "slurm-local: running (ports $port and $((port + 1))); export SLURM_CONF=$conf"
}

stop_daemon() {  # name pidfile
  local pidfile="$2" pid _
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

stop() {
  if [ -f "$conf" ] && pid_alive "$dir/slurmctld.pid"; then
    SLURM_CONF="$conf" timeout 10 scancel --user="$(id -un)" 2>/dev/null || true
  fi
  stop_daemon slurmd "$dir/slurmd.pid"
  stop_daemon slurmctld "$dir/slurmctld.pid"
  stop_daemon munged "$dir/munged.pid"
  echo "slurm-local: stopped"
}

status() {
  local ok=0 d
  for d in munged slurmctld slurmd; do
    if pid_alive "$dir/$d.pid"; then echo "$d: running (pid $(cat "$dir/$d.pid"))"; else echo "$d: stopped"; ok=1; fi
  done
  echo "SLURM_CONF=$conf"
  return $ok
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
