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
    # YOUR CODE HERE
    raise NotImplementedError("sigmoid_backward: write your code here")


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
    # YOUR CODE HERE
    raise NotImplementedError("tanh_backward: write your code here")


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
    # YOUR CODE HERE
    raise NotImplementedError("hidden_state_backward: write your code here")


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
    # YOUR CODE HERE
    raise NotImplementedError("cell_update_backward: write your code here")


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
    # YOUR CODE HERE
    raise NotImplementedError("gate_backward: write your code here")


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
    # YOUR CODE HERE
    raise NotImplementedError("lstm_cell_backward: write your code here")
