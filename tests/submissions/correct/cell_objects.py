"""A correct LSTM built from objects: an LSTMCell that remembers its own forward pass and
runs its own backward, used as the cache; a Gradients accumulator with +=; the activations
as static methods of a class. The contract's functions are thin wrappers."""
import numpy as np

GATES = ("f", "i", "g", "o")


class Activation:
    @staticmethod
    def sigmoid(z):
        z = np.asarray(z, dtype=np.float64)
        small = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, small) / (1.0 + small)

    @staticmethod
    def sigmoid_grad(upstream, s):
        return upstream * s * (1.0 - s)

    @staticmethod
    def tanh_grad(upstream, t):
        return upstream * (1.0 - t * t)


class Gradients:
    """The 12 parameter gradients; `+=` adds another Gradients into new arrays."""

    def __init__(self, values):
        self.values = dict(values)

    def __iadd__(self, other):
        self.values = {name: self.values[name] + other.values[name] for name in self.values}
        return self

    def as_dict(self):
        return dict(self.values)


class Gate:
    def __init__(self, W, U, b, activation):
        self.W, self.U, self.b, self.activation = W, U, b, activation

    def __call__(self, x, h_prev):
        return self.activation(x @ self.W + h_prev @ self.U + self.b)


class LSTMCell:
    def __init__(self, params):
        self.params = params
        self.gates = {k: Gate(params["W_" + k], params["U_" + k], params["b_" + k],
                              np.tanh if k == "g" else Activation.sigmoid) for k in GATES}

    def forward(self, x, h_prev, c_prev):
        self.x, self.h_prev, self.c_prev = x, h_prev, c_prev
        self.values = {k: gate(x, h_prev) for k, gate in self.gates.items()}
        v = self.values
        self.c = v["f"] * c_prev + v["i"] * v["g"]
        self.tanh_c = np.tanh(self.c)
        self.h = v["o"] * self.tanh_c
        return self.h, self.c

    def backward(self, dh, dc):
        v = self.values
        dc_total = dc + Activation.tanh_grad(dh * v["o"], self.tanh_c)
        dz = {"f": Activation.sigmoid_grad(dc_total * self.c_prev, v["f"]),
              "i": Activation.sigmoid_grad(dc_total * v["g"], v["i"]),
              "g": Activation.tanh_grad(dc_total * v["i"], v["g"]),
              "o": Activation.sigmoid_grad(dh * self.tanh_c, v["o"])}
        dx = sum(dz[k] @ self.gates[k].W.T for k in GATES)
        dh_prev = sum(dz[k] @ self.gates[k].U.T for k in GATES)
        grads = {}
        for k in GATES:
            grads["W_" + k] = self.x.T @ dz[k]
            grads["U_" + k] = self.h_prev.T @ dz[k]
            grads["b_" + k] = dz[k].sum(axis=0)
        return dx, dh_prev, dc_total * v["f"], Gradients(grads)


def sigmoid(z):
    return Activation.sigmoid(z)


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return Gate(W_f, U_f, b_f, Activation.sigmoid)(x, h_prev)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return Gate(W_i, U_i, b_i, Activation.sigmoid)(x, h_prev)


def candidate(x, h_prev, W_g, U_g, b_g):
    return Gate(W_g, U_g, b_g, np.tanh)(x, h_prev)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return Gate(W_o, U_o, b_o, Activation.sigmoid)(x, h_prev)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * np.tanh(c)


def lstm_cell_forward(x, h_prev, c_prev, params):
    cell = LSTMCell(params)
    h, c = cell.forward(x, h_prev, c_prev)
    return h, c, cell


def lstm_forward(x, h0, c0, params):
    cells, hs, cs = [], [], []
    h_t, c_t = h0, c0
    for t in range(x.shape[1]):
        cell = LSTMCell(params)
        h_t, c_t = cell.forward(x[:, t], h_t, c_t)
        cells.append(cell)
        hs.append(h_t)
        cs.append(c_t)
    return np.stack(hs, axis=1), np.stack(cs, axis=1), cells


def sigmoid_backward(ds, s):
    return Activation.sigmoid_grad(ds, s)


def tanh_backward(dt, t):
    return Activation.tanh_grad(dt, t)


def hidden_state_backward(dh, c, o):
    tanh_c = np.tanh(c)
    return Activation.tanh_grad(dh * o, tanh_c), dh * tanh_c


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    return dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0)


def lstm_cell_backward(dh, dc, cache):
    dx, dh_prev, dc_prev, grads = cache.backward(dh, dc)
    return dx, dh_prev, dc_prev, grads.as_dict()


def lstm_backward(dh, cache):
    total = None
    dx_steps = []
    dh_next = np.zeros_like(dh[:, 0])
    dc_next = np.zeros_like(dh[:, 0])
    for t, cell in reversed(list(enumerate(cache))):
        dx_t, dh_next, dc_next, step = cell.backward(dh[:, t] + dh_next, dc_next)
        dx_steps.insert(0, dx_t)
        if total is None:
            total = step
        else:
            total += step
    return np.stack(dx_steps, axis=1), dh_next, dc_next, total.as_dict()
