"""A forward that computes in float32 never makes a correct backward look wrong.

Central differences with eps = 1e-6 on a float32 forward measure its rounding
noise (a relative error of about 0.1), not its derivative. The numerical check
(grader.engine.numerical_check) sees the forward's precision in its outputs,
exactly float32 numbers or a derivative that a step of 1e-9 cannot see, and
checks such a forward with a step and a tolerance that suit float32; a wrong
backward is still caught. Graded on the in-process fake runner.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fake_runner import grade_in_process as grade
from grader.engine import gradcheck
from grader.engine.parts import NumericalSetup
from mutants import PART1, PART2, SOLUTIONS_DIR, edited_solutions

# the whole step in float32: inputs and weights cast on the way in (the solutions' sigmoid goes back to float64)
FLOAT32_STEP = (PART1, "    p = params\n    f = forget_gate",
                "    x, h_prev, c_prev = (a.astype(np.float32) for a in (x, h_prev, c_prev))\n"
                "    p = {name: value.astype(np.float32) for name, value in params.items()}\n"
                "    params = p\n    f = forget_gate")
# a sigmoid whose outputs are float32 arrays
FLOAT32_SIGMOID = (PART1, "    z = np.asarray(z, dtype=np.float64)\n", "    z = np.asarray(z, dtype=np.float32)\n")
DB_AVERAGED = (PART2, "db = dz.sum(axis=0)", "db = dz.mean(axis=0)")
STEP_PARTS = ["lstm_cell_backward", "lstm_backward"]


def submission(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    return edited_solutions(tmp_path / "submission", edits)


def numerical_rows_ok(part) -> bool:
    rows = [row for row in part.gradients if row.vs_numerical is not None]
    return bool(rows) and all(row.vs_numerical <= row.numerical_tolerance for row in rows)


@pytest.mark.parametrize("name", STEP_PARTS)
def test_a_correct_backward_of_a_float32_forward_is_not_told_it_disagrees(tmp_path, name):
    report = grade(submission(tmp_path, FLOAT32_STEP), parts=STEP_PARTS, seed=3)
    part = report.part(name)
    said = " ".join(part.messages)
    assert "disagree" not in said and "does not match your own forward" not in said, part.messages
    assert "does not compute in float64" in said and "float32 somewhere inside?" in said
    assert "the numerical gradient check used eps = 0.005 and allows 0.001 instead" in said
    assert numerical_rows_ok(part), [(row.name, row.vs_numerical) for row in part.gradients]
    assert part.score >= part.max_score / 2  # consistent with its own forward


def test_a_float32_sigmoid_is_checked_with_a_float32_step(tmp_path):
    report = grade(submission(tmp_path, FLOAT32_SIGMOID), parts=["sigmoid", "sigmoid_backward"], seed=3)
    assert report.part("sigmoid").status == "fail"  # float32 is the forward's fault, named there
    backward = report.part("sigmoid_backward")
    assert backward.status == "pass"
    assert numerical_rows_ok(backward), [(row.name, row.vs_numerical) for row in backward.gradients]
    assert any("your sigmoid does not compute in float64 (its outputs are float32 numbers)" in message
               for message in backward.messages), backward.messages


def test_a_wrong_backward_of_a_float32_forward_is_still_caught(tmp_path):
    report = grade(submission(tmp_path, FLOAT32_STEP, DB_AVERAGED), parts=["lstm_cell_backward"], seed=3)
    part = report.part("lstm_cell_backward")
    rows = {row.name: row for row in part.gradients}
    assert not rows["db_f"].ok and rows["dW_f"].ok
    assert any(message.startswith("against numerical gradients of your own forward it disagrees too: db_f")
               and message.endswith("(allowed 0.001)") for message in part.messages), part.messages
    assert part.score < part.max_score / 2


def test_the_float64_solutions_are_checked_at_the_float64_step():
    backward = ["sigmoid_backward", "hidden_state_backward", "cell_update_backward", "lstm_cell_backward",
                "lstm_backward", "peephole_cell_backward"]
    report = grade(SOLUTIONS_DIR, parts=backward, seed=3)
    for part in report.parts:
        assert part.status == "pass", (part.name, part.messages)
        assert not any("float64" in message for message in part.messages), part.messages
        assert all(row.numerical_tolerance == gradcheck.NUMERICAL_TOLERANCE for row in part.gradients)


# the precision seen in a forward's outputs ----------------------------------------------------


def precision_of(forward) -> gradcheck.Precision:
    x = np.random.default_rng(0).standard_normal((3, 4))
    setup = NumericalSetup((x,), ((None, np.ones((3, 4))),), (("dx", 0, None, False),))
    plan = gradcheck.perturbations_for(setup)
    probe = gradcheck.probe_plan(setup)
    stacks = gradcheck.evaluate_locally(forward, setup, plan + probe)
    return gradcheck.precision_of([stack[:len(plan)] for stack in stacks], [stack[len(plan):] for stack in stacks])


def test_a_float64_forward_shows_float64():
    assert precision_of(np.tanh) == gradcheck.FLOAT64
    assert precision_of(lambda x: np.tanh(x) * np.sign(x)).epsilon == gradcheck.EPSILON


def test_float32_outputs_show_float32():
    precision = precision_of(lambda x: np.tanh(x.astype(np.float32)))
    assert precision.name == "float32" and precision.how == "its outputs are float32 numbers"
    assert (precision.epsilon, precision.tolerance) == (gradcheck.FLOAT32_EPSILON, gradcheck.FLOAT32_TOLERANCE)


def test_float32_inside_a_float64_result_shows_in_its_rounding_noise():
    precision = precision_of(lambda x: np.tanh(x.astype(np.float32)).astype(np.float64) * np.pi)
    assert precision.name == "float32" and "a step of 1e-9" in precision.how and precision.meaningful


def test_float16_is_not_worth_a_numerical_check():
    precision = precision_of(lambda x: np.tanh(x.astype(np.float16)))
    assert precision.name == "float16" and not precision.meaningful
