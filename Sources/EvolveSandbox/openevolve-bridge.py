# Evolve's bridge to an OpenEvolve evaluator, run inside the sandbox as
#   python3 -c <this text> <settings as JSON> <candidate path>
# It loads evaluator.py the way OpenEvolve does (its folder first on sys.path), calls evaluate()
# or the cascade evaluate_stage1/2/3, scores the metrics by OpenEvolve's rules and prints Evolve's
# report as its only line of standard output. What the evaluator prints goes to standard error.
import importlib.util, json, math, os, sys, traceback, types


def stand_in_package():
    """openevolve.evaluation_result.EvaluationResult for evaluators that import it, when the real
    package is not installed (it would pull in openai, flask and dacite)."""
    if "openevolve" in sys.modules or importlib.util.find_spec("openevolve") is not None:
        return
    package = types.ModuleType("openevolve")
    package.__path__ = []
    module = types.ModuleType("openevolve.evaluation_result")

    class EvaluationResult:
        """Metrics (name to value) and artifacts (name to text or bytes) of one evaluation."""

        def __init__(self, metrics, artifacts=None):
            self.metrics = metrics
            self.artifacts = {} if artifacts is None else artifacts

        @classmethod
        def from_dict(cls, metrics):
            return cls(metrics)

        def to_dict(self):
            return self.metrics

        def has_artifacts(self):
            return bool(self.artifacts)

        def get_artifact_keys(self):
            return list(self.artifacts)

        def get_artifact_size(self, key):
            value = self.artifacts.get(key)
            if value is None:
                return 0
            return len(value) if isinstance(value, bytes) else len(str(value).encode("utf-8"))

        def get_total_artifact_size(self):
            return sum(self.get_artifact_size(key) for key in self.artifacts)

        def __repr__(self):
            return f"EvaluationResult(metrics={self.metrics!r}, artifacts={self.artifacts!r})"

    EvaluationResult.__module__ = module.__name__
    module.EvaluationResult = EvaluationResult
    package.evaluation_result = module
    sys.modules[package.__name__] = package
    sys.modules[module.__name__] = module


def load(path):
    """evaluator.py as the module `evaluation_module`; the one a warm evaluator imported before
    this candidate's process was forked from it, when there is one (see evolve_preload)."""
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    # Processes the evaluator starts (a candidate run with sys.executable) import from there too.
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = folder + (os.pathsep + inherited if inherited else "")
    loaded = sys.modules.get("evaluation_module")
    if loaded is not None and os.path.abspath(getattr(loaded, "__file__", None) or "") == os.path.abspath(path):
        return loaded
    spec = importlib.util.spec_from_file_location("evaluation_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluation_module"] = module
    spec.loader.exec_module(module)
    return module


def split(result):
    """(metrics, artifacts) of what an evaluation function returned."""
    if isinstance(result, dict):
        return dict(result), {}
    if hasattr(result, "metrics") and isinstance(getattr(result, "metrics"), dict):
        return dict(result.metrics), dict(getattr(result, "artifacts", None) or {})
    print(f"evolve: the evaluator returned {type(result).__name__}, not a dict or EvaluationResult", file=sys.stderr)
    return {"error": 0.0}, {}


def failure(stage, error):
    traceback.print_exc()
    return {"stderr": str(error), "traceback": traceback.format_exc(), "failure_stage": stage,
            "error_type": type(error).__name__, "error_message": str(error)}


def is_number(value):
    return isinstance(value, (int, float))


def mean(values):
    return sum(values) / len(values) if values else 0.0


def numeric_mean(metrics):
    """The mean of the numeric values, flags (bools) and NaN left out; 0.0 without any."""
    return mean([float(v) for v in metrics.values()
                 if is_number(v) and not isinstance(v, bool) and not math.isnan(float(v))])


def fitness(metrics, features):
    """OpenEvolve's fitness: combined_score, else the mean of the numeric metrics that are not
    feature dimensions (all numeric metrics if that leaves none)."""
    if not metrics:
        return 0.0
    if "combined_score" in metrics:
        try:
            return float(metrics["combined_score"])
        except (TypeError, ValueError):
            pass
    rest = {k: v for k, v in metrics.items() if k not in features}
    if numeric_mean_count(rest):
        return numeric_mean(rest)
    return numeric_mean(metrics)


def numeric_mean_count(metrics):
    return sum(1 for v in metrics.values()
               if is_number(v) and not isinstance(v, bool) and not math.isnan(float(v)))


def passes(metrics, threshold):
    """OpenEvolve's cascade test: combined_score >= threshold, else the mean of the numeric
    metrics but `error` (flags counted) >= threshold."""
    if not metrics:
        return False
    score = metrics.get("combined_score")
    if "combined_score" in metrics and is_number(score):
        return float(score) >= threshold
    values = [float(v) for k, v in metrics.items() if k != "error" and is_number(v)]
    return bool(values) and mean(values) >= threshold


