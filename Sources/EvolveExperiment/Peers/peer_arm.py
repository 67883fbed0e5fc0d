#!/usr/bin/env python3
"""Evolve's driver for one peer arm: OpenEvolve 0.4.0 or ShinkaEvolve 0.0.7 run offline against a
local OpenAI-compatible server, with a budget of model calls enforced by a counting proxy.

    python3 peer_arm.py ensure --peer openevolve|shinkaevolve --cache DIR
        Makes (once) the venv DIR/<peer>-<version> with the pinned package and prints
        {"python": ".../bin/python", "version": "..."}. Exits 3 when the install fails.

    python3 peer_arm.py run --peer P --venv-python PATH --problem DIR --work WORKDIR \\
        --upstream http://127.0.0.1:8080/v1 --model NAME --budget B --seed S \\
        [--temperature 0.7] [--top-p X] [--max-tokens 4096] [--llm-timeout 300] [--deadline 21600] \\
        [--eval-path PATH] [--eval-env NAME=VALUE ...] [--fail-score X]
        Lays out WORKDIR/scratch, starts the counting proxy (calls in WORKDIR/calls.jsonl), runs
        the peer (output in WORKDIR/peer.log, the driver's own notes in WORKDIR/arm.log), and
        writes WORKDIR/result.json. Exits 0 when result.json was written (its "error" says whether
        the peer failed), 130 when interrupted (SIGINT, SIGTERM, or the driver's parent exited:
        the peer's processes are killed and no result.json is written), 2 when the driver itself
        cannot work.

One file, Python 3.11 standard library only (it is embedded in Evolve's binary).
"""

import argparse
import fcntl
import glob
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PEERS = {
    "openevolve": {"package": "openevolve", "version": "0.4.0"},
    "shinkaevolve": {"package": "shinka-evolve", "version": "0.0.7"},
}
LANGUAGES = {".py": "python", ".rs": "rust", ".cpp": "cpp", ".cc": "cpp", ".js": "javascript",
             ".go": "go", ".jl": "julia", ".swift": "swift", ".cu": "cuda", ".f90": "fortran"}
TOKEN_VAR = "EVOLVE_PEER_ARM_TOKEN"       # marks every process of one run, for the final sweep
EVAL_PATH = "/usr/local/bin:/usr/bin:/bin"  # the PATH Evolve's process sandbox gives evaluators
DEFAULT_EVAL_TIMEOUT = 10.0                 # Evolve's sandbox.timeout default
EXIT_USAGE, EXIT_INSTALL, EXIT_INTERRUPTED = 2, 3, 130


class DriverError(Exception):
    """The driver itself cannot work (exit 2, message on stderr)."""


class Interrupted(Exception):
    """SIGINT/SIGTERM to the driver, or its parent went away."""


def log_line(path, text):
    """Appends one timestamped line to the run's arm.log (best effort)."""
    try:
        with open(path, "a") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}\n")
    except OSError:
        pass


def tail_lines(path, count=3, limit=600):
    """The last `count` non-blank lines of a file, ANSI codes removed, joined on one line."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return ""
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    joined = " | ".join(lines[-count:])
    return joined if len(joined) <= limit else "..." + joined[-limit:]


def error_lines(path):
    """pip's last ERROR lines (else the log's last lines), on one line."""
    text = tail_lines(path, count=40, limit=100000)
    errors = [part for part in text.split(" | ") if part.startswith("ERROR")]
    return " | ".join(errors[-2:]) if errors else tail_lines(path)


def write_json_atomic(path, obj):
    """Writes JSON to path through a temporary file and a rename."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ================================================================ ensure: the peer's venv

def venv_name(peer):
    return f"{peer}-{PEERS[peer]['version']}"


def fix_moved_venv(partial, final):
    """Rewrites the build path in the venv's bin/ scripts and pyvenv.cfg to the final path."""
    old, new = partial.encode(), final.encode()
    paths = [os.path.join(partial, "pyvenv.cfg")] + glob.glob(os.path.join(partial, "bin", "*"))
    for path in paths:
        if os.path.islink(path) or not os.path.isfile(path) or os.path.getsize(path) > 1 << 20:
            continue
        with open(path, "rb") as f:
            data = f.read()
        if b"\0" in data or old not in data:
            continue
        with open(path, "wb") as f:
            f.write(data.replace(old, new))


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt()


