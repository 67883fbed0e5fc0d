"""Scores a Rust sort: python3 evaluate.py PATH_TO_CANDIDATE

Compiles the candidate with harness.rs using rustc (the first on PATH: Debian's /usr/bin/rustc
inside the gVisor sandbox), in the writable /tmp/eval, runs it, and scores the comparisons it
made against those of Rust's own slice::sort_by on the same inputs, counted the same way:
score = reference comparisons / candidate comparisons (1.0 matches the standard library).
Counting comparisons rather than timing makes the score exact and the same on every run.

Prints one JSON object as the last line of standard output.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(reason):
    return {"error": reason}


def evaluate(path):
    rustc = shutil.which("rustc")
    if rustc is None:
        return fail("rustc is not on PATH inside the sandbox; install Debian's rustc (apt-get install rustc)")
    build = tempfile.mkdtemp(prefix="rust-sort-")
    shutil.copy(os.path.join(HERE, "harness.rs"), os.path.join(build, "main.rs"))
    shutil.copy(path, os.path.join(build, "candidate.rs"))
    binary = os.path.join(build, "sort")
    compiled = subprocess.run([rustc, "--edition", "2021", "-O", "-C", "debuginfo=0", "-C", "strip=symbols", "-o", binary, "main.rs"],
                              cwd=build, capture_output=True, text=True)
    if compiled.returncode != 0:
        errors = [line for line in compiled.stderr.splitlines() if line.startswith("error")]
        sys.stderr.write(compiled.stderr[-4000:])
        return fail("the program does not compile: " + "; ".join(errors[:3] or compiled.stderr.splitlines()[-1:]))
    ran = subprocess.run([binary], capture_output=True, text=True)
    lines = ran.stdout.strip().splitlines()
    if ran.returncode != 0 or not lines:
        sys.stderr.write(ran.stderr[-4000:])
        return fail(f"the sort crashed (exit status {ran.returncode}): {(ran.stderr.strip().splitlines() or [''])[-1]}")
    try:
        report = json.loads(lines[-1])
    except ValueError:
        return fail(f"the harness's last line is not JSON: {lines[-1][:200]}")
    if "error" in report:
        return report
    comparisons, reference = report["comparisons"], report["reference"]
    return {
        "score": reference / max(comparisons, 1),
        "metrics": {"comparisons": comparisons, "reference_comparisons": reference, "seconds": report["seconds"], "rustc": rustc},
        "features": {},
    }


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 evaluate.py PATH_TO_CANDIDATE")
    print(json.dumps(evaluate(sys.argv[1])))
