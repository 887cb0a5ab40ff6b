"""A correct LSTM with namedtuple caches, and namedtuples for results inside.

gate_backward builds a namedtuple but hands the grader a plain tuple: the grader
does not yet accept a namedtuple where the contract asks for a tuple (see
tests/test_correct_variants.py).
"""
from collections import namedtuple

import numpy as np

Gates = namedtuple("Gates", "f i g o")
StepCache = namedtuple("StepCache", "x h_prev c_prev params gates c")
SequenceCache = namedtuple("SequenceCache", "steps")


def sigmoid(z):
    z = np.asarray(z, dtype=np.float64)
    result = np.zeros_like(z)
    np.divide(1.0, 1.0 + np.exp(-z, where=z >= 0, out=np.zeros_like(z)), out=result, where=z >= 0)
    exp_negative = np.exp(z, where=z < 0, out=np.zeros_like(z))
    np.divide(exp_negative, 1.0 + exp_negative, out=result, where=z < 0)
    return result


def forget_gate(x, h_prev, W_f, U_f, b_f):
    return sigmoid(np.matmul(x, W_f) + np.matmul(h_prev, U_f) + b_f)


def input_gate(x, h_prev, W_i, U_i, b_i):
    return sigmoid(np.matmul(x, W_i) + np.matmul(h_prev, U_i) + b_i)


def candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(np.matmul(x, W_g) + np.matmul(h_prev, U_g) + b_g)


def output_gate(x, h_prev, W_o, U_o, b_o):
    return sigmoid(np.matmul(x, W_o) + np.matmul(h_prev, U_o) + b_o)


def cell_update(c_prev, f, i, g):
    return f * c_prev + i * g


def hidden_state(c, o):
    return o * np.tanh(c)


def lstm_cell_forward(x, h_prev, c_prev, params):
    p = params
    gates = Gates(forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"]),
                  input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"]),
                  candidate(x, h_prev, p["W_g"], p["U_g"], p["b_g"]),
                  output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"]))
    c = cell_update(c_prev, gates.f, gates.i, gates.g)
    h = hidden_state(c, gates.o)
    return h, c, StepCache(x, h_prev, c_prev, params, gates, c)


def lstm_forward(x, h0, c0, params):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    c = np.empty_like(h)
    steps = []
    state = (h0, c0)
    for t in range(T):
        h_t, c_t, step = lstm_cell_forward(x[:, t], state[0], state[1], params)
        h[:, t] = h_t
        c[:, t] = c_t
        state = (h_t, c_t)
        steps.append(step)
    return h, c, SequenceCache(tuple(steps))


def sigmoid_backward(ds, s):
    return ds * s * (1.0 - s)


def tanh_backward(dt, t):
    return dt * (1.0 + t) * (1.0 - t)


def hidden_state_backward(dh, c, o):
    t = np.tanh(c)
    return tanh_backward(dh * o, t), dh * t


def cell_update_backward(dc, c_prev, f, i, g):
    return dc * f, dc * c_prev, dc * g, dc * i


GateGrads = namedtuple("GateGrads", "dx dh_prev dW dU db")


def gate_grads(dz, x, h_prev, W, U):
    return GateGrads(dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz, dz.sum(axis=0))


def gate_backward(dz, x, h_prev, W, U):
    return tuple(gate_grads(dz, x, h_prev, W, U))


def lstm_cell_backward(dh, dc, cache):
    gates = cache.gates
    dc_from_h, do = hidden_state_backward(dh, cache.c, gates.o)
    dc_prev, df, di, dg = cell_update_backward(dc + dc_from_h, cache.c_prev, gates.f, gates.i, gates.g)
    dz = Gates(sigmoid_backward(df, gates.f), sigmoid_backward(di, gates.i),
               tanh_backward(dg, gates.g), sigmoid_backward(do, gates.o))
    dx = np.zeros_like(cache.x)
    dh_prev = np.zeros_like(cache.h_prev)
    grads = {}
    for name in Gates._fields:
        result = gate_grads(getattr(dz, name), cache.x, cache.h_prev, cache.params["W_" + name],
                               cache.params["U_" + name])
        dx = dx + result.dx
        dh_prev = dh_prev + result.dh_prev
        grads["W_" + name] = result.dW
        grads["U_" + name] = result.dU
        grads["b_" + name] = result.db
    return dx, dh_prev, dc_prev, grads


def lstm_backward(dh, cache):
    T = len(cache.steps)
    dx = np.zeros(dh.shape[:2] + (cache.steps[0].x.shape[1],))
    carry = (np.zeros_like(dh[:, 0]), np.zeros_like(dh[:, 0]))
    grads = {}
    for t in range(T)[::-1]:
        dx[:, t], dh_prev, dc_prev, step = lstm_cell_backward(dh[:, t] + carry[0], carry[1], cache.steps[t])
        carry = (dh_prev, dc_prev)
        for name, value in step.items():
            grads[name] = grads[name] + value if name in grads else value.copy()
    return dx, carry[0], carry[1], grads
