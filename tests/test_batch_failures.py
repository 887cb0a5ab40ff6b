"""lstm-grader batch never records its own failure as a grade.

The journal holds only what the student's code did. A failure of the grader or
of the machine (a full disk, a killed worker, a bug of ours) is retried once in
a fresh worker, then shown as "not graded: grader error" and left for the next
run. Text the student controls is cleaned before it reaches any file or the
terminal, and an output folder that cannot be written stops the batch with one
line and exit code 2, leaving what was written before whole.

Most tests grade with a fake grade_entry (the pool forks, so a monkeypatched
module attribute reaches the workers); attempts are counted in files, since
each worker has its own memory.
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import grader.course.batch as batch
import grader.course.journal as journal_module
from grader.course.batch import BatchOptions, OutputError, batch_command, run_batch
from grader.course.journal import Journal
from grader.report.progress_bar import PlainProgress, RichProgress
from grader.sandbox.session import resolve_sandbox
from grader.report.class_summary import gradebook_csv

STUDENTS = ("alice", "bob", "carol", "dave", "erin")
HOSTILE = "\udcff\x1b]0;title\x07\x1b[2J\x00"
FORBIDDEN = ("\x1b", "\x07", "\x00", "\udcff")
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
    "enospc" raises a full disk, "bad report" returns a broken report, "slow" takes 0.5 s.
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

    def __call__(self, entry: batch.Entry, seed: int, parts: Any, timeout: float, sandbox: Any) -> dict[str, Any]:
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
        return fake_report(entry.student, self.message)


def use_fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **kwargs: Any) -> FakeGrader:
    fake = FakeGrader(tmp_path / f"attempts{len(list(tmp_path.glob('attempts*')))}", **kwargs)
    monkeypatch.setattr(batch, "grade_entry", fake)
    return fake


def read_grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def journalled(out: Path) -> dict[str, dict[str, Any]]:
    return Journal(out / ".journal.jsonl").entries()


def gradebook_files(out: Path) -> dict[str, str]:
    """Everything a run leaves in `out`, by relative path (the journal is compared apart)."""
    return {str(path.relative_to(out)): path.read_text(encoding="utf-8") for path in sorted(out.rglob("*"))
            if path.is_file() and path.name != ".journal.jsonl"}


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
    assert again.graded == 1 and again.skipped == 4 and not again.grader_errors
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
    copy_entry = batch.copy_entry

    def copy_fills_the_disk(path: Path, destination: Path) -> list[str]:
        if path.name == "bob.py":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(destination))
        return copy_entry(path, destination)

    monkeypatch.setattr(batch, "copy_entry", copy_fills_the_disk)
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

    def interrupted(entry: batch.Entry, *args: Any) -> dict[str, Any]:
        if entry.student == "carol":
            raise KeyboardInterrupt
        return fake(entry, *args)

    monkeypatch.setattr(batch, "grade_entry", interrupted)
    result = run_batch(source, options(tmp_path / "out"))
    assert result.interrupted and set(journalled(tmp_path / "out")) == {"alice", "bob"}
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("kind", ["md", "html"])
def test_hostile_text_in_a_report_is_cleaned_everywhere(tmp_path: Path, monkeypatch, kind: str) -> None:
    source = make_class(tmp_path / "class", ("alice", "bob"))
    out = tmp_path / "out"
    use_fake(monkeypatch, tmp_path, message=f"ValueError: {HOSTILE}")
    stream = io.StringIO()
    result = run_batch(source, options(out, feedback_format=kind), lambda total: PlainProgress(total, stream))
    assert result.graded == 2 and (out / "grades.csv").exists()
    for path in [*out.rglob("*.json"), *out.rglob(f"*.{kind}"), out / "grades.csv", out / "summary.md"]:
        text = path.read_text(encoding="utf-8")
        assert not any(character in text for character in FORBIDDEN), path
        assert not any(escape in text.lower() for escape in ("\\u001b", "\\u0007", "\\u0000", "\\udcff")), path
    report = json.loads((out / "reports" / "alice.json").read_text())
    message = report["parts"][1]["messages"][0]
    assert message.startswith("ValueError: \ufffd") and not any(character in message for character in FORBIDDEN)
    assert "alice" in (out / "feedback" / f"alice.{kind}").read_text()
    assert not any(character in stream.getvalue() for character in FORBIDDEN)


def test_a_hostile_grader_error_message_is_cleaned_on_the_terminal_and_in_the_gradebook(tmp_path: Path,
                                                                                         monkeypatch) -> None:
    source = make_class(tmp_path / "class", ("alice", "bob"))

    def fails_loudly(entry: batch.Entry, *args: Any) -> dict[str, Any]:
        if entry.student == "bob":
            raise RuntimeError(HOSTILE + "\n=1+1")
        return fake_report(entry.student)

    monkeypatch.setattr(batch, "grade_entry", fails_loudly)
    stream = io.StringIO()
    result = run_batch(source, options(tmp_path / "out"), lambda total: PlainProgress(total, stream))
    assert result.grader_errors["bob"].startswith("RuntimeError: \ufffd")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and "bob: not graded: grader error (RuntimeError" in stream.getvalue()
    assert not any(character in stream.getvalue() for character in FORBIDDEN)
    raw = (tmp_path / "out" / "grades.csv").read_text(encoding="utf-8")
    assert not any(character in raw for character in FORBIDDEN) and raw.count("\n") == 3


def test_rich_progress_never_reads_student_text_as_markup() -> None:
    stream = io.StringIO()
    with RichProgress(1, stream) as progress:
        progress.advance("bob", "not graded: grader error (ValueError: [/bold] [link=x]" + HOSTILE + ")")
    assert "[/bold]" in stream.getvalue() and "\x1b]0;" not in stream.getvalue()


def test_student_ids_that_look_like_formulas_are_neutralised_in_the_csv(tmp_path: Path, monkeypatch) -> None:
    students = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "plain"]
    reports = {student: fake_report(student) for student in students[:2]}
    failures = {students[2]: "=cmd|' /C calc'!A0"}
    grader_errors = {students[3]: "OSError: x", students[4]: "x"}
    rows = list(csv.reader(io.StringIO(gradebook_csv(students, reports, failures, grader_errors))))[1:]
    assert [row[0] for row in rows] == ["'" + student for student in students[:4]] + ["plain"]
    assert all(not row[-1].startswith(("=", "+", "-", "@")) for row in rows)

    use_fake(monkeypatch, tmp_path)
    source = make_class(tmp_path / "class", ("-2+3", "=dave"))
    run_batch(source, options(tmp_path / "out"))
    assert set(read_grades(tmp_path / "out")) == {"'-2_3", "_dave"}


def test_a_report_missing_on_disk_is_regraded_not_trusted(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    out = tmp_path / "out"
    use_fake(monkeypatch, tmp_path)
    run_batch(source, options(out))
    (out / "reports" / "bob.json").write_text('{"score": "lots"}')
    (out / "feedback" / "carol.md").unlink()
    again = run_batch(source, options(out))
    assert again.graded == 2 and again.skipped == 3
    assert read_grades(out)["bob"]["total"] == "3" and (out / "feedback" / "carol.md").exists()


STAGE_FILE = journal_module.stage_file


class FullDisk:
    """stage_file that succeeds `allowed` times, then fails with ENOSPC."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        if self.allowed <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.allowed -= 1
        return STAGE_FILE(*args, **kwargs)


