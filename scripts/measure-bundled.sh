#!/usr/bin/env bash
# Runs, or resumes, the bundled-model measurements whose runs are kept in docs/experiments:
#   bundled-strategies: experiments/bundled.yaml (map_elites, random, greedy) and
#                       experiments/today.yaml (the search before this round, engine ac1afff)
#   bundled-features:   experiments/features.yaml (each search feature alone)
#   bundled-diffs-after: experiments/bundled-diffs.yaml on this round's engine (how many of the
#                       bundled model's SEARCH/REPLACE answers apply now)
# One llama.cpp llama-server (built once from llama-cpp-python 0.3.36's source) holds the bundled
# model's file with four slots, and up to four evolve processes share it (EVOLVE_BUNDLED_URL), each
# going through its specs seed by seed, so that an interrupted sitting leaves whole seeds done.
# Finished runs are skipped and unfinished ones resume; commit docs/experiments afterwards to
# keep them. On a 2-core machine a model call takes about 90 s here: expect tens of calls an hour.
#   bash scripts/measure-bundled.sh [MINUTES]    # stop after MINUTES (default: when all is done)
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$evolve_root"
ensure_runtime
apt_install cmake build-essential curl git

cache="${EVOLVE_CACHE:-$HOME/.cache/evolve}"
port="${EVOLVE_MEASURE_PORT:-8080}"
minutes="${1:-0}"
model=$(bash scripts/install-model.sh --file-only)

server=$(bash scripts/llama-server.sh)

# Each arm runs on a fixed engine, so that runs resumed in a later sitting go on as they began:
# the search before this round (ac1afff) and this round's search (d146245, the commit the first
# sitting measured). A release build of each, once.
engine() {  # engine COMMIT: prints the path of evolve built at COMMIT
  local dir="$cache/engines/$1"
  if [ ! -x "$dir/bin/evolve" ]; then
    echo "evolve: building the engine at $1 (once)" >&2
    rm -rf "$dir" && mkdir -p "$dir/src" "$dir/bin"
    git archive "$1" | tar -x -C "$dir/src"
    (cd "$dir/src" && swift build -c release --product evolve >&2)
    cp -r "$dir/src/.build/release/evolve" "$dir/src/.build/release/"*.resources "$dir/bin/"
  fi
  echo "$dir/bin/evolve"
}
# today.yaml's runs are all finished (2026-12-03): its engine is built only while one is not.
today_left() {
  local p s
  for p in knapsack function_minimization; do
    for s in 1 2 3; do
      [ -e "docs/experiments/bundled-strategies/runs/$p/today/seed-$s/finished.json" ] || return 0
    done
  done
  return 1
}
today=""
today_left && today=$(engine ac1afff)
evolve=$(engine d146245)

"$server" -m "$model" --host 127.0.0.1 --port "$port" -c 32768 -np 4 -t "$(nproc)" -tb "$(nproc)" \
  --cache-reuse 64 --jinja --alias qwen2.5-coder-1.5b-instruct >"$cache/llama-server.log" 2>&1 &
server_pid=$!
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
until curl -fs "http://127.0.0.1:$port/v1/models" >/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { echo "llama-server stopped; see $cache/llama-server.log" >&2; exit 1; }
  sleep 1
done
export EVOLVE_BUNDLED_URL="http://127.0.0.1:$port/v1"

# One spec per problem and seed, with absolute problem paths (the copies live outside the repo).
specs=$(mktemp -d)
split_spec() {  # split_spec NAME PROBLEM SEED [VARIANT...]: only those variants when named
  local name=$1 problem=$2 seed=$3
  shift 3
  local file="$specs/$name-$problem-s$seed${1:+-$(IFS=-; echo "$*")}.yaml"
  sed -e "s#\.\./examples/#$evolve_root/examples/#; s#^seeds: \[.*\]#seeds: [$seed]#; s#127.0.0.1:8080#127.0.0.1:$port#" \
    "experiments/$name.yaml" | grep -v "examples/" | keep_variants "$@" >"$file"
  sed -i "s#^problems:#problems:\n  - $evolve_root/examples/$problem#" "$file"
  echo "$file"
}
keep_variants() {  # keep_variants [VARIANT...]: a spec on stdin without the other variants' entries
  awk -v keep=" $* " '
    /^[^ #]/ { inside = ($0 ~ /^variants:/); skip = 0 }
    inside && /^  - name: / { skip = (keep != "  " && index(keep, " " $3 " ") == 0) }
    !skip'
}
drive() {  # drive BIN OUT SPEC...: each spec in turn, twice over (the second pass finishes failed runs)
  local bin=$1 out=$2
  shift 2
  for pass in 1 2; do
    for spec in "$@"; do
      [ -e "$specs/stop" ] && return 0
      "$bin" experiment "$spec" --out "$out" </dev/null || true
    done
  done
}
strategies=docs/experiments/bundled-strategies
features=docs/experiments/bundled-features
diffs=docs/experiments/bundled-diffs-after
drivers=()
# The drivers' specs are disjoint (two processes never share a run: the pinned engines predate
# the run lock), and each driver's share is about a quarter of the calls: function_minimization's
# 20-call runs outweigh knapsack's, which mostly stop early at the target.
drive "$evolve" "$strategies" $(for s in 1 2 3; do split_spec bundled knapsack $s; done; split_spec bundled function_minimization 3) & drivers+=($!)
if [ -n "$today" ]; then
  drive "$today" "$strategies" $(for p in knapsack function_minimization; do for s in 1 2 3; do split_spec today $p $s; done; done) & drivers+=($!)
fi
drive "$evolve" "$strategies" $(for s in 1 2; do split_spec bundled function_minimization $s; done) & drivers+=($!)
# The diff-mode runs first: their answers measure how many SEARCH parts apply (#11).
(drive "$evolve" "$diffs" $(for s in 1 2; do split_spec bundled-diffs function_minimization $s; done; for s in 1 2; do split_spec bundled-diffs knapsack $s; done)
 drive "$evolve" "$features" $(for s in 1 2 3; do split_spec features knapsack $s diff_fuzzy diff_exact; done; for s in 1 2 3; do split_spec features knapsack $s; done)) & drivers+=($!)
if [ "$minutes" -gt 0 ]; then
  # Stop after MINUTES: no new spec starts, and the runs in progress are killed (every child is
  # committed as it is evaluated, so a killed run resumes where it stopped).
  (sleep "$((minutes * 60))"; touch "$specs/stop"; pkill -KILL -f "experiment $specs/" || true) & drivers_timer=$!
fi
wait "${drivers[@]}"
[ -n "${drivers_timer:-}" ] && kill "$drivers_timer" 2>/dev/null
"$evolve" report "$strategies" >/dev/null
"$evolve" report "$features" >/dev/null
[ -d "$diffs" ] && "$evolve" report "$diffs" >/dev/null
echo "reports: $strategies/report.md, $features/report.md, $diffs/report.md"
