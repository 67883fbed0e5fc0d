# Evolve's supervisor inside a reused gVisor sandbox (PID 1, root inside the sandbox only).
# Reads one JSON job per line on standard input and answers one JSON line on standard output.
# Each job runs in fresh PID, mount, IPC, UTS and network namespaces with a fresh tmpfs at
# /tmp/eval and its own read-only /candidate, as uid 65534 without capabilities; when the job's
# first process ends, the kernel kills everything else in its PID namespace.
import ctypes, json, os, resource, select, signal, stat, sys, time

libc = ctypes.CDLL(None, use_errno=True)
NEWNS, NEWUTS, NEWIPC, NEWPID, NEWNET = 0x20000, 0x04000000, 0x08000000, 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8
LIMITS = {"cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE, "as": resource.RLIMIT_AS,
          "nproc": resource.RLIMIT_NPROC, "nofile": resource.RLIMIT_NOFILE, "core": resource.RLIMIT_CORE}


def mount(source, target, fstype, flags, data=None):
    if libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"mount {target}: {os.strerror(error)}")


def start(job, out_w, err_w):
    """The job's first process: prepares its namespaces, drops privileges, becomes the evaluator."""
    try:
        mount("tmpfs", "/tmp/eval", "tmpfs", MS_NOSUID | MS_NODEV, f"size={job['tmpfs_mb']}m,mode=1777")
        size = len(job["program"].encode()) + (64 << 10)
        mount("tmpfs", "/candidate", "tmpfs", MS_NOSUID | MS_NODEV, f"size={size},mode=755")
        path = "/candidate/" + job["program_file"]
        with open(path, "w") as file:
            file.write(job["program"])
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
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.execvpe(job["argv"][0], job["argv"], job["env"])
    except BaseException as error:
        try:
            os.write(2, f"evolve sandbox: cannot run {job['argv'][0]}: {error}\n".encode())
        finally:
            os._exit(127)
    os._exit(127)


def tail(data, limit):
    return data[-limit:].decode("utf-8", "replace") if limit else ""


def run(job):
    """Runs one job in this process's new namespaces; returns the answer."""
    if libc.unshare(NEWNS | NEWUTS | NEWIPC | NEWPID | NEWNET) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"unshare: {os.strerror(error)}")
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(out_r)
        os.close(err_r)
        start(job, out_w, err_w)
    os.close(out_w)
    os.close(err_w)
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


def main():
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for line in sys.stdin:
        job = json.loads(line)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            try:
                answer = run(job)
            except BaseException as error:
                answer = {"error": f"{type(error).__name__}: {error}"}
            os.write(write, json.dumps(answer).encode())
            os._exit(0)
        os.close(write)
        chunks = []
        while True:
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(read)
        os.waitpid(pid, 0)
        text = b"".join(chunks).decode() or json.dumps({"error": "the job's supervisor died without an answer"})
        sys.stdout.write(text + "\n")
        sys.stdout.flush()


main()
