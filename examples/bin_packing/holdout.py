"""The held-out score of an online bin-packing heuristic (evaluator.final): python3 holdout.py PATH

The same packing and score as evaluate.py, on five other instances of the same shape (seed
20261203) that the search never sees. A heuristic tuned to evaluate.py's own items scores lower
here; one that packs well in general scores about the same.
"""

import json
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the problem directory
import evaluate  # noqa: E402  (after the line above, on purpose)

evaluate.SEED = 20261203

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 holdout.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate.evaluate(sys.argv[1])))
