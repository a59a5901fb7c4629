#!/usr/bin/env bash
# WebGPU training throughput on a machine with a GPU and no package registry (the device tool of
# our sessions, which copies the checkout and up to 64 MiB of ignored files named in its `carry`).
#
#   bench/gpu.sh pack [--rows N]     here: writes dist/gpu/ (Deno, the bundled CLI, imagescript and
#                                    N FER2013 rows as a CSV; at most 64 MiB, checked)
#   bench/gpu.sh run [options]       there: unpacks dist/gpu/ and prints one JSON object with
#                                    WebGPU training images/s of liu-cnn5 and resnet18 (the real
#                                    training step on a synthetic batch, `fer bench train`) and a
#                                    one-epoch training on the sample (the real data pipeline)
#   bench/gpu.sh check [options]     here: pack 40 rows into dist/gpu-check/, then run against the
#                                    software adapter (Mesa's llvmpipe; apt-get install
#                                    mesa-vulkan-drivers) with tiny steps: about 8 minutes on 2 cores
#
# Options of run and check: --models a,b (default liu-cnn5,resnet18), --batch N (64), --warmup N
# (2), --steps N (5), --allow-software-adapter (run refuses a software adapter without it: its
# figures say nothing about a GPU; check passes it).
# With the device tool: run(command="bench/gpu.sh run", carry=["dist/gpu"]).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# `check` packs into its own folder, so a real pack in dist/gpu stays as it is.
PACK=dist/gpu
LIMIT_BYTES=$((64 * 1024 * 1024))

die() {
  echo "gpu.sh: $*" >&2
  exit 1
}

pack() {
  local rows=300
  while [ $# -gt 0 ]; do
    case "$1" in
    --rows) rows=$2 && shift 2 ;;
    *) die "pack: unknown option '$1' (valid: --rows N)" ;;
    esac
  done
  local deno=tools/deno/node_modules/deno/deno
  [ -x "$deno" ] || die "no Deno at $deno: run npm ci first"
  local data="${FER_DATA_DIR:-data}/fer2013/fer2013.csv.gz"
  [ -f "$data" ] || die "no FER2013 at $data: set FER_DATA_DIR"
  "$deno" run -A tools/build.ts bundle >&2
  rm -rf "$PACK" && mkdir -p "$PACK/payload/node_modules"
  gzip -9 -c "$deno" >"$PACK/deno.gz"
  cp dist/fer.js dist/pthread_worker.cjs "$PACK/payload/"
  cp -rL node_modules/imagescript "$PACK/payload/node_modules/"
  # The bundle imports imagescript by name: a package.json and Deno's manual node_modules resolve it.
  printf '{"dependencies":{"imagescript":"%s"}}\n' \
    "$("$deno" eval 'console.log(JSON.parse(Deno.readTextFileSync("node_modules/imagescript/package.json")).version)')" \
    >"$PACK/payload/package.json"
  echo '{"nodeModulesDir":"manual"}' >"$PACK/payload/deno.json"
  # A stratified-enough sample with all three Usage parts, so the official split works: the first
  # rows of each part (3/5 training, 1/5 each for validation and test).
  local train=$((rows * 3 / 5)) part=$((rows / 5))
  gzip -dc "$data" | awk -F, -v t="$train" -v p="$part" '
    NR == 1 { print; next }
    { n[$3]++ }
    ($3 == "Training" && n[$3] <= t) || ($3 != "Training" && n[$3] <= p) { print }
  ' | gzip -9 >"$PACK/payload/sample.csv.gz"
  tar -C "$PACK" -czf "$PACK/payload.tar.gz" payload && rm -rf "$PACK/payload"
  local bytes
  bytes=$(du -cb "$PACK" | tail -1 | cut -f1)
  [ "$bytes" -le "$LIMIT_BYTES" ] || die "$PACK is $bytes bytes, over the 64 MiB the device tool carries"
  echo "packed $PACK: $((bytes / 1024 / 1024)) MiB ($bytes bytes) of at most 64 MiB" >&2
}

