#!/bin/bash
# Stop exactly the daemons start.sh started for RUN_DIR, by PID from their pid files: the slurmd daemons
# first, then slurmctld (slurmd exits slowly once slurmctld is gone), and munged with --munge.
# Usage: stop.sh RUN_DIR [--munge]
set -uo pipefail
R=${1:?usage: stop.sh RUN_DIR [--munge]}
stop_pidfile() {
  local f=$1 p
  [[ -f $f ]] || return 0
  p=$(cat "$f" 2>/dev/null) || return 0
  [[ $p =~ ^[0-9]+$ ]] || return 0
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p"
    for _ in $(seq 1 75); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$p" 2>/dev/null; then echo "stop.sh: pid $p ($f) still alive after 15 s, KILL" >&2; kill -KILL "$p"; fi
  fi
  rm -f "$f"
}
for f in "$R"/slurmd-*.pid; do stop_pidfile "$f"; done
stop_pidfile "$R/slurmctld.pid"
[[ ${2:-} == --munge ]] && stop_pidfile "$R/munge/munged.pid"
exit 0