def cmd_ensure(args):
    """Makes DIR/<peer>-<version> once (built in .partial, renamed when pip succeeded)."""
    info = PEERS[args.peer]
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)  # subprocess.call then kills pip
    cache = os.path.abspath(os.path.expanduser(args.cache))
    os.makedirs(cache, exist_ok=True)
    final = os.path.join(cache, venv_name(args.peer))
    partial, log = final + ".partial", final + ".log"
    python = os.path.join(final, "bin", "python")
    with open(final + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one install at a time; a waiter then finds it made
        if not os.path.exists(python):
            shutil.rmtree(partial, ignore_errors=True)
            spec = f"{info['package']}=={info['version']}"
            with open(log, "w") as out:
                out.write(f"# {spec} into {final} (built in {partial})\n")
                out.flush()
                steps = [
                    ("python3 -m venv", [sys.executable, "-m", "venv", "--prompt", venv_name(args.peer), partial]),
                    (f"pip install {spec}", [os.path.join(partial, "bin", "python"), "-m", "pip", "install",
                                             "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
                                             spec]),
                    ("version check", [os.path.join(partial, "bin", "python"), "-c",
                                       "import importlib.metadata as m, sys; v = m.version(sys.argv[1]); "
                                       "print(v); sys.exit(0 if v == sys.argv[2] else 1)",
                                       info["package"], info["version"]]),
                ]
                for label, argv in steps:
                    out.write(f"$ {' '.join(argv)}\n")
                    out.flush()
                    try:
                        status = subprocess.call(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                    except OSError as e:
                        out.write(f"{e}\n")
                        status = -1
                    if status != 0:
                        out.close()
                        shutil.rmtree(partial, ignore_errors=True)
                        print(f"peer_arm ensure: {label} failed (status {status}); log {log}: {error_lines(log)}",
                              file=sys.stderr)
                        return EXIT_INSTALL
            fix_moved_venv(partial, final)
            os.rename(partial, final)
    print(json.dumps({"python": python, "version": info["version"]}), flush=True)
    return 0


# ================================================================ evolve.yaml

def _scalar(text):
    """One YAML scalar or flow collection."""
    text = text.strip()
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text[0] in "\"'":
        body = text[1:text.rfind(text[0])]
        return json.loads('"' + body + '"') if text[0] == '"' else body.replace("''", "'")
    if text[0] == "[":
        return [_scalar(x) for x in _split_flow(text[1:text.rindex("]")])]
    if text[0] == "{":
        out = {}
        for item in _split_flow(text[1:text.rindex("}")]):
            k, _, v = item.partition(":")
            out[_scalar(k)] = _scalar(v)
        return out
    if text in ("true", "True", "TRUE", "yes"):
        return True
    if text in ("false", "False", "FALSE", "no"):
        return False
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text


def _split_flow(body):
    """The comma-separated items of a flow collection's body."""
    items, depth, cur, quote = [], 0, "", None
    for ch in body:
        if quote:
            cur += ch
            quote = None if ch == quote else quote
            continue
        if ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(cur)
            cur = ""
            continue
        cur += ch
    if cur.strip():
        items.append(cur)
    return [i.strip() for i in items]


def _strip_comment(line):
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def mini_yaml(text):
    """The YAML subset evolve.yaml files use: block maps and lists, flow collections, quoted and
    plain scalars, folded and literal block scalars."""
    lines = text.splitlines()

    def indent_of(s):
        return len(s) - len(s.lstrip(" "))

    def next_content(i):
        while i < len(lines) and not _strip_comment(lines[i]).strip():
            i += 1
        return i

    def block_scalar(i, style, parent_indent):
        body, ind = [], None
        while i < len(lines):
            raw = lines[i]
            if raw.strip() == "":
                body.append("")
                i += 1
                continue
            if indent_of(raw) <= parent_indent:
                break
            ind = indent_of(raw) if ind is None else ind
            body.append(raw[ind:])
            i += 1
        while body and body[-1] == "":
            body.pop()
        if style.startswith(">"):
            out, para = [], []
            for b in body:
                if b == "":
                    out.append(" ".join(para))
                    para = []
                else:
                    para.append(b)
            out.append(" ".join(para))
            value = "\n".join(out)
        else:
            value = "\n".join(body)
        return value + ("" if style.endswith("-") else "\n"), i

    def parse_node(i):
        i = next_content(i)
        if i >= len(lines):
            return None, i
        first = _strip_comment(lines[i])
        if first.strip().startswith("- "):
            return parse_list(i, indent_of(first))
        return parse_map(i, indent_of(first))

    def parse_value(rest, i, ind):
        rest = rest.strip()
        if rest.startswith(("|", ">")):
            return block_scalar(i + 1, rest, ind)
        if rest == "":
            j = next_content(i + 1)
            if j < len(lines) and (indent_of(lines[j]) > ind or (
                    indent_of(lines[j]) == ind and lines[j].strip().startswith("- "))):
                return parse_node(j)
            return None, i + 1
        return _scalar(rest), i + 1

    def parse_map(i, ind):
        out = {}
        while True:
            i = next_content(i)
            if i >= len(lines):
                return out, i
            line = _strip_comment(lines[i])
            if indent_of(line) != ind or line.strip().startswith("- "):
                return out, i
            key, sep, rest = line.strip().partition(":")
            if not sep:
                raise ValueError(f"cannot read line {i + 1}: {lines[i]!r}")
            out[_scalar(key)], i = parse_value(rest, i, ind)

    def parse_list(i, ind):
        out = []
        while True:
            i = next_content(i)
            if i >= len(lines):
                return out, i
            line = _strip_comment(lines[i])
            if indent_of(line) != ind or not line.strip().startswith("- "):
                return out, i
            item = line.strip()[2:]
            if re.match(r"^[A-Za-z_][\w-]*\s*:(\s|$)", item):
                lines[i] = " " * (ind + 2) + item  # a map inside a list item
                value, i = parse_map(i, ind + 2)
            else:
                value, i = _scalar(item), i + 1
            out.append(value)

    value, _ = parse_node(0)
    return value or {}


def read_problem_yaml(problem_dir, venv_python):
    """evolve.yaml as a dict: PyYAML in the peer's venv when it runs, else mini_yaml."""
    path = os.path.join(problem_dir, "evolve.yaml")
    if not os.path.isfile(path):
        raise DriverError(f"no evolve.yaml in {problem_dir}")
    helper = ("import json, sys, yaml\n"
              "print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8')) or {}, default=str))")
    try:
        out = subprocess.run([venv_python, "-c", helper, path], capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL, env={"PATH": EVAL_PATH, "LANG": "C.UTF-8"})
        if out.returncode == 0:
            data = json.loads(out.stdout)
            if isinstance(data, dict):
                return data
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    try:
        with open(path, encoding="utf-8") as f:
            data = mini_yaml(f.read())
    except (OSError, ValueError) as e:
        raise DriverError(f"cannot read {path}: {e}")
    if not isinstance(data, dict):
        raise DriverError(f"{path} is not a map")
    return data


def problem_settings(spec, problem_copy, args):
    """What the evaluator wrapper needs, from evolve.yaml (Evolve's defaults where absent)."""
    evaluator = spec.get("evaluator") or {}
    if evaluator.get("openevolve"):
        raise DriverError("evaluator.openevolve problems are not supported by peer arms")
    sandbox = spec.get("sandbox") or {}
    goal = spec.get("goal") or {}
    timeout = float(sandbox.get("timeout") or DEFAULT_EVAL_TIMEOUT)
    direction = goal.get("direction") or "maximize"
    if direction not in ("maximize", "minimize"):
        raise DriverError(f"goal.direction must be maximize or minimize, not {direction!r}")
    stages = []
    for i, stage in enumerate(evaluator.get("stages") or []):
        if not isinstance(stage, dict) or not stage.get("command"):
            raise DriverError(f"evaluator.stages[{i}] has no command")
        stages.append({"name": str(stage.get("name") or f"stage{i + 1}"), "command": stage["command"],
                       "threshold": stage.get("threshold"), "timeout": float(stage.get("timeout") or timeout)})
    env = {}
    for item in args.eval_env or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise DriverError(f"--eval-env takes NAME=VALUE, not {item!r}")
        env[name] = value
    fail_score = args.fail_score
    if fail_score is None:
        fail_score = 0.0 if direction == "maximize" else -1e18  # the peers maximize -score then
    return {
        "problem_dir": problem_copy, "command": evaluator.get("command") or "python3 evaluate.py {program}",
        "stages": stages, "timeout": timeout, "direction": direction, "fail_score": fail_score,
        "path": args.eval_path, "env": env,
        # the most one candidate's evaluation may take: every stage, then the command
        "total_timeout": timeout + sum(s["timeout"] for s in stages),
    }


# ================================================================ the evaluator wrapper (runs in the peer)

WRAPPER_CORE = r'''
# Written by Evolve's peer_arm.py. Evaluates one candidate the way Evolve does (the stages, then the
# command; {program}, {eval_dir} and {problem} substituted; a fresh eval dir as HOME and TMPDIR; a
# small environment; a wall clock that kills the process group; result.json wins over the last line
# of standard output) and hands the report to the peer in its own form. Standard library only.
import json, math, os, shutil, signal, subprocess, sys, tempfile

# Kills the evaluator's process group once its stdin closes: when the evaluation ends, or when the
# process that started it dies in any way (a peer that SIGKILLs its evaluation job would otherwise
# leave the candidate running, unsandboxed, beside the rest of the measurement).
_REAPER = ("import os, signal, sys\nsys.stdin.buffer.read()\n"
           "try:\n    os.killpg(int(sys.argv[1]), signal.SIGKILL)\nexcept OSError:\n    pass\n")

with open(__SETTINGS_PATH__) as _f:
    SETTINGS = json.load(_f)
_SHELL_SPECIAL = set(";&|<>()`$\n*?")


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def _argv(command, values):
    """A command string runs under /bin/sh -c (exec'd when simple); a list is the argv itself."""
    if isinstance(command, list):
        words = []
        for word in command:
            for key, value in values.items():
                word = word.replace("{" + key + "}", value)
            words.append(word)
        return words, False
    text = command
    for key, value in values.items():
        text = text.replace("{" + key + "}", _quote(value))
    return ["/bin/sh", "-c", text if any(c in _SHELL_SPECIAL for c in text) else "exec " + text], True


def _environment(eval_dir):
    env = {"PATH": SETTINGS["path"], "HOME": eval_dir, "TMPDIR": eval_dir, "LANG": "C.UTF-8",
           "EVOLVE_EVAL_DIR": eval_dir, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    env.update(SETTINGS.get("env") or {})
    if os.environ.get("__TOKEN_VAR__"):
        env["__TOKEN_VAR__"] = os.environ["__TOKEN_VAR__"]  # lets the driver find strays
    return env


def _last_line(text):
    lines = [l for l in (text or "").splitlines() if l.strip()]
    return lines[-1][:300] if lines else None


def _failure(status, reason, err=""):
    return {"ok": False, "status": status, "reason": reason, "stderr": (err or "")[-2000:]}


def _run(command, program_path, timeout):
    """Runs one command on the candidate: {ok, score, metrics, artifacts} or {ok: False, status, reason}."""
    eval_dir = tempfile.mkdtemp(prefix="evolve-peer-eval-")
    try:
        argv, shell = _argv(command, {"program": program_path, "eval_dir": eval_dir,
                                      "problem": SETTINGS["problem_dir"]})
        try:
            proc = subprocess.Popen(argv, cwd=SETTINGS["problem_dir"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                                    env=_environment(eval_dir), start_new_session=True)
        except OSError as e:
            return _failure("crashed", f"cannot start the evaluator: {e}")
        reaper = subprocess.Popen([sys.executable or "python3", "-c", _REAPER, str(proc.pid)], stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            return _finish(proc, eval_dir, shell, timeout)
        finally:
            reaper.stdin.close()
            reaper.wait()
    finally:
        shutil.rmtree(eval_dir, ignore_errors=True)


def _finish(proc, eval_dir, shell, timeout):
    """Waits for the evaluator under the wall clock and reads its report."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        out, err = proc.communicate()
        return _failure("timeout", f"the evaluation ran past the {timeout:g} s wall clock and was killed", err)
    code = proc.returncode
    if shell and 128 < code < 128 + 65:
        code = -(code - 128)  # the shell reports its child's death by signal n as 128 + n
    line = _last_line(err)
    if code < 0:
        return _failure("crashed", f"killed by signal {-code}" + (f"; last error line: {line}" if line else ""), err)
    report, origin = None, None
    result_file = os.path.join(eval_dir, "result.json")
    text = ""
    if os.path.isfile(result_file):
        with open(result_file, errors="replace") as f:
            text = f.read(1 << 20)
    if text.strip():
        origin = "result.json"
    else:
        text, origin = _last_line(out) or "", "the last line of standard output"
    try:
        report = json.loads(text) if text.strip() else None
    except ValueError:
        report = None
    if code != 0:
        reason = f"the evaluator exited with status {code}"
        if isinstance(report, dict) and isinstance(report.get("error"), str):
            reason += f"; the evaluator reported an error: {report['error'][:500]}"
        elif line:
            reason += f"; last error line: {line}"
        return _failure("crashed", reason, err)
    if not text.strip():
        return _failure("invalid_result", "the evaluator printed nothing; it must print a JSON object", err)
    if not isinstance(report, dict):
        return _failure("invalid_result", f"{origin} is not a JSON object: {text[:120]!r}", err)
    if isinstance(report.get("error"), str):
        return _failure("invalid_result", f"the evaluator reported an error: {report['error'][:500]}", err)
    score = report.get("score")
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return _failure("invalid_result", f"the score is missing or not a finite number: {score!r}", err)
    metrics = report.get("metrics") if isinstance(report.get("metrics"), dict) else {}
    artifacts = report.get("artifacts") if isinstance(report.get("artifacts"), dict) else {}
    return {"ok": True, "status": "success", "score": float(score), "metrics": metrics, "artifacts": artifacts}


def _better_or_equal(score, threshold):
    if SETTINGS["direction"] == "maximize":
        return score >= threshold
    return score <= threshold


def evolve_evaluate(program_path):
    """Evolve's evaluation: each stage must reach its threshold; the command's score is the score."""
    program_path = os.path.abspath(program_path)
    for stage in SETTINGS.get("stages") or []:
        r = _run(stage["command"], program_path, stage["timeout"])
        if not r["ok"]:
            return r
        t = stage.get("threshold")
        if t is not None and not _better_or_equal(r["score"], t):
            return _failure("below_threshold", f"stage `{stage['name']}` scored {r['score']}, short of its "
                                               f"threshold {t}; later stages did not run")
    return _run(SETTINGS["command"], program_path, SETTINGS["timeout"])


def signed(score):
    """Both peers maximize combined_score."""
    return score if SETTINGS["direction"] == "maximize" else -score


def numeric_metrics(metrics, reserved):
    out = {}
    for key, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            out[("evolve_" + key) if key in reserved else key] = float(value)
    return out
'''

OPENEVOLVE_WRAPPER_TAIL = r'''

def evaluate(program_path):
    """OpenEvolve's entry point: metrics with combined_score (and artifacts when there are any)."""
    r = evolve_evaluate(program_path)
    if r["ok"]:
        metrics = {"combined_score": signed(r["score"]), "evolve_score": r["score"]}
        metrics.update(numeric_metrics(r["metrics"], {"combined_score", "error", "evolve_score", "timeout"}))
        artifacts = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in r["artifacts"].items()}
    else:
        metrics = {"combined_score": SETTINGS["fail_score"], "error": r["reason"]}
        artifacts = {"failure": f"{r['status']}: {r['reason']}"}
        if r.get("stderr"):
            artifacts["stderr"] = r["stderr"]
    if not artifacts:
        return metrics
    try:
        from openevolve.evaluation_result import EvaluationResult
    except ImportError:
        return metrics
    return EvaluationResult(metrics=metrics, artifacts=artifacts)
'''

SHINKA_WRAPPER_TAIL = r'''

def main(program_path, results_dir):
    """ShinkaEvolve's contract: results_dir/metrics.json and results_dir/correct.json."""
    os.makedirs(results_dir, exist_ok=True)
    r = evolve_evaluate(program_path)
    if r["ok"]:
        metrics = {"combined_score": signed(r["score"]),
                   "public": dict(numeric_metrics(r["metrics"], set()), evolve_score=r["score"]),
                   "private": {}}
        correct = {"correct": True, "error": None}
    else:
        reason = f"{r['status']}: {r['reason']}"
        metrics = {"combined_score": SETTINGS["fail_score"], "public": {}, "private": {}, "text_feedback": reason}
        correct = {"correct": False, "error": reason}
    with open(os.path.join(results_dir, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=2)
    with open(os.path.join(results_dir, "correct.json"), "w") as f:
        json.dump(correct, f, indent=2)


if __name__ == "__main__":
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--program_path", required=True)
    parser.add_argument("--results_dir", required=True)
    known, _ = parser.parse_known_args()
    main(known.program_path, known.results_dir)
'''

SHINKA_LAUNCHER = r'''# Written by Evolve's peer_arm.py: seeds Python's and numpy's global generators (ShinkaEvolve
# seeds neither), then runs the shinka_run CLI's main with the remaining arguments.
import random, sys
seed = int(sys.argv[1])
random.seed(seed)
try:
    import numpy
    numpy.random.seed(seed)
except ImportError:
    pass
from shinka.cli.run import main
sys.exit(main(sys.argv[2:]))
'''

OPENEVOLVE_LAUNCHER = ("import sys\n"
                       "from openevolve.cli import main\n"
                       "sys.argv[0] = 'openevolve-run'\n"
                       "sys.exit(main())\n")


def peer_seed(seed):
    """The seed given to the peer: numpy's generators take 0 to 2**32 - 1 (Evolve's seeds are UInt64)."""
    return seed % (1 << 32)


def hms(seconds):
    seconds = int(math.ceil(seconds))
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def write_scratch(args, spec, problem_dir, scratch, proxy_base):
    """Lays out the peer's scratch copy; returns (argv, cwd, output_dir, settings)."""
    os.makedirs(scratch)
    problem_copy = os.path.join(scratch, "problem")
    shutil.copytree(problem_dir, problem_copy, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", ".evolve", "runs", ".git"))
    settings = problem_settings(spec, problem_copy, args)
    settings_path = os.path.join(scratch, "evolve_problem.json")
    with open(settings_path, "w") as f:
        json.dump(settings, f, indent=2)
    core = WRAPPER_CORE.replace("__SETTINGS_PATH__", repr(settings_path)).replace("__TOKEN_VAR__", TOKEN_VAR)

    program_name = spec.get("program") or "initial_program.py"
    ext = os.path.splitext(program_name)[1] or ".py"
    language = LANGUAGES.get(ext, ext.lstrip("."))
    try:
        with open(os.path.join(problem_dir, program_name), encoding="utf-8") as f:
            initial = f.read()
    except OSError as e:
        raise DriverError(f"cannot read the starting program: {e}")
    description = str(spec.get("description") or "").strip()
    allowed = int(math.ceil(settings["total_timeout"] + 30))  # the peers' own limit per evaluation

    if args.peer == "openevolve":
        program = os.path.join(scratch, "initial_program" + ext)
        with open(program, "w", encoding="utf-8") as f:
            f.write(initial)
        wrapper = os.path.join(scratch, "evaluator.py")
        with open(wrapper, "w") as f:
            f.write(core + OPENEVOLVE_WRAPPER_TAIL)
        output = os.path.join(scratch, "output")
        llm = {"api_base": proxy_base, "api_key": "dummy", "primary_model": args.model, "primary_model_weight": 1.0,
               "temperature": args.temperature, "max_tokens": args.max_tokens,
               # OpenEvolve's config loader (dacite) wants whole seconds here: 300.0 is refused.
               "timeout": int(math.ceil(args.llm_timeout)), "retries": 3}
        if args.top_p is not None:
            llm["top_p"] = args.top_p
        config = {
            "max_iterations": args.budget,
            "checkpoint_interval": args.budget,  # else no checkpoint is written for small budgets
            "random_seed": peer_seed(args.seed),  # OpenEvolve's default seeding, with this seed
            "language": language,
            "file_suffix": ext,
            "diff_based_evolution": True,
            "llm": llm,
            "prompt": {"system_message": description},
            "database": {"db_path": os.path.join(output, "db")},  # each program written when added
            "evaluator": {"timeout": allowed, "parallel_evaluations": 1},
        }
        config_path = os.path.join(scratch, "config.yaml")
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)  # JSON is YAML
        argv = [args.venv_python, "-c", OPENEVOLVE_LAUNCHER, program, wrapper, "--config", config_path,
                "--output", output, "--iterations", str(args.budget)]
    else:
        task = os.path.join(scratch, "task")
        os.makedirs(task)
        with open(os.path.join(task, "initial" + ext), "w", encoding="utf-8") as f:
            f.write(initial)
        with open(os.path.join(task, "evaluate.py"), "w") as f:
            f.write(core + SHINKA_WRAPPER_TAIL)
        output = os.path.join(scratch, "results")
        config = {
            "evo": {
                "task_sys_msg": description,
                "language": language,
                "llm_models": [f"local/{args.model}@{proxy_base}"],
                "llm_kwargs": {"temperatures": [args.temperature], "max_tokens": args.max_tokens},
                "embedding_model": None,
            },
            "job": {"time": hms(allowed)},
            "max_evaluation_jobs": 1,
            "max_proposal_jobs": 1,
            "verbose": True,
        }
        with open(os.path.join(task, "shinka.yaml"), "w") as f:
            json.dump(config, f, indent=2)
        launcher = os.path.join(scratch, "launch.py")
        with open(launcher, "w") as f:
            f.write(SHINKA_LAUNCHER)
        argv = [args.venv_python, launcher, str(peer_seed(args.seed)), "--task-dir", task, "--results_dir", output,
                "--num_generations", str(args.budget + 1), "--config-fname", "shinka.yaml"]
    return argv, scratch, output, settings


# ================================================================ the counting proxy

HOP_HEADERS = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
               "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding"}


def usage_of(data):
    """(prompt_tokens, completion_tokens) from a chat response body (JSON or SSE), else Nones."""
    def pick(obj):
        usage = obj.get("usage") if isinstance(obj, dict) else None
        if not isinstance(usage, dict):
            return None
        p, c = usage.get("prompt_tokens"), usage.get("completion_tokens")
        return (p if isinstance(p, int) else None, c if isinstance(c, int) else None)
    if not data:
        return None, None
    try:
        found = pick(json.loads(data))
        return found or (None, None)
    except ValueError:
        pass
    found = None
    for line in data.splitlines():
        if line.startswith(b"data:"):
            try:
                found = pick(json.loads(line[5:].strip())) or found
            except ValueError:
                continue
    return found or (None, None)


def openai_error(message, kind, code):
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}}).encode()


