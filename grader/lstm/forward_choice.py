"""Which LSTM forward the parent trusts for the student's own weights.

The memory cell and the forecast run weights the student chose through an
LSTM. In a full install that is the grader's own forward (grader.lstm.numpy_lstm,
equal to the reference). A student release leaves any LSTM forward out, so
there the self-check runs the student's own lstm_forward, in the child like
every student function, and says so.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

Forward = Callable[[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray]]

STUDENT_FORWARD_NOTE = ("self-check: a student release holds no LSTM of the grader's, so these weights "
                        "ran through your own lstm_forward")


def grader_forward() -> Forward | None:
    try:
        from grader.lstm.numpy_lstm import lstm_forward
    except ImportError:  # a student release
        return None
    return lstm_forward


def trusted_lstm_forward(context: Any) -> tuple[Forward, str]:
    """A function (x, h0, c0, params) -> (h, c), each (N, T, H), and a note for the report ('' if none)."""
    forward = grader_forward()
    if forward is not None:
        return forward, ""

    def student_forward(x: np.ndarray, h0: np.ndarray, c0: np.ndarray,
                        params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        value, _ = context.call("lstm_forward", (x, h0, c0, params), ("x", "h0", "c0", "params"), keep=(2,))
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            raise TypeError("your lstm_forward did not return (h, c, cache)")
        return np.asarray(value[0], dtype=np.float64), np.asarray(value[1], dtype=np.float64)

    return student_forward, STUDENT_FORWARD_NOTE


def readout_forecast(forward: Forward, model: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The capstone's model: the LSTM from zero states, then y_hat = h[:, -1] @ W_y + b_y, shape (N, 1)."""
    N = x.shape[0]
    H = model["U_f"].shape[0]
    h, _ = forward(x, np.zeros((N, H)), np.zeros((N, H)), model)
    last = h[:, -1]
    return last @ model["W_y"] + model["b_y"]
