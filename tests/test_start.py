"""`lstm-grader start DIR` gives the untouched stubs, never an exercises/ folder a student has edited."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.instructor.stubs import strip_solutions
from grader.student import start
from grader.student.start import StartError, start_workspace

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EDIT = "# the student's own answer, never to be handed out as a fresh stub\n"


def stub_of(solution: Path) -> str:
    with solution.open(encoding="utf-8", newline="") as file:
        return strip_solutions(file.read(), filename=str(solution))


def copy_of_the_checkout(root: Path) -> Path:
    """grader/ and solutions/ as in this checkout, with an exercises/ folder the student has edited."""
    shutil.copytree(ROOT / "grader", root / "grader", ignore=shutil.ignore_patterns("__pycache__", "_exercises"))
    shutil.copytree(SOLUTIONS, root / "solutions")
    shutil.copytree(ROOT / "exercises", root / "exercises")
    for path in (root / "exercises").glob("part*.py"):
        path.write_text(EDIT + path.read_text(encoding="utf-8"), encoding="utf-8")
    return root


def run_start(checkout: Path, target: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    return subprocess.run([sys.executable, "-m", "grader", "start", str(target)], capture_output=True, text=True,
                          timeout=120, cwd=checkout, env=env)


def test_start_in_a_checkout_generates_the_stubs_and_ignores_edited_exercises(tmp_path: Path) -> None:
    checkout = copy_of_the_checkout(tmp_path / "checkout")
    where = subprocess.run([sys.executable, "-c", "import grader; print(grader.__file__)"], capture_output=True,
                           text=True, check=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(checkout)})
    assert Path(where.stdout.strip()).parent == checkout / "grader", "the copy, not this checkout, must run"
    result = run_start(checkout, tmp_path / "fresh")
    assert result.returncode == 0, result.stderr
    solutions = sorted(SOLUTIONS.glob("*.py"))
    assert sorted(path.name for path in (tmp_path / "fresh").iterdir()) == [path.name for path in solutions]
    for solution in solutions:
        copied = (tmp_path / "fresh" / solution.name).read_text(encoding="utf-8")
        assert EDIT not in copied, f"{solution.name}: start copied the edited exercises/"
        assert copied == stub_of(solution)


def test_start_writes_exactly_the_generated_stubs(tmp_path: Path) -> None:
    written = start_workspace(tmp_path / "fresh")
    assert [path.name for path in written] == sorted(path.name for path in SOLUTIONS.glob("*.py"))
    for path in written:
        assert path.read_text(encoding="utf-8") == stub_of(SOLUTIONS / path.name)


def test_start_never_touches_the_checkout_exercises(tmp_path: Path) -> None:
    before = {path.name: path.read_bytes() for path in (ROOT / "exercises").iterdir() if path.is_file()}
    start_workspace(tmp_path / "fresh")
    assert {path.name: path.read_bytes() for path in (ROOT / "exercises").iterdir() if path.is_file()} == before


def test_a_solution_that_cannot_be_stubbed_is_a_start_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "part1_cell_forward.py").write_text("def sigmoid(z):\n    ### BEGIN SOLUTION\n    return z\n")
    monkeypatch.setattr(start, "checkout_solutions", lambda: solutions)
    with pytest.raises(StartError, match="cannot make the stubs from"):
        start_workspace(tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_with_no_stubs_anywhere_the_message_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(start, "checkout_solutions", lambda: None)
    monkeypatch.setattr(start, "packaged_exercises", lambda: None)
    with pytest.raises(StartError) as raised:
        start_workspace(tmp_path / "fresh")
    message = str(raised.value)
    assert "_exercises" in message and "no solutions/ folder" in message
    assert "lstm_autograder-*.whl" in message and "student release" in message
    assert "pip install lstm-autograder" not in message  # there is no index to install it from


def test_the_packaged_copy_is_used_outside_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    packaged = tmp_path / "_exercises"
    packaged.mkdir()
    (packaged / "part1_cell_forward.py").write_text("# packaged stub\n")
    monkeypatch.setattr(start, "checkout_solutions", lambda: None)
    monkeypatch.setattr(start, "packaged_exercises", lambda: packaged)
    written = start_workspace(tmp_path / "fresh")
    assert [path.read_text() for path in written] == ["# packaged stub\n"]
