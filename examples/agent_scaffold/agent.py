# An agent that writes small Python functions with a language model. The evaluator calls
# solve(task, ask) once per task and runs the source code it returns on hidden tests:
#   task: {"function": "column_name", "statement": "Write a Python function column_name(n) ...",
#          "examples": [{"args": [28], "expected": "AB"}, ...]}
#   ask(messages, temperature=0.0, max_tokens=400): the model's answer (a string) to chat
#       messages [{"role": "system" | "user" | "assistant", "content": "..."}]; it raises
#       RuntimeError when the evaluation's model calls or tokens are spent.
# The agent may run code (a subprocess has python3 as sys.executable) and ask again. Each task has
# 30 s of the agent's own time (waits for the model not counted), timed with SIGALRM: time limits
# of its own are a subprocess's timeout, not an alarm.
# Only the code between the markers evolves.
# EVOLVE-BLOCK-START
import re

SYSTEM = "You write small, correct Python functions. Answer with the function in a ```python block."


def solve(task, ask):
    """Asks the model once and returns the code of its answer, unchecked."""
    answer = ask([{"role": "system", "content": SYSTEM}, {"role": "user", "content": task["statement"]}])
    return extract_code(answer)


def extract_code(answer):
    """The first fenced code block of the answer, or the whole answer when it has none."""
    match = re.search(r"```[^\n]*\n(.*?)```", answer, re.DOTALL)
    return match.group(1) if match else answer
# EVOLVE-BLOCK-END
