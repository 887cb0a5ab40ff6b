"""A notebook is graded on the core parts only: it is the core assignment and cannot hold the bonus parts."""
from __future__ import annotations

from pathlib import Path

from grader.lstm import PARTS, all_parts
from grader.lstm.grading import default_parts, grade

ROOT = Path(__file__).resolve().parent.parent


def test_a_notebook_defaults_to_the_core_parts_and_a_folder_to_all() -> None:
    assert default_parts(Path("work/lstm_assignment.ipynb")) == list(PARTS)
    assert default_parts(Path("exercises")) == list(all_parts())


def test_checking_a_notebook_says_nothing_of_the_bonus() -> None:
    report = grade(ROOT / "exercises" / "lstm_assignment.ipynb", seed=1)
    assert [part.name for part in report.parts] == [part.name for part in PARTS]
    assert report.max_bonus == 0


def test_a_bonus_part_named_on_purpose_is_still_graded() -> None:
    report = grade(ROOT / "exercises" / "lstm_assignment.ipynb", parts=["gradient_norms"], seed=1)
    assert [part.name for part in report.parts] == ["gradient_norms"]
