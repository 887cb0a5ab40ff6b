"""The LSTM over a whole sequence: the forward loop through time and backpropagation
through time (exercises/part3_sequence.py).

    for t in 0..T-1:   h_t, c_t = lstm_cell_forward(x_t, h_(t-1), c_(t-1))
    for t = T-1 .. 0:  the cell backward with dh[:, t] + dh_next and dc_next; grads add up
"""
from __future__ import annotations

from grader.engine.check_backward import check_backward
from grader.engine.check_values import check_values
from grader.engine.parts import Case, NumericalSetup, Part
from grader.lstm.core_backward import LSTM_CELL_BACKWARD
from grader.lstm.core_forward import LSTM_CELL_FORWARD
from grader.lstm.cases import PARAM_NAMES, param_targets, part_rng, sequence_cases
from grader.lstm.localise import localise_forward
from grader.lstm.mistakes import mistakes_of

FILE = "part3_sequence.py"

def sequence_forward_cases(seed: int) -> list[Case]:
    return [Case(case["label"], (case["x"], case["h0"], case["c0"], case["params"]))
            for case in sequence_cases(seed, "lstm_forward", extreme=True)]


def sequence_backward_cases(seed: int) -> list[Case]:
    rng = part_rng(seed, "lstm_backward:upstream")
    found = []
    for case in sequence_cases(seed, "lstm_backward", extreme=True):
        forward_args = (case["x"], case["h0"], case["c0"], case["params"])
        N, T = case["x"].shape[:2]
        H = case["h0"].shape[1]
        found.append(Case(case["label"], (rng.standard_normal((N, T, H)),), {"forward_args": forward_args},
                          case.get("gradient_check", False)))
    return found


def sequence_numerical(case: Case) -> NumericalSetup:
    (dh,) = case.args
    targets = (("dx", 0, None, False), ("dh0", 1, None, False), ("dc0", 2, None, False))
    return NumericalSetup(case.extra["forward_args"], ((0, dh),), targets + param_targets(3))




LSTM_FORWARD = Part(
    "lstm_forward", "forward", 10, ("x", "h0", "c0", "params"), ("h", "c", "cache"), sequence_forward_cases,
    "Loop t = 0..T-1 over x[:, t], feeding each step's h and c into the next; store every step's states.",
    check_values, FILE, calls=(LSTM_CELL_FORWARD,), mistakes=mistakes_of("lstm_forward"),
    localise=localise_forward)
LSTM_BACKWARD = Part(
    "lstm_backward", "backward", 15, ("dh", "cache"), ("dx", "dh0", "dc0", "grads"), sequence_backward_cases,
    "Walk t from T-1 down to 0; carry dh and dc back to the previous step and add up the parameter gradients.",
    check_backward, FILE, forward=LSTM_FORWARD, cache_from=LSTM_FORWARD, numerical=sequence_numerical,
    grad_keys=PARAM_NAMES, calls=(LSTM_CELL_BACKWARD,), mistakes=mistakes_of("lstm_backward"))