def assert_journal_claims_only_whole_students(out: Path) -> None:
    for student, entry in journalled(out).items():
        if "error" not in entry:
            assert (out / "reports" / f"{student}.json").is_file() and (out / "feedback" / f"{student}.md").is_file()
    assert not [path for path in out.rglob("*.tmp")]


# 5 students: stage_file calls 1-10 are their reports and feedback, 11-13 the class files
@pytest.mark.parametrize("allowed", [0, 3, 11])
def test_a_full_output_disk_stops_the_batch_and_leaves_earlier_files_whole(tmp_path: Path, monkeypatch,
                                                                            allowed: int) -> None:
    source = make_class(tmp_path / "class")
    out, clean = tmp_path / "out", tmp_path / "clean"
    use_fake(monkeypatch, tmp_path)
    run_batch(source, options(clean))
    run_batch(source, options(out, parts=["sigmoid"]))
    before = gradebook_files(out)
    monkeypatch.setattr(journal_module, "stage_file", FullDisk(allowed))
    with pytest.raises(OutputError, match=f"cannot write to {out}: No space left on device"):
        run_batch(source, options(out))
    class_files = ("grades.csv", "summary.json", "summary.md")
    assert {name: gradebook_files(out)[name] for name in class_files} == {name: before[name] for name in class_files}
    assert gradebook_files(out).keys() == before.keys()
    assert_journal_claims_only_whole_students(out)

    monkeypatch.setattr(journal_module, "stage_file", STAGE_FILE)
    run_batch(source, options(out))
    assert gradebook_files(out) == gradebook_files(clean)


