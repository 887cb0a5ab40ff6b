"""Mistakes students make in the bonus parts, as data for the mistake catalogue.

Each entry is a text replacement over one reference solutions file, the same
shape as the core catalogue (grader.lstm.mistakes): `old` occurs exactly once in
`file` and becomes `new`; `part` is the part that must lose points when the
mutated file is graded; `explanation` speaks to the student; `equation` is
what the exercise says instead. tests/test_bonus_mistakes.py grades every
entry and checks that its part loses points.
"""
from __future__ import annotations

PEEPHOLE = "part4_peephole.py"
MEMORY = "part5_memory_cell.py"
GRADIENT_FLOW = "part6_gradient_flow.py"
FORECAST = "part7_forecast.py"

PEEPHOLE_FORWARD = [
    {"id": "peephole_cell_forward.output_peeks_at_old_cell", "part": "peephole_cell_forward",
     "file": PEEPHOLE,
     "old": 'p["p_o"] * c)', "new": 'p["p_o"] * c_prev)',
     "explanation": "the output gate's peephole looks at c_prev; o is computed after the update and "
                    "looks at the new cell c",
     "equation": "o = sigmoid(x @ W_o + h_prev @ U_o + b_o + p_o * c)"},
    {"id": "peephole_cell_forward.forget_peephole_missing", "part": "peephole_cell_forward",
     "file": PEEPHOLE,
     "old": 'p["b_f"] + p["p_f"] * c_prev)', "new": 'p["b_f"])',
     "explanation": "the forget gate has no peephole term p_f * c_prev",
     "equation": "f = sigmoid(x @ W_f + h_prev @ U_f + b_f + p_f * c_prev)"},
    {"id": "peephole_cell_forward.input_uses_forget_peephole", "part": "peephole_cell_forward",
     "file": PEEPHOLE,
     "old": 'p["b_i"] + p["p_i"] * c_prev)', "new": 'p["b_i"] + p["p_f"] * c_prev)',
     "explanation": "the input gate uses the forget gate's peephole weights p_f instead of its own p_i",
     "equation": "i = sigmoid(x @ W_i + h_prev @ U_i + b_i + p_i * c_prev)"},
    {"id": "peephole_cell_forward.candidate_gets_peephole", "part": "peephole_cell_forward",
     "file": PEEPHOLE,
     "old": 'p["b_g"])', "new": 'p["b_g"] + p["p_i"] * c_prev)',
     "explanation": "the candidate got a peephole; only f, i and o have one",
     "equation": "g = tanh(x @ W_g + h_prev @ U_g + b_g)"},
]

PEEPHOLE_BACKWARD = [
    {"id": "peephole_cell_backward.output_peephole_path_missing", "part": "peephole_cell_backward",
     "file": PEEPHOLE,
     "old": ' + dz["o"] * params["p_o"]', "new": "",
     "explanation": "c reaches the loss through o's peephole as well as through tanh(c): dc needs + dz_o * p_o",
     "equation": "dc_total = dc + dh * o * (1 - tanh(c)**2) + dz_o * p_o"},
    {"id": "peephole_cell_backward.dc_prev_without_peepholes", "part": "peephole_cell_backward",
     "file": PEEPHOLE,
     "old": 'dc_prev = dc_total * f + dz["f"] * params["p_f"] + dz["i"] * params["p_i"]',
     "new": "dc_prev = dc_total * f",
     "explanation": "c_prev also enters f and i through their peepholes, so dc_prev gets "
                    "dz_f * p_f + dz_i * p_i on top of dc * f",
     "equation": "dc_prev = dc_total * f + dz_f * p_f + dz_i * p_i"},
    {"id": "peephole_cell_backward.dp_o_uses_old_cell", "part": "peephole_cell_backward",
     "file": PEEPHOLE,
     "old": 'np.sum(dz["o"] * c, axis=0)', "new": 'np.sum(dz["o"] * c_prev, axis=0)',
     "explanation": "dp_o multiplies dz_o by c_prev, but o's peephole looks at the new cell c",
     "equation": "dp_o = sum over the batch of dz_o * c"},
    {"id": "peephole_cell_backward.dp_not_summed_over_batch", "part": "peephole_cell_backward",
     "file": PEEPHOLE,
     "old": 'grads["p_f"] = np.sum(dz["f"] * c_prev, axis=0)', "new": 'grads["p_f"] = dz["f"] * c_prev',
     "explanation": "dp_f keeps one row per example; p_f is shared by the batch, so sum over axis 0 "
                    "to get shape (H,)",
     "equation": "dp_f = sum over the batch of dz_f * c_prev"},
]

