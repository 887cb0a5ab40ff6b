"""The release as a maintainer builds it and a student unpacks it, without a virtual environment.

tests/test_release.py installs the wheel into a fresh venv (slow); here the wheel is
unpacked and put first on PYTHONPATH, which is enough to run `lstm-grader start` from it.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.commands import main
from grader.instructor import notebooks
from grader.instructor.release import build_release
from grader.instructor.stubs import strip_solutions

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
# what nbgrader 0.9 returns when `alembic` is not on PATH (its log, trimmed)
ALEMBIC_MISSING = {
    "success": False,
    "log": "[INFO] Updating/creating assignment 'lstm': {}\n"
           "[ERROR] There was an error processing assignment: /tmp/course/source/./lstm\n"
           "[ERROR] Traceback (most recent call last):\n"
           "      File \"nbgrader/api.py\", line 37, in get_alembic_version\n"
           "        output = sp.check_output(['alembic', '-c', alembic_ini, 'heads'])\n"
           "    FileNotFoundError: [Errno 2] No such file or directory: 'alembic'\n"
           "    \n"
           "[ERROR] There was an error processing assignment 'lstm' for student '.'\n"
           "[ERROR] Please see the the above traceback for details on the specific errors on the above failures.\n",
    "error": "Traceback (most recent call last):\n"
             "  File \"nbgrader/converters/base.py\", line 468, in convert_notebooks\n"
             "    raise NbGraderException(msg)\n"
             "nbgrader.converters.base.NbGraderException: Please see the the above traceback for details on the "
             "specific errors on the above failures.\n",
}


def stub_of(solution: Path) -> str:
    with solution.open(encoding="utf-8", newline="") as file:
        return strip_solutions(file.read(), filename=str(solution))


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("release") / "out"
    build_release(out, SOLUTIONS, EXERCISES)
    return out


def unpacked(release: Path, where: Path) -> Path:
    with zipfile.ZipFile(next(release.glob("*.whl"))) as wheel:
        wheel.extractall(where)
    return where


def run_from(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("LSTM_GRADER_SOLUTIONS", None)
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.mark.slow
def test_the_release_wheel_carries_the_generated_stubs(release: Path) -> None:
    with zipfile.ZipFile(next(release.glob("*.whl"))) as wheel:
        packaged = {name.split("/")[-1]: wheel.read(name).decode("utf-8")
                    for name in wheel.namelist() if name.startswith("grader/_exercises/")}
    assert sorted(packaged) == sorted(path.name for path in SOLUTIONS.glob("*.py"))
    for name, text in packaged.items():
        assert text == stub_of(SOLUTIONS / name) == (release / "exercises" / name).read_text(encoding="utf-8")


@pytest.mark.slow
def test_start_works_from_the_release_wheel(release: Path, tmp_path: Path) -> None:
    site = unpacked(release, tmp_path / "site")
    where = run_from(site, "-c", "import grader; print(grader.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).parent == site / "grader"
    result = run_from(site, "-m", "grader", "start", "my-lstm", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for stub in sorted((release / "exercises").glob("*.py")):
        assert (tmp_path / "my-lstm" / stub.name).read_text(encoding="utf-8") == stub.read_text(encoding="utf-8")


@pytest.mark.slow
def test_start_from_a_wheel_without_stubs_says_something_true(release: Path, tmp_path: Path) -> None:
    site = unpacked(release, tmp_path / "site")
    shutil.rmtree(site / "grader" / "_exercises", ignore_errors=True)
    result = run_from(site, "-m", "grader", "start", "my-lstm", cwd=tmp_path)
    assert result.returncode == 2
    assert "student release" in result.stderr and "lstm_autograder-*.whl" in result.stderr
    assert "pip install lstm-autograder" not in result.stderr  # no index has it
    assert not (tmp_path / "my-lstm").exists()


@pytest.mark.slow
def test_release_runs_when_its_environment_is_not_on_path(tmp_path: Path) -> None:
    pytest.importorskip("nbgrader")
    command = Path(sys.executable).parent / "lstm-grader"
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "LSTM_GRADER_SOLUTIONS")}
    env["PATH"] = os.pathsep.join(("/usr/bin", "/bin"))
    result = subprocess.run([str(command), "release", str(tmp_path / "out")], capture_output=True, text=True,
                            timeout=600, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "out" / "exercises" / notebooks.NOTEBOOK_NAME).is_file()


def test_a_failing_nbgrader_is_one_line_with_its_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("nbgrader")

    class FailingApi:
        def generate_assignment(self, *args: object, **kwargs: object) -> dict[str, object]:
            return ALEMBIC_MISSING

    monkeypatch.setattr(notebooks, "nbgrader_api", lambda *args, **kwargs: FailingApi())
    result = CliRunner().invoke(main, ["release", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "FileNotFoundError: [Errno 2] No such file or directory: 'alembic'" in lines[0]
    assert "Please see" not in result.output and "Traceback" not in result.output


def test_the_cause_falls_back_to_nbgrader_own_error_line() -> None:
    log = "[INFO] Updating\n[ERROR] Notebook JSON is invalid: 'cells' is a required property\n"
    assert notebooks.nbgrader_cause({"log": log, "error": ""}) == "[ERROR] Notebook JSON is invalid: 'cells' is a required property"
    assert notebooks.nbgrader_cause({}) == "nbgrader logged nothing"


def test_the_path_is_put_back_after_nbgrader_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin")
    with notebooks.interpreter_on_path():
        assert os.environ["PATH"].split(os.pathsep) == [str(Path(sys.executable).parent), "/usr/bin"]
    assert os.environ["PATH"] == "/usr/bin"


def test_the_pytest_plugin_has_an_extra_and_the_readme_names_it() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["optional-dependencies"]["pytest"] == ["pytest>=7.4"]
    assert "pytest" not in " ".join(project["dependencies"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    plugin = readme[readme.index("The package registers a pytest plugin"):readme.index("### Speed")]
    assert 'pip install "lstm-autograder[pytest]"' in plugin


def test_the_release_wheel_requires_and_registers_what_pyproject_does() -> None:
    """The release wheel is assembled by hand: its Requires-Dist and entry points must be the
    package's own, or an installed release lacks jinja2's pages, watch, or the pytest plugin."""
    tomllib = pytest.importorskip("tomllib")
    from grader.instructor.release import ENTRY_POINTS, REQUIREMENTS

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert list(REQUIREMENTS) == [item.split("#")[0].strip() for item in project["dependencies"]]
    assert ENTRY_POINTS == {"console_scripts": project["scripts"], **project["entry-points"]}


@pytest.mark.slow
def test_the_release_wheel_metadata_says_so(release: Path) -> None:
    with zipfile.ZipFile(next(release.glob("*.whl"))) as wheel:
        names = wheel.namelist()
        metadata = wheel.read(next(name for name in names if name.endswith(".dist-info/METADATA"))).decode()
        entry_points = wheel.read(next(name for name in names if name.endswith("entry_points.txt"))).decode()
    assert "Requires-Dist: jinja2>=3.1" in metadata and "Requires-Dist: watchdog>=4" in metadata
    assert "[pytest11]\nlstm_grader = grader.pytest_plugin\n" in entry_points
    assert "grader/pytest_plugin.py" in names
