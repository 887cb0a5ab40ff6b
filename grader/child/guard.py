"""The process sandbox's last line of defence in the child: an audit hook (see `install_guard`).

Loaded by path in the child beside the worker (standard library and numpy only).
It is a tripwire, not the boundary: Landlock, seccomp and the namespaces are.
"""
from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np


BLOCKED_EVENTS = frozenset({
    "subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function", "ctypes.string_at", "ctypes.wstring_at",
    "ctypes.cdata", "ctypes.addressof",
    "socket.__new__", "socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo",
    "sys.addaudithook", "pty.spawn",
})
MUTATING_EVENTS = frozenset({"os.remove", "os.rmdir", "os.rename", "os.truncate", "os.chmod", "os.chown",
                             "os.link", "os.symlink", "shutil.rmtree", "os.mkdir", "os.utime"})
_guard_installed = False


def install_guard(files: list[str], search_path: str | None) -> None:
    """A last line of defence for the process sandbox (bubblewrap already hides the
    rest of the machine): an audit hook that refuses to open files outside the
    runtime, numpy, the submission and the working folder, to start programs, to
    load native code with ctypes or to open sockets. Audit hooks cannot be removed
    once added; they are not a boundary against native code, which is why ctypes
    is refused and why the namespaces and resource limits come first."""
    global _guard_installed
    if _guard_installed:
        return
    _guard_installed = True
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))  # imported already, before any student file
    readable = {os.path.realpath(path) for path in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                    numpy_dir, numpy_dir + ".libs", os.getcwd())}
    readable |= {os.path.dirname(os.path.realpath(path)) for path in files}
    if search_path:
        readable.add(os.path.realpath(search_path))
    writable = os.path.realpath(os.getcwd())
    devices = {"/dev/null", "/dev/urandom", "/dev/random"}
    roots = tuple(root.rstrip(os.sep) + os.sep for root in readable)

    def inside(path: Any, allowed: tuple[str, ...]) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return False
        return real in devices or (real + os.sep).startswith(allowed)

    def guard(event: str, args: tuple[Any, ...]) -> None:
        if event in BLOCKED_EVENTS:
            raise PermissionError(f"the grader does not allow {event} in submissions")
        if event == "open" and args and not inside(args[0], roots):
            raise PermissionError(f"the grader does not allow opening {args[0]!r}")
        if event in MUTATING_EVENTS and args and not inside(args[0], (writable + os.sep,)):
            raise PermissionError(f"the grader does not allow {event} outside the working folder")

    sys.addaudithook(guard)
