"""Runs a function an agent wrote on test cases: python3 -I check.py < JOB

JOB is a JSON object {"code", "function", "cases": [{"args", "expected"}, ...]}. The code is run to
define the function, the function is called on each case's args, and one JSON line is printed:
{"passed": N, "cases": M}, with "error" when the code does not define the function. A result
counts when its JSON text is the expected value's (a tuple passes for a list; True does not pass
for 1, nor 1.0 for 1). The code's own output goes to standard error.

evaluate.py runs this in a fresh process under a time limit, so that code that loops, exits or
breaks the interpreter ends only its own check.
"""

import json
import sys


def same(got, expected):
    try:
        return json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    except (TypeError, ValueError):  # a value JSON cannot hold is never the expected one
        return False


def main():
    job = json.load(sys.stdin)
    report, out = {"passed": 0, "cases": len(job["cases"])}, sys.stdout
    sys.stdout = sys.stderr
    namespace = {"__name__": "solution"}
    try:
        exec(compile(job["code"], "<solution>", "exec"), namespace)
        function = namespace[job["function"]]
    except BaseException as error:  # SystemExit too: the code ran `exit()`
        report["error"] = f"the code does not define {job['function']}: {type(error).__name__}: {error}"[:300]
        function = None
    for case in job["cases"] if function else []:
        try:
            report["passed"] += same(function(*case["args"]), case["expected"])
        except BaseException:  # a crash fails this case only
            pass
    out.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
