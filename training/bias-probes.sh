#!/usr/bin/env bash
# The bias probes of one model folder through Loom's engine, as a JSON report (FINETUNE_BIAS in
# the Makefile): bias-probes.sh <model folder> <out.json>
set -euo pipefail
model="$(cd "$1" && pwd)"
out="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
cd "$(dirname "$0")/.."
npm run eval --silent -- --bias --quick --model "$model" --json "$out"
