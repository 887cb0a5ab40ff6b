"""A correct LSTM in the style of Coursera's Sequence Models: inside, every array is a
column per example, (H, N), the gates are computed from the concatenation [h_prev; x] with
weights [U^T W^T] of shape (H, H + D), and the contract's row layout is converted at the
edges. The sigmoid is exp(min(z, 0)) / (1 + exp(-|z|))."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    return np.exp(np.minimum(z, 0.0)) / (1.0 + np.exp(-np.abs(z)))


def column_weights(W, U):
    """[U^T W^T], shape (H, H + D): one row per unit, for the concatenation [h_prev; x]."""
    return np.concatenate((U.T, W.T), axis=1)


def gate_columns(W, U, b, concat):
    return np.dot(column_weights(W, U), concat) + b.reshape(-1, 1)


def concatenation(x, h_prev):
    return np.concatenate((h_prev.T, x.T), axis=0)


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(gate_columns(W_f, U_f, b_f, concatenation(x, h_prev))).T


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(gate_columns(W_i, U_i, b_i, concatenation(x, h_prev))).T


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(gate_columns(W_g, U_g, b_g, concatenation(x, h_prev))).T


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(gate_columns(W_o, U_o, b_o, concatenation(x, h_prev))).T


def cell_update(c_prev, f, i, g):
    return np.multiply(f, c_prev) + np.multiply(i, g)


def hidden_state(c, o):
    return np.multiply(o, np.tanh(c))


def lstm_cell_forward(x, h_prev, c_prev, params):
    concat = concatenation(x, h_prev)
    ft = sigmoid(gate_columns(params["W_f"], params["U_f"], params["b_f"], concat))
    it = sigmoid(gate_columns(params["W_i"], params["U_i"], params["b_i"], concat))
    cct = np.tanh(gate_columns(params["W_g"], params["U_g"], params["b_g"], concat))
    ot = sigmoid(gate_columns(params["W_o"], params["U_o"], params["b_o"], concat))
    c_next = ft * c_prev.T + it * cct
    a_next = ot * np.tanh(c_next)
    cache = (a_next, c_next, h_prev.T, c_prev.T, ft, it, cct, ot, concat, params)
    return a_next.T, c_next.T, cache


def lstm_forward(x, h0, c0, params):
    n_x = x.shape[2]
    m, T_x, _ = x.shape
    n_a = h0.shape[1]
    a = np.zeros((m, T_x, n_a))
    c = np.zeros((m, T_x, n_a))
    caches = []
    a_next, c_next = h0, c0
    for t in range(T_x):
        xt = x[:, t, :n_x]
        a_next, c_next, cache = lstm_cell_forward(xt, a_next, c_next, params)
        a[:, t, :] = a_next
        c[:, t, :] = c_next
        caches.append(cache)
    return a, c, caches


def sigmoid_backward(ds, s):
    return np.multiply(ds, s - np.square(s))


def tanh_backward(dt, t):
    return np.multiply(dt, 1.0 - np.square(t))


def hidden_state_backward(dh, c, o):
    tanh_c = np.tanh(c)
    return dh * o * (1.0 - np.square(tanh_c)), dh * tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    return np.multiply(dc, f), np.multiply(dc, c_prev), np.multiply(dc, g), np.multiply(dc, i)


def gate_backward(dz, x, h_prev, W, U):
    dz_col = dz.T
    concat = concatenation(x, h_prev)
    dweights = np.dot(dz_col, concat.T)            # (H, H + D), like column_weights
    dconcat = np.dot(column_weights(W, U).T, dz_col)  # (H + D, N)
    H = U.shape[0]
    dU, dW = dweights[:, :H].T, dweights[:, H:].T
    dh_prev, dx = dconcat[:H].T, dconcat[H:].T
    db = np.sum(dz_col, axis=1)
    return dx, dh_prev, dW, dU, db


def lstm_cell_backward(dh, dc, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, concat, params = cache
    da_next, dc_next = dh.T, dc.T
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dot = da_next * tanh_c * ot * (1 - ot)
    dc_sum = dc_next + ot * (1 - tanh_c ** 2) * da_next
    dcct = dc_sum * it * (1 - cct ** 2)
    dit = dc_sum * cct * it * (1 - it)
    dft = dc_sum * c_prev * ft * (1 - ft)
    grads = {}
    dconcat = np.zeros_like(concat)
    for k, dgate in (("f", dft), ("i", dit), ("g", dcct), ("o", dot)):
        dweights = np.dot(dgate, concat.T)
        grads["U_" + k] = dweights[:, :n_a].T
        grads["W_" + k] = dweights[:, n_a:].T
        grads["b_" + k] = np.sum(dgate, axis=1)
        dconcat = dconcat + np.dot(column_weights(params["W_" + k], params["U_" + k]).T, dgate)
    da_prev = dconcat[:n_a]
    dxt = dconcat[n_a:]
    dc_prev = dc_sum * ft
    return dxt.T, da_prev.T, dc_prev.T, grads


def lstm_backward(dh, cache):
    m, T_x, n_a = dh.shape
    n_x = cache[0][8].shape[0] - n_a
    dx = np.zeros((m, T_x, n_x))
    da_prevt = np.zeros((m, n_a))
    dc_prevt = np.zeros((m, n_a))
    grads = None
    for t in reversed(range(T_x)):
        dxt, da_prevt, dc_prevt, step = lstm_cell_backward(dh[:, t, :] + da_prevt, dc_prevt, cache[t])
        dx[:, t, :] = dxt
        grads = step if grads is None else {name: grads[name] + step[name] for name in grads}
    return dx, da_prevt, dc_prevt, grads
