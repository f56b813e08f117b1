#!/usr/bin/env bash
# Measure the whole zoo once on this machine's CUDA GPU and write the file the site shows:
# data/runtime/cuda-<gpu>.json, or $OUT/cuda-<gpu>.json when OUT is set (as on the lent GPU machines,
# where only $OUT comes back; copy that file into data/runtime/ and commit it).
#
# Needs only python3 with a CUDA build of torch: no network, no packages beyond torch and the
# standard library (the progress display falls back to plain lines without tqdm).
# A time budget (BUDGET_S, 450 s by default) keeps the run under 8 minutes: when it runs out the
# benchmark gets Ctrl-C, writes the models finished so far (marked "complete": false) and exits 130.
#
#   scripts/gpu-bench.sh                   # the whole zoo, batch sizes 1..64
#   DTYPE=bfloat16 scripts/gpu-bench.sh    # another dtype: its own file
#   PYTHON=.venv/bin/python DEVICE=cpu MODELS=lenet5 BATCH_SIZES=1,2 scripts/gpu-bench.sh   # CPU check
# Further arguments go to `analyzer bench` (e.g. --repeats 20, --channels-last).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
DEVICE=${DEVICE:-cuda}
MODELS=${MODELS:-all}
BATCH_SIZES=${BATCH_SIZES:-1,2,4,8,16,32,64}
DTYPE=${DTYPE:-float32}
BUDGET_S=${BUDGET_S:-450}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1

# One look at the machine before the long run: what it is, and (with OUT) the file name the
# benchmark would choose itself in data/runtime/, inside $OUT instead.
target=$("$PYTHON" -c '
import sys
import torch
from analyzer.bench.machine import describe_machine
from analyzer.bench.results import default_path
from analyzer.bench.settings import Settings
device, dtype, out = sys.argv[1:]
if device == "cuda" and not torch.cuda.is_available():
    sys.exit(f"gpu-bench: this python has torch {torch.__version__}, which sees no CUDA GPU")
machine = describe_machine(Settings(device=device, dtype=dtype))
name, version = machine["name"], machine["torch"]
print(f"gpu-bench: {name}, torch {version}, CUDA {torch.version.cuda}", file=sys.stderr)
print(f"{out}/{default_path(machine).name}" if out else "")
' "$DEVICE" "$DTYPE" "${OUT:-}")
if [ -n "$target" ]; then
  set -- --out "$target" "$@"
fi

start=$SECONDS
status=0
timeout --signal=INT --kill-after=60 "$BUDGET_S" \
  "$PYTHON" -m analyzer bench "$MODELS" --device "$DEVICE" --batch-sizes "$BATCH_SIZES" --dtype "$DTYPE" "$@" \
  || status=$?
echo "gpu-bench: exit status $status after $((SECONDS - start)) s${target:+; results in $target}"
exit "$status"
