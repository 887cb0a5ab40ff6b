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
from grader.engine.parts import Case, Mistake, Part
from grader.lstm.cases import cell_cases, elementwise_cases, stable_sigmoid

FILE = "part1_cell_forward.py"

GATE_SYMBOL = {"forget_gate": "f", "input_gate": "i", "candidate": "g", "output_gate": "o"}


def sigmoid_cases(seed: int) -> list[Case]:
    found = [Case(label, tuple(arrays)) for label, arrays, _ in elementwise_cases(seed, "sigmoid", 1)]
    big = np.array([[-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4]])
    return found + [Case("extremes |z| up to 1e4 (public)", (big,))]


def gate_cases(gate: str) -> Callable[[int], list[Case]]:
    def make(seed: int) -> list[Case]:
        found = []
        for case in cell_cases(seed, gate):
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
    return [Case(label, (3.0 * c, stable_sigmoid(o)))
            for label, (c, o), _ in elementwise_cases(seed, "hidden_state", 2)]


def cell_forward_cases(seed: int) -> list[Case]:
    return [Case(case["label"], (case["x"], case["h_prev"], case["c_prev"], case["params"]))
            for case in cell_cases(seed, "lstm_cell_forward")]


def gate_mistakes(part: str, k: str, activation: str) -> list[Mistake]:
    """The mistakes every gate invites; `activation` is "sigmoid" (f, i, o) or "tanh" (g)."""
    call = "np.tanh" if activation == "tanh" else "sigmoid"
    right = f"{call}(x @ W_{k} + h_prev @ U_{k} + b_{k})"
    equation = f"{k} = {activation}(x @ W_{k} + h_prev @ U_{k} + b_{k})"
    name = {"f": "forget gate", "i": "input gate", "g": "candidate", "o": "output gate"}[k]
    other = "np.tanh" if activation == "sigmoid" else "sigmoid"
    wrong_activation = (
        (f"{part}.tanh_instead_of_sigmoid",
         f"your {name} uses tanh; a gate decides how much to let through, so it uses sigmoid and lies in (0, 1)")
        if activation == "sigmoid" else
        (f"{part}.sigmoid_instead_of_tanh",
         "your candidate uses sigmoid; the candidate is new content that can be negative, so it uses tanh "
         "and lies in (-1, 1)"))

    tail = f"\n    return {k}"  # the docstrings repeat the equation; the return line makes it unique

    def entry(mistake: str, new: str, explanation: str) -> Mistake:
        return Mistake(f"{part}.{mistake}", FILE, right + tail, new + tail, explanation, equation)

    return [
        entry(wrong_activation[0].split(".", 1)[1], right.replace(call, other, 1), wrong_activation[1]),
        entry("no_activation", f"(x @ W_{k} + h_prev @ U_{k} + b_{k})",
              f"your {name} returns the pre-activation z itself; apply {activation} to it"),
        entry("W_and_U_swapped", f"{call}(x @ U_{k} + h_prev @ W_{k} + b_{k})",
              f"your {name} multiplies x by U_{k} and h_prev by W_{k}; W_{k} (D, H) belongs to x and "
              f"U_{k} (H, H) to h_prev"),
        Mistake(f"{part}.U_transposed", FILE, right + tail, f"{call}(x @ W_{k} + h_prev @ U_{k}.T + b_{k})" + tail,
                f"your {name} uses U_{k} transposed; with rows as examples the recurrent term is h_prev @ U_{k}, "
                f"not U_{k} @ h_prev.T", equation, aliases=(f"{part}.h_prev_transposed_product",)),
        entry("missing_bias", f"{call}(x @ W_{k} + h_prev @ U_{k})",
              f"your {name} leaves out the bias b_{k}"),
        entry("missing_recurrent_term", f"{call}(x @ W_{k} + b_{k})",
              f"your {name} leaves out h_prev @ U_{k}, so it never sees the previous hidden state"),
        entry("missing_input_term", f"{call}(h_prev @ U_{k} + b_{k})",
              f"your {name} leaves out x @ W_{k}, so it never sees the input"),
    ]


SIGMOID_EQ = "sigmoid(z) = 1 / (1 + exp(-z)), or exp(z) / (1 + exp(z)) where z < 0"
STABLE = "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"
SIGMOID_BODY = "e = np.exp(-np.abs(z))\n    s = " + STABLE

