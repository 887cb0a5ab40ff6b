"""The LSTM cell forward, one piece at a time: sigmoid, the four gates, the cell update,
the hidden state and the whole step (exercises/part1_cell_forward.py).

    f = sigmoid(x W_f + h_prev U_f + b_f)    i, o alike;  g = tanh(x W_g + h_prev U_g + b_g)
    c = f * c_prev + i * g                   h = o * tanh(c)

Each part here is declared once: its cases, its checker, the parts it calls and
the mistakes students make in it.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from grader.engine.check_values import check_values
from grader.engine.parts import Case, Part
from grader.lstm.cases import cell_cases, elementwise_cases, extreme_cell_state_case, stable_sigmoid
from grader.lstm.localise import localise_forward
from grader.lstm.mistakes import mistakes_of

FILE = "part1_cell_forward.py"

GATE_SYMBOL = {"forget_gate": "f", "input_gate": "i", "candidate": "g", "output_gate": "o"}


def sigmoid_cases(seed: int) -> list[Case]:
    found = [Case(label, tuple(arrays)) for label, arrays, _ in elementwise_cases(seed, "sigmoid", 1)]
    big = np.array([[-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]])
    return found + [Case("extremes |z| up to 1e4 (public)", (big,))]


def gate_cases(gate: str) -> Callable[[int], list[Case]]:
    def make(seed: int) -> list[Case]:
        found = []
        for case in cell_cases(seed, gate, extreme=True):
            params = case["params"]
            key = GATE_SYMBOL[gate]
            found.append(Case(case["label"], (case["x"], case["h_prev"], params["W_" + key],
                                              params["U_" + key], params["b_" + key])))
        return found
    return make


def cell_update_cases(seed: int) -> list[Case]:
    found = []
    for label, (c_prev, f, i, g), _ in elementwise_cases(seed, "cell_update", 4, extreme=False):
        found.append(Case(label, (c_prev, stable_sigmoid(f), stable_sigmoid(i), np.tanh(g))))
    return found


def hidden_state_cases(seed: int) -> list[Case]:
    found = [Case(label, (3.0 * c, stable_sigmoid(o)))
             for label, (c, o), _ in elementwise_cases(seed, "hidden_state", 2)]
    label, (c, o) = extreme_cell_state_case(seed, "hidden_state", 2)
    return found + [Case(label, (c, stable_sigmoid(o)))]


def cell_forward_cases(seed: int) -> list[Case]:
    return [Case(case["label"], (case["x"], case["h_prev"], case["c_prev"], case["params"]))
            for case in cell_cases(seed, "lstm_cell_forward", extreme=True)]


def gate_part(name: str, symbol: str, hint: str) -> Part:
    return Part(name, "forward", 4, ("x", "h_prev", f"W_{symbol}", f"U_{symbol}", f"b_{symbol}"),
                (symbol,), gate_cases(name), hint, check_values, FILE, calls=(SIGMOID,), mistakes=mistakes_of(name))


SIGMOID = Part(
    "sigmoid", "forward", 3, ("z",), ("s",), sigmoid_cases,
    "sigmoid(z) = 1 / (1 + exp(-z)); for z < 0 use exp(z) / (1 + exp(z)) so exp never overflows.",
    check_values, FILE, mistakes=mistakes_of("sigmoid"),
    warning_rule="the contract asks for a stable sigmoid: no overflow warning for |z| up to 1e4; "
                 "compute exp only of non-positive numbers")
FORGET_GATE = gate_part(
    "forget_gate", "f",
    "A gate is a sigmoid of an affine map of x and h_prev: f = sigmoid(x @ W_f + h_prev @ U_f + b_f).")
INPUT_GATE = gate_part(
    "input_gate", "i",
    "The input gate has the same form as the forget gate, with its own weights W_i, U_i, b_i.")
CANDIDATE = gate_part(
    "candidate", "g",
    "The candidate is not a gate: it uses tanh, so its values lie in (-1, 1).")
OUTPUT_GATE = gate_part(
    "output_gate", "o",
    "The output gate is a sigmoid like the forget and input gates, with W_o, U_o, b_o.")
CELL_UPDATE = Part(
    "cell_update", "forward", 4, ("c_prev", "f", "i", "g"), ("c",), cell_update_cases,
    "Keep part of the old cell and write part of the candidate: c = f * c_prev + i * g.",
    check_values, FILE, mistakes=mistakes_of("cell_update"))
HIDDEN_STATE = Part(
    "hidden_state", "forward", 4, ("c", "o"), ("h",), hidden_state_cases,
    "Squash the new cell with tanh, then gate it: h = o * tanh(c).",
    check_values, FILE, mistakes=mistakes_of("hidden_state"))
LSTM_CELL_FORWARD = Part(
    "lstm_cell_forward", "forward", 8, ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache"),
    cell_forward_cases,
    "Compute f, i, g, o from (x, h_prev), then c from c_prev, then h from c; return (h, c, cache).",
    check_values, FILE, calls=(FORGET_GATE, INPUT_GATE, CANDIDATE, OUTPUT_GATE, CELL_UPDATE, HIDDEN_STATE),
    mistakes=mistakes_of("lstm_cell_forward"), localise=localise_forward)

PARTS: tuple[Part, ...] = (SIGMOID, FORGET_GATE, INPUT_GATE, CANDIDATE, OUTPUT_GATE, CELL_UPDATE, HIDDEN_STATE,
                           LSTM_CELL_FORWARD)
