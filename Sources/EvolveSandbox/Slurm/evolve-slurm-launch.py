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
# command ends is killed too. The command dies with the launcher (PR_SET_PDEATHSIG), so a
# SIGKILLed launcher leaves no command behind; what the command detached is the cluster's to find
# (proctrack/cgroup kills every process of the step).
#
# With isolation `gvisor` the command is `runsc run` of an OCI bundle Evolve wrote into the job's
# folder, and job.json adds what the gVisor backend does around it on Evolve's machine: a tmpfs
# of `tmpfs_mb` mounted at the evaluation's writable folder (and detached afterwards), a cap on
# the output (`output_limit`: runsc writes the container's output, which no rlimit of ours
# bounds), and afterwards the sandbox removed as the gVisor backend removes it: every process left
# in its cgroup (`cgroup_procs`) SIGKILLed, then runsc's record of it (`records`) deleted, or, if
# the cgroup would not empty, `cleanup` (`runsc delete -force`, which waits about a second for a
# sandbox already gone), and its cgroups (`cgroups`) removed.
#
# When the launcher runs in a Slurm job's cgroups (a cluster with proctrack/cgroup or
# task/cgroup: /proc/self/cgroup names `…/job_N/…`), the sandbox's cgroup goes under the
# launcher's own, so that Slurm's memory and CPU limits and its accounting see the sandbox and the
# step's end reaches it: job.json's `nested_cgroup` (the container's id) becomes the bundle's
# relative `cgroupsPath`, which runsc puts below its own cgroup in each hierarchy, and the cgroups
# the launcher empties and removes afterwards are those. Elsewhere it stays where Evolve put it.
#
# A launcher that was SIGKILLed cannot clean up after its sandbox. So with isolation `gvisor` each
# launcher keeps a record of what it made on the node (`sweep`: runsc and the run's node-local
# runsc root, where `ID.launcher` names the launcher's pid, its tmpfs and its cgroups) and removes
# it once it has cleaned up; and before it starts, it sweeps what the run's launchers that died on
# this node left: for each record whose launcher is gone, the tmpfs is detached, runsc's record
# deleted (`runsc delete -force`), the sandbox's cgroups removed, and with them the empty cgroups
# Slurm could not remove because of them (the dead step's, and its job's unless that is this
# launcher's job, where another step may be starting).
#
# Exit status: 0 once outcome.json is written; 70 when the evaluation could not be run at all
# (a harness failure, explained on standard error); 128 + n when the launcher was stopped by
# signal n, after killing the command's group and cleaning up: SIGUSR1 is Evolve's stop (srun
# passes it on; on SIGTERM srun cancels the step, which SIGKILLs us), SIGTERM scancel's.
import ctypes, glob, json, os, re, resource, select, signal, stat, subprocess, sys, time

LIMITS = {"as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE,
          "nproc": resource.RLIMIT_NPROC, "core": resource.RLIMIT_CORE}
child_group = None
job = None
libc = ctypes.CDLL(None, use_errno=True)
MS_NOSUID, MS_NODEV, MNT_DETACH, PR_SET_PDEATHSIG = 2, 4, 2, 1


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
    launcher = os.getpid()
    pid = os.fork()
    if pid != 0:
        return pid
    try:
        os.setpgid(0, 0)
        # Dies with the launcher, SIGKILL included (runsc's sandbox and gofer, attached to it, follow).
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != launcher:
            os._exit(127)
        for signum in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
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


def output_size(directory):
    size = 0
    for name in ("stdout", "stderr"):
        try:
            size += os.stat(os.path.join(directory, name)).st_size
        except OSError:
            pass
    return size


def wait(pid, timeout, directory, output_limit):
    """Waits for the command until its wall clock runs out or its output passes `output_limit`
    (checked every 50 ms when there is one); returns (wait status, why it was stopped or None)."""
    deadline = time.monotonic() + timeout
    descriptor = os.pidfd_open(pid)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.killpg(pid, signal.SIGKILL)
                return os.waitpid(pid, 0)[1], "timeout"
            select.select([descriptor], [], [], remaining if output_limit is None else min(remaining, 0.05))
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return status, None
            if output_limit is not None and output_size(directory) > output_limit:
                os.killpg(pid, signal.SIGKILL)
                return os.waitpid(pid, 0)[1], "output"
    finally:
        os.close(descriptor)


