"""The mistake catalogue: enough entries, well formed, and each one a real, visible variant."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from grader.engine.parts import Mistake
from grader.engine.variants import CatalogueError, variant, variant_source
from grader.lstm import CORE_MISTAKES as CATALOGUE, MISTAKES_BY_ID as BY_ID, get_part, same_mistake
from grader.engine.reference import solutions_dir
from grader.engine.reference_source import open_reference
from grader.lstm import PARTS
from helpers_feedback import reference_args, split

CORE = [part.name for part in PARTS]


def test_at_least_three_mistakes_per_core_part_and_fifty_in_all():
    counts = Counter(mistake.part for mistake in CATALOGUE)
    thin = {name: counts[name] for name in CORE if counts[name] < 3}
    assert not thin, f"parts with fewer than 3 catalogued mistakes: {thin}"
    assert len(CATALOGUE) >= 50


def test_ids_are_unique_and_name_a_core_part():
    ids = [mistake.id for mistake in CATALOGUE]
    assert len(ids) == len(set(ids))
    aliases = [alias for mistake in CATALOGUE for alias in mistake.aliases]
    assert not set(aliases) & set(ids), "an alias must not also be a catalogue id"
    for mistake in CATALOGUE:
        part, _, name = mistake.id.partition(".")
        assert part in CORE and name.isidentifier(), mistake.id


@pytest.mark.parametrize("mistake", CATALOGUE, ids=lambda mistake: mistake.id)
def test_entry_is_one_sentence_with_an_equation(mistake: Mistake):
    text = mistake.explanation
    assert text and text[0].islower() and not text.endswith("."), text
    assert ". " not in text, f"{mistake.id}: one sentence please"
    assert len(text) <= 200, f"{mistake.id}: {len(text)} characters"
    assert "=" in mistake.equation


@pytest.mark.parametrize("mistake", CATALOGUE, ids=lambda mistake: mistake.id)
def test_entry_edits_the_reference_exactly_once(mistake: Mistake):
    assert variant_source(mistake, solutions_dir()) != (solutions_dir() / mistake.file).read_text()


def test_an_entry_that_no_longer_fits_the_reference_says_so(tmp_path):
    for name in ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py"):
        (tmp_path / name).write_text("# empty\n")
    with pytest.raises(CatalogueError, match="occurs 0 times"):
        variant_source(BY_ID["forget_gate.missing_bias"], tmp_path)


@pytest.mark.parametrize("mistake", CATALOGUE, ids=lambda mistake: mistake.id)
def test_variant_differs_from_the_reference_on_the_graders_cases(mistake: Mistake):
    """A mistake that computes the reference's numbers could never be told apart (a warning aside)."""
    reference = open_reference()
    part = next(part for part in PARTS if part.name == mistake.part)
    wrong = variant(mistake, part.name, reference.folder)
    for case in part.make_cases(1234):
        args = reference_args(part, case, reference)
        with np.errstate(all="ignore"):
            try:
                got = split(part, wrong(*args))
            except Exception:  # noqa: BLE001  (raising is visibly different)
                return
        expected = split(part, reference(part.name)(*args))
        for name, value in expected.items():
            other = got.get(name)
            if not (isinstance(other, np.ndarray) and other.shape == value.shape
                    and np.allclose(other, value, rtol=1e-9, atol=1e-12, equal_nan=True)):
                return
    assert mistake.id == "sigmoid.unstable_overflow_warning", f"{mistake.id} matches the reference everywhere"


def test_composite_parts_inherit_the_mistakes_of_the_parts_they_call():
    def callees(name: str) -> list[str]:
        return [part.name for part in get_part(name).callees()]

    def candidates(name: str) -> list[Mistake]:
        return get_part(name).candidate_mistakes()

    assert callees("lstm_forward")[:1] == ["lstm_cell_forward"]
    assert "sigmoid" in callees("lstm_forward") and "tanh_backward" in callees("lstm_backward")
    ids = [mistake.id for mistake in candidates("lstm_cell_forward")]
    assert ids[0].startswith("lstm_cell_forward.")
    assert "forget_gate.tanh_instead_of_sigmoid" in ids and "sigmoid.missing_minus_sign" in ids
    assert not any(mistake.part.endswith("backward") for mistake in candidates("lstm_forward"))


def test_aliases_count_as_the_same_mistake():
    assert same_mistake("sigmoid.missing_minus_sign", "sigmoid.branches_swapped")
    assert same_mistake("forget_gate.missing_bias", "forget_gate.missing_bias")
    assert not same_mistake("forget_gate.missing_bias", "input_gate.missing_bias")
    assert not same_mistake(None, "forget_gate.missing_bias")
