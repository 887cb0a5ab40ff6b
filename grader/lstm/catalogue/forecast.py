"""Catalogued mistakes of the forecasting capstone (part7_forecast.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from grader.engine.parts import Mistake

FILE = "part7_forecast.py"

FORECAST_MISTAKES = [
    Mistake('forecast.readout_from_first_step', FILE,
            'return h[:, -1] @ model["W_y"] + model["b_y"]',
            'return h[:, 0] @ model["W_y"] + model["b_y"]',
            "forecast reads out the first step's hidden state; the read-out uses the last one, which has seen"
            ' the whole window',
            'y_hat = h[:, -1] @ W_y + b_y'),
    Mistake('forecast.target_is_last_input', FILE,
            'y = series[window:][:, None]',
            'y = series[window - 1:-1][:, None]',
            "each window's target is its own last value, so the model learns to repeat it and can never beat "
            'the naive forecast',
            'y[n] = series[n + window]'),
    Mistake('forecast.gradient_ascent', FILE,
            'updated[key] = value - learning_rate',
            'updated[key] = value + learning_rate',
            'the update adds the step instead of subtracting it: the loss goes up',
            'param -= learning_rate * m_hat / (sqrt(v_hat) + eps)'),
    Mistake('forecast.loss_gradient_sign', FILE,
            'dy_hat = 2.0 * (y_hat - y) / N',
            'dy_hat = -2.0 * (y_hat - y) / N',
            'the gradient of the loss has the wrong sign: mean((y_hat - y)**2) has the gradient 2 (y_hat - y) / N, '
            'so the training climbs the loss',
            'dy_hat = 2 * (y_hat - y) / N'),
    Mistake('forecast.loss_gradient_at_first_step', FILE,
            'dh[:, -1] = dy_hat @ model["W_y"].T',
            'dh[:, 0] = dy_hat @ model["W_y"].T',
            "the read-out's gradient is sent into the first step's h, but the read-out used the last step's",
            'dh_last = dy_hat @ W_y.T at t = T-1'),
    Mistake('forecast.adam_without_square_root', FILE,
            'np.sqrt(v_hat) + eps',
            'v_hat + eps',
            'Adam divides by the square root of the running mean of squared gradients; without it the steps '
            'are far too large for small gradients',
            'param -= learning_rate * m_hat / (sqrt(v_hat) + eps)'),
]


ENTRIES: tuple[Mistake, ...] = tuple(FORECAST_MISTAKES)
