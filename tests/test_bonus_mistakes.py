"""Every bonus mistake in the bonus parts' catalogues (grader/lstm/) costs its part points.

Each mistake is graded as a whole submission: all solution files copied, one
exact piece of one bonus file replaced, then only the mistake's part graded
on the in-process fake runner (tests/fake_runner.py).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from grader.lstm import BONUS_PARTS
from grader.lstm import BONUS_MISTAKES, get_part
from fake_runner import grade_in_process as grade
from mutants import edited_solutions

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"
SEED = 1234


def mutated_copy(folder: Path, mistake: dict[str, str]) -> Path:
    """All the solution files in `folder`, with the mistake's one replacement."""
    return edited_solutions(folder, [(mistake.file, mistake.old, mistake.new)])


def test_every_bonus_part_has_at_least_three_mistakes() -> None:
    counts = Counter(mistake.part for mistake in BONUS_MISTAKES)
    assert {part.name: counts[part.name] >= 3 for part in BONUS_PARTS} == {part.name: True for part in BONUS_PARTS}


def test_mistakes_are_well_formed() -> None:
    ids = [mistake.id for mistake in BONUS_MISTAKES]
    assert len(ids) == len(set(ids))
    for mistake in BONUS_MISTAKES:
        assert mistake.explanation and mistake.equation, mistake.id
        assert mistake in get_part(mistake.part).mistakes, mistake.id
        assert (SOLUTIONS_DIR / mistake.file).is_file()
        assert mistake.old != mistake.new


@pytest.mark.parametrize("mistake", BONUS_MISTAKES, ids=lambda mistake: mistake.id)
def test_bonus_mistake_loses_points_on_its_part(mistake: dict[str, str], tmp_path: Path) -> None:
    report = grade(mutated_copy(tmp_path, mistake), parts=[mistake.part], seed=SEED)
    result = report.part(mistake.part)
    assert result.status in ("fail", "error"), f"{mistake.id}: {result.status} {result.messages}"
    assert result.score < result.max_score, f"{mistake.id}: full points; {result.messages}"