SIGMOID_MISTAKES = [
    Mistake("sigmoid.missing_minus_sign", FILE, "z = np.asarray(z, dtype=np.float64)",
            "z = -np.asarray(z, dtype=np.float64)",
            "your sigmoid computes sigmoid(-z) = 1 / (1 + exp(z)): the minus sign in exp(-z) is missing, or the "
            "two stable formulas are swapped (1 / (1 + exp(-z)) is the one for z >= 0)",
            SIGMOID_EQ, aliases=("sigmoid.branches_swapped",)),
    Mistake("sigmoid.exp_ratio_overflows", FILE, SIGMOID_BODY, "s = np.exp(z) / (1.0 + np.exp(z))",
            "your sigmoid computes exp(z) / (1 + exp(z)) everywhere; exp(z) overflows to inf for large z "
            "and inf / inf is NaN, so use 1 / (1 + exp(-z)) where z >= 0", SIGMOID_EQ),
    Mistake("sigmoid.unstable_overflow_warning", FILE, SIGMOID_BODY, "s = 1.0 / (1.0 + np.exp(-z))",
            "your sigmoid computes 1 / (1 + exp(-z)) everywhere; the values are right, but exp(-z) overflows "
            "for z below about -710, so use exp(z) / (1 + exp(z)) where z < 0", SIGMOID_EQ),
    Mistake("sigmoid.only_negative_branch", FILE, STABLE, "e / (1.0 + e)",
            "your sigmoid uses exp(-|z|) / (1 + exp(-|z|)) for every z, which is right only for z < 0; "
            "for z >= 0 use 1 / (1 + exp(-|z|))", SIGMOID_EQ),
    Mistake("sigmoid.only_positive_branch", FILE, STABLE, "1.0 / (1.0 + e)",
            "your sigmoid uses 1 / (1 + exp(-|z|)) for every z, which is right only for z >= 0; "
            "for z < 0 use exp(-|z|) / (1 + exp(-|z|))", SIGMOID_EQ),
]

CELL_EQ = "c = f * c_prev + i * g"
CELL_RIGHT = "c = f * c_prev + i * g\n    return c"
CELL_UPDATE_MISTAKES = [
    Mistake("cell_update.without_input_gate", FILE, CELL_RIGHT, "c = f * c_prev + g\n    return c",
            "your cell update writes the whole candidate g; the input gate decides how much of it to write: "
            "i * g", CELL_EQ),
    Mistake("cell_update.without_forget_gate", FILE, CELL_RIGHT, "c = c_prev + i * g\n    return c",
            "your cell update keeps all of c_prev; the forget gate decides how much to keep: f * c_prev",
            CELL_EQ),
    Mistake("cell_update.f_and_i_swapped", FILE, CELL_RIGHT, "c = i * c_prev + f * g\n    return c",
            "your cell update has the forget and input gates swapped: f scales the old cell c_prev, "
            "i scales the candidate g", CELL_EQ),
    Mistake("cell_update.coupled_gates", FILE, CELL_RIGHT, "c = f * c_prev + (1 - f) * g\n    return c",
            "your cell update writes (1 - f) * g, a GRU-style coupled gate; the LSTM has its own input "
            "gate: i * g", CELL_EQ),
    Mistake("cell_update.one_minus_forget", FILE, CELL_RIGHT, "c = (1 - f) * c_prev + i * g\n    return c",
            "your cell update keeps (1 - f) * c_prev; f is how much to keep, not how much to forget, "
            "so it is f * c_prev", CELL_EQ),
]

HIDDEN_EQ = "h = o * tanh(c)"
HIDDEN_STATE_MISTAKES = [
    Mistake("hidden_state.no_tanh", FILE, "h = o * np.tanh(c)", "h = o * c",
            "your hidden state is o * c; squash the cell first: h = o * tanh(c)", HIDDEN_EQ),
    Mistake("hidden_state.tanh_outside", FILE, "h = o * np.tanh(c)", "h = np.tanh(o * c)",
            "your hidden state is tanh(o * c); the output gate multiplies the squashed cell: o * tanh(c)",
            HIDDEN_EQ),
    Mistake("hidden_state.sigmoid_instead_of_tanh", FILE, "h = o * np.tanh(c)", "h = o / (1.0 + np.exp(-c))",
            "your hidden state squashes the cell with sigmoid; it uses tanh, so h can be negative", HIDDEN_EQ),
    Mistake("hidden_state.without_output_gate", FILE, "h = o * np.tanh(c)", "h = np.tanh(c)",
            "your hidden state leaves out the output gate: h = o * tanh(c)", HIDDEN_EQ),
]

