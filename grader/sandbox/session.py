"""Talk to the child process that runs student code, and stop it.

A `ChildSession` owns one child (started by `grader.sandbox.launch`): it sends
requests, waits for replies with a deadline and a byte budget, and kills the
whole process group with SIGKILL when a part runs out of time, whatever
signal handlers the student installed. Output the child prints outside a call
is drained by a thread and kept, capped, for the report. Before any student
file, the child must say that it is confined as its sandbox promises (`hello`).
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence, cast

import numpy as np

from grader.child import protocol
from grader.sandbox.calls import (REPLY_FLOOR_BYTES, Call, CallStream, Perturb, call_fingerprint, call_request,
                                  perturb_request)
from grader.sandbox.launch import DEFAULT_TIMEOUT, HELLO_TIMEOUT, Launched, Sandbox, SandboxFailure, start_child
from grader.sandbox.hello import confinement_problems, start_requests
from grader.sandbox.probe_cache import forget_probes
from grader.sandbox.safe_text import clean_text, clean_tree
from grader.sandbox.stray_output import StrayOutput
from grader.sandbox.strays import exit_description, kill_strays, wait_for_exit
from grader.sandbox.users import ChildUser, lease_user

RESET_TIMEOUT = 5.0


class ChildTimeout(Exception):
    """The child did not answer within its time limit and was killed."""


class ChildDied(Exception):
    """The child exited (os._exit, a segfault, a kill) before answering."""


@dataclass
class LoadResult:
    """What importing the submission gave: files that failed, what they printed, the functions found."""

    problems: list[protocol.FileProblem]
    output: str
    functions: list[str]


@dataclass
class Reply:
    """One reply of the child: its header, cleaned of unsafe text, and its arrays."""

    header: protocol.ReplyHeader
    arrays: list[np.ndarray] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.header.get("status"))

    @property
    def output(self) -> str:
        return str(self.header.get("output", ""))


class ChildSession:
    """One child process with the submission loaded.

    Args:
        files: the submission's .py files, in import order.
        module_names: the module name each file is imported under.
        search_path: a folder whose .py files the submission may import from
            each other (staged with it and appended to the child's sys.path), or None.
        load_timeout: seconds allowed for importing the submission.
        sandbox: how to isolate the child (`grader.sandbox.resolve_sandbox` chooses one).
        spawner: a batch worker's zygote (grader.sandbox.zygote) that forks the child, or None.
    """

    def __init__(self, files: list[Path], module_names: list[str], search_path: Path | None,
                 load_timeout: float = DEFAULT_TIMEOUT, *, sandbox: Sandbox, spawner: Any = None) -> None:
        self.spawner = spawner
        self.files = files
        self.module_names = module_names
        self.search_path = search_path
        self.load_timeout = load_timeout
        self.sandbox = sandbox
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = bytearray()
        self.stray: StrayOutput | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None
        self.load_result: LoadResult | None = None
        self.token = ""
        self.excluded: dict[int, str] = {}  # files whose import hangs or kills the child
        self.request_count = 0
        self.user: ChildUser | None = None
        self.prelaunched: tuple[list[str], list[str], str | None] | None = None
        self.stream: CallStream | None = None  # the calls in flight, waited out before any other request
        self.ahead: bytes | None = None  # the call a copy of the child is making ahead (`call_fingerprint`)
        self.queued: list[tuple[protocol.Request, int]] = []  # sent before they were asked (`send_ahead`)

    @property
    def isolation(self) -> str:
        return self.spawner.isolation if self.spawner is not None else self.sandbox.isolation

    def launch(self) -> tuple[list[str], list[str], str | None]:
        """Start the child process; returns the file paths and search path as the child sees them."""
        if self.spawner is not None:
            return self.adopt(self.spawner.spawn(self.files, self.search_path))
        if self.sandbox.own_users and self.user is None:
            self.user = lease_user()
        return self.adopt(start_child(self.sandbox, self.files, self.search_path,
                                      self.user.uid if self.user else None))

    def adopt(self, launched: Launched) -> tuple[list[str], list[str], str | None]:
        """Take over a child started for this session's files (by `launch` or `prelaunch`)."""
        self.workdir, self.token, self.process = launched.workdir, launched.token, launched.process
        return launched.files, self.module_names, launched.search_path

    def prelaunch(self, launched: Launched, user: ChildUser | None) -> None:
        """Take over a child started before this module was imported (grader.engine.prelaunch), as
        `user`, whose lease is then this session's; `start` then says hello and imports the submission."""
        self.close()
        self.user = user
        self.prelaunched = self.adopt(launched)
        self.send_ahead(start_requests(*self.prelaunched))  # answered while this process imports the rest

    def hello(self) -> None:
        """Before any student file: ask the child how it is confined and what it runs.

        Anything wrong here is the grader's or the machine's fault, never the
        student's, so it raises SandboxFailure instead of costing points.
        """
        try:
            reply = self.request({"op": "hello"}, [], max(self.load_timeout, HELLO_TIMEOUT))
        except (ChildTimeout, ChildDied) as error:
            forget_probes()
            detail = clean_text(self.stray_output(), 500).strip()
            raise SandboxFailure(f"the child did not start ({type(error).__name__}: {error})"
                                 + (f": {detail}" if detail else "")) from error
        problems = confinement_problems(reply.header, self.sandbox)
        if problems:
            self.kill()
            forget_probes()
            raise SandboxFailure("the child is not confined as it must be: " + "; ".join(problems))

    def start(self) -> LoadResult:
        """Start the child and import the submission file by file; raises ChildTimeout or
        ChildDied only when no file could be imported.

        A file whose import loops or kills the child is left out (it becomes a
        problem in the load result) and the child is started again with the
        others, so one hostile file cannot cost the honest ones.
        """
        while True:
            if self.prelaunched is not None and self.alive:
                files, module_names, search_path = self.prelaunched
            else:
                self.close()
                files, module_names, search_path = self.launch()
                self.send_ahead([request for index, request in enumerate(start_requests(
                    files, module_names, search_path)) if index - 1 not in self.excluded])
            self.prelaunched = None
            self.buffer = bytearray()
            self.stray = StrayOutput(self.process.stderr)  # type: ignore[union-attr]
            self.hello()
            problems: list[protocol.FileProblem] = [{"file": str(self.files[index]), "error": reason}
                                                    for index, reason in sorted(self.excluded.items())]
            output, functions = [], []
            current = -1
            try:
                for current, (file, module_name) in enumerate(zip(files, module_names)):
                    if current in self.excluded:
                        continue
                    reply = self.request(start_requests([file], [module_name], search_path)[1], [],
                                         self.load_timeout)
                    problems += reply.header.get("problems", [])
                    output.append(reply.output)
                    functions = list(reply.header.get("functions", []))
            except (ChildTimeout, ChildDied) as error:
                if current < 0 or len(self.excluded) + 1 >= len(files):
                    raise
                self.excluded[current] = (f"importing it did not finish within {self.load_timeout:g} s"
                                          if isinstance(error, ChildTimeout) else f"importing it killed the "
                                          f"process ({error})")
                continue
            self.load_result = LoadResult(problems, "".join(output), functions)
            return self.load_result

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_started(self) -> LoadResult:
        if not self.alive or self.load_result is None:
            return self.start()
        return self.load_result

    def request(self, header: protocol.Request, arrays: list[np.ndarray], timeout: float,
                budget: int = REPLY_FLOOR_BYTES) -> Reply:
        """Send one request; the reply may hold at most `budget` bytes (refused before it is read).
        Calls still in flight from a stream are waited out first: their replies come before this one."""
        if self.stream is not None:
            self.stream.wait_out()
        if self.queued and self.queued[0][0] == header and not arrays:
            return self.receive(self.queued.pop(0)[1], timeout, budget)
        self.queued.clear()  # not asked for after all: their replies are skipped as stale
        return self.receive(self.send(protocol.encode_message(dict(header, id=self.next_id()), arrays)),
                            timeout, budget)

    def send_ahead(self, headers: list[protocol.Request]) -> None:
        """Send requests at once whose replies `request` then reads, when it is asked the same, in order:
        the child starts on them as soon as it is ready, without waiting for this process."""
        try:
            for header in headers:
                self.queued.append((header, self.send(protocol.encode_message(dict(header, id=self.next_id()),
                                                                              []))))
        except ChildDied:
            pass  # the child is gone already: `hello` meets that and says the child did not start

    def next_id(self) -> int:
        self.request_count += 1
        return self.request_count

    def send(self, message: bytes) -> int:
        """Write encoded requests (their headers' "id"s from `next_id`); returns the last id."""
        if self.process is None or self.process.stdin is None:
            raise ChildDied("the child is not running")
        try:
            self.process.stdin.write(message)
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            self.kill()
            raise ChildDied(self.death_reason()) from error
        return self.request_count

    def receive(self, request_id: int, timeout: float, budget: int = REPLY_FLOOR_BYTES) -> Reply:
        """The reply to request `request_id`, within `timeout` seconds from now and `budget` bytes;
        frames that carry another id (stale or forged) are skipped. Kills the child when it fails."""
        if self.process is None:
            raise ChildDied("the child is not running")
        self._deadline = time.monotonic() + timeout
        try:
            allowance = protocol.Budget(budget)
            reply_header, reply_arrays = protocol.receive_message(self, allowance)  # type: ignore[arg-type]
            while reply_header.get("id") != request_id:  # a stale or forged frame: skip it
                reply_header, reply_arrays = protocol.receive_message(self, allowance)  # type: ignore[arg-type]
        except ChildTimeout:
            self.kill()
            raise
        except (EOFError, protocol.ProtocolError) as error:
            self.kill()
            raise ChildDied(self.death_reason(str(error))) from error
        return Reply(cast(protocol.ReplyHeader, clean_tree(reply_header)), reply_arrays)

    def read(self, size: int) -> bytes:
        """File-like read with the current request's deadline, used by protocol.read_frame."""
        if self.process is None or self.process.stdout is None:
            return b""
        fd = self.process.stdout.fileno()
        while not self.buffer:
            remaining = self.deadline_remaining()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise ChildTimeout()
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b""
            self.buffer.extend(chunk)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def deadline_remaining(self) -> float:
        return max(0.0, self._deadline - time.monotonic())

    _deadline: float = 0.0

    def call(self, function: str, args: list[Any], *, arg_names: list[str] | None = None,
             keep: tuple[int, ...] = (), timeout: float = DEFAULT_TIMEOUT) -> Reply:
        """Call a student function; outputs at positions in `keep` stay in the child. The call
        made ahead (`call_ahead`) with the same arguments is collected instead of made again."""
        header, arrays, budget = call_request(Call(function, args, arg_names, keep))
        if self.ahead is None or self.ahead != call_fingerprint(header, arrays):
            return self.request(header, arrays, timeout, budget)
        self.ahead = None
        reply = self.request({"op": "collect"}, [], timeout, budget)
        if reply.status == "died":  # the copy ended without an answer; this child is fine
            code = reply.header.get("code")
            raise ChildDied(exit_description(code if type(code) is int else None, "no reply from its copy"))
        return reply

    def call_ahead(self, call: Call, timeout: float = DEFAULT_TIMEOUT) -> bool:
        """Start `call` in a copy of the child (a fork, inside the same sandbox and limits), which
        makes it while this child answers other requests; False when it could not be started."""
        header, arrays, _ = call_request(call)
        reply = self.request(dict(header, ahead=True), arrays, timeout)
        self.ahead = call_fingerprint(header, arrays) if reply.header.get("started") is True else None
        return self.ahead is not None

    def calls(self, items: Sequence[Call | Perturb], *, timeout: float = DEFAULT_TIMEOUT) -> CallStream:
        """Make `items` in order, several in flight at once (grader.sandbox.calls); use it in a
        `with` block, which waits out what is left unread."""
        if self.stream is not None:
            self.stream.close()  # a stream left open is done with: nothing more of it is sent
        self.stream = CallStream(self, items, timeout)
        return self.stream

    def perturb(self, function: str, args: list[Any], perturbations: list[tuple[int, str | None, int, Any]],
                outputs: list[int | None], *, timeout: float = DEFAULT_TIMEOUT) -> Reply:
        """Call `function` once per perturbation; the reply holds one stacked array per output."""
        header, arrays, budget = perturb_request(Perturb(function, args, perturbations, outputs))
        return self.request(header, arrays, timeout, budget)

    def reset(self, timeout: float = RESET_TIMEOUT) -> None:
        """Forget the objects the child kept for the last part."""
        if self.alive:
            self.request({"op": "reset"}, [], timeout)

    def stray_output(self) -> str:
        return self.stray.text() if self.stray else ""

    def death_reason(self, detail: str = "") -> str:
        if self.process is None:
            return "the child never started"
        if self.spawner is not None:
            return exit_description(self.process.poll(), detail)
        try:
            code = wait_for_exit(self.process, 2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        return exit_description(code, detail)

    def kill(self) -> None:
        """SIGKILL the child's process group, then any process that left it."""
        if self.process is None:
            return
        if self.spawner is not None:  # a fork of the zygote, which stops it and all it started
            self.process.stop()  # type: ignore[attr-defined]
        else:
            self.kill_started_child()
        self.load_result = None
        self.ahead, self.queued = None, []  # its copy died with it, and what it was sent

    def kill_started_child(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            wait_for_exit(self.process, 5)
        except subprocess.TimeoutExpired:
            pass
        kill_strays(self.process.pid, self.token, self.user.uid if self.user else None)

    def close(self) -> None:
        """Kill the child and what is left of it, and give back its uid and folder.

        No "quit" first: the child holds nothing worth keeping, and a Python that
        exits politely spends about 20 ms tearing numpy down, on every check and
        every student of a batch.
        """
        if self.process is not None:
            self.kill()
            if self.stray is not None:
                self.stray.stop()  # what it left running may hold stderr open: closing it must not wait
            for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
            self.process = None
        if self.user is not None:
            self.user.release()
            self.user = None
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    def __enter__(self) -> ChildSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
