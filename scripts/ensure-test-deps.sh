#!/usr/bin/env bash
# The test suite drives Debian's Chromium (Playwright never downloads a browser here) and its
# engine tests use Debian's PyTorch to convert a reference model; the training data step writes
# Chinese replies in Simplified characters with OpenCC's t2s. On a fresh Debian machine this
# installs what is missing when it can (root with apt); otherwise it says what to install.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c "import torch, onnx" 2>/dev/null || missing+=(python3-torch python3-onnx libopenblas0-pthread)
command -v opencc >/dev/null || missing+=(opencc)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing test dependencies: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
else
  echo "Missing test dependencies: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
