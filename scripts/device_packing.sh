#!/usr/bin/env bash
# One call on the GPU machine (issue 14): packed vs one-by-one clone training on the same GPU, then the Ray executor
# on the micro preset with 8 jobs per GPU. Needs only the working tree (torch is on the machine; ART from a wheel in
# .gpu/whl if it is not). Sized for well under 10 minutes; the JSON comes back in $OUT.
set -u
export PYTHONUNBUFFERED=1 PYTHONPATH=$PWD
nvidia-smi --query-gpu=name,memory.total --format=csv > "$OUT/gpu.txt"
timeout 420 python3 -m benchmarks.studies.packed_clones --device cuda --clones 1,8,32,128 --queries 50000 --epochs 2 \
  --repeats 3 --output "$OUT/packing.json" > "$OUT/packing.log" 2>&1
