"""The package's own vanilla tanh RNN, the baseline of the gradient-flow picture.

    h_t = tanh(x_t @ W + h_{t-1} @ U + b)

With the loss L = sum(h at the last step), the RNN's gradient is multiplied,
once per step back, by U.T and the tanh derivative 1 - h**2,

    dh_{t-1} = (dh_t * (1 - h_t**2)) @ U.T

so its norm shrinks (or explodes) geometrically with the distance. The LSTM's
cell path replaces that product with the forget gate alone.
"""
from __future__ import annotations

import numpy as np


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
