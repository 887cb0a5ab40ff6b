"""The patterns the diagnosis names without a catalogue entry, and the proofs it asks of them.

Generic detectors (grader.engine.diagnose) are checked on made-up outputs, each
against a near miss it must stay silent on; the time-loop hypotheses and the
c_prev probe (grader.lstm.localise) on the solutions with one edit written
otherwise than the mutation suite writes it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fake_runner import grade_in_process
from grader.engine.diagnose import Observation, diagnose, diagnose_error, generic
from grader.engine.output_patterns import same_array
from grader.engine.reference_source import open_reference
from grader.engine.variants import variant
from grader.lstm import MISTAKES_BY_ID, get_part
from helpers_feedback import reference_args, split
from mutants import edited_solutions

PART1 = "part1_cell_forward.py"
PART3 = "part3_sequence.py"
SEED = 1234
EXPECTED = np.linspace(-1.0, 2.0, 24).reshape(2, 3, 4)
F_CALL = 'f = forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])'
STEP_CALL = "        h_t, c_t, step_cache = lstm_cell_forward(x[:, t], h_t, c_t, params)\n"
STORE = "        h[:, t], c[:, t] = h_t, c_t\n"


def observation(got, expected: np.ndarray, name: str = "h") -> Observation:
    return Observation((), {name: got}, {name: expected})


def last_step_zeroed(values: np.ndarray) -> np.ndarray:
    changed = values.copy()
    changed[:, -1] = 0.0
    return changed


@pytest.mark.parametrize("got, expected, name, expected_id", [
    (last_step_zeroed(EXPECTED), EXPECTED, "h", "lstm_forward.last_step_missing"),
    (EXPECTED[:, -1].copy(), EXPECTED, "h", "lstm_forward.returns_last_step_only"),
    (EXPECTED[0, :1].copy(), EXPECTED[0, 0], "db", "gate_backward.wrong_shape"),
])
def test_generic_detectors_name_a_missing_step_a_lost_time_axis_and_a_shape_off_by_an_axis(got, expected, name,
                                                                                          expected_id):
    part = expected_id.split(".")[0]
    found = generic(part, [observation(got, expected, name)])
    assert found is not None and found.id == expected_id


def test_a_missing_last_step_is_not_named_when_an_earlier_step_is_wrong_too():
    got = last_step_zeroed(EXPECTED)
    got[:, 0] += 0.5
    assert generic("lstm_forward", [observation(got, EXPECTED)]) is None


def test_an_array_returned_beside_the_right_one_is_named_with_its_place():
    right = EXPECTED[0]
    found = generic("output_gate", [observation((right + 3.0, right.copy()), right, "o")])
    assert found is not None and found.id == "output_gate.returns_extra_values"
    assert "the second of which is the right o" in found.explanation
    assert generic("output_gate", [observation((right + 3.0, right + 1.0), right, "o")]) is None


def test_float32_is_named_from_the_dtype_alone_even_when_the_values_pass():
    part = get_part("gate_backward")
    reference = open_reference()
    found = []
    for case in part.make_cases(SEED):
        expected = split(part, reference("gate_backward")(*case.args))
        got = dict(expected, db=expected["db"].astype(np.float32))
        found.append(Observation(case.args, got, expected))
    diagnosis = diagnose(part, found, reference.variant, lambda value: split(part, value))
    assert diagnosis is not None and diagnosis.id == "gate_backward.computes_in_float32"
    assert "your db agrees" in diagnosis.explanation


def test_float32_sized_errors_that_all_go_one_way_are_not_called_float32():
    nudged = EXPECTED * (1.0 + 2e-7)  # a stray factor, float64 throughout
    found = generic("lstm_forward", [observation(nudged, EXPECTED)], tolerance=1e-8)
    assert found is None or found.id != "lstm_forward.computes_in_float32"


def test_a_single_number_matches_it_as_the_child_sends_it_back():
    assert same_array(np.float64(2.0), np.array([2.0]))
    assert not same_array(np.float64(2.0), np.array([2.0, 2.0]))


def test_an_exception_whose_message_ends_in_a_space_is_still_recognised():
    mistake = MISTAKES_BY_ID["forget_gate.elementwise_products"]
    reference = open_reference()
    part = get_part("forget_gate")
    args = reference_args(part, part.make_cases(SEED)[0], reference)
    with pytest.raises(ValueError) as raised:
        variant(mistake, "forget_gate", reference.folder)(*args)
    assert str(raised.value).endswith(" ")  # numpy's broadcasting message
    found = diagnose_error(part, args, f"ValueError: {raised.value}".strip(), reference.variant)
    assert found is not None and found.id == mistake.id


def graded(tmp_path: Path, edits: list[tuple[str, str, str]], parts: list[str]):
    return grade_in_process(edited_solutions(tmp_path / "submission", edits), parts, seed=SEED)


@pytest.mark.parametrize("name, edits, expected_id", [
    ("step 0 skipped inside the loop",
     [(PART3, "    for t in range(T):\n", "    for t in range(T):\n        if t == 0:\n            continue\n")],
     "lstm_forward.first_step_skipped"),
    ("a fresh zero state at every step",
     [(PART3, "lstm_cell_forward(x[:, t], h_t, c_t, params)", "lstm_cell_forward(x[:, t], 0 * h0, c_t, params)")],
     "lstm_forward.zero_h_every_step"),
    ("the state stored before it is replaced",
     [(PART3, STEP_CALL, "        before = (h_t, c_t)\n" + STEP_CALL),
      (PART3, STORE, "        h[:, t], c[:, t] = before\n")],
     "lstm_forward.stores_state_before_step"),
])
def test_a_time_loop_run_another_way_is_named_after_the_way(tmp_path, name, edits, expected_id):
    part = graded(tmp_path, edits, ["lstm_forward"]).parts[0]
    assert part.status == "fail" and part.diagnosis == expected_id, (name, part.diagnosis)


def test_a_forget_gate_wrong_only_at_its_bias_is_found_through_c_prev(tmp_path):
    report = graded(tmp_path, [(PART1, F_CALL, F_CALL.replace('p["b_f"])', 'p["b_f"] - 2.0)'))],
                    ["lstm_cell_forward", "lstm_forward"])
    for part in report.parts:
        assert part.status == "fail" and part.diagnosis == "lstm_cell_forward.wrong_forget_term", part.diagnosis
        assert "right whenever c_prev is zero" in part.finding.explanation


@pytest.mark.parametrize("new", ["c = cell_update(c_prev, f, i, g) + 0.1", "c = cell_update(c_prev, f, i, 1.1 * g)"])
def test_an_error_that_shows_without_c_prev_is_not_put_on_the_forget_term(tmp_path, new):
    part = graded(tmp_path, [(PART1, "c = cell_update(c_prev, f, i, g)", new)], ["lstm_cell_forward"]).parts[0]
    assert part.status == "fail" and part.diagnosis != "lstm_cell_forward.wrong_forget_term"