class CallProxy:
    """Forwards chat calls to the upstream server until `budget` have been forwarded, then refuses
    them with HTTP 429; records each call in calls.jsonl as it completes."""

    def __init__(self, upstream, budget, calls_path, log_path, upstream_timeout):
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise DriverError(f"--upstream must be an http(s) URL such as http://127.0.0.1:8080/v1, not {upstream!r}")
        self.scheme, self.host = parsed.scheme, parsed.hostname
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.base_path = parsed.path.rstrip("/")
        self.budget, self.calls_path, self.log_path = budget, calls_path, log_path
        self.upstream_timeout = upstream_timeout
        self.cond = threading.Condition()
        self.forwarded = 0
        self.entries = []
        self.refused = 0
        self.first_refused_at = None
        self.inflight = {}
        self.stopping = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)
        self.server.daemon_threads = True
        self.server.proxy = self
        self.thread = threading.Thread(target=self.server.serve_forever, name="peer-arm-proxy", daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self):
        self.thread.start()
        return self

    def reserve(self):
        """The next call's index (1-based), or None when the budget is used up (a refusal)."""
        with self.cond:
            if self.forwarded < self.budget and not self.stopping:
                self.forwarded += 1
                return self.forwarded
            self.refused += 1
            if self.first_refused_at is None:
                self.first_refused_at = time.time()
            return None

    def record(self, entry):
        with self.cond:
            with open(self.calls_path, "a") as f:
                f.write(json.dumps(entry) + "\n")
            if not entry["refused"]:
                self.entries.append(entry)

    def forward(self, method, path, body, headers, index=None):
        """(status, headers, body, error) of the request sent upstream; status None on failure."""
        rest = path[3:] if path == "/v1" or path.startswith("/v1/") else path
        target = self.base_path + rest
        conn_class = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        conn = conn_class(self.host, self.port, timeout=self.upstream_timeout)
        with self.cond:
            if self.stopping:
                return None, [], b"", "cancelled: the run was stopping"
            if index is not None:
                self.inflight[index] = conn
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in HOP_HEADERS}
            conn.request(method, target, body=body if method == "POST" else None, headers=sent)
            response = conn.getresponse()
            data = response.read()
            return response.status, response.getheaders(), data, None
        except (OSError, http.client.HTTPException) as e:
            if self.stopping:
                return None, [], b"", "cancelled: the run stopped while the call was in flight"
            reason = e.strerror if isinstance(e, OSError) and e.strerror else (str(e) or type(e).__name__)
            return None, [], b"", f"upstream {self.host}:{self.port} unreachable: {reason}"
        finally:
            conn.close()
            with self.cond:
                self.inflight.pop(index, None)
                self.cond.notify_all()

    def stop(self, wait=5.0):
        """Cancels the calls in flight (their entries are recorded) and stops serving."""
        with self.cond:
            self.stopping = True
            for conn in list(self.inflight.values()):
                try:
                    if conn.sock is not None:
                        conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            end = time.time() + wait
            while self.inflight and time.time() < end:
                self.cond.wait(0.1)
        self.server.shutdown()
        self.server.server_close()


