"""Catalogued mistakes of the peephole cell, forward and backward (part4_peephole.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from grader.engine.parts import Mistake

FILE = "part4_peephole.py"

PEEPHOLE_FORWARD_MISTAKES = [
    Mistake('peephole_cell_forward.output_peeks_at_old_cell', FILE,
            'p["p_o"] * c)',
            'p["p_o"] * c_prev)',
            "the output gate's peephole looks at c_prev; o is computed after the update and looks at the new "
            'cell c',
            'o = sigmoid(x @ W_o + h_prev @ U_o + b_o + p_o * c)'),
    Mistake('peephole_cell_forward.forget_peephole_missing', FILE,
            'p["b_f"] + p["p_f"] * c_prev)',
            'p["b_f"])',
            'the forget gate has no peephole term p_f * c_prev',
            'f = sigmoid(x @ W_f + h_prev @ U_f + b_f + p_f * c_prev)'),
    Mistake('peephole_cell_forward.input_uses_forget_peephole', FILE,
            'p["b_i"] + p["p_i"] * c_prev)',
            'p["b_i"] + p["p_f"] * c_prev)',
            "the input gate uses the forget gate's peephole weights p_f instead of its own p_i",
            'i = sigmoid(x @ W_i + h_prev @ U_i + b_i + p_i * c_prev)'),
    Mistake('peephole_cell_forward.candidate_gets_peephole', FILE,
            'p["b_g"])',
            'p["b_g"] + p["p_i"] * c_prev)',
            'the candidate got a peephole; only f, i and o have one',
            'g = tanh(x @ W_g + h_prev @ U_g + b_g)'),
    Mistake('peephole_cell_forward.forget_peeks_at_h_prev', FILE,
            'p["b_f"] + p["p_f"] * c_prev)',
            'p["b_f"] + p["p_f"] * h_prev)',
            "the forget gate's peephole looks at h_prev; a peephole looks at the cell: p_f * c_prev",
            'f = sigmoid(x @ W_f + h_prev @ U_f + b_f + p_f * c_prev)'),
]

PEEPHOLE_BACKWARD_MISTAKES = [
    Mistake('peephole_cell_backward.output_peephole_path_missing', FILE,
            ' + dz["o"] * params["p_o"]',
            '',
            "c reaches the loss through o's peephole as well as through tanh(c): dc needs + dz_o * p_o",
            'dc_total = dc + dh * o * (1 - tanh(c)**2) + dz_o * p_o'),
    Mistake('peephole_cell_backward.dc_prev_without_peepholes', FILE,
            'dc_prev = dc_total * f + dz["f"] * params["p_f"] + dz["i"] * params["p_i"]',
            'dc_prev = dc_total * f',
            'c_prev also enters f and i through their peepholes, so dc_prev gets dz_f * p_f + dz_i * p_i on '
            'top of dc * f',
            'dc_prev = dc_total * f + dz_f * p_f + dz_i * p_i'),
    Mistake('peephole_cell_backward.dp_o_uses_old_cell', FILE,
            'np.sum(dz["o"] * c, axis=0)',
            'np.sum(dz["o"] * c_prev, axis=0)',
            "dp_o multiplies dz_o by c_prev, but o's peephole looks at the new cell c",
            'dp_o = sum over the batch of dz_o * c'),
    Mistake('peephole_cell_backward.dp_not_summed_over_batch', FILE,
            'grads["p_f"] = np.sum(dz["f"] * c_prev, axis=0)',
            'grads["p_f"] = dz["f"] * c_prev',
            'dp_f keeps one row per example; p_f is shared by the batch, so sum over axis 0 to get shape (H,)',
            'dp_f = sum over the batch of dz_f * c_prev'),
]


ENTRIES: tuple[Mistake, ...] = tuple(PEEPHOLE_FORWARD_MISTAKES + PEEPHOLE_BACKWARD_MISTAKES)
