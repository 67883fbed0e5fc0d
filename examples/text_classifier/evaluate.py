"""Scores a text classifier: python3 evaluate.py PATH_TO_CANDIDATE

The candidate's solve() returns an unfitted scikit-learn estimator. This evaluator fits it on the
training split of corpus.py (standard-library docstrings labelled by package) and predicts the
held-out split. score = 0.8 * accuracy + 0.2 * speed, where speed = 1 / (1 + seconds) and seconds
is the CPU time fit and predict took together (CPU time, not wall-clock time,
so that other work on the machine moves the score less).

Prints one JSON object as the last line of standard output.
"""

import contextlib
import importlib.util
import json
import sys
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in the problem directory
import corpus  # noqa: E402


def load(path):
    spec = importlib.util.spec_from_file_location("candidate", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.solve


def evaluate(path):
    train_x, train_y, test_x, test_y = corpus.load()
    with contextlib.redirect_stdout(sys.stderr):  # the candidate's prints must not reach the report
        try:
            model = load(path)()
        except Exception as error:
            return {"error": f"solve() failed: {type(error).__name__}: {error}"}
        if not (hasattr(model, "fit") and hasattr(model, "predict")):
            return {"error": f"solve() must return an estimator with fit and predict, not {type(model).__name__}"}
        started = time.process_time()
        try:
            model.fit(train_x, train_y)
            predicted = list(model.predict(test_x))
        except Exception as error:
            return {"error": f"fitting or predicting failed: {type(error).__name__}: {error}"}
        seconds = time.process_time() - started
    if len(predicted) != len(test_y):
        return {"error": f"predict returned {len(predicted)} labels for {len(test_y)} docstrings"}
    accuracy = sum(str(p) == t for p, t in zip(predicted, test_y)) / len(test_y)
    speed = 1 / (1 + seconds)
    return {
        "score": 0.8 * accuracy + 0.2 * speed,
        "metrics": {"accuracy": accuracy, "speed": speed, "seconds": seconds, "train": len(train_y), "test": len(test_y)},
        "features": {"seconds": seconds},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
