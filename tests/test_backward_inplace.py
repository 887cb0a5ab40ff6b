"""Backward parts must leave every argument as it was: upstream gradients, the cache, params.

The contract's in-place rule holds for backward parts as for forward parts: a
function that changes an argument is capped at half its points, and the
message names the argument. The submissions here are written the way
CS231n's assignment 3 is usually filled in (stacked weights, `dnext_c +=`),
not derived from the reference. They are graded on the in-process fake
runner (tests/fake_runner.py), which runs the child's own worker code; the
CS231n step also goes through the real child in the slow run.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from fake_runner import GRADERS, FakeRunner, grade_in_process
from grader.engine.in_place import PassedOn, in_place_messages, slice_text
from grader.lstm import get_part

GATES = "ifog"  # CS231n's order of the stacked gates


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def stacked(params):
    Wx = np.concatenate([params["W_" + k] for k in GATES], axis=1)
    Wh = np.concatenate([params["U_" + k] for k in GATES], axis=1)
    b = np.concatenate([params["b_" + k] for k in GATES])
    return Wx, Wh, b


def lstm_step_forward(x, prev_h, prev_c, params):
    Wx, Wh, b = stacked(params)
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def step_backward(dnext_c_total: Callable[[Any, Any, Any, Any], Any],
                  tanh_of_cell: Callable[[Any], Any] = np.tanh) -> Callable[..., Any]:
    """A CS231n lstm_step_backward; `dnext_c_total(dnext_h, dnext_c, o, next_c)` is its first line."""

    def lstm_step_backward(dnext_h, dnext_c, cache):
        x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
        tanh_c = tanh_of_cell(next_c)
        do = dnext_h * tanh_c
        dnext_c = dnext_c_total(dnext_h, dnext_c, o, tanh_c)
        di, df, dg = dnext_c * g, dnext_c * prev_c, dnext_c * i
        dprev_c = dnext_c * f
        da = np.hstack((i * (1 - i) * di, f * (1 - f) * df, o * (1 - o) * do, (1 - g ** 2) * dg))
        dWx, dWh, db = x.T @ da, prev_h.T @ da, da.sum(axis=0)
        H = prev_h.shape[1]
        grads = {}
        for index, k in enumerate(GATES):
            columns = slice(index * H, (index + 1) * H)
            grads["W_" + k], grads["U_" + k], grads["b_" + k] = dWx[:, columns], dWh[:, columns], db[columns]
        return da @ Wx.T, da @ Wh.T, dprev_c, grads

    return lstm_step_backward


def adds_into_dc(dnext_h, dnext_c, o, tanh_c):
    dnext_c += dnext_h * o * (1 - tanh_c ** 2)  # the caller's dc changes
    return dnext_c


def new_dc(dnext_h, dnext_c, o, tanh_c):
    return dnext_c + dnext_h * o * (1 - tanh_c ** 2)


def copies_then_adds(dnext_h, dnext_c, o, tanh_c):
    dnext_c = dnext_c.copy()
    dnext_c += dnext_h * o * (1 - tanh_c ** 2)
    return dnext_c


def scales_dh(dnext_h, dnext_c, o, tanh_c):
    dnext_h *= o  # the caller's dh changes; the result is still right
    return dnext_c + dnext_h * (1 - tanh_c ** 2)


def tanh_into_the_cache(next_c):
    return np.tanh(next_c, out=next_c)  # overwrites next_c inside the cache


IN_PLACE_STEP = step_backward(adds_into_dc)
COPY_STEP = step_backward(new_dc)


def lstm_forward(x, h0, c0, params):
    N, T, _ = x.shape
    h, c = np.zeros((N, T, h0.shape[1])), np.zeros((N, T, h0.shape[1]))
    caches, prev_h, prev_c = [], h0, c0
    for t in range(T):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, params)
        h[:, t, :], c[:, t, :] = prev_h, prev_c
        caches.append(cache)
    return h, c, caches


def sequence_backward(step: Callable[..., Any], accumulate_in_dh: bool = False) -> Callable[..., Any]:
    """A CS231n lstm_backward around `step`; with `accumulate_in_dh` it adds dprev_h into dh[:, t]."""

    def lstm_backward(dh, cache):
        N, T, H = dh.shape
        dx, dprev_h, dprev_c, grads = [None] * T, np.zeros((N, H)), np.zeros((N, H)), {}
        for t in reversed(range(T)):
            if accumulate_in_dh:
                dh[:, t, :] += dprev_h
                dnext_h = dh[:, t, :]
            else:
                dnext_h = dh[:, t, :] + dprev_h
            dx[t], dprev_h, dprev_c, step_grads = step(dnext_h, dprev_c, cache[t])
            for name, value in step_grads.items():
                grads[name] = grads.get(name, 0) + value
        return np.stack(dx, axis=1), dprev_h, dprev_c, grads

    return lstm_backward


def cell(step: Callable[..., Any]) -> dict[str, Callable[..., Any]]:
    return {"lstm_cell_forward": lstm_step_forward, "lstm_cell_backward": step}


def sequence(step: Callable[..., Any], accumulate_in_dh: bool = False) -> dict[str, Callable[..., Any]]:
    return {**cell(step), "lstm_forward": lstm_forward,
            "lstm_backward": sequence_backward(step, accumulate_in_dh)}


def graded(functions: dict[str, Callable[..., Any]], *parts: str, grade=grade_in_process):
    report = grade(functions, parts=list(parts), seed=3)
    return [report.part(name) for name in parts]


# the CS231n step ------------------------------------------------------------------------------

# the same step as a file, for the real child too: forward as above, backward with `dnext_c +=`
CS231N_FILE = """import numpy as np


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def lstm_cell_forward(x, prev_h, prev_c, params):
    Wx = np.concatenate([params["W_" + k] for k in "ifog"], axis=1)
    Wh = np.concatenate([params["U_" + k] for k in "ifog"], axis=1)
    b = np.concatenate([params["b_" + k] for k in "ifog"])
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_cell_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    dnext_c += dnext_h * o * (1 - np.tanh(next_c)**2)
    di, df, do, dg = dnext_c * g, dnext_c * prev_c, dnext_h * np.tanh(next_c), dnext_c * i
    dprev_c = dnext_c * f
    da = np.hstack((i * (1 - i) * di, f * (1 - f) * df, o * (1 - o) * do, (1 - g ** 2) * dg))
    dWx, dWh, db = x.T @ da, prev_h.T @ da, da.sum(axis=0)
    H = prev_h.shape[1]
    grads = {}
    for index, k in enumerate("ifog"):
        part = slice(index * H, (index + 1) * H)
        grads["W_" + k], grads["U_" + k], grads["b_" + k] = dWx[:, part], dWh[:, part], db[part]
    return da @ Wx.T, da @ Wh.T, dprev_c, grads
