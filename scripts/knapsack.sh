#!/usr/bin/env bash
# Evolves examples/knapsack from its greedy start toward the optimum, 275.
# Uses Ollama at OLLAMA_HOST (default http://localhost:11434); extra arguments go to `evolve run`.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
swift build -c release --product evolve >&2
exec .build/release/evolve run examples/knapsack "$@"
