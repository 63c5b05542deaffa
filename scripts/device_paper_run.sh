#!/usr/bin/env bash
# One call on the GPU machine (see docs/results.md): train the paper preset's models for MNIST and Fashion-MNIST,
# measure the defenders' quality on the side, then run the paper preset's attack sweep in 14 parallel shards.
# Data comes as .npz files in .gpu/data/npz (made from ../shared/data), ART as a wheel in .gpu/whl.
set -u
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --target /tmp/site .gpu/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD
R=/tmp/run
mkdir -p "$R"
nvidia-smi --query-gpu=name,memory.total --format=csv > "$R/gpu.txt"
common=(--preset paper --device cuda --data-root .gpu/data --cache-dir "$R/cache")
for s in mnist fashion_mnist; do
  timeout 200 python3 -m benchmarks.studies.defender_quality "${common[@]}" --scenario $s --output "$R/dq_$s.json" > "$R/dq_$s.log" 2>&1 &
done
wait
for i in $(seq 0 7); do
  timeout "${SHARD_SECONDS:-280}" python3 -m benchmarks.run "${common[@]}" --run-dir "$R/paper" --scenario mnist --shard $i/8 \
    --skip-overhead --no-progress > "$R/shard_mnist_$i.log" 2>&1 &
done
for i in $(seq 0 5); do
  timeout "${SHARD_SECONDS:-280}" python3 -m benchmarks.run "${common[@]}" --run-dir "$R/paper" --scenario fashion_mnist \
    --shard $i/6 --skip-overhead --no-progress > "$R/shard_fashion_$i.log" 2>&1 &
done
wait
python3 -m benchmarks.run --preset paper --run-dir "$R/paper" --report-only > "$R/report.log" 2>&1
tar czf "$OUT/run.tgz" -C /tmp run
