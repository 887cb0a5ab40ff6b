"""`lstm-grader check PATH` writes progress only into a student's workspace, nothing anywhere else.

A workspace (grader.student.workspace.is_workspace) is a folder that already
holds a progress record, or one holding the exercise stubs as `lstm-grader
start` gives them. The solutions, a plain folder of copies of them, a notebook
beside them, or a classmate's finished files are graded and left as they were.
The command runs with the in-process fake runner in place of the child; one
test goes through the real child, in the slow run.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.engine.prelaunch
import grader.lstm.grading
import grader.sandbox
import grader.cli.tutor
import grader.student.watch
from fake_runner import grade_in_process
from grader.cli.commands import main
from grader.student.start import start_workspace
from grader.student.workspace import is_workspace, load_progress, progress_path
from mutants import SOLUTIONS_DIR

PARTS = ["--part", "sigmoid", "--part", "forget_gate"]


@pytest.fixture
def in_process(monkeypatch):
    """`check` grading with the fake runner: the command as it is, without a child."""
    # check imports these when it runs (so --help stays light): patched where it finds them
    monkeypatch.setattr(grader.sandbox, "resolve_sandbox", lambda mode, quiet=False: None)
    monkeypatch.setattr(grader.engine.prelaunch, "prelaunch", lambda path, sandbox, timeout: None)
    monkeypatch.setattr(grader.lstm.grading, "grade",
                        lambda target, parts=None, seed=None, timeout=10.0, sandbox=None, ready=None:
                        grade_in_process(target, parts, seed, timeout))


def copies_of_the_solutions(folder: Path, pattern: str = "*.py") -> Path:
    folder.mkdir(parents=True)
    for path in SOLUTIONS_DIR.glob(pattern):
        if path.is_file():  # not a __pycache__ that an import left there
            shutil.copy(path, folder / path.name)
    return folder


def everything_in(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")}


def test_check_of_a_plain_folder_of_solution_copies_creates_no_file(tmp_path, in_process):
    folder = copies_of_the_solutions(tmp_path / "copies")
    before = everything_in(tmp_path)
    result = CliRunner().invoke(main, ["check", str(folder), *PARTS])
    assert result.exit_code == 0, result.output
    assert "score 7 / 7" in result.output
    assert everything_in(tmp_path) == before, "check wrote into a folder that is not a workspace"


@pytest.mark.parametrize("name", ["part1_cell_forward.py", "lstm_assignment.ipynb"])
def test_check_of_a_single_file_beside_others_creates_no_file(tmp_path, in_process, name):
    folder = copies_of_the_solutions(tmp_path / "copies", "*")
    before = everything_in(tmp_path)
    result = CliRunner().invoke(main, ["check", str(folder / name), *PARTS])
    assert result.exit_code == 0, result.output
    assert everything_in(tmp_path) == before


def test_a_started_workspace_still_records_progress(tmp_path, in_process):
    folder = tmp_path / "my-lstm"
    start_workspace(folder)
    CliRunner().invoke(main, ["check", str(folder), *PARTS])
    assert load_progress(folder).runs == 1
    # the student fills in every stub: the record made at the first check keeps it a workspace
    for path in folder.glob("part*.py"):
        shutil.copy(SOLUTIONS_DIR / path.name, path)
    result = CliRunner().invoke(main, ["check", str(folder), *PARTS])
    assert "now passing: sigmoid, forget_gate" in result.output
    assert load_progress(folder).runs == 2


def test_check_without_a_path_records_in_the_folder_it_grades(tmp_path, in_process, monkeypatch):
    folder = copies_of_the_solutions(tmp_path / "mine")  # the student's own finished files, never checked before
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["check", *PARTS])
    assert result.exit_code == 0, result.output
    assert progress_path(folder).is_file()


def test_what_is_a_workspace(tmp_path):
    assert not is_workspace(SOLUTIONS_DIR) and not is_workspace(SOLUTIONS_DIR / "lstm_assignment.ipynb")
    assert not is_workspace(copies_of_the_solutions(tmp_path / "copies", "*"))
    started = tmp_path / "started"
    start_workspace(started)
    assert is_workspace(started) and is_workspace(started / "part2_cell_backward.py")
    notebook = tmp_path / "notebook"
    notebook.mkdir()
    shutil.copy(SOLUTIONS_DIR.parent / "exercises" / "lstm_assignment.ipynb", notebook)
    assert is_workspace(notebook / "lstm_assignment.ipynb")
    recorded = copies_of_the_solutions(tmp_path / "recorded")
    progress_path(recorded).parent.mkdir()
    assert is_workspace(recorded)


@pytest.mark.slow
def test_check_through_the_child_writes_nothing_into_solution_copies(tmp_path):
    folder = copies_of_the_solutions(tmp_path / "copies")
    before = everything_in(tmp_path)
    result = CliRunner().invoke(main, ["check", str(folder), "--part", "sigmoid"])
    assert result.exit_code == 0, result.output
    assert everything_in(tmp_path) == before


def test_watch_writes_nothing_into_a_folder_that_is_not_a_workspace(tmp_path: Path, monkeypatch):
    folder = copies_of_the_solutions(tmp_path / "plain")
    before = everything_in(folder)
    monkeypatch.setattr(grader.cli.tutor, "grade", lambda target, parts=None, seed=None, timeout=10.0:
                        grade_in_process(target, parts, seed, timeout))
    monkeypatch.setattr(grader.student.watch, "watch_files", lambda target, regrade, stop: regrade(["part1.py"]))
    result = CliRunner().invoke(main, ["watch", str(folder), *PARTS])
    assert result.exit_code == 0, result.output
    assert "watching" in result.output
    assert everything_in(folder) == before
