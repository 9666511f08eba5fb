#!/usr/bin/env bash
# Builds (when needed) and runs one libFuzzer target for SECONDS.
#   bench/fuzz.sh TARGET SECONDS [libFuzzer options...]
# TARGET: safetensors, safetensors_index, gguf, llama2c, pickle, tokenizer_json.
# Builds with clang in $CTSCOPE_FUZZ_BUILD (default build-fuzz/, never the main
# build), seeds the corpus from the committed seeds (fuzz/corpus/TARGET), the
# generated ones (fuzz/make_seeds.cpp) and the test fixtures, and keeps what
# the fuzzer learns in build-fuzz/corpus/TARGET. Crashing inputs land in
# build-fuzz/crashes/TARGET/; copy each to tests/data/fuzz-crashes/TARGET/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=${1:?usage: bench/fuzz.sh TARGET SECONDS [libFuzzer options...]}
seconds=${2:?usage: bench/fuzz.sh TARGET SECONDS [libFuzzer options...]}
shift 2
build=${CTSCOPE_FUZZ_BUILD:-$root/build-fuzz}
lock=${CTSCOPE_BUILD_LOCK:-/tmp/ctscope-build.lock}

if [ ! -f "$build/build.ninja" ]; then
  flock "$lock" cmake -S "$root/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
flock "$lock" cmake --build "$build" --target "fuzz_$target" make_seeds -- -j2

seeds=$build/seeds
if [ ! -d "$seeds/.done" ]; then
  rm -rf "$seeds"
  "$build/make_seeds" "$seeds"
  mkdir -p "$seeds/pickle" "$seeds/tokenizer_json"
  # torch.save archives from the pickle fixtures, and the bare pickles inside them.
  python3 - "$root/tests/data/pickle" "$seeds/pickle" <<'PY' || true
import os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
for d, _, files in os.walk(src):
    for f in files:
        p = os.path.join(d, f)
        if not f.endswith(".bin") or os.path.getsize(p) > 200000:
            continue
        name = os.path.relpath(p, src).replace("/", "_")
        open(os.path.join(out, name), "wb").write(open(p, "rb").read())
        try:
            with zipfile.ZipFile(p) as z:
                for e in z.namelist():
                    if e.endswith("data.pkl"):
                        open(os.path.join(out, name + ".pkl"), "wb").write(z.read(e))
        except zipfile.BadZipFile:
            pass
PY
  n=0
  for f in $(find "$root/tests/data/tokenizers" -name tokenizer.json -size -200k 2>/dev/null); do
    cp "$f" "$seeds/tokenizer_json/seed$n.json"; n=$((n + 1))
  done
  mkdir -p "$seeds/.done"
fi
corpus=$build/corpus/$target
crashes=$build/crashes/$target
mkdir -p "$corpus" "$crashes"
dirs=("$corpus" "$seeds/$target")
[ -d "$root/fuzz/corpus/$target" ] && dirs+=("$root/fuzz/corpus/$target")
[ -d "$root/tests/data/fuzz-crashes/$target" ] && dirs+=("$root/tests/data/fuzz-crashes/$target")
dict=()
[ -f "$root/fuzz/$target.dict" ] && dict=(-dict="$root/fuzz/$target.dict")
cd "$crashes"
exec nice -n 19 "$build/fuzz_$target" -max_total_time="$seconds" -malloc_limit_mb=2048 -rss_limit_mb=3072 \
  -timeout=10 -max_len=65536 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$crashes/" "$@" "${dirs[@]}"
