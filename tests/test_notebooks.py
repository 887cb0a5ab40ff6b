"""The notebook assignment: built from the .py solutions, in sync, graded in the child."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from grader.instructor import notebooks
from grader.student.notebook_api import check_part, extract_functions
from grader.lstm import PARTS, all_parts
from grader.engine.submission import load_submission, notebook_code

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
SOURCE_NOTEBOOK = SOLUTIONS / notebooks.NOTEBOOK_NAME
STUDENT_NOTEBOOK = EXERCISES / notebooks.NOTEBOOK_NAME


def cells_of(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def import_file(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_source_notebook_is_built_from_the_py_solutions():
    expected = notebooks.notebook_text(notebooks.build_source_notebook(SOLUTIONS))
    assert SOURCE_NOTEBOOK.read_text(encoding="utf-8") == expected, \
        "solutions/lstm_assignment.ipynb is stale: run lstm-grader notebook build"


def test_student_notebook_is_nbgraders_release_of_the_source():
    pytest.importorskip("nbgrader")
    assert notebooks.notebook_drift(SOLUTIONS, EXERCISES) == []


def test_a_changed_solution_is_reported_as_drift(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS, solutions)
    path = solutions / "part1_cell_forward.py"
    path.write_text(path.read_text().replace("c = f * c_prev + i * g\n    return c",
                                             "c = i * g + f * c_prev\n    return c"))
    problems = notebooks.notebook_drift(solutions, tmp_path / "exercises", with_release=False)
    assert problems and "out of date" in problems[0]


def test_every_core_part_has_a_test_cell_worth_its_points_with_hidden_tests():
    tests = {cell["metadata"]["nbgrader"]["grade_id"]: cell for cell in cells_of(SOURCE_NOTEBOOK)
             if cell["metadata"].get("nbgrader", {}).get("grade")}
    assert set(tests) == {f"test_{part.name}" for part in PARTS}
    for part in PARTS:
        cell = tests[f"test_{part.name}"]
        assert cell["metadata"]["nbgrader"]["points"] == part.points
        assert cell["metadata"]["nbgrader"]["locked"] is True
        assert f'check_part("{part.name}", globals())' in text(cell)
        assert "### BEGIN HIDDEN TESTS" in text(cell) and "### END HIDDEN TESTS" in text(cell)
    assert sum(cell["metadata"]["nbgrader"]["points"] for cell in tests.values()) == 100


def test_solution_cells_hold_the_marked_regions_and_explanations_are_read_only():
    cells = cells_of(SOURCE_NOTEBOOK)
    solutions = [cell for cell in cells if cell["metadata"].get("nbgrader", {}).get("solution")]
    assert {cell["metadata"]["nbgrader"]["grade_id"] for cell in solutions} >= {part.name for part in PARTS}
    for cell in solutions:
        assert "### BEGIN SOLUTION" in text(cell) and "### END SOLUTION" in text(cell)
    markdown = [cell for cell in cells if cell["cell_type"] == "markdown"]
    assert all(cell["metadata"]["nbgrader"]["locked"] for cell in markdown)
    joined = "\n".join(text(cell) for cell in markdown)
    for topic in ("The equations", "What the gates do", "Backpropagation through time"):
        assert topic in joined


def test_build_refuses_a_core_part_without_a_solution(tmp_path):
    solutions = tmp_path / "solutions"
    shutil.copytree(SOLUTIONS, solutions)
    (solutions / "part3_sequence.py").unlink()
    with pytest.raises(notebooks.NotebookBuildError, match="lstm_forward, lstm_backward"):
        notebooks.build_source_notebook(solutions)


def test_student_notebook_has_no_solution_code_and_no_hidden_tests():
    released = STUDENT_NOTEBOOK.read_text(encoding="utf-8")
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", str(notebooks.HIDDEN_SEED)):
        assert marker not in released
    for line in ("dz = ds * s * (1.0 - s)", "dc_prev = dc * f\\n", "db = dz.sum(axis=0)", "h = o * np.tanh(c)\\n"):
        assert line in SOURCE_NOTEBOOK.read_text(encoding="utf-8")
        assert line not in released


def test_nbgrader_config_matches_the_settings_the_tools_use():
    traitlets = pytest.importorskip("traitlets.config")
    loaded = traitlets.PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    for section, values in notebooks.NBGRADER_SETTINGS.items():
        for key, value in values.items():
            assert loaded[section][key] == value, f"nbgrader_config.py: {section}.{key}"


def test_autograde_runs_nbgraders_sanitizers_with_overwrite_cells_replaced():
    # the hidden tests go back in before nbgrader compares a test cell (tests/test_nbgrader_roundtrip.py)
    converters = pytest.importorskip("nbgrader.converters")
    from nbgrader.preprocessors import OverwriteCells
    from traitlets.utils.importstring import import_item
    from grader.course.nbgrader_hidden_tests import RestoreHiddenTests

    configured = [import_item(name) for name in notebooks.NBGRADER_SETTINGS["Autograde"]["sanitize_preprocessors"]]
    default = converters.Autograde.class_traits()["sanitize_preprocessors"].default()
    assert configured == [RestoreHiddenTests if step is OverwriteCells else step for step in default]


def test_cli_grading_of_notebooks_skips_the_test_and_plot_cells():
    source, skipped = notebook_code(SOURCE_NOTEBOOK)
    assert "check_part" not in source and "matplotlib" not in source
    assert "def lstm_backward" in source
    assert skipped == []


def test_extracted_functions_carry_imports_and_constants_not_calls(tmp_path):
    module_path = tmp_path / "fake_notebook.py"
    module_path.write_text(textwrap.dedent('''
        import numpy as np
        from math import sqrt
        SCALE = 2.0
        NAMES = ("a", "b")
        weights = object()

        def double(x):
            return SCALE * np.asarray(x) + sqrt(0.0)

        def uses_weights():
            return weights

        def factory():
            def inner():
                return 1
            return inner

        made = factory()
        alias = double
    '''))
    namespace = vars(import_file(module_path, "fake_notebook"))
    extracted = extract_functions(namespace)
    assert "import numpy as np" in extracted.source
    assert "from math import sqrt" in extracted.source
    assert "SCALE = float('2.0')" in extracted.source
    assert "alias = double" in extracted.source
    assert any("weights" in note for note in extracted.notes)
    assert any("made is defined inside another function" in note for note in extracted.notes)
    scope: dict = {}
    exec(compile(extracted.source, "extracted", "exec"), scope)  # the extracted module runs on its own
    assert scope["alias"](1.5) == 3.0


def test_check_part_runs_the_students_function_in_another_process(tmp_path, capsys):
    module_path = tmp_path / "spy_notebook.py"
    module_path.write_text(textwrap.dedent('''
        import os
        CALLS = []
        def sigmoid(z):
            CALLS.append(1)
            raise ValueError(f"called in process {os.getpid()}")
    '''))
    namespace = vars(import_file(module_path, "spy_notebook"))
    assert check_part("sigmoid", namespace) == 0.0
    shown = capsys.readouterr().out
    assert "called in process" in shown
    assert f"called in process {os.getpid()}" not in shown
    assert namespace["CALLS"] == []


def test_check_part_scores_the_solutions_and_diagnoses_a_mistake(tmp_path, capsys):
    good = vars(import_file(SOLUTIONS / "part1_cell_forward.py", "nb_part1_good"))
    part = next(part for part in all_parts() if part.name == "forget_gate")
    assert check_part("forget_gate", good) == part.points
    broken_path = tmp_path / "nb_part1_broken.py"
    broken_path.write_text((SOLUTIONS / "part1_cell_forward.py").read_text().replace(
        "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f", "f = np.tanh(x @ W_f + h_prev @ U_f + b_f)\n    return f"))
    broken = vars(import_file(broken_path, "nb_part1_broken"))
    capsys.readouterr()
    assert check_part("forget_gate", broken) == 0.0
    shown = capsys.readouterr().out
    assert "FAIL" in shown and "forget_gate" in shown and "hint" in shown


def test_check_part_html_report_is_escaped_and_names_status():
    from grader.student.notebook_api import report_html
    from grader.engine.results import PartResult, Report

    report = Report("nb", (PartResult("forget_gate", "forward", "fail", 0.0, 4.0, ("got <b>wrong</b>",)),), 1)
    html = report_html(report)
    assert "FAIL" in html and "&lt;b&gt;wrong&lt;/b&gt;" in html


def test_lstm_grader_check_grades_the_source_notebook_fully():
    from grader.lstm.grading import grade

    assert grade(SOURCE_NOTEBOOK).score == 100.0
    student = grade(STUDENT_NOTEBOOK)
    assert student.score == 0.0
    assert all(part.status == "missing" for part in student.parts if part.group != "bonus")
    submission = load_submission(STUDENT_NOTEBOOK)
    try:
        assert submission.problems == []
    finally:
        submission.cleanup()


def test_make_exercises_and_the_notebook_do_not_fight(tmp_path):
    from grader.instructor.stubs import exercises_drift, generate_exercises

    exercises = tmp_path / "exercises"
    generate_exercises(SOLUTIONS, exercises)
    shutil.copy(STUDENT_NOTEBOOK, exercises / notebooks.NOTEBOOK_NAME)
    assert exercises_drift(SOLUTIONS, exercises) == []
    generate_exercises(SOLUTIONS, exercises)
    assert (exercises / notebooks.NOTEBOOK_NAME).read_bytes() == STUDENT_NOTEBOOK.read_bytes()


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    from click.testing import CliRunner

    from grader.cli.commands import main

    (tmp_path / "something").write_text("x")
    result = CliRunner().invoke(main, ["release", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.output