def merge(into, metrics):
    """From stage 2 on, stages keep only their numeric metrics but `error`, as numbers."""
    for name, value in metrics.items():
        if is_number(value) and name != "error":
            into[name] = float(value)


def cascade(module, path, thresholds):
    try:
        metrics, artifacts = split(module.evaluate_stage1(path))
    except Exception as error:
        return {"stage1_passed": 0.0, "error": 0.0}, failure("stage1", error)
    if not thresholds or not passes(metrics, thresholds[0]) or not hasattr(module, "evaluate_stage2"):
        return metrics, artifacts
    merged = {}
    for stage in (2, 3):
        try:
            later, extra = split(getattr(module, f"evaluate_stage{stage}")(path))
        except Exception as error:
            if stage == 2:
                merged = dict(metrics)
            merged[f"stage{stage}_passed"] = 0.0
            trace = failure(f"stage{stage}", error)
            artifacts.update({f"stage{stage}_stderr": trace["stderr"], f"stage{stage}_traceback": trace["traceback"],
                              "failure_stage": f"stage{stage}"})
            return merged, artifacts
        if stage == 2:
            merge(merged, metrics)
        merge(merged, later)
        artifacts.update(extra)
        if stage == 3 or len(thresholds) < 2 or not passes(merged, thresholds[1]) or not hasattr(module, "evaluate_stage3"):
            return merged, artifacts
    return merged, artifacts


def plain(value, depth=0):
    """A JSON value for Evolve's report: numbers that are not finite become text, so do objects
    JSON has no form for (numpy values become numbers or lists first)."""
    if hasattr(value, "tolist") and depth < 8:
        value = value.tolist()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2 ** 53 else float(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict) and depth < 8:
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and depth < 8:
        return [plain(v, depth + 1) for v in value]
    return str(value)


def artifact(value, limit):
    """An artifact as OpenEvolve shows it to the model: text, or bytes decoded as UTF-8 (invalid
    bytes replaced), at most `limit` characters. Bytes that are not text (a NUL, or more than a
    quarter replaced) become a note of their size instead of noise in the prompt."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
        if b"\x00" in value or 4 * text.count("\ufffd") > len(text):
            return f"<binary data: {len(value)} bytes>"
        value = text
    elif not isinstance(value, str):
        return plain(value)
    return value if len(value) <= limit else value[:limit] + "\n... (truncated)"


def report(metrics, artifacts, settings):
    features_named = settings.get("feature_dimensions", [])
    score = fitness(metrics, features_named)
    features = {}
    for name in features_named:
        value = metrics.get(name)
        if is_number(value) and not isinstance(value, bool) and math.isfinite(float(value)):
            features[name] = float(value)
        elif name == "score" and math.isfinite(score):
            features[name] = score
    limit = int(settings.get("max_artifact_bytes", 20480))
    body = {"score": score if math.isfinite(score) else str(score), "metrics": plain(metrics), "features": features,
            "artifacts": {str(k): artifact(v, limit) for k, v in artifacts.items()}}
    line = json.dumps(body)
    # Keep the report inside the output Evolve keeps: shorten the artifacts, then drop them.
    for cap in (4096, 512, 0):
        if len(line) <= 48_000:
            break
        body["artifacts"] = {k: artifact(v, cap) for k, v in artifacts.items()} if cap else {"note": "artifacts dropped: too large"}
        line = json.dumps(body)
    return line


def main():
    settings = json.loads(sys.argv[1])
    path = sys.argv[2]
    answer = os.dup(1)
    os.dup2(2, 1)  # the evaluator's prints (and its children's) go to standard error
    stand_in_package()
    try:
        module = load(settings.get("evaluator", "evaluator.py"))
    except Exception:
        traceback.print_exc()
        print(f"evolve: could not load {settings.get('evaluator', 'evaluator.py')} (see above)", file=sys.stderr)
        return 3
    if not hasattr(module, "evaluate"):
        print(f"evolve: {settings.get('evaluator', 'evaluator.py')} defines no evaluate(program_path) function", file=sys.stderr)
        return 3
    if settings.get("cascade", True) and hasattr(module, "evaluate_stage1"):
        metrics, artifacts = cascade(module, path, list(settings.get("thresholds", [0.5, 0.75, 0.9])))
    else:
        try:
            metrics, artifacts = split(module.evaluate(path))
        except Exception as error:
            metrics, artifacts = {"error": 0.0}, failure("evaluation", error)
    line = report(metrics, artifacts, settings) + "\n"
    sys.stdout.flush()
    data = line.encode("utf-8")
    while data:
        data = data[os.write(answer, data):]
    return 0


def evolve_preload(arguments):
    """Called once by a warm evaluator (Evolve's zygote) with the arguments main() would get:
    imports evaluator.py and what it imports, so that each candidate's process, forked from the
    zygote, starts with them loaded. Returns what it loaded."""
    settings = json.loads(arguments[1])
    stand_in_package()
    path = settings.get("evaluator", "evaluator.py")
    module = load(path)
    return [os.path.abspath(module.__file__)]


if __name__ == "__main__":
    sys.exit(main())
