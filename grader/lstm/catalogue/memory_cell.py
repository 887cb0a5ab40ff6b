"""Catalogued mistakes of hand-set memory cell weights (part5_memory_cell.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from grader.engine.parts import Mistake

FILE = "part5_memory_cell.py"

MEMORY_CELL_MISTAKES = [
    Mistake('memory_cell_params.forget_bias_too_small', FILE,
            '"b_f": np.array([big / 2])',
            '"b_f": np.array([1.0])',
            'with b_f = 1 the forget gate is sigmoid(1) = 0.73 while holding, so the cell loses a quarter of '
            'its content every step',
            'write = 0: f close to 1 (sigmoid of about +10)'),
    Mistake('memory_cell_params.forget_bias_negative', FILE,
            '"b_f": np.array([big / 2])',
            '"b_f": np.array([-10.0])',
            'with b_f = -10 the forget gate is closed, sigmoid(-10) = 0, whenever the cell is not written, so it '
            'forgets what it holds at once',
            'write = 0: f close to 1 (sigmoid of about +10)'),
    Mistake('memory_cell_params.output_gate_always_open', FILE,
            '"W_o": np.array([[0.0], [0.0], [big]]), "b_o": np.array([-big / 2])',
            '"W_o": np.array([[0.0], [0.0], [0.0]]), "b_o": np.array([big / 2])',
            'the output gate does not depend on read, so the stored value shows in h at every step',
            'read = 0: o close to 0, so |h| < 0.1'),
    Mistake('memory_cell_params.forget_gate_ignores_write', FILE,
            '"W_f": np.array([[0.0], [-big], [0.0]])',
            '"W_f": np.array([[0.0], [0.0], [0.0]])',
            'the forget gate stays open when writing, so a new value is added to the old one instead of '
            'replacing it',
            'write = 1: f close to 0 (the old content is dropped)'),
    Mistake('memory_cell_params.candidate_follows_write', FILE,
            '"W_g": np.array([[3.0], [0.0], [0.0]])',
            '"W_g": np.array([[0.0], [3.0], [0.0]])',
            "the candidate's weight sits on the write input instead of value, so the cell always stores +1",
            'g = tanh(3 * value): the candidate follows value'),
    Mistake('memory_cell_params.input_gate_always_open', FILE,
            '"W_i": np.array([[0.0], [big], [0.0]]), "b_i": np.array([-big / 2])',
            '"W_i": np.array([[0.0], [0.0], [0.0]]), "b_i": np.array([big / 2])',
            'the input gate is open at every step, so whatever value says leaks into the cell while write is '
            '0',
            'write = 0: i close to 0'),
]


ENTRIES: tuple[Mistake, ...] = tuple(MEMORY_CELL_MISTAKES)
