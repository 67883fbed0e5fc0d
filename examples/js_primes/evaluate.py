"""Scores a JavaScript prime counter: python3 evaluate.py PATH_TO_CANDIDATE

Runs harness.js with node (the first on PATH: Debian's /usr/bin/node inside the gVisor sandbox).
The harness checks countPrimes on small cases, then times it and trial division on the same fresh
sizes (about 300,000), three rounds, taking turns to go first, and checks every count.
score = best reference time / best candidate time (1.0 is as fast as trial division). A sieve is
tens of times faster, far beyond the noise of the best of three.

Prints one JSON object as the last line of standard output.
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def evaluate(path):
    node = shutil.which("node")
    if node is None:
        return {"error": "node is not on PATH inside the sandbox; install Debian's nodejs (apt-get install nodejs)"}
    ran = subprocess.run([node, os.path.join(HERE, "harness.js"), os.path.abspath(path)], capture_output=True, text=True)
    lines = ran.stdout.strip().splitlines()
    if ran.returncode != 0 or not lines:
        sys.stderr.write(ran.stderr[-4000:])
        last = (ran.stderr.strip().splitlines() or [""])[-1]
        return {"error": f"node exited with status {ran.returncode}: {last}"}
    try:
        report = json.loads(lines[-1])
    except ValueError:
        return {"error": f"the harness's last line is not JSON: {lines[-1][:200]}"}
    if "error" in report:
        return report
    candidate, reference = report["candidate_seconds"], report["reference_seconds"]
    return {
        "score": reference / max(candidate, 1e-9),
        "metrics": {"seconds": candidate, "reference_seconds": reference, "node": node},
        "features": {},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