class ProxyHandler(BaseHTTPRequestHandler):
    """One request to the proxy: chat calls are counted, /v1/models passes, the rest is 404."""
    protocol_version = "HTTP/1.1"
    server_version = "evolve-peer-arm/1"

    def log_message(self, fmt, *args):
        pass

    @property
    def proxy(self):
        return self.server.proxy

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, body, headers=(), content_type="application/json"):
        try:
            self.send_response(status)
            sent_type = False
            for name, value in headers:
                low = name.lower()
                if low in HOP_HEADERS or low in ("server", "date"):
                    continue
                sent_type = sent_type or low == "content-type"
                self.send_header(name, value)
            if not sent_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True  # the peer gave up on this request

    def route(self):
        return urllib.parse.urlsplit(self.path).path.rstrip("/")

    def do_GET(self):
        path = self.route()
        if path in ("/v1/models", "/models"):
            status, headers, data, error = self.proxy.forward("GET", self.path, b"", self.headers)
            log_line(self.proxy.log_path, f"proxy: GET {path} -> {status or 502}{' ' + error if error else ''}")
            if status is None:
                self.reply(502, openai_error(error, "upstream_error", "upstream_unreachable"))
            else:
                self.reply(status, data, headers)
            return
        log_line(self.proxy.log_path, f"proxy: GET {path} -> 404")
        self.reply(404, openai_error(f"no GET {path} here", "invalid_request_error", "not_found"))

    def do_POST(self):
        body = self.read_body()
        path = self.route()
        if path.endswith("/chat/completions"):
            self.chat(body)
            return
        what = "embeddings are not served to peer arms" if path.endswith("/embeddings") else f"no POST {path} here"
        log_line(self.proxy.log_path, f"proxy: POST {path} -> 404")
        self.reply(404, openai_error(what, "invalid_request_error", "not_found"))

    def chat(self, body):
        """Forwards one chat call, or refuses it once the budget is used up."""
        proxy = self.proxy
        index = proxy.reserve()
        if index is None:
            now = time.time()
            proxy.record({"index": None, "started": now, "ended": now, "status": 429, "prompt_tokens": None,
                          "completion_tokens": None, "refused": True, "error": "call budget used up"})
            self.reply(429, openai_error(f"Evolve's call budget of {proxy.budget} chat calls is used up",
                                         "rate_limit_error", "call_budget_exhausted"),
                       headers=[("x-should-retry", "false")])
            return
        started = time.time()
        status, headers, data, error = proxy.forward("POST", self.path, body, self.headers, index)
        ended = time.time()
        prompt_tokens, completion_tokens = usage_of(data) if status is not None else (None, None)
        if error is None and status != 200:
            error = f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}"
        proxy.record({"index": index, "started": started, "ended": ended, "status": status if status else 502,
                      "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "refused": False,
                      "error": error})
        if status is None:
            self.reply(502, openai_error(error, "upstream_error", "upstream_unreachable"))
        else:
            self.reply(status, data, headers)