STEP_EQ = "f, i, g, o from (x, h_prev); c = f * c_prev + i * g; h = o * tanh(c)"
CELL_FORWARD_MISTAKES = [
    Mistake("lstm_cell_forward.input_gate_with_forget_weights", FILE,
            'i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])',
            'i = input_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
            "your lstm_cell_forward computes the input gate with the forget gate's weights (W_f, U_f, b_f); "
            "each gate has its own: W_i, U_i, b_i", STEP_EQ),
    Mistake("lstm_cell_forward.output_gate_with_forget_weights", FILE,
            'o = output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"])',
            'o = output_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
            "your lstm_cell_forward computes the output gate with the forget gate's weights (W_f, U_f, b_f); "
            "each gate has its own: W_o, U_o, b_o", STEP_EQ),
    Mistake("lstm_cell_forward.h_from_c_prev", FILE, "h = hidden_state(c, o)", "h = hidden_state(c_prev, o)",
            "your lstm_cell_forward computes h from the old cell c_prev; h reads the new cell: h = o * tanh(c)",
            STEP_EQ),
    Mistake("lstm_cell_forward.returns_c_then_h", FILE, "    return h, c, cache\n", "    return c, h, cache\n",
            "your lstm_cell_forward returns (c, h, cache); the contract's order is (h, c, cache)", STEP_EQ),
    Mistake("lstm_cell_forward.cell_update_from_h_prev", FILE, "c = cell_update(c_prev, f, i, g)",
            "c = cell_update(h_prev, f, i, g)",
            "your lstm_cell_forward updates h_prev instead of the old cell: c = f * c_prev + i * g", STEP_EQ),
]



def gate_part(name: str, symbol: str, mistakes: list[Mistake], hint: str) -> Part:
    return Part(name, "forward", 4, ("x", "h_prev", f"W_{symbol}", f"U_{symbol}", f"b_{symbol}"),
                (symbol,), gate_cases(name), hint, check_values, FILE, calls=(SIGMOID,), mistakes=tuple(mistakes))


SIGMOID = Part(
    "sigmoid", "forward", 3, ("z",), ("s",), sigmoid_cases,
    "sigmoid(z) = 1 / (1 + exp(-z)); for z < 0 use exp(z) / (1 + exp(z)) so exp never overflows.",
    check_values, FILE, mistakes=tuple(SIGMOID_MISTAKES),
    warning_rule="the contract asks for a stable sigmoid: no overflow warning for |z| up to 1e4; "
                 "compute exp only of non-positive numbers")
FORGET_GATE = gate_part(
    "forget_gate", "f", gate_mistakes("forget_gate", "f", "sigmoid"),
    "A gate is a sigmoid of an affine map of x and h_prev: f = sigmoid(x @ W_f + h_prev @ U_f + b_f).")
INPUT_GATE = gate_part(
    "input_gate", "i", gate_mistakes("input_gate", "i", "sigmoid"),
    "The input gate has the same form as the forget gate, with its own weights W_i, U_i, b_i.")
CANDIDATE = gate_part(
    "candidate", "g", gate_mistakes("candidate", "g", "tanh"),
    "The candidate is not a gate: it uses tanh, so its values lie in (-1, 1).")
OUTPUT_GATE = gate_part(
    "output_gate", "o", gate_mistakes("output_gate", "o", "sigmoid"),
    "The output gate is a sigmoid like the forget and input gates, with W_o, U_o, b_o.")
CELL_UPDATE = Part(
    "cell_update", "forward", 4, ("c_prev", "f", "i", "g"), ("c",), cell_update_cases,
    "Keep part of the old cell and write part of the candidate: c = f * c_prev + i * g.",
    check_values, FILE, mistakes=tuple(CELL_UPDATE_MISTAKES))
HIDDEN_STATE = Part(
    "hidden_state", "forward", 4, ("c", "o"), ("h",), hidden_state_cases,
    "Squash the new cell with tanh, then gate it: h = o * tanh(c).",
    check_values, FILE, mistakes=tuple(HIDDEN_STATE_MISTAKES))
LSTM_CELL_FORWARD = Part(
    "lstm_cell_forward", "forward", 8, ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache"),
    cell_forward_cases,
    "Compute f, i, g, o from (x, h_prev), then c from c_prev, then h from c; return (h, c, cache).",
    check_values, FILE, calls=(FORGET_GATE, INPUT_GATE, CANDIDATE, OUTPUT_GATE, CELL_UPDATE, HIDDEN_STATE),
    mistakes=tuple(CELL_FORWARD_MISTAKES))

PARTS: tuple[Part, ...] = (SIGMOID, FORGET_GATE, INPUT_GATE, CANDIDATE, OUTPUT_GATE, CELL_UPDATE, HIDDEN_STATE,
                           LSTM_CELL_FORWARD)
