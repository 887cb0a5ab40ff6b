"""A correct LSTM that prints debug output everywhere, as students do while debugging."""
import sys

import numpy as np

print("=" * 70)
print("loading my LSTM ...")
for line_number in range(500):
    print(f"debug line {line_number}: numpy {np.__version__}, everything fine so far " + "." * 40)
print("some warnings to stderr too", file=sys.stderr)
np.set_printoptions(precision=3)


def sigmoid(z):
    print("sigmoid got", np.shape(z), "min", np.min(z), "max", np.max(z))
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    print("sigmoid ->", s)
    return s


def forget_gate(x, h_prev, W_f, U_f, b_f):
    print("forget_gate x =", x, "h_prev =", h_prev)
    f = sigmoid(x @ W_f + h_prev @ U_f + b_f)
    print("f =", f)
    return f


def input_gate(x, h_prev, W_i, U_i, b_i):
    print("input_gate shapes", x.shape, h_prev.shape, W_i.shape, U_i.shape, b_i.shape)
    i = sigmoid(x @ W_i + h_prev @ U_i + b_i)
    print("i =", i)
    return i


def candidate(x, h_prev, W_g, U_g, b_g):
    g = np.tanh(x @ W_g + h_prev @ U_g + b_g)
    print("g =", g, file=sys.stderr)
    return g


def output_gate(x, h_prev, W_o, U_o, b_o):
    o = sigmoid(x @ W_o + h_prev @ U_o + b_o)
    print("o =", o)
    return o


def cell_update(c_prev, f, i, g):
    c = f * c_prev + i * g
    print("c =", c, "(was", c_prev, ")")
    return c


def hidden_state(c, o):
    h = o * np.tanh(c)
    print("h =", h)
    return h


def lstm_cell_forward(x, h_prev, c_prev, params):
    print("---- cell forward, params:", sorted(params))
    f = forget_gate(x, h_prev, params["W_f"], params["U_f"], params["b_f"])
    i = input_gate(x, h_prev, params["W_i"], params["U_i"], params["b_i"])
    g = candidate(x, h_prev, params["W_g"], params["U_g"], params["b_g"])
    o = output_gate(x, h_prev, params["W_o"], params["U_o"], params["b_o"])
    c = cell_update(c_prev, f, i, g)
    h = hidden_state(c, o)
    return h, c, (x, h_prev, c_prev, params, f, i, g, o, c)


def lstm_forward(x, h0, c0, params):
    N, T, _ = x.shape
    print(f"lstm_forward N={N} T={T}")
    h = np.zeros((N, T, h0.shape[1]))
    c = np.zeros((N, T, h0.shape[1]))
    caches = []
    h_t, c_t = h0, c0
    for t in range(T):
        print("  step", t)
        h_t, c_t, cache = lstm_cell_forward(x[:, t], h_t, c_t, params)
        h[:, t], c[:, t] = h_t, c_t
        caches.append(cache)
    print("done:", h)
    return h, c, caches


def sigmoid_backward(ds, s):
    print("sigmoid_backward", ds, s)
    return ds * s * (1 - s)


def tanh_backward(dt, t):
    print("tanh_backward", dt, t)
    return dt * (1 - t ** 2)


def hidden_state_backward(dh, c, o):
    print("hidden_state_backward", dh.shape)
    t = np.tanh(c)
    return tanh_backward(dh * o, t), dh * t


def cell_update_backward(dc, c_prev, f, i, g):
    print("cell_update_backward", dc)
    return dc * f, dc * c_prev, dc * g, dc * i


def gate_backward(dz, x, h_prev, W, U):
    print("gate_backward dz =", dz)
    grads = (dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0))
    print("gate_backward ->", grads)
    return grads


def lstm_cell_backward(dh, dc, cache):
    print("==== cell backward", dh, dc)
    x, h_prev, c_prev, params, f, i, g, o, c = cache
    dc_h, do = hidden_state_backward(dh, c, o)
    dc_prev, df, di, dg = cell_update_backward(dc + dc_h, c_prev, f, i, g)
    dzs = {"f": sigmoid_backward(df, f), "i": sigmoid_backward(di, i), "g": tanh_backward(dg, g),
           "o": sigmoid_backward(do, o)}
    dx, dh_prev, grads = 0, 0, {}
    for k, dz in dzs.items():
        d_x, d_h, grads["W_" + k], grads["U_" + k], grads["b_" + k] = gate_backward(
            dz, x, h_prev, params["W_" + k], params["U_" + k])
        dx = dx + d_x
        dh_prev = dh_prev + d_h
    print("grads:", grads)
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    N, T, H = dh.shape
    print("BPTT over", T, "steps")
    dx = [None] * T
    dh_next, dc_next = np.zeros((N, H)), np.zeros((N, H))
    grads = {}
    for t in reversed(range(T)):
        print("  back through step", t)
        dx[t], dh_next, dc_next, step = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])
        for name, value in step.items():
            grads[name] = grads.get(name, 0) + value
    print("dh0 =", dh_next, "dc0 =", dc_next)
    return np.stack(dx, axis=1), dh_next, dc_next, grads


print("my LSTM is loaded!")
