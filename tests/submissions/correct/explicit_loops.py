"""A correct LSTM written with explicit Python loops over the batch and the hidden units.

Only np.zeros and math.exp / math.tanh are used: every matrix product is spelled
out element by element, the way it is done by hand.
"""
import math

import numpy as np


def scalar_sigmoid(value):
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    e = math.exp(value)
    return e / (1.0 + e)


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    s = np.zeros(z.shape)
    flat_z = z.reshape(-1)
    flat_s = s.reshape(-1)
    for k in range(flat_z.size):
        flat_s[k] = scalar_sigmoid(float(flat_z[k]))
    return s


def preactivation(x, h_prev, W, U, b):
    N, D = x.shape
    H = U.shape[0]
    z = np.zeros((N, H))
    for n in range(N):
        for j in range(H):
            total = b[j]
            for d in range(D):
                total += x[n, d] * W[d, j]
            for k in range(H):
                total += h_prev[n, k] * U[k, j]
            z[n, j] = total
    return z


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(preactivation(x, h_prev, W_f, U_f, b_f))


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(preactivation(x, h_prev, W_i, U_i, b_i))


def candidate(x, h_prev, W_g, U_g, b_g):
    z = preactivation(x, h_prev, W_g, U_g, b_g)
    g = np.zeros(z.shape)
    for n in range(z.shape[0]):
        for j in range(z.shape[1]):
            g[n, j] = math.tanh(z[n, j])
    return g


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(preactivation(x, h_prev, W_o, U_o, b_o))


def cell_update(c_prev, f, i, g):
    N, H = c_prev.shape
    c = np.zeros((N, H))
    for n in range(N):
        for j in range(H):
            c[n, j] = f[n, j] * c_prev[n, j] + i[n, j] * g[n, j]
    return c


def hidden_state(c, o):
    N, H = c.shape
    h = np.zeros((N, H))
    for n in range(N):
        for j in range(H):
            h[n, j] = o[n, j] * math.tanh(c[n, j])
    return h


def lstm_cell_forward(x, h_prev, c_prev, params):
    f = forget_gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])
    i = input_gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])
    g = candidate(x, h_prev, params["W_g"], params["U_g"], params["b_g"])
    o = output_gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])
    c = cell_update(c_prev, f, i, g)
    h = hidden_state(c, o)
    return h, c, (x, h_prev, c_prev, params, f, i, g, o, c)


def lstm_forward(x, h0, c0, params):
    N, T, D = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, T, H))
    caches = []
    h_prev, c_prev = h0, c0
    for t in range(T):
        x_t = np.zeros((N, D))
        for n in range(N):
            for d in range(D):
                x_t[n, d] = x[n, t, d]
        h_prev, c_prev, step = lstm_cell_forward(x_t, h_prev, c_prev, params)
        for n in range(N):
            for j in range(H):
                h[n, t, j] = h_prev[n, j]
                c[n, t, j] = c_prev[n, j]
        caches.append(step)
    return h, c, caches


def elementwise(function, *arrays):
    out = np.zeros(arrays[0].shape)
    flat_out = out.reshape(-1)
    flats = [np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]
    for k in range(flat_out.size):
        flat_out[k] = function(*(float(a[k]) for a in flats))
    return out


def sigmoid_backward(ds, s):
    return elementwise(lambda d, v: d * v * (1.0 - v), ds, s)


def tanh_backward(dt, t):
    return elementwise(lambda d, v: d * (1.0 - v * v), dt, t)


def hidden_state_backward(dh, c, o):
    dc = elementwise(lambda d, cc, oo: d * oo * (1.0 - math.tanh(cc) ** 2), dh, c, o)
    do = elementwise(lambda d, cc: d * math.tanh(cc), dh, c)
    return dc, do


def cell_update_backward(dc, c_prev, f, i, g):
    dc_prev = elementwise(lambda d, ff: d * ff, dc, f)
    df = elementwise(lambda d, cp: d * cp, dc, c_prev)
    di = elementwise(lambda d, gg: d * gg, dc, g)
    dg = elementwise(lambda d, ii: d * ii, dc, i)
    return dc_prev, df, di, dg


def gate_backward(dz, x, h_prev, W, U):
    N, H = dz.shape
    D = x.shape[1]
    dx = np.zeros((N, D))
    dh_prev = np.zeros((N, H))
    dW = np.zeros((D, H))
    dU = np.zeros((H, H))
    db = np.zeros(H)
    for n in range(N):
        for j in range(H):
            g = dz[n, j]
            db[j] += g
            for d in range(D):
                dx[n, d] += g * W[d, j]
                dW[d, j] += x[n, d] * g
            for k in range(H):
                dh_prev[n, k] += g * U[k, j]
                dU[k, j] += h_prev[n, k] * g
    return dx, dh_prev, dW, dU, db


def lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, params, f, i, g, o, c = cache
    dc_from_h, do = hidden_state_backward(dh, c, o)
    dc_total = np.zeros(dc.shape)
    for n in range(dc.shape[0]):
        for j in range(dc.shape[1]):
            dc_total[n, j] = dc[n, j] + dc_from_h[n, j]
    dc_prev, df, di, dg = cell_update_backward(dc_total, c_prev, f, i, g)
    pre = {"f": sigmoid_backward(df, f), "i": sigmoid_backward(di, i),
           "g": tanh_backward(dg, g), "o": sigmoid_backward(do, o)}
    dx = np.zeros(x.shape)
    dh_prev = np.zeros(h_prev.shape)
    grads = {}
    for gate in ("f", "i", "g", "o"):
        dx_gate, dh_gate, dW, dU, db = gate_backward(pre[gate], x, h_prev, params["W_" + gate],
                                                     params["U_" + gate])
        for n in range(x.shape[0]):
            for d in range(x.shape[1]):
                dx[n, d] += dx_gate[n, d]
            for j in range(h_prev.shape[1]):
                dh_prev[n, j] += dh_gate[n, j]
        grads["W_" + gate] = dW
        grads["U_" + gate] = dU
        grads["b_" + gate] = db
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    grads = None
    for t in range(T - 1, -1, -1):
        dh_t = np.zeros((N, H))
        for n in range(N):
            for j in range(H):
                dh_t[n, j] = dh[n, t, j] + dh_next[n, j]
        dx_t, dh_next, dc_next, step = lstm_cell_backward(dh_t, dc_next, cache[t])
        for n in range(N):
            for d in range(D):
                dx[n, t, d] = dx_t[n, d]
        if grads is None:
            grads = {name: np.zeros(value.shape) for name, value in step.items()}
        for name, value in step.items():
            flat_total = grads[name].reshape(-1)
            flat_step = value.reshape(-1)
            for k in range(flat_step.size):
                flat_total[k] += flat_step[k]
    return dx, dh_next, dc_next, grads
