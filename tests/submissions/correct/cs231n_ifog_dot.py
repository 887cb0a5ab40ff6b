"""A correct LSTM in the style of CS231n's rnn_layers.py: the contract's weights stacked into
Wx (D, 4H), Wh (H, 4H) and b (4H,) in CS231n's gate order i, f, o, g, np.dot everywhere,
CS231n's stable sigmoid, a dict cache per step, and gradients split back per gate."""
import numpy as np

CS231N_ORDER = ("i", "f", "o", "g")


def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    pos_mask = x >= 0
    neg_mask = x < 0
    z = np.zeros_like(x)
    z[pos_mask] = np.exp(-x[pos_mask])
    z[neg_mask] = np.exp(x[neg_mask])
    top = np.ones_like(x)
    top[neg_mask] = z[neg_mask]
    return top / (1 + z)


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(np.dot(x, W_f) + np.dot(h_prev, U_f) + b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(np.dot(x, W_i) + np.dot(h_prev, U_i) + b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(np.dot(x, W_g) + np.dot(h_prev, U_g) + b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(np.dot(x, W_o) + np.dot(h_prev, U_o) + b_o)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * np.tanh(c)


def stacked(params):
    Wx = np.concatenate([params["W_" + k] for k in CS231N_ORDER], axis=1)
    Wh = np.concatenate([params["U_" + k] for k in CS231N_ORDER], axis=1)
    b = np.concatenate([params["b_" + k] for k in CS231N_ORDER])
    return Wx, Wh, b


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = np.dot(x, Wx) + np.dot(prev_h, Wh) + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    o = sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    cache = {"x": x, "prev_h": prev_h, "prev_c": prev_c, "Wx": Wx, "Wh": Wh,
             "i": i, "f": f, "o": o, "g": g, "next_c": next_c}
    return next_h, next_c, cache


def lstm_cell_forward(x, h_prev, c_prev, params):
    Wx, Wh, b = stacked(params)
    return lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)


def lstm_forward(x, h0, c0, params):
    N, T, D = x.shape
    H = h0.shape[1]
    Wx, Wh, b = stacked(params)
    h = np.zeros((N, T, H))
    c = np.zeros((N, T, H))
    prev_h, prev_c = h0, c0
    cache = []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[:, t, :], prev_h, prev_c, Wx, Wh, b)
        h[:, t, :] = prev_h
        c[:, t, :] = prev_c
        cache.append(step_cache)
    return h, c, cache


def sigmoid_backward(ds, s):
    return ds * s * (1 - s)


def tanh_backward(dt, t):
    return dt * (1 - t ** 2)


def hidden_state_backward(dh, c, o):
    tanh_c = np.tanh(c)
    return dh * o * (1 - tanh_c ** 2), dh * tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    dx = np.dot(dz, W.T)
    dh_prev = np.dot(dz, U.T)
    dW = np.dot(x.T, dz)
    dU = np.dot(h_prev.T, dz)
    db = np.sum(dz, axis=0)
    return dx, dh_prev, dW, dU, db


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g = cache["i"], cache["f"], cache["o"], cache["g"]
    tanh_c = np.tanh(cache["next_c"])
    # a new array: the caller's dnext_c stays as it was
    dnext_c = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    dprev_c = dnext_c * f
    di = dnext_c * g * i * (1 - i)
    df = dnext_c * cache["prev_c"] * f * (1 - f)
    do = dnext_h * tanh_c * o * (1 - o)
    dg = dnext_c * i * (1 - g ** 2)
    da = np.hstack((di, df, do, dg))
    dx = np.dot(da, cache["Wx"].T)
    dprev_h = np.dot(da, cache["Wh"].T)
    dWx = np.dot(cache["x"].T, da)
    dWh = np.dot(cache["prev_h"].T, da)
    db = np.sum(da, axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db


def per_gate(dWx, dWh, db):
    H = dWh.shape[0]
    grads = {}
    for index, k in enumerate(CS231N_ORDER):
        columns = slice(index * H, (index + 1) * H)
        grads["W_" + k] = dWx[:, columns]
        grads["U_" + k] = dWh[:, columns]
        grads["b_" + k] = db[columns]
    return grads


def lstm_cell_backward(dh, dc, cache):
    dx, dprev_h, dprev_c, dWx, dWh, db = lstm_step_backward(dh, dc, cache)
    return dx, dprev_h, dprev_c, per_gate(dWx, dWh, db)


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0]["x"].shape[1]
    dx = np.zeros((N, T, D))
    dprev_h = np.zeros((N, H))
    dprev_c = np.zeros((N, H))
    dWx = np.zeros((D, 4 * H))
    dWh = np.zeros((H, 4 * H))
    db = np.zeros(4 * H)
    for t in range(T - 1, -1, -1):
        dnext_h = dh[:, t, :] + dprev_h
        dx[:, t, :], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dnext_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dprev_c, per_gate(dWx, dWh, db)
