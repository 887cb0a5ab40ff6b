"""Choose the sandbox: the strongest that `--sandbox auto|bwrap|process|none` allows here.

Each candidate is probed with the exact child command (`probe`): a child is
started as grading will start it and must say that it is confined as the
candidate promises. Where only file permissions protect the solutions and the
course's files (no Landlock, a uid per child), they are checked as well.
Without any boundary the grader refuses to grade, and says how to fix it.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable

from grader.child import seccomp
import grader.sandbox.view as child_view
from grader.sandbox.launch import (FULL_LANDLOCK_ABI, HELLO_TIMEOUT, SANDBOX_MODES, Limits, Sandbox,
                                   SandboxUnavailable, bwrap_binary, landlock_abi)
from grader.sandbox.probe_cache import remembered
from grader.sandbox.safe_text import clean_text
from grader.sandbox.users import NoFreeUser

NO_SANDBOX_FIX = ("Fix: install bubblewrap, run on a kernel with Landlock (Linux 6.7 or later), or, as root, use "
                  "a Python that an unprivileged user can run (e.g. a venv made from /usr/bin/python3 outside "
                  "/root). --sandbox none grades without a boundary (unsafe).")

_notices_given: set[str] = set()


def notice_once(text: str) -> None:
    """Tell the user something about the sandbox on stderr, once per process."""
    if text not in _notices_given:
        _notices_given.add(text)
        print(f"lstm-grader: {text}", file=sys.stderr)


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
    failures: list[str] = []
    if mode in ("auto", "bwrap"):
        chosen = bubblewrap_sandbox(limits, failures)
        if chosen is not None:
            return chosen
        if mode == "bwrap":
            raise SandboxUnavailable("; ".join(failures) + "; use --sandbox process")
    chosen = process_sandbox(limits, protected, failures)
    if mode == "auto" and not quiet:
        notice_once(f"{failures[0] if failures else 'bubblewrap unavailable'}; grading in the process "
                    f"sandbox ({chosen.isolation})")
    return chosen


def bubblewrap_sandbox(limits: Limits, failures: list[str]) -> Sandbox | None:
    """The bwrap sandbox when bubblewrap is here and works, else None (with the reason in `failures`)."""
    if bwrap_binary() is None:
        failures.append("bubblewrap is not installed (apt-get install bubblewrap)")
        return None
    candidate = Sandbox("bwrap", limits, landlock_abi(), seccomp.supported())
    problem = probe(candidate)
    if problem is None:
        return candidate
    failures.append(f"bubblewrap cannot run here ({problem})")
    return None


def process_sandbox(limits: Limits, protected: Iterable[Path], failures: list[str]) -> Sandbox:
    """The process sandbox: a uid per child (as root), or the grader's uid under full Landlock.

    Raises SandboxUnavailable, with every reason in `failures` and the fix, when neither works.
    """
    abi, filters = landlock_abi(), seccomp.supported()
    candidates = []
    if os.geteuid() == 0:
        candidates.append(Sandbox("process", limits, abi, filters, own_users=True))
    if abi >= FULL_LANDLOCK_ABI:
        candidates.append(Sandbox("process", limits, abi, filters, own_users=False))
    else:
        failures.append(f"the kernel offers Landlock ABI {abi} (need {FULL_LANDLOCK_ABI} to grade as the same "
                        "user)" if abi else "Landlock is not available")
    for candidate in candidates:
        problem = interpreter_problem(candidate) or probe(candidate) or permission_problem(candidate, protected)
        if problem is None:
            return candidate
        failures.append(problem)
    if os.geteuid() != 0 and abi < FULL_LANDLOCK_ABI:
        failures.append("not running as root, so children cannot get uids of their own")
    raise SandboxUnavailable("no sandbox can hold student code here: " + "; ".join(failures) + ". "
                             + NO_SANDBOX_FIX)


@remembered
def probe(candidate: Sandbox) -> str | None:
    """Start one child exactly as grading will and ask it how it is confined; None when it is
    confined as `candidate` says, else why not (see grader.sandbox.probe_cache)."""
    from grader.sandbox.session import ChildDied, ChildSession, ChildTimeout  # numpy: only when a probe runs

    try:
        with ChildSession([], [], None, load_timeout=HELLO_TIMEOUT, sandbox=candidate) as session:
            session.start()
    except (SandboxUnavailable, ChildTimeout, ChildDied, OSError, NoFreeUser) as error:
        kind = "a uid of its own" if candidate.own_users else "the grader's uid"
        return f"a child with {kind} could not start: {clean_text(error, 300)}"
    return None


def bwrap_works() -> bool:
    """Whether bubblewrap is here and can create the namespaces we use (not in default Docker)."""
    return bwrap_binary() is not None and probe(Sandbox("bwrap", Limits(), landlock_abi(),
                                                        seccomp.supported())) is None


def interpreter_problem(candidate: Sandbox) -> str | None:
    """For a child with a uid of its own: why that uid cannot even run the interpreter, else None.

    Seen in the file modes, so `check` does not start a child that must fail
    (as root with Python under /root, mode 700) every time it runs.
    """
    if not candidate.own_users:
        return None
    binary = Path(child_view.interpreter())
    try:
        closed = closed_to_others([*reversed(binary.parents), binary])
        if closed is not None:
            return (f"a child with a uid of its own could not start: other users cannot run {binary} "
                    f"({closed} is mode {os.stat(closed).st_mode & 0o777:o})")
    except OSError as error:
        return f"a child with a uid of its own could not start: {clean_text(error, 300)}"
    return None


def closed_to_others(paths: Iterable[Path]) -> Path | None:
    """The first of `paths` that other users may not search or execute (mode without o+x), else None."""
    return next((path for path in paths if not os.stat(path).st_mode & 0o001), None)


def readable_by_others(path: Path) -> bool:
    """Whether a user other than the owner (and not in its group) can read `path` or,
    for a folder, any file beneath it."""
    path = Path(path).absolute()
    try:
        if closed_to_others(reversed(path.parents)) is not None:
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
    exposed = [str(path) for path in [child_view.solutions_dir(), *protected] if readable_by_others(Path(path))]
    if exposed:
        return (f"without Landlock only file permissions protect {', '.join(exposed)}, and other users can "
                f"read it: run chmod -R o-rwx {' '.join(exposed)}")
    writable = [folder for folder in child_view.package_folders() if os.stat(folder).st_mode & 0o002]
    if writable:
        return f"{', '.join(writable)} can be written by any user: run chmod o-w on it"
    return None
