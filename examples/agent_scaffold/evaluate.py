"""Scores an agent: python3 evaluate.py PATH_TO_AGENT

For each task of tasks.json, the candidate's solve(task, ask) is called with the task (its
function's name, a statement and a few examples; never the hidden tests) and ask, which sends chat
messages to the run's model through Evolve's model gateway (evaluator.model in evolve.yaml) and
returns the answer. The source code solve returns is run on the task's hidden tests by check.py,
in a fresh python3 under a time limit. score = tasks whose hidden tests all pass / tasks.

The candidate runs in this process (it is imported), under TASK_SECONDS per task; what it prints
goes to standard error. The report is written to $EVOLVE_EVAL_DIR/result.json (which wins over
standard output) and printed. The artifacts say per task how many hidden tests passed, never
which ones, so that the search cannot fit the tests through them.
"""

import contextlib
import copy
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TASK_SECONDS = 120  # one task's solve, its model calls included
CHECK_SECONDS = 10  # one task's hidden tests


class GatewayError(RuntimeError):
    """The gateway refused a request (the evaluation's calls or tokens are spent) or the model failed."""


class TaskTimeout(BaseException):
    """Raised inside solve when its task's time is up: not an Exception, so that the agent's own
    `except Exception` lets it through."""


class Gateway:
    """The candidate's ask: chat completions over the gateway's unix socket, counted."""

    def __init__(self, path, model):
        self.path, self.model = path, model
        self.calls = self.refused = 0

    def ask(self, messages, temperature=0.0, max_tokens=400):
        """The model's answer to chat messages ([{"role", "content"}, ...]); raises GatewayError."""
        body = {"model": self.model, "messages": messages, "temperature": temperature, "max_tokens": max_tokens}
        connection = http.client.HTTPConnection("evolve-gateway", timeout=120)  # the host name is never looked up
        connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.sock.settimeout(120)
        try:
            connection.sock.connect(self.path)
            connection.request("POST", "/v1/chat/completions", body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            answer = json.loads(response.read() or b"{}")
        finally:
            connection.close()
        if response.status != 200:
            self.refused += 1
            raise GatewayError(answer.get("error", {}).get("message", f"HTTP {response.status}"))
        self.calls += 1
        return answer["choices"][0]["message"]["content"]


@contextlib.contextmanager
def time_limit(seconds):
    def expire(signum, frame):
        raise TaskTimeout(f"solve ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def load(path):
    sys.dont_write_bytecode = True
    spec = importlib.util.spec_from_file_location("agent", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.solve


def hidden_tests(code, task):
    """check.py's report ({"passed", "cases"}, "error" if any) on the task's hidden tests."""
    job = json.dumps({"code": code, "function": task["function"], "cases": task["tests"]})
    try:
        # The code's prints go to check.py's standard error, which is dropped.
        run = subprocess.run(
            [sys.executable, "-I", os.path.join(HERE, "check.py")],
            input=job, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=CHECK_SECONDS)
    except subprocess.TimeoutExpired:
        return {"passed": 0, "cases": len(task["tests"]), "error": f"the hidden tests ran past {CHECK_SECONDS} s"}
    try:
        return json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"passed": 0, "cases": len(task["tests"]), "error": f"the check ended without a report (exit {run.returncode})"}


def attempt(solve, task, gateway):
    """(solved, what happened in a line) for one task."""
    before = gateway.calls
    shown = copy.deepcopy({key: task[key] for key in ("function", "statement", "examples")})
    try:
        with time_limit(TASK_SECONDS):
            code = solve(shown, gateway.ask)
        failure = None if isinstance(code, str) else f"solve returned {type(code).__name__}, not source code"
    except BaseException as error:  # the agent's own failure, its time running out, its exit()
        failure = f"solve raised {type(error).__name__}: {error}"[:300]
    calls = f" (model calls: {gateway.calls - before})"
    if failure:
        return False, failure + calls
    check = hidden_tests(code, task)
    solved = "error" not in check and check["passed"] == check["cases"]
    line = f"{'solved' if solved else 'failed'}: {check['passed']} of {check['cases']} hidden tests passed"
    return solved, line + (f"; {check['error']}" if "error" in check else "") + calls


def report(result):
    line = json.dumps(result)
    if "EVOLVE_EVAL_DIR" in os.environ:
        with open(os.path.join(os.environ["EVOLVE_EVAL_DIR"], "result.json"), "w") as file:
            file.write(line)
    sys.__stdout__.write(line + "\n")
    sys.__stdout__.flush()


def main():
    if "EVOLVE_MODEL_SOCKET" not in os.environ:
        return report({"error": "no model gateway: set evaluator.model in evolve.yaml"})
    tasks = json.load(open(os.path.join(HERE, "tasks.json")))
    gateway = Gateway(os.environ["EVOLVE_MODEL_SOCKET"], os.environ.get("EVOLVE_MODEL", ""))
    with contextlib.redirect_stdout(sys.stderr):  # the candidate's prints must not reach the report
        try:
            solve = load(sys.argv[1])
        except BaseException as error:
            return report({"error": f"the agent could not be imported: {type(error).__name__}: {error}"[:500]})
        outcomes = {task["function"]: attempt(solve, task, gateway) for task in tasks}
    solved = sum(ok for ok, _ in outcomes.values())
    report({
        "score": solved / len(tasks),
        "metrics": {"solved": solved, "tasks": len(tasks), "model_calls": gateway.calls, "refused": gateway.refused},
        "artifacts": {name: line for name, (_, line) in outcomes.items()},
    })


if __name__ == "__main__":
    main()
    # A thread the agent left running (a request still waiting after its task's time ran out)
    # must not keep the evaluation alive until the sandbox's wall clock.
    os._exit(0)
