"""Catalogued mistakes of the sequence forward and backpropagation through time (part3_sequence.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from grader.engine.parts import Mistake

FILE = "part3_sequence.py"

SEQ_EQ = "for t in 0..T-1: h_t, c_t = lstm_cell_forward(x_t, h_{t-1}, c_{t-1}, params)"
CELL_CALL = "lstm_cell_forward(x[:, t], h_t, c_t, params)"
LSTM_FORWARD_MISTAKES = [
    Mistake("lstm_forward.h0_every_step", FILE, CELL_CALL, "lstm_cell_forward(x[:, t], h0, c_t, params)",
            "your lstm_forward starts every step from h0; feed each step's h into the next step", SEQ_EQ),
    Mistake("lstm_forward.c0_every_step", FILE, CELL_CALL, "lstm_cell_forward(x[:, t], h_t, c0, params)",
            "your lstm_forward starts every step from c0; feed each step's c into the next step", SEQ_EQ),
    Mistake("lstm_forward.stores_c_in_h", FILE, "h[:, t], c[:, t] = h_t, c_t", "h[:, t], c[:, t] = c_t, c_t",
            "your lstm_forward stores the cell state where the hidden state belongs: h[:, t] = h_t", SEQ_EQ),
    Mistake("lstm_forward.input_off_by_one", FILE, CELL_CALL, "lstm_cell_forward(x[:, t - 1], h_t, c_t, params)",
            "your lstm_forward feeds x[:, t - 1] at step t; step t reads x[:, t] (and step 0 reads x[:, 0])",
            SEQ_EQ),
    Mistake("lstm_forward.time_reversed_input", FILE, CELL_CALL,
            "lstm_cell_forward(x[:, T - 1 - t], h_t, c_t, params)",
            "your lstm_forward reads the input backwards in time; step t reads x[:, t]", SEQ_EQ),
    Mistake("lstm_forward.x_indexed_time_major", FILE, CELL_CALL, "lstm_cell_forward(x[t], h_t, c_t, params)",
            "your lstm_forward reads x[t], which is example t of the batch; x has shape (N, T, D), so the input "
            "of step t is x[:, t]", SEQ_EQ),
]


BPTT_EQ = "for t = T-1 down to 0: cell backward with dh[:, t] + dh_next and dc_next; grads += grads_t"
BPTT_CALL = "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])"
LSTM_BACKWARD_MISTAKES = [
    Mistake("lstm_backward.grads_overwritten", FILE, "grads[name] = grads.get(name, 0.0) + value",
            "grads[name] = value",
            "your lstm_backward keeps only one step's parameter gradients; every step uses the same weights, "
            "so add the gradients of all steps", BPTT_EQ),
    Mistake("lstm_backward.dc_not_carried", FILE, BPTT_CALL,
            "lstm_cell_backward(dh[:, t] + dh_next, np.zeros((N, H)), cache[t])",
            "your lstm_backward does not carry dc back through time; pass each step's dc_prev to the step "
            "before", BPTT_EQ),
    Mistake("lstm_backward.only_last_dh", FILE, BPTT_CALL,
            "lstm_cell_backward(dh[:, -1] + dh_next, dc_next, cache[t])",
            "your lstm_backward uses the last step's upstream dh at every step; step t gets dh[:, t]", BPTT_EQ),
    Mistake("lstm_backward.dh_next_not_added", FILE, BPTT_CALL,
            "lstm_cell_backward(dh[:, t], dc_next, cache[t])",
            "your lstm_backward drops the gradient that flows back from step t+1 through h; use "
            "dh[:, t] + dh_next", BPTT_EQ),
    Mistake("lstm_backward.time_walked_forwards", FILE, "for t in reversed(range(T)):", "for t in range(T):",
            "your lstm_backward walks time forwards; backpropagation through time goes from t = T-1 down to 0",
            BPTT_EQ),
    Mistake("lstm_backward.dx_steps_reversed", FILE, "dx_steps[t] = dx_t", "dx_steps[T - 1 - t] = dx_t",
            "your lstm_backward stores dx in reversed time order; the gradient of x[:, t] belongs in dx[:, t]",
            BPTT_EQ),
    Mistake("lstm_backward.caches_in_reverse", FILE, BPTT_CALL,
            "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[-1 - t])",
            "your lstm_backward reads the caches in reverse time order; step t goes back with the cache that "
            "step t made: cache[t]", BPTT_EQ),
    Mistake("lstm_backward.upstream_only_at_last_step", FILE, BPTT_CALL,
            "lstm_cell_backward(dh[:, t] * (t == T - 1) + dh_next, dc_next, cache[t])",
            "your lstm_backward feeds in only the last step's upstream dh[:, -1]; every step's h has its own, so "
            "step t gets dh[:, t] + dh_next", BPTT_EQ),
]


ENTRIES: tuple[Mistake, ...] = tuple(LSTM_FORWARD_MISTAKES + LSTM_BACKWARD_MISTAKES)
