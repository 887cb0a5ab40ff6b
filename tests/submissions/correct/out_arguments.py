"""A correct LSTM that preallocates and writes results with out= arguments and
in-place operators, but only ever into arrays it made itself."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)           # out = exp(-|z|), never overflows
    numerator = np.where(z >= 0, 1.0, out)
    out += 1.0
    np.divide(numerator, out, out=out)
    return out


def affine_into(out, x, h_prev, W, U, b):
    np.matmul(x, W, out=out)
    out += h_prev @ U
    out += b
    return out


def forget_gate(x, h_prev, W_f, U_f, b_f):
    z = affine_into(np.empty((x.shape[0], W_f.shape[1])), x, h_prev, W_f, U_f, b_f)
    return sigmoid(z)


def input_gate(x, h_prev, W_i, U_i, b_i):
    z = affine_into(np.empty((x.shape[0], W_i.shape[1])), x, h_prev, W_i, U_i, b_i)
    return sigmoid(z)


def candidate(x, h_prev, W_g, U_g, b_g):
    z = affine_into(np.empty((x.shape[0], W_g.shape[1])), x, h_prev, W_g, U_g, b_g)
    np.tanh(z, out=z)
    return z


def output_gate(x, h_prev, W_o, U_o, b_o):
    z = affine_into(np.empty((x.shape[0], W_o.shape[1])), x, h_prev, W_o, U_o, b_o)
    return sigmoid(z)


def cell_update(c_prev, f, i, g):
    c = np.multiply(f, c_prev)
    c += i * g
    return c


def hidden_state(c, o):
    h = np.tanh(c)
    h *= o
    return h


def lstm_cell_forward(x, h_prev, c_prev, params):
    f = forget_gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])
    i = input_gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])
    g = candidate(x, h_prev, params["W_g"], params["U_g"], params["b_g"])
    o = output_gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])
    c = cell_update(c_prev, f, i, g)
    h = hidden_state(c, o)
    return h, c, (x.copy(), h_prev.copy(), c_prev.copy(), params, f, i, g, o, c.copy())


def lstm_forward(x, h0, c0, params):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H))
    c = np.empty((N, T, H))
    caches = []
    for t in range(T):
        h_prev = h0 if t == 0 else h[:, t - 1]
        c_prev = c0 if t == 0 else c[:, t - 1]
        h_t, c_t, cache = lstm_cell_forward(x[:, t], h_prev, c_prev, params)
        np.copyto(h[:, t], h_t)
        np.copyto(c[:, t], c_t)
        caches.append(cache)
    return h, c, caches


def sigmoid_backward(ds, s):
    dz = np.subtract(1.0, s)
    dz *= s
    dz *= ds
    return dz


def tanh_backward(dt, t):
    dz = np.square(t)
    np.subtract(1.0, dz, out=dz)
    dz *= dt
    return dz


def hidden_state_backward(dh, c, o):
    tanh_c = np.tanh(c)
    dc = tanh_backward(dh * o, tanh_c)
    tanh_c *= dh
    return dc, tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    return np.multiply(dc, f), np.multiply(dc, c_prev), np.multiply(dc, g), np.multiply(dc, i)


def gate_backward(dz, x, h_prev, W, U):
    db = np.zeros(dz.shape[1])
    np.sum(dz, axis=0, out=db)
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, db


def lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, params, f, i, g, o, c = cache
    dc_total, do = hidden_state_backward(dh, c, o)
    dc_total += dc
    dc_prev, df, di, dg = cell_update_backward(dc_total, c_prev, f, i, g)
    dx = np.zeros(x.shape)
    dh_prev = np.zeros(h_prev.shape)
    grads = {}
    for k, dz in (("f", sigmoid_backward(df, f)), ("i", sigmoid_backward(di, i)),
                  ("g", tanh_backward(dg, g)), ("o", sigmoid_backward(do, o))):
        d_x, d_h, grads["W_" + k], grads["U_" + k], grads["b_" + k] = gate_backward(
            dz, x, h_prev, params["W_" + k], params["U_" + k])
        dx += d_x
        dh_prev += d_h
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = np.zeros((N, T, cache[0][0].shape[1]))
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    grads = {name: np.zeros_like(value) for name, value in cache[0][3].items()}
    for t in range(T - 1, -1, -1):
        upstream = dh[:, t].copy()
        upstream += dh_next
        dx[:, t], dh_next, dc_next, step = lstm_cell_backward(upstream, dc_next, cache[t])
        for name, value in step.items():
            grads[name] += value
    return dx, dh_next, dc_next, grads
