"""Part 5 (bonus): set the gates by hand and build a one-unit memory.

No training here: you choose the 12 weights of an LSTM with D = 3 inputs and
H = 1 unit so that it behaves like a memory cell. At each step the input is

    x_t = [value, write, read]       value in {-1, +1}; write, read in {0, 1}

and the cell must follow the gate behaviour table:

    write = 1   store value, replacing what the cell held    (i open, f closed)
    write = 0   keep what it holds, whatever value says       (i closed, f open)
    read  = 1   h > 0.5 if the stored value is +1, h < -0.5 if it is -1   (o open)
    read  = 0   |h| < 0.1                                      (o closed)

Sequences start from h0 = c0 = 0 and the first step writes. The grader runs
your weights through the reference LSTM on many random sequences (holds of
50 steps and more, overwrites, reads at random times) and tells you which
behaviour failed.

Think of each gate as a switch: sigmoid(20 * write - 10) is about 1 when
write = 1 and about 0 when write = 0. A sigmoid of 10 is 0.99995, so a
forget gate of that value loses only 0.5% of the cell in 100 steps.
Check your work with: lstm-grader check --part memory_cell_params
"""
import numpy as np


def memory_cell_params():
    """Hand-set weights of a one-unit LSTM that writes, holds and reads a value.

        f = sigmoid(x @ W_f + h_prev @ U_f + b_f)    open unless writing
        i = sigmoid(x @ W_i + h_prev @ U_i + b_i)    open only when writing
        g = tanh   (x @ W_g + h_prev @ U_g + b_g)    follows value
        o = sigmoid(x @ W_o + h_prev @ U_o + b_o)    open only when reading
        with x = [value, write, read]

    Returns:
        params: dict with the 12 LSTM keys for D = 3, H = 1:
            W_k shape (3, 1), U_k shape (1, 1), b_k shape (1,).
            Weights of a few tens are plenty; the grader rejects NaN and
            magnitudes above 1000.
    Hint: lstm-grader hint memory_cell_params
    """
    # YOUR CODE HERE
    raise NotImplementedError("memory_cell_params: write your code here")
