"""A correct LSTM whose step cache is a dict, whose sequence cache is a list of
those dicts, and whose backpropagation through time is a while loop."""
import numpy as np


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    small = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + small), small / (1 + small))


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(np.dot(x, W_f) + np.dot(h_prev, U_f) + b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(np.dot(x, W_i) + np.dot(h_prev, U_i) + b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(np.dot(x, W_g) + np.dot(h_prev, U_g) + b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(np.dot(x, W_o) + np.dot(h_prev, U_o) + b_o)


def cell_update(c_prev, f, i, g):
    return np.add(np.multiply(f, c_prev), np.multiply(i, g))


def hidden_state(c, o):
    return np.multiply(o, np.tanh(c))


def lstm_cell_forward(x, h_prev, c_prev, params):
    cache = {"x": x, "h_prev": h_prev, "c_prev": c_prev, "params": params}
    cache["f"] = forget_gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])
    cache["i"] = input_gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])
    cache["g"] = candidate(x, h_prev, params["W_g"], params["U_g"], params["b_g"])
    cache["o"] = output_gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])
    cache["c"] = cell_update(c_prev, cache["f"], cache["i"], cache["g"])
    cache["h"] = hidden_state(cache["c"], cache["o"])
    return cache["h"], cache["c"], cache


def lstm_forward(x, h0, c0, params):
    steps = []
    h_t, c_t = h0, c0
    for t in range(x.shape[1]):
        h_t, c_t, step = lstm_cell_forward(x[:, t, :], h_t, c_t, params)
        steps.append(step)
    h = np.stack([step["h"] for step in steps], axis=1)
    c = np.stack([step["c"] for step in steps], axis=1)
    return h, c, steps


def sigmoid_backward(ds, s):
    return ds * (s - s ** 2)


def tanh_backward(dt, t):
    return dt - dt * t ** 2


def hidden_state_backward(dh, c, o):
    tanh_c = np.tanh(c)
    return tanh_backward(dh * o, tanh_c), dh * tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    return (np.dot(dz, W.T), np.dot(dz, U.T), np.dot(x.T, dz), np.dot(h_prev.T, dz),
            np.add.reduce(dz, axis=0))


def lstm_cell_backward(dh, dc, cache):
    dc_from_h, do = hidden_state_backward(dh, cache["c"], cache["o"])
    dc_prev, df, di, dg = cell_update_backward(dc + dc_from_h, cache["c_prev"], cache["f"], cache["i"],
                                               cache["g"])
    upstream = {"f": sigmoid_backward(df, cache["f"]), "i": sigmoid_backward(di, cache["i"]),
                "g": tanh_backward(dg, cache["g"]), "o": sigmoid_backward(do, cache["o"])}
    results = {k: gate_backward(dz, cache["x"], cache["h_prev"], cache["params"]["W_" + k],
                                cache["params"]["U_" + k]) for k, dz in upstream.items()}
    dx = sum(result[0] for result in results.values())
    dh_prev = sum(result[1] for result in results.values())
    grads = {}
    for k, (_, _, dW, dU, db) in results.items():
        grads.update({"W_" + k: dW, "U_" + k: dU, "b_" + k: db})
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    dx = [None] * T
    dh_next = np.zeros((N, H))
    dc_next = np.zeros((N, H))
    grads = {name: np.zeros_like(value) for name, value in cache[0]["params"].items()}
    t = T - 1
    while t >= 0:
        dx[t], dh_next, dc_next, step = lstm_cell_backward(dh[:, t, :] + dh_next, dc_next, cache[t])
        for name in grads:
            grads[name] = grads[name] + step[name]
        t -= 1
    return np.stack(dx, axis=1), dh_next, dc_next, grads
