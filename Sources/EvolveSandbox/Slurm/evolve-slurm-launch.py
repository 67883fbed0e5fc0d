# Evolve's launcher for one evaluation on a Slurm node; srun runs it as the job's (or step's) task:
#
#   python3 -I -S evolve-slurm-launch.py JOB_DIRECTORY NONCE
#
# JOB_DIRECTORY (on the shared path) holds job.json, written by Evolve: the command, its
# environment and working directory, its rlimits and its wall clock. The launcher writes
# started.json when it begins and outcome.json when the command has ended, both carrying the
# NONCE, so that Evolve never takes a stale or foreign file for this evaluation's result. Each is
# written to a temporary name and renamed, so it is never read half-written.
#
# The command runs as the process backend runs it on Evolve's own machine: its own process group,
# rlimits on address space, CPU time, file size, process count and core files, standard output
# and error in files whose size RLIMIT_FSIZE bounds, an environment of nothing but what job.json
# gives, and a wall clock that kills the whole group. Whatever is left of the group when the
# command ends is killed too.
#
# Exit status: 0 once outcome.json is written; 70 when the evaluation could not be run at all
# (a harness failure, explained on standard error); 128 + n when the launcher was killed by
# signal n (scancel, the end of the job), after killing the command's group.
import json, os, resource, select, signal, stat, sys, time

LIMITS = {"as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE,
          "nproc": resource.RLIMIT_NPROC, "core": resource.RLIMIT_CORE}
child_group = None


def fail(message):
    sys.stderr.write(f"evolve-slurm-launch: {message}\n")
    sys.exit(70)


def write_json(directory, name, nonce, value):
    temporary = os.path.join(directory, f".{name}.{nonce}.tmp")
    with open(temporary, "w") as file:
        json.dump(value, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, os.path.join(directory, name))


def owned_processes():
    """How many processes this user runs: RLIMIT_NPROC counts them all (root is exempt)."""
    if os.getuid() == 0:
        return 0
    count = 0
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat("/proc/" + entry).st_uid == os.getuid():
                count += 1
        except OSError:
            pass
    return count


def start(job, directory):
    """Forks the command in a process group of its own, under its rlimits; returns its pid."""
    extra_processes = owned_processes()
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        os.setpgid(0, 0)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        for name, value in job["rlimits"].items():
            soft, hard = value if isinstance(value, list) else (value, value)
            if name == "nproc":
                soft, hard = soft + extra_processes, hard + extra_processes
            resource.setrlimit(LIMITS[name], (soft, hard))
        null = os.open("/dev/null", os.O_RDONLY)
        out = os.open(os.path.join(directory, "stdout"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(os.path.join(directory, "stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.closerange(3, 1 << 16)
        os.chdir(job["cwd"])
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.execvpe(job["argv"][0], job["argv"], job["env"])
    except BaseException as error:
        try:
            os.write(2, f"evolve: cannot run {job['argv'][0]}: {error}\n".encode())
        finally:
            os._exit(127)
    os._exit(127)


def wait(pid, timeout):
    """Waits for the command until its wall clock runs out; returns (wait status, timed out)."""
    deadline = time.monotonic() + timeout
    descriptor = os.pidfd_open(pid)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.killpg(pid, signal.SIGKILL)
                return os.waitpid(pid, 0)[1], True
            select.select([descriptor], [], [], remaining)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status, False
    finally:
        os.close(descriptor)


def read_result(path, limit):
    """result.json of the evaluation, at most `limit` bytes, if it is a regular file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return os.read(descriptor, limit).decode("utf-8", "replace")
    finally:
        os.close(descriptor)


def on_signal(signum, frame):
    # Cancelled (scancel, the job's end, srun killed): nothing the command started may outlive us.
    if child_group is not None:
        try:
            os.killpg(child_group, signal.SIGKILL)
        except OSError:
            pass
    os._exit(128 + signum)


def main():
    global child_group
    if len(sys.argv) != 3:
        fail("usage: evolve-slurm-launch.py JOB_DIRECTORY NONCE")
    directory, nonce = sys.argv[1], sys.argv[2]
    try:
        with open(os.path.join(directory, "job.json")) as file:
            job = json.load(file)
    except (OSError, ValueError) as error:
        fail(f"cannot read the job in {directory}: {error}")
    if job.get("nonce") != nonce:
        fail(f"{directory}/job.json belongs to another evaluation")
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    where = {"nonce": nonce, "node": os.environ.get("SLURMD_NODENAME"), "job_id": os.environ.get("SLURM_JOB_ID"),
             "step_id": os.environ.get("SLURM_STEP_ID")}
    write_json(directory, "started.json", nonce, where)
    started = time.monotonic()
    child_group = start(job, directory)
    status, timed_out = wait(child_group, job["timeout"])
    duration = time.monotonic() - started
    try:
        os.killpg(child_group, signal.SIGKILL)
    except OSError:
        pass
    outcome = dict(where, timed_out=timed_out, duration=duration,
                   result=read_result(os.path.join(job["eval_dir"], "result.json"), job["result_limit"]))
    if os.WIFSIGNALED(status):
        outcome["signal"] = os.WTERMSIG(status)
    else:
        outcome["exit"] = os.WEXITSTATUS(status)
    write_json(directory, "outcome.json", nonce, outcome)


main()
