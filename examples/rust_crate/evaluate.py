"""Builds a candidate `route` crate with cargo, offline, and scores its tours.

Run as `python3 evaluate.py CRATE_DIR`. The crate is copied into the writable scratch folder
($EVOLVE_EVAL_DIR), built there (`cargo build --release --offline`, no crates from outside),
and fed six fixed instances of 80 points. The tours are checked here (each a permutation) and
measured here. Score: the mean over instances of (nearest-neighbour tour length / the candidate's
tour length); the start, which visits the points in input order, scores far below 1, a
nearest-neighbour tour 1.0, and a tour improved beyond it more. One JSON line is printed.
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys


def instances():
    generator = random.Random(11)
    return [[(generator.uniform(0, 1000), generator.uniform(0, 1000)) for _ in range(80)] for _ in range(6)]


def length(points, order):
    return sum(math.dist(points[order[i]], points[order[(i + 1) % len(order)]]) for i in range(len(order)))


def nearest_neighbour(points):
    left, order = set(range(1, len(points))), [0]
    while left:
        here = points[order[-1]]
        nearest = min(left, key=lambda index: (math.dist(here, points[index]), index))
        order.append(nearest)
        left.remove(nearest)
    return order


def fail(message, detail=""):
    print(json.dumps({"error": message, "artifacts": {"detail": detail[-2000:]}}))
    sys.exit(0)


def main():
    scratch = os.environ.get("EVOLVE_EVAL_DIR") or os.environ.get("TMPDIR", "/tmp")
    crate = os.path.join(scratch, "crate")
    shutil.copytree(sys.argv[1], crate)
    environment = dict(os.environ, CARGO_HOME=os.path.join(scratch, "cargo-home"), CARGO_TARGET_DIR=os.path.join(scratch, "target"))
    build = subprocess.run(["cargo", "build", "--release", "--offline", "--quiet"], cwd=crate, env=environment,
                           capture_output=True, text=True, timeout=240)
    if build.returncode != 0:
        fail("the crate did not build", build.stderr)
    problems = instances()
    text = f"{len(problems)}\n" + "".join(f"{len(p)}\n" + "".join(f"{x} {y}\n" for x, y in p) for p in problems)
    binary = os.path.join(scratch, "target", "release", "route")
    run = subprocess.run([binary], input=text, capture_output=True, text=True, timeout=60)
    if run.returncode != 0:
        fail(f"the program exited with status {run.returncode}", run.stderr)
    lines = run.stdout.strip().split("\n")
    if len(lines) != len(problems):
        fail(f"expected {len(problems)} tours, got {len(lines)} lines", run.stdout)
    ratios = []
    for number, (points, line) in enumerate(zip(problems, lines)):
        try:
            order = [int(word) for word in line.split()]
        except ValueError:
            fail(f"tour {number} is not a list of indices", line)
        if sorted(order) != list(range(len(points))):
            fail(f"tour {number} does not visit every point exactly once", line)
        ratios.append(length(points, nearest_neighbour(points)) / length(points, order))
    print(json.dumps({"score": round(sum(ratios) / len(ratios), 6), "metrics": {"instances": len(ratios)}}))


if __name__ == "__main__":
    main()
