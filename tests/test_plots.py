"""`lstm-grader plot`: the pictures are drawn from the student's own code, and grading never needs matplotlib."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.commands import main

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = str(ROOT / "solutions")
EXERCISES = str(ROOT / "exercises")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def draw(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["plot", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", ["gradient-flow", "forecast"])
def test_plot_of_a_working_submission_writes_a_png(kind: str, tmp_path: Path) -> None:
    out = tmp_path / f"{kind}.png"
    code, output = draw(kind, SOLUTIONS, "--out", str(out))
    assert code == 0, output
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert out.stat().st_size > 20_000, "a picture with four curves is more than a few bytes"


def test_plot_finds_the_workspace_you_are_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace = tmp_path / "my-lstm"  # what `lstm-grader start my-lstm` makes: part*.py, no exercises/
    workspace.mkdir()
    for solution in Path(SOLUTIONS).glob("part*.py"):
        (workspace / solution.name).write_text(solution.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(workspace)
    code, output = draw("gradient-flow", "--out", "flow.png")
    assert code == 0, output
    assert (workspace / "flow.png").read_bytes()[:8] == PNG_MAGIC


def test_plot_reference_needs_no_submission(tmp_path: Path) -> None:
    out = tmp_path / "flow.png"
    code, output = draw("gradient-flow", "--reference", "--out", str(out))
    assert code == 0, output
    assert out.stat().st_size > 20_000


@pytest.mark.parametrize("kind,function", [("gradient-flow", "gradient_norms"), ("forecast", "train_forecaster")])
def test_plot_of_stubs_names_the_missing_function(kind: str, function: str, tmp_path: Path) -> None:
    out = tmp_path / "never.png"
    code, output = draw(kind, EXERCISES, "--out", str(out))
    assert code == 1
    assert f"runs your {function}" in output and "NotImplementedError" in output and "--reference" in output
    assert not out.exists()


def test_grading_and_the_cli_do_not_import_matplotlib() -> None:
    program = ("import sys; import grader.cli.commands; from grader.lstm.grading import grade; "
               f"grade({SOLUTIONS!r}, parts=['gradient_norms', 'forecast']); "
               "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_readme_section_shows_the_committed_pictures() -> None:
    section = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("gradient-flow.png", "forecast.png"):
        assert f"(docs/images/{name})" in section
        image = ROOT / "docs" / "images" / name
        assert image.read_bytes()[:8] == PNG_MAGIC and image.stat().st_size > 20_000
