"""Scores guess(): python3 evaluate.py PATH_TO_CANDIDATE

Prints {"score": -squared_distance, ...} as the last line, or {"error": reason}.
"""

import importlib.util
import json
import math
import sys

HIDDEN = [1.0, 2.0, 3.0]


def evaluate(path):
    sys.dont_write_bytecode = True
    try:
        spec = importlib.util.spec_from_file_location("candidate", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        values = module.guess()
    except Exception as error:  # the candidate's failure is a result, not a crash of the evaluator
        return {"error": f"the program raised {type(error).__name__}: {error}"}
    if not isinstance(values, (list, tuple)) or len(values) != 3:
        return {"error": "guess must return a list of three numbers"}
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        return {"error": "guess must return numbers"}
    if not all(math.isfinite(v) for v in numbers):
        return {"error": "the numbers must be finite"}
    distance = sum((v - h) ** 2 for v, h in zip(numbers, HIDDEN))
    return {"score": -distance, "metrics": {"values": numbers}, "features": {}}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
