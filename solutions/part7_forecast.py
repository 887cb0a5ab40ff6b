"""Part 7 (bonus capstone): forecast a real time series with your own LSTM.

The series is the yearly sunspot number, 1700-2008, shipped with the grader.
The grader scales it (subtracts the training mean, divides by the training
standard deviation), gives you the first 80% to train on, and keeps the
rest to judge you. Your model sees a window of past values and predicts the
next one:

    x = series[t - window : t]          one window, shape (window, 1)
    y = series[t]                       the value that comes next

    h, _, cache = lstm_forward(x, 0, 0, lstm params)     your Part 3 code
    y_hat = h[:, -1] @ W_y + b_y                         a linear read-out
    loss  = mean((y_hat - y) ** 2)                       mean squared error

Training repeats: forward, loss, backward (the read-out by hand, then your
lstm_backward), clip the gradients, take an Adam step. The model is a dict of
14 arrays: the 12 LSTM parameters (D = 1) plus W_y (H, 1) and b_y (1,).

The grader calls train_forecaster(train_series, 8, 8, 40, 0.04, 0), then
forecast(model, x) on windows whose targets are the held-out years. You get
full points when your held-out mean squared error is at most 0.8 times that of
the naive forecast "next value = last value", half when it is at most 0.95.
Check your work with: lstm-grader check --part forecast
Draw it with:         lstm-grader plot forecast
"""
import numpy as np

from part3_sequence import lstm_backward, lstm_forward

LSTM_KEYS = tuple(f"{kind}_{gate}" for gate in "figo" for kind in ("W", "U", "b"))


def make_windows(series, window):
    """Cut a series into (past window, next value) training pairs.

        x[n] = series[n : n + window]      y[n] = series[n + window]

    Args:
        series: the values in time order, shape (L,).
        window: how many past values the model sees.
    Returns:
        x: windows, shape (L - window, window, 1) (one input feature per step).
        y: the value after each window, shape (L - window, 1).
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    series = np.asarray(series, dtype=np.float64)
    count = len(series) - window
    x = np.stack([series[n:n + window] for n in range(count)])[:, :, None]
    y = series[window:][:, None]
    return x, y
    ### END SOLUTION


def init_forecaster(hidden_size, seed):
    """Random starting weights for a one-input LSTM and its read-out.

    Small random weights (scale about 1 / sqrt(H)), zero biases except
    b_f = 1, so the cell starts out remembering; W_y small, b_y zero.

    Args:
        hidden_size: H.
        seed: seed of np.random.default_rng, so training is reproducible.
    Returns:
        model: dict with the 12 LSTM keys (W_k (1, H), U_k (H, H), b_k (H,))
            plus W_y (H, 1) and b_y (1,).
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    H = hidden_size
    scale = 1.0 / np.sqrt(H)
    model = {}
    for gate in "figo":
        model["W_" + gate] = scale * rng.standard_normal((1, H))
        model["U_" + gate] = scale * rng.standard_normal((H, H))
        model["b_" + gate] = np.zeros(H)
    model["b_f"] = np.ones(H)
    model["W_y"] = 0.1 * rng.standard_normal((H, 1))
    model["b_y"] = np.zeros(1)
    return model
    ### END SOLUTION


