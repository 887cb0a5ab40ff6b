"""A part that fails because a part it builds on fails says which to fix first; a correct backward
given a wrong forward's cache is said to be right, when the numbers prove it."""
from __future__ import annotations

from pathlib import Path

from fake_runner import grade_in_process
from mutants import edited_solutions

SEED = 1234
PART3 = "part3_sequence.py"
STORE = "h[:, t], c[:, t] = h_t, c_t"


def test_the_forecast_and_gradient_flow_name_the_wrong_forward(tmp_path: Path):
    # not a catalogued mistake: the stored h drifts by 0.01 per step
    submission = edited_solutions(tmp_path / "s", [(PART3, STORE, "h[:, t], c[:, t] = h_t + 0.01 * t, c_t")])
    report = grade_in_process(submission, ["lstm_forward", "lstm_backward", "forecast"], seed=SEED)
    forward, backward, forecast = report.parts
    assert forward.status == "fail" and forecast.status == "fail"
    assert any("fix lstm_forward first" in message for message in forecast.messages), forecast.messages
    # the backward's checker already says to fix the forward: said once, not twice
    assert sum("fix lstm_forward" in message for message in backward.messages) == 1, backward.messages


def test_a_passing_base_part_blames_nothing(tmp_path: Path):
    submission = edited_solutions(tmp_path / "s", [("part7_forecast.py", 'return h[:, -1] @ model["W_y"] + model["b_y"]',
                                                    'return h[:, 0] @ model["W_y"] + model["b_y"]')])
    report = grade_in_process(submission, ["lstm_forward", "lstm_backward", "forecast"], seed=SEED)
    assert [part.status for part in report.parts] == ["pass", "pass", "fail"]
    assert not any("builds on" in message for message in report.parts[2].messages)


FORGET_TANH = ("part1_cell_forward.py", "sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
               "np.tanh(x @ W_f + h_prev @ U_f + b_f)\n    return f")


def test_a_correct_backward_given_a_wrong_forward_is_said_to_be_right(tmp_path: Path):
    submission = edited_solutions(tmp_path / "s", [FORGET_TANH])
    report = grade_in_process(submission, ["lstm_cell_backward", "lstm_backward"], seed=SEED)
    for part in report.parts:
        assert part.status == "fail" and part.score == part.max_score / 2, part.messages
        assert part.diagnosis == "forget_gate.tanh_instead_of_sigmoid"
        assert f"your {part.name} is right" in part.finding.explanation
        assert "the failure comes from your forget_gate" in part.finding.explanation
        assert not any("disagrees too" in message for message in part.messages), part.messages
        assert "sigmoid" in part.hint and "f = " in part.hint  # the forget gate's hint, not the backward's


def test_a_wrong_backward_given_a_wrong_forward_is_not_said_to_be_right(tmp_path: Path):
    submission = edited_solutions(tmp_path / "s", [FORGET_TANH, (
        "part2_cell_backward.py", "dc_total = dc + dc_from_h", "dc_total = dc")])
    part = grade_in_process(submission, ["lstm_cell_backward"], seed=SEED).parts[0]
    assert part.status == "fail" and part.score < part.max_score / 2
    assert part.finding is None or "is right" not in part.finding.explanation
    assert any("disagrees too" in message for message in part.messages), part.messages
