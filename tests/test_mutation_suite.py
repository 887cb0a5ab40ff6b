"""Every realistic mistake in tests/mutants.py costs points exactly where it should.

Each mutant is graded as a whole submission: the three solution files copied,
one exact piece of one file replaced. Its own part and every part in its
`broken_parts` must lose points; every other core part must keep full points,
because grading a part never charges the student for a function it does not
call.

Grading every mutant as a whole submission goes through the real child and is
marked slow; the quick loop grades each mutant's own part on the in-process
fake runner (tests/test_diagnose.py), and the two checks of single verdicts
below run on the fake, and through the child in the slow run.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from grader.lstm.grading import grade
from grader.lstm import PARTS
from grader.engine.results import Report
from fake_runner import GRADERS
from mutants import MUTANTS, SOLUTION_FILES, Mutant, edit_of, edited_solutions

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"
SEED = 1234
CORE_PARTS = tuple(part.name for part in PARTS)
BY_ID = {mutant.id: mutant for mutant in MUTANTS}


def build_submission(folder: Path, mutants: Iterable[Mutant]) -> Path:
    """The core solution files in `folder`, with each mutant's one replacement."""
    return edited_solutions(folder, [edit_of(mutant) for mutant in mutants], SOLUTION_FILES)


def describe(report: Report, names: Iterable[str]) -> str:
    lines = []
    for name in names:
        part = report.part(name)
        lines.append(f"  {name} {part.status} {part.score:g}/{part.max_score:g}: " + " | ".join(part.messages))
    return "\n".join(lines)


def test_there_are_at_least_25_mutants() -> None:
    assert len(MUTANTS) >= 25


def test_mutant_ids_are_unique() -> None:
    ids = [mutant.id for mutant in MUTANTS]
    duplicates = sorted({name for name in ids if ids.count(name) > 1})
    assert not duplicates, f"duplicate mutant ids: {duplicates}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.id)
def test_mutant_is_well_formed(mutant: Mutant) -> None:
    assert mutant.part in CORE_PARTS, f"{mutant.id}: the id must start with a core part name"
    assert mutant.part in mutant.broken_parts, f"{mutant.id}: its own part must be broken"
    assert mutant.broken_parts <= set(CORE_PARTS), f"unknown parts {mutant.broken_parts - set(CORE_PARTS)}"
    assert mutant.old != mutant.new
    assert (SOLUTIONS_DIR / mutant.file).is_file()
    assert mutant.description


@pytest.mark.slow
@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.id)
def test_mutant_loses_points_only_where_broken(mutant: Mutant, tmp_path: Path) -> None:
    report = grade(build_submission(tmp_path / "submission", [mutant]), seed=SEED)

    own = report.part(mutant.part)
    assert own.score < own.max_score, f"{mutant.id} was not caught by its own part:\n" + describe(
        report, [mutant.part])

    kept = [name for name in mutant.broken_parts if report.part(name).score >= report.part(name).max_score]
    assert not kept, f"{mutant.id} should cost points on {sorted(kept)} but did not:\n" + describe(report, kept)

    charged = [name for name in CORE_PARTS
               if name not in mutant.broken_parts and report.part(name).score < report.part(name).max_score]
    assert not charged, f"{mutant.id} cost points on parts that do not use it:\n" + describe(report, charged)
    assert report.score < report.max_score


@pytest.mark.parametrize("grade_with", GRADERS)
def test_unstable_sigmoid_is_told_about_the_overflow_warning(tmp_path: Path, grade_with) -> None:
    """Its values are right; only the warning shows that it breaks the stability rule."""
    unstable = BY_ID["sigmoid.unstable_overflow_warning"]
    report = grade_with(build_submission(tmp_path / "submission", [unstable]), parts=["sigmoid"], seed=SEED)
    part = report.part("sigmoid")
    assert part.status == "fail"
    assert any("overflow" in message for message in part.messages), describe(report, ["sigmoid"])


@pytest.mark.parametrize("grade_with", GRADERS)
@pytest.mark.parametrize(("forward_mistake", "backward_mistake"), [
    ("forget_gate.missing_bias", "lstm_cell_backward.dx_overwritten"),
    ("lstm_forward.h0_every_step", "lstm_backward.dh_next_not_added"),
])
def test_wrong_backward_is_not_excused_by_a_wrong_forward(
        forward_mistake: str, backward_mistake: str, tmp_path: Path, grade_with) -> None:
    """With a wrong forward, the all-zero case may be the only one where h and c still
    agree, and there W = 0 and x = 0 hide dx, dh_prev and dh_next mistakes: the
    backward must not be judged on that case alone."""
    backward = BY_ID[backward_mistake]
    report = grade_with(build_submission(tmp_path / "submission", [BY_ID[forward_mistake], backward]),
                        parts=[backward.part], seed=SEED)
    part = report.part(backward.part)
    assert part.score < part.max_score, describe(report, [backward.part])
