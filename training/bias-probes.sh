#!/usr/bin/env bash
# The bias probes of one model folder through Loom's engine, as a JSON report (FINETUNE_BIAS in
# the Makefile): bias-probes.sh <model folder> <out.json>
set -euo pipefail
if [ $# -ne 2 ] || [ ! -d "$1" ]; then
  echo "usage: training/bias-probes.sh <model folder> <out.json>" >&2
  exit 2
fi
model="$(cd "$1" && pwd)"
out="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cd "$(dirname "$0")/.."
npm run eval --silent -- --bias --quick --model "$model" --json "$out"
