"""Scores a C++ inversion counter: python3 evaluate.py PATH_TO_CANDIDATE

Compiles the candidate and harness.cpp with g++ -O2 (loops aligned to 64 bytes, so that
where a loop happens to land cannot make identical code twice as slow) (the first g++ on PATH: Debian's /usr/bin/g++
inside the gVisor sandbox), in the writable /tmp/eval, and runs it. The harness checks the candidate on
edge cases, then times it and the plain double loop on the same fresh inputs of 12,000 values,
three rounds, checking every count. score = best reference time / best candidate time (1.0 is as
fast as the double loop). The best of three rounds, each interleaved with the reference, keeps the
score steady under load; an O(n log n) count is about a hundred times faster, far beyond the noise.

Prints one JSON object as the last line of standard output.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def evaluate(path):
    compiler = shutil.which("g++")
    if compiler is None:
        return {"error": "g++ is not on PATH inside the sandbox; install Debian's g++ (apt-get install g++)"}
    build = tempfile.mkdtemp(prefix="cpp-inversions-")
    shutil.copy(os.path.join(HERE, "harness.cpp"), os.path.join(build, "harness.cpp"))
    shutil.copy(path, os.path.join(build, "candidate.cpp"))
    binary = os.path.join(build, "inversions")
    compiled = subprocess.run([compiler, "-std=c++17", "-O2", "-falign-functions=64", "-falign-loops=64", "-o", binary, "harness.cpp", "candidate.cpp"], cwd=build, capture_output=True, text=True)
    if compiled.returncode != 0:
        sys.stderr.write(compiled.stderr[-4000:])
        errors = [line for line in compiled.stderr.splitlines() if "error" in line]
        return {"error": "the program does not compile: " + "; ".join(errors[:3] or compiled.stderr.splitlines()[-1:])}
    ran = subprocess.run([binary], capture_output=True, text=True)
    lines = ran.stdout.strip().splitlines()
    if ran.returncode != 0 or not lines:
        sys.stderr.write(ran.stderr[-4000:])
        return {"error": f"the program crashed (exit status {ran.returncode})"}
    try:
        report = json.loads(lines[-1])
    except ValueError:
        return {"error": f"the harness's last line is not JSON: {lines[-1][:200]}"}
    if "error" in report:
        return report
    candidate, reference = report["candidate_seconds"], report["reference_seconds"]
    return {
        "score": reference / max(candidate, 1e-9),
        "metrics": {"seconds": candidate, "reference_seconds": reference, "compiler": compiler},
        "features": {},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
