"""Every realistic mistake in tests/mutants.py costs points exactly where it should.

Each mutant is graded as a whole submission: the three solution files copied,
one exact piece of one file replaced. Its own part and every part in its
`broken_parts` must lose points; every other core part must keep full points,
because grading a part never charges the student for a function it does not
call.

Every mutant is graded as a whole submission twice: on the in-process fake
runner in the quick loop, and through the real child in the slow run (as the
two checks of single verdicts below are). The bonus mutants are graded with
every solution file, and every part, bonus parts included, is checked. A
mutant with a `known_gap` is a mistake today's grader lets through somewhere
it should cost points: its test is an expected failure (strict, so it turns
red the day the grader catches it, and the gap can be struck off).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from grader.lstm import BONUS_PARTS, PARTS, get_part
from grader.engine.results import PartResult, Report
from grader.engine.diagnose import GENERIC_KINDS
from fake_runner import GRADERS, grade_in_process
from mutants import (BONUS_MUTANTS, ISSUE_4_MUTANTS, MUTANTS, SOLUTION_FILES, STUDENT_MUTANTS, Mutant, edit_of,
                     edited_solutions)

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"
SEED = 1234
CORE_PARTS = tuple(part.name for part in PARTS)
EVERY_PART = CORE_PARTS + tuple(part.name for part in BONUS_PARTS)
BY_ID = {mutant.id: mutant for mutant in MUTANTS + BONUS_MUTANTS}
GENERIC_DETECTORS = GENERIC_KINDS  # the detectors' own list (grader.engine.diagnose)


def build_submission(folder: Path, mutants: Iterable[Mutant]) -> Path:
    """The core solution files in `folder`, with each mutant's one replacement."""
    return edited_solutions(folder, [edit_of(mutant) for mutant in mutants], SOLUTION_FILES)


def describe_part(part: PartResult) -> str:
    return f"  {part.name} {part.status} {part.score:g}/{part.max_score:g}: " + " | ".join(part.messages)


def describe(report: Report, names: Iterable[str]) -> str:
    return "\n".join(describe_part(report.part(name)) for name in names)


def with_gaps(mutants: Iterable[Mutant]) -> list:
    """The mutants as test parameters; one with a known grader gap is a strict expected failure."""
    return [pytest.param(mutant, id=mutant.id, marks=pytest.mark.xfail(strict=True, reason=mutant.known_gap))
            if mutant.known_gap else pytest.param(mutant, id=mutant.id) for mutant in mutants]


def test_there_are_at_least_120_core_mutants_40_of_them_written_apart_from_the_catalogue() -> None:
    assert len(MUTANTS) >= 120
    assert len(STUDENT_MUTANTS) >= 40
    assert MUTANTS == ISSUE_4_MUTANTS + STUDENT_MUTANTS


def test_every_part_has_a_mutant() -> None:
    covered = {mutant.part for mutant in MUTANTS + BONUS_MUTANTS}
    assert not set(EVERY_PART) - covered, f"no mutant for {sorted(set(EVERY_PART) - covered)}"
    composite = {"lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"}
    written_apart = {mutant.part for mutant in STUDENT_MUTANTS}
    assert set(CORE_PARTS) <= written_apart and composite <= written_apart


def test_mutant_ids_are_unique() -> None:
    ids = [mutant.id for mutant in MUTANTS + BONUS_MUTANTS]
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


@pytest.mark.parametrize("mutant", BONUS_MUTANTS, ids=lambda mutant: mutant.id)
def test_bonus_mutant_is_well_formed(mutant: Mutant) -> None:
    assert mutant.part in EVERY_PART and mutant.part not in CORE_PARTS, f"{mutant.id}: not a bonus part"
    assert mutant.part in mutant.broken_parts, f"{mutant.id}: its own part must be broken"
    assert mutant.broken_parts <= set(EVERY_PART), f"unknown parts {mutant.broken_parts - set(EVERY_PART)}"
    assert mutant.file not in SOLUTION_FILES and (SOLUTIONS_DIR / mutant.file).is_file()
    assert mutant.old != mutant.new and mutant.description


@pytest.mark.parametrize("mutant", MUTANTS + BONUS_MUTANTS, ids=lambda mutant: mutant.id)
def test_expected_diagnoses_belong_to_the_part_or_what_it_calls(mutant: Mutant) -> None:
    """A diagnosis of the mutant's own part comes from its mistakes, its callees', or a detector of its own."""
    part = get_part(mutant.part)
    allowed = {part.name} | {callee.name for callee in part.callees()}
    for name in mutant.expected_diagnosis:
        owner, _, kind = name.partition(".")
        assert kind and owner in allowed, f"{mutant.id}: {name} cannot be a diagnosis of {part.name}"
        assert name not in (mutant.id,), f"{mutant.id}: its own id is always a right diagnosis"
        if kind in GENERIC_DETECTORS:
            assert owner == part.name, f"{mutant.id}: a generic detector is named after the failing part"


def assert_loses_points_only_where_broken(mutant: Mutant, report: Report, checked: tuple[str, ...]) -> None:
    own = report.part(mutant.part)
    assert own.score < own.max_score, f"{mutant.id} was not caught by its own part:\n" + describe(
        report, [mutant.part])

    kept = [name for name in mutant.broken_parts if report.part(name).score >= report.part(name).max_score]
    assert not kept, f"{mutant.id} should cost points on {sorted(kept)} but did not:\n" + describe(report, kept)

    charged = [name for name in checked
               if name not in mutant.broken_parts and report.part(name).score < report.part(name).max_score]
    assert not charged, f"{mutant.id} cost points on parts that do not use it:\n" + describe(report, charged)
    assert report.score < report.max_score or own.group == "bonus"


@pytest.mark.parametrize("grade_with", GRADERS)
@pytest.mark.parametrize("mutant", with_gaps(MUTANTS))
def test_mutant_loses_points_only_where_broken(mutant: Mutant, tmp_path: Path, grade_with) -> None:
    report = grade_with(build_submission(tmp_path / "submission", [mutant]), seed=SEED)
    assert_loses_points_only_where_broken(mutant, report, CORE_PARTS)


@pytest.mark.parametrize("grade_with", GRADERS)
@pytest.mark.parametrize("mutant", with_gaps(BONUS_MUTANTS))
def test_bonus_mutant_loses_points_only_where_broken(mutant: Mutant, tmp_path: Path, grade_with) -> None:
    folder = edited_solutions(tmp_path / "submission", [edit_of(mutant)])
    report = grade_with(folder, seed=SEED)
    assert_loses_points_only_where_broken(mutant, report, EVERY_PART)


@pytest.mark.parametrize("mutant", [mutant for mutant in MUTANTS + BONUS_MUTANTS if mutant.in_place],
                         ids=lambda mutant: mutant.id)
def test_in_place_mutant_is_told_which_argument_it_changed(mutant: Mutant, tmp_path: Path) -> None:
    """Its values are right: only the in-place message can tell the student what is wrong."""
    if mutant.known_gap:
        pytest.xfail(mutant.known_gap)
    folder = edited_solutions(tmp_path / "submission", [edit_of(mutant)],
                              None if mutant in BONUS_MUTANTS else SOLUTION_FILES)
    part = grade_in_process(folder, parts=[mutant.part], seed=SEED).part(mutant.part)
    assert part.score <= part.max_score / 2, describe_part(part)
    assert any("in place" in message for message in part.messages), describe_part(part)


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
