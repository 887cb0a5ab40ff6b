"""Hints: three levels for every core part, each a step closer, none the solution."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.commands import main
from grader.lstm.hints import HintError, hint, hint_levels
from grader.lstm import PARTS

ROOT = Path(__file__).resolve().parent.parent
CORE = [part.name for part in PARTS]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(part: str) -> list[str]:
    """The lines a student must write: inside the reference's solution region, not given in the stub."""
    for path in sorted((ROOT / "solutions").glob("part[123]_*.py")):
        text = path.read_text()
        start = text.find(f"def {part}(")
        if start < 0:
            continue
        body = text[start:text.index("### END SOLUTION", start)]
        region = body[body.index("### BEGIN SOLUTION") + len("### BEGIN SOLUTION"):]
        stub = squeeze((ROOT / "exercises" / path.name).read_text())
        lines = [squeeze(line.split("#")[0]) for line in region.splitlines()]
        return [line for line in lines if line and not line.startswith("return") and line not in stub]
    raise AssertionError(f"no reference for {part}")


@pytest.mark.parametrize("part", CORE)
def test_every_core_part_has_three_levels(part):
    levels = hint_levels(part)
    assert [title for title, _ in levels] and len(levels) == 3
    assert all(body.strip() for _, body in levels)


@pytest.mark.parametrize("part", CORE)
def test_no_hint_gives_away_the_solution(part):
    """At most a third of the lines the student has to write appear in all three levels together."""
    secret = solution_lines(part)
    revealed = squeeze(" ".join(body for _, body in hint_levels(part)))
    shown = [line for line in secret if line in revealed]
    assert len(shown) <= len(secret) / 3, f"{part} hints show {shown}"


def test_the_solution_check_catches_a_hint_that_gives_it_away():
    secret = solution_lines("lstm_forward")
    assert len(secret) >= 6
    assert all(line in squeeze("\n".join(secret)) for line in secret)


def test_hint_text_names_the_level_and_the_next_step():
    first = hint("forget_gate", 1)
    assert first.startswith("# forget_gate: hint 1 of 3") and "--level 2" in first
    last = hint("forget_gate", 3)
    assert "lstm-grader check --part forget_gate" in last and "sigmoid" in last


def test_unknown_level_is_a_clear_error():
    with pytest.raises(HintError, match="levels 1 to 3"):
        hint("forget_gate", 4)


def test_cli_hint_prints_plain_markdown_when_piped():
    result = CliRunner().invoke(main, ["hint", "cell_update", "--level", "2"])
    assert result.exit_code == 0, result.output
    assert "c = f * c_prev + i * g" in result.output and "\x1b[" not in result.output


def test_cli_hint_rejects_an_unknown_part():
    result = CliRunner().invoke(main, ["hint", "forget"])
    assert result.exit_code == 2 and "forget_gate" in result.output


def test_cli_hint_repeats_the_last_diagnosis_of_the_workspace(tmp_path):
    from grader.engine.results import PartResult, Report
    from grader.student.workspace import record

    failing = PartResult("forget_gate", "forward", "fail", 0.0, 4.0, ("wrong",),
                         "forget_gate.tanh_instead_of_sigmoid")
    record(Report(str(tmp_path), (failing,), 1), tmp_path, today="2025-01-01")
    result = CliRunner().invoke(main, ["hint", "forget_gate", "--workspace", str(tmp_path)])
    assert "Your last check said: looks like your forget gate uses tanh" in result.output
