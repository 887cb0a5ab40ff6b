"""A real nbgrader round trip: generate_assignment, autograde, the gradebook, generate_feedback."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from grader.instructor import notebooks
from grader.lstm.grading import grade
from grader.lstm import PARTS

nbgrader_api = pytest.importorskip("nbgrader.api")

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::Warning:nbgrader.api")]

ROOT = Path(__file__).resolve().parent.parent
SOURCE_NOTEBOOK = ROOT / "solutions" / notebooks.NOTEBOOK_NAME
CELL_TIMEOUT = 15  # seconds nbgrader gives a cell here; the looping cell costs exactly this
POINTS = {f"test_{part.name}": float(part.points) for part in PARTS}


def edited_notebook(path: Path, solution_cell: str, old: str, new: str) -> Path:
    """The solved notebook with one solution cell changed, as a student would hand it in."""
    notebook = json.loads(SOURCE_NOTEBOOK.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["id"] == f"solution-{solution_cell}":
            source = "".join(cell["source"])
            if old not in source:
                raise AssertionError(f"{old!r} is not in the {solution_cell} cell")
            cell["source"] = source.replace(old, new)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def solved_release_copy(released: Path, path: Path) -> Path:
    """nbgrader's student copy with every solution cell filled in, as a student who finished hands it in."""
    solutions = {cell["id"]: cell["source"] for cell in json.loads(SOURCE_NOTEBOOK.read_text())["cells"]}
    notebook = json.loads(released.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["id"].startswith("solution-"):
            cell["source"] = solutions[cell["id"]]
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def tampered_test_cell(released: Path, path: Path) -> Path:
    """nbgrader's student copy with the forget_gate test cell changed to give full marks."""
    notebook = json.loads(released.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["id"] == "test-forget_gate":
            cell["source"] = "score = 4.0\nscore"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def changed_cells(log: str) -> list[str]:
    """The cells nbgrader's autograde log says a student changed ("Attribute 'checksum' for cell X has changed!")."""
    return re.findall(r"Attribute 'checksum' for cell (\S+) has changed", log)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "source" / notebooks.ASSIGNMENT).mkdir(parents=True)
    shutil.copy(SOURCE_NOTEBOOK, root / "source" / notebooks.ASSIGNMENT / notebooks.NOTEBOOK_NAME)
    api = notebooks.nbgrader_api(root, Execute={"timeout": CELL_TIMEOUT})
    generated = api.generate_assignment(notebooks.ASSIGNMENT)
    assert generated["success"], generated["log"]

    def submit(student: str, notebook: Path) -> Path:
        folder = root / "submitted" / student / notebooks.ASSIGNMENT
        folder.mkdir(parents=True)
        return Path(shutil.copy(notebook, folder / notebooks.NOTEBOOK_NAME))

    scratch = tmp_path_factory.mktemp("handed-in")
    released = root / "release" / notebooks.ASSIGNMENT / notebooks.NOTEBOOK_NAME
    mistake = edited_notebook(scratch / "mistake.ipynb", "tanh_backward",
                              "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t)")
    looping = edited_notebook(scratch / "loop.ipynb", "lstm_backward",
                              "def lstm_backward(dh, cache):", "while True:\n    pass\n\n\ndef lstm_backward(dh, cache):")
    submitted = {"solved": submit("solved", solved_release_copy(released, scratch / "solved.ipynb")),
                 "untouched": submit("untouched", released),
                 "tampered": submit("tampered", tampered_test_cell(released, scratch / "tampered.ipynb")),
                 "mistake": submit("mistake", mistake), "loop": submit("loop", looping)}
    logs = {}
    for student in submitted:
        result = api.autograde(notebooks.ASSIGNMENT, student)
        assert result["success"], result["log"]
        logs[student] = result["log"]
    return {"root": root, "api": api, "submitted": submitted, "handed_in": {"mistake": mistake}, "logs": logs}


def cell_scores(course, student: str) -> tuple[float, dict[str, float]]:
    with nbgrader_api.Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(notebooks.ASSIGNMENT, student)
        notebook = gradebook.find_submission_notebook(Path(notebooks.NOTEBOOK_NAME).stem,
                                                      notebooks.ASSIGNMENT, student)
        return float(submission.score), {grade_cell.name: float(grade_cell.score) for grade_cell in notebook.grades}


def test_the_solved_notebook_gets_full_marks_in_the_gradebook(course):
    total, cells = cell_scores(course, "solved")
    assert cells == POINTS
    assert total == 100.0


def test_a_known_mistake_loses_exactly_the_points_lstm_grader_takes(course):
    total, cells = cell_scores(course, "mistake")
    # the notebook's own code graded by lstm-grader check, at the public and the hidden seed
    path = course["handed_in"]["mistake"]
    public, hidden = grade(path), grade(path, seed=notebooks.HIDDEN_SEED)
    expected = {f"test_{part.name}": min(public.part(part.name).score, hidden.part(part.name).score)
                for part in PARTS}
    assert cells == expected
    assert cells["test_tanh_backward"] == 0.0
    assert cells["test_lstm_forward"] == POINTS["test_lstm_forward"]
    assert total == sum(expected.values()) < 100.0


def test_an_endless_loop_is_stopped_by_the_timeout_and_the_other_points_stay(course):
    total, cells = cell_scores(course, "loop")
    assert cells["test_lstm_backward"] == 0.0
    assert {name: score for name, score in cells.items() if name != "test_lstm_backward"} == \
        {name: points for name, points in POINTS.items() if name != "test_lstm_backward"}
    assert total == 100.0 - POINTS["test_lstm_backward"]
    autograded = course["root"] / "autograded" / "loop" / notebooks.ASSIGNMENT / notebooks.NOTEBOOK_NAME
    outputs = [output for cell in json.loads(autograded.read_text())["cells"]
               if cell.get("id") == "solution-lstm_backward" for output in cell.get("outputs", [])]
    assert any(output.get("output_type") == "error" for output in outputs)


def test_generate_feedback_writes_html_with_the_grader_report(course):
    result = course["api"].generate_feedback(notebooks.ASSIGNMENT, "mistake")
    assert result["success"], result["log"]
    html = course["root"] / "feedback" / "mistake" / notebooks.ASSIGNMENT / "lstm_assignment.html"
    text = html.read_text(encoding="utf-8")
    assert "lstm-grader-report" in text
    assert "tanh_backward" in text and "FAIL" in text and "hint" in text
    # a hidden-tests block reports the hidden cases; the public ones are in the block above it
    reports = re.findall(r"<div class=.lstm-grader-report.>.*?seed \d+</div></div>", text, flags=re.S)
    hidden = [block for block in reports if "(hidden tests)" in block]
    assert len(hidden) == len(POINTS) and "(public)" in "".join(reports)
    assert [block for block in hidden if "(public)" in block] == []


@pytest.mark.parametrize("student", ["untouched", "solved"])
def test_an_unchanged_release_copy_autogrades_without_checksum_warnings(course, student):
    # nbgrader releases the test cells without their hidden tests; that is not a change the student made
    assert changed_cells(course["logs"]["tampered"]), "the captured log holds nbgrader's warnings"
    assert changed_cells(course["logs"][student]) == []


def test_autograde_puts_the_hidden_tests_back_into_every_test_cell(course):
    autograded = course["root"] / "autograded" / "solved" / notebooks.ASSIGNMENT / notebooks.NOTEBOOK_NAME
    test_cells = [cell for cell in json.loads(autograded.read_text())["cells"] if cell["id"].startswith("test-")]
    assert len(test_cells) == len(POINTS)
    for cell in test_cells:
        assert f"seed={notebooks.HIDDEN_SEED}" in "".join(cell["source"]), cell["id"]
        assert "(hidden tests)" in json.dumps(cell["outputs"]), cell["id"]


def test_a_test_cell_the_student_changed_is_still_reported_and_restored(course):
    assert changed_cells(course["logs"]["tampered"]) == ["test_forget_gate"]
    _, cells = cell_scores(course, "tampered")
    assert cells["test_forget_gate"] == 0.0
