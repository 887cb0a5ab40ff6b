"""The zygote: a child that confined itself and imported numpy, never runs student code, and
forks one child per student for a batch worker (grader.sandbox.zygote starts it and asks).

Loaded by path in the child beside the worker (standard library only). Requests
and replies are JSON datagrams on a SOCK_SEQPACKET socket, its stdin; a spawn
request carries the new child's stdin, stdout and stderr as passed descriptors.
Each fork gets its own session and, from `become_worker`, a Landlock domain of
its own nested in the zygote's (that student's files and work folder only); it
keeps the zygote's seccomp filter, limits and clean environment. Stopping a
student kills its session and, inside bubblewrap's pid namespace, every other
process there but the zygote: one student at a time is alive in a zygote.
"""
from __future__ import annotations

import json
import os
import signal
import socket
from typing import Any, Callable

MAX_REQUEST_BYTES = 1 << 20


def serve_stdin(in_pid_namespace: bool, hello: dict[str, Any], landlock: Any,
                serve_worker: Callable[[], None]) -> None:
    """The zygote's life: its stdin is the parent's socket; it answers hello as a worker does
    (`hello`, whose "confinement" each fork updates); each fork confines itself further
    (`landlock`, the worker's module) and then serves as a worker (`serve_worker`)."""
    confinement = hello["confinement"]

    def become_worker(request: dict[str, Any]) -> None:
        try:
            confinement["landlock"] = landlock.restrict(request["read"], request["write"], [], minimum_abi=6)
        except (landlock.LandlockError, KeyError, TypeError) as error:
            confinement["errors"].append(f"Landlock (the student's own domain): {error}")
        os.chdir(request["home"])
        os.environ["HOME"] = request["home"]
        serve_worker()

    serve(socket.socket(fileno=os.dup(0)), become_worker, in_pid_namespace, hello)


def reply(channel: socket.socket, message: dict[str, Any]) -> None:
    channel.send(json.dumps(message).encode())


def serve(channel: socket.socket, become_worker: Callable[[dict[str, Any]], None], in_pid_namespace: bool,
          hello: dict[str, Any]) -> None:
    """Answer the parent until it closes the socket: hello, spawn, poll and stop."""
    ended: dict[int, int | None] = {}  # children already reaped by poll, with their exit codes
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(channel, MAX_REQUEST_BYTES, 3)
        except OSError:
            return
        if not data:
            return
        request = json.loads(data)
        operation = request.get("op")
        if operation == "spawn" and len(fds) == 3:
            reply(channel, {"pid": spawn(channel, fds, request, become_worker)})
            continue
        for fd in fds:
            os.close(fd)
        if operation == "hello":
            reply(channel, hello)
        elif operation == "poll":
            reply(channel, {"code": poll(int(request["pid"]), ended)})
        elif operation == "stop":
            reply(channel, {"code": stop(int(request["pid"]), ended, in_pid_namespace)})
        else:
            reply(channel, {"error": "unknown request"})


def spawn(channel: socket.socket, fds: list[int], request: dict[str, Any],
          become_worker: Callable[[dict[str, Any]], None]) -> int:
    """Fork a student's child on the passed descriptors; returns its pid (-1: no fork)."""
    try:
        pid = os.fork()
    except OSError:
        pid = -1
    if pid == 0:
        try:
            channel.close()
            os.setsid()
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
            for fd in fds:
                if fd > 2:
                    os.close(fd)
            become_worker(request)
        finally:
            os._exit(70)
    for fd in fds:
        os.close(fd)
    return pid


def exit_code(status: int) -> int | None:
    try:
        return os.waitstatus_to_exitcode(status)
    except ValueError:
        return None


def poll(pid: int, ended: dict[int, int | None]) -> int | None:
    """The child's exit code once it has ended, else None."""
    if pid in ended:
        return ended[pid]
    try:
        reaped, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    if reaped == 0:
        return None
    ended[pid] = exit_code(status)
    return ended[pid]


def stop(pid: int, ended: dict[int, int | None], in_pid_namespace: bool) -> int | None:
    """SIGKILL the child's session (and, in a pid namespace, everything but this process), reap
    it and return its exit code."""
    for target in ([-pid, -1] if in_pid_namespace else [-pid]):
        try:
            os.kill(target, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if pid in ended:
        code = ended.pop(pid)
    else:
        try:
            code = exit_code(os.waitpid(pid, 0)[1])
        except ChildProcessError:
            code = None
    while True:  # whatever else of it was this process's child
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    return code
