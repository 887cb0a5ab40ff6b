"""Files the sandbox would not copy are named before a child starts (grader/engine/submission.py).

The limits are the sandbox's own (grader/sandbox/view.py): a file the staging
leaves out must never reach the child as a FileNotFoundError.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.commands import main
from grader.engine import grading
from grader.engine.submission import SubmissionError, load_submission
from grader.lstm.grading import grade
from grader.sandbox.view import MAX_STAGED_BYTES, MAX_STAGED_FILES, copy_sources

ROOT = Path(__file__).resolve().parent.parent
SIGMOID = "import numpy as np\n\n\ndef sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n"


def padded(path: Path, size: int, code: str = SIGMOID) -> Path:
    """`code` followed by comment lines, `size` bytes in all."""
    line = "# " + "x" * 97 + "\n"
    filler = size - len(code.encode())
    path.write_text(code + line * (filler // len(line)) + "#" * (filler % len(line)), encoding="utf-8")
    assert path.stat().st_size == size
    return path


class NoChild:
    """Stands in for ChildSession: the refusal must come before any child starts."""

    def __init__(self, *args: object, **options: object) -> None:
        raise AssertionError("a child was started for a submission the sandbox cannot hold")


def test_a_file_over_the_staging_limit_is_refused_with_its_size_and_the_limit(tmp_path, monkeypatch):
    huge = padded(tmp_path / "huge.py", MAX_STAGED_BYTES + 1)
    monkeypatch.setattr(grading, "ChildSession", NoChild)
    with pytest.raises(SubmissionError) as caught:
        grade(huge, parts=["sigmoid"])
    message = str(caught.value)
    assert message == (f"{huge}: 20 MiB ({MAX_STAGED_BYTES + 1} bytes), over the 20 MiB ({MAX_STAGED_BYTES} bytes) "
                       "limit on what the grader copies into its sandbox; nothing was graded")


def test_a_file_at_the_limit_is_graded(tmp_path):
    report = grade(padded(tmp_path / "big.py", MAX_STAGED_BYTES), parts=["sigmoid"], seed=3)
    assert report.part("sigmoid").status == "pass", report.part("sigmoid").messages


def test_check_on_a_huge_file_is_a_usage_error_naming_it(tmp_path):
    huge = padded(tmp_path / "huge.py", MAX_STAGED_BYTES + 5 * 2 ** 20)
    result = CliRunner().invoke(main, ["check", str(huge), "--no-progress"])
    assert result.exit_code == 2, result.output
    assert f"huge.py: 25 MiB ({huge.stat().st_size} bytes), over the 20 MiB" in result.output
    assert "FileNotFoundError" not in result.output


def test_in_a_folder_the_file_that_does_not_fit_is_left_out_by_name(tmp_path):
    padded(tmp_path / "a_data.py", MAX_STAGED_BYTES - 50, code="")
    (tmp_path / "b_gates.py").write_text(SIGMOID, encoding="utf-8")
    submission = load_submission(tmp_path)
    assert [path.name for path in submission.files] == ["a_data.py"]
    assert submission.problems == [
        f"b_gates.py: {len(SIGMOID)} bytes, which with the 20 MiB ({MAX_STAGED_BYTES - 50} bytes) of the files "
        f"before it is over the 20 MiB ({MAX_STAGED_BYTES} bytes) limit on what the grader copies into its sandbox; "
        "it was left out"]
    report = grade(tmp_path, parts=["sigmoid"], seed=3)
    assert report.part("sigmoid").status == "missing"
    assert any(note.startswith("b_gates.py:") and "left out" in note for note in report.notes), report.notes
    assert not any("FileNotFoundError" in note for note in report.notes), report.notes


def test_the_files_a_folder_keeps_are_exactly_those_the_sandbox_copies(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    for name, size in (("a.py", MAX_STAGED_BYTES // 2), ("b.py", MAX_STAGED_BYTES // 2 + 1), ("c.py", 100)):
        padded(folder / name, size, code="")
    submission = load_submission(folder)
    staged = tmp_path / "staged"
    staged.mkdir()
    copy_sources(submission.files, submission.search_path, staged)
    assert [path.name for path in submission.files] == ["a.py", "c.py"]
    assert sorted(path.name for path in staged.iterdir()) == ["a.py", "c.py"]
    assert [problem.split(":")[0] for problem in submission.problems] == ["b.py"]


def test_more_files_than_the_sandbox_copies_are_named(tmp_path):
    for number in range(MAX_STAGED_FILES + 2):
        (tmp_path / f"m{number:03d}.py").write_text(f"X{number} = {number}\n", encoding="utf-8")
    submission = load_submission(tmp_path)
    assert len(submission.files) == MAX_STAGED_FILES
    assert submission.problems == [f"m{number:03d}.py: the grader copies at most {MAX_STAGED_FILES} files into its "
                                   "sandbox; it was left out" for number in (MAX_STAGED_FILES, MAX_STAGED_FILES + 1)]


def test_a_notebook_whose_code_is_over_the_limit_is_refused(tmp_path):
    path = tmp_path / "big.ipynb"
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": SIGMOID + "# " + "x" * MAX_STAGED_BYTES + "\n"}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(SubmissionError, match=r"big\.ipynb \(its code cells\): 20 MiB \(\d+ bytes\), over the 20 MiB "
                                              r"\(\d+ bytes\) limit on what the grader copies into its sandbox; "
                                              "nothing was graded"):
        load_submission(path)
