"""The grader's own LSTM forward, for checks that run the student's weights.

Two checks feed the student's numbers, not the grader's cases, through a
model: the memory cell (the student's hand-set weights) and the forecasting
capstone (the student's trained weights). Public test vectors can only replay
calls fixed in advance, so those checks use this module instead of the
reference solutions. tests/test_bonus.py keeps it equal to the reference.

    f, i, o = sigmoid(...), g = tanh(...), c = f * c_prev + i * g, h = o * tanh(c)

It is an LSTM forward, so the student release leaves it out (grader.instructor.release);
there grader.lstm.forward_choice runs the student's own lstm_forward instead.
"""
from __future__ import annotations

import numpy as np

from grader.lstm.cases import stable_sigmoid


def lstm_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray, params: dict[str, np.ndarray]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Hidden and cell states after every step, each (N, T, H), for x of shape (N, T, D)."""
    N, T, _ = x.shape
    H = h0.shape[1]
    h, c = np.zeros((N, T, H)), np.zeros((N, T, H))
    h_t, c_t = h0, c0
    p = params
    for t in range(T):
        x_t = x[:, t]
        f = stable_sigmoid(x_t @ p["W_f"] + h_t @ p["U_f"] + p["b_f"])
        i = stable_sigmoid(x_t @ p["W_i"] + h_t @ p["U_i"] + p["b_i"])
        g = np.tanh(x_t @ p["W_g"] + h_t @ p["U_g"] + p["b_g"])
        o = stable_sigmoid(x_t @ p["W_o"] + h_t @ p["U_o"] + p["b_o"])
        c_t = f * c_t + i * g
        h_t = o * np.tanh(c_t)
        h[:, t], c[:, t] = h_t, c_t
    return h, c
