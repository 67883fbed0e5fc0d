"""Scores an online bin-packing heuristic: python3 evaluate.py PATH_TO_CANDIDATE

Items arrive one at a time; for each, the candidate's priority(item, remaining) ranks the open
bins that can hold it, and the item goes into the highest-ranked one (a new bin is opened when
none fits). The instances are generated from a fixed seed in the style of the OR-Library's
uniform sets (item sizes drawn uniformly from 20..100, bins of capacity 150). The score is the
mean over the instances of (lower bound / bins used) * 100, where the lower bound is
ceil(total size / capacity): 100 is a perfect packing, higher is better.

Prints one JSON object as the last line of standard output:
{"score": ..., "metrics": {...}, "features": {...}} on success, or {"error": "reason"}.
"""

import contextlib
import importlib.util
import json
import math
import random
import sys
import time

CAPACITY = 150
INSTANCES = 5
ITEMS_PER_INSTANCE = 500
SEED = 20261202


def instances():
    rng = random.Random(SEED)
    return [[rng.randint(20, 100) for _ in range(ITEMS_PER_INSTANCE)] for _ in range(INSTANCES)]


def load_priority(path):
    sys.dont_write_bytecode = True  # leave no __pycache__ next to the candidate
    spec = importlib.util.spec_from_file_location("candidate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.priority


class BadHeuristic(Exception):
    pass


def choose(priority, item, remaining):
    """The index, in `remaining`, of the bin that takes `item`, or None for a new bin."""
    fitting = [index for index, free in enumerate(remaining) if free >= item]
    if not fitting:
        return None
    scores = priority(item, [remaining[index] for index in fitting])
    try:
        scores = [float(score) for score in scores]
    except (TypeError, ValueError):
        raise BadHeuristic(f"priority must return a list of numbers, got {type(scores).__name__}")
    if len(scores) != len(fitting):
        raise BadHeuristic(f"priority must return one number per bin: it returned {len(scores)} for {len(fitting)} bins")
    if any(math.isnan(score) for score in scores):
        raise BadHeuristic("priority returned NaN")
    best = max(range(len(fitting)), key=lambda k: scores[k])
    return fitting[best]


def pack(priority, items):
    remaining = []
    for item in items:
        index = choose(priority, item, remaining)
        if index is None:
            remaining.append(CAPACITY - item)
        else:
            remaining[index] -= item
    return len(remaining)


def evaluate(path):
    started = time.process_time()
    ratios, excess = [], []
    try:
        # The candidate's own prints go to stderr so that the report stays the last line of stdout.
        with contextlib.redirect_stdout(sys.stderr):
            priority = load_priority(path)
            for items in instances():
                bins = pack(priority, items)
                bound = math.ceil(sum(items) / CAPACITY)
                ratios.append(bound / bins * 100)
                excess.append(bins - bound)
    except BadHeuristic as error:
        return {"error": str(error)}
    except Exception as error:
        return {"error": f"the program raised {type(error).__name__}: {error}"}
    seconds = time.process_time() - started
    return {
        "score": round(sum(ratios) / len(ratios), 6),
        "metrics": {"mean_excess_bins": sum(excess) / len(excess), "worst_excess_bins": max(excess), "cpu_seconds": round(seconds, 3)},
        "features": {},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
