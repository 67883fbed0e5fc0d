#!/usr/bin/env bash
# Runs, or resumes, experiments/vs-peers.yaml into docs/experiments/vs-peers (Evolve's defaults,
# the random baseline, OpenEvolve 0.4.0 and ShinkaEvolve 0.0.7 on circle_packing and
# function_minimization, five seeds, 25 model calls each) and experiments/quickstart.yaml (the quick
# start's knapsack run, five seeds) into docs/experiments/quickstart. One llama.cpp llama-server serves the
# bundled model's file with four slots to every arm (EVOLVE_BUNDLED_URL); DRIVERS evolve
# experiment processes (default 1: with one CPU server, runs one at a time finish within a sitting, and a peer run cannot resume) share the matrix (a run in progress belongs to the process
# that holds its lock; the others skip it). Finished runs are kept; an interrupted Evolve run
# resumes, an interrupted peer run starts again. Commit docs/experiments/vs-peers afterwards.
#   bash scripts/measure-peers.sh [MINUTES]    # stop after MINUTES (default: when all is done)
# VARIANTS=evolve,random runs only those variants (a copy of the spec beside it, with only those
# variants, writing into the same folder): the arms that resume, for a sitting too short to finish
# a peer's run. Two invocations with different VARIANTS may run at once (the second uses the first's
# server): e.g. a peer's runs beside Evolve's.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
apt_install python3-numpy python3-scipy curl

port="${EVOLVE_MEASURE_PORT:-8080}"
minutes="${1:-0}"
drivers="${DRIVERS:-1}"
out=docs/experiments/vs-peers
model=$(bash scripts/install-model.sh --file-only)
server=$(bash scripts/llama-server.sh)
# EVOLVE_BIN: an evolve binary to measure (a copy pinned to a commit, so that the runs of a
# measurement that spans sittings go on with the engine they began with); else a release build.
evolve="${EVOLVE_BIN:-}"
if [ -z "$evolve" ]; then
  swift build -c release --product evolve >&2
  evolve=.build/release/evolve
fi

if ! curl -fs "http://127.0.0.1:$port/v1/models" >/dev/null; then
  "$server" -m "$model" --host 127.0.0.1 --port "$port" -c 32768 -np 4 -t "$(nproc)" -tb "$(nproc)" \
    --cache-reuse 64 --jinja --alias qwen2.5-coder-1.5b-instruct >"${TMPDIR:-/tmp}/llama-server-$port.log" 2>&1 &
  trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
  until curl -fs "http://127.0.0.1:$port/v1/models" >/dev/null; do sleep 1; done
fi
export EVOLVE_BUNDLED_URL="http://127.0.0.1:$port/v1"

spec=experiments/vs-peers.yaml
if [ -n "${VARIANTS:-}" ]; then
  spec="experiments/.vs-peers-${VARIANTS//,/-}.yaml"
  python3 - "$VARIANTS" experiments/vs-peers.yaml >"$spec" <<'PY'
import sys
keep = set(sys.argv[1].split(","))
source = open(sys.argv[2]).read()
out, skipping = [], False
for line in source.splitlines():
    if line.startswith("  - name: "):
        skipping = line.split(":", 1)[1].strip() not in keep
    elif not line.startswith("    "):
        skipping = False
    if not skipping:
        out.append(line)
print("\n".join(out))
PY
fi
pids=()
for i in $(seq 1 "$drivers"); do
  "$evolve" experiment "$spec" --out "$out" </dev/null >"${TMPDIR:-/tmp}/measure-peers-${VARIANTS:-all}-$i.log" 2>&1 &
  pids+=($!)
  sleep 20  # each process takes the next run nobody holds
done
"$evolve" experiment experiments/quickstart.yaml --out docs/experiments/quickstart </dev/null \
  >"${TMPDIR:-/tmp}/measure-quickstart.log" 2>&1 &
pids+=($!)
if [ "$minutes" -gt 0 ]; then
  (sleep "$((minutes * 60))"; kill -INT "${pids[@]}" 2>/dev/null || true) &
fi
wait "${pids[@]}" || true
"$evolve" report "$out" >/dev/null
"$evolve" report docs/experiments/quickstart >/dev/null
echo "reports: $out/report.md, docs/experiments/quickstart/report.md"
