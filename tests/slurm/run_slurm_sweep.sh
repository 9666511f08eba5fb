#!/usr/bin/env bash
# A real Slurm run of a sharded sweep: starts a one-node cluster (munged,
# slurmctld, slurmd from Debian's slurm-wlm and munge) in a scratch folder,
# submits a 4-task array sweep of the shipped stories260K example with
# `ctscope finetune --slurm --tasks 4`, waits for it, merges it with
# `ctscope sweep merge`, and checks that its summary.csv equals the same
# sweep run locally (efficiency and final loss within 1e-4). Stops the
# daemons it started, by their pid files, on exit.
# Prints "SKIPPED: ..." and passes when not root or slurm-wlm is missing.
# usage: run_slurm_sweep.sh CTSCOPE SOURCE_DIR WORK_DIR
set -euo pipefail
CTSCOPE=$1
SRC=$2
WORK=$3

if [ "$(id -u)" -ne 0 ]; then echo "SKIPPED: not root (the test starts slurmctld and slurmd)"; exit 0; fi
for c in munged slurmctld slurmd sbatch sinfo squeue scontrol python3; do
  if ! command -v "$c" >/dev/null 2>&1; then
    echo "SKIPPED: $c not found (apt-get install slurm-wlm munge)"; exit 0
  fi
done

rm -rf "$WORK"
mkdir -p "$WORK"/{state,spool,run,log,munge}
chmod 700 "$WORK/munge"
HOST=$(hostname -s)
CPUS=$(nproc)
MEM=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 1024 ))
export SLURM_CONF="$WORK/slurm.conf"

stop_daemons() {
  for p in "$WORK/run/slurmd.pid" "$WORK/run/slurmctld.pid" "$WORK/run/munged.pid"; do
    if [ -s "$p" ]; then
      pid=$(cat "$p")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
}
fail() {
  echo "FAILED: $*"
  for f in "$WORK"/log/*.log; do echo "---- $f"; tail -n 30 "$f"; done
  exit 1
}
trap stop_daemons EXIT

# munge, private to this test: its own key, socket and pid file.
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$WORK/munge/munge.key"
munged --force --key-file="$WORK/munge/munge.key" --socket="$WORK/munge/munge.socket" \
  --pid-file="$WORK/run/munged.pid" --log-file="$WORK/log/munged.log" --seed-file="$WORK/munge/munge.seed" \
  || fail "munged did not start"

cat > "$SLURM_CONF" <<EOF
ClusterName=ctscopetest
SlurmctldHost=$HOST
SlurmctldPort=26817
SlurmdPort=26818
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
KillWait=10
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=ctscope Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
slurmd -f "$SLURM_CONF" || fail "slurmd did not start"
t0=$(date +%s)
until sinfo -h -N -o '%T' 2>/dev/null | grep -q '^idle'; do
  [ $(( $(date +%s) - t0 )) -lt 120 ] || fail "the node did not become idle: $(sinfo -N 2>&1)"
  sleep 1
done
echo "slurm: node $HOST idle after $(( $(date +%s) - t0 )) s"

EX="$SRC/resources/examples"
OPTS=(finetune "$EX/stories260K/stories260K.bin" --data "$EX/shakespeare_excerpt.txt" --seq 32 --batch 2
      --steps 2 --seeds 2 --k 4,8 --arms full,amp,lora --basis universal,random --lr-grid 3e-3
      --heldout-windows 2 --threads 1 --quiet)

t_local0=$(date +%s.%N)
"$CTSCOPE" "${OPTS[@]}" --out "$WORK/local" > "$WORK/log/local.txt" 2>&1 || fail "the local sweep failed: $(cat "$WORK/log/local.txt")"
t_local1=$(date +%s.%N)

t_slurm0=$(date +%s.%N)
"$CTSCOPE" "${OPTS[@]}" --out "$WORK/cluster" --slurm --tasks 4 --cpus-per-task 1 > "$WORK/log/submit.txt" 2>&1 \
  || fail "submitting failed: $(cat "$WORK/log/submit.txt")"
cat "$WORK/log/submit.txt"
JOB=$(sed -n 's/^submitted Slurm job \([0-9]*\).*/\1/p' "$WORK/log/submit.txt")
[ -n "$JOB" ] || fail "no job id in: $(cat "$WORK/log/submit.txt")"
while [ -n "$(squeue -h -j "$JOB" 2>/dev/null)" ]; do
  awk -v a="$(date +%s.%N)" -v b="$t_slurm0" 'BEGIN { exit !(a - b < 400) }' || fail "job $JOB still queued: $(squeue -j "$JOB")"
  sleep 0.5
done
t_slurm1=$(date +%s.%N)

"$CTSCOPE" sweep status "$WORK/cluster" | tee "$WORK/log/status.txt"
"$CTSCOPE" sweep merge "$WORK/cluster" || fail "sweep merge failed"
for i in 0 1 2 3; do
  grep -q "^ctscope: task $i " "$WORK/cluster/slurm/logs/task-$i.out" || fail "task $i did not run: $(cat "$WORK/cluster/slurm/logs/task-$i.out" 2>&1)"
done

python3 - "$WORK/local/summary.csv" "$WORK/cluster/summary.csv" <<'PY' || fail "the merged summary differs from the local one"
import csv, math, sys
def rows(path):
    with open(path, newline="") as f:
        return {(r["arm"], r["basis"], r["param"], r["k"]): r for r in csv.DictReader(f)}
local, cluster = rows(sys.argv[1]), rows(sys.argv[2])
assert local.keys() == cluster.keys(), (sorted(local), sorted(cluster))
worst = 0.0
for key, a in local.items():
    b = cluster[key]
    assert a["n"] == b["n"], (key, a["n"], b["n"])
    for col in ("efficiency_mean", "final_loss", "l0"):
        if a[col] == "" and b[col] == "":
            continue
        d = abs(float(a[col]) - float(b[col]))
        worst = max(worst, d)
        assert d <= 1e-4, (key, col, a[col], b[col])
print(f"slurm: merged summary.csv equals the local one: {len(local)} rows, largest difference {worst:.2e}")
PY
awk -v l0="$t_local0" -v l1="$t_local1" -v s0="$t_slurm0" -v s1="$t_slurm1" -v c="$CPUS" 'BEGIN {
  printf "slurm: local sweep %.1f s; 4-task Slurm array sweep %.1f s (submit to last task done, %s CPU(s))\n", l1 - l0, s1 - s0, c }'
echo "slurm: PASSED"