# ================================================================ the peer process

STOP = {"signal": None}
SECRET_NAME = re.compile(r"(API_?KEY|TOKEN|SECRET|PASSW|CREDENTIAL|ACCESS_?KEY|AUTH)", re.I)
PROVIDER_PREFIXES = ("OPENAI", "AZURE", "ANTHROPIC", "CLAUDE", "GEMINI", "GOOGLE", "VERTEX", "AWS", "BEDROCK",
                     "OPENROUTER", "DEEPSEEK", "MISTRAL", "GROQ", "TOGETHER", "FIREWORKS", "COHERE", "XAI", "HF_",
                     "HUGGING", "REPLICATE", "PERPLEXITY", "DASHSCOPE", "MOONSHOT", "ZHIPU", "NVIDIA", "WANDB",
                     "LANGCHAIN", "LANGSMITH", "LOCAL_OPENAI", "LITELLM", "OLLAMA")
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}


def peer_environment(proxy_base, token):
    """The host environment without keys, credentials or proxies, plus the dummy keys the peers need."""
    env = {}
    for name, value in os.environ.items():
        upper = name.upper()
        if SECRET_NAME.search(name) or upper.startswith(PROVIDER_PREFIXES) or name.lower() in PROXY_VARS:
            continue
        env[name] = value
    env.update({
        "OPENAI_API_KEY": "dummy",            # any stray default client reaches the proxy, not the internet
        "OPENAI_BASE_URL": proxy_base,
        "OPENAI_API_BASE": proxy_base,
        "LOCAL_OPENAI_API_KEY": "dummy",      # ShinkaEvolve's key for local/<model>@<url>
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        "PYTHONUNBUFFERED": "1", "MPLBACKEND": "Agg",
        TOKEN_VAR: token,
    })
    return env