def mount_tmpfs(path, size_mb):
    options = f"size={size_mb}m,mode=1777".encode()
    if libc.mount(b"tmpfs", path.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options) != 0:
        error = ctypes.get_errno()
        fail(f"cannot mount a tmpfs at {path}: {os.strerror(error)}")


def empty_cgroups(paths, limit=2.0):
    """SIGKILLs every process in the cgroups until they are empty; False if one is not within `limit` s."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        members = []
        for path in paths:
            try:
                with open(path) as file:
                    members += [int(line) for line in file if line.strip()]
            except OSError:
                pass
        if not members:
            return True
        for pid in members:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)
    return False


def clean_up():
    """What the gVisor backend removes after a sandbox: its processes, runsc's record, its cgroups, the tmpfs."""
    procs = [path for path in job.get("cgroup_procs", []) if os.path.exists(path)]
    if procs and empty_cgroups(procs):
        for pattern in job.get("records", []):
            for path in glob.glob(pattern):
                try:
                    os.remove(path)
                except OSError:
                    pass
    else:
        for argv in job.get("cleanup", []):
            try:
                subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
            except (OSError, subprocess.SubprocessError):
                pass
    for pattern in job.get("cgroups", []):
        for directory in glob.glob(pattern):
            for _ in range(40):  # a killed sandbox's last threads may still be leaving it (EBUSY)
                try:
                    os.rmdir(directory)
                    break
                except OSError:
                    time.sleep(0.025)
    if job.get("tmpfs_mb"):
        libc.umount2(job["eval_dir"].encode(), MNT_DETACH)
    record = launcher_record()
    if record:
        try:
            os.remove(record)
        except OSError:
            pass


def slurm_cgroups():
    """The launcher's cgroups as [(hierarchy folder, path)] when they are a Slurm job's, else None."""
    try:
        with open("/proc/self/cgroup") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    entries = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers:
            folder = "/sys/fs/cgroup/" + controllers.replace("name=", "")
        else:  # the unified (v2) hierarchy: alone, or beside v1 ones
            folder = "/sys/fs/cgroup/unified" if os.path.isdir("/sys/fs/cgroup/unified") else "/sys/fs/cgroup"
        entries.append((folder, path))
    if not any(re.search(r"/job_[0-9]+(/|$)", path) for _, path in entries):
        return None
    return [(folder, path) for folder, path in entries if os.path.isdir(folder + path)]


def nest_cgroup(directory, nonce):
    """Puts the gVisor sandbox's cgroup under the launcher's own, when that is a Slurm job's."""
    leaf = job.get("nested_cgroup")
    entries = slurm_cgroups() if leaf else None
    if not entries:
        return
    path = os.path.join(directory, "config.json")
    try:
        with open(path) as file:
            config = json.load(file)
        config["linux"]["cgroupsPath"] = leaf
    except (OSError, ValueError, KeyError, TypeError) as error:
        fail(f"cannot read the sandbox's bundle {path}: {error}")
    write_json(directory, "config.json", nonce, config)
    folders = [os.path.normpath(f"{folder}/{path}/{leaf}") for folder, path in entries]
    job["cgroup_procs"] = [folder + "/cgroup.procs" for folder in folders]
    job["cgroups"] = folders


def launcher_alive(pid, bundle):
    """Whether the launcher `pid` of the evaluation in `bundle` still runs (a pid used again by
    another process does not name the bundle on its command line)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return bundle.encode() in file.read()
    except OSError:
        return False


def remove_cgroups(patterns):
    """rmdir of the cgroups (glob patterns), then of the empty Slurm cgroups above them: task and
    step ones, and the job's unless it is this launcher's. Another job's cgroup (a dead launcher's)
    goes with everything under it, deepest first: its steps' other cgroups block it otherwise."""
    own_job = f"job_{os.environ.get('SLURM_JOB_ID')}"
    for pattern in patterns:
        # `runsc delete` may have removed the sandbox's own cgroup already: then, in a Slurm
        # job's cgroups, start above it.
        in_job = re.search(r"/job_[0-9]+/", pattern) is not None
        for folder in glob.glob(pattern) or (glob.glob(os.path.dirname(pattern)) if in_job else []):
            while True:
                try:
                    os.rmdir(folder)
                except OSError:
                    break
                folder = os.path.dirname(folder)
                name = os.path.basename(folder)
                if not re.fullmatch(r"task_[0-9]+|step_[0-9a-z_]+|job_[0-9]+", name) or name == own_job:
                    break
        job_folder = re.match(r"(.*/job_[0-9]+)(/|$)", pattern)
        if job_folder and os.path.basename(job_folder.group(1)) != own_job:
            for folder in glob.glob(job_folder.group(1)):
                remove_cgroup_tree(folder)


