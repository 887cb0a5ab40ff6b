"""A pre-started child for the students of one batch worker, each student's child a fork of it.

Starting a child costs about 0.1 core-second (bubblewrap, Python, numpy,
Landlock); a fork of one that has done all that costs about 5 ms. The zygote
is started like any child, in the same sandbox, but it never imports a
student file: it serves `grader.child.zygote`. For each student, the batch
worker copies the files into students/<n>/ and asks for a fork, which:

- has its own session, and its own Landlock domain nested in the zygote's:
  it reads only the runtime, numpy and students/<n>/, writes only works/<n>/;
- keeps the zygote's seccomp filter, limits (counted afresh by the kernel for
  each process), clean environment and, under bubblewrap, its namespaces;
- is stopped with everything it started before the next student's fork:
  inside bubblewrap's pid namespace by the zygote, in the process sandbox
  also by `kill_strays`, which spares only the zygote.

Used only where Landlock scopes signals (ABI 6 or later), so no fork can
signal the zygote or another student, and never with a uid per child.
"""
from __future__ import annotations

import json
import os
import secrets as token_source
import select
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import grader.sandbox.view as child_view
from grader.sandbox.launch import (FULL_LANDLOCK_ABI, Launched, Sandbox, SandboxFailure, popen_worker,
                                   staging_seen_as, worker_command)
from grader.sandbox.hello import confinement_problems
from grader.sandbox.stray_output import StrayOutput
from grader.sandbox.strays import kill_strays

REPLY_BYTES = 1 << 16
ZYGOTE_ISOLATION = "forked from a pre-started child of its batch worker, with a Landlock domain of its own"


def zygote_usable(sandbox: Sandbox) -> bool:
    """Whether a batch worker may fork its students' children from a zygote in `sandbox`."""
    return (sandbox.mode in ("bwrap", "process") and sandbox.landlock_abi >= FULL_LANDLOCK_ABI
            and sandbox.seccomp and not sandbox.own_users)


