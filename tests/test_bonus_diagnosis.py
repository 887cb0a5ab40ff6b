"""The bonus parts name the student's mistake: every entry of the bonus parts' catalogues (grader/lstm/) as itself, never a wrong one.

Each mistake is graded as a whole submission (tests/test_bonus_mistakes.py's
mutated copy of the solutions), on its own part only, on the in-process fake
runner (tests/fake_runner.py).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from grader.lstm import BONUS_PARTS
from grader.lstm.memory_cell import diagnose_memory_cell, run_behaviours
from grader.lstm import BONUS_MISTAKES
from grader.lstm.forecast import diagnose_forecast, flatten, probes
from grader.engine.variants import variant
from grader.lstm import MISTAKES_BY_ID as BY_ID, get_part, same_mistake
from grader.engine.reference import ReferenceSource
from grader.engine.reference_source import open_reference
from fake_runner import grade_in_process as grade
from mutants import MUTANTS, edit_of, edited_solutions, names_the_mistake
from test_mutation_suite import GENERIC_DETECTORS
from test_bonus_mistakes import SOLUTIONS_DIR, mutated_copy

SEED = 1234
REQUIRED_PER_PART = 3
BONUS = [part.name for part in BONUS_PARTS]


@pytest.fixture(scope="module")
def bonus_diagnoses(tmp_path_factory) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    """Each bonus mistake graded on its own part: mistake id -> (diagnosis, messages)."""
    found = {}
    for mistake in BONUS_MISTAKES:
        folder = mutated_copy(tmp_path_factory.mktemp("bonus"), mistake)
        result = grade(folder, parts=[mistake.part], seed=SEED).part(mistake.part)
        found[mistake.id] = (result.diagnosis, result.messages)
    return found


@pytest.mark.parametrize("mistake", BONUS_MISTAKES, ids=lambda mistake: mistake.id)
def test_bonus_mistake_is_diagnosed_as_itself(mistake: dict[str, str], bonus_diagnoses) -> None:
    diagnosis, messages = bonus_diagnoses[mistake.id]
    assert same_mistake(diagnosis, mistake.id), f"{mistake.id}: diagnosed {diagnosis}; {messages}"
    assert any(message.startswith("looks like: ") for message in messages)


def test_at_least_three_mistakes_recognised_per_bonus_part(bonus_diagnoses) -> None:
    recognised = Counter(mistake.part for mistake in BONUS_MISTAKES
                         if same_mistake(bonus_diagnoses[mistake.id][0], mistake.id))
    assert {name: recognised[name] >= REQUIRED_PER_PART for name in BONUS} == {name: True for name in BONUS}


def test_every_bonus_mistake_is_a_candidate_of_its_own_part() -> None:
    for mistake in BONUS_MISTAKES:
        assert BY_ID[mistake.id] is mistake
        assert mistake in get_part(mistake.part).candidate_mistakes()


def test_the_reference_gets_no_diagnosis_on_any_bonus_part() -> None:
    report = grade(SOLUTIONS_DIR, parts=BONUS, seed=SEED)
    assert {part.name: (part.status, part.diagnosis) for part in report.parts} == \
        {name: ("pass", None) for name in BONUS}


def test_a_peephole_cell_names_the_core_helper_it_calls(tmp_path: Path) -> None:
    mutant = next(mutant for mutant in MUTANTS if mutant.id == "sigmoid.missing_minus_sign")
    edited_solutions(tmp_path, [edit_of(mutant)])
    part = grade(tmp_path, parts=["peephole_cell_forward"], seed=SEED).part("peephole_cell_forward")
    assert part.status == "fail" and part.diagnosis == "sigmoid.missing_minus_sign"
    assert any(message.endswith("(in sigmoid, which your peephole_cell_forward calls)") for message in part.messages)


def failed_behaviours(params: dict[str, np.ndarray]) -> set[str]:
    return {verdict.name for verdict in run_behaviours(params, SEED) if not verdict.ok}


def test_memory_cell_with_other_weights_but_the_same_failures_looks_like_the_mistake() -> None:
    folder = open_reference().folder
    params = variant(BY_ID["memory_cell_params.forget_bias_too_small"], "memory_cell_params", folder)()
    params["b_f"] = np.array([1.5])  # still far too small to hold, but not the catalogue's weights
    found = diagnose_memory_cell(params, failed_behaviours(params), SEED, open_reference().variant)
    assert found is not None and found.id == "memory_cell_params.forget_bias_too_small"
    assert "your weights differ from that example" in found.explanation


def test_memory_cell_failures_shared_by_two_mistakes_name_neither() -> None:
    """Writing +1 always and an always-open input gate fail the same behaviours: only exact weights tell them apart."""
    folder = open_reference().folder
    params = variant(BY_ID["memory_cell_params.candidate_follows_write"], "memory_cell_params", folder)()
    params["W_g"] = np.array([[0.0], [2.5], [0.0]])
    other = variant(BY_ID["memory_cell_params.input_gate_always_open"], "memory_cell_params", folder)()
    assert failed_behaviours(params) == failed_behaviours(other)
    assert diagnose_memory_cell(params, failed_behaviours(params), SEED, open_reference().variant) is None


def test_memory_cell_failures_of_no_catalogued_mistake_name_none() -> None:
    folder = open_reference().folder
    params = variant(BY_ID["memory_cell_params.forget_bias_too_small"], "memory_cell_params", folder)()
    params["W_g"] = -params["W_g"]  # stores the opposite value as well
    assert diagnose_memory_cell(params, failed_behaviours(params), SEED, open_reference().variant) is None


def reference_answers(reference: ReferenceSource) -> dict[str, dict]:
    return {probe.function: flatten(reference(probe.function)(*probe.args)) for probe in probes()}


def test_forecast_helpers_as_the_reference_get_no_diagnosis() -> None:
    reference = open_reference()
    assert diagnose_forecast(reference_answers(reference), reference) is None


def test_forecast_helpers_wrong_in_an_uncatalogued_way_get_no_diagnosis() -> None:
    reference = open_reference()
    answers = reference_answers(reference)
    answers["adam_step"] = {key: value * 2.0 for key, value in answers["adam_step"].items()}
    assert diagnose_forecast(answers, reference) is None


def test_forecast_mistake_is_named_from_the_helpers_the_student_has() -> None:
    """A student without make_windows or forecast_loss_and_grads: adam_step alone shows the mistake."""
    reference = open_reference()
    mistake = BY_ID["forecast.gradient_ascent"]
    (probe,) = [probe for probe in probes() if probe.function == "adam_step"]
    answers = {"adam_step": flatten(variant(mistake, "adam_step", reference.folder)(*probe.args))}
    found = diagnose_forecast(answers, reference)
    assert found is not None and found.id == mistake.id


# in gradient_norms the loss reaches only the last step, so a backward that uses the last dh everywhere
# computes the numbers of a loss on every step; that entry's explanation names both causes
# and a hidden_state_backward that reapplies tanh gives, in the step that calls it, the numbers of that
# step's entry, whose explanation names both places
SAME_NUMBERS_IN_BONUS = {("lstm_backward.only_last_dh", "gradient_norms"): "gradient_norms.loss_on_every_step",
                         ("hidden_state_backward.tanh_derivative_of_tanh_c", "gradient_norms"):
                             "lstm_cell_backward.dc_through_h_reapplies_tanh"}


def same_kind(mutant, diagnosis: str) -> bool:
    """A generic detector (named after the failing part) that the mutant expects in its own part."""
    kind = diagnosis.split(".", 1)[1]
    return kind in GENERIC_DETECTORS and any(name.split(".", 1)[1] == kind for name in mutant.expected_diagnosis)


@pytest.mark.slow
def test_core_mistakes_never_get_a_wrong_diagnosis_on_the_bonus_parts(tmp_path: Path) -> None:
    wrong = {}
    for mutant in MUTANTS:
        folder = edited_solutions(tmp_path / mutant.id, [edit_of(mutant)])
        report = grade(folder, parts=["peephole_cell_forward", "peephole_cell_backward", "gradient_norms"],
                       seed=SEED)
        for part in report.parts:
            allowed = SAME_NUMBERS_IN_BONUS.get((mutant.id, part.name))
            if part.diagnosis is not None and not names_the_mistake(mutant, part.diagnosis) \
                    and not same_kind(mutant, part.diagnosis) and part.diagnosis != allowed:
                wrong[(mutant.id, part.name)] = part.diagnosis
    assert not wrong
