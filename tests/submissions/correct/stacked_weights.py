"""A correct LSTM that stacks the four gates' weights into one (D, 4H) and one (H, 4H)
matrix, computes all pre-activations with one product, and splits them again."""
import numpy as np

ORDER = ("f", "i", "g", "o")


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    out = np.empty_like(z)
    positive = z >= 0
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    exp_z = np.exp(z[~positive])
    out[~positive] = exp_z / (1.0 + exp_z)
    return out


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(x @ W_f + h_prev @ U_f + b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(x @ W_i + h_prev @ U_i + b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(x @ W_g + h_prev @ U_g + b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(x @ W_o + h_prev @ U_o + b_o)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * np.tanh(c)


def stack(params):
    W = np.concatenate([params["W_" + k] for k in ORDER], axis=1)
    U = np.concatenate([params["U_" + k] for k in ORDER], axis=1)
    b = np.concatenate([params["b_" + k] for k in ORDER])
    return W, U, b


def lstm_cell_forward(x, h_prev, c_prev, params):
    W, U, b = stack(params)
    z = x @ W + h_prev @ U + b
    z_f, z_i, z_g, z_o = np.split(z, 4, axis=1)
    f, i, o = sigmoid(z_f), sigmoid(z_i), sigmoid(z_o)
    g = np.tanh(z_g)
    c = f * c_prev + i * g
    h = o * np.tanh(c)
    gates = np.concatenate([f, i, g, o], axis=1)
    return h, c, (x, h_prev, c_prev, W, U, gates, c)


def lstm_forward(x, h0, c0, params):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, T, H))
    caches = []
    for t in range(T):
        previous_h = h0 if t == 0 else h[:, t - 1]
        previous_c = c0 if t == 0 else c[:, t - 1]
        h[:, t], c[:, t], cache = lstm_cell_forward(x[:, t], previous_h, previous_c, params)
        caches.append(cache)
    return h, c, caches


def sigmoid_backward(ds, s):
    return ds * s * (1 - s)


def tanh_backward(dt, t):
    return dt * (1 - t * t)


def hidden_state_backward(dh, c, o):
    t = np.tanh(c)
    return dh * o * (1 - t * t), dh * t


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, np.sum(dz, axis=0)


def lstm_cell_backward(dh, dc, cache):
    x, h_prev, c_prev, W, U, gates, c = cache
    f, i, g, o = np.split(gates, 4, axis=1)
    tanh_c = np.tanh(c)
    do = dh * tanh_c
    dc_total = dc + dh * o * (1 - tanh_c ** 2)
    dz = np.concatenate([dc_total * c_prev * f * (1 - f),
                         dc_total * g * i * (1 - i),
                         dc_total * i * (1 - g ** 2),
                         do * o * (1 - o)], axis=1)
    dW_all = x.T @ dz
    dU_all = h_prev.T @ dz
    db_all = dz.sum(axis=0)
    grads = {}
    for k, dW, dU, db in zip(ORDER, np.split(dW_all, 4, axis=1), np.split(dU_all, 4, axis=1),
                             np.split(db_all, 4)):
        grads["W_" + k], grads["U_" + k], grads["b_" + k] = dW, dU, db
    return dz @ W.T, dz @ U.T, dc_total * f, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.zeros((N, T, D))
    dh_carry = np.zeros((N, H))
    dc_carry = np.zeros((N, H))
    grads = {}
    for t in range(T - 1, -1, -1):
        dx[:, t], dh_carry, dc_carry, step = lstm_cell_backward(dh[:, t] + dh_carry, dc_carry, cache[t])
        for name in step:
            grads[name] = step[name] + grads[name] if name in grads else step[name]
    return dx, dh_carry, dc_carry, grads
