"""What the start-up probes found: once per process, and successes once per machine set-up.

A probe starts one child exactly as grading will (`grader.sandbox.resolve`).
Its answer is kept for the life of the process; a success is also written to
the user's cache folder, keyed by the interpreter, numpy, kernel, bubblewrap
and user, so `check` does not pay for a second child each time. Every child
still proves its confinement before it runs student code, and a child that
fails to confine itself forgets every probe (`forget_probes`).
"""
from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path
from typing import Callable

import grader.sandbox.view as child_view
from grader.sandbox.launch import Sandbox, bwrap_binary

KEPT_PROBES = 64

_answers: dict[Sandbox, str | None] = {}  # this process's probes, failures included


def probe_key(candidate: Sandbox) -> str:
    """The machine set-up a probe's success holds for."""
    facts = [repr(candidate), sys.version, numpy_version_text(), child_view.interpreter(), os.uname().release,
             str(bwrap_binary()), str(os.geteuid()), *child_view.numpy_folders()]
    return hashlib.sha256("\0".join(facts).encode()).hexdigest()


def numpy_version_text() -> str:
    """numpy's version file, read rather than imported: a probe's key must not wait for numpy."""
    try:
        return (Path(child_view.numpy_folders()[0]) / "version.py").read_text()
    except OSError:
        return ""


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
        keys = sorted(remembered_probes() | {key})[-KEPT_PROBES:]
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
    _answers.clear()


def remembered(probe: Callable[[Sandbox], str | None]) -> Callable[[Sandbox], str | None]:
    """Wrap a probe (None: confined as the candidate says, else why not) so that it runs
    at most once per process, and not at all where it succeeded before."""
    @functools.wraps(probe)
    def answer(candidate: Sandbox) -> str | None:
        if candidate not in _answers:
            key = probe_key(candidate)
            if key in remembered_probes():
                _answers[candidate] = None
            else:
                _answers[candidate] = probe(candidate)
                if _answers[candidate] is None:
                    remember_probe(key)
        return _answers[candidate]

    return answer
