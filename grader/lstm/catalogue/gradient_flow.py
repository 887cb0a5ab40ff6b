"""Catalogued mistakes of the gradient norms through time (part6_gradient_flow.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from grader.engine.parts import Mistake

FILE = "part6_gradient_flow.py"

GRADIENT_NORMS_MISTAKES = [
    Mistake('gradient_norms.loss_on_every_step', FILE,
            'dh = np.zeros_like(h)\n    dh[:, -1] = 1.0',
            'dh = np.ones_like(h)',
            "dh is 1 at every step, which is the loss sum(h) over all steps; the loss is the last step's h "
            "only (if your dh is right, your lstm_backward may be using the last step's dh at every step)",
            'L = sum(h[:, T-1]): dh is zero except dh[:, -1] = 1'),
    Mistake('gradient_norms.squared_norm', FILE,
            'np.sqrt(np.sum(dx ** 2, axis=(0, 2)))',
            'np.sum(dx ** 2, axis=(0, 2))',
            'the square root is missing: that is the squared norm',
            'norms[t] = sqrt(sum(dx[:, t] ** 2))'),
    Mistake('gradient_norms.norm_per_example', FILE,
            'axis=(0, 2)',
            'axis=(1, 2)',
            'the norm is taken over time and features for each example (shape (N,)); it must be over the '
            'batch and features for each time step (shape (T,))',
            'norms[t] = ||dL/dx[:, t]||, shape (T,)'),
    Mistake('gradient_norms.gradient_of_first_step', FILE,
            'dh[:, -1] = 1.0',
            'dh[:, 0] = 1.0',
            "the loss is put on the first step's h; it is the last step's",
            'L = sum(h[:, T-1])'),
]


ENTRIES: tuple[Mistake, ...] = tuple(GRADIENT_NORMS_MISTAKES)
