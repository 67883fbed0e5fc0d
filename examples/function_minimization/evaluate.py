"""Scores a minimizer: python3 evaluate.py PATH_TO_CANDIDATE

The candidate's search(f, bounds, rng, budget) runs once per fixed seed on the function below.
Each run scores 1 / (1 + gap) for its value (gap = f(found) - f(global minimum)) and
1 / (1 + distance) for its distance to the global minimum; the score is the mean of the two over
all seeds, 1.0 at best. More than BUDGET calls of f in one run fail the candidate.

The candidate may import modules of this directory (search_tools.py): this file puts its own
directory first on sys.path before importing the candidate, wherever the candidate lives.

Prints one JSON object as the last line of standard output.
"""

import contextlib
import importlib.util
import json
import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BOUNDS = (-5.0, 5.0)
MINIMUM = (1.7, -2.1)  # the one global minimum, where f is exactly -1
SEEDS = [11, 23, 37, 41, 59]
BUDGET = 3000


def f(x, y):
    """A shallow bowl under an egg-crate ripple: dozens of local minima in the box, the lowest -1 at MINIMUM."""
    u, v = x - MINIMUM[0], y - MINIMUM[1]
    return 0.05 * (u * u + v * v) - math.cos(3 * u) * math.cos(3 * v) + 0.2 * math.sin(u * v) ** 2


class BudgetSpent(Exception):
    pass


def counted(function, budget):
    """function, raising BudgetSpent on the call after `budget`; .calls says how many were made."""
    def wrapper(x, y):
        wrapper.calls += 1
        if wrapper.calls > budget:
            raise BudgetSpent(f"f was called more than {budget} times")
        return function(float(x), float(y))
    wrapper.calls = 0
    return wrapper


def load(path):
    sys.dont_write_bytecode = True
    sys.path.insert(0, HERE)  # so that the candidate can import search_tools from the problem directory
    spec = importlib.util.spec_from_file_location("candidate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.search


def run_once(search, seed):
    """The found point's (value, distance, calls) for one seed, or raises with the reason."""
    f_counted = counted(f, BUDGET)
    x, y = search(f_counted, BOUNDS, random.Random(seed), BUDGET)
    x, y = float(x), float(y)
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"search returned a point that is not finite: ({x}, {y})")
    if not (BOUNDS[0] <= x <= BOUNDS[1] and BOUNDS[0] <= y <= BOUNDS[1]):
        raise ValueError(f"search returned ({x}, {y}), outside the box {BOUNDS}")
    return f(x, y), math.hypot(x - MINIMUM[0], y - MINIMUM[1]), f_counted.calls


def evaluate(path):
    runs = []
    with contextlib.redirect_stdout(sys.stderr):  # the candidate's prints must not reach the report
        try:
            search = load(path)
        except Exception as error:
            return {"error": f"the program could not be imported: {type(error).__name__}: {error}"}
        for seed in SEEDS:
            try:
                runs.append(run_once(search, seed))
            except Exception as error:
                return {"error": f"with seed {seed}: {type(error).__name__}: {error}"}
    value_scores = [1 / (1 + (value + 1)) for value, _, _ in runs]
    distance_scores = [1 / (1 + distance) for _, distance, _ in runs]
    score = sum(0.5 * (a + b) for a, b in zip(value_scores, distance_scores)) / len(runs)
    return {
        "score": score,
        "metrics": {
            "mean_value": sum(value for value, _, _ in runs) / len(runs),
            "mean_distance": sum(distance for _, distance, _ in runs) / len(runs),
            "worst_distance": max(distance for _, distance, _ in runs),
            "mean_calls": sum(calls for _, _, calls in runs) / len(runs),
        },
        "features": {"mean_calls": sum(calls for _, _, calls in runs) / len(runs)},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
