"""A notebook that is not valid nbformat is refused with the reason, never a crash.

`grade` raises SubmissionError for such a notebook, the error a batch records
as "not gradable" for that student alone; the message names the file and says
what is wrong in one line.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from grader.lstm.grading import grade
from grader.engine.notebook_schema import REASON_LENGTH, structure_problem
from grader.engine.submission import SubmissionError, load_submission

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
SIGMOID = "import numpy as np\n\ndef sigmoid(z):\n    return 0.5 * (1 + np.tanh(z / 2))\n"


def code_cell(source, **fields) -> dict:
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None,
            **fields}


def notebook(cells, **fields) -> dict:
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5, **fields}


DEEP = "[" * 50_000 + "]" * 50_000

# (id, the file's text, words the reason must hold)
MALFORMED = [
    ("source a list of numbers", json.dumps(notebook([code_cell([1, 2])])), "cell 1: source"),
    ("notebook metadata a string", json.dumps(notebook([code_cell(SIGMOID)], metadata="oops")), "metadata"),
    ("cell metadata a string", json.dumps(notebook([code_cell(SIGMOID, metadata="oops")])), "cell 1: metadata"),
    ("50,000-deep lists", DEEP, "nested too deeply"),
    ("50,000-deep lists as the cells", '{"cells": ' + DEEP + "}", "nested too deeply"),
    ("cells not a list", json.dumps(notebook({"0": code_cell(SIGMOID)})), "cells is an object"),
    ("a cell that is a string", json.dumps(notebook([code_cell(SIGMOID), "print(1)"])), "cell 2 is a string"),
    ("cell_type missing", json.dumps(notebook([{"metadata": {}, "source": SIGMOID}])), "cell 1 has no cell_type"),
    ("a list at the top", "[1, 2]", "the file holds a list"),
    ("no cells", json.dumps({"metadata": {}, "nbformat": 4, "nbformat_minor": 5}), "no list of cells"),
    ("no nbformat version", json.dumps({"cells": [code_cell(SIGMOID)], "metadata": {}}), "schema"),
    ("unknown cell type", json.dumps(notebook([{"cell_type": "weird", "metadata": {}, "source": ""}])),
     "cells[0]"),
    ("an integer of 5,000 digits", '{"cells": [], "n": ' + "7" * 5_000 + "}", "digits"),
    ("not JSON", "{not json", "not a readable Jupyter notebook"),
]


@pytest.mark.parametrize("text, reason", [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED])
def test_a_malformed_notebook_is_refused_with_the_file_and_the_reason(tmp_path, text, reason):
    path = tmp_path / "student_work.ipynb"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SubmissionError) as caught:
        grade(path, parts=["sigmoid"])
    message = str(caught.value)
    assert "student_work.ipynb" in message and reason in message, message
    assert "\n" not in message and len(message) <= len(str(path)) + 60 + REASON_LENGTH, message


def test_a_long_reason_is_cut_to_one_short_line(tmp_path):
    path = tmp_path / "long.ipynb"
    cell = {"cell_type": "weird", "metadata": {"notes": "x\n" * 5_000}, "source": ""}
    path.write_text(json.dumps(notebook([cell])), encoding="utf-8")
    with pytest.raises(SubmissionError) as caught:
        load_submission(path)
    message = str(caught.value)
    assert "\n" not in message and len(message) < len(str(path)) + 60 + REASON_LENGTH, message


def test_without_nbformat_the_structure_the_extraction_reads_is_still_checked():
    assert structure_problem(notebook([code_cell(["x = 1\n", "y = 2\n"]), {"cell_type": "markdown",
                                                                             "source": "# hi"}])) == ""
    assert structure_problem(notebook([code_cell([1, 2])])) == \
        "cell 1: source is a list holding a number, expected a list of strings"
    assert structure_problem(notebook("cells")) == "cells is a string, expected a list"
    assert structure_problem(notebook([None])) == "cell 1 is null, expected an object"


def test_without_nbformat_installed_the_type_errors_are_still_refused(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nbformat", None)  # `import nbformat` now raises ImportError
    for name, text, reason in MALFORMED[:9]:
        path = tmp_path / "student_work.ipynb"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(SubmissionError, match="student_work.ipynb") as caught:
            load_submission(path)
        assert reason in str(caught.value), (name, str(caught.value))
    path.write_text(json.dumps(notebook([code_cell(SIGMOID)])), encoding="utf-8")
    load_submission(path).cleanup()


def test_a_valid_hand_written_notebook_still_grades(tmp_path):
    # no outputs or execution_count: keys nbformat requires but the grader never reads
    path = tmp_path / "minimal.ipynb"
    path.write_text(json.dumps(notebook([{"cell_type": "markdown", "metadata": {}, "source": "# sigmoid"},
                                         {"cell_type": "code", "metadata": {}, "source": SIGMOID}])),
                    encoding="utf-8")
    report = grade(path, parts=["sigmoid"], seed=3)
    assert report.part("sigmoid").status == "pass", report.part("sigmoid").messages


def test_the_solved_course_notebook_still_grades():
    report = grade(SOLUTIONS / "lstm_assignment.ipynb", parts=["sigmoid", "lstm_cell_forward"], seed=3)
    assert [part.status for part in report.parts] == ["pass", "pass"]


def test_nbformat_is_imported_without_the_iri_grammars_and_they_stay_importable():
    """import_nbformat keeps jsonschema from compiling rfc3987_syntax's grammars (about a second)
    for a format notebooks never use; the module is not left blocked for whatever comes next."""
    import importlib.util
    import subprocess

    script = ("import sys\n"
              "from grader.engine.notebook_schema import import_nbformat\n"
              "nbformat = import_nbformat()\n"
              "print(nbformat.__name__, 'rfc3987_syntax' in sys.modules)\n"
              "import importlib.util\n"
              "print('importable' if importlib.util.find_spec('rfc3987_syntax') is not None else 'absent')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    installed = importlib.util.find_spec("rfc3987_syntax") is not None
    assert result.stdout.split() == ["nbformat", "False", "importable" if installed else "absent"]
