#!/usr/bin/env bash
# Starts COMMAND..., waits until FILE is non-empty (at most 60 s), sends it
# SIGNAL and checks that its exit status is WANT. Used by check_handoff.cmake.
# usage: signal_mid_sweep.sh SIGNAL WANT FILE COMMAND...
set -u
sig=$1 want=$2 file=$3
shift 3
"$@" &
pid=$!
for _ in $(seq 600); do
  [ -s "$file" ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill "-$sig" "$pid"
wait "$pid"
rc=$?
if [ "$rc" != "$want" ]; then
  echo "exit $rc after SIG$sig, expected $want" >&2
  exit 1
fi