class Zygote:
    """The pre-started child of one batch worker; `spawn` makes a student's child."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.workdir = tempfile.TemporaryDirectory(prefix="lstm-grader-zygote-")
        self.root = Path(self.workdir.name)
        self.count = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.channel: socket.socket | None = None
        self.stray: StrayOutput | None = None
        self.token = token_source.token_hex(8)
        self.inside = staging_seen_as(sandbox, self.root)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.channel is not None

    @property
    def isolation(self) -> str:
        return f"{self.sandbox.isolation}; {ZYGOTE_ISOLATION}"

    def start(self) -> None:
        """Stage and start the zygote, then check that it is confined as the sandbox says."""
        child_view.stage_runtime(self.root)
        for name in ("students", "works"):
            (self.root / name).mkdir()
        os.chmod(self.root, 0o711)
        mode = "namespace" if self.sandbox.mode == "bwrap" else "process"
        command = worker_command(self.sandbox, self.root, readable=("students",), writable=("works",),
                                 extra=("--zygote", mode))
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = popen_worker(self.sandbox, command, self.root / "works", f"{self.inside}/works",
                                        self.token, stdin=theirs.fileno(), stdout=subprocess.DEVNULL)
        finally:
            theirs.close()
        self.channel = ours
        self.stray = StrayOutput(self.process.stderr)
        problems = confinement_problems(self.ask({"op": "hello"}), self.sandbox)  # type: ignore[arg-type]
        if problems:
            raise SandboxFailure("the pre-started child is not confined as it must be: " + "; ".join(problems))

    def ask(self, request: dict[str, Any], fds: list[int] | None = None) -> dict[str, Any]:
        """One request and its reply; SandboxFailure when the zygote is gone or answers nonsense."""
        if self.channel is None:
            raise SandboxFailure("the pre-started child is not running")
        try:
            socket.send_fds(self.channel, [json.dumps(request).encode()], fds or [])
            self.channel.settimeout(30.0)
            data = self.channel.recv(REPLY_BYTES)
            reply = json.loads(data) if data else None
        except (OSError, ValueError) as error:
            raise SandboxFailure(f"the pre-started child stopped answering ({error})") from error
        if not isinstance(reply, dict):
            detail = self.stray.text()[-500:] if self.stray else ""
            raise SandboxFailure("the pre-started child stopped answering" + (f": {detail}" if detail else ""))
        return reply

    def spawn(self, files: list[Path], search_path: Path | None) -> Launched:
        """A student's child: their files copied into students/<n>/, then a fork of the zygote."""
        self.count += 1
        name = str(self.count)
        submission, work = self.root / "students" / name, self.root / "works" / name
        submission.mkdir()
        work.mkdir(mode=0o700)
        child_view.copy_sources(files, search_path, submission)
        os.chmod(submission, 0o555)
        inside = f"{self.inside}/students/{name}"
        request = {"op": "spawn", "home": f"{self.inside}/works/{name}",
                   **child_view.nested_landlock_paths(self.inside, (f"students/{name}",), (f"works/{name}",))}
        pipes = [os.pipe() for _ in range(3)]  # stdin, stdout, stderr
        ours = (pipes[0][1], pipes[1][0], pipes[2][0])
        try:
            pid = self.ask(request, [pipes[0][0], pipes[1][1], pipes[2][1]]).get("pid")
            if type(pid) is not int or pid <= 0:
                raise SandboxFailure("the pre-started child could not fork a student's child")
        except SandboxFailure:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in (pipes[0][0], pipes[1][1], pipes[2][1]):
                os.close(fd)
        process = Spawned(self, pid, pipes[0][1], pipes[1][0], pipes[2][0])
        seen = [f"{inside}/{Path(path).name}" for path in files]
        return Launched(process, StudentFolders(submission, work), self.token, seen,  # type: ignore[arg-type]
                        inside if search_path else None)

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
            if self.stray is not None:
                self.stray.stop()
            if self.process.stderr is not None:
                self.process.stderr.close()
            self.process = None
        self.workdir.cleanup()


class StudentFolders:
    """A student's two folders in the zygote's staging root, removed with the student's child."""

    def __init__(self, submission: Path, work: Path) -> None:
        self.name = str(work)
        self.folders = (submission, work)

    def cleanup(self) -> None:
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)


class Spawned:
    """The few things `ChildSession` needs of a Popen, for a child forked by the zygote."""

    def __init__(self, zygote: Zygote, pid: int, stdin: int, stdout: int, stderr: int) -> None:
        self.zygote, self.pid_inside, self.returncode = zygote, pid, None
        self.stdin, self.stdout, self.stderr = os.fdopen(stdin, "wb"), os.fdopen(stdout, "rb"), os.fdopen(stderr, "rb")
        self.stopped = False

    def poll(self) -> int | None:
        """Its exit code once it has ended, else None. Only a child whose stdout hung up is asked
        about: while it lives it holds that pipe open (the worker keeps a copy of it)."""
        if self.stopped or self.returncode is not None:
            return self.returncode if self.returncode is not None else -9
        hung_up = select.poll()
        hung_up.register(self.stdout.fileno(), 0)  # POLLHUP and POLLERR are always reported
        if not hung_up.poll(0):
            return None
        code = self.zygote.ask({"op": "poll", "pid": self.pid_inside}).get("code")
        self.returncode = code if type(code) is int else None
        return self.returncode

    def stop(self) -> None:
        """SIGKILL it and everything it started; its exit code is kept in `returncode`."""
        if self.stopped:
            return
        self.stopped = True
        code = self.zygote.ask({"op": "stop", "pid": self.pid_inside}).get("code")
        self.returncode = code if type(code) is int else -9
        if self.zygote.sandbox.mode != "bwrap":  # no pid namespace: its orphans came to us
            zygote_pid = self.zygote.process.pid if self.zygote.process else -1
            kill_strays(self.pid_inside, self.zygote.token, None, spare=frozenset({zygote_pid}))
