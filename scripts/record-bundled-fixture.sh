#!/usr/bin/env bash
# Records the bundled model on knapsack for the replay fixture
# (Tests/EvolveControllerTests/Fixtures/bundled-knapsack): runs the fixture's problem with
# llm.record, then keeps the answers and the programs and scores the run made (expected.json).
# Needs `bash scripts/install-model.sh` and `swift build` first; about 35 s per model call.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
fixture="$root/Tests/EvolveControllerTests/Fixtures/bundled-knapsack"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$fixture/problem/"* "$work/"
"$root/.build/debug/evolve" run "$work" --run-dir "$work/runs/recorded" --quiet
rm -rf "$fixture/answers"
cp -r "$work/answers" "$fixture/answers"
python3 - "$work/runs/recorded/evolve.sqlite" "$fixture/expected.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select id, parent_id, origin, iteration, island, code, score from programs order by seq").fetchall()
code = {row[0]: row[5] for row in rows}
programs = [{"origin": r[2], "iteration": r[3], "island": r[4], "code": r[5], "score": r[6], "parentCode": code.get(r[1])} for r in rows]
best = None
for program in programs:  # the first program to reach the highest score, as the run counts it
    if program["score"] is not None and (best is None or program["score"] > best["score"]):
        best = program
json.dump({"programs": programs, "best_score": best and best["score"], "best_code": best and best["code"]},
          open(sys.argv[2], "w"), indent=2, sort_keys=True)
print(f"{len(programs)} programs, best {best and best['score']}; answers in {sys.argv[2].rsplit('/', 1)[0]}/answers")
PY
