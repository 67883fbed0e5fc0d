"""Scores a circle packing: python3 evaluate.py PATH_TO_CANDIDATE

The candidate's pack_circles() runs in a child process, which prints the circles as JSON; this
process only verifies them, so a candidate cannot reach the verifier. The verifier has no
tolerance: every comparison is exact, on the rational values of the returned floats
(fractions.Fraction), so touching circles pass and an overlap of 1e-12 fails.

Prints one JSON object as the last line of standard output:
{"score": sum_of_radii, "metrics": {...}, "features": {...}} or {"error": "reason"}.
"""

import contextlib
import importlib.util
import json
import math
import subprocess
import sys
from fractions import Fraction

N = 26
ALPHAEVOLVE = 2.635863  # AlphaEvolve's sum of radii for 26 circles (2025); 2.635983 has been reported since


def produce(path):
    """In the child: import the candidate, call pack_circles(N), print its rows as JSON."""
    sys.dont_write_bytecode = True
    with contextlib.redirect_stdout(sys.stderr):  # the candidate's prints must not reach the report
        spec = importlib.util.spec_from_file_location("candidate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        circles = module.pack_circles(N)
    rows = circles.tolist() if hasattr(circles, "tolist") else circles
    print(json.dumps(rows))


def parse(rows):
    """(circles as (x, y, r) floats, None), or (None, the reason they are not N circles)."""
    if not isinstance(rows, list) or len(rows) != N:
        count = len(rows) if isinstance(rows, list) else type(rows).__name__
        return None, f"pack_circles must return {N} rows (x, y, r), got {count}"
    circles = []
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != 3:
            return None, f"circle {index} is {row!r}, not a row (x, y, r)"
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row):
            return None, f"circle {index} has a value that is not a number: {row!r}"
        if not all(math.isfinite(v) for v in row):
            return None, f"circle {index} has a value that is not finite: {row!r}"
        circles.append(tuple(float(v) for v in row))
    return circles, None


def violation(circles):
    """The first rule the circles break, exactly (no tolerance), or None."""
    exact = [tuple(Fraction(v) for v in circle) for circle in circles]
    for i, (x, y, r) in enumerate(exact):
        if r <= 0:
            return f"circle {i} has radius {float(r)!r}; every radius must be positive"
        for name, gap in (("left", x - r), ("bottom", y - r), ("right", 1 - x - r), ("top", 1 - y - r)):
            if gap < 0:
                return f"circle {i} at ({float(x)!r}, {float(y)!r}) with radius {float(r)!r} crosses the {name} side of the square by {float(-gap):.3g}"
    for i in range(N):
        xi, yi, ri = exact[i]
        for j in range(i + 1, N):
            xj, yj, rj = exact[j]
            squared_distance = (xi - xj) ** 2 + (yi - yj) ** 2
            if squared_distance < (ri + rj) ** 2:
                overlap = float(ri + rj) - math.sqrt(float(squared_distance))
                return (f"circles {i} and {j} overlap: their radii sum to {float(ri + rj)!r} but their centers are "
                        f"{math.sqrt(float(squared_distance))!r} apart (overlap about {overlap:.3g})")
    return None


def evaluate(path):
    child = subprocess.run([sys.executable, __file__, "--produce", path], capture_output=True, text=True)
    sys.stderr.write(child.stderr[-4000:])
    if child.returncode != 0:
        last = child.stderr.strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
        return {"error": f"pack_circles failed: {last[0]}"}
    try:
        rows = json.loads(child.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": "pack_circles returned something that is not a list of numbers"}
    circles, reason = parse(rows)
    reason = reason or violation(circles)
    if reason:
        return {"error": reason}
    total = float(sum(Fraction(r) for _, _, r in circles))
    smallest = min(r for _, _, r in circles)
    return {
        "score": total,
        "metrics": {"sum_of_radii": total, "fraction_of_alphaevolve": total / ALPHAEVOLVE, "smallest_radius": smallest},
        "features": {"smallest_radius": smallest},
    }


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--produce":
        produce(sys.argv[2])
    elif len(sys.argv) == 2:
        print(json.dumps(evaluate(sys.argv[1])))
    else:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
