"""Bonus parts ("Beyond the core" in the contract), graded in their own group.

Twenty points in all: the peephole cell (forward 3, backward 5), the memory
cell set by hand (4), gradient norms through time (3) and the forecasting
capstone (5). The peephole parts reuse the core checkers; the memory cell and
the capstone have their own (grader.lstm.memory_cell, grader.lstm.forecast).
"""
from __future__ import annotations

import numpy as np

from grader.lstm import cases as C
from grader.lstm.memory_cell import check_memory_cell
from grader.lstm.cases import Case
from grader.lstm.forecast import check_forecast, forecast_cases
from grader.lstm.registry import NumericalSetup, Part, step_backward_cases

PEEPHOLES = ("p_f", "p_i", "p_o")
PEEPHOLE_PARAM_NAMES = C.PARAM_NAMES + PEEPHOLES


def with_peepholes(params: dict[str, np.ndarray], rng: np.random.Generator | None,
                   scale: float = 0.5) -> dict[str, np.ndarray]:
    """The 12 LSTM parameters plus p_f, p_i, p_o (H,): random, or fixed and distinct when rng is None."""
    H = params["b_f"].shape[0]
    extended = dict(params)
    for offset, name in enumerate(PEEPHOLES):
        if rng is None:
            extended[name] = scale * C.linspace_array((H,), 0.8 - 0.3 * offset, -0.6 + 0.2 * offset)
        else:
            extended[name] = scale * rng.standard_normal(H)
    return extended


def peephole_step_cases(seed: int, part_name: str) -> list[dict]:
    """The core cell cases, each with peephole weights added (zero in the all-zero case)."""
    rng = C.part_rng(seed, part_name + ":peepholes")
    found = []
    for case in C.cell_cases(seed, part_name):
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


def gradient_norms_cases(seed: int) -> list[Case]:
    """The core sequence cases, plus long sequences where the gradient has to travel far."""
    found = [Case(case["label"], (case["x"], case["h0"], case["c0"], case["params"]))
             for case in C.sequence_cases(seed, "gradient_norms")]
    rng = C.part_rng(seed, "gradient_norms:long")
    N, T, D, H = 2, 30, 3, 4
    for forget_bias in (0.0, 3.0):
        params = C.make_params(rng, D, H, scale=0.5)
        params["b_f"] = params["b_f"] + forget_bias
        found.append(Case(f"long N={N} T={T} D={D} H={H} b_f+{forget_bias:g} (seed {seed})",
                          (rng.standard_normal((N, T, D)), np.zeros((N, H)), np.zeros((N, H)), params)))
    return found


def memory_cell_cases(seed: int) -> list[Case]:
    return [Case("memory_cell_params()", ())]


BONUS_PARTS: tuple[Part, ...] = (
    Part("peephole_cell_forward", "bonus", 3, ("x", "h_prev", "c_prev", "params"), ("h", "c", "cache"),
         peephole_forward_cases,
         "f and i add p_f * c_prev and p_i * c_prev inside their sigmoid; o is computed after the cell "
         "update and adds p_o * c, the NEW cell.",
         topic="part4_peephole"),
    Part("peephole_cell_backward", "bonus", 5, ("dh", "dc", "cache"), ("dx", "dh_prev", "dc_prev", "grads"),
         peephole_backward_cases,
         "c reaches the loss through tanh(c) and through o's peephole, so dc gets dz_o * p_o too; c_prev "
         "reaches c through f * c_prev and through the f and i peepholes.",
         checker="backward", forward="peephole_cell_forward", cache_from="peephole_cell_forward",
         numerical=peephole_numerical, topic="part4_peephole", extra={"grad_keys": PEEPHOLE_PARAM_NAMES}),
    Part("memory_cell_params", "bonus", 4, (), ("params",), memory_cell_cases,
         "Make each gate a switch driven by one input: i opens only when write = 1, f closes only when "
         "write = 1, o opens only when read = 1, and g follows value; weights of about 20 saturate a sigmoid.",
         checker=check_memory_cell, topic="part5_memory_cell"),
    Part("gradient_norms", "bonus", 3, ("x", "h0", "c0", "params"), ("norms",), gradient_norms_cases,
         "Run your lstm_forward, set dh to zero except dh[:, -1] = 1, run your lstm_backward, and take "
         "the norm of dx[:, t] over the batch and the input features for each t.",
         topic="part6_gradient_flow"),
    Part("forecast", "bonus", 5, ("model", "x"), ("y_hat",), forecast_cases,
         "Train on windows of the series: your lstm_forward, a linear read-out of h[:, -1], the MSE and its "
         "gradient through the read-out into your lstm_backward, clipping, then Adam; forecast must use "
         "the same read-out of the last hidden state.",
         checker=check_forecast, topic="part7_forecast"),
)
