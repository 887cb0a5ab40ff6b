"""A correct LSTM where every product, sum and transpose is an np.einsum."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    positive = np.einsum("...,...->...", (z >= 0).astype(np.float64), 1.0 / (1.0 + e))
    negative = np.einsum("...,...->...", (z < 0).astype(np.float64), e / (1.0 + e))
    return positive + negative


def affine(x, h_prev, W, U, b):
    return np.einsum("nd,dh->nh", x, W) + np.einsum("nk,kh->nh", h_prev, U) + b


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(affine(x, h_prev, W_f, U_f, b_f))


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(affine(x, h_prev, W_i, U_i, b_i))


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(affine(x, h_prev, W_g, U_g, b_g))


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(affine(x, h_prev, W_o, U_o, b_o))


def cell_update(c_prev, f, i, g):
    return np.einsum("nh,nh->nh", f, c_prev) + np.einsum("nh,nh->nh", i, g)


def hidden_state(c, o):
    return np.einsum("nh,nh->nh", o, np.tanh(c))


def lstm_cell_forward(x, h_prev, c_prev, params):
    f = forget_gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])
    i = input_gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])
    g = candidate(x, h_prev, params["W_g"], params["U_g"], params["b_g"])
    o = output_gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])
    c = cell_update(c_prev, f, i, g)
    h = hidden_state(c, o)
    return h, c, (x, h_prev, c_prev, params, f, i, g, o, c)


def lstm_forward(x, h0, c0, params):
    T = x.shape[1]
    hs, cs, caches = [], [], []
    h, c = h0, c0
    for t in range(T):
        x_t = np.einsum("ntd->nd", x[:, t:t + 1, :])
        h, c, cache = lstm_cell_forward(x_t, h, c, params)
        hs.append(h)
        cs.append(c)
        caches.append(cache)
    return np.einsum("tnh->nth", np.array(hs)), np.einsum("tnh->nth", np.array(cs)), caches


def sigmoid_backward(ds, s):
    return np.einsum("...,...,...->...", ds, s, 1.0 - s)


def tanh_backward(dt, t):
    return np.einsum("...,...->...", dt, 1.0 - np.einsum("...,...->...", t, t))


def hidden_state_backward(dh, c, o):
    t = np.tanh(c)
    dc = np.einsum("nh,nh,nh->nh", dh, o, 1.0 - np.einsum("nh,nh->nh", t, t))
    do = np.einsum("nh,nh->nh", dh, t)
    return dc, do


def cell_update_backward(dc, c_prev, f, i, g):
    return (np.einsum("nh,nh->nh", dc, f), np.einsum("nh,nh->nh", dc, c_prev),
            np.einsum("nh,nh->nh", dc, g), np.einsum("nh,nh->nh", dc, i))


def gate_backward(dz, x, h_prev, W, U):
    dx = np.einsum("nh,dh->nd", dz, W)
    dh_prev = np.einsum("nh,kh->nk", dz, U)
    dW = np.einsum("nd,nh->dh", x, dz)
    dU = np.einsum("nk,nh->kh", h_prev, dz)
    db = np.einsum("nh->h", dz)
    return dx, dh_prev, dW, dU, db


def lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, params, f, i, g, o, c = cache
    dc_h, do = hidden_state_backward(dh, c, o)
    dc_prev, df, di, dg = cell_update_backward(dc + dc_h, c_prev, f, i, g)
    pre = {"f": sigmoid_backward(df, f), "i": sigmoid_backward(di, i),
           "g": tanh_backward(dg, g), "o": sigmoid_backward(do, o)}
    dx = np.zeros_like(x)
    dh_prev = np.zeros_like(h_prev)
    grads = {}
    for k, dz in pre.items():
        a, b, grads["W_" + k], grads["U_" + k], grads["b_" + k] = gate_backward(
            dz, x, h_prev, params["W_" + k], params["U_" + k])
        dx = dx + a
        dh_prev = dh_prev + b
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dxs = []
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    per_step = []
    for t in reversed(range(T)):
        dx_t, dh_next, dc_next, grads_t = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dxs.insert(0, dx_t)
        per_step.append(grads_t)
    grads = {name: np.einsum("t...->...", np.array([step[name] for step in per_step]))
             for name in per_step[0]}
    return np.einsum("tnd->ntd", np.array(dxs)), dh_next, dc_next, grads
