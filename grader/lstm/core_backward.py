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
from grader.engine.parts import Case, NumericalSetup, Part
from grader.lstm.mistakes import mistakes_of
from grader.lstm.core_forward import CELL_UPDATE, HIDDEN_STATE, LSTM_CELL_FORWARD, SIGMOID
from grader.lstm.cases import (PARAM_NAMES, cell_cases, elementwise_cases, extreme_cell_state_case, param_targets,
                               part_rng, stable_sigmoid, step_backward_cases)

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
    found = [Case(label, (dh, 2.0 * c, stable_sigmoid(o)), {}, gradient_check)
             for label, (dh, c, o), gradient_check in elementwise_cases(seed, "hidden_state_backward", 3)]
    label, (c, dh, o) = extreme_cell_state_case(seed, "hidden_state_backward", 3)
    return found + [Case(label, (dh, c, stable_sigmoid(o)))]


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
    return step_backward_cases(seed, "lstm_cell_backward", cell_cases(seed, "lstm_cell_backward", extreme=True))


def cell_numerical(case: Case) -> NumericalSetup:
    dh, dc = case.args
    targets = (("dx", 0, None, False), ("dh_prev", 1, None, False), ("dc_prev", 2, None, False))
    return NumericalSetup(case.extra["forward_args"], ((0, dh), (1, dc)), targets + param_targets(3))




SIGMOID_BACKWARD = Part(
    "sigmoid_backward", "backward", 4, ("ds", "s"), ("dz",),
    activation_backward_cases("sigmoid_backward", stable_sigmoid),
    "Use the output: d sigmoid/dz = s * (1 - s), times the upstream ds.",
    check_backward, FILE, forward=SIGMOID, numerical=activation_numerical,
    mistakes=mistakes_of("sigmoid_backward"))
TANH_BACKWARD = Part(
    "tanh_backward", "backward", 4, ("dt", "t"), ("dz",), activation_backward_cases("tanh_backward", np.tanh),
    "Use the output: d tanh/dz = 1 - t**2, times the upstream dt.",
    check_backward, FILE, local_forward=np.tanh, local_forward_label="forward np.tanh",
    numerical=activation_numerical, mistakes=mistakes_of("tanh_backward"))
HIDDEN_STATE_BACKWARD = Part(
    "hidden_state_backward", "backward", 6, ("dh", "c", "o"), ("dc", "do"), hidden_state_backward_cases,
    "h = o * tanh(c): do = dh * tanh(c), and dc = dh * o * (1 - tanh(c)**2).",
    check_backward, FILE, forward=HIDDEN_STATE, numerical=hidden_state_numerical, calls=(TANH_BACKWARD,),
    mistakes=mistakes_of("hidden_state_backward"))
CELL_UPDATE_BACKWARD = Part(
    "cell_update_backward", "backward", 6, ("dc", "c_prev", "f", "i", "g"), ("dc_prev", "df", "di", "dg"),
    cell_update_backward_cases,
    "c = f * c_prev + i * g is a sum of products: each factor's gradient is dc times the other factor.",
    check_backward, FILE, forward=CELL_UPDATE, numerical=cell_update_numerical,
    mistakes=mistakes_of("cell_update_backward"))
GATE_BACKWARD = Part(
    "gate_backward", "backward", 8, ("dz", "x", "h_prev", "W", "U"), ("dx", "dh_prev", "dW", "dU", "db"),
    gate_backward_cases,
    "For z = x W + h_prev U + b: dx = dz W^T, dW = x^T dz, and db sums dz over the batch.",
    check_backward, FILE, local_forward=affine, local_forward_label="forward z = x W + h_prev U + b",
    numerical=gate_numerical, mistakes=mistakes_of("gate_backward"))
LSTM_CELL_BACKWARD = Part(
    "lstm_cell_backward", "backward", 12, ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads"),
    cell_backward_cases,
    "Add the dc that arrives through h to the upstream dc, then go back through the cell update and each gate.",
    check_backward, FILE, forward=LSTM_CELL_FORWARD, cache_from=LSTM_CELL_FORWARD, numerical=cell_numerical,
    grad_keys=PARAM_NAMES,
    calls=(HIDDEN_STATE_BACKWARD, CELL_UPDATE_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD, GATE_BACKWARD),
    mistakes=mistakes_of("lstm_cell_backward"))

PARTS: tuple[Part, ...] = (SIGMOID_BACKWARD, TANH_BACKWARD, HIDDEN_STATE_BACKWARD, CELL_UPDATE_BACKWARD,
                           GATE_BACKWARD, LSTM_CELL_BACKWARD)
