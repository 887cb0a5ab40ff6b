"""Backpropagation through one LSTM cell, one piece at a time: the activations, the
hidden state, the cell update, a gate's affine map and the whole step
(exercises/part2_cell_backward.py).

Every backward part is checked twice: against the reference on the same inputs,
and against central differences of the student's own forward.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from grader.engine.check_backward import check_backward
from grader.engine.parts import Case, Mistake, NumericalSetup, Part
from grader.lstm.core_forward import CELL_UPDATE, HIDDEN_STATE, LSTM_CELL_FORWARD, SIGMOID
from grader.lstm.cases import (PARAM_NAMES, cell_cases, elementwise_cases, param_targets, part_rng,
                               stable_sigmoid, step_backward_cases)

FILE = "part2_cell_backward.py"

def activation_backward_cases(name: str, activation: Callable[[np.ndarray], np.ndarray]
                              ) -> Callable[[int], list[Case]]:
    def make(seed: int) -> list[Case]:
        found = []
        for label, (upstream, z), gradient_check in elementwise_cases(seed, name, 2):
            found.append(Case(label, (upstream, activation(z)), {"z": z}, gradient_check))
        return found
    return make


def activation_numerical(case: Case) -> NumericalSetup:
    """d/dz of the activation at z (kept in case.extra), with the upstream gradient as the loss weights."""
    return NumericalSetup((case.extra["z"],), ((None, case.args[0]),), (("dz", 0, None, True),))


def hidden_state_backward_cases(seed: int) -> list[Case]:
    return [Case(label, (dh, 2.0 * c, stable_sigmoid(o)), {}, gradient_check)
            for label, (dh, c, o), gradient_check in elementwise_cases(seed, "hidden_state_backward", 3)]


def hidden_state_numerical(case: Case) -> NumericalSetup:
    dh, c, o = case.args
    return NumericalSetup((c, o), ((None, dh),), (("dc", 0, None, True), ("do", 1, None, True)))


def cell_update_backward_cases(seed: int) -> list[Case]:
    found = []
    for label, (dc, c_prev, f, i, g), gradient_check in elementwise_cases(
            seed, "cell_update_backward", 5, extreme=False):
        found.append(Case(label, (dc, c_prev, stable_sigmoid(f), stable_sigmoid(i), np.tanh(g)),
                          {}, gradient_check))
    return found


def cell_update_numerical(case: Case) -> NumericalSetup:
    dc, c_prev, f, i, g = case.args
    return NumericalSetup((c_prev, f, i, g), ((None, dc),),
                          (("dc_prev", 0, None, True), ("df", 1, None, True),
                           ("di", 2, None, True), ("dg", 3, None, True)))


def gate_backward_cases(seed: int) -> list[Case]:
    rng = part_rng(seed, "gate_backward:upstream")
    found = []
    for case in cell_cases(seed, "gate_backward"):
        params = case["params"]
        dz = rng.standard_normal(case["h_prev"].shape)
        found.append(Case(case["label"], (dz, case["x"], case["h_prev"], params["W_f"], params["U_f"]),
                          {"b": params["b_f"]}, case.get("gradient_check", False)))
    return found


def affine(x: np.ndarray, h_prev: np.ndarray, W: np.ndarray, U: np.ndarray, b: np.ndarray) -> np.ndarray:
    """z = x W + h_prev U + b: the pre-activation that gate_backward differentiates."""
    return x @ W + h_prev @ U + b


def gate_numerical(case: Case) -> NumericalSetup:
    dz, x, h_prev, W, U = case.args
    return NumericalSetup((x, h_prev, W, U, case.extra["b"]), ((None, dz),),
                          (("dx", 0, None, False), ("dh_prev", 1, None, False), ("dW", 2, None, False),
                           ("dU", 3, None, False), ("db", 4, None, False)))


def cell_backward_cases(seed: int) -> list[Case]:
    return step_backward_cases(seed, "lstm_cell_backward", cell_cases(seed, "lstm_cell_backward"))


def cell_numerical(case: Case) -> NumericalSetup:
    dh, dc = case.args
    targets = (("dx", 0, None, False), ("dh_prev", 1, None, False), ("dc_prev", 2, None, False))
    return NumericalSetup(case.extra["forward_args"], ((0, dh), (1, dc)), targets + param_targets(3))


SIGMOID_BACK_EQ = "dz = ds * s * (1 - s)"
SIGMOID_BACKWARD_MISTAKES = [
    Mistake("sigmoid_backward.derivative_as_s", FILE, "dz = ds * s * (1.0 - s)", "dz = ds * s",
            "your sigmoid_backward uses s as the derivative; d sigmoid/dz = s * (1 - s)", SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.reapplies_sigmoid", FILE, "dz = ds * s * (1.0 - s)",
            "dz = ds * (1.0 / (1.0 + np.exp(-s))) * (1.0 - 1.0 / (1.0 + np.exp(-s)))",
            "your sigmoid_backward applies sigmoid to s again; s already is sigmoid(z), so use s * (1 - s)",
            SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.missing_upstream", FILE, "dz = ds * s * (1.0 - s)", "dz = s * (1.0 - s)",
            "your sigmoid_backward returns the local derivative only; multiply by the upstream gradient ds",
            SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.one_minus_s", FILE, "dz = ds * s * (1.0 - s)", "dz = ds * (1.0 - s)",
            "your sigmoid_backward uses 1 - s as the derivative; it is s * (1 - s)", SIGMOID_BACK_EQ),
]

TANH_BACK_EQ = "dz = dt * (1 - t**2)"
TANH_BACKWARD_MISTAKES = [
    Mistake("tanh_backward.one_minus_t", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t)",
            "your tanh_backward uses 1 - t; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.reapplies_tanh", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - np.tanh(t)**2)",
            "your tanh_backward applies tanh to t again; t already is tanh(z), so use 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.missing_upstream", FILE, "dz = dt * (1.0 - t**2)", "dz = 1.0 - t**2",
            "your tanh_backward returns the local derivative only; multiply by the upstream gradient dt",
            TANH_BACK_EQ),
    Mistake("tanh_backward.t_squared", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * t**2",
            "your tanh_backward uses t**2; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.sigmoid_derivative", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * t * (1.0 - t)",
            "your tanh_backward uses the sigmoid's derivative t * (1 - t); for tanh it is 1 - t**2",
            TANH_BACK_EQ),
]

HIDDEN_BACK_EQ = "dc = dh * o * (1 - tanh(c)**2),  do = dh * tanh(c)"
HIDDEN_STATE_BACKWARD_MISTAKES = [
    Mistake("hidden_state_backward.forgets_o", FILE, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = tanh_backward(dh, tanh_c)",
            "your dc misses the factor o: h = o * tanh(c), so dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.do_uses_c", FILE, "do = dh * tanh_c", "do = dh * c",
            "your do uses c; h = o * tanh(c), so do = dh * tanh(c)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.forgets_tanh_derivative", FILE, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = dh * o",
            "your dc leaves out the tanh's derivative: dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.returns_do_then_dc", FILE, "    return dc, do\n", "    return do, dc\n",
            "your hidden_state_backward returns (do, dc); the contract's order is (dc, do)", HIDDEN_BACK_EQ),
]

CELL_BACK_EQ = "dc_prev = dc * f,  df = dc * c_prev,  di = dc * g,  dg = dc * i"
CELL_UPDATE_BACKWARD_MISTAKES = [
    Mistake("cell_update_backward.dc_prev_not_times_f", FILE, "dc_prev = dc * f\n", "dc_prev = dc\n",
            "your dc_prev does not go through the forget gate: c = f * c_prev + ..., so dc_prev = dc * f",
            CELL_BACK_EQ),
    Mistake("cell_update_backward.di_dg_swapped", FILE, "di = dc * g\n    dg = dc * i",
            "di = dc * i\n    dg = dc * g",
            "your di and dg multiply dc by the factor itself; the gradient of a product takes the other "
            "factor: di = dc * g, dg = dc * i", CELL_BACK_EQ),
    Mistake("cell_update_backward.df_and_dc_prev_swapped", FILE, "dc_prev = dc * f\n    df = dc * c_prev",
            "dc_prev = dc * c_prev\n    df = dc * f",
            "your dc_prev and df multiply dc by the wrong factor: dc_prev = dc * f, df = dc * c_prev",
            CELL_BACK_EQ),
    Mistake("cell_update_backward.df_times_f", FILE, "df = dc * c_prev\n", "df = dc * f\n",
            "your df is dc * f; f multiplies c_prev, so df = dc * c_prev", CELL_BACK_EQ),
]

GATE_BACK_EQ = "dx = dz @ W.T,  dh_prev = dz @ U.T,  dW = x.T @ dz,  dU = h_prev.T @ dz,  db = dz.sum(axis=0)"
GATE_BACKWARD_MISTAKES = [
    Mistake("gate_backward.db_mean", FILE, "db = dz.sum(axis=0)", "db = dz.mean(axis=0)",
            "your db averages dz over the batch; b is added to every row, so db sums dz over the batch",
            GATE_BACK_EQ),
    Mistake("gate_backward.db_not_summed", FILE, "db = dz.sum(axis=0)", "db = dz",
            "your db is dz itself, shape (N, H); b is shared by every row, so db = dz.sum(axis=0), shape (H,)",
            GATE_BACK_EQ),
    Mistake("gate_backward.db_summed_over_units", FILE, "db = dz.sum(axis=0)", "db = dz.sum(axis=1)",
            "your db sums dz over the units (axis 1); sum over the batch instead: dz.sum(axis=0), shape (H,)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dh_prev_through_U", FILE, "\n    dh_prev = dz @ U.T", "\n    dh_prev = dz @ U",
            "your dh_prev multiplies by U; going backwards through h_prev @ U multiplies by U transposed: "
            "dz @ U.T", GATE_BACK_EQ),
    Mistake("gate_backward.dx_through_W", FILE, "\n    dx = dz @ W.T", "\n    dx = dz @ W",
            "your dx multiplies dz by W; going backwards through x @ W multiplies by W transposed: dz @ W.T",
            GATE_BACK_EQ),
    Mistake("gate_backward.dW_transposed", FILE, "\n    dW = x.T @ dz", "\n    dW = dz.T @ x",
            "your dW is dz.T @ x, shape (H, D); a gradient has its parameter's shape: dW = x.T @ dz, (D, H)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dU_transposed", FILE, "\n    dU = h_prev.T @ dz", "\n    dU = dz.T @ h_prev",
            "your dU is transposed: dU = h_prev.T @ dz (both are (H, H), so only the values show it)",
            GATE_BACK_EQ),
]

CELL_BACKWARD_EQ = "dc_total = dc + dh * o * (1 - tanh(c)**2); then cell update, each gate, gate_backward"
CELL_BACKWARD_MISTAKES = [
    Mistake("lstm_cell_backward.forgets_dc_through_h", FILE, "dc_total = dc + dc_from_h", "dc_total = dc",
            "your lstm_cell_backward leaves out the dc that arrives through h = o * tanh(c); add it to the "
            "upstream dc", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.ignores_upstream_dc", FILE, "dc_total = dc + dc_from_h", "dc_total = dc_from_h",
            "your lstm_cell_backward drops the upstream dc (from the next step); add it to the dc that "
            "arrives through h", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.output_gate_through_tanh", FILE, '"o": sigmoid_backward(do, o)',
            '"o": tanh_backward(do, o)',
            "your lstm_cell_backward differentiates the output gate as a tanh; o is a sigmoid, so use "
            "sigmoid_backward", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.candidate_through_sigmoid", FILE, '"g": tanh_backward(dg, g)',
            '"g": sigmoid_backward(dg, g)',
            "your lstm_cell_backward differentiates the candidate as a sigmoid; g is a tanh, so use "
            "tanh_backward", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dx_overwritten", FILE, "dx += dx_k", "dx = dx_k",
            "your dx keeps only the last gate's contribution; x feeds all four gates, so add them up",
            CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dh_prev_overwritten", FILE, "dh_prev += dh_k", "dh_prev = dh_k",
            "your dh_prev keeps only the last gate's contribution; h_prev feeds all four gates, so add them up",
            CELL_BACKWARD_EQ),
]


SIGMOID_BACKWARD = Part(
    "sigmoid_backward", "backward", 4, ("ds", "s"), ("dz",),
    activation_backward_cases("sigmoid_backward", stable_sigmoid),
    "Use the output: d sigmoid/dz = s * (1 - s), times the upstream ds.",
    check_backward, FILE, forward=SIGMOID, numerical=activation_numerical,
    mistakes=tuple(SIGMOID_BACKWARD_MISTAKES))
TANH_BACKWARD = Part(
    "tanh_backward", "backward", 4, ("dt", "t"), ("dz",), activation_backward_cases("tanh_backward", np.tanh),
    "Use the output: d tanh/dz = 1 - t**2, times the upstream dt.",
    check_backward, FILE, local_forward=np.tanh, local_forward_label="forward np.tanh",
    numerical=activation_numerical, mistakes=tuple(TANH_BACKWARD_MISTAKES))
HIDDEN_STATE_BACKWARD = Part(
    "hidden_state_backward", "backward", 6, ("dh", "c", "o"), ("dc", "do"), hidden_state_backward_cases,
    "h = o * tanh(c): do = dh * tanh(c), and dc = dh * o * (1 - tanh(c)**2).",
    check_backward, FILE, forward=HIDDEN_STATE, numerical=hidden_state_numerical, calls=(TANH_BACKWARD,),
    mistakes=tuple(HIDDEN_STATE_BACKWARD_MISTAKES))
CELL_UPDATE_BACKWARD = Part(
    "cell_update_backward", "backward", 6, ("dc", "c_prev", "f", "i", "g"), ("dc_prev", "df", "di", "dg"),
    cell_update_backward_cases,
    "c = f * c_prev + i * g is a sum of products: each factor's gradient is dc times the other factor.",
    check_backward, FILE, forward=CELL_UPDATE, numerical=cell_update_numerical,
    mistakes=tuple(CELL_UPDATE_BACKWARD_MISTAKES))
GATE_BACKWARD = Part(
    "gate_backward", "backward", 8, ("dz", "x", "h_prev", "W", "U"), ("dx", "dh_prev", "dW", "dU", "db"),
    gate_backward_cases,
    "For z = x W + h_prev U + b: dx = dz W^T, dW = x^T dz, and db sums dz over the batch.",
    check_backward, FILE, local_forward=affine, local_forward_label="forward z = x W + h_prev U + b",
    numerical=gate_numerical, mistakes=tuple(GATE_BACKWARD_MISTAKES))
LSTM_CELL_BACKWARD = Part(
    "lstm_cell_backward", "backward", 12, ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads"),
    cell_backward_cases,
    "Add the dc that arrives through h to the upstream dc, then go back through the cell update and each gate.",
    check_backward, FILE, forward=LSTM_CELL_FORWARD, cache_from=LSTM_CELL_FORWARD, numerical=cell_numerical,
    grad_keys=PARAM_NAMES,
    calls=(HIDDEN_STATE_BACKWARD, CELL_UPDATE_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD, GATE_BACKWARD),
    mistakes=tuple(CELL_BACKWARD_MISTAKES))

PARTS: tuple[Part, ...] = (SIGMOID_BACKWARD, TANH_BACKWARD, HIDDEN_STATE_BACKWARD, CELL_UPDATE_BACKWARD,
                           GATE_BACKWARD, LSTM_CELL_BACKWARD)