"""


@pytest.mark.parametrize("grade_with", GRADERS)
def test_a_cs231n_step_that_adds_into_dc_loses_half_and_names_dc(grade_with, tmp_path):
    submission = tmp_path / "cs231n_lstm.py"
    submission.write_text(CS231N_FILE)
    report = grade_with(submission, parts=["lstm_cell_forward", "lstm_cell_backward"], seed=3)
    assert report.part("lstm_cell_forward").status == "pass"
    part = report.part("lstm_cell_backward")
    assert part.status == "fail" and part.score == part.max_score / 2
    assert part.messages[0] == "changed its input dc in place; work on new arrays (x = x * 2, not x *= 2)"
    assert "all 15 gradients match the reference" in part.messages[1]  # nothing else is wrong
    assert part.hint


def test_the_function_version_of_the_cs231n_step_is_the_files():
    (part,) = graded(cell(IN_PLACE_STEP), "lstm_cell_backward")
    assert part.score == part.max_score / 2 and part.messages[0].startswith("changed its input dc in place")


@pytest.mark.parametrize("step", [COPY_STEP, step_backward(copies_then_adds)], ids=["new_array", "copy_first"])
def test_a_cs231n_step_that_works_on_new_arrays_passes(step):
    (part,) = graded(cell(step), "lstm_cell_backward")
    assert part.status == "pass" and part.score == part.max_score, part.messages
    assert not any("in place" in message for message in part.messages)


def test_the_in_place_step_costs_only_the_step_when_the_sequence_gives_it_fresh_arrays():
    cell_part, sequence_part = graded(sequence(IN_PLACE_STEP), "lstm_cell_backward", "lstm_backward")
    assert cell_part.score == cell_part.max_score / 2
    # lstm_backward hands the step its own running dc, never the caller's dh: its arguments stay as they were
    assert sequence_part.status == "pass" and sequence_part.score == sequence_part.max_score, sequence_part.messages


# lstm_backward and its views of dh ------------------------------------------------------------


def test_adding_into_a_slice_of_dh_changes_dh_and_the_message_says_a_slice_is_a_view():
    (part,) = graded(sequence(COPY_STEP, accumulate_in_dh=True), "lstm_backward")
    assert part.status == "fail" and part.score == part.max_score / 2
    assert part.messages[0].startswith("changed its input dh in place")
    assert part.messages[1] == ("dh[:, t] is a view into dh, not a copy: changing it (dh[:, t] += ...) changes dh "
                                "itself; add into a new array (dh_t = dh[:, t] + ...)")


def test_a_step_that_changes_its_dh_is_named_when_lstm_backward_hands_it_a_view():
    step = step_backward(scales_dh)
    cell_part, sequence_part = graded(sequence(step, accumulate_in_dh=True), "lstm_cell_backward", "lstm_backward")
    assert cell_part.messages[0].startswith("changed its input dh in place")
    assert sequence_part.score == sequence_part.max_score / 2
    said = " ".join(sequence_part.messages)
    assert "your lstm_cell_backward changes its dh in place too" in said
    assert "a slice of its own dh (dh[:, t] is a view into dh, not a copy)" in said
    assert "and hand it a new array (dh_t = dh[:, t] + ...)" in said


# the cache the child keeps ---------------------------------------------------------------------


def test_a_step_that_overwrites_an_array_of_its_cache_is_caught():
    step = step_backward(new_dc, tanh_of_cell=tanh_into_the_cache)
    cell_part, sequence_part = graded(sequence(step), "lstm_cell_backward", "lstm_backward")
    assert cell_part.status == "fail" and cell_part.score == cell_part.max_score / 2
    assert cell_part.messages[0].startswith("changed its input cache[9] in place")
    assert sequence_part.score == sequence_part.max_score / 2
    assert sequence_part.messages[0].startswith("changed its input cache[0][9], cache[1][9], cache[2][9] and ")
    assert "your lstm_cell_backward changes its cache in place too" in sequence_part.messages[1]


# every backward part, every argument -----------------------------------------------------------


def hidden_state_backward_in_place(dh, c, o):
    tanh_c = np.tanh(c)
    do = dh * tanh_c
    dh *= o
    return dh * (1 - tanh_c ** 2), do


def gate_backward_in_place(dz, x, h_prev, W, U):
    W_T = W.T
    W_T *= 1.5  # a transposed view: this changes W
    return dz @ W.T / 1.5, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


@pytest.mark.parametrize("name, function, argument", [
    ("hidden_state_backward", hidden_state_backward_in_place, "dh"),
    ("gate_backward", gate_backward_in_place, "W"),
])
def test_every_backward_part_checks_its_arguments(name, function, argument):
    (part,) = graded({name: function}, name)
    assert part.status == "fail" and part.score <= part.max_score / 2
    assert part.messages[0].startswith(f"changed its input {argument} in place")


def test_the_reference_backward_parts_change_nothing():
    from grader.lstm import all_parts
    from mutants import SOLUTIONS_DIR

    backward = [part.name for part in all_parts() if part.checker is get_part("lstm_backward").checker]
    report = grade_in_process(SOLUTIONS_DIR, parts=backward, seed=3)
    for part in report.parts:
        assert part.status == "pass" and part.score == part.max_score, (part.name, part.messages)


# what the child reports ------------------------------------------------------------------------


def touch_nested(cache):
    cache[1][0][0] += 1.0


def add_zero(x):
    x += 0.0  # -0.0 becomes 0.0: equal as numbers, different bits


def test_the_child_names_an_array_changed_inside_a_nested_argument():
    runner = FakeRunner.from_functions({"touch": touch_nested})
    runner.ensure_started()
    cache = [np.ones(2), (np.zeros(3), {"W": np.ones(1)})]
    reply = runner.call("touch", [cache], arg_names=["cache"])
    assert reply.header["modified"] == ["cache[1][0]"]
    assert np.array_equal(cache[1][0], np.zeros(3)), "the caller's own arrays are copies"


def test_the_child_compares_bit_for_bit():
    runner = FakeRunner.from_functions({"add_zero": add_zero})
    runner.ensure_started()
    reply = runner.call("add_zero", [np.array([-0.0, 1.0])], arg_names=["x"])
    assert reply.header["modified"] == ["x"]


def test_the_messages_name_a_few_arrays_and_count_the_rest():
    part = get_part("lstm_backward")
    changed = [f"cache[{t}][9]" for t in range(5)]
    messages = in_place_messages(part, changed, [PassedOn("cache", "lstm_cell_backward")])
    assert messages == ["changed its input cache[0][9], cache[1][9], cache[2][9] and 2 more in place; "
                        "work on new arrays (x = x * 2, not x *= 2)"]


def test_a_slice_is_written_with_the_axis_it_removes():
    assert slice_text("dh", (2, 5, 4), (2, 4)) == "dh[:, t]"
    assert slice_text("dh", (5, 2, 4), (2, 4)) == "dh[t]"
    assert slice_text("dh", (2, 4), (2, 4)) == ""
