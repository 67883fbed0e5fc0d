# Evolve's supervisor inside a reused gVisor sandbox (PID 1, root inside the sandbox only).
# Reads one JSON job per line on standard input and answers one JSON line on standard output.
# Each job runs in fresh PID, mount, IPC, UTS and network namespaces with a fresh tmpfs at
# /tmp/eval and its own read-only /candidate, as uid 65534 without capabilities; when the job's
# first process ends, the kernel kills everything else in its PID namespace.
#
# With --warm SPEC this process is also a zygote: it imports what the evaluator needs once (the
# modules SPEC names, and what a `python3 -c CODE` template's `evolve_preload` loads), answers a
# `ready` line, and runs each job's Python command in a forked child instead of starting Python
# again. The zygote never reads a job or runs a candidate: for each job it forks a runner, which
# makes the job's namespaces, forks the job's first process and only then reads the job. So
# nothing of one candidate (its program, its output, what it changed in its interpreter) is ever
# in the memory the next candidate is forked from.
import ctypes, json, os, resource, select, shlex, signal, stat, sys, time

libc = ctypes.CDLL(None, use_errno=True)
NEWNS, NEWUTS, NEWIPC, NEWPID, NEWNET = 0x20000, 0x04000000, 0x08000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
LIMITS = {"cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE, "as": resource.RLIMIT_AS,
          "nproc": resource.RLIMIT_NPROC, "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}
# A runner's exit status when standard input ended before a job came: the supervisor stops.
NO_MORE_JOBS = 3
SHELL_SPECIAL = set(";&|<>()`$\n*?")


def mount(source, target, fstype, flags, data=None):
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def write_all(fd, data):
    while data:
        data = data[os.write(fd, data):]


def read_all(fd):
    chunks = []
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def read_line(fd):
    """One line from `fd`, read without reading past it: the host sends the next job only after
    this one's answer. None at the end of input."""
    data = bytearray()
    while not data.endswith(b"\n"):
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return None
        data += chunk
    return bytes(data)


class Warm:
    """The zygote's state: the interpreter it runs and sys.path as a fresh one starts with."""

    def __init__(self, spec):
        self.spec = spec
        self.executable = os.path.realpath(sys.executable)
        self.folder = os.path.realpath(os.path.dirname(sys.executable))
        # sys.path[0] is this script's folder; a job's first entry is its own.
        self.base_path = list(sys.path[1:])
        self.preloaded, self.errors = [], []

    def invocation(self, argv, env):
        """(mode, target, sys.argv) when `argv` runs this interpreter on a script, `-c` code or
        `-m` module; None for anything else, which is executed as it is."""
        if len(argv) == 3 and argv[:2] == ["/bin/sh", "-c"]:
            text = argv[2]
            if not text.startswith("exec ") or SHELL_SPECIAL & set(text):
                return None
            try:
                argv = shlex.split(text)[1:]
            except ValueError:
                return None
        if not argv or "=" in argv[0]:
            return None
        found = argv[0] if "/" in argv[0] else which(argv[0], env.get("PATH", ""))
        if found is None or os.path.realpath(found) != self.executable:
            return None
        if os.path.realpath(os.path.dirname(os.path.join("/problem", found))) != self.folder:
            return None
        rest = argv[1:]
        while rest and rest[0] in ("-u", "-B"):
            rest = rest[1:]
        if not rest:
            return None
        if rest[0] == "-c" and len(rest) >= 2:
            return ("code", rest[1], ["-c"] + rest[2:])
        if rest[0] == "-m" and len(rest) >= 2:
            return ("module", rest[1], [rest[1]] + rest[2:])
        if rest[0].startswith("-"):
            return None
        return ("script", rest[0], rest)

    def preload(self, env):
        """Imports what the spec names, once, in the problem directory; a failure is noted and
        left for each job to meet the way a cold start would."""
        import importlib
        os.chdir("/problem")
        template = self.invocation(self.spec.get("argv", []), env)
        if template and template[0] == "code":
            try:
                namespace = {"__name__": "__evolve_warm__", "__builtins__": __builtins__}
                exec(compile(template[1], "<string>", "exec"), namespace)
                hook = namespace.get("evolve_preload")
                if callable(hook):
                    self.preloaded += list(hook(template[2]) or [])
            except BaseException as error:
                self.errors.append(f"{type(error).__name__}: {error}")
        sys.path.insert(0, "/problem")
        for name in self.spec.get("preload", []):
            try:
                importlib.import_module(name)
                self.preloaded.append(name)
            except BaseException as error:
                self.errors.append(f"{name}: {type(error).__name__}: {error}")
        del sys.path[0]
        import gc
        gc.collect()
        gc.freeze()  # children need not copy the preloaded objects' pages to collect garbage


def interpreter(argv, env):
    """The Python a warm evaluator runs on: the one the job's command names, else `python3`."""
    if len(argv) == 3 and argv[:2] == ["/bin/sh", "-c"] and argv[2].startswith("exec "):
        try:
            argv = shlex.split(argv[2])[1:]
        except ValueError:
            argv = []
    name = argv[0] if argv and os.path.basename(argv[0]).startswith("python") else "python3"
    return (name if "/" in name else which(name, env.get("PATH", ""))) or "/usr/bin/python3"


def which(name, path):
    for folder in path.split(os.pathsep):
        candidate = os.path.join(folder or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def prepare(job, out_w, err_w):
    """In the job's first process: its mounts, hostname, limits and standard streams; then it
    drops to uid 65534 without capabilities."""
    mount("tmpfs", "/tmp/eval", "tmpfs", MS_NOSUID | MS_NODEV, f"size={job['tmpfs_mb']}m,mode=1777")
    files = job["files"]
    size = sum(len(text.encode()) + 4096 for text in files.values()) + (64 << 10)
    mount("tmpfs", "/candidate", "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=755")
    for name, text in files.items():
        path = os.path.join("/candidate", name)
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        with open(path, "w") as file:
            file.write(text)
        os.chmod(path, 0o444)
    # gVisor cannot remount read-only: the file and its folder belong to root, the job does not.
    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    libc.sethostname(b"evolve", 6)
    for name, value in job["rlimits"].items():
        soft, hard = (value, value + 1) if name == "cpu" else (value, value)
        resource.setrlimit(LIMITS[name], (soft, hard))
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    null = os.open("/dev/null", os.O_RDONLY) if os.path.exists("/dev/null") else None
    if null is not None:
        os.dup2(null, 0)
    else:
        os.close(0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.closerange(3, 1 << 16)
    os.chdir("/problem")


def first_process(warm, job_r, out_w, err_w):
    """The job's first process (PID 1 of its namespace): waits for the job, then becomes it."""
    job = None
    try:
        job = json.loads(read_all(job_r))
        prepare(job, out_w, err_w)
        invocation = warm.invocation(job["argv"], job["env"]) if warm else None
        if invocation:
            run_warm(warm, invocation, job["env"])
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.execvpe(job["argv"][0], job["argv"], job["env"])
    except BaseException as error:
        try:
            what = job["argv"][0] if job else "the job"
            os.write(2, f"evolve sandbox: cannot run {what}: {error}\n".encode())
        finally:
            os._exit(127)
    os._exit(127)


def run_warm(warm, invocation, env):
    """Runs the job's Python command in this process, as a fresh `python3` would, and exits."""
    import atexit, builtins, io, runpy, threading, types
    mode, target, argv = invocation
    os.environ.clear()
    os.environ.update(env)
    sys.argv = argv
    first = {"script": os.path.dirname(os.path.abspath(target)), "code": "", "module": os.getcwd()}[mode]
    sys.path[:] = [first] + warm.base_path
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE")) or sys.flags.dont_write_bytecode
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")

    def stream(fd, errors):
        raw = io.FileIO(fd, "w", closefd=False)
        binary = raw if unbuffered else io.BufferedWriter(raw)
        return io.TextIOWrapper(binary, encoding="utf-8", errors=errors, write_through=unbuffered, line_buffering=False)

    sys.stdout = sys.__stdout__ = stream(1, "strict")
    sys.stderr = sys.__stderr__ = stream(2, "backslashreplace")
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    code = 0
    try:
        if mode == "code":
            main = types.ModuleType("__main__")
            main.__builtins__ = builtins
            sys.modules["__main__"] = main
            exec(compile(target, "<string>", "exec"), main.__dict__)
        elif mode == "script":
            runpy.run_path(target, run_name="__main__")
        else:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        if exit.code is not None and not isinstance(exit.code, int):
            print(exit.code, file=sys.stderr)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
    except BaseException:
        sys.excepthook(*sys.exc_info())
    for name in ("stdout", "stderr"):
        try:
            getattr(sys, name).flush()
        except BaseException:
            code = code or 120
    os._exit(code & 0xFF)


def tail(data, limit):
    return data[-limit:].decode("utf-8", "replace") if limit else ""


def supervise(job, pid, out_r, err_r):
    """Watches the job's first process: its wall clock and its output; returns the answer."""
    started = time.monotonic()
    deadline = started + job["timeout"]
    limit, keep = job["max_output"], job["output_bytes"]
    buffers = {out_r: bytearray(), err_r: bytearray()}
    dropped = {out_r: False, err_r: False}
    total, reason, status, open_fds = 0, None, None, [out_r, err_r]
    while True:
        if status is None:
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                status = raw
                drain_until = time.monotonic() + 0.5
        now = time.monotonic()
        if status is not None and (not open_fds or now > drain_until):
            break
        if status is None and now >= deadline:
            reason = "timeout"
            os.kill(pid, signal.SIGKILL)
        if not open_fds:
            time.sleep(0.02)
            continue
        ready, _, _ = select.select(open_fds, [], [], 0.02)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                open_fds.remove(fd)
                continue
            total += len(chunk)
            buffer = buffers[fd]
            buffer += chunk
            if len(buffer) > 2 * keep + (1 << 16):
                del buffer[: len(buffer) - keep]
                dropped[fd] = True
            if total > limit and reason is None and status is None:
                reason = "output"
                os.kill(pid, signal.SIGKILL)
    answer = {"duration": time.monotonic() - started, "reason": reason,
              "stdout": tail(buffers[out_r], keep), "stderr": tail(buffers[err_r], keep),
              "truncated": dropped[out_r] or dropped[err_r] or len(buffers[out_r]) > keep or len(buffers[err_r]) > keep}
    if os.WIFSIGNALED(status):
        answer["signal"] = os.WTERMSIG(status)
    else:
        answer["code"] = os.WEXITSTATUS(status)
    try:
        fd = os.open("/tmp/eval/result.json", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                answer["result"] = os.read(fd, 1 << 20).decode("utf-8", "replace")
        finally:
            os.close(fd)
    except OSError:
        pass
    return answer


def runner(warm, taken):
    """One job: new namespaces, the job's first process forked before the job is read, then the
    job, its supervision and its answer on standard output. Writes one byte to `taken` as soon as
    the job is read, so that the supervisor prepares the next runner while this one works."""
    answer, failure = None, None
    try:
        if libc.unshare(NEWNS | NEWUTS | NEWIPC | NEWPID | NEWNET) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"unshare: {os.strerror(error)}")
        job_r, job_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            for fd in (job_w, out_r, err_r, taken):
                os.close(fd)
            first_process(warm, job_r, out_w, err_w)
        for fd in (job_r, out_w, err_w):
            os.close(fd)
    except BaseException as error:
        pid, failure = None, error
    line = read_line(0)
    if line is None:
        if pid:
            os.kill(pid, signal.SIGKILL)
        os._exit(NO_MORE_JOBS)
    write_all(taken, b"T")
    os.close(taken)
    try:
        if failure:
            raise failure
        job = json.loads(line)
        write_all(job_w, line)
        os.close(job_w)
        answer = supervise(job, pid, out_r, err_r)
    except BaseException as error:
        answer = {"error": f"{type(error).__name__}: {error}"}
    write_all(1, (json.dumps(answer) + "\n").encode())
    os._exit(0)


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    warm = None
    if len(sys.argv) > 2 and sys.argv[1] == "--warm":
        if sys.argv[3:] != ["--started"]:
            # Started isolated on the sandbox's own Python; the zygote is the job's Python, as a job's
            # would start (its virtual environment's site-packages, PYTHON* variables honoured).
            python = interpreter(json.loads(sys.argv[2]).get("argv", []), os.environ)
            os.execve(python, [python, os.path.abspath(__file__), "--warm", sys.argv[2], "--started"], os.environ)
        warm = Warm(json.loads(sys.argv[2]))
        warm.preload(dict(os.environ))
        write_all(1, (json.dumps({"ready": True, "preloaded": warm.preloaded, "errors": warm.errors}) + "\n").encode())
    sys.stdout.flush()
    sys.stderr.flush()
    busy = set()

    ended = {}

    def reap():
        """Notes runners that ended; one that took a job and died without answering gets an answer."""
        while busy or waiting:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            if pid not in busy:
                ended[pid] = status
                continue
            busy.discard(pid)
            if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
                write_all(1, (json.dumps({"error": "the job's supervisor died without an answer"}) + "\n").encode())

    waiting = None
    while True:
        taken_r, taken_w = os.pipe()
        waiting = os.fork()
        if waiting == 0:
            os.close(taken_r)
            runner(warm, taken_w)
        os.close(taken_w)
        byte = None
        while byte is None:
            ready, _, _ = select.select([taken_r], [], [], 0.2)
            reap()
            if ready:
                byte = os.read(taken_r, 1)
        os.close(taken_r)
        if byte == b"T":
            busy.add(waiting)
            continue
        # The runner ended before taking a job: at the end of input, or it failed to start.
        status = ended.pop(waiting, None)
        if status is None:
            _, status = os.waitpid(waiting, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == NO_MORE_JOBS:
            return
        time.sleep(0.1)


main()
