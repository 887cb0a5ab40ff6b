"""Processes a student leaves running must cost nothing but their own student.

A sleeper that holds the child's stderr open, or that a batch worker fails to
adopt, once made the worker wait for it to end (120 s for the benchmark's
fork_sleepers student, for ever for one that never ends).
"""
from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from grader.course.batch import BatchOptions, run_batch
from grader.sandbox import resolve_sandbox
from grader.sandbox.stray_output import StrayOutput
from grader.sandbox.strays import become_subreaper, process_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hostile_submissions import CASES, build  # noqa: E402

PR_GET_CHILD_SUBREAPER = 37


def test_stopping_the_drain_of_a_pipe_another_process_holds_open_does_not_wait_for_it() -> None:
    read_end, write_end = os.pipe()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], stdout=write_end)
    os.close(write_end)
    try:
        pipe = os.fdopen(read_end, "rb")
        stray = StrayOutput(pipe)
        done = threading.Event()

        def close() -> None:
            stray.stop()
            pipe.close()
            done.set()

        threading.Thread(target=close, daemon=True).start()
        assert done.wait(10), "closing the drained pipe waited for the process holding it"
        assert holder.poll() is None  # it was still holding the pipe all along
    finally:
        holder.kill()
        holder.wait()


def test_what_was_drained_before_stop_is_kept() -> None:
    read_end, write_end = os.pipe()
    pipe = os.fdopen(read_end, "rb")
    stray = StrayOutput(pipe)
    os.write(write_end, b"printed at import\n")
    os.close(write_end)
    stray.thread.join(10)
    stray.stop()
    pipe.close()
    assert stray.text() == "printed at import\n"


def test_a_fork_of_a_subreaper_becomes_one_itself() -> None:
    assert become_subreaper()
    pid = os.fork()
    if pid == 0:  # a batch worker, forked from a grader that already adopts orphans
        try:
            become_subreaper()
            flag = ctypes.c_int(0)
            ctypes.CDLL(None).prctl(PR_GET_CHILD_SUBREAPER, ctypes.byref(flag), 0, 0, 0)
            os._exit(0 if flag.value == 1 else 1)
        except BaseException:  # noqa: BLE001
            os._exit(2)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def worker_children() -> list[int]:
    """Processes running the child's runtime (worker.pyc) anywhere on the machine."""
    found = []
    for pid, _, _, _ in process_table():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"worker.pyc" in command:
            found.append(pid)
    return found


@pytest.mark.slow
def test_a_batch_in_the_process_sandbox_kills_the_sleepers_a_student_left(tmp_path: Path) -> None:
    become_subreaper()  # as the grader is once it has started any child, before it forks its workers
    before = set(worker_children())
    sleepers = next(case for case in CASES if case.name == "fork_sleepers")
    build(sleepers, tmp_path / "class" / "sleepy")
    result = run_batch(tmp_path / "class", BatchOptions(out=tmp_path / "out", jobs=1, timeout=2.0,
                                                        sandbox=resolve_sandbox("process", quiet=True)))
    assert result.graded == 1 and not result.grader_errors
    assert set(worker_children()) <= before, "a sleeper of the student outlived the batch"
