"""Scores a knapsack solver: python3 evaluate.py PATH_TO_CANDIDATE

Prints one JSON object as the last line of standard output:
{"score": total_value, "metrics": {...}, "features": {}} on success, or {"error": "reason"}.
"""

import contextlib
import importlib.util
import json
import sys

# The instance (weight, value). The best total value within CAPACITY is exactly 275.
ITEMS = [(7, 49), (12, 30), (4, 19), (6, 18), (17, 55), (14, 34), (19, 27), (19, 36), (3, 44), (27, 54), (26, 56), (25, 27)]
CAPACITY = 80


def load_solver(path):
    sys.dont_write_bytecode = True  # leave no __pycache__ next to the candidate
    spec = importlib.util.spec_from_file_location("candidate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.solve


def check(chosen):
    """The reason the selection is invalid, or None."""
    if not isinstance(chosen, (list, tuple)):
        return f"solve must return a list of item indices, not {type(chosen).__name__}"
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in chosen):
        return f"every chosen index must be an int: {chosen!r}"
    if len(set(chosen)) != len(chosen):
        return f"an item was chosen more than once: {sorted(chosen)}"
    if any(not 0 <= i < len(ITEMS) for i in chosen):
        return f"an index is out of range 0..{len(ITEMS) - 1}: {sorted(chosen)}"
    weight = sum(ITEMS[i][0] for i in chosen)
    if weight > CAPACITY:
        return f"the chosen items weigh {weight}, more than the capacity {CAPACITY}"
    return None


def evaluate(path):
    try:
        # The candidate's own prints go to stderr so that the report stays the last line of stdout.
        with contextlib.redirect_stdout(sys.stderr):
            chosen = load_solver(path)([tuple(item) for item in ITEMS], CAPACITY)
    except Exception as error:
        return {"error": f"the program raised {type(error).__name__}: {error}"}
    reason = check(chosen)
    if reason:
        return {"error": reason}
    return {
        "score": float(sum(ITEMS[i][1] for i in chosen)),
        "metrics": {"weight": sum(ITEMS[i][0] for i in chosen), "capacity": CAPACITY, "items": len(chosen)},
        "features": {},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
