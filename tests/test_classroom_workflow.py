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
