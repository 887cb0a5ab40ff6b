"""A correct LSTM that casts everything to float64 on the way in, and uses an
np.where-based stable sigmoid that never feeds a positive number to exp."""
import numpy as np


def as_float(*arrays):
    return [np.asarray(array, dtype=np.float64) for array in arrays]


def sigmoid(z):
    (z,) = as_float(z)
    positive = z >= 0
    # exp only ever sees -|z|, so it cannot overflow
    safe = np.exp(np.where(positive, -z, z))
    return np.where(positive, np.float64(1.0) / (np.float64(1.0) + safe), safe / (np.float64(1.0) + safe))


def forget_gate(x, h_prev, W_f, U_f, b_f):
    x, h_prev, W_f, U_f, b_f = as_float(x, h_prev, W_f, U_f, b_f)
    return sigmoid(x @ W_f + h_prev @ U_f + b_f).astype(np.float64)


def input_gate(x, h_prev, W_i, U_i, b_i):
    x, h_prev, W_i, U_i, b_i = as_float(x, h_prev, W_i, U_i, b_i)
    return sigmoid(x @ W_i + h_prev @ U_i + b_i).astype(np.float64)


def candidate(x, h_prev, W_g, U_g, b_g):
    x, h_prev, W_g, U_g, b_g = as_float(x, h_prev, W_g, U_g, b_g)
    return np.tanh(x @ W_g + h_prev @ U_g + b_g, dtype=np.float64)


def output_gate(x, h_prev, W_o, U_o, b_o):
    x, h_prev, W_o, U_o, b_o = as_float(x, h_prev, W_o, U_o, b_o)
    return sigmoid(x @ W_o + h_prev @ U_o + b_o).astype(np.float64)


def cell_update(c_prev, f, i, g):
    c_prev, f, i, g = as_float(c_prev, f, i, g)
    return np.float64(1.0) * (f * c_prev + i * g)


def hidden_state(c, o):
    c, o = as_float(c, o)
    return (o * np.tanh(c)).astype(np.float64, copy=False)


def lstm_cell_forward(x, h_prev, c_prev, params):
    x, h_prev, c_prev = as_float(x, h_prev, c_prev)
    p = {name: np.float64(1.0) * value for name, value in params.items()}
    f = forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])
    i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])
    g = candidate(x, h_prev, p["W_g"], p["U_g"], p["b_g"])
    o = output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"])
    c = cell_update(c_prev, f, i, g)
    h = hidden_state(c, o)
    return h, c, (x, h_prev, c_prev, p, f, i, g, o, c)


def lstm_forward(x, h0, c0, params):
    x, h0, c0 = as_float(x, h0, c0)
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]), dtype=np.float64)
    c = np.zeros((N, T, h0.shape[1]), dtype=np.float64)
    caches = []
    h_t, c_t = h0, c0
    for t in range(T):
        h_t, c_t, cache = lstm_cell_forward(x[:, t], h_t, c_t, params)
        h[:, t], c[:, t] = h_t, c_t
        caches.append(cache)
    return h, c, caches


def sigmoid_backward(ds, s):
    ds, s = as_float(ds, s)
    return ds * s * (np.float64(1.0) - s)


def tanh_backward(dt, t):
    dt, t = as_float(dt, t)
    return dt * (np.float64(1.0) - np.square(t))


def hidden_state_backward(dh, c, o):
    dh, c, o = as_float(dh, c, o)
    tanh_c = np.tanh(c)
    return tanh_backward(dh * o, tanh_c), dh * tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    dc, c_prev, f, i, g = as_float(dc, c_prev, f, i, g)
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    dz, x, h_prev, W, U = as_float(dz, x, h_prev, W, U)
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0, dtype=np.float64)


def lstm_cell_backward(dh, dc, cache):
    dh, dc = as_float(dh, dc)
    x, h_prev, c_prev, p, f, i, g, o, c = cache
    dc_h, do = hidden_state_backward(dh, c, o)
    dc_prev, df, di, dg = cell_update_backward(dc + dc_h, c_prev, f, i, g)
    dzs = {"f": sigmoid_backward(df, f), "i": sigmoid_backward(di, i), "g": tanh_backward(dg, g),
           "o": sigmoid_backward(do, o)}
    dx = np.zeros_like(x, dtype=np.float64)
    dh_prev = np.zeros_like(h_prev, dtype=np.float64)
    grads = {}
    for k in "figo":
        d_x, d_h, dW, dU, db = gate_backward(dzs[k], x, h_prev, p["W_" + k], p["U_" + k])
        dx += d_x
        dh_prev += d_h
        grads["W_" + k], grads["U_" + k], grads["b_" + k] = dW, dU, db
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    (dh,) = as_float(dh)
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]), dtype=np.float64)
    dh_next = np.zeros((N, H), dtype=np.float64)
    dc_next = np.zeros((N, H), dtype=np.float64)
    grads = {name: np.zeros_like(value, dtype=np.float64) for name, value in cache[0][3].items()}
    for t in reversed(range(T)):
        dx[:, t], dh_next, dc_next, step = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])
        for name in grads:
            grads[name] += step[name]
    return dx, dh_next, dc_next, grads
