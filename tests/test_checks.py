"""The verdicts of the checkers: who is blamed when a forward or a backward is wrong.

The checkers run on the in-process fake runner (tests/fake_runner.py); what
crosses the process boundary (an input changed in place, printed output, a
numpy warning) is checked through the real child as well, in the slow run.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fake_runner import GRADERS, grade_in_process as grade
from mutants import edited_solutions

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def submission(tmp_path: Path, *edits: tuple[str, str, str]) -> Path:
    """A copy of the reference solutions with text replacements (file, old, new)."""
    return edited_solutions(tmp_path / "submission", edits)


WRONG_HIDDEN_STATE = ("part1_cell_forward.py", "h = o * np.tanh(c)\n    return h", "h = o * c\n    return h")


def test_backward_right_with_forward_wrong_passes_with_a_note(tmp_path):
    report = grade(submission(tmp_path, WRONG_HIDDEN_STATE), parts=["hidden_state", "hidden_state_backward"], seed=3)
    assert report.part("hidden_state").status == "fail"
    backward = report.part("hidden_state_backward")
    assert backward.status == "pass" and backward.score == backward.max_score
    assert any("your hidden_state is wrong" in message and "reference forward" in message
               for message in backward.messages)


def test_backward_that_disagrees_with_its_own_forward_says_so(tmp_path):
    wrong = ("part2_cell_backward.py", "do = dh * tanh_c", "do = dh * c")
    report = grade(submission(tmp_path, wrong), parts=["hidden_state", "hidden_state_backward"], seed=3)
    assert report.part("hidden_state").status == "pass"
    backward = report.part("hidden_state_backward")
    assert backward.status == "fail"
    assert 0 < backward.score < backward.max_score  # dc is right, do is wrong
    assert any("does not match your own forward" in message for message in backward.messages)
    rows = {row.name: row for row in backward.gradients}
    assert rows["dc"].ok and not rows["do"].ok


def test_cell_backward_is_not_blamed_for_a_wrong_cell_forward(tmp_path):
    report = grade(submission(tmp_path, WRONG_HIDDEN_STATE), parts=["lstm_cell_forward", "lstm_cell_backward"],
                   seed=3)
    assert report.part("lstm_cell_forward").status == "fail"
    backward = report.part("lstm_cell_backward")
    # the backward differentiates tanh(c), the student's forward does not: numerically it disagrees, but
    # on the cache of the same mistake it gives what the reference's backward gives, so it keeps half
    assert backward.status == "fail" and backward.score == backward.max_score / 2
    assert "your lstm_cell_forward does not match the reference" in backward.messages[0]
    assert "could not be checked against the reference" in backward.messages[0]
    assert backward.finding is not None and backward.finding.id.startswith("hidden_state.")
    assert "your lstm_cell_backward is right" in backward.finding.explanation


def test_consistent_backward_of_a_wrong_forward_is_told_it_will_pass(tmp_path):
    # forward without tanh on c, and a backward that differentiates exactly that
    consistent = ("part2_cell_backward.py", "dc_from_h, do = hidden_state_backward(dh, c, o)",
                  "dc_from_h, do = dh * o, dh * c")
    report = grade(submission(tmp_path, WRONG_HIDDEN_STATE, consistent), parts=["lstm_cell_backward"], seed=3)
    backward = report.part("lstm_cell_backward")
    assert backward.status == "fail"
    assert backward.score == backward.max_score / 2  # consistent, but unverifiable against the reference
    assert any("your backward is consistent" in message for message in backward.messages)


def test_constant_forward_with_zero_backward_earns_nothing(tmp_path):
    answer = tmp_path / "constant.py"
    answer.write_text(
        "import numpy as np\n\n"
        "def lstm_cell_forward(x, h_prev, c_prev, params):\n"
        "    zero = np.zeros_like(h_prev)\n"
        "    return zero, zero, (x, h_prev, params)\n\n"
        "def lstm_cell_backward(dh, dc, cache):\n"
        "    x, h_prev, params = cache\n"
        "    grads = {name: np.zeros_like(value) for name, value in params.items()}\n"
        "    return np.zeros_like(x), np.zeros_like(h_prev), np.zeros_like(h_prev), grads\n")
    backward = grade(answer, parts=["lstm_cell_backward"], seed=3).part("lstm_cell_backward")
    assert backward.score == 0
    assert any("does not depend on its inputs" in message for message in backward.messages)


def test_missing_cache_forward_is_an_error_of_the_backward_not_missing(tmp_path):
    folder = submission(tmp_path, ("part1_cell_forward.py", "def lstm_cell_forward(", "def renamed_cell_forward("))
    report = grade(folder, parts=["lstm_cell_backward", "lstm_forward"], seed=3)
    backward = report.part("lstm_cell_backward")
    assert backward.status == "error"
    assert "needs the cache from your lstm_cell_forward" in backward.messages[0]


def test_stub_backward_with_stub_forward_is_missing(tmp_path):
    exercises = Path(__file__).resolve().parent.parent / "exercises"
    if not exercises.is_dir():
        pytest.skip("exercises/ not generated")
    report = grade(exercises, parts=["lstm_cell_backward", "lstm_backward"], seed=3)
    assert [part.status for part in report.parts] == ["missing", "missing"]


@pytest.mark.parametrize("grade_with", GRADERS)
def test_changing_an_input_in_place_costs_points(tmp_path, grade_with):
    in_place = ("part1_cell_forward.py", "c = f * c_prev + i * g\n    return c",
                "c_prev *= f\n    c_prev += i * g\n    return c_prev.copy()")
    report = grade_with(submission(tmp_path, in_place), parts=["cell_update"], seed=3)
    part = report.part("cell_update")
    assert part.status == "fail" and part.score <= part.max_score / 2
    assert any("in place" in message and "c_prev" in message for message in part.messages)


def test_wrong_return_structure_is_named(tmp_path):
    wrong = ("part1_cell_forward.py", "return h, c, cache", "return h, c")
    report = grade(submission(tmp_path, wrong), parts=["lstm_cell_forward"], seed=3)
    part = report.part("lstm_cell_forward")
    assert part.status == "fail"
    assert "expected a tuple (h, c, cache)" in part.messages[0]


@pytest.mark.parametrize("grade_with", GRADERS)
def test_printed_output_is_captured_for_the_part(tmp_path, grade_with):
    noisy = ("part1_cell_forward.py", "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
             "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    print('debug f', f.shape)\n    return f")
    report = grade_with(submission(tmp_path, noisy), parts=["forget_gate"], seed=3)
    part = report.part("forget_gate")
    assert part.status == "pass" and "debug f" in part.output


def test_same_seed_gives_same_cases_and_labels(tmp_path):
    folder = submission(tmp_path, WRONG_HIDDEN_STATE)
    first = grade(folder, parts=["hidden_state"], seed=11)
    second = grade(folder, parts=["hidden_state"], seed=11)
    assert first.part("hidden_state").messages == second.part("hidden_state").messages


@pytest.mark.parametrize("grade_with", GRADERS)
def test_overflow_warning_in_sigmoid_costs_half_its_points(tmp_path, grade_with):
    unstable = tmp_path / "unstable.py"
    unstable.write_text("import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n")
    part = grade_with(unstable, parts=["sigmoid"], seed=3).part("sigmoid")
    assert part.status == "fail" and part.score == part.max_score / 2
    assert any("overflow encountered in exp" in message for message in part.messages)
