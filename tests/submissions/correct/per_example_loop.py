"""A correct LSTM that works one example at a time: every function loops over the batch,
each example is a 1-D vector, products are vector-matrix np.dot, weight gradients are
sums of np.outer, and the sigmoid is (1 + tanh(z / 2)) / 2."""
import numpy as np

GATES = ("f", "i", "g", "o")


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def rows(function, *arrays):
    """Apply `function` to row n of every array, for each n, and stack the results."""
    return np.array([function(*(array[n] for array in arrays)) for n in range(len(arrays[0]))])


def affine_row(x_n, h_n, W, U, b):
    return np.dot(x_n, W) + np.dot(h_n, U) + b


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return rows(lambda x_n, h_n: sigmoid(affine_row(x_n, h_n, W_f, U_f, b_f)), x, h_prev)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return rows(lambda x_n, h_n: sigmoid(affine_row(x_n, h_n, W_i, U_i, b_i)), x, h_prev)


def candidate(x, h_prev, W_g, U_g, b_g):
    return rows(lambda x_n, h_n: np.tanh(affine_row(x_n, h_n, W_g, U_g, b_g)), x, h_prev)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return rows(lambda x_n, h_n: sigmoid(affine_row(x_n, h_n, W_o, U_o, b_o)), x, h_prev)


def cell_update(c_prev, f, i, g):
    return rows(lambda c_n, f_n, i_n, g_n: f_n * c_n + i_n * g_n, c_prev, f, i, g)


def hidden_state(c, o):
    return rows(lambda c_n, o_n: o_n * np.tanh(c_n), c, o)


def step_one(x_n, h_n, c_n, params):
    """One example through one step: (h, c, what its backward needs)."""
    gate = {}
    for k in GATES:
        z = affine_row(x_n, h_n, params["W_" + k], params["U_" + k], params["b_" + k])
        gate[k] = np.tanh(z) if k == "g" else sigmoid(z)
    c_new = gate["f"] * c_n + gate["i"] * gate["g"]
    h_new = gate["o"] * np.tanh(c_new)
    return h_new, c_new, (x_n, h_n, c_n, gate, c_new)


def lstm_cell_forward(x, h_prev, c_prev, params):
    results = [step_one(x[n], h_prev[n], c_prev[n], params) for n in range(x.shape[0])]
    h = np.array([result[0] for result in results])
    c = np.array([result[1] for result in results])
    return h, c, {"examples": [result[2] for result in results], "params": params}


def lstm_forward(x, h0, c0, params):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    c = np.zeros((N, T, H))
    examples = []
    for n in range(N):
        h_n, c_n, steps = h0[n], c0[n], []
        for t in range(T):
            h_n, c_n, step = step_one(x[n, t], h_n, c_n, params)
            h[n, t], c[n, t] = h_n, c_n
            steps.append(step)
        examples.append(steps)
    return h, c, {"examples": examples, "params": params}


def sigmoid_backward(ds, s):
    return rows(lambda ds_n, s_n: ds_n * s_n * (1.0 - s_n), ds, s)


def tanh_backward(dt, t):
    return rows(lambda dt_n, t_n: dt_n * (1.0 - t_n * t_n), dt, t)


def hidden_state_backward(dh, c, o):
    dc = rows(lambda dh_n, c_n, o_n: dh_n * o_n * (1.0 - np.tanh(c_n) ** 2), dh, c, o)
    do = rows(lambda dh_n, c_n: dh_n * np.tanh(c_n), dh, c)
    return dc, do


def cell_update_backward(dc, c_prev, f, i, g):
    return (rows(lambda dc_n, f_n: dc_n * f_n, dc, f), rows(lambda dc_n, c_n: dc_n * c_n, dc, c_prev),
            rows(lambda dc_n, g_n: dc_n * g_n, dc, g), rows(lambda dc_n, i_n: dc_n * i_n, dc, i))


def gate_backward(dz, x, h_prev, W, U):
    dx = rows(lambda dz_n: np.dot(W, dz_n), dz)
    dh_prev = rows(lambda dz_n: np.dot(U, dz_n), dz)
    dW = np.zeros(W.shape)
    dU = np.zeros(U.shape)
    db = np.zeros(U.shape[1])
    for n in range(dz.shape[0]):
        dW = dW + np.outer(x[n], dz[n])
        dU = dU + np.outer(h_prev[n], dz[n])
        db = db + dz[n]
    return dx, dh_prev, dW, dU, db


def zero_grads(params):
    return {name: np.zeros(value.shape) for name, value in params.items()}


def step_one_backward(dh_n, dc_n, step, params, grads):
    """One example back through one step; adds its parameter gradients into `grads` (a dict of our own)."""
    x_n, h_n, c_n, gate, c_new = step
    f, i, g, o = gate["f"], gate["i"], gate["g"], gate["o"]
    tanh_c = np.tanh(c_new)
    dc_total = dc_n + dh_n * o * (1.0 - tanh_c * tanh_c)
    dz = {"f": dc_total * c_n * f * (1.0 - f), "i": dc_total * g * i * (1.0 - i),
          "g": dc_total * i * (1.0 - g * g), "o": dh_n * tanh_c * o * (1.0 - o)}
    dx_n = np.zeros(x_n.shape)
    dh_prev_n = np.zeros(h_n.shape)
    for k in GATES:
        dx_n = dx_n + np.dot(params["W_" + k], dz[k])
        dh_prev_n = dh_prev_n + np.dot(params["U_" + k], dz[k])
        grads["W_" + k] = grads["W_" + k] + np.outer(x_n, dz[k])
        grads["U_" + k] = grads["U_" + k] + np.outer(h_n, dz[k])
        grads["b_" + k] = grads["b_" + k] + dz[k]
    return dx_n, dh_prev_n, dc_total * f


def lstm_cell_backward(dh, dc, cache):
    params = cache["params"]
    grads = zero_grads(params)
    dx, dh_prev, dc_prev = [], [], []
    for n, step in enumerate(cache["examples"]):
        dx_n, dh_prev_n, dc_prev_n = step_one_backward(dh[n], dc[n], step, params, grads)
        dx.append(dx_n)
        dh_prev.append(dh_prev_n)
        dc_prev.append(dc_prev_n)
    return np.array(dx), np.array(dh_prev), np.array(dc_prev), grads


def lstm_backward(dh, cache):
    params = cache["params"]
    N, T, H = dh.shape
    D = params["W_f"].shape[0]
    grads = zero_grads(params)
    dx = np.zeros((N, T, D))
    dh0 = np.zeros((N, H))
    dc0 = np.zeros((N, H))
    for n, steps in enumerate(cache["examples"]):
        dh_next, dc_next = np.zeros(H), np.zeros(H)
        for t in range(T - 1, -1, -1):
            dx[n, t], dh_next, dc_next = step_one_backward(dh[n, t] + dh_next, dc_next, steps[t], params, grads)
        dh0[n], dc0[n] = dh_next, dc_next
    return dx, dh0, dc0, grads
