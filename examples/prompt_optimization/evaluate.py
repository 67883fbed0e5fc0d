"""Scores a system prompt: the model answers each question of questions.json with it, through
Evolve's model gateway, and an answer counts when, stripped of spaces, a final full stop and
case, it is exactly the known answer.

score = correct answers / questions. The prompt is read from the candidate with `ast`, never
run. The gateway's socket is named by EVOLVE_MODEL_SOCKET (evaluator.model in evolve.yaml);
a question the gateway refuses (the evaluation's calls or tokens are spent) counts as wrong.
"""

import ast
import http.client
import json
import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


class GatewayConnection(http.client.HTTPConnection):
    """HTTP over the gateway's unix socket."""

    def __init__(self, path, timeout=120):
        super().__init__("evolve-gateway", timeout=timeout)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def ask(prompt, question):
    """The model's answer, or an error line from the gateway."""
    body = {
        "model": os.environ.get("EVOLVE_MODEL", ""),
        "messages": [{"role": "system", "content": prompt}, {"role": "user", "content": question}],
        "temperature": 0,
        "max_tokens": 64,
    }
    connection = GatewayConnection(os.environ["EVOLVE_MODEL_SOCKET"])
    try:
        connection.request("POST", "/v1/chat/completions", body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        connection.close()
    if response.status != 200:
        return None, answer.get("error", {}).get("message", f"HTTP {response.status}")
    return answer["choices"][0]["message"]["content"], None


def read_prompt(path):
    """PROMPT's value: a string literal assigned at the top of the candidate."""
    tree = ast.parse(open(path).read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PROMPT" for t in node.targets):
            value = ast.literal_eval(node.value)
            if isinstance(value, str):
                return value
    raise ValueError("the candidate assigns no string to PROMPT")


def normalize(text):
    return " ".join(text.strip().rstrip(".").split()).lower()


def main():
    if "EVOLVE_MODEL_SOCKET" not in os.environ:
        print(json.dumps({"error": "no model gateway: set evaluator.model in evolve.yaml"}))
        return
    try:
        prompt = read_prompt(sys.argv[1])
    except (SyntaxError, ValueError) as error:
        print(json.dumps({"error": f"unreadable prompt: {error}"}))
        return
    questions = json.load(open(os.path.join(HERE, "questions.json")))
    correct, answers, refused = 0, {}, 0
    for number, item in enumerate(questions, 1):
        answer, error = ask(prompt, item["question"])
        if error is not None:
            refused += 1
            answers[f"q{number}"] = f"(refused: {error})"
            continue
        ok = normalize(answer) == normalize(item["answer"])
        correct += ok
        answers[f"q{number}"] = ("right: " if ok else "wrong: ") + answer[:160]
    print(json.dumps({
        "score": correct / len(questions),
        "metrics": {"correct": correct, "questions": len(questions), "refused": refused, "prompt_chars": len(prompt)},
        "artifacts": {"answers": answers},
    }))


if __name__ == "__main__":
    main()
