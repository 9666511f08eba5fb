#!/usr/bin/env bash
# Regenerates this folder: a tiny residual + reconstruct sweep written by the
# real engine (`ctscope finetune`), the independent writer the UI tests
# (tests/ui/test_finetune_demo.cpp) read: full, amp (universal basis,
# residual and reconstruct, K = 4, 16) and LoRA at matched counts, 2 seeds,
# lr grid 3e-3, 1e-2, 4 steps. About 2 s of CPU. Run from the repository root
# after building: tests/data/finetune_demo/make_fixture.sh
set -euo pipefail
out=$(mktemp -d)
build/app/ctscope finetune resources/examples/stories260K/stories260K.bin \
  --data resources/examples/shakespeare_excerpt.txt --blocks 1 --k 4,16 --basis universal \
  --arms full,amp,lora --param residual,reconstruct --steps 4 --seq 32 --batch 2 --seeds 2 \
  --lr-grid 3e-3,1e-2 --heldout-windows 4 --threads 1 --out "$out/sweep" --quiet
cp "$out/sweep/metrics.jsonl" "$out/sweep/summary.csv" "$out/sweep/sweep.json" tests/data/finetune_demo/
rm -rf "$out"
