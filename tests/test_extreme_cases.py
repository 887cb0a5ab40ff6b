"""The composite parts see extreme pre-activations, so a tanh written with exp fails where it overflows.

`(exp(z) - exp(-z)) / (exp(z) + exp(-z))` is tanh to the last bit up to |z| of
about 710 and NaN beyond (exp(710) is inf, inf / inf is NaN). Seen in real
code, it used to pass lstm_cell_forward and lstm_forward: the largest weight
scale of their cases was 12. Each composite part now has an extreme case, with
the candidate's pre-activation and the cell state in the thousands and the
sigmoid gates' in the hundreds (below exp's limit: a sigmoid that overflows is
told so by the sigmoid's own cases, up to 1e4, and the mutation suite keeps it
there). Graded on the in-process fake runner (tests/fake_runner.py).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fake_runner import grade_in_process as grade
from grader.lstm import get_part
from mutants import PART1, PART2, SOLUTION_FILES, edited_solutions

SEED = 1234
EXTREME = "extreme: pre-activations in the hundreds and thousands,"  # how the extreme cases are labelled
EXP_LIMIT = float(np.log(np.finfo(np.float64).max))  # 709.78: exp overflows beyond
COMPOSITES = ("lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward")

CANDIDATE_BY_EXP = (PART1, "g = np.tanh(x @ W_g + h_prev @ U_g + b_g)",
                    "a = x @ W_g + h_prev @ U_g + b_g\n    g = (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))")
HIDDEN_BY_EXP = (PART1, "h = o * np.tanh(c)", "h = o * ((np.exp(c) - np.exp(-c)) / (np.exp(c) + np.exp(-c)))")
HIDDEN_BACKWARD_BY_EXP = (PART2, "tanh_c = np.tanh(c)",
                          "e_plus, e_minus = np.exp(c), np.exp(-c)\n"
                          "    tanh_c = (e_plus - e_minus) / (e_plus + e_minus)")


def pre_activations(args: tuple, gate: str) -> list[np.ndarray]:
    """The pre-activation of one gate at each step of a cell or sequence case, for any |h| <= 1
    bounded by its largest absolute value (the sequence's h are not known before the forward runs)."""
    x, h, _, params = args
    W, U, b = params["W_" + gate], params["U_" + gate], params["b_" + gate]
    rows = x.reshape(-1, W.shape[0])
    bound = np.abs(rows) @ np.abs(W) + np.abs(U).sum(axis=0) + np.abs(b)
    exact = x @ W + h @ U + b if x.ndim == 2 else x[:, 0] @ W + h @ U + b
    return [bound, exact]


@pytest.mark.parametrize("part_name", ["lstm_cell_forward", "lstm_forward"])
def test_composite_forward_cases_reach_pre_activations_in_the_thousands(part_name):
    extreme = [case for case in get_part(part_name).make_cases(SEED) if case.label.startswith(EXTREME)]
    assert len(extreme) == 1, [case.label for case in get_part(part_name).make_cases(SEED)]
    args = extreme[0].args
    _, candidate = pre_activations(args, "g")
    assert np.abs(candidate).max() > 1000 and (np.abs(candidate) > EXP_LIMIT).sum() >= 4
    for gate in ("f", "i", "o"):
        bound, exact = pre_activations(args, gate)
        assert 100 < np.abs(exact).max() and bound.max() < EXP_LIMIT, gate
    assert (np.abs(args[2]) > EXP_LIMIT).sum() >= 4, "the cell state is in the thousands too"


@pytest.mark.parametrize("part_name", COMPOSITES)
@pytest.mark.parametrize("seed", [0, 7, SEED])
def test_every_composite_part_has_an_extreme_case_without_the_numerical_check(part_name, seed):
    cases = get_part(part_name).make_cases(seed)
    extreme = [case for case in cases if case.label.startswith(EXTREME)]
    assert len(extreme) == 1 and not extreme[0].gradient_check
    assert f"(seed {seed})" in extreme[0].label
    if part_name.endswith("backward"):
        forward_args = extreme[0].extra["forward_args"]
        assert np.abs(pre_activations(forward_args, "g")[1]).max() > 1000
        assert all(pre_activations(forward_args, gate)[0].max() < EXP_LIMIT for gate in ("f", "i", "o"))


def graded(tmp_path: Path, edit: tuple[str, str, str], parts: list[str]):
    return grade(edited_solutions(tmp_path / "submission", [edit], SOLUTION_FILES), parts=parts, seed=SEED)


def assert_names_the_overflow(part, mistake_id: str) -> None:
    text = " | ".join(part.messages)
    assert part.status == "fail" and part.score < part.max_score, text
    assert part.diagnosis == mistake_id, text
    assert "case extreme: " in text and "NaN or infinite" in text, text
    assert "exp(710) is inf and inf / inf is NaN" in text and "use np.tanh" in text, text


def test_a_candidate_that_writes_tanh_with_exp_fails_the_cell_and_the_sequence(tmp_path):
    report = graded(tmp_path, CANDIDATE_BY_EXP, ["candidate", "lstm_cell_forward", "lstm_forward"])
    for part in report.parts:
        assert_names_the_overflow(part, "candidate.tanh_by_exp_ratio")
    assert any(message.endswith("(in candidate, which your lstm_cell_forward calls)")
               for message in report.part("lstm_cell_forward").messages)


def test_a_hidden_state_that_writes_tanh_with_exp_fails_the_cell_and_the_sequence(tmp_path):
    report = graded(tmp_path, HIDDEN_BY_EXP, ["hidden_state", "lstm_cell_forward", "lstm_forward"])
    for part in report.parts:
        assert_names_the_overflow(part, "hidden_state.tanh_by_exp_ratio")


def test_a_backward_that_writes_tanh_with_exp_fails_the_backward_composites(tmp_path):
    report = graded(tmp_path, HIDDEN_BACKWARD_BY_EXP, ["hidden_state_backward", "lstm_cell_backward", "lstm_backward"])
    for part in report.parts:
        assert_names_the_overflow(part, "hidden_state_backward.tanh_by_exp_ratio")


def test_the_cache_taking_backward_of_an_overflowing_forward_says_the_forward_overflows(tmp_path):
    report = graded(tmp_path, CANDIDATE_BY_EXP, ["lstm_cell_backward", "lstm_backward"])
    for part in report.parts:
        text = " | ".join(part.messages)
        assert part.status == "fail" and f"case {EXTREME}" in text and "exp(710) is inf" in text, text


def test_a_hand_written_cell_with_an_exp_tanh_fails_on_the_extreme_case_only():
    def sigmoid(z):
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def tanh(z):
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))

    def lstm_cell_forward(x, h_prev, c_prev, params):
        p = params
        f = sigmoid(x @ p["W_f"] + h_prev @ p["U_f"] + p["b_f"])
        i = sigmoid(x @ p["W_i"] + h_prev @ p["U_i"] + p["b_i"])
        g = tanh(x @ p["W_g"] + h_prev @ p["U_g"] + p["b_g"])
        o = sigmoid(x @ p["W_o"] + h_prev @ p["U_o"] + p["b_o"])
        c = f * c_prev + i * g
        return o * tanh(c), c, None

    part = grade({"lstm_cell_forward": lstm_cell_forward}, ["lstm_cell_forward"], seed=SEED).parts[0]
    failing = [message for message in part.messages if message.startswith("case ")]
    assert part.status == "fail" and failing, part.messages
    assert all(message.startswith(f"case {EXTREME}") for message in failing), failing
    assert any("exp(710) is inf" in message for message in failing)


def test_the_sigmoid_written_with_exp_is_still_told_by_the_sigmoid_alone(tmp_path):
    """The gates stay below exp's limit, so this mistake costs the sigmoid part only, as the
    mutation suite says (the sigmoid's own cases reach 1e4)."""
    exp_ratio = (PART1, "e = np.exp(-np.abs(z))\n    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
                 "s = np.exp(z) / (1.0 + np.exp(z))")
    report = graded(tmp_path, exp_ratio, ["sigmoid", "forget_gate", "lstm_cell_forward", "lstm_forward"])
    assert report.part("sigmoid").status == "fail"
    assert [part.status for part in report.parts[1:]] == ["pass"] * 3
