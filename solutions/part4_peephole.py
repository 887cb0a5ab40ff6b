"""Part 4 (bonus): the peephole LSTM (Gers & Schmidhuber 2000).

In the plain LSTM the gates see x and h_prev but never the cell itself. A
peephole connection lets a gate look at the cell: f and i peek at the old
cell c_prev, and o, which is computed after the update, peeks at the new c.
Each peephole weight p_k has shape (H,) and multiplies element-wise, so unit
j of a gate sees only unit j of the cell.

    f = sigmoid(x @ W_f + h_prev @ U_f + b_f + p_f * c_prev)
    i = sigmoid(x @ W_i + h_prev @ U_i + b_i + p_i * c_prev)
    g = tanh   (x @ W_g + h_prev @ U_g + b_g)
    c = f * c_prev + i * g
    o = sigmoid(x @ W_o + h_prev @ U_o + b_o + p_o * c)      the NEW cell
    h = o * tanh(c)

Backward: c now reaches h twice (through tanh(c) and through o), and c_prev
reaches c three times (through f * c_prev, through f's peephole and through
i's peephole).
Check your work with: lstm-grader check --part peephole_cell_forward --part peephole_cell_backward
"""
import numpy as np

from part1_cell_forward import sigmoid
from part2_cell_backward import gate_backward, sigmoid_backward, tanh_backward

GATES = ("f", "i", "g", "o")


def peephole_cell_forward(x, h_prev, c_prev, params):
    """One step of the peephole LSTM.

        f = sigmoid(x @ W_f + h_prev @ U_f + b_f + p_f * c_prev)
        i = sigmoid(x @ W_i + h_prev @ U_i + b_i + p_i * c_prev)
        g = tanh   (x @ W_g + h_prev @ U_g + b_g)
        c = f * c_prev + i * g
        o = sigmoid(x @ W_o + h_prev @ U_o + b_o + p_o * c)
        h = o * tanh(c)

    Args:
        x: input at this step, shape (N, D).
        h_prev: hidden state of the previous step, shape (N, H).
        c_prev: cell state of the previous step, shape (N, H).
        params: dict with the 12 LSTM keys W_k (D, H), U_k (H, H), b_k (H,)
            plus the peepholes p_f, p_i, p_o, each (H,).
    Returns:
        h: new hidden state, shape (N, H).
        c: new cell state, shape (N, H).
        cache: whatever your peephole_cell_backward needs.
    Hint: lstm-grader hint peephole_cell_forward
    """
    ### BEGIN SOLUTION
    p = params
    f = sigmoid(x @ p["W_f"] + h_prev @ p["U_f"] + p["b_f"] + p["p_f"] * c_prev)
    i = sigmoid(x @ p["W_i"] + h_prev @ p["U_i"] + p["b_i"] + p["p_i"] * c_prev)
    g = np.tanh(x @ p["W_g"] + h_prev @ p["U_g"] + p["b_g"])
    c = f * c_prev + i * g
    # o is computed after the update, so its peephole sees the new cell
    o = sigmoid(x @ p["W_o"] + h_prev @ p["U_o"] + p["b_o"] + p["p_o"] * c)
    tanh_c = np.tanh(c)
    h = o * tanh_c
    cache = (x, h_prev, c_prev, params, f, i, g, o, c, tanh_c)
    return h, c, cache
    ### END SOLUTION


def peephole_cell_backward(dh, dc, cache):
    """Backward pass of one peephole LSTM step.

        dz_o = dh * tanh(c) * o * (1 - o)
        dc_total = dc + dh * o * (1 - tanh(c)**2) + dz_o * p_o
        dz_f = dc_total * c_prev * f * (1 - f)
        dz_i = dc_total * g * i * (1 - i)
        dz_g = dc_total * i * (1 - g**2)
        dc_prev = dc_total * f + dz_f * p_f + dz_i * p_i
        dp_f = sum over the batch of dz_f * c_prev   (likewise dp_i)
        dp_o = sum over the batch of dz_o * c
        dW_k, dU_k, db_k, and the dx, dh_prev parts: as in lstm_cell_backward

    Args:
        dh: upstream gradient of this step's h, shape (N, H).
        dc: upstream gradient of this step's c, shape (N, H).
        cache: what your peephole_cell_forward returned.
    Returns:
        dx: shape (N, D).
        dh_prev: shape (N, H).
        dc_prev: shape (N, H).
        grads: dict with the 15 keys of params; grads["p_f"] is dL/dp_f, shape (H,).
    Hint: lstm-grader hint peephole_cell_backward
    """
    ### BEGIN SOLUTION
    x, h_prev, c_prev, params, f, i, g, o, c, tanh_c = cache
    dz = {"o": sigmoid_backward(dh * tanh_c, o)}
    # c reaches the loss through tanh(c) in h and through o's peephole
    dc_total = dc + tanh_backward(dh * o, tanh_c) + dz["o"] * params["p_o"]
    dz["f"] = sigmoid_backward(dc_total * c_prev, f)
    dz["i"] = sigmoid_backward(dc_total * g, i)
    dz["g"] = tanh_backward(dc_total * i, g)
    dc_prev = dc_total * f + dz["f"] * params["p_f"] + dz["i"] * params["p_i"]
    dx = np.zeros_like(x)
    dh_prev = np.zeros_like(h_prev)
    grads = {}
    for k in GATES:
        dx_k, dh_k, dW, dU, db = gate_backward(dz[k], x, h_prev, params["W_" + k], params["U_" + k])
        dx += dx_k
        dh_prev += dh_k
        grads["W_" + k], grads["U_" + k], grads["b_" + k] = dW, dU, db
    grads["p_f"] = np.sum(dz["f"] * c_prev, axis=0)
    grads["p_i"] = np.sum(dz["i"] * c_prev, axis=0)
    grads["p_o"] = np.sum(dz["o"] * c, axis=0)
    return dx, dh_prev, dc_prev, grads
    ### END SOLUTION