def remove_cgroup_tree(folder, attempts=10):
    """rmdir of a cgroup and every cgroup under it, deepest first, tried again for about two
    seconds while the last of its processes exit; a cgroup that still holds one stays."""
    for _ in range(attempts):
        for parent, children, _ in os.walk(folder, topdown=False):
            for child in children:
                try:
                    os.rmdir(os.path.join(parent, child))
                except OSError:
                    pass
        try:
            os.rmdir(folder)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.2)


def sweep(command):
    """Removes what SIGKILLed launchers of this run left on this node (see the top)."""
    root = command[command.index("--root") + 1]
    for path in glob.glob(os.path.join(glob.escape(root), "*.launcher")):
        try:
            with open(path) as file:
                record = json.load(file)
            pid, bundle, container = int(record["pid"]), record["bundle"], record["id"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if launcher_alive(pid, bundle):
            continue
        if record.get("tmpfs"):
            libc.umount2(record["eval_dir"].encode(), MNT_DETACH)
        try:
            subprocess.run(command + ["delete", "-force", container], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=10)
        except (OSError, subprocess.SubprocessError):
            pass
        for leftover in glob.glob(os.path.join(glob.escape(root), glob.escape(container) + "_*")):
            try:
                os.remove(leftover)
            except OSError:
                pass
        remove_cgroups(record.get("cgroups", []))
        try:
            os.remove(path)
        except OSError:
            pass


def launcher_record():
    """Where this launcher records what it makes on the node (isolation `gvisor`), or None."""
    command = job.get("sweep")
    if not command:
        return None
    return os.path.join(command[command.index("--root") + 1], job["argv"][-1] + ".launcher")


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
        clean_up()
    os._exit(128 + signum)


def main():
    global child_group, job
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
    for signum in (signal.SIGUSR1, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    node = os.environ.get("SLURMD_NODENAME")
    for tool in job.get("requires", []):
        if not os.access(tool, os.X_OK):
            fail(f"{tool} is not installed on node {node}")
    for path in job.get("make_directories", []):
        os.makedirs(path, mode=0o700, exist_ok=True)
    if job.get("sweep"):
        sweep(job["sweep"])
    nest_cgroup(directory, nonce)
    record = launcher_record()
    if record:
        write_json(os.path.dirname(record), os.path.basename(record), nonce, {
            "pid": os.getpid(), "bundle": directory, "id": job["argv"][-1], "eval_dir": job["eval_dir"],
            "tmpfs": bool(job.get("tmpfs_mb")), "cgroups": job.get("cgroups", [])})
    if job.get("tmpfs_mb"):
        mount_tmpfs(job["eval_dir"], job["tmpfs_mb"])
    where = {"nonce": nonce, "node": node, "job_id": os.environ.get("SLURM_JOB_ID"), "step_id": os.environ.get("SLURM_STEP_ID")}
    write_json(directory, "started.json", nonce, where)
    started = time.monotonic()
    child_group = start(job, directory)
    status, stopped = wait(child_group, job["timeout"], directory, job.get("output_limit"))
    duration = time.monotonic() - started
    try:
        os.killpg(child_group, signal.SIGKILL)
    except OSError:
        pass
    result = read_result(os.path.join(job["eval_dir"], "result.json"), job["result_limit"])
    clean_up()
    outcome = dict(where, timed_out=stopped == "timeout", output_exceeded=stopped == "output", duration=duration, result=result)
    if os.WIFSIGNALED(status):
        outcome["signal"] = os.WTERMSIG(status)
    else:
        outcome["exit"] = os.WEXITSTATUS(status)
    write_json(directory, "outcome.json", nonce, outcome)


main()
