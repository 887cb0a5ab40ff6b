"""Start, talk to and stop the child process that runs student code.

This is the only module that starts processes. A `ChildSession` owns one
child: it sends requests, waits for replies with a deadline, and kills the
whole process group with SIGKILL when a part runs out of time, whatever signal
handlers the student installed. Output the child prints outside a call is
drained by a thread and kept, capped, for the report.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader import protocol

WORKER_PATH = Path(__file__).with_name("worker.py")
STRAY_OUTPUT_LIMIT = 20_000


class ChildTimeout(Exception):
    """The child did not answer within its time limit and was killed."""


class ChildDied(Exception):
    """The child exited (os._exit, a segfault, a kill) before answering."""


@dataclass
class LoadResult:
    problems: list[dict[str, str]]
    output: str
    functions: list[str]


@dataclass
class Reply:
    header: dict[str, Any]
    arrays: list[np.ndarray] = field(default_factory=list)

    @property
    def status(self) -> str:
        return str(self.header.get("status"))

    @property
    def output(self) -> str:
        return str(self.header.get("output", ""))


def child_environment(workdir: str) -> dict[str, str]:
    """A clean environment: no secrets, no seeds, single-threaded BLAS."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class StrayOutput:
    """Drains a pipe in a thread, keeping the first STRAY_OUTPUT_LIMIT bytes."""

    def __init__(self, pipe: Any) -> None:
        self.kept = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self.drain, args=(pipe,), daemon=True)
        self.thread.start()

    def drain(self, pipe: Any) -> None:
        while True:
            chunk = pipe.read1(65536) if hasattr(pipe, "read1") else pipe.read(65536)
            if not chunk:
                return
            room = STRAY_OUTPUT_LIMIT - len(self.kept)
            self.kept.extend(chunk[: max(room, 0)])
            self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self) -> str:
        text = self.kept.decode(errors="replace")
        if self.dropped:
            text += f"\n... ({self.dropped} more bytes not shown)"
        return text


class ChildSession:
    """One child process with the submission loaded.

    Args:
        files: the submission's .py files, in import order.
        module_names: the module name each file is imported under.
        search_path: a folder appended to the child's sys.path (for imports
            between the submission's own files), or None.
        load_timeout: seconds allowed for importing the submission.
    """

    def __init__(self, files: list[Path], module_names: list[str], search_path: Path | None,
                 load_timeout: float = 10.0) -> None:
        self.files = files
        self.module_names = module_names
        self.search_path = search_path
        self.load_timeout = load_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = bytearray()
        self.stray: StrayOutput | None = None
        self.workdir: tempfile.TemporaryDirectory[str] | None = None
        self.load_result: LoadResult | None = None

    def start(self) -> LoadResult:
        """Start the child and import the submission; raises ChildTimeout or ChildDied."""
        self.close()
        self.workdir = tempfile.TemporaryDirectory(prefix="lstm-grader-")
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(WORKER_PATH)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=self.workdir.name, env=child_environment(self.workdir.name),
            start_new_session=True,
        )
        self.buffer = bytearray()
        self.stray = StrayOutput(self.process.stderr)
        reply = self.request({
            "op": "load",
            "files": [str(Path(path).resolve()) for path in self.files],
            "module_names": self.module_names,
            "search_path": str(self.search_path) if self.search_path else None,
        }, [], self.load_timeout)
        self.load_result = LoadResult(reply.header.get("problems", []), reply.output,
                                      list(reply.header.get("functions", [])))
        return self.load_result

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ensure_started(self) -> LoadResult:
        if not self.alive or self.load_result is None:
            return self.start()
        return self.load_result

    def request(self, header: dict[str, Any], arrays: list[np.ndarray], timeout: float) -> Reply:
        if self.process is None or self.process.stdin is None:
            raise ChildDied("the child is not running")
        self._deadline = time.monotonic() + timeout
        try:
            protocol.send_message(self.process.stdin, header, arrays)
        except (BrokenPipeError, OSError) as error:
            self.kill()
            raise ChildDied(self.death_reason()) from error
        try:
            reply_header, reply_arrays = protocol.receive_message(self)  # type: ignore[arg-type]
        except ChildTimeout:
            self.kill()
            raise
        except (EOFError, protocol.ProtocolError) as error:
            self.kill()
            raise ChildDied(self.death_reason(str(error))) from error
        return Reply(reply_header, reply_arrays)

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
             keep: tuple[int, ...] = (), timeout: float = 10.0) -> Reply:
        """Call a student function; outputs at positions in `keep` stay in the child."""
        arrays: list[np.ndarray] = []
        trees = [protocol.encode_value(arg, arrays) for arg in args]
        return self.request({"op": "call", "function": function, "args": trees,
                             "arg_names": arg_names, "keep": list(keep)}, arrays, timeout)

    def perturb(self, function: str, args: list[Any], perturbations: list[tuple[int, str | None, int, float]],
                outputs: list[int | None], *, timeout: float = 10.0) -> Reply:
        """Call `function` once per perturbation; the reply holds one stacked array per output."""
        arrays: list[np.ndarray] = []
        trees = [protocol.encode_value(arg, arrays) for arg in args]
        return self.request({"op": "perturb", "function": function, "args": trees,
                             "perturbations": [list(item) for item in perturbations],
                             "outputs": outputs}, arrays, timeout)

    def reset(self, timeout: float = 5.0) -> None:
        """Forget the objects the child kept for the last part."""
        if self.alive:
            self.request({"op": "reset"}, [], timeout)

    def stray_output(self) -> str:
        return self.stray.text() if self.stray else ""

    def death_reason(self, detail: str = "") -> str:
        if self.process is None:
            return "the child never started"
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        if code is None:
            return f"the child stopped answering ({detail})"
        if code < 0:
            name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            return f"the child was killed by {name} (a crash in native code, or a resource limit)"
        return f"the child exited with code {code} (os._exit or a fatal error)"

    def kill(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.load_result = None

    def close(self) -> None:
        if self.process is not None:
            if self.alive and self.process.stdin is not None:
                try:
                    protocol.send_message(self.process.stdin, {"op": "quit"}, [])
                    self.process.wait(timeout=1)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self.kill()
            for pipe in (self.process.stdin, self.process.stdout, self.process.stderr):
                if pipe is not None:
                    try:
                        pipe.close()
                    except OSError:
                        pass
            self.process = None
        if self.workdir is not None:
            self.workdir.cleanup()
            self.workdir = None

    def __enter__(self) -> ChildSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
