"""lstm-grader batch: inputs, outputs, resume, seeds, safety of the input."""
from __future__ import annotations

import csv
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.course.archive import ArchiveError, extract_zip
from grader.course.batch import BatchOptions, run_batch
from grader.cli.commands import main
from grader.course.secret import CourseSecret
from grader.course.students import discover
from grader.course.journal import Journal
from grader.lstm import all_parts
from grader.sandbox import resolve_sandbox
from hostile_submissions import digest

REPO = Path(__file__).resolve().parent.parent
PARTS = ["sigmoid", "forget_gate"]
HONEST = ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py")
WRONG_GATE = "import numpy as np\ndef sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n" \
             "def forget_gate(x, h_prev, W_f, U_f, b_f):\n    return np.tanh(x @ W_f + h_prev @ U_f + b_f)\n"


def make_class(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / "alice").mkdir()
    for name in HONEST:
        shutil.copyfile(REPO / "solutions" / name, root / "alice" / name)
    (root / "bob.py").write_text(WRONG_GATE)
    (root / "carol.py").write_text("def sigmoid(z)\n")
    notebook = {"cells": [{"cell_type": "code", "source": WRONG_GATE}], "metadata": {}, "nbformat": 4,
                "nbformat_minor": 5}
    (root / "=dave.ipynb").write_text(json.dumps(notebook))
    (root / "notes.txt").write_text("not a submission")
    return root


def options(out: Path, **changes) -> BatchOptions:
    settings = dict(out=out, parts=PARTS, timeout=5, sandbox=resolve_sandbox("process"))
    settings.update(changes)
    return BatchOptions(**settings)


def read_grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def test_batch_writes_gradebook_reports_feedback_and_summary(tmp_path: Path) -> None:
    source = make_class(tmp_path / "class")
    before = digest(source)
    result = run_batch(source, options(tmp_path / "out"))
    out = tmp_path / "out"
    assert result.graded == 4 and not result.interrupted
    grades = read_grades(out)
    header = list(next(csv.reader(open(out / "grades.csv"))))
    assert header == ["student", *[part.name for part in all_parts()], "total", "bonus", "status"]
    assert grades["alice"]["total"] == "7" and grades["alice"]["forget_gate"] == "4"
    assert grades["bob"]["forget_gate"] == "0" and grades["bob"]["sigmoid"] == "3"
    assert grades["carol"]["total"] == "0"
    # the id is made file-safe, with a digest of the name it replaces; a leading = never reaches a cell
    assert any(student.startswith("_dave-") for student in grades)
    report = json.loads((out / "reports" / "alice.json").read_text())
    assert {"schema", "submission", "score", "max_score", "bonus", "max_bonus", "parts", "isolation"} <= set(report)
    assert report["isolation"].startswith("process")
    assert "forget_gate" in (out / "feedback" / "bob.md").read_text() and "FAIL" in (out / "feedback" / "bob.md").read_text()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["parts"]["forget_gate"]["pass_rate"] == 0.25
    assert summary["skipped"] == ["notes.txt: not a .py file, notebook or folder"]
    assert digest(source) == before


def test_rerun_skips_finished_students_and_force_regrades(tmp_path: Path) -> None:
    source = make_class(tmp_path / "class")
    run_batch(source, options(tmp_path / "out"))
    again = run_batch(source, options(tmp_path / "out"))
    assert again.graded == 0 and again.already_done == 4
    (source / "bob.py").write_text((REPO / "solutions" / "part1_cell_forward.py").read_text())
    changed = run_batch(source, options(tmp_path / "out"))
    assert changed.graded == 1 and read_grades(tmp_path / "out")["bob"]["forget_gate"] == "4"
    forced = run_batch(source, options(tmp_path / "out", force=True))
    assert forced.graded == 4


