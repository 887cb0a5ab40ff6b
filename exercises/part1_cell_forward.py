"""Part 1: one LSTM cell, forward.

The LSTM keeps two states: the cell state c, a memory that is changed only by
element-wise gating, and the hidden state h, what the cell shows the next layer.
Three gates in (0, 1) decide what to forget, what to write and what to read:

    f = sigmoid(x @ W_f + h_prev @ U_f + b_f)        forget gate
    i = sigmoid(x @ W_i + h_prev @ U_i + b_i)        input gate
    g = tanh   (x @ W_g + h_prev @ U_g + b_g)        candidate
    o = sigmoid(x @ W_o + h_prev @ U_o + b_o)        output gate
    c = f * c_prev + i * g                           cell update
    h = o * tanh(c)                                  hidden state

Shapes: x (N, D); h_prev, c_prev (N, H); W_k (D, H); U_k (H, H); b_k (H,).
Check your work with: lstm-grader check
"""
import numpy as np


def sigmoid(z):
    """Logistic sigmoid, computed without overflow.

        sigmoid(z) = 1 / (1 + exp(-z))

    For very negative z, exp(-z) overflows; use the equivalent
    exp(z) / (1 + exp(z)) there, so no warning appears for |z| up to 1e4.

    Args:
        z: any array of pre-activations, shape (...).
    Returns:
        s: values in (0, 1), same shape as z.
    Hint: lstm-grader hint sigmoid
    """
    # YOUR CODE HERE
    raise NotImplementedError("sigmoid: write your code here")


def forget_gate(x, h_prev, W_f, U_f, b_f):
    """Forget gate: how much of the old cell state to keep.

        f = sigmoid(x @ W_f + h_prev @ U_f + b_f)

    Args:
        x: input at this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        W_f: input-to-hidden weights, shape (D, H).
        U_f: hidden-to-hidden weights, shape (H, H).
        b_f: bias, shape (H,).
    Returns:
        f: gate values in (0, 1), shape (N, H).
    Hint: lstm-grader hint forget_gate
    """
    # YOUR CODE HERE
    raise NotImplementedError("forget_gate: write your code here")


def input_gate(x, h_prev, W_i, U_i, b_i):
    """Input gate: how much of the candidate to write into the cell.

        i = sigmoid(x @ W_i + h_prev @ U_i + b_i)

    Args:
        x: input at this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        W_i: input-to-hidden weights, shape (D, H).
        U_i: hidden-to-hidden weights, shape (H, H).
        b_i: bias, shape (H,).
    Returns:
        i: gate values in (0, 1), shape (N, H).
    Hint: lstm-grader hint input_gate
    """
    # YOUR CODE HERE
    raise NotImplementedError("input_gate: write your code here")


def candidate(x, h_prev, W_g, U_g, b_g):
    """Candidate: the new content that may be written into the cell.

        g = tanh(x @ W_g + h_prev @ U_g + b_g)

    Args:
        x: input at this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        W_g: input-to-hidden weights, shape (D, H).
        U_g: hidden-to-hidden weights, shape (H, H).
        b_g: bias, shape (H,).
    Returns:
        g: candidate values in (-1, 1), shape (N, H).
    Hint: lstm-grader hint candidate
    """
    # YOUR CODE HERE
    raise NotImplementedError("candidate: write your code here")


def output_gate(x, h_prev, W_o, U_o, b_o):
    """Output gate: how much of the cell to show as the hidden state.

        o = sigmoid(x @ W_o + h_prev @ U_o + b_o)

    Args:
        x: input at this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        W_o: input-to-hidden weights, shape (D, H).
        U_o: hidden-to-hidden weights, shape (H, H).
        b_o: bias, shape (H,).
    Returns:
        o: gate values in (0, 1), shape (N, H).
    Hint: lstm-grader hint output_gate
    """
    # YOUR CODE HERE
    raise NotImplementedError("output_gate: write your code here")


def cell_update(c_prev, f, i, g):
    """Cell update: keep part of the old memory, write part of the candidate.

        c = f * c_prev + i * g

    Args:
        c_prev: cell state of the previous step, shape (N, H).
        f: forget gate, shape (N, H).
        i: input gate, shape (N, H).
        g: candidate, shape (N, H).
    Returns:
        c: the new cell state, shape (N, H).
    Hint: lstm-grader hint cell_update
    """
    # YOUR CODE HERE
    raise NotImplementedError("cell_update: write your code here")


def hidden_state(c, o):
    """Hidden state: squash the cell into (-1, 1) and let the output gate read it.

        h = o * tanh(c)

    Args:
        c: the new cell state, shape (N, H).
        o: output gate, shape (N, H).
    Returns:
        h: the new hidden state, shape (N, H).
    Hint: lstm-grader hint hidden_state
    """
    # YOUR CODE HERE
    raise NotImplementedError("hidden_state: write your code here")


def lstm_cell_forward(x, h_prev, c_prev, params):
    """One step of the LSTM: the four gates, the cell update and the hidden state.

        f, i, g, o = the gates above, each from (x, h_prev)
        c = f * c_prev + i * g
        h = o * tanh(c)

    Args:
        x: input at this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        c_prev: cell state of the previous step, shape (N, H).
        params: dict with W_f U_f b_f W_i U_i b_i W_g U_g b_g W_o U_o b_o;
            W_k (D, H), U_k (H, H), b_k (H,).
    Returns:
        h: new hidden state, shape (N, H).
        c: new cell state, shape (N, H).
        cache: whatever your lstm_cell_backward needs (the grader never looks inside).
    Hint: lstm-grader hint lstm_cell_forward
    """
    # YOUR CODE HERE
    raise NotImplementedError("lstm_cell_forward: write your code here")
