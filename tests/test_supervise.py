"""The supervision of batch workers: the grader's own failures are retried once, alone, and never journalled.

A failure of the grader or of the machine (a full disk, a killed worker, a bug
of ours) is retried once in a fresh worker, then shown as "not graded: grader
error" and left for the next run; a worker that dies costs only its student.
"""
from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

import grader.course.grade_student as grade_student
from batch_fakes import ENOSPC, STUDENTS, FakeGrader, journalled, make_class, options, read_grades, use_fake
from grader.course.batch import run_batch
from grader.course.students import Entry


@pytest.mark.parametrize("jobs", [1, 2])
def test_enospc_while_grading_is_retried_reported_and_never_journalled(tmp_path: Path, monkeypatch, jobs: int) -> None:
    source = make_class(tmp_path / "class")
    out = tmp_path / "out"
    fake = use_fake(monkeypatch, tmp_path, failures={"bob": ("enospc", 99)})
    result = run_batch(source, options(out, jobs=jobs))
    assert result.grader_errors == {"bob": ENOSPC} and fake.attempts("bob") == 2
    assert result.graded == 4 and not result.ungradable
    assert "bob" not in journalled(out) and set(journalled(out)) == set(STUDENTS) - {"bob"}
    row = read_grades(out)["bob"]
    assert row["status"] == f"not graded: grader error ({ENOSPC})" and row["total"] == "" and row["sigmoid"] == ""
    assert read_grades(out)["alice"]["total"] == "3"
    assert "0 not gradable, 1 not graded: grader error" in (out / "summary.md").read_text()
    assert json.loads((out / "summary.json").read_text())["grader_errors"] == {"bob": ENOSPC}

    fixed = use_fake(monkeypatch, tmp_path)
    again = run_batch(source, options(out, jobs=jobs))
    assert again.graded == 1 and again.already_done == 4 and not again.grader_errors
    assert fixed.attempts("bob") == 1 and sum(fixed.attempts(student) for student in STUDENTS) == 1
    assert journalled(out)["bob"]["score"] == 3 and read_grades(out)["bob"]["status"] == "graded"


def test_one_failed_attempt_is_retried_in_the_same_run(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    fake = use_fake(monkeypatch, tmp_path, failures={"bob": ("enospc", 1)})
    result = run_batch(source, options(tmp_path / "out"))
    assert not result.grader_errors and result.graded == 5 and fake.attempts("bob") == 2
    assert read_grades(tmp_path / "out")["bob"]["total"] == "3"


def test_a_report_our_code_cannot_render_is_a_grader_error(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    fake = use_fake(monkeypatch, tmp_path, failures={"carol": ("bad report", 99)})
    result = run_batch(source, options(tmp_path / "out"))
    assert result.grader_errors == {"carol": "KeyError: 'score'"}
    assert fake.attempts("carol") == 2 and "carol" not in journalled(tmp_path / "out")


def test_real_grading_a_full_temporary_folder_is_not_the_students_fault(tmp_path: Path, monkeypatch) -> None:
    """The real grade_entry: OSError while copying is raised, an unreadable submission is journalled."""
    source = tmp_path / "class"
    source.mkdir()
    (source / "alice.py").write_text("import numpy as np\ndef sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n")
    (source / "bob.py").write_text("def sigmoid(z):\n    return z\n")
    (source / "carol").mkdir()  # no .py files: the student's doing
    (source / "carol" / "README").write_text("forgot the code")
    copy_entry = grade_student.copy_entry

    def copy_fills_the_disk(path: Path, destination: Path) -> list[str]:
        if path.name == "bob.py":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(destination))
        return copy_entry(path, destination)

    monkeypatch.setattr(grade_student, "copy_entry", copy_fills_the_disk)
    out = tmp_path / "out"
    result = run_batch(source, options(out, parts=["sigmoid"]))
    assert set(result.grader_errors) == {"bob"} and result.grader_errors["bob"].startswith(ENOSPC)
    assert set(result.ungradable) == {"carol"} and "holds no .py files" in result.ungradable["carol"]
    assert set(journalled(out)) == {"alice", "carol"} and "error" in journalled(out)["carol"]
    grades = read_grades(out)
    assert grades["alice"]["sigmoid"] == "3" and grades["carol"]["status"].startswith("not gradable: ")
    assert grades["bob"]["status"].startswith("not graded: grader error (OSError: [Errno 28]")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_killed_by_sigkill_costs_only_that_student(tmp_path: Path, monkeypatch, jobs: int) -> None:
    source = make_class(tmp_path / "class", STUDENTS + ("mallory",))
    out = tmp_path / "out"
    # erin is still being graded beside mallory (with --jobs 2) when mallory's worker dies
    fake = use_fake(monkeypatch, tmp_path, failures={"mallory": ("kill", 99), "erin": ("slow", 99)})
    result = run_batch(source, options(out, jobs=jobs))
    assert set(result.grader_errors) == {"mallory"} and "BrokenProcessPool" in result.grader_errors["mallory"]
    assert fake.attempts("mallory") == 2 and fake.attempts("erin") == jobs  # erin's retry ran alone
    assert result.graded == len(STUDENTS) and set(journalled(out)) == set(STUDENTS)
    grades = read_grades(out)
    assert all(grades[student]["total"] == "3" for student in STUDENTS)
    assert grades["mallory"]["status"].startswith("not graded: grader error (BrokenProcessPool")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_broken_pool_is_rebuilt_and_the_killed_student_gets_its_retry(tmp_path: Path, monkeypatch, jobs: int) -> None:
    source = make_class(tmp_path / "class", ("mallory",) + STUDENTS)
    fake = use_fake(monkeypatch, tmp_path, failures={"mallory": ("kill", 1)})
    result = run_batch(source, options(tmp_path / "out", jobs=jobs))
    assert not result.grader_errors and result.graded == len(STUDENTS) + 1
    assert fake.attempts("mallory") == 2
    assert all(fake.attempts(student) <= 2 for student in STUDENTS)


def test_ctrl_c_still_keeps_journalled_work_with_a_pool(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    fake = FakeGrader(tmp_path / "attempts")

    def interrupted(entry: Entry, *args: Any) -> dict[str, Any]:
        if entry.student == "carol":
            raise KeyboardInterrupt
        return fake(entry, *args)

    monkeypatch.setattr(grade_student, "grade_entry", interrupted)
    result = run_batch(source, options(tmp_path / "out"))
    assert result.interrupted and set(journalled(tmp_path / "out")) == {"alice", "bob"}
    assert not (tmp_path / "out" / "grades.csv").exists()