run() {
  local models=liu-cnn5,resnet18 batch=64 warmup=2 steps=5 software=no
  while [ $# -gt 0 ]; do
    case "$1" in
    --models) models=$2 && shift 2 ;;
    --batch) batch=$2 && shift 2 ;;
    --warmup) warmup=$2 && shift 2 ;;
    --steps) steps=$2 && shift 2 ;;
    --allow-software-adapter) software=yes && shift ;;
    *) die "run: unknown option '$1' (valid: --models, --batch, --warmup, --steps, --allow-software-adapter)" ;;
    esac
  done
  [ -f "$PACK/deno.gz" ] && [ -f "$PACK/payload.tar.gz" ] ||
    die "no $PACK/deno.gz and payload.tar.gz: run 'bench/gpu.sh pack' first (and carry dist/gpu)"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  gzip -dc "$PACK/deno.gz" >"$work/deno" && chmod +x "$work/deno"
  tar -C "$work" -xzf "$PACK/payload.tar.gz"
  # wgpu's Vulkan loader complains without it; a private one is enough.
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$work}"
  export DENO_DIR="$work/deno-cache" DENO_NO_UPDATE_CHECK=1
  local fer=("$work/deno" run -A "$work/payload/fer.js")
  cd "$work/payload"
  local results=() json adapter
  for model in ${models//,/ }; do
    echo "gpu.sh: bench train $model on webgpu (batch $batch, $warmup + $steps steps)" >&2
    json=$("${fer[@]}" bench train --model "$model" --backend webgpu --pytorch off --json \
      --batch "$batch" --warmup "$warmup" --steps "$steps") || die "bench train $model failed"
    adapter=$(printf '%s' "$json" | "$work/deno" eval --quiet \
      'const r = JSON.parse(await new Response(Deno.stdin.readable).text()); console.log(r.ours.backend)')
    if [ "$software" = no ] && [[ "$adapter" == *"software adapter"* ]]; then
      die "WebGPU runs on a software adapter ($adapter): no GPU is used; pass --allow-software-adapter for a correctness check"
    fi
    results+=("\"$model\":$json")
  done
  # The real data pipeline on the GPU: one epoch on the sample (its time includes validation).
  echo "gpu.sh: one epoch of liu-cnn5 on the sample" >&2
  "${fer[@]}" train liu-cnn5 --data sample.csv.gz --epochs 1 --batch-size "$batch" \
    --backend webgpu --quiet --no-report --out "$work/run" >&2 || die "training on the sample failed"
  local sample
  sample=$("$work/deno" eval --quiet '
    const dir = Deno.args[0];
    const counts = JSON.parse(Deno.readTextFileSync(`${dir}/data.json`));
    const [header, first] = Deno.readTextFileSync(`${dir}/history.csv`).trim().split("\n");
    const epoch = Object.fromEntries(header.split(",").map((k, i) => [k, Number(first.split(",")[i])]));
    console.log(JSON.stringify({ model: "liu-cnn5", counts, epochSeconds: epoch.seconds,
      valAccuracy: epoch.val_accuracy }));
  ' "$work/run")
  local machine
  machine=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//;s/"/\\"/g')
  local gpu
  gpu=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name --format=csv,noheader | head -1 || echo unknown)
  local IFS=,
  printf '{"machine":"%s","gpu":"%s","batch":%s,"models":{%s},"sampleRun":%s}\n' \
    "$machine" "$gpu" "$batch" "${results[*]}" "$sample"
}

command=${1:-}
[ $# -gt 0 ] && shift
case "$command" in
pack) pack "$@" ;;
run) run "$@" ;;
check)
  PACK=dist/gpu-check
  pack --rows 40
  cd "$ROOT"
  run --allow-software-adapter --batch 4 --warmup 1 --steps 1 "$@"
  ;;
*) die "usage: bench/gpu.sh pack|run|check [options] (see the header of bench/gpu.sh)" ;;
esac
