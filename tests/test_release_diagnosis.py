"""A student release names mistakes from recorded numbers, as the instructor's copy does from the reference.

The release holds no reference code, so `record_vectors` runs every catalogued
mistake on the public cases when the release is built and `VectorReference`
replays what each gave. Every entry of the catalogue, made in a copy of the
solutions, must get the same verdict and the same diagnosis from the replay
as from the solutions, in its own part and in each composite part it can show in.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fake_runner import grade_in_process
from grader.engine.parts import Mistake
from grader.engine.reference import SolutionsReference
from grader.engine.vectors import PUBLIC_SEED, VectorReference
from grader.instructor.record_vectors import record_vectors
from grader.lstm import EVERY_MISTAKE, all_parts
from grader.lstm.mistakes import catalogue_text, read_catalogue
from mutants import edit_of, edited_solutions

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
# the parts each mistake can show in: its own, then the composite parts that call it
SHOWN_IN = {mistake.id: [part for part in all_parts() if any(mistake is other for other in part.candidate_mistakes())]
            for mistake in EVERY_MISTAKE}


@pytest.fixture(scope="module")
def replay(tmp_path_factory) -> VectorReference:
    return VectorReference(record_vectors(tmp_path_factory.mktemp("vectors") / "public_vectors.npz", SOLUTIONS))


@pytest.fixture(scope="module")
def solutions() -> SolutionsReference:
    return SolutionsReference(SOLUTIONS)


def verdicts(submission: Path, parts: list, reference) -> list[tuple[str, str, float, str | None]]:
    report = grade_in_process(submission, parts, seed=PUBLIC_SEED, reference=reference)
    return [(part.name, part.status, part.score, part.finding.id if part.finding else None) for part in report.parts]


@pytest.mark.parametrize("mistake", EVERY_MISTAKE, ids=lambda mistake: mistake.id)
def test_a_mistake_gets_the_same_diagnosis_from_the_recorded_numbers(mistake: Mistake, replay, solutions, tmp_path):
    submission = edited_solutions(tmp_path / "submission", [edit_of(mistake)])
    parts = SHOWN_IN[mistake.id]
    from_solutions = verdicts(submission, parts, solutions)
    assert from_solutions[0][1] != "pass", f"{mistake.id} passes its own part"
    assert verdicts(submission, parts, replay) == from_solutions


def test_the_own_part_names_the_mistake_from_the_recording_in_most_cases(replay, tmp_path):
    named = 0
    for number, mistake in enumerate(EVERY_MISTAKE):
        submission = edited_solutions(tmp_path / str(number), [edit_of(mistake)])
        (name, _, _, found), = verdicts(submission, SHOWN_IN[mistake.id][:1], replay)
        named += found is not None and (found == mistake.id or found in mistake.aliases)
    assert named >= 0.9 * len(EVERY_MISTAKE), f"{named} of {len(EVERY_MISTAKE)} named"


def test_the_correct_solutions_get_no_diagnosis_from_the_recording(replay):
    report = grade_in_process(SOLUTIONS, seed=PUBLIC_SEED, reference=replay)
    assert report.score == report.max_score
    assert [part.name for part in report.parts if part.finding] == []


def test_a_variant_the_recording_never_saw_explains_nothing(replay):
    function = replay.variant(EVERY_MISTAKE[0], EVERY_MISTAKE[0].part)
    with pytest.raises(Exception, match="no recording"):
        function(123.0)


def test_the_shipped_catalogue_holds_what_the_student_reads_and_no_edit(tmp_path):
    path = tmp_path / "mistake_catalogue.json"
    path.write_text(catalogue_text(EVERY_MISTAKE))
    shipped = read_catalogue(path)
    assert [mistake.id for mistake in shipped] == [mistake.id for mistake in EVERY_MISTAKE]
    assert all(mistake.old == mistake.new == mistake.file == "" for mistake in shipped)
    text = path.read_text()
    for mistake in EVERY_MISTAKE:
        assert mistake.old not in text, f"{mistake.id}: the edited reference text is in the shipped catalogue"
    assert set(json.loads(text)[0]) == {"id", "explanation", "equation", "aliases"}
