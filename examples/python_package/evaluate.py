"""Scores a candidate `solver` package on fixed knapsack instances.

Run as `python3 evaluate.py PROGRAM_DIR`: PROGRAM_DIR holds the candidate's `solver/` package;
the result is printed as one JSON line.
The score is the mean, over the instances, of the chosen items' value over the best possible
value (found here by dynamic programming); an over-full or malformed answer scores the
instance 0 and is reported.
"""
import json
import os
import random
import sys


def instances():
    generator = random.Random(7)
    for number in range(12):
        count = generator.randint(12, 24)
        weights = [generator.randint(3, 40) for _ in range(count)]
        values = [generator.randint(5, 60) for _ in range(count)]
        yield number, weights, values, sum(weights) // 3


def best_value(weights, values, capacity):
    table = [0] * (capacity + 1)
    for weight, value in zip(weights, values):
        for room in range(capacity, weight - 1, -1):
            table[room] = max(table[room], table[room - weight] + value)
    return table[capacity]


def main():
    sys.path.insert(0, os.path.abspath(sys.argv[1]))
    from solver import solve
    from solver.items import Item

    ratios, problems = [], []
    for number, weights, values, capacity in instances():
        items = [Item(f"i{k}", w, v) for k, (w, v) in enumerate(zip(weights, values))]
        by_name = {item.name: item for item in items}
        chosen = solve(list(items), capacity)
        names = list(chosen) if isinstance(chosen, (list, tuple)) else None
        if names is None or len(set(names)) != len(names) or not all(n in by_name for n in names):
            problems.append(f"instance {number}: the answer is not a list of distinct item names")
            ratios.append(0.0)
            continue
        load = sum(by_name[n].weight for n in names)
        if load > capacity:
            problems.append(f"instance {number}: weight {load} is over the capacity {capacity}")
            ratios.append(0.0)
            continue
        ratios.append(sum(by_name[n].value for n in names) / best_value(weights, values, capacity))
    result = {"score": round(sum(ratios) / len(ratios), 6), "metrics": {"instances": len(ratios), "failed": len(problems)}}
    if problems:
        result["artifacts"] = {"problems": "; ".join(problems[:5])}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
