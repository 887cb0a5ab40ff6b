"""A correct LSTM whose contract names are lambdas, aliases and functools.partial objects."""
import functools

import numpy as np

sigmoid = lambda z: np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))  # noqa: E731


def my_gate(activation, x, h_prev, W, U, b):
    return activation(x @ W + h_prev @ U + b)


forget_gate = functools.partial(my_gate, sigmoid)
input_gate = lambda x, h_prev, W_i, U_i, b_i: my_gate(sigmoid, x, h_prev, W_i, U_i, b_i)  # noqa: E731


def my_candidate(x, h_prev, W_g, U_g, b_g):
    return np.tanh(x @ W_g + h_prev @ U_g + b_g)


candidate = my_candidate
output_gate = forget_gate
cell_update = lambda c_prev, f, i, g: f * c_prev + i * g  # noqa: E731
hidden_state = lambda c, o: o * np.tanh(c)  # noqa: E731

GATE_FUNCTIONS = {"f": forget_gate, "i": input_gate, "g": candidate, "o": output_gate}


def one_step(x, h_prev, c_prev, params):
    gates = {k: function(x, h_prev, params["W_" + k], params["U_" + k], params["b_" + k])
             for k, function in GATE_FUNCTIONS.items()}
    c = cell_update(c_prev, gates["f"], gates["i"], gates["g"])
    h = hidden_state(c, gates["o"])
    return h, c, dict(gates, x=x, h_prev=h_prev, c_prev=c_prev, c=c, params=params)


lstm_cell_forward = one_step


def run_sequence(x, h0, c0, params):
    states = [(h0, c0, None)]
    for t in range(x.shape[1]):
        states.append(lstm_cell_forward(x[:, t], states[-1][0], states[-1][1], params))
    states = states[1:]
    return (np.stack([s[0] for s in states], 1), np.stack([s[1] for s in states], 1),
            [s[2] for s in states])


lstm_forward = run_sequence
sigmoid_backward = lambda ds, s: ds * s * (1 - s)  # noqa: E731
tanh_backward = lambda dt, t: dt * (1 - t ** 2)  # noqa: E731
hidden_state_backward = lambda dh, c, o: (tanh_backward(dh * o, np.tanh(c)), dh * np.tanh(c))  # noqa: E731
cell_update_backward = lambda dc, c_prev, f, i, g: (dc * f, dc * c_prev, dc * g, dc * i)  # noqa: E731
gate_backward = lambda dz, x, h_prev, W, U: (dz @ W.T, dz @ U.T, x.T @ dz, h_prev.T @ dz,  # noqa: E731
                                             dz.sum(0))
ACTIVATION_BACKWARD = {"f": sigmoid_backward, "i": sigmoid_backward, "g": tanh_backward, "o": sigmoid_backward}


def step_back(dh, dc, cache):
    dc_h, do = hidden_state_backward(dh, cache["c"], cache["o"])
    dc_prev, df, di, dg = cell_update_backward(dc + dc_h, cache["c_prev"], cache["f"], cache["i"], cache["g"])
    upstream = {"f": df, "i": di, "g": dg, "o": do}
    pieces = {k: gate_backward(ACTIVATION_BACKWARD[k](upstream[k], cache[k]), cache["x"], cache["h_prev"],
                               cache["params"]["W_" + k], cache["params"]["U_" + k]) for k in "figo"}
    grads = {f"{kind}_{k}": pieces[k][index] for k in "figo" for index, kind in ((2, "W"), (3, "U"), (4, "b"))}
    dx = functools.reduce(np.add, (pieces[k][0] for k in "figo"))
    dh_prev = functools.reduce(np.add, (pieces[k][1] for k in "figo"))
    return dx, dh_prev, dc_prev, grads


lstm_cell_backward = step_back


def through_time(dh, cache):
    N, T, H = dh.shape
    carry = (np.zeros((N, H)), np.zeros((N, H)))
    dx, grads = {}, {}
    for t in reversed(range(T)):
        dx[t], dh_prev, dc_prev, step = lstm_cell_backward(dh[:, t] + carry[0], carry[1], cache[t])
        carry = (dh_prev, dc_prev)
        grads = {name: grads.get(name, 0) + value for name, value in step.items()}
    return np.stack([dx[t] for t in range(T)], 1), carry[0], carry[1], grads


lstm_backward = through_time