def processes_with_token(token):
    """Pids whose environment carries this run's token (Linux /proc; empty elsewhere)."""
    needle = f"{TOKEN_VAR}={token}".encode()
    pids = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return pids
    for name in names:
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    pids.append(int(name))
        except OSError:
            continue
    return pids


def signal_all(pgid, token, sig):
    """Sends sig to the peer's process group and to every process carrying the token."""
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass
    for pid in processes_with_token(token):
        try:
            os.kill(pid, sig)
        except OSError:
            pass


def stop_peer(proc, token, log_path, why, patience=5.0):
    """SIGTERM to everything of the run, SIGKILL `patience` s later (or once the peer and its
    evaluators are gone), then a sweep for strays."""
    log_line(log_path, f"driver: stopping the peer ({why}): SIGTERM")
    signal_all(proc.pid, token, signal.SIGTERM)
    end = time.time() + patience
    while (proc.poll() is None or processes_with_token(token)) and time.time() < end:
        time.sleep(0.1)
    if proc.poll() is None or processes_with_token(token):
        log_line(log_path, "driver: SIGKILL to what is left")
    signal_all(proc.pid, token, signal.SIGKILL)
    proc.wait()
    sweep(proc.pid, token)


def sweep(pgid, token, seconds=3.0):
    """Kills whatever of the run is still alive (evaluators run in sessions of their own)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
    end = time.time() + seconds
    while time.time() < end:
        pids = processes_with_token(token)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.1)


def supervise(argv, cwd, env, token, peer_log, log_path, proxy, grace, deadline_at, parent):
    """Runs the peer to its end, the grace after a refusal, or the deadline.
    Returns (exit_code or None, stopped, start_error, peer_seconds)."""
    if STOP["signal"] is not None:
        raise Interrupted()
    log_line(log_path, "driver: starting " + " ".join(json.dumps(a) if any(c in a for c in " \n'\"") else a
                                                      for a in argv))
    started = time.time()
    try:
        with open(peer_log, "ab") as out:
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        return None, "exited", f"cannot start the peer: {e}", time.time() - started
    stopped = "exited"
    try:
        while proc.poll() is None:
            if STOP["signal"] is not None or os.getppid() != parent:
                # quick: whoever interrupts the driver may SIGKILL it 5 s later
                stop_peer(proc, token, log_path, "the driver was interrupted", patience=2.0)
                raise Interrupted()
            now = time.time()
            if now >= deadline_at:
                stopped = "deadline"
                stop_peer(proc, token, log_path, "deadline")
                break
            refused_at = proxy.first_refused_at
            if refused_at is not None and now >= refused_at + grace:
                stopped = "grace"
                stop_peer(proc, token, log_path, f"budget used up {now - refused_at:.0f} s ago")
                break
            time.sleep(0.2)
    except BaseException:
        if proc.poll() is None:
            stop_peer(proc, token, log_path, "driver error", patience=2.0)
        raise
    seconds = time.time() - started
    sweep(proc.pid, token)
    code = proc.returncode
    log_line(log_path, f"driver: peer ended with {code} ({stopped}) after {seconds:.1f} s")
    return (code if code >= 0 else 128 - code), stopped, None, seconds


# ================================================================ reading the peer's results

def _number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _raw_score(evolve_score, combined_score, direction):
    """The evaluator's own score: evolve_score, else combined_score with the sign undone."""
    score = _number(evolve_score)
    if score is None:
        score = _number(combined_score)
        if score is not None and direction == "minimize":
            score = -score
    return score


