"""The sandbox: how the child that runs student code is chosen, started, talked to and stopped.

    launch.py       Limits, Sandbox and the modes; starts the child (the only code that starts processes)
    resolve.py      resolve_sandbox: the strongest sandbox here, probed with the exact child command
    probe_cache.py  what the probes found, per process and per machine set-up
    session.py      ChildSession: requests, replies, deadlines and byte budgets, the hello check
    strays.py       kills what is left of a child
    view.py, users.py, safe_text.py   what a child may see, a uid per child, student text made safe
"""
from __future__ import annotations

from grader.sandbox.launch import (DEFAULT_TIMEOUT, DISABLE_LANDLOCK_VARIABLE, SANDBOX_MODES, Limits, Sandbox,
                                   SandboxFailure, SandboxUnavailable, landlock_abi)
from grader.sandbox.resolve import bwrap_works, resolve_sandbox
from grader.sandbox.session import ChildDied, ChildSession, ChildTimeout, LoadResult, Reply

__all__ = [
    "DEFAULT_TIMEOUT", "DISABLE_LANDLOCK_VARIABLE", "SANDBOX_MODES", "ChildDied", "ChildSession", "ChildTimeout",
    "Limits", "LoadResult", "Reply", "Sandbox", "SandboxFailure", "SandboxUnavailable", "bwrap_works",
    "landlock_abi", "resolve_sandbox",
]