def forecast(model, x):
    """Predict the next value after each window.

        h, _, _ = lstm_forward(x, zeros, zeros, the 12 LSTM parameters of model)
        y_hat = h[:, -1] @ W_y + b_y

    Args:
        model: the 14 arrays of init_forecaster.
        x: windows, shape (N, T, 1).
    Returns:
        y_hat: predictions, shape (N, 1).
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    N = x.shape[0]
    H = model["U_f"].shape[0]
    params = {key: model[key] for key in LSTM_KEYS}
    h, _, _ = lstm_forward(x, np.zeros((N, H)), np.zeros((N, H)), params)
    return h[:, -1] @ model["W_y"] + model["b_y"]
    ### END SOLUTION


def forecast_loss_and_grads(model, x, y):
    """Mean squared error of the forecast and its gradient for every array of model.

        loss = mean((y_hat - y) ** 2)
        dy_hat = 2 * (y_hat - y) / N
        dW_y = h_last.T @ dy_hat      db_y = dy_hat summed over N
        dh_last = dy_hat @ W_y.T      (only the last step's h reaches the loss)
        then your lstm_backward gives the 12 LSTM gradients

    Args:
        model: the 14 arrays of init_forecaster.
        x: windows, shape (N, T, 1).
        y: targets, shape (N, 1).
    Returns:
        loss: a float.
        grads: dict with the same 14 keys as model.
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    N, T, _ = x.shape
    H = model["U_f"].shape[0]
    params = {key: model[key] for key in LSTM_KEYS}
    h, _, cache = lstm_forward(x, np.zeros((N, H)), np.zeros((N, H)), params)
    h_last = h[:, -1]
    y_hat = h_last @ model["W_y"] + model["b_y"]
    loss = float(np.mean((y_hat - y) ** 2))
    dy_hat = 2.0 * (y_hat - y) / N
    dh = np.zeros((N, T, H))
    dh[:, -1] = dy_hat @ model["W_y"].T
    _, _, _, grads = lstm_backward(dh, cache)
    grads["W_y"] = h_last.T @ dy_hat
    grads["b_y"] = dy_hat.sum(axis=0)
    return loss, grads
    ### END SOLUTION


def clip_gradients(grads, max_norm):
    """Scale all gradients down together when their joint norm exceeds max_norm.

        norm = sqrt(sum over every key of sum(grads[key] ** 2))
        if norm > max_norm: every grads[key] *= max_norm / norm

    Args:
        grads: dict of gradient arrays.
        max_norm: the largest joint norm allowed.
    Returns:
        clipped: a new dict with the same keys.
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    norm = np.sqrt(sum(float(np.sum(value ** 2)) for value in grads.values()))
    factor = min(1.0, max_norm / (norm + 1e-12))
    return {key: value * factor for key, value in grads.items()}
    ### END SOLUTION


def adam_step(model, grads, state, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of every array of model.

        t += 1
        m = beta1 * m + (1 - beta1) * grad          running mean of the gradient
        v = beta2 * v + (1 - beta2) * grad ** 2     running mean of its square
        param -= learning_rate * (m / (1 - beta1**t)) / (sqrt(v / (1 - beta2**t)) + eps)

    Args:
        model: dict of parameter arrays.
        grads: dict of gradients with the same keys.
        state: {} before the first step, then what the previous call returned.
        learning_rate: the step size.
    Returns:
        model: the updated parameters (a new dict).
        state: {"t": step count, "m": dict, "v": dict} for the next call.
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    t = state.get("t", 0) + 1
    m = state.get("m", {key: np.zeros_like(value) for key, value in model.items()})
    v = state.get("v", {key: np.zeros_like(value) for key, value in model.items()})
    updated, new_m, new_v = {}, {}, {}
    for key, value in model.items():
        new_m[key] = beta1 * m[key] + (1 - beta1) * grads[key]
        new_v[key] = beta2 * v[key] + (1 - beta2) * grads[key] ** 2
        m_hat = new_m[key] / (1 - beta1 ** t)
        v_hat = new_v[key] / (1 - beta2 ** t)
        updated[key] = value - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
    return updated, {"t": t, "m": new_m, "v": new_v}
    ### END SOLUTION


def train_forecaster(series, window, hidden_size, steps, learning_rate, seed):
    """Train an LSTM forecaster on a scaled series; the grader calls this.

        x, y = make_windows(series, window)
        model = init_forecaster(hidden_size, seed)
        repeat steps times (full batch):
            loss, grads = forecast_loss_and_grads(model, x, y)
            grads = clip_gradients(grads, 1.0)
            model, state = adam_step(model, grads, state, learning_rate)

    Args:
        series: the scaled training series, shape (L,).
        window: the window length T.
        hidden_size: H.
        steps: how many updates to make.
        learning_rate: Adam's step size.
        seed: seed for init_forecaster.
    Returns:
        model: the trained 14 arrays (see init_forecaster).
    Hint: lstm-grader hint forecast
    """
    ### BEGIN SOLUTION
    x, y = make_windows(series, window)
    model = init_forecaster(hidden_size, seed)
    state = {}
    for _ in range(steps):
        _, grads = forecast_loss_and_grads(model, x, y)
        grads = clip_gradients(grads, 1.0)
        model, state = adam_step(model, grads, state, learning_rate)
    return model
    ### END SOLUTION
