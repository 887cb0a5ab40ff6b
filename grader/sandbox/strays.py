"""Find and kill what is left of a child: its session, and orphans that carry its token;
and wait for a child's exit without polling.

A student's code may fork, leave the child's session with setsid and hope to
outlive it. The grader adopts such orphans (it is a subreaper) and recognises
them by the token in their environment, or by the uid the child ran as.
"""
from __future__ import annotations

import ctypes
import functools
import os
import select
import signal
import subprocess
import time

CHILD_TOKEN_VARIABLE = "LSTM_GRADER_CHILD"
PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt orphaned descendants, so a child that double-forks and calls setsid
    cannot hide from `kill_strays` by leaving its session.

    Asked once per process: a fork does not inherit the attribute, so a batch
    worker forked from a grader that became a subreaper must become one itself
    (else the orphans of its students go past it, and `kill_strays` misses them)."""
    return subreaper_in(os.getpid())


@functools.lru_cache(maxsize=None)
def subreaper_in(pid: int) -> bool:
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


def kill_strays(session: int, token: str, user: int | None, spare: frozenset[int] = frozenset()) -> int:
    """SIGKILL what is left of a child: its session, and orphans adopted by us that
    carry its token, but never a process in `spare` (a zygote carries the token of the
    children it forks). Returns how many processes were killed."""
    killed = 0
    me = os.getpid()
    for _ in range(5):  # killing a parent can orphan more children onto us
        targets = [pid for pid, ppid, group, sid in process_table()
                   if pid != me and pid not in spare and (sid == session or group == session
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


def wait_for_exit(process: subprocess.Popen[bytes], timeout: float) -> int:
    """The process's exit code as soon as it exits; raises subprocess.TimeoutExpired after `timeout`.

    `Popen.wait(timeout)` polls with sleeps that double up to 50 ms, so a child
    that quits in 5 ms costs about 30; a pidfd says the moment it exits.
    """
    if process.returncode is not None:  # reaped already: its pid may belong to another process now
        return process.returncode
    try:
        descriptor = os.pidfd_open(process.pid)
    except (AttributeError, OSError):  # no pidfd here
        return process.wait(timeout=timeout)
    try:
        ready, _, _ = select.select([descriptor], [], [], timeout)
    finally:
        os.close(descriptor)
    if not ready:
        raise subprocess.TimeoutExpired(process.args, timeout)
    return process.wait()


def exit_description(code: int | None, detail: str = "") -> str:
    """How a child ended, in a report's words: its exit code (os._exit), the signal that
    killed it (a crash, a limit), or, without either, that it stopped answering (`detail`)."""
    if code is None:
        return f"the child stopped answering ({detail})"
    if code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return f"the child was killed by {name} (a crash in native code, or a resource limit)"
    return f"the child exited with code {code} (os._exit or a fatal error)"
