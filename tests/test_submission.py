from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.engine.grading import with_file_notes
from grader.engine.results import PartResult
from grader.engine.submission import SubmissionError, defined_names, load_submission
from grader.lstm import PARTS
from grader.lstm.grading import grade

ROOT = Path(__file__).resolve().parent.parent
CORE = [part.name for part in PARTS]


def test_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "part1.py"
    bad.write_text("def forget_gate(x):\n    return (x\n\ndef other():\n    pass\n")
    submission = load_submission(tmp_path)
    assert submission.files == []
    assert submission.problems and submission.problems[0].startswith("part1.py: SyntaxError at line 2")


def test_files_that_would_shadow_modules_are_skipped(tmp_path):
    for name in ("numpy.py", "sitecustomize.py", "conftest.py", "json.py", "my_lstm.py"):
        (tmp_path / name).write_text("x = 1\n")
    submission = load_submission(tmp_path)
    assert [path.name for path in submission.files] == ["my_lstm.py"]
    skipped = " ".join(submission.problems)
    for name in ("numpy.py", "sitecustomize.py", "conftest.py", "json.py"):
        assert name in skipped


def test_missing_path_and_wrong_suffix_are_unreadable(tmp_path):
    with pytest.raises(SubmissionError, match="no such file"):
        load_submission(tmp_path / "nothere.py")
    other = tmp_path / "answers.txt"
    other.write_text("hello")
    with pytest.raises(SubmissionError, match="expected a .py file"):
        load_submission(other)
    with pytest.raises(SubmissionError, match="holds no .py files"):
        load_submission(tmp_path)


def notebook(cells):
    return {"cells": [{"cell_type": kind, "metadata": {}, "source": source} for kind, source in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_notebook_code_cells_are_extracted_and_magics_skipped(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_text(json.dumps(notebook([
        ("markdown", "# title"),
        ("code", ["import numpy as np\n", "%matplotlib inline\n", "def f(x):\n", "    return x\n"]),
        ("code", "%%bash\necho hi"),
        ("code", "!ls\ny = 2"),
    ])))
    submission = load_submission(path)
    try:
        source = submission.files[0].read_text()
        assert "def f(x):" in source and "y = 2" in source
        assert "%matplotlib" not in source.replace("# skipped: %matplotlib", "")
        assert "echo hi" not in source
        assert any("cell magic" in problem for problem in submission.problems)
        assert any("shell escape" in problem for problem in submission.problems)
    finally:
        submission.cleanup()


def test_broken_notebook_is_unreadable(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    with pytest.raises(SubmissionError, match="not a readable Jupyter notebook"):
        load_submission(path)


def test_default_seed_follows_the_content(tmp_path):
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    first = load_submission(path).default_seed
    path.write_text("x = 2\n")
    assert load_submission(path).default_seed != first


# file problems are said once, in the report's notes; each part says only why it is missing


def solutions_copy(folder: Path) -> Path:
    folder.mkdir()
    for path in (ROOT / "solutions").glob("part[123]_*.py"):
        shutil.copyfile(path, folder / path.name)
    return folder


def test_an_import_crash_is_noted_once_and_each_part_names_its_own_file(tmp_path):
    folder = solutions_copy(tmp_path / "work")
    backward = folder / "part2_cell_backward.py"
    backward.write_text("import does_not_exist_xyz\n" + backward.read_text())
    report = grade(folder, parts=CORE, seed=3)
    crash = [note for note in report.notes if "does_not_exist_xyz" in note]
    assert len(crash) == 1 and crash[0].startswith("part2_cell_backward.py: ModuleNotFoundError")
    missing = [part for part in report.parts if part.status == "missing"]
    assert {part.name for part in missing} == {"sigmoid_backward", "tanh_backward", "hidden_state_backward",
                                               "cell_update_backward", "gate_backward", "lstm_cell_backward",
                                               "lstm_forward", "lstm_backward"}
    assert all(len(part.messages) == 1 for part in missing), [part.messages for part in missing]
    assert report.part("gate_backward").messages == (
        "gate_backward is in part2_cell_backward.py, which failed to import: ModuleNotFoundError: No module named "
        "'does_not_exist_xyz'",)
    assert report.part("lstm_backward").messages[0].startswith(
        "lstm_backward is in part3_sequence.py, which failed to import: ImportError: cannot import name")
    assert sum(len(message) for part in report.parts for message in part.messages) < 3_000


def test_a_syntax_error_says_where_each_of_that_files_functions_went(tmp_path):
    path = tmp_path / "my_lstm.py"
    path.write_text("def sigmoid(z):\n    return z\n\ndef forget_gate(x, h_prev, W_f, U_f, b_f)\n    return x\n")
    report = grade(path, parts=["sigmoid", "forget_gate", "lstm_backward"], seed=3)
    assert report.notes == ("my_lstm.py: SyntaxError at line 4: expected ':'",)
    assert report.part("sigmoid").messages == (
        "sigmoid is in my_lstm.py, which was not loaded: SyntaxError at line 4: expected ':'",)
    assert report.part("forget_gate").messages == (
        "forget_gate is in my_lstm.py, which was not loaded: SyntaxError at line 4: expected ':'",)
    assert report.part("lstm_backward").messages == ("lstm_backward is not defined in the submission",)


def test_a_part_that_needs_a_function_that_was_not_loaded_says_where_it_is():
    unloaded = {"lstm_cell_forward": "part1.py, which was not loaded: SyntaxError at line 9: invalid syntax"}
    needs = PartResult("lstm_forward", "forward", "error", 0.0, 10.0,
                       ("needs your lstm_cell_forward: lstm_cell_forward is not defined in the submission",))
    assert with_file_notes(needs, unloaded).messages == (
        "needs your lstm_cell_forward: lstm_cell_forward is in part1.py, which was not loaded: SyntaxError at line "
        "9: invalid syntax",)
    elsewhere = PartResult("sigmoid", "forward", "missing", 0.0, 3.0, ("sigmoid is not defined in the submission",))
    assert with_file_notes(elsewhere, unloaded) == elsewhere
    raised = PartResult("lstm_forward", "forward", "error", 0.0, 10.0, ("lstm_forward raised ValueError: no",))
    assert with_file_notes(raised, unloaded) == raised


def test_the_functions_of_code_that_does_not_compile_are_found_by_name():
    source = "import numpy as np\ndef sigmoid(z):\n    def inner(): pass\nasync def later(x) :\n  x = (\n"
    assert defined_names(source) == ["sigmoid", "later"]
