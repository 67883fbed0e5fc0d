#!/usr/bin/env bash
# Builds llama.cpp's llama-server once (from the llama.cpp that llama-cpp-python 0.3.36 vendors,
# for a generic x86-64 with AVX2: this CPU family reports AMX, whose instructions fault here) and
# prints its path. Cached in ${EVOLVE_CACHE:-~/.cache/evolve}/bin. About 20 minutes on 2 cores.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
apt_install cmake build-essential curl

cache="${EVOLVE_CACHE:-$HOME/.cache/evolve}"
server="$cache/bin/llama-server"
if [ ! -x "$server" ]; then
  echo "evolve: building llama-server (about 20 minutes on 2 cores, once)" >&2
  src="$cache/src"
  mkdir -p "$src" "$cache/bin"
  url=$(curl -fsSL https://pypi.org/simple/llama-cpp-python/ | grep -o 'https://[^"]*llama_cpp_python-0.3.36.tar.gz#sha256=[0-9a-f]*' | head -1)
  curl -fsSL "${url%%#*}" -o "$src/llama-cpp-python.tar.gz"
  echo "${url##*sha256=}  $src/llama-cpp-python.tar.gz" | sha256sum -c --quiet
  tar xzf "$src/llama-cpp-python.tar.gz" -C "$src"
  llama="$src/llama_cpp_python-0.3.36/vendor/llama.cpp"
  cmake -S "$llama" -B "$llama/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF \
    -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON -DBUILD_SHARED_LIBS=OFF >&2
  cmake --build "$llama/build" --target llama-server -j "$(nproc)" >&2
  cp "$llama/build/bin/llama-server" "$server"
fi
echo "$server"
