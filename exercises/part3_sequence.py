"""Part 3: the LSTM over a whole sequence, and backpropagation through time.

The same cell, with the same parameters, runs at every time step t = 0..T-1:

    h[:, t], c[:, t] = lstm_cell_forward(x[:, t], h[:, t-1], c[:, t-1], params)

Backward walks time in reverse. At step t the gradient of h[:, t] is the
upstream dh[:, t] plus what flows back from step t+1 through h; the gradient
of c[:, t] is what flows back from step t+1 through c. Parameter gradients add
up over all steps, because every step uses the same weights.
Check your work with: lstm-grader check
"""
import numpy as np

from part1_cell_forward import lstm_cell_forward
from part2_cell_backward import lstm_cell_backward


def lstm_forward(x, h0, c0, params):
    """Run the LSTM over a sequence.

        for t in 0..T-1:  h_t, c_t = lstm_cell_forward(x_t, h_{t-1}, c_{t-1}, params)

    Args:
        x: input sequence, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        c0: initial cell state, shape (N, H).
        params: the 12 LSTM parameters (see lstm_cell_forward).
    Returns:
        h: hidden states after each step, shape (N, T, H).
        c: cell states after each step, shape (N, T, H).
        cache: whatever your lstm_backward needs.
    Hint: lstm-grader hint lstm_forward
    """
    # YOUR CODE HERE
    raise NotImplementedError("lstm_forward: write your code here")


def lstm_backward(dh, cache):
    """Backpropagation through time over the whole sequence.

        for t = T-1 down to 0:
            dx_t, dh_next, dc_next, grads_t = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache_t)
            grads += grads_t

    Args:
        dh: upstream gradient of every hidden state, shape (N, T, H).
        cache: what your lstm_forward returned.
    Returns:
        dx: shape (N, T, D).
        dh0: gradient of the initial hidden state, shape (N, H).
        dc0: gradient of the initial cell state, shape (N, H).
        grads: dict with the 12 keys of params, summed over all steps.
    Hint: lstm-grader hint lstm_backward
    """
    # YOUR CODE HERE
    raise NotImplementedError("lstm_backward: write your code here")
