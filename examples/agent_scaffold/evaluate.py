"""Scores an agent: python3 evaluate.py PATH_TO_AGENT

For each task of tasks.json, the candidate's solve(task, ask) is called with the task (its
function's name, a statement and a few examples; never the hidden tests) and ask, which sends chat
messages to the run's model through Evolve's model gateway (evaluator.model in evolve.yaml) and
returns the answer. The source code solve returns is run on the task's hidden tests by check.py,
in a fresh python3 under a time limit. score = tasks whose hidden tests all pass / tasks.

The candidate runs in this process (it is imported), with TASK_SECONDS of its own per task (the
time its requests wait for the model is not counted); what it prints goes to standard error. The
report is written to $EVOLVE_EVAL_DIR/result.json (which wins over standard output) and printed.
The artifacts say per task how many hidden tests passed, never which ones, so that the search
cannot fit the tests through them.
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
TASK_SECONDS = 30  # one task's solve, its requests' waits for the model not counted
CHECK_SECONDS = 10  # one task's hidden tests
REQUEST_SECONDS = 900  # one request's wait for the model (the sandbox's wall clock may end it first)


class GatewayError(RuntimeError):
    """The gateway refused a request (the evaluation's calls or tokens are spent) or the model failed."""


class TaskTimeout(BaseException):
    """Raised inside solve when its task's time is up: not an Exception, so that the agent's own
    `except Exception` lets it through."""


class TaskClock:
    """The agent's own time on a task: TaskTimeout after `seconds`, with the clock stopped while a
    request waits for the model. The model's speed is not the agent's doing, and a request given
    up when its task's time ran out would keep one of the gateway's four slots for the rest of the
    evaluation (with the bundled model on a busy 2-core machine, the tasks after a few such requests
    got no answer at all). Requests from several threads at once stop it while the first one waits."""

    def __init__(self, seconds):
        self.seconds, self.task = seconds, None
        signal.signal(signal.SIGALRM, self.expire)

    def expire(self, signum, frame):
        if self.task:  # a request that outlived its task may re-arm the clock: that alarm is ignored
            raise TaskTimeout(f"solve ran past {self.seconds} s of its own time")

    @contextlib.contextmanager
    def running(self, task):
        self.task = task
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            self.task = None
            signal.setitimer(signal.ITIMER_REAL, 0)

    @contextlib.contextmanager
    def stopped(self):
        left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        try:
            yield
        finally:
            if left:
                signal.setitimer(signal.ITIMER_REAL, left)


class Gateway:
    """The candidate's ask: chat completions over the gateway's unix socket, counted."""

    def __init__(self, path, model, clock):
        self.path, self.model, self.clock = path, model, clock
        self.calls = self.refused = 0

    def ask(self, messages, temperature=0.0, max_tokens=400):
        """The model's answer to chat messages ([{"role", "content"}, ...]); raises GatewayError."""
        body = {"model": self.model, "messages": messages, "temperature": temperature, "max_tokens": max_tokens}
        connection = http.client.HTTPConnection("evolve-gateway")  # the host name is never looked up
        connection.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.sock.settimeout(REQUEST_SECONDS)
        try:
            with self.clock.stopped():
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


def attempt(solve, task, gateway, clock):
    """(solved, what happened in a line) for one task."""
    before = gateway.calls
    shown = copy.deepcopy({key: task[key] for key in ("function", "statement", "examples")})
    try:
        with clock.running(task["function"]):
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
    clock = TaskClock(TASK_SECONDS)
    gateway = Gateway(os.environ["EVOLVE_MODEL_SOCKET"], os.environ.get("EVOLVE_MODEL", ""), clock)
    with contextlib.redirect_stdout(sys.stderr):  # the candidate's prints must not reach the report
        try:
            solve = load(sys.argv[1])
        except BaseException as error:
            return report({"error": f"the agent could not be imported: {type(error).__name__}: {error}"[:500]})
        outcomes = {task["function"]: attempt(solve, task, gateway, clock) for task in tasks}
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
