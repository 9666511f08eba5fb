#!/usr/bin/env bash
# Time and peak memory of `ctscope analyze` on the TinyLlama-1.1B-shaped BF16
# checkpoint as safetensors and as a torch.save pickle (the same weights,
# written by bench/make_tinyllama_pickle.py with Debian's python3-torch), and
# whether both give the same tables. Needs about 4.5 GB in WORK, removed after
# unless KEEP=1.
#
# usage: bench/pickle_vs_safetensors.sh [CTSCOPE] [WORK]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ctscope="${1:-$here/../build/app/ctscope}"
work="${2:-/tmp/ctscope-pickle-bench}"
mkdir -p "$work"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

[ -f "$work/pytorch/pytorch_model.bin" ] || /usr/bin/python3 "$here/make_tinyllama_pickle.py" "$work"
ls -l "$work/safetensors/model.safetensors" "$work/pytorch/pytorch_model.bin"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %10s %14s\n' form wall_s peak_rss_MB
for form in safetensors pytorch; do
    /usr/bin/time -v "$ctscope" analyze "$work/$form" --no-cache --quiet >"$work/out_$form.txt" 2>"$work/time_$form.txt"
    wall=$(grep 'Elapsed (wall clock)' "$work/time_$form.txt" | awk '{print $NF}')
    rss=$(grep 'Maximum resident set size' "$work/time_$form.txt" | awk '{printf "%.0f", $NF / 1024}')
    printf '%-12s %10s %14s\n' "$form" "$wall" "$rss"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if diff <(tail -n +2 "$work/out_safetensors.txt") <(tail -n +2 "$work/out_pytorch.txt") >/dev/null; then
    echo "tables: identical"
else
    echo "tables: DIFFER"
    exit 1
fi
