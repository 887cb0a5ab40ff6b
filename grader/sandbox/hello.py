"""What a new child is asked first, and what its answer to hello must say.

The child confines itself before it reads any request, and refuses to import a
student file when its confinement failed, so the hello and the loads can be
sent at once; the parent still checks the hello's answer before it uses the
child (a child that falls short is killed, and grading does not start).
"""
from __future__ import annotations

import sys

import numpy as np

from grader.child import protocol
from grader.sandbox.launch import FULL_LANDLOCK_ABI, Sandbox


def confinement_problems(header: protocol.ReplyHeader, sandbox: Sandbox) -> list[str]:
    """How the child's hello falls short of `sandbox`: Landlock, seccomp, or another Python or numpy."""
    confinement = header.get("confinement", {})
    problems = [str(problem) for problem in confinement.get("errors", [])]
    expected_abi = sandbox.landlock_abi if sandbox.mode != "none" else 0
    if expected_abi and confinement.get("landlock", 0) < min(expected_abi, FULL_LANDLOCK_ABI):
        problems.append(f"Landlock ABI {confinement.get('landlock', 0)} in the child, {expected_abi} expected")
    if sandbox.seccomp and sandbox.mode != "none" and not confinement.get("seccomp"):
        problems.append("the seccomp filter is not installed in the child")
    if header.get("numpy") != np.__version__ or header.get("python") != sys.version:
        problems.append(f"the child runs Python {header.get('python')} with numpy "
                        f"{header.get('numpy')}, not the grader's {sys.version} with {np.__version__}")
    return problems


def start_requests(files: list[str], module_names: list[str], search_path: str | None) -> list[protocol.Request]:
    """What `start` asks a new child, in order: hello, then one load per file."""
    loads: list[protocol.Request] = [{"op": "load", "files": [file], "module_names": [name],
                                      "search_path": search_path} for file, name in zip(files, module_names)]
    return [{"op": "hello"}, *loads]
