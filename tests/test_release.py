"""The student release, installed into a fresh virtual environment: no solutions, a working self-check."""
from __future__ import annotations

import json
import os
import re
import subprocess
import venv
from pathlib import Path

import pytest

from grader.lstm.grading import grade
from grader.instructor.release import build_release
from grader.engine.vectors import PUBLIC_SEED
from mutants import edited_solutions
from release_scan import folder_files, leaks_in, solution_lines

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
BEGIN = re.compile(r"^\s*#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^\s*#+\s*END SOLUTION\s*$")

pytestmark = pytest.mark.slow


def meaningful_lines(text: str) -> list[str]:
    """Stripped lines without blanks and comments: formatting cannot hide a copied body."""
    return [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]


def solution_bodies(solutions_dir: Path) -> dict[str, str]:
    """Every BEGIN/END SOLUTION region of the reference, as normalised text, by file:line."""
    bodies = {}
    for path in sorted(solutions_dir.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        start = None
        for number, line in enumerate(lines, start=1):
            if BEGIN.match(line):
                start = number
            elif END.match(line) and start is not None:
                body = meaningful_lines("\n".join(lines[start:number - 1]))
                if body:
                    bodies[f"{path.name}:{start}"] = "\n".join(body)
                start = None
    return bodies


def readable_texts(folder: Path) -> dict[Path, str]:
    """Every text file under `folder`, notebooks as their joined cell sources."""
    texts = {}
    for path in folder.rglob("*"):
        if not path.is_file() or path.suffix in (".pyc", ".so", ".npz", ".whl", ".png"):
            continue
        try:
            raw = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if path.suffix == ".ipynb":
            raw = "\n".join("".join(cell["source"]) for cell in json.loads(raw)["cells"])
        texts[path] = "\n".join(meaningful_lines(raw))
    return texts


def leaks(folder: Path, bodies: dict[str, str]) -> list[str]:
    found = []
    for path, text in readable_texts(folder).items():
        found += [f"{where} in {path}" for where, body in bodies.items() if body in text]
    return found


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "out"
    build_release(out, SOLUTIONS, EXERCISES)
    environment = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    wheel = next(out.glob("*.whl"))
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                str(wheel)], capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    site = Path(subprocess.run([str(python), "-c", "import grader, os; print(os.path.dirname(grader.__file__))"],
                               capture_output=True, text=True, check=True, cwd=out).stdout.strip()).parent
    return {"out": out, "python": python, "bin": environment / "bin", "site": site}


def run_check(release, submission: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "LSTM_GRADER_SOLUTIONS"}
    return subprocess.run([str(release["bin"] / "lstm-grader"), "check", str(submission), *extra],
                          capture_output=True, text=True, timeout=300, cwd=release["out"], env=env)


def test_the_search_finds_solution_bodies_where_they_are():
    bodies = solution_bodies(SOLUTIONS)
    assert len(bodies) >= 16
    assert len(leaks(SOLUTIONS, bodies)) >= len(bodies)


def test_no_solution_code_anywhere_in_the_release_or_the_installed_package(release):
    bodies = solution_bodies(SOLUTIONS)
    assert leaks(release["out"], bodies) == []
    assert leaks(release["site"] / "grader", bodies) == []
    assert not (release["site"] / "solutions").exists()
    installed = [path.name for path in release["site"].iterdir()]
    assert not any(name.startswith("part") for name in installed), installed
    # no LSTM forward of the grader's either: the bonus checks use the student's own there
    assert not (release["site"] / "grader" / "lstm" / "numpy_lstm.py").exists()
    assert (release["site"] / "grader" / "lstm" / "forward_choice.py").is_file()
    assert not (release["site"] / "grader" / "instructor").exists()


def test_the_solutions_copied_in_score_full_marks_as_a_self_check(release, tmp_path):
    submission = edited_solutions(tmp_path / "submission")
    result = run_check(release, submission, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["score"] == report["max_score"] == 100.0
    assert report["bonus"] == report["max_bonus"]
    plain = run_check(release, submission)
    assert "self-check" in plain.stdout and f"seed {PUBLIC_SEED}" in plain.stdout
    memory = next(part for part in report["parts"] if part["name"] == "memory_cell_params")
    assert any("your own lstm_forward" in message for message in memory["messages"])


def test_a_mistake_loses_the_same_parts_as_against_the_reference(release, tmp_path):
    submission = edited_solutions(tmp_path / "mistake",
                                  [("part2_cell_backward.py", "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t)")])
    result = run_check(release, submission, "--json")
    assert result.returncode == 0, result.stderr
    in_release = {part["name"]: (part["score"], part["diagnosis"]) for part in json.loads(result.stdout)["parts"]}
    against_reference = {part.name: (part.score, part.finding.id if part.finding else None)
                         for part in grade(submission, seed=PUBLIC_SEED).parts}
    assert in_release == against_reference
    # named from the numbers recorded when the release was built, as the instructor's copy names it
    assert in_release["tanh_backward"] == (0.0, "tanh_backward.one_minus_t")


def test_no_solution_line_the_stubs_do_not_show_is_anywhere_in_the_release(release):
    lines = solution_lines()
    assert leaks_in(folder_files(release["out"]), lines) == []
    assert leaks_in(folder_files(release["site"] / "grader"), lines) == []
    assert (release["site"] / "grader" / "mistake_catalogue.json").is_file()
    assert not (release["site"] / "grader" / "lstm" / "catalogue").exists()


def test_the_released_stubs_and_notebook_score_nothing_but_are_graded(release):
    for submission in (release["out"] / "exercises", release["out"] / "exercises" / "lstm_assignment.ipynb"):
        result = run_check(release, submission, "--json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["score"] == 0.0
        assert {part["status"] for part in report["parts"]} == {"missing"}


def test_a_notebook_test_cell_self_checks_in_the_release(release, tmp_path):
    script = tmp_path / "cell.py"
    script.write_text(
        "import runpy, sys\n"
        "from grader.notebook_api import check_part\n"
        f"namespace = runpy.run_path({str(SOLUTIONS / 'part1_cell_forward.py')!r}, run_name='__main__')\n"
        "print('SCORE', check_part('sigmoid', namespace))\n")
    result = subprocess.run([str(release["python"]), str(script)], capture_output=True, text=True,
                            timeout=300, cwd=release["out"])
    assert result.returncode == 0, result.stderr
    assert "SCORE 3.0" in result.stdout
    assert "self-check" in result.stdout


def test_start_makes_a_workspace_from_the_installed_wheel(release, tmp_path):
    # the installed wheel alone: no PYTHONPATH to a checkout, whose solutions/ would make the stubs
    env = {key: value for key, value in os.environ.items() if key not in ("LSTM_GRADER_SOLUTIONS", "PYTHONPATH")}
    result = subprocess.run([str(release["bin"] / "lstm-grader"), "start", "my-lstm"], capture_output=True,
                            text=True, timeout=120, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    stubs = sorted((release["out"] / "exercises").glob("*.py"))
    assert sorted(path.name for path in (tmp_path / "my-lstm").iterdir()) == [path.name for path in stubs]
    for stub in stubs:
        assert (tmp_path / "my-lstm" / stub.name).read_bytes() == stub.read_bytes()
    checked = run_check(release, tmp_path / "my-lstm", "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["score"] == 0.0