MEMORY_CELL = [
    {"id": "memory_cell_params.forget_bias_too_small", "part": "memory_cell_params", "file": MEMORY,
     "old": '"b_f": np.array([big / 2])', "new": '"b_f": np.array([1.0])',
     "explanation": "with b_f = 1 the forget gate is sigmoid(1) = 0.73 while holding, so the cell "
                    "loses a quarter of its content every step",
     "equation": "write = 0: f close to 1 (sigmoid of about +10)"},
    {"id": "memory_cell_params.output_gate_always_open", "part": "memory_cell_params", "file": MEMORY,
     "old": '"W_o": np.array([[0.0], [0.0], [big]]), "b_o": np.array([-big / 2])',
     "new": '"W_o": np.array([[0.0], [0.0], [0.0]]), "b_o": np.array([big / 2])',
     "explanation": "the output gate does not depend on read, so the stored value shows in h at every step",
     "equation": "read = 0: o close to 0, so |h| < 0.1"},
    {"id": "memory_cell_params.forget_gate_ignores_write", "part": "memory_cell_params", "file": MEMORY,
     "old": '"W_f": np.array([[0.0], [-big], [0.0]])', "new": '"W_f": np.array([[0.0], [0.0], [0.0]])',
     "explanation": "the forget gate stays open when writing, so a new value is added to the old one "
                    "instead of replacing it",
     "equation": "write = 1: f close to 0 (the old content is dropped)"},
    {"id": "memory_cell_params.candidate_follows_write", "part": "memory_cell_params", "file": MEMORY,
     "old": '"W_g": np.array([[3.0], [0.0], [0.0]])', "new": '"W_g": np.array([[0.0], [3.0], [0.0]])',
     "explanation": "the candidate's weight sits on the write input instead of value, so the cell "
                    "always stores +1",
     "equation": "g = tanh(3 * value): the candidate follows value"},
    {"id": "memory_cell_params.input_gate_always_open", "part": "memory_cell_params", "file": MEMORY,
     "old": '"W_i": np.array([[0.0], [big], [0.0]]), "b_i": np.array([-big / 2])',
     "new": '"W_i": np.array([[0.0], [0.0], [0.0]]), "b_i": np.array([big / 2])',
     "explanation": "the input gate is open at every step, so whatever value says leaks into the cell "
                    "while write is 0",
     "equation": "write = 0: i close to 0"},
]

GRADIENT_NORMS = [
    {"id": "gradient_norms.loss_on_every_step", "part": "gradient_norms", "file": GRADIENT_FLOW,
     "old": "dh = np.zeros_like(h)\n    dh[:, -1] = 1.0", "new": "dh = np.ones_like(h)",
     "explanation": "dh is 1 at every step, which is the loss sum(h) over all steps; the loss is the "
                    "last step's h only (if your dh is right, your lstm_backward may be using the last "
                    "step's dh at every step)",
     "equation": "L = sum(h[:, T-1]): dh is zero except dh[:, -1] = 1"},
    {"id": "gradient_norms.squared_norm", "part": "gradient_norms", "file": GRADIENT_FLOW,
     "old": "np.sqrt(np.sum(dx ** 2, axis=(0, 2)))", "new": "np.sum(dx ** 2, axis=(0, 2))",
     "explanation": "the square root is missing: that is the squared norm",
     "equation": "norms[t] = sqrt(sum(dx[:, t] ** 2))"},
    {"id": "gradient_norms.norm_per_example", "part": "gradient_norms", "file": GRADIENT_FLOW,
     "old": "axis=(0, 2)", "new": "axis=(1, 2)",
     "explanation": "the norm is taken over time and features for each example (shape (N,)); it must "
                    "be over the batch and features for each time step (shape (T,))",
     "equation": "norms[t] = ||dL/dx[:, t]||, shape (T,)"},
    {"id": "gradient_norms.gradient_of_first_step", "part": "gradient_norms", "file": GRADIENT_FLOW,
     "old": "dh[:, -1] = 1.0", "new": "dh[:, 0] = 1.0",
     "explanation": "the loss is put on the first step's h; it is the last step's",
     "equation": "L = sum(h[:, T-1])"},
]

FORECAST_MISTAKES = [
    {"id": "forecast.readout_from_first_step", "part": "forecast", "file": FORECAST,
     "old": 'return h[:, -1] @ model["W_y"] + model["b_y"]', "new": 'return h[:, 0] @ model["W_y"] + model["b_y"]',
     "explanation": "forecast reads out the first step's hidden state; the read-out uses the last one, "
                    "which has seen the whole window",
     "equation": "y_hat = h[:, -1] @ W_y + b_y"},
    {"id": "forecast.target_is_last_input", "part": "forecast", "file": FORECAST,
     "old": "y = series[window:][:, None]", "new": "y = series[window - 1:-1][:, None]",
     "explanation": "each window's target is its own last value, so the model learns to repeat it and "
                    "can never beat the naive forecast",
     "equation": "y[n] = series[n + window]"},
    {"id": "forecast.gradient_ascent", "part": "forecast", "file": FORECAST,
     "old": "updated[key] = value - learning_rate", "new": "updated[key] = value + learning_rate",
     "explanation": "the update adds the step instead of subtracting it: the loss goes up",
     "equation": "param -= learning_rate * m_hat / (sqrt(v_hat) + eps)"},
    {"id": "forecast.loss_gradient_at_first_step", "part": "forecast", "file": FORECAST,
     "old": 'dh[:, -1] = dy_hat @ model["W_y"].T', "new": 'dh[:, 0] = dy_hat @ model["W_y"].T',
     "explanation": "the read-out's gradient is sent into the first step's h, but the read-out used "
                    "the last step's",
     "equation": "dh_last = dy_hat @ W_y.T at t = T-1"},
    {"id": "forecast.adam_without_square_root", "part": "forecast", "file": FORECAST,
     "old": "np.sqrt(v_hat) + eps", "new": "v_hat + eps",
     "explanation": "Adam divides by the square root of the running mean of squared gradients; "
                    "without it the steps are far too large for small gradients",
     "equation": "param -= learning_rate * m_hat / (sqrt(v_hat) + eps)"},
]

BONUS_MISTAKES: list[dict[str, str]] = (PEEPHOLE_FORWARD + PEEPHOLE_BACKWARD + MEMORY_CELL
                                        + GRADIENT_NORMS + FORECAST_MISTAKES)
