"""A correct LSTM that keeps its caches in small classes with named attributes."""
import numpy as np


class StepCache:
    """Everything one step's backward needs."""

    def __init__(self, x, h_prev, c_prev, params, f, i, g, o, c):
        self.x, self.h_prev, self.c_prev, self.params = x, h_prev, c_prev, params
        self.f, self.i, self.g, self.o, self.c = f, i, g, o, c

    def gate(self, name):
        return getattr(self, name)


class SequenceCache:
    def __init__(self):
        self.steps = []

    def __len__(self):
        return len(self.steps)

    def add(self, step):
        self.steps.append(step)

    def step(self, t):
        return self.steps[t]


class Gate:
    """A gate as an object: its activation and its derivative from the output."""

    def __init__(self, activation, derivative):
        self.activation = activation
        self.derivative = derivative

    def __call__(self, x, h_prev, W, U, b):
        return self.activation(x @ W + h_prev @ U + b)


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    # sigmoid(z) = exp(min(z, 0)) / (exp(min(z, 0)) + exp(min(-z, 0)))
    top = np.exp(np.minimum(z, 0))
    return top / (top + np.exp(np.minimum(-z, 0)))


SIGMOID_GATE = Gate(sigmoid, lambda s: s * (1 - s))
TANH_GATE = Gate(np.tanh, lambda t: 1 - t ** 2)


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return SIGMOID_GATE(x, h_prev, W_f, U_f, b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return SIGMOID_GATE(x, h_prev, W_i, U_i, b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return TANH_GATE(x, h_prev, W_g, U_g, b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return SIGMOID_GATE(x, h_prev, W_o, U_o, b_o)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * np.tanh(c)


def lstm_cell_forward(x, h_prev, c_prev, params):
    f = forget_gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])
    i = input_gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])
    g = candidate(x, h_prev, params["W_g"], params["U_g"], params["b_g"])
    o = output_gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])
    c = cell_update(c_prev, f, i, g)
    return hidden_state(c, o), c, StepCache(x, h_prev, c_prev, params, f, i, g, o, c)


def lstm_forward(x, h0, c0, params):
    cache = SequenceCache()
    hs, cs = [], []
    h, c = h0, c0
    for x_t in np.moveaxis(x, 1, 0):
        h, c, step = lstm_cell_forward(x_t, h, c, params)
        cache.add(step)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, 1), np.stack(cs, 1), cache


def sigmoid_backward(ds, s):
    return ds * SIGMOID_GATE.derivative(s)


def tanh_backward(dt, t):
    return dt * TANH_GATE.derivative(t)


def hidden_state_backward(dh, c, o):
    return tanh_backward(dh * o, np.tanh(c)), dh * np.tanh(c)


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(0)


def lstm_cell_backward(dh, dc, cache):
    dc_h, do = hidden_state_backward(dh, cache.c, cache.o)
    dc_prev, df, di, dg = cell_update_backward(dc + dc_h, cache.c_prev, cache.f, cache.i, cache.g)
    upstream = {"f": df, "i": di, "g": dg, "o": do}
    dx = 0.0
    dh_prev = 0.0
    grads = {}
    for name, gate in (("f", SIGMOID_GATE), ("i", SIGMOID_GATE), ("g", TANH_GATE), ("o", SIGMOID_GATE)):
        dz = upstream[name] * gate.derivative(cache.gate(name))
        parts = gate_backward(dz, cache.x, cache.h_prev, cache.params["W_" + name], cache.params["U_" + name])
        dx = dx + parts[0]
        dh_prev = dh_prev + parts[1]
        grads["W_" + name], grads["U_" + name], grads["b_" + name] = parts[2:]
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    dh_next = np.zeros_like(dh[:, 0])
    dc_next = np.zeros_like(dh[:, 0])
    dx_steps = {}
    totals = {}
    for t in sorted(range(len(cache)), reverse=True):
        dx_steps[t], dh_next, dc_next, grads = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache.step(t))
        for name, value in grads.items():
            totals[name] = totals.get(name, np.zeros_like(value)) + value
    dx = np.stack([dx_steps[t] for t in range(len(cache))], axis=1)
    return dx, dh_next, dc_next, totals
