"""Part 2: one LSTM cell, backward.

Backpropagation runs the forward equations in reverse. Each function gets the
gradient of the loss with respect to its outputs (the "upstream" gradient,
written dh, dc, ...) and returns the gradient with respect to its inputs.

    dL/dz = dL/ds * s * (1 - s)          for s = sigmoid(z)
    dL/dz = dL/dt * (1 - t**2)           for t = tanh(z)

The cell state is the LSTM's gradient highway: dc_prev = dc * f, with no
squashing derivative in between, so when f is near 1 the gradient survives.
Check your work with: lstm-grader check
"""
import numpy as np

GATES = ("f", "i", "g", "o")


def sigmoid_backward(ds, s):
    """Gradient through a sigmoid, given its output.

        dz = ds * s * (1 - s)        where s = sigmoid(z)

    Args:
        ds: upstream gradient dL/ds, shape (...).
        s: the sigmoid's output, same shape.
    Returns:
        dz: gradient dL/dz, same shape.
    Hint: lstm-grader hint sigmoid_backward
    """
    ### BEGIN SOLUTION
    dz = ds * s * (1.0 - s)
    return dz
    ### END SOLUTION


def tanh_backward(dt, t):
    """Gradient through a tanh, given its output.

        dz = dt * (1 - t**2)         where t = tanh(z)

    Args:
        dt: upstream gradient dL/dt, shape (...).
        t: the tanh's output, same shape.
    Returns:
        dz: gradient dL/dz, same shape.
    Hint: lstm-grader hint tanh_backward
    """
    ### BEGIN SOLUTION
    dz = dt * (1.0 - t**2)
    return dz
    ### END SOLUTION


def hidden_state_backward(dh, c, o):
    """Gradient through h = o * tanh(c).

        dc = dh * o * (1 - tanh(c)**2)
        do = dh * tanh(c)

    Args:
        dh: upstream gradient dL/dh, shape (N, H).
        c: the cell state h was computed from, shape (N, H).
        o: the output gate, shape (N, H).
    Returns:
        dc: gradient dL/dc through h only, shape (N, H).
        do: gradient dL/do, shape (N, H).
    Hint: lstm-grader hint hidden_state_backward
    """
    ### BEGIN SOLUTION
    tanh_c = np.tanh(c)
    dc = tanh_backward(dh * o, tanh_c)
    do = dh * tanh_c
    return dc, do
    ### END SOLUTION


def cell_update_backward(dc, c_prev, f, i, g):
    """Gradient through c = f * c_prev + i * g.

        dc_prev = dc * f      df = dc * c_prev      di = dc * g      dg = dc * i

    Args:
        dc: upstream gradient dL/dc, shape (N, H).
        c_prev: cell state of the previous step, shape (N, H).
        f: forget gate, shape (N, H).
        i: input gate, shape (N, H).
        g: candidate, shape (N, H).
    Returns:
        dc_prev, df, di, dg: gradients, each shape (N, H).
    Hint: lstm-grader hint cell_update_backward
    """
    ### BEGIN SOLUTION
    dc_prev = dc * f
    df = dc * c_prev
    di = dc * g
    dg = dc * i
    return dc_prev, df, di, dg
    ### END SOLUTION


def gate_backward(dz, x, h_prev, W, U):
    """Gradient through one gate's pre-activation z = x @ W + h_prev @ U + b.

        dx = dz @ W.T      dh_prev = dz @ U.T
        dW = x.T @ dz      dU = h_prev.T @ dz      db = dz summed over the batch

    Args:
        dz: upstream gradient dL/dz, shape (N, H).
        x: input, shape (N, D).
        h_prev: previous hidden state, shape (N, H).
        W: input-to-hidden weights, shape (D, H).
        U: hidden-to-hidden weights, shape (H, H).
    Returns:
        dx: shape (N, D).
        dh_prev: shape (N, H).
        dW: shape (D, H).
        dU: shape (H, H).
        db: shape (H,).
    Hint: lstm-grader hint gate_backward
    """
    ### BEGIN SOLUTION
    dx = dz @ W.T
    dh_prev = dz @ U.T
    dW = x.T @ dz
    dU = h_prev.T @ dz
    db = dz.sum(axis=0)
    return dx, dh_prev, dW, dU, db
    ### END SOLUTION


def lstm_cell_backward(dh, dc, cache):
    """Backward pass of one LSTM step.

        dc_total = dc + (the part of dh that reaches c through h = o * tanh(c))
        dc_prev  = dc_total * f
        then each gate: through its sigmoid or tanh, then gate_backward;
        dx and dh_prev add up the contributions of all four gates.

    Args:
        dh: upstream gradient of this step's h, shape (N, H).
        dc: upstream gradient of this step's c (from the next step), shape (N, H).
        cache: what your lstm_cell_forward returned.
    Returns:
        dx: shape (N, D).
        dh_prev: shape (N, H).
        dc_prev: shape (N, H).
        grads: dict with the 12 keys of params; grads["W_f"] is dL/dW_f.
    Hint: lstm-grader hint lstm_cell_backward
    """
    ### BEGIN SOLUTION
    x, h_prev, c_prev, params, f, i, g, o, c = cache
    dc_from_h, do = hidden_state_backward(dh, c, o)
    dc_total = dc + dc_from_h
    dc_prev, df, di, dg = cell_update_backward(dc_total, c_prev, f, i, g)
    # gradients at each gate's pre-activation
    dz = {
        "f": sigmoid_backward(df, f),
        "i": sigmoid_backward(di, i),
        "g": tanh_backward(dg, g),
        "o": sigmoid_backward(do, o),
    }
    dx = np.zeros_like(x)
    dh_prev = np.zeros_like(h_prev)
    grads = {}
    for k in GATES:
        dx_k, dh_k, dW, dU, db = gate_backward(dz[k], x, h_prev, params["W_" + k], params["U_" + k])
        dx += dx_k
        dh_prev += dh_k
        grads["W_" + k], grads["U_" + k], grads["b_" + k] = dW, dU, db
    return dx, dh_prev, dc_prev, grads
    ### END SOLUTION
