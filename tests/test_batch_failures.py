"""lstm-grader batch never records its own failure as a grade, nor lets the student's text through.

Text the student controls is cleaned before it reaches any file or the
terminal, and an output folder that cannot be written stops the batch with one
line and exit code 2, leaving what was written before whole. (Retries of the
grader's own failures: tests/test_supervise.py; the fakes: tests/batch_fakes.py.)
"""
from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import grader.course.grade_student as grade_student
import grader.course.journal as journal_module
from batch_fakes import ENOSPC, fake_report, journalled, make_class, options, read_grades, use_fake
from grader.cli.batch import batch as batch_command
from grader.course.batch import OutputError, run_batch
from grader.course.journal import Journal
from grader.course.students import Entry
from grader.report.class_summary import gradebook_csv
from grader.report.progress_bar import PlainProgress, RichProgress

HOSTILE = "\udcff\x1b]0;title\x07\x1b[2J\x00"
FORBIDDEN = ("\x1b", "\x07", "\x00", "\udcff")


def gradebook_files(out: Path) -> dict[str, str]:
    """Everything a run leaves in `out`, by relative path (the journal is compared apart)."""
    return {str(path.relative_to(out)): path.read_text(encoding="utf-8") for path in sorted(out.rglob("*"))
            if path.is_file() and path.name != ".journal.jsonl"}


def class_results(out: Path) -> dict[str, str]:
    """gradebook_files without what only says how the last run went (summary.json's "run", its line in
    summary.md and summary.html)."""
    files = gradebook_files(out)
    summary = json.loads(files["summary.json"])
    summary.pop("run")
    files["summary.json"] = json.dumps(summary, indent=2)
    for name in ("summary.md", "summary.html"):
        files[name] = "\n".join(line for line in files[name].splitlines() if "This run: " not in line)
    return files


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

    def fails_loudly(entry: Entry, *args: Any) -> dict[str, Any]:
        if entry.student == "bob":
            raise RuntimeError(HOSTILE + "\n=1+1")
        return fake_report(entry.student)

    monkeypatch.setattr(grade_student, "grade_entry", fails_loudly)
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
    ids = sorted(read_grades(tmp_path / "out"))
    assert len(ids) == 2 and re.fullmatch(r"'-2_3-[0-9a-f]{8}", ids[0]) and re.fullmatch(r"_dave-[0-9a-f]{8}", ids[1])


def test_a_report_missing_on_disk_is_regraded_not_trusted(tmp_path: Path, monkeypatch) -> None:
    source = make_class(tmp_path / "class")
    out = tmp_path / "out"
    use_fake(monkeypatch, tmp_path)
    run_batch(source, options(out))
    (out / "reports" / "bob.json").write_text('{"score": "lots"}')
    (out / "feedback" / "carol.md").unlink()
    again = run_batch(source, options(out))
    assert again.graded == 2 and again.already_done == 3
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


# 5 students: stage_file calls 1-10 are their reports and feedback, 11-14 the class files
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
    assert class_results(out) == class_results(clean)


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
    assert again.already_done == 2 and again.graded == 3
    assert class_results(out) == class_results(clean)


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
    return CliRunner().invoke(batch_command, [str(source), "--out", str(out), "--sandbox", "process", *extra],
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
    counts, advice = result.stderr.strip().splitlines()[-2:]
    assert counts.startswith("4 graded, 0 already done, 0 not gradable, 1 not graded: grader error, 0 skipped;")
    assert advice.startswith("to grade the 1 not graded, run: ")
    assert f"bob: not graded: grader error ({ENOSPC})" in result.stderr