def test_a_journal_append_that_fails_claims_nothing(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    out, clean = tmp_path / "out", tmp_path / "clean"
    use_fake(monkeypatch, tmp_path)
    run_batch(source, options(clean))
    record = Journal.record

    def fails_for_carol(self: Journal, entry: dict[str, Any]) -> None:
        if entry["student"] == "carol":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        record(self, entry)

    monkeypatch.setattr(Journal, "record", fails_for_carol)
    with pytest.raises(OutputError, match="No space left on device"):
        run_batch(source, options(out))
    assert set(journalled(out)) == {"alice", "bob"} and not (out / "grades.csv").exists()
    assert_journal_claims_only_whole_students(out)
    monkeypatch.setattr(Journal, "record", record)
    again = run_batch(source, options(out))
    assert again.skipped == 2 and again.graded == 3
    assert gradebook_files(out) == gradebook_files(clean)


def test_journal_append_cut_short_by_a_full_disk_is_cut_back(tmp_path: Path, monkeypatch) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    journal.record({"student": "alice", "key": "k"})
    size = journal.path.stat().st_size
    write_fully = journal_module.write_fully

    def half_then_full(handle: int, data: bytes) -> None:
        write_fully(handle, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal_module, "write_fully", half_then_full)
    with pytest.raises(OSError):
        journal.record({"student": "bob", "key": "k"})
    assert journal.path.stat().st_size == size
    monkeypatch.setattr(journal_module, "write_fully", write_fully)
    with open(journal.path, "a") as stream:
        stream.write('{"student": "torn", "ke')  # a kill mid-write
    journal.record({"student": "carol", "key": "k"})
    assert set(journal.entries()) == {"alice", "carol"}


def invoke_batch(source: Path, out: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(batch_command(), [str(source), "--out", str(out), "--sandbox", "process", *extra],
                              env={"LSTM_GRADER_SECRET": "course"})


def test_command_line_out_is_a_file_exits_2_with_one_line(tmp_path: Path) -> None:
    source = make_class(tmp_path / "class", ("alice",))
    out = tmp_path / "grades.txt"
    out.write_text("not a folder")
    result = invoke_batch(source, out)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"lstm-grader: cannot write to {out}: it is a file, not a folder"]
    assert out.read_text() == "not a folder"


def test_command_line_full_disk_exits_2_naming_the_folder(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class", ("alice", "bob"))
    use_fake(monkeypatch, tmp_path)
    monkeypatch.setattr(journal_module, "stage_file", FullDisk(0))
    result = invoke_batch(source, tmp_path / "out")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines()[-1] == \
        f"lstm-grader: cannot write to {tmp_path / 'out'}: No space left on device"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_command_line_read_only_out_exits_2(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class", ("alice",))
    use_fake(monkeypatch, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = invoke_batch(source, out)
    finally:
        out.chmod(0o700)
    assert result.exit_code == 2 and "cannot write to" in result.stderr


def test_command_line_counts_grader_errors_apart_from_not_gradable(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    use_fake(monkeypatch, tmp_path, failures={"bob": ("enospc", 99)})
    result = invoke_batch(source, tmp_path / "out", "--jobs", "2")
    assert result.exit_code == 0, result.output
    final = result.stderr.strip().splitlines()[-1]
    assert final.startswith("4 graded, 0 already done, 0 not gradable, 1 not graded: grader error (run the same")
    assert f"bob: not graded: grader error ({ENOSPC})" in result.stderr
