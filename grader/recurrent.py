"""The grader's own recurrent nets, for checks and pictures that need a trusted model.

Two checks feed the student's numbers, not the grader's cases, through a
model: the memory cell (the student's hand-set weights) and the forecasting
capstone (the student's trained weights). Public test vectors can only replay
calls fixed in advance, so those checks use this module instead of the
reference solutions. tests/test_bonus.py keeps it equal to the reference.

    LSTM   f, i, o = sigmoid(...), g = tanh(...), c = f * c_prev + i * g, h = o * tanh(c)
    RNN    h_t = tanh(x_t @ W + h_{t-1} @ U + b)

With the loss L = sum(h at the last step), the RNN's gradient is multiplied,
once per step back, by U.T and the tanh derivative 1 - h**2,

    dh_{t-1} = (dh_t * (1 - h_t**2)) @ U.T

so its norm shrinks (or explodes) geometrically with the distance. The LSTM's
cell path replaces that product with the forget gate alone.
"""
from __future__ import annotations

import numpy as np

from grader.registry import stable_sigmoid


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


def forecast(model: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The capstone's model: an LSTM from zero states, then y_hat = h[:, -1] @ W_y + b_y, shape (N, 1)."""
    N = x.shape[0]
    H = model["U_f"].shape[0]
    h, _ = lstm_forward(x, np.zeros((N, H)), np.zeros((N, H)), model)
    return h[:, -1] @ model["W_y"] + model["b_y"]


def rnn_params(rng: np.random.Generator, D: int, H: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """W (D, H), U (H, H), b (H,): N(0, 1) * scale / sqrt(fan-in)."""
    return {
        "W": scale * rng.standard_normal((D, H)) / np.sqrt(D),
        "U": scale * rng.standard_normal((H, H)) / np.sqrt(H),
        "b": np.zeros(H),
    }


def rnn_forward(x: np.ndarray, h0: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """Hidden states after every step, shape (N, T, H), for x of shape (N, T, D)."""
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    h_t = h0
    for t in range(T):
        h_t = np.tanh(x[:, t] @ params["W"] + h_t @ params["U"] + params["b"])
        h[:, t] = h_t
    return h


def rnn_gradient_norms(x: np.ndarray, h0: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """norms[t] = ||dL/dx[:, t]|| for L = sum(h[:, T-1]), the RNN twin of `gradient_norms`."""
    h = rnn_forward(x, h0, params)
    T = x.shape[1]
    norms = np.zeros(T)
    dh = np.ones_like(h0)
    for t in reversed(range(T)):
        # back through tanh, then split between this step's input and the previous state
        dz = dh * (1.0 - h[:, t] ** 2)
        norms[t] = np.linalg.norm(dz @ params["W"].T)
        dh = dz @ params["U"].T
    return norms
