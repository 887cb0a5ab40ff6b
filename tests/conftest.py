"""Shared test setup.

The tests folder is importable, so `from mutants import MUTANTS` works.

The quick loop (`pytest -m "not slow"`) grades on the in-process fake runner
(tests/fake_runner.py). Tests that must go through the real child (the
sandbox, the process boundary, the command line, the batch, nbgrader) are
marked slow: in their own module with `pytestmark` or a decorator, or, for
modules whose owners keep them unmarked, here by name, with the reason (so
is nbgrader's own release step, which takes seconds).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))

# a module name marks every test in it; "module::test" one test (all its parameters)
END_TO_END = {
    "test_sandbox.py": "starts children in every sandbox mode and probes the kernel's confinement",
    "test_isolation.py": "attacks the grader from inside real children, in every mode",
    "test_hostile.py": "hostile submissions against the real child: loops, crashes, floods",
    "test_hostile_basics.py": "hostile submissions against the real child: exits, signals, forks",
    "test_batch.py": "grades a class through the batch's worker pool of children",
    "test_batch_failures.py": "the batch's supervision of crashed and stuck children",
    "test_release.py": "builds a student release and grades with it in a child",
    "test_nbgrader_roundtrip.py": "a real nbgrader generate_assignment / autograde",
    "test_gradescope.py": "runs the Gradescope autograder end to end",
    "test_pytest_plugin.py": "runs pytest with the plugin in a subprocess",
    "test_plots.py": "draws from the student's code run in a child, and a subprocess checks imports",
    "test_cli.py": "the lstm-grader command end to end: each check starts a child",
    "test_render.py::test_cli_json_of_a_real_mistake_has_no_ansi_codes": "lstm-grader check in a child",
    "test_workspace.py::test_check_records_progress_and_shows_the_next_part": "lstm-grader check in a child",
    "test_workspace.py::test_check_json_records_progress_silently_and_no_progress_skips_it":
        "lstm-grader check in a child",
    "test_notebooks.py::test_check_part_runs_the_students_function_in_another_process":
        "the notebook API's child is the point of the test",
    "test_notebooks.py::test_check_part_scores_the_solutions_and_diagnoses_a_mistake": "the notebook API's child",
    "test_notebooks.py::test_lstm_grader_check_grades_the_source_notebook_fully": "grades two notebooks in children",
    "test_notebooks.py::test_student_notebook_is_nbgraders_release_of_the_source":
        "runs nbgrader's generate_assignment, the first half of the nbgrader round trip",
    "test_notebook_validation.py::test_a_valid_hand_written_notebook_still_grades": "grades a notebook in a child",
    "test_notebook_validation.py::test_the_solved_course_notebook_still_grades": "grades a notebook in a child",
}


def end_to_end_reason(item: pytest.Item) -> str | None:
    """Why `item` is listed in END_TO_END, or None when it is not."""
    module = item.path.name
    test = f"{module}::{getattr(item, 'originalname', item.name)}"
    return END_TO_END.get(test) or END_TO_END.get(module)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if end_to_end_reason(item) is not None:
            item.add_marker(pytest.mark.slow)
