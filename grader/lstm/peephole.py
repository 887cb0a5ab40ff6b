"""The peephole LSTM (bonus): the gates also look at the cell (exercises/part4_peephole.py).

    f = sigmoid(... + p_f * c_prev)   i = sigmoid(... + p_i * c_prev)
    c = f * c_prev + i * g            o = sigmoid(... + p_o * c)      h = o * tanh(c)
"""
from __future__ import annotations

import numpy as np

from grader.engine.check_backward import check_backward
from grader.engine.check_values import check_values
from grader.engine.parts import Case, NumericalSetup, Part
from grader.lstm.core_backward import GATE_BACKWARD, SIGMOID_BACKWARD, TANH_BACKWARD
from grader.lstm.core_forward import SIGMOID
from grader.lstm.cases import PARAM_NAMES, cell_cases, linspace_array, part_rng, step_backward_cases
from grader.lstm.mistakes import mistakes_of

FILE = "part4_peephole.py"
PEEPHOLES = ("p_f", "p_i", "p_o")
PEEPHOLE_PARAM_NAMES = PARAM_NAMES + PEEPHOLES


def with_peepholes(params: dict[str, np.ndarray], rng: np.random.Generator | None,
                   scale: float = 0.5) -> dict[str, np.ndarray]:
    """The 12 LSTM parameters plus p_f, p_i, p_o (H,): random, or fixed and distinct when rng is None."""
    H = params["b_f"].shape[0]
    extended = dict(params)
    for offset, name in enumerate(PEEPHOLES):
        if rng is None:
            extended[name] = scale * linspace_array((H,), 0.8 - 0.3 * offset, -0.6 + 0.2 * offset)
        else:
            extended[name] = scale * rng.standard_normal(H)
    return extended


def peephole_step_cases(seed: int, part_name: str) -> list[dict]:
    """The core cell cases, each with peephole weights added (zero in the all-zero case)."""
    rng = part_rng(seed, part_name + ":peepholes")
    found = []
    for case in cell_cases(seed, part_name):
        params = case["params"]
        if case["label"].startswith("zeros"):
            extended = {**params, **{name: np.zeros_like(params["b_f"]) for name in PEEPHOLES}}
        elif "(public)" in case["label"]:
            extended = with_peepholes(params, None)
        else:
            scale = 12.0 if case["label"].startswith("saturated") else 0.5
            extended = with_peepholes(params, rng, scale)
        found.append({**case, "params": extended})
    return found


def peephole_forward_cases(seed: int) -> list[Case]:
    return [Case(case["label"], (case["x"], case["h_prev"], case["c_prev"], case["params"]))
            for case in peephole_step_cases(seed, "peephole_cell_forward")]


def peephole_backward_cases(seed: int) -> list[Case]:
    return step_backward_cases(seed, "peephole_cell_backward", peephole_step_cases(seed, "peephole_cell_backward"))


def peephole_numerical(case: Case) -> NumericalSetup:
    dh, dc = case.args
    targets = (("dx", 0, None, False), ("dh_prev", 1, None, False), ("dc_prev", 2, None, False))
    params = tuple(("d" + name, 3, name, False) for name in PEEPHOLE_PARAM_NAMES)
    return NumericalSetup(case.extra["forward_args"], ((0, dh), (1, dc)), targets + params)




PEEPHOLE_CELL_FORWARD = Part(
    "peephole_cell_forward", "bonus", 3, ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache"),
    peephole_forward_cases,
    "f and i add p_f * c_prev and p_i * c_prev inside their sigmoid; o is computed after the cell "
    "update and adds p_o * c, the NEW cell.",
    check_values, FILE, calls=(SIGMOID,), mistakes=mistakes_of("peephole_cell_forward"))
PEEPHOLE_CELL_BACKWARD = Part(
    "peephole_cell_backward", "bonus", 5, ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads"),
    peephole_backward_cases,
    "c reaches the loss through tanh(c) and through o's peephole, so dc gets dz_o * p_o too; c_prev "
    "reaches c through f * c_prev and through the f and i peepholes.",
    check_backward, FILE, forward=PEEPHOLE_CELL_FORWARD, cache_from=PEEPHOLE_CELL_FORWARD,
    numerical=peephole_numerical, grad_keys=PEEPHOLE_PARAM_NAMES,
    calls=(SIGMOID_BACKWARD, TANH_BACKWARD, GATE_BACKWARD), mistakes=mistakes_of("peephole_cell_backward"))