def read_openevolve(out_dir, direction):
    """(start, children) from OpenEvolve's db/programs and newest checkpoint; each {iteration,
    timestamp, score, valid}. Copies made without a model call (migrants, island seeds) are dropped."""
    records = {}
    dirs = [os.path.join(out_dir, "db", "programs")]
    checkpoints = sorted(glob.glob(os.path.join(out_dir, "checkpoints", "checkpoint_*")),
                         key=lambda p: int(re.sub(r"\D", "", os.path.basename(p)) or 0))
    if checkpoints:
        dirs.append(os.path.join(checkpoints[-1], "programs"))
    for d in dirs:
        for path in glob.glob(os.path.join(d, "*.json")):
            try:
                with open(path) as f:
                    p = json.load(f)
            except (OSError, ValueError):
                continue
            if isinstance(p, dict) and p.get("id"):
                records.setdefault(p["id"], p)
    start, children = None, []
    for p in records.values():
        meta = p.get("metadata") or {}
        if meta.get("migrant") or (p.get("parent_id") and "changes" not in meta):
            continue
        metrics = p.get("metrics") or {}
        valid = "error" not in metrics and not metrics.get("timeout")
        entry = {"iteration": int(p.get("iteration_found") or 0), "timestamp": _number(p.get("timestamp")),
                 "score": _raw_score(metrics.get("evolve_score"), metrics.get("combined_score"), direction)
                 if valid else None, "valid": bool(valid)}
        if entry["valid"] and entry["score"] is None:
            entry["valid"] = False
        if not p.get("parent_id") and entry["iteration"] == 0:
            start = entry
        else:
            children.append(entry)
    return start, children


def read_shinka(res_dir, direction):
    """(start, children) from ShinkaEvolve's programs.sqlite; per-island copies are dropped."""
    db = os.path.join(res_dir, "programs.sqlite")
    if not os.path.exists(db):
        return None, []
    con = sqlite3.connect(db, timeout=30)
    try:
        rows = con.execute("SELECT parent_id, generation, timestamp, combined_score, correct, public_metrics, "
                           "metadata FROM programs").fetchall()
    finally:
        con.close()
    start, children = None, []
    for parent_id, generation, timestamp, combined, correct, public, metadata in rows:
        try:
            meta = json.loads(metadata or "{}")
        except ValueError:
            meta = {}
        if isinstance(meta, dict) and (meta.get("_is_island_copy") or meta.get("_spawned_island")):
            continue
        try:
            public = json.loads(public or "{}")
        except ValueError:
            public = {}
        valid = bool(correct)
        score = _raw_score(public.get("evolve_score") if isinstance(public, dict) else None, combined, direction)
        entry = {"iteration": int(generation or 0), "timestamp": _number(timestamp),
                 "score": score if valid else None, "valid": valid and score is not None}
        if parent_id is None and entry["iteration"] == 0:
            start = entry
        else:
            children.append(entry)
    return start, children


def build_result(args, settings, spec, calls, outcome, output_dir, peer_log):
    """The result.json object."""
    exit_code, stopped, start_error, seconds = outcome
    direction = settings["direction"]
    start, children, read_error = None, [], None
    try:
        if args.peer == "openevolve":
            start, children = read_openevolve(output_dir, direction)
        else:
            start, children = read_shinka(output_dir, direction)
    except (OSError, sqlite3.Error, ValueError) as e:
        read_error = f"cannot read the peer's results in {output_dir}: {e}"
    calls = sorted(calls, key=lambda c: c["index"])
    ends = sorted(c["ended"] for c in calls)
    programs = []
    for child in sorted(children, key=lambda c: (c["timestamp"] or 0, c["iteration"])):
        ts = child["timestamp"]
        programs.append({"timestamp": ts, "score": child["score"], "valid": child["valid"],
                         "iteration": child["iteration"],
                         "calls_before": sum(1 for e in ends if ts is not None and e <= ts)})
    ok_calls = [c for c in calls if c["status"] == 200]
    tail = tail_lines(peer_log)
    error = None
    if start_error:
        error = start_error
    elif stopped == "deadline":
        error = f"stopped at the deadline of {args.deadline:g} s before the peer finished"
    elif calls and not ok_calls:
        last = calls[-1]
        error = f"no chat call succeeded ({len(calls)} forwarded; the last: {last.get('error') or last['status']})"
    elif stopped == "exited" and exit_code != 0:
        error = f"{args.peer} exited with status {exit_code}: {tail or 'peer.log is empty'}"
    elif read_error:
        error = read_error
    elif not calls:
        error = f"{args.peer} made no chat call; peer.log ends: {tail or '(empty)'}"
    elif start is None and not programs:
        error = f"{args.peer} recorded no program; peer.log ends: {tail or '(empty)'}"
    goal = spec.get("goal") or {}
    return {
        "peer": args.peer, "version": PEERS[args.peer]["version"], "budget": args.budget, "seed": args.seed,
        "direction": direction, "target": _number(goal.get("target")),
        "initial_score": start["score"] if start and start["valid"] else None,
        "calls": calls, "programs": programs,
        "proposals_without_program": max(0, len(calls) - len(programs)),
        "exit_code": exit_code, "stopped": stopped, "error": error,
        "wall_seconds": round(seconds, 3),
    }


