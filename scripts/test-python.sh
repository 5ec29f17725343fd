#!/usr/bin/env bash
# The training recipe's own tests (model, exporter, a 20-step train → export → generate smoke run).
# They need Debian's PyTorch; without it they are skipped with a message, never silently.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${LOOM_PYTHON:-/usr/bin/python3}
if ! "$python" -c "import torch, onnx" 2>/dev/null; then
  echo "SKIPPED training tests: $python cannot import torch and onnx (apt-get install python3-torch python3-onnx)."
  exit 0
fi
cd training
exec "$python" -m unittest discover -s . -p "test_*.py" -v
