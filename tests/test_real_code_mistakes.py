"""Mistakes seen in real LSTM code, named by the grader.

- gate gradients without the activation derivatives: the step hands df, di, dg,
  do straight to gate_backward, so everything but dc_prev comes out wrong;
- the tanh derivative applied to tanh's output: `1 - np.tanh(g)**2` where g
  already is tanh's output, for the candidate and for tanh(c) (in tanh_backward
  itself this is `tanh_backward.reapplies_tanh`);
- an exception names the case it came from: a squeeze that breaks only at
  N = 1 says so.

The mistakes are written as a student writes them, not as the catalogue's
edits; graded on the in-process fake runner (tests/fake_runner.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fake_runner import grade_in_process as grade, grade_part
from grader.lstm import MISTAKES_BY_ID
from mutants import PART2, SOLUTION_FILES, edited_solutions

SEED = 1234
STEP_BACKWARD = ["lstm_cell_backward", "lstm_backward"]

DZ_BLOCK = ('    dz = {\n        "f": sigmoid_backward(df, f),\n        "i": sigmoid_backward(di, i),\n'
            '        "g": tanh_backward(dg, g),\n        "o": sigmoid_backward(do, o),\n    }\n')
NO_DERIVATIVES = (PART2, DZ_BLOCK, "    dz = dict(f=df, i=di, g=dg, o=do)\n")
CANDIDATE_TANH_AGAIN = (PART2, '"g": tanh_backward(dg, g)', '"g": dg * (1 - np.tanh(g) ** 2)')
TANH_C_AGAIN = (PART2, "dc_from_h, do = hidden_state_backward(dh, c, o)",
                "tanh_c = np.tanh(c)\n    do = dh * tanh_c\n    dc_from_h = dh * o * (1 - np.tanh(tanh_c) ** 2)")
TANH_BACKWARD_AGAIN = (PART2, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - np.tanh(t)**2)")


def graded(tmp_path: Path, edit: tuple[str, str, str], parts: list[str]):
    return grade(edited_solutions(tmp_path / "submission", [edit], SOLUTION_FILES), parts=parts, seed=SEED)


def test_gate_gradients_without_activation_derivatives_are_named(tmp_path):
    report = graded(tmp_path, NO_DERIVATIVES, STEP_BACKWARD)
    cell = report.part("lstm_cell_backward")
    wrong = {row.name for row in cell.gradients if row.vs_reference is not None and row.vs_reference > row.tolerance}
    agree = {row.name for row in cell.gradients} - wrong
    assert agree == {"dc_prev"}, (agree, cell.messages)
    for part in report.parts:
        assert part.status == "fail" and part.diagnosis == "lstm_cell_backward.no_activation_derivatives", part.messages
    assert any("straight to gate_backward" in message for message in cell.messages)


@pytest.mark.parametrize("edit, mistake_id", [
    (CANDIDATE_TANH_AGAIN, "lstm_cell_backward.candidate_reapplies_tanh"),
    (TANH_C_AGAIN, "lstm_cell_backward.dc_through_h_reapplies_tanh"),
], ids=["candidate", "tanh_c"])
def test_the_tanh_derivative_of_a_tanh_output_is_named_in_the_step_and_the_sequence(tmp_path, edit, mistake_id):
    report = graded(tmp_path, edit, STEP_BACKWARD)
    for part in report.parts:
        assert part.status == "fail" and part.diagnosis == mistake_id, (part.name, part.messages)
    assert any("already is tanh's output" in message for message in report.part("lstm_cell_backward").messages)


def test_the_same_mistake_inside_tanh_backward_is_still_named_there(tmp_path):
    """The step's own entries fit one place each, so they do not hide the helper that holds the mistake."""
    report = graded(tmp_path, TANH_BACKWARD_AGAIN, ["tanh_backward", "lstm_cell_backward", "lstm_backward"])
    assert [part.diagnosis for part in report.parts] == ["tanh_backward.reapplies_tanh"] * 3


@pytest.mark.parametrize("mistake_id", ["lstm_cell_backward.no_activation_derivatives",
                                        "lstm_cell_backward.candidate_reapplies_tanh",
                                        "lstm_cell_backward.dc_through_h_reapplies_tanh"])
def test_the_new_entries_are_one_sentence_with_an_equation(mistake_id):
    mistake = MISTAKES_BY_ID[mistake_id]
    text = mistake.explanation
    assert text[0].islower() and not text.endswith(".") and ". " not in text and len(text) <= 200
    assert "=" in mistake.equation


def squeezing_cell_forward(x, h_prev, c_prev, params):
    """Correct, except that it reads the sizes after a squeeze: at N = 1, x is (D,) and has no shape[1]."""
    batch = np.squeeze(x)
    N, D = batch.shape[0], batch.shape[1]
    z = {k: x.reshape(N, D) @ params["W_" + k] + h_prev @ params["U_" + k] + params["b_" + k] for k in "figo"}
    f, i, o = (0.5 * (1 + np.tanh(0.5 * z[k])) for k in "fio")
    c = f * c_prev + i * np.tanh(z["g"])
    return o * np.tanh(c), c, None


def test_an_exception_names_the_case_it_came_from():
    part = grade_part(squeezing_cell_forward, "lstm_cell_forward", seed=SEED)
    assert part.status == "error"
    assert part.messages[0].startswith("case N=1 D=4 H=6 (seed 1234): lstm_cell_forward raised IndexError"), \
        part.messages


def test_an_exception_in_a_backward_names_its_case():
    def gate_backward(dz, x, h_prev, W, U):
        dz = np.squeeze(dz)  # (N, H) -> (H,) at N = 1 or (N,) at H = 1: the batch sum breaks
        return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0, keepdims=True)[0, :]

    part = grade_part(gate_backward, "gate_backward", seed=SEED)
    assert part.status == "error"
    assert part.messages[0].startswith("case N=1 D=4 H=6 (seed 1234): gate_backward raised"), part.messages


def test_an_error_with_its_case_is_still_recognised(tmp_path):
    """The case goes in front of the message; the exception is still matched to the catalogue."""
    swapped = ("part1_cell_forward.py", "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
               "f = sigmoid(x @ U_f + h_prev @ W_f + b_f)\n    return f")
    part = graded(tmp_path, swapped, ["forget_gate"]).part("forget_gate")
    assert part.status == "error" and part.diagnosis == "forget_gate.W_and_U_swapped"
    assert part.messages[0].startswith("case N=2 D=3 H=4 (public): forget_gate raised ValueError")