def test_a_torn_journal_line_is_ignored(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.jsonl")
    journal.record({"student": "a", "key": "k"})
    with open(tmp_path / "j.jsonl", "a") as stream:
        stream.write('{"student": "b", "ke')
    assert set(journal.entries()) == {"a"}


def test_interrupt_leaves_previous_gradebook_whole_and_resume_finishes(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    out = tmp_path / "out"
    run_batch(source, options(out, parts=["sigmoid"]))
    old = (out / "grades.csv").read_text()
    import grader.course.grade_student as grade_student

    calls = []
    original = grade_student.grade_entry

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(grade_student, "grade_entry", interrupted)
    result = run_batch(source, options(out, force=True))
    assert result.interrupted and result.graded == 1
    assert (out / "grades.csv").read_text() == old  # not rewritten half-way
    monkeypatch.setattr(grade_student, "grade_entry", original)
    resumed = run_batch(source, options(out))
    assert resumed.already_done == 1 and resumed.graded == 3
    assert read_grades(out)["alice"]["forget_gate"] == "4"


def test_seeds_differ_between_students_and_depend_on_the_secret() -> None:
    secret = CourseSecret(b"s1", "test")
    assert secret.seed_for("alice") != secret.seed_for("bob")
    assert secret.seed_for("alice") == CourseSecret(b"s1", "test").seed_for("alice")
    assert secret.seed_for("alice") != CourseSecret(b"s2", "test").seed_for("alice")


def test_seed_reaches_the_report(tmp_path: Path) -> None:
    source = make_class(tmp_path / "class")
    secret = CourseSecret(b"course", "test")
    run_batch(source, options(tmp_path / "out", secret=secret))
    entries = Journal(tmp_path / "out" / ".journal.jsonl").entries()
    assert entries["alice"]["seed"] == secret.seed_for("alice")


def test_nbgrader_layout_and_zip_input(tmp_path: Path) -> None:
    course = tmp_path / "course"
    for student in ("s1", "s2"):
        folder = course / "submitted" / student / "lstm"
        folder.mkdir(parents=True)
        (folder / "answer.py").write_text(WRONG_GATE)
    entries, _ = discover(course)
    assert [(entry.student, entry.path.name) for entry in entries] == [("s1", "lstm"), ("s2", "lstm")]
    archive = tmp_path / "class.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("class/erin.py", WRONG_GATE)
        bundle.writestr("class/frank/lstm.py", WRONG_GATE)
    result = run_batch(archive, options(tmp_path / "out"))
    assert result.graded == 2 and set(read_grades(tmp_path / "out")) == {"erin", "frank"}


@pytest.mark.parametrize("name", ["../evil.py", "/etc/evil.py", "a/../../evil.py"])
def test_zip_path_traversal_is_refused(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr(name, "x = 1\n")
    (tmp_path / "dest").mkdir()
    with pytest.raises(ArchiveError):
        extract_zip(archive, tmp_path / "dest")
    assert not (tmp_path / "evil.py").exists()


def test_zip_symlinks_are_not_extracted(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        info = zipfile.ZipInfo("link.py")
        info.external_attr = (0o120777) << 16
        bundle.writestr(info, "/etc/passwd")
    (tmp_path / "dest").mkdir()
    skipped = extract_zip(archive, tmp_path / "dest")
    assert skipped and not (tmp_path / "dest" / "link.py").exists()


def test_batch_command_line(tmp_path: Path) -> None:
    source = make_class(tmp_path / "class")
    result = CliRunner().invoke(main, ["batch", str(source), "--out", str(tmp_path / "out"), "--part", "sigmoid",
                                       "--sandbox", "process", "--jobs", "2", "--feedback", "html"],
                                env={"LSTM_GRADER_SECRET": "x"})
    assert result.exit_code == 0, result.output
    assert "[4/4]" in result.output  # plain progress lines when not a terminal
    assert (tmp_path / "out" / "feedback" / "alice.html").read_text().startswith("<!doctype html>")
    assert read_grades(tmp_path / "out")["alice"]["sigmoid"] == "3"


def test_an_nbgrader_course_gets_the_feedback_pages_and_the_dashboard(tmp_path: Path) -> None:
    """nbgrader's submitted/<student>/<assignment>/ graded by batch: the same pages as any class."""
    course = tmp_path / "course"
    for student in ("s1", "s2"):
        folder = course / "submitted" / student / "lstm"
        folder.mkdir(parents=True)
        (folder / "answer.py").write_text(WRONG_GATE)
    out = tmp_path / "out"
    result = run_batch(course / "submitted", options(out, feedback_format="html"))
    assert result.graded == 2
    for student in ("s1", "s2"):
        page = (out / "feedback" / f"{student}.html").read_text()
        assert page.startswith("<!doctype html>") and "forget_gate" in page
    dashboard = (out / "summary.html").read_text()
    assert 'href="feedback/s1.html"' in dashboard and 'href="feedback/s2.html"' in dashboard