# ================================================================ run

def prepare_work(work, problem):
    """Makes WORKDIR (never inside the problem directory) and removes this driver's old files."""
    real_work, real_problem = os.path.realpath(work), os.path.realpath(problem)
    if real_work == real_problem or real_work.startswith(real_problem + os.sep):
        raise DriverError(f"--work {work} lies inside the problem directory {problem}")
    os.makedirs(work, exist_ok=True)
    for name in ("calls.jsonl", "peer.log", "arm.log", "result.json", "result.json.tmp"):
        try:
            os.remove(os.path.join(work, name))
        except FileNotFoundError:
            pass
    shutil.rmtree(os.path.join(work, "scratch"), ignore_errors=True)


def on_signal(signum, frame):
    STOP["signal"] = signum


def cmd_run(args):
    """Scratch copy, proxy, peer, result.json."""
    parent = os.getppid()
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    began = time.time()
    if args.budget < 1:
        raise DriverError("--budget must be at least 1")
    problem = os.path.abspath(args.problem)
    work = os.path.abspath(args.work)
    args.venv_python = os.path.abspath(args.venv_python)
    if not os.path.isdir(problem):
        raise DriverError(f"no problem directory {problem}")
    spec = read_problem_yaml(problem, args.venv_python)
    prepare_work(work, problem)
    calls_path, log_path = os.path.join(work, "calls.jsonl"), os.path.join(work, "arm.log")
    peer_log, result_path = os.path.join(work, "peer.log"), os.path.join(work, "result.json")
    open(calls_path, "w").close()
    upstream_timeout = max(args.llm_timeout, 1200) + 60  # ShinkaEvolve waits up to 1200 s per request
    proxy = CallProxy(args.upstream, args.budget, calls_path, log_path, upstream_timeout).start()
    try:
        log_line(log_path, f"driver: {args.peer} budget {args.budget} seed {args.seed}; proxy {proxy.base_url} "
                           f"-> {args.upstream}")
        argv, cwd, output_dir, settings = write_scratch(args, spec, problem, os.path.join(work, "scratch"),
                                                         proxy.base_url)
        token = f"{os.getpid()}-{uuid.uuid4().hex}"
        grace = settings["total_timeout"] + 30
        outcome = supervise(argv, cwd, peer_environment(proxy.base_url, token), token, peer_log, log_path, proxy,
                            grace, began + args.deadline, parent)
    finally:
        proxy.stop(wait=1.0 if STOP["signal"] is not None else 5.0)
    if proxy.refused:
        log_line(log_path, f"driver: {proxy.refused} chat calls refused after the budget")
    result = build_result(args, settings, spec, list(proxy.entries), outcome, output_dir, peer_log)
    write_json_atomic(result_path, result)
    print(json.dumps({"result": result_path, "stopped": result["stopped"], "error": result["error"]}), flush=True)
    return 0


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="peer_arm.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ensure = sub.add_parser("ensure", help="make the peer's venv once")
    ensure.add_argument("--peer", required=True, choices=sorted(PEERS))
    ensure.add_argument("--cache", required=True, help="directory holding the venvs")
    run = sub.add_parser("run", help="run one peer arm")
    run.add_argument("--peer", required=True, choices=sorted(PEERS))
    run.add_argument("--venv-python", required=True, help="the venv's bin/python, as printed by ensure")
    run.add_argument("--problem", required=True, help="an Evolve problem directory (evolve.yaml); never written")
    run.add_argument("--work", required=True, help="the run's directory (scratch/, calls.jsonl, peer.log, result.json)")
    run.add_argument("--upstream", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    run.add_argument("--model", required=True)
    run.add_argument("--budget", type=int, required=True, help="chat calls forwarded to the upstream server")
    run.add_argument("--seed", type=int, required=True)
    run.add_argument("--temperature", type=float, default=0.7)
    run.add_argument("--top-p", type=float, default=None, help="OpenEvolve only (ShinkaEvolve cannot send top_p)")
    run.add_argument("--max-tokens", type=int, default=4096)
    run.add_argument("--llm-timeout", type=float, default=300, help="seconds per request (OpenEvolve's llm.timeout)")
    run.add_argument("--deadline", type=float, default=6 * 3600, help="seconds for the whole run")
    run.add_argument("--eval-path", default=EVAL_PATH, help="PATH of the evaluator command (Evolve's default)")
    run.add_argument("--eval-env", action="append", metavar="NAME=VALUE", help="extra evaluator variable")
    run.add_argument("--fail-score", type=float, default=None,
                     help="combined_score of failed candidates (default 0, or -1e18 for minimize)")
    return parser.parse_args(argv)


def unblock_signals():
    """Evolve starts the driver from a process whose threads block SIGINT and SIGTERM (it handles
    them itself), and a child inherits the blocked set: unblock everything, so that a SIGTERM from
    Evolve reaches the driver, and the peer it starts can be stopped the same way."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_SETMASK, [])


def main(argv=None):
    unblock_signals()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return cmd_ensure(args) if args.command == "ensure" else cmd_run(args)
    except Interrupted:
        print("peer_arm: interrupted; the peer was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    except DriverError as e:
        print(f"peer_arm: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
