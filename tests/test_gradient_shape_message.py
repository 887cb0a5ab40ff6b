"""A gradient of the wrong shape is named by its shape, never shown as an infinite error."""
from __future__ import annotations

import numpy as np

from fake_runner import grade_part
from grader.report.part_view import part_view, text_lines


def gate_backward_with_unsummed_db(dz, x, h_prev, W, U):
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz  # db = dz: shape (N, H), not (H,)


def test_a_wrong_shape_is_named_in_the_message_and_the_table() -> None:
    result = grade_part(gate_backward_with_unsummed_db, "gate_backward")
    assert result.status == "fail"
    assert "db shape (" in result.messages[0] and "expected (" in result.messages[0], result.messages
    assert not any(" inf" in message for message in result.messages), result.messages
    row = next(row for row in result.gradients if row.name == "db")
    assert row.problem.startswith("shape (") and not row.ok
    table = "\n".join(text_lines(part_view(result)))
    assert "inf" not in table, table


def test_right_shapes_have_no_problem_noted() -> None:
    def right(dz, x, h_prev, W, U):
        return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, np.sum(dz, axis=0)

    result = grade_part(right, "gate_backward")
    assert result.status == "pass" and all(row.problem == "" for row in result.gradients)
