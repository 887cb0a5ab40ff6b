"""A correct LSTM built on a log-space sigmoid, with tanh written through it.

    sigmoid(z) = exp(-log(1 + exp(-z))) = exp(-logaddexp(0, -z))
    tanh(z)    = 2 * sigmoid(2 z) - 1
"""
import numpy as np


def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))


def tanh(z):
    return 2.0 * sigmoid(2.0 * z) - 1.0


def gate(activation, x, h_prev, W, U, b):
    return activation(x @ W + h_prev @ U + b)


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return gate(sigmoid, x, h_prev, W_f, U_f, b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return gate(sigmoid, x, h_prev, W_i, U_i, b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return gate(tanh, x, h_prev, W_g, U_g, b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return gate(sigmoid, x, h_prev, W_o, U_o, b_o)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * tanh(c)


def lstm_cell_forward(x, h_prev, c_prev, params):
    f, i, g, o = (function(x, h_prev, params["W_" + k], params["U_" + k], params["b_" + k])
                  for function, k in ((forget_gate, "f"), (input_gate, "i"), (candidate, "g"),
                                      (output_gate, "o")))
    c = cell_update(c_prev, f, i, g)
    h = hidden_state(c, o)
    return h, c, [x, h_prev, c_prev, params, f, i, g, o, c]


def lstm_forward(x, h0, c0, params):
    outputs = []
    h, c = h0, c0
    for t in range(x.shape[1]):
        h, c, cache = lstm_cell_forward(x[:, t], h, c, params)
        outputs.append((h, c, cache))
    h_all = np.stack([out[0] for out in outputs], axis=1)
    c_all = np.stack([out[1] for out in outputs], axis=1)
    return h_all, c_all, [out[2] for out in outputs]


def sigmoid_backward(ds, s):
    return ds * s * (1 - s)


def tanh_backward(dt, t):
    return dt * (1 - t * t)


def hidden_state_backward(dh, c, o):
    t = tanh(c)
    return dh * o * (1 - t * t), dh * t


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, params, f, i, g, o, c = cache
    dc_h, do = hidden_state_backward(dh, c, o)
    dc = dc + dc_h
    dc_prev, df, di, dg = cell_update_backward(dc, c_prev, f, i, g)
    grads = {}
    dx = np.zeros(x.shape)
    dh_prev = np.zeros(h_prev.shape)
    for k, dz in (("f", sigmoid_backward(df, f)), ("i", sigmoid_backward(di, i)),
                  ("g", tanh_backward(dg, g)), ("o", sigmoid_backward(do, o))):
        d_x, d_h, grads["W_" + k], grads["U_" + k], grads["b_" + k] = gate_backward(
            dz, x, h_prev, params["W_" + k], params["U_" + k])
        dx = dx + d_x
        dh_prev = dh_prev + d_h
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dh_carry, dc_carry = np.zeros((N, H)), np.zeros((N, H))
    dx_reversed, grads = [], {}
    for t in range(T - 1, -1, -1):
        dx_t, dh_carry, dc_carry, step = lstm_cell_backward(dh[:, t] + dh_carry, dc_carry, cache[t])
        dx_reversed.append(dx_t)
        grads = {name: grads.get(name, 0) + value for name, value in step.items()}
    return np.stack(dx_reversed[::-1], axis=1), dh_carry, dc_carry, grads
