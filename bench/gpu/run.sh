#!/usr/bin/env bash
# GPU check, one script (UNTESTED here: written on a machine without a GPU).
#  1. builds the headless targets against the LibTorch inside this machine's
#     PyTorch wheel (CMAKE_PREFIX_PATH=torch.utils.cmake_prefix_path),
#  2. runs the CUDA test cases ([cuda]) and the device/torch-spectra tests,
#  3. prints analysis time of ctscope on CUDA (torch spectral path) against
#     PEER_DEVICE=cuda peer_torch_spectra.py, and step time against
#     DEV=cuda peer_torch_step.py, on the same GPU.
# usage: bench/gpu/run.sh [HF_DIR]   (HF_DIR: a safetensors model; default: a
#        generated TinyLlama-shaped BF16 folder)
# env:   PYTHON (default python3), BUILD (default build-gpu), SHARED (default /work/shared)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD="${BUILD:-$ROOT/build-gpu}"
SHARED="${SHARED:-/work/shared}"
JOBS="$(nproc)"

TORCH_PREFIX="$("$PYTHON" -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')"
"$PYTHON" -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "available", torch.cuda.is_available()); assert torch.cuda.is_available()'
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

# The wheel's LibTorch is built with the old or new C++ ABI; CMake picks it up
# from TorchConfig.cmake. No UI: the window never loads LibTorch.
cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCTSCOPE_BUILD_UI=OFF \
      -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" -DCMAKE_CUDA_ARCHITECTURES=native
cmake --build "$BUILD" -j "$JOBS" --target ctscope_train_tests bench_prefix_cache bench_torch_spectra

echo "== CUDA tests"
"$BUILD/tests/ctscope_train_tests" "[cuda],[device],[torch-spectra]" --durations yes

MODEL="${1:-$BUILD/tinyllama-shaped}"

echo "== training step on CUDA: ctscope vs DEV=cuda peer_torch_step.py (same B, T; the bench runs the peer)"
# Writes the TinyLlama-shaped BF16 folder once when MODEL does not exist yet.
PEER_PYTHON="$PYTHON" "$BUILD/bench/bench_prefix_cache" --keep-model "$MODEL" --device cuda --batch 4 --seq 256 \
    --steps 5 --no-sweep --peer "$SHARED/peers/peer_torch_step.py"

echo "== analysis on CUDA: ctscope (torch spectral path, fp32 and fp64 Grams) vs the PyTorch peer"
PEER_DEVICE=cuda "$PYTHON" "$SHARED/peers/peer_torch_spectra.py" "$MODEL"
"$BUILD/bench/bench_torch_spectra" "$MODEL" --device cuda
