import json

import pytest

from grader.engine.submission import SubmissionError, load_submission


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
