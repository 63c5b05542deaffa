#!/usr/bin/env bash
# The CIFAR-10 scenarios of the gpu preset on the device machine (issue 17), in calls of at most BUDGET_SECONDS
# (default 540, inside the 10-minute limit of a call). Resumable: models are cached and points saved under runs/gpu,
# an ignored folder that a warm machine keeps between calls, so a second call right after the first goes on where it
# stopped (models first: each shard waits for the one that trains a model, then clones in parallel shards on the GPU).
# Every call brings back the finished points, the report and the logs in $OUT. Prepare the data first and carry it:
#   python scripts/pack_device_data.py --data-root ../shared/data --out .gpu/data        (about 37 MiB)
#   run(command="SCENARIO=cifar10 scripts/device_cifar10_run.sh", carry=[".gpu/data"], timeout_s=600)
# SCENARIO: cifar10 (optimistic outliers) or cifar10-conservative. SHARDS: parallel clone processes (default 12).
# The fast recipe (airbench network, 10 epochs per model; the same scenarios as the CPU run, on the GPU):
#   run(command="PRESET=cifar10-fast SCENARIO=cifar10-fast scripts/device_cifar10_run.sh", carry=[".gpu/data"])
# Flowers-17 (flowers17 from scratch, flowers17-pretrained from a Tiny ImageNet model) reads another pack (36.6 MiB):
#   python scripts/pack_device_data.py --task flowers17 --data-root ../shared/data --out .gpu/data
#   run(command="SCENARIO=flowers17-pretrained scripts/device_cifar10_run.sh", carry=[".gpu/data"], timeout_s=600)
# PRESET, DEVICE and SPEED_IMAGES exist for a dry run of the mechanics on a CPU: PRESET=micro SCENARIO=micro DEVICE=cpu.
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
start=$(date +%s)
BUDGET=${BUDGET_SECONDS:-540}
SCENARIO=${SCENARIO:-cifar10}
SHARDS=${SHARDS:-12}
PRESET=${PRESET:-gpu}
DEVICE=${DEVICE:-cuda}
R=runs/gpu
mkdir -p "$R" "$OUT/logs"
python3 -c "import art" 2>/dev/null || python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpu/whl/*.whl
export PYTHONPATH=/tmp/site:$PYTHONPATH
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt" 2>&1
common=(--preset "$PRESET" --scenario "$SCENARIO" --device "$DEVICE" --data-root .gpu/data --cache-dir "$R/cache"
  --run-dir "$R/run" --no-progress --skip-overhead)
# the fast-path measurement once per machine (a minute), beside the plain loop on the same GPU
if [ ! -f "$R/training_speed.json" ]; then
  timeout 90 python3 -m benchmarks.studies.training_speed --device "$DEVICE" --images "${SPEED_IMAGES:-20000}" --repeats 3 \
    --output "$R/training_speed.json" > "$OUT/logs/training_speed.log" 2>&1
fi
left=$((BUDGET - 40 - $(date +%s) + start))
for i in $(seq 0 $((SHARDS - 1))); do
  timeout "$left" python3 -m benchmarks.run "${common[@]}" --shard "$i/$SHARDS" > "$OUT/logs/shard_$i.log" 2>&1 &
done
wait
timeout 30 python3 -m benchmarks.run --preset "$PRESET" --run-dir "$R/run" --report-only > "$OUT/logs/report.log" 2>&1
tar czf "$OUT/points.tgz" -C "$R" run/points run/summary.md run/results.json run/figures 2>/dev/null \
  || tar czf "$OUT/points.tgz" -C "$R" run/points
cp "$R"/training_speed.json "$OUT"/ 2>/dev/null
echo "finished points: $(find "$R/run/points" -name '*.json' | wc -l); $(( $(date +%s) - start )) s"
