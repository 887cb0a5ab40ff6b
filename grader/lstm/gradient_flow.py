"""Gradient norms through time (bonus): how far back the gradient of the last step
reaches, the LSTM's answer to vanishing gradients (exercises/part6_gradient_flow.py).

    dh = 0 except dh[:, -1] = 1;  norms[t] = || dx[:, t] ||
"""
from __future__ import annotations

import numpy as np

from grader.engine.check_values import check_values
from grader.engine.parts import Case, Part
from grader.lstm.sequence import LSTM_BACKWARD, LSTM_FORWARD
from grader.lstm.cases import make_params, part_rng, sequence_cases
from grader.lstm.mistakes import mistakes_of

FILE = "part6_gradient_flow.py"

def gradient_norms_cases(seed: int) -> list[Case]:
    """The core sequence cases, plus long sequences where the gradient has to travel far."""
    found = [Case(case["label"], (case["x"], case["h0"], case["c0"], case["params"]))
             for case in sequence_cases(seed, "gradient_norms")]
    rng = part_rng(seed, "gradient_norms:long")
    N, T, D, H = 2, 30, 3, 4
    for forget_bias in (0.0, 3.0):
        params = make_params(rng, D, H, scale=0.5)
        params["b_f"] = params["b_f"] + forget_bias
        found.append(Case(f"long N={N} T={T} D={D} H={H} b_f+{forget_bias:g} (seed {seed})",
                          (rng.standard_normal((N, T, D)), np.zeros((N, H)), np.zeros((N, H)), params)))
    return found




GRADIENT_NORMS = Part(
    "gradient_norms", "bonus", 3, ("x", "h0", "c0", "params"), ("norms",), gradient_norms_cases,
    "Run your lstm_forward, set dh to zero except dh[:, -1] = 1, run your lstm_backward, and take "
    "the norm of dx[:, t] over the batch and the input features for each t.",
    check_values, FILE, calls=(LSTM_FORWARD, LSTM_BACKWARD), mistakes=mistakes_of("gradient_norms"),
    # gradient_norms sends no upstream dc into the last step, so a cell backward that drops its
    # upstream dc computes exactly what a sequence backward that never carries dc computes
    unnamed_mistakes=frozenset({"lstm_cell_backward.ignores_upstream_dc", "lstm_backward.dc_not_carried"}))
