"""Catalogued mistakes of every derivative of one step (part2_cell_backward.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from grader.engine.parts import Mistake

FILE = "part2_cell_backward.py"

SIGMOID_BACK_EQ = "dz = ds * s * (1 - s)"
SIGMOID_BACKWARD_MISTAKES = [
    Mistake("sigmoid_backward.derivative_as_s", FILE, "dz = ds * s * (1.0 - s)", "dz = ds * s",
            "your sigmoid_backward uses s as the derivative; d sigmoid/dz = s * (1 - s)", SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.reapplies_sigmoid", FILE, "dz = ds * s * (1.0 - s)",
            "dz = ds * (1.0 / (1.0 + np.exp(-s))) * (1.0 - 1.0 / (1.0 + np.exp(-s)))",
            "your sigmoid_backward applies sigmoid to s again; s already is sigmoid(z), so use s * (1 - s)",
            SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.missing_upstream", FILE, "dz = ds * s * (1.0 - s)", "dz = s * (1.0 - s)",
            "your sigmoid_backward returns the local derivative only; multiply by the upstream gradient ds",
            SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.one_minus_s", FILE, "dz = ds * s * (1.0 - s)", "dz = ds * (1.0 - s)",
            "your sigmoid_backward uses 1 - s as the derivative; it is s * (1 - s)", SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.one_plus_s", FILE, "dz = ds * s * (1.0 - s)", "dz = ds * (s + s**2)",
            "your sigmoid_backward uses s * (1 + s); the derivative of sigmoid is s * (1 - s)", SIGMOID_BACK_EQ),
]

TANH_BACK_EQ = "dz = dt * (1 - t**2)"
TANH_BACKWARD_MISTAKES = [
    Mistake("tanh_backward.one_minus_t", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t)",
            "your tanh_backward uses 1 - t; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.reapplies_tanh", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - np.tanh(t)**2)",
            "your tanh_backward applies tanh to t again; t already is tanh(z), so use 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.missing_upstream", FILE, "dz = dt * (1.0 - t**2)", "dz = 1.0 - t**2",
            "your tanh_backward returns the local derivative only; multiply by the upstream gradient dt",
            TANH_BACK_EQ),
    Mistake("tanh_backward.t_squared", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * t**2",
            "your tanh_backward uses t**2; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.sigmoid_derivative", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * t * (1.0 - t)",
            "your tanh_backward uses the sigmoid's derivative t * (1 - t); for tanh it is 1 - t**2",
            TANH_BACK_EQ),
    Mistake("tanh_backward.one_plus_t_squared", FILE, "dz = dt * (1.0 - t**2)", "dz = dt * (t**2 + 1.0)",
            "your tanh_backward uses 1 + t**2; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.square_of_one_minus_t", FILE, "dz = dt * (1.0 - t**2)",
            "dz = dt * (1.0 - t) * (1.0 - t)",
            "your tanh_backward uses (1 - t)**2; the derivative of tanh is 1 - t**2, with the square on t alone",
            TANH_BACK_EQ),
]

HIDDEN_BACK_EQ = "dc = dh * o * (1 - tanh(c)**2),  do = dh * tanh(c)"
HIDDEN_STATE_BACKWARD_MISTAKES = [
    Mistake("hidden_state_backward.forgets_o", FILE, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = tanh_backward(dh, tanh_c)",
            "your dc misses the factor o: h = o * tanh(c), so dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.do_uses_c", FILE, "do = dh * tanh_c", "do = dh * c",
            "your do uses c; h = o * tanh(c), so do = dh * tanh(c)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.forgets_tanh_derivative", FILE, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = dh * o",
            "your dc leaves out the tanh's derivative: dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.tanh_by_exp_ratio", FILE, "tanh_c = np.tanh(c)",
            "tanh_c = (np.exp(c) - np.exp(-c)) / (np.exp(c) + np.exp(-c))",
            "your hidden_state_backward computes tanh(c) as (exp(c) - exp(-c)) / (exp(c) + exp(-c)), which "
            "overflows for large |c|: exp(710) is inf and inf / inf is NaN; use np.tanh", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.returns_do_then_dc", FILE, "    return dc, do\n", "    return do, dc\n",
            "your hidden_state_backward returns (do, dc); the contract's order is (dc, do)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.tanh_derivative_at_c", FILE, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = dh * o * (1.0 - c**2)",
            "your dc uses 1 - c**2, the tanh derivative taken at c itself; tanh_backward takes tanh's output, "
            "so dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.do_through_sigmoid", FILE, "do = dh * tanh_c",
            "do = sigmoid_backward(dh * tanh_c, o)",
            "your do already goes through the output gate's sigmoid (times o * (1 - o)); lstm_cell_backward does "
            "that step, so here do = dh * tanh(c)", HIDDEN_BACK_EQ),
]

CELL_BACK_EQ = "dc_prev = dc * f,  df = dc * c_prev,  di = dc * g,  dg = dc * i"
CELL_UPDATE_BACKWARD_MISTAKES = [
    Mistake("cell_update_backward.dc_prev_not_times_f", FILE, "dc_prev = dc * f\n", "dc_prev = dc\n",
            "your dc_prev does not go through the forget gate: c = f * c_prev + ..., so dc_prev = dc * f",
            CELL_BACK_EQ),
    Mistake("cell_update_backward.di_dg_swapped", FILE, "di = dc * g\n    dg = dc * i",
            "di = dc * i\n    dg = dc * g",
            "your di and dg multiply dc by the factor itself; the gradient of a product takes the other "
            "factor: di = dc * g, dg = dc * i", CELL_BACK_EQ),
    Mistake("cell_update_backward.df_and_dc_prev_swapped", FILE, "dc_prev = dc * f\n    df = dc * c_prev",
            "dc_prev = dc * c_prev\n    df = dc * f",
            "your dc_prev and df multiply dc by the wrong factor: dc_prev = dc * f, df = dc * c_prev",
            CELL_BACK_EQ),
    Mistake("cell_update_backward.df_times_f", FILE, "df = dc * c_prev\n", "df = dc * f\n",
            "your df is dc * f; f multiplies c_prev, so df = dc * c_prev", CELL_BACK_EQ),
    Mistake("cell_update_backward.df_through_sigmoid", FILE, "df = dc * c_prev\n",
            "df = sigmoid_backward(dc * c_prev, f)\n",
            "your df already goes through the forget gate's sigmoid (times f * (1 - f)); lstm_cell_backward "
            "does that step, so here df = dc * c_prev", CELL_BACK_EQ),
    Mistake("cell_update_backward.df_without_dc", FILE, "df = dc * c_prev\n", "df = c_prev\n",
            "your df is the local derivative c_prev alone; multiply it by the upstream gradient: df = dc * c_prev",
            CELL_BACK_EQ),
]

GATE_BACK_EQ = "dx = dz @ W.T,  dh_prev = dz @ U.T,  dW = x.T @ dz,  dU = h_prev.T @ dz,  db = dz summed over the batch"
GATE_BACKWARD_MISTAKES = [
    Mistake("gate_backward.db_mean", FILE, "db = dz.sum(axis=0)", "db = dz.mean(axis=0)",
            "your db averages dz over the batch; b is added to every row, so db sums dz over the batch",
            GATE_BACK_EQ),
    Mistake("gate_backward.db_not_summed", FILE, "db = dz.sum(axis=0)", "db = dz",
            "your db is dz itself, shape (N, H); b is shared by every row, so db sums dz over the batch "
            "(axis 0), shape (H,)",
            GATE_BACK_EQ),
    Mistake("gate_backward.db_summed_over_units", FILE, "db = dz.sum(axis=0)", "db = dz.sum(axis=1)",
            "your db sums dz over the units (axis 1); sum over the batch (axis 0) instead, shape (H,)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dh_prev_through_U", FILE, "\n    dh_prev = dz @ U.T", "\n    dh_prev = dz @ U",
            "your dh_prev multiplies by U; going backwards through h_prev @ U multiplies by U transposed: "
            "dz @ U.T", GATE_BACK_EQ),
    Mistake("gate_backward.dx_through_W", FILE, "\n    dx = dz @ W.T", "\n    dx = dz @ W",
            "your dx multiplies dz by W; going backwards through x @ W multiplies by W transposed: dz @ W.T",
            GATE_BACK_EQ),
    Mistake("gate_backward.dW_transposed", FILE, "\n    dW = x.T @ dz", "\n    dW = dz.T @ x",
            "your dW is dz.T @ x, shape (H, D); a gradient has its parameter's shape: dW = x.T @ dz, (D, H)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dU_transposed", FILE, "\n    dU = h_prev.T @ dz", "\n    dU = dz.T @ h_prev",
            "your dU is transposed: dU = h_prev.T @ dz (both are (H, H), so only the values show it)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dx_dot_through_W", FILE, "\n    dx = dz @ W.T", "\n    dx = dz.dot(W)",
            "your dx is np.dot(dz, W); going backwards through x @ W multiplies by W transposed: "
            "dx = np.dot(dz, W.T)", GATE_BACK_EQ),
    Mistake("gate_backward.dW_from_h_prev", FILE, "\n    dW = x.T @ dz", "\n    dW = h_prev.T @ dz",
            "your dW multiplies dz by h_prev; W multiplies x, so dW = x.T @ dz, shape (D, H)", GATE_BACK_EQ),
    Mistake("gate_backward.db_as_row", FILE, "db = dz.sum(axis=0)", "db = dz.sum(axis=0).reshape(1, -1)",
            "your db has shape (1, H), an axis too many (keepdims=True, a reshape); b has shape (H,), and so "
            "has db, the sum of dz over the batch", GATE_BACK_EQ),
    Mistake("gate_backward.db_summed_to_a_number", FILE, "db = dz.sum(axis=0)", "db = dz.sum()",
            "your db sums dz over the batch and the units into one number; sum over the batch only (axis 0), "
            "shape (H,)", GATE_BACK_EQ),
]

CELL_BACKWARD_EQ = "dc_total = dc + dh * o * (1 - tanh(c)**2); then cell update, each gate, gate_backward"
GATE_DERIVATIVES_EQ = ("dz_f = df * f * (1 - f),  dz_i = di * i * (1 - i),  dz_g = dg * (1 - g**2),  "
                       "dz_o = do * o * (1 - o)")
DZ_BLOCK = ('dz = {\n        "f": sigmoid_backward(df, f),\n        "i": sigmoid_backward(di, i),\n'
            '        "g": tanh_backward(dg, g),\n        "o": sigmoid_backward(do, o),\n    }')
CELL_BACKWARD_MISTAKES = [
    Mistake("lstm_cell_backward.forgets_dc_through_h", FILE, "dc_total = dc + dc_from_h", "dc_total = dc",
            "your lstm_cell_backward leaves out the dc that arrives through h = o * tanh(c); add it to the "
            "upstream dc", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.ignores_upstream_dc", FILE, "dc_total = dc + dc_from_h", "dc_total = dc_from_h",
            "your lstm_cell_backward drops the upstream dc (from the next step); add it to the dc that "
            "arrives through h", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.output_gate_through_tanh", FILE, '"o": sigmoid_backward(do, o)',
            '"o": tanh_backward(do, o)',
            "your lstm_cell_backward differentiates the output gate as a tanh; o is a sigmoid, so use "
            "sigmoid_backward", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.candidate_through_sigmoid", FILE, '"g": tanh_backward(dg, g)',
            '"g": sigmoid_backward(dg, g)',
            "your lstm_cell_backward differentiates the candidate as a sigmoid; g is a tanh, so use "
            "tanh_backward", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.no_activation_derivatives", FILE, DZ_BLOCK,
            'dz = {"f": df, "i": di, "g": dg, "o": do}',
            "your lstm_cell_backward hands df, di, dg, do straight to gate_backward; each goes through its "
            "gate's derivative first: dz_f = df * f * (1 - f), dz_g = dg * (1 - g**2)", GATE_DERIVATIVES_EQ),
    Mistake("lstm_cell_backward.candidate_reapplies_tanh", FILE, '"g": tanh_backward(dg, g)',
            '"g": dg * (1.0 - np.tanh(g)**2)',
            "your lstm_cell_backward differentiates the candidate as 1 - tanh(g)**2; g already is tanh's "
            "output, so dz_g = dg * (1 - g**2)", GATE_DERIVATIVES_EQ),
    Mistake("lstm_cell_backward.dc_through_h_reapplies_tanh", FILE,
            "dc_from_h, do = hidden_state_backward(dh, c, o)",
            "tanh_c = np.tanh(c)\n    do = dh * tanh_c\n    dc_from_h = dh * o * (1.0 - np.tanh(tanh_c)**2)",
            "the dc that reaches c through h comes out as dh * o * (1 - tanh(tanh(c))**2), in your "
            "lstm_cell_backward or the hidden_state_backward it calls; tanh(c) already is tanh's output",
            CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dx_overwritten", FILE, "dx += dx_k", "dx = dx_k",
            "your dx keeps only the last gate's contribution; x feeds all four gates, so add them up",
            CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dh_prev_overwritten", FILE, "dh_prev += dh_k", "dh_prev = dh_k",
            "your dh_prev keeps only the last gate's contribution; h_prev feeds all four gates, so add them up",
            CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.cache_f_and_i_swapped", FILE, "x, h_prev, c_prev, params, f, i, g, o, c = cache",
            "x, h_prev, c_prev, params, i, f, g, o, c = cache",
            "your lstm_cell_backward unpacks the cache with f and i in each other's place; unpack it in the "
            "order your lstm_cell_forward packed it", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dc_through_h_at_c_prev", FILE, "dc_from_h, do = hidden_state_backward(dh, c, o)",
            "dc_from_h, do = hidden_state_backward(dh, c_prev, o)",
            "your lstm_cell_backward goes back through h at the old cell c_prev; h = o * tanh(c) reads the new "
            "cell c", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.every_gate_through_forget_weights", FILE,
            'gate_backward(dz[k], x, h_prev, params["W_" + k], params["U_" + k])',
            'gate_backward(dz[k], x, h_prev, params["W_f"], params["U_f"])',
            "your lstm_cell_backward sends every gate's gradient back through W_f and U_f; each gate goes back "
            "through its own W_k and U_k", CELL_BACKWARD_EQ),
]


ENTRIES: tuple[Mistake, ...] = tuple(SIGMOID_BACKWARD_MISTAKES + TANH_BACKWARD_MISTAKES + HIDDEN_STATE_BACKWARD_MISTAKES
                                     + CELL_UPDATE_BACKWARD_MISTAKES + GATE_BACKWARD_MISTAKES + CELL_BACKWARD_MISTAKES)
