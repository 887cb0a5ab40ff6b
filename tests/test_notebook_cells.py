"""A notebook cell that does not compile costs only its own functions (grader/engine/submission.py).

The fixtures are the course's real notebooks (solutions/ and exercises/
lstm_assignment.ipynb), copied into tmp_path with one cell broken.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from grader.engine.submission import load_submission, notebook_code
from grader.lstm import PARTS
from grader.lstm.grading import grade

ROOT = Path(__file__).resolve().parent.parent
SOLVED = ROOT / "solutions" / "lstm_assignment.ipynb"
STUDENT = ROOT / "exercises" / "lstm_assignment.ipynb"
CORE = [part.name for part in PARTS]


def cell_source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def solution_cell(notebook: dict[str, Any], function: str) -> tuple[int, dict[str, Any]]:
    """The 1-based number of the cell that defines `function`, and the cell."""
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] == "code" and f"def {function}(" in cell_source(cell):
            return number, cell
    raise LookupError(function)


def with_cell_edited(original: Path, target: Path, function: str, edit: Callable[[str], str],
                     broken_line: str) -> tuple[int, int]:
    """Copy `original` to `target` with `edit` applied to the text of `function`'s cell.

    Returns the cell's number and the line of the cell that holds `broken_line`.
    """
    notebook = json.loads(original.read_text(encoding="utf-8"))
    number, cell = solution_cell(notebook, function)
    text = edit(cell_source(cell))
    cell["source"] = text.splitlines(keepends=True)
    target.write_text(json.dumps(notebook), encoding="utf-8")
    return number, text.splitlines().index(broken_line) + 1


def unclosed_bracket(text: str) -> str:
    return text.rstrip("\n") + "\n    return (\n"


def test_a_syntax_error_in_one_cell_costs_only_that_cells_part(tmp_path: Path) -> None:
    path = tmp_path / "lstm_assignment.ipynb"
    number, last_line = with_cell_edited(SOLVED, path, "lstm_backward", unclosed_bracket, "    return (")
    report = grade(path, parts=CORE, seed=3)
    assert report.score == 85.0, [(part.name, part.status) for part in report.parts]
    assert [part.name for part in report.parts if part.status != "pass"] == ["lstm_backward"]
    broken = report.part("lstm_backward")
    assert broken.status == "missing" and len(broken.messages) == 1
    assert broken.messages[0].startswith(f"lstm_backward is in cell {number} of lstm_assignment.ipynb")
    assert f"at line {last_line} of the cell" in broken.messages[0]
    assert [note for note in report.notes if f"cell {number}" in note] == [
        f"lstm_assignment.ipynb: cell {number} (defines lstm_backward): SyntaxError at line {last_line} of the "
        "cell: '(' was never closed; the cell was left out, so only its functions score 0"]


def test_the_cell_left_out_is_named_with_its_functions_and_the_others_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "work.ipynb"
    number, line = with_cell_edited(SOLVED, path, "gate_backward",
                                    lambda text: text + "\ndef helper(:\n    pass\n", "def helper(:")
    source, notes = notebook_code(path)
    assert "def gate_backward(" not in source and "def helper" not in source
    assert "def lstm_cell_backward(" in source and "def sigmoid(" in source
    assert f"# --- cell {number} ---" not in source
    assert notes == [f"work.ipynb: cell {number} (defines gate_backward, helper): SyntaxError at line {line} of "
                     "the cell: invalid syntax; the cell was left out, so only its functions score 0"]
    submission = load_submission(path)
    try:
        assert len(submission.files) == 1
        assert set(submission.unloaded) == {"gate_backward", "helper"}
        assert submission.unloaded["gate_backward"].startswith(f"cell {number} of work.ipynb, which was left out")
    finally:
        submission.cleanup()


def test_a_cell_that_parses_but_does_not_compile_is_left_out_alone(tmp_path: Path) -> None:
    # 'return' outside a function parses (ast) but does not compile: the old check let it through,
    # and the child's import then failed for the whole notebook
    path = tmp_path / "work.ipynb"
    number, line = with_cell_edited(STUDENT, path, "sigmoid", lambda text: text.rstrip("\n") + "\nreturn 1\n",
                                    "return 1")
    source, notes = notebook_code(path)
    assert "def sigmoid(" not in source and "def forget_gate(" in source
    assert len(notes) == 1 and f"cell {number} (defines sigmoid)" in notes[0]
    assert f"at line {line} of the cell: 'return' outside function" in notes[0]


def test_a_cell_that_compiles_alone_but_not_after_the_others_is_left_out_alone(tmp_path: Path) -> None:
    path = tmp_path / "work.ipynb"
    number, _ = with_cell_edited(SOLVED, path, "hidden_state",
                                 lambda text: "from __future__ import annotations\n" + text,
                                 "from __future__ import annotations")
    source, notes = notebook_code(path)
    assert "def hidden_state(" not in source and "def cell_update(" in source
    assert notes == [f"work.ipynb: cell {number} (defines hidden_state): SyntaxError at line 1 of the cell: "
                     "from __future__ imports must occur at the beginning of the file; the cell was left out, "
                     "so only its functions score 0"]
    compile(source, "work.py", "exec")


def test_a_broken_cell_that_defines_no_function_says_so_briefly(tmp_path: Path) -> None:
    path = tmp_path / "work.ipynb"
    notebook = json.loads(SOLVED.read_text(encoding="utf-8"))
    notebook["cells"].append({"cell_type": "code", "metadata": {}, "source": "x = = 1\n", "outputs": [],
                              "execution_count": None})
    path.write_text(json.dumps(notebook), encoding="utf-8")
    source, notes = notebook_code(path)
    assert notes == [f"work.ipynb: cell {len(notebook['cells'])}: SyntaxError at line 1 of the cell: invalid syntax; "
                     "the cell was left out, so only its functions score 0"]
    assert "def lstm_backward(" in source


@pytest.mark.parametrize("notebook_path", [SOLVED, STUDENT], ids=["solutions", "exercises"])
def test_the_course_notebooks_lose_no_cell(notebook_path: Path) -> None:
    source, notes = notebook_code(notebook_path)
    assert notes == []
    assert all(f"def {name}(" in source for name in CORE)
