"""The sandbox: how the child that runs student code is chosen, started, talked to and stopped.

    launch.py       Limits, Sandbox and the modes; starts the child (the only code that starts processes)
    resolve.py      resolve_sandbox: the strongest sandbox here, probed with the exact child command
    probe_cache.py  what the probes found, per process and per machine set-up
    session.py      ChildSession: requests, replies, deadlines and byte budgets, the hello check
    strays.py       kills what is left of a child
    view.py, users.py, safe_text.py   what a child may see, a uid per child, student text made safe
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from grader.sandbox.modes import DEFAULT_TIMEOUT, SANDBOX_MODES

# imported when first used, so that the command line's help needs neither numpy nor the child machinery
LAZY = {
    **{name: "grader.sandbox.launch" for name in (
        "DISABLE_LANDLOCK_VARIABLE", "Limits", "Sandbox", "SandboxFailure", "SandboxUnavailable", "landlock_abi")},
    **{name: "grader.sandbox.resolve" for name in ("bwrap_works", "resolve_sandbox")},
    **{name: "grader.sandbox.session" for name in ("ChildDied", "ChildSession", "ChildTimeout", "LoadResult", "Reply")},
}


def __getattr__(name: str) -> Any:
    if name not in LAZY:
        raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
    value = getattr(import_module(LAZY[name]), name)
    globals()[name] = value
    return value


__all__ = ["DEFAULT_TIMEOUT", "SANDBOX_MODES", *sorted(LAZY)]
