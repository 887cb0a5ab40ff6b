"""The fakes of the batch failure tests: a class of tiny submissions and a grade_entry that misbehaves.

The pool forks, so a monkeypatched module attribute reaches the workers;
attempts are counted in files, since each worker has its own memory.
"""
from __future__ import annotations

import csv
import errno
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

import grader.course.grade_student as grade_student
from grader.course.batch import BatchOptions
from grader.course.journal import Journal
from grader.course.students import Entry
from grader.sandbox import resolve_sandbox

STUDENTS = ("alice", "bob", "carol", "dave", "erin")
ENOSPC = "OSError: [Errno 28] No space left on device"


def make_class(root: Path, students: tuple[str, ...] = STUDENTS) -> Path:
    root.mkdir(parents=True)
    for student in students:
        (root / f"{student}.py").write_text(f"# {student}\n")
    return root


def options(out: Path, **changes: Any) -> BatchOptions:
    settings: dict[str, Any] = dict(out=out, parts=["sigmoid", "forget_gate"], timeout=5,
                                    sandbox=resolve_sandbox("process"))
    settings.update(changes)
    return BatchOptions(**settings)


def fake_report(student: str, message: str = "forget gate uses tanh") -> dict[str, Any]:
    """A report shaped like Report.to_dict(): sigmoid passes, forget_gate fails."""
    return {"schema": 1, "submission": f"{student}.py", "score": 3.0, "max_score": 7.0, "bonus": 0.0,
            "max_bonus": 0.0, "isolation": "fake",
            "parts": [{"name": "sigmoid", "group": "forward", "status": "pass", "score": 3.0, "max_score": 3.0,
                       "messages": [], "diagnosis": None, "hint": None, "seconds": 0.0},
                      {"name": "forget_gate", "group": "forward", "status": "fail", "score": 0.0,
                       "max_score": 4.0, "messages": [message], "diagnosis": "forget_gate.tanh_instead_of_sigmoid",
                       "hint": "a gate is a sigmoid", "seconds": 0.0}]}


class FakeGrader:
    """A grade_entry that counts attempts per student in files and misbehaves for some of them.

    `failures` maps a student to (what to do, how many times): "kill" SIGKILLs the worker,
    "enospc" raises a full disk, "bad report" returns a broken report, "slow" takes 0.5 s,
    "unreadable" says the submission cannot be read (the student's doing), "interrupt" is a Ctrl-C.
    """

    def __init__(self, folder: Path, failures: dict[str, tuple[str, int]] | None = None,
                 message: str = "forget gate uses tanh") -> None:
        self.folder = folder
        self.folder.mkdir(exist_ok=True)
        self.failures = failures or {}
        self.message = message

    def attempts(self, student: str) -> int:
        path = self.folder / student
        return path.stat().st_size if path.exists() else 0

    def __call__(self, entry: Entry, seed: int, parts: Any, timeout: float, sandbox: Any) -> dict[str, Any]:
        with open(self.folder / entry.student, "ab") as stream:
            stream.write(b".")
        action, times = self.failures.get(entry.student, ("", 0))
        if self.attempts(entry.student) <= times:
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if action == "enospc":
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            if action == "bad report":
                return {"parts": []}
            if action == "slow":
                time.sleep(0.5)
            if action == "unreadable":
                return {"error": f"{entry.path.name}: not valid nbformat"}
            if action == "interrupt":
                raise KeyboardInterrupt
        return fake_report(entry.student, self.message)


def use_fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **kwargs: Any) -> FakeGrader:
    fake = FakeGrader(tmp_path / f"attempts{len(list(tmp_path.glob('attempts*')))}", **kwargs)
    monkeypatch.setattr(grade_student, "grade_entry", fake)
    return fake


def read_grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def journalled(out: Path) -> dict[str, dict[str, Any]]:
    return Journal(out / ".journal.jsonl").entries()
