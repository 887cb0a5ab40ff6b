"""Part 6 (bonus): why the cell path keeps gradients alive.

How much does the last output depend on an input T steps back? Take the loss

    L = sum(h[:, T-1])                   the hidden state after the last step

and measure, for every step t, the size of its gradient:

    norms[t] = ||dL/dx[:, t]||           the norm over all N * D entries

In a vanilla tanh RNN this gradient is multiplied by U.T and a tanh
derivative at every step back, so it shrinks geometrically: the network
cannot learn from inputs far in the past. In the LSTM the cell path
multiplies by the forget gate only (dc_prev = dc * f); with f near 1 the
gradient survives. `lstm-grader plot gradient-flow` draws both.
Check your work with: lstm-grader check --part gradient_norms
"""
import numpy as np

from part3_sequence import lstm_backward, lstm_forward


def gradient_norms(x, h0, c0, params):
    """Gradient norm of the last hidden state with respect to each input step.

        h, c, cache = lstm_forward(x, h0, c0, params)
        dh = zeros like h, with dh[:, T-1] = 1        (L = sum(h[:, T-1]))
        dx, _, _, _ = lstm_backward(dh, cache)
        norms[t] = sqrt(sum(dx[:, t] ** 2))

    Args:
        x: input sequence, shape (N, T, D).
        h0: initial hidden state, shape (N, H).
        c0: initial cell state, shape (N, H).
        params: the 12 LSTM parameters.
    Returns:
        norms: shape (T,); norms[t] = ||dL/dx[:, t]||.
    Hint: lstm-grader hint gradient_norms
    """
    ### BEGIN SOLUTION
    h, _, cache = lstm_forward(x, h0, c0, params)
    dh = np.zeros_like(h)
    dh[:, -1] = 1.0
    dx, _, _, _ = lstm_backward(dh, cache)
    norms = np.sqrt(np.sum(dx ** 2, axis=(0, 2)))
    return norms
    ### END SOLUTION
