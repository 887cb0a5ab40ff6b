"""The GitHub Classroom workflow template lists every part of the registry with its points."""
from __future__ import annotations

import re
from pathlib import Path

from grader.lstm import all_parts

TEMPLATE = Path(__file__).resolve().parent.parent / "grader" / "course" / "templates" / "github-classroom.yml"


def test_every_part_has_a_step_with_its_points() -> None:
    text = TEMPLATE.read_text()
    steps = dict(re.findall(r"test-name: (\w+)\n.*?max-score: ([\d.]+)", text, flags=re.S))
    assert steps == {part.name: f"{part.points:g}" for part in all_parts()}
    runners = re.search(r"runners: (.+)", text).group(1).split(",")
    assert runners == [part.name.replace("_", "-") for part in all_parts()]


def selected_parts(command: str) -> set[str]:
    """The parts a step's pytest command grades: --lstm-part exactly, -k as pytest matches it."""
    from _pytest.mark.expression import Expression

    chosen = set(re.findall(r"--lstm-part (\w+)", command))
    names = {part.name for part in all_parts()}
    if chosen:
        names &= chosen
    keyword = re.search(r"-k '([^']+)'", command)
    if keyword:
        expression = Expression.compile(keyword.group(1))
        names = {name for name in names if expression.evaluate(lambda word, item=f"lstm::{name}": word in item)}
    return names


def test_each_step_grades_exactly_its_own_part() -> None:
    steps = re.findall(r"test-name: (\w+)\n.*?\n\s+command: (.+?)\n", TEMPLATE.read_text(), flags=re.S)
    assert len(steps) == len(all_parts())
    wrong = {name: sorted(selected_parts(command)) for name, command in steps if selected_parts(command) != {name}}
    assert not wrong, f"steps that grade other parts too: {wrong}"


def test_a_substring_selection_is_caught() -> None:
    """-k 'sigmoid' also selects sigmoid_backward: the check above sees it."""
    assert selected_parts("pytest --lstm-submission s -k 'sigmoid' -q") == {"sigmoid", "sigmoid_backward"}
