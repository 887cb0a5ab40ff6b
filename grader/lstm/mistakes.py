"""The catalogue of mistakes students really make, one small variant of the reference each.

A mistake is a text replacement over one reference solutions file (`old`, which
must occur exactly once, becomes `new`), loaded in the trusted parent with
`grader.engine.reference.load_functions`. Because the solutions files are loaded together,
a mistake in a helper (say `sigmoid`) also changes every reference function that
calls it (the gates, `lstm_cell_forward`, `lstm_forward`, the peephole cell): that
is how the diagnosis of a composite part names the helper that causes the failure.

`CATALOGUE` holds the core parts' mistakes; the bonus parts' are written as data
in grader.lstm.bonus_mistakes and become `BONUS_CATALOGUE` here. Ids are
"<part>.<mistake>", the contract's `diagnosis`.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from grader.lstm.bonus_mistakes import BONUS_MISTAKES, FORECAST, GRADIENT_FLOW, MEMORY, PEEPHOLE
from grader.engine.reference import load_functions

PART1 = "part1_cell_forward.py"
PART2 = "part2_cell_backward.py"
PART3 = "part3_sequence.py"
CORE_FILES = (PART1, PART2, PART3)
# in import order: each bonus file imports core ones
SOLUTION_FILES = CORE_FILES + (PEEPHOLE, MEMORY, GRADIENT_FLOW, FORECAST)

# which core parts call which, as the reference (and the stubs' docstrings) wire them
CALLS: dict[str, tuple[str, ...]] = {
    "forget_gate": ("sigmoid",),
    "input_gate": ("sigmoid",),
    "output_gate": ("sigmoid",),
    "lstm_cell_forward": ("forget_gate", "input_gate", "candidate", "output_gate", "cell_update",
                          "hidden_state"),
    "lstm_forward": ("lstm_cell_forward",),
    "hidden_state_backward": ("tanh_backward",),
    "lstm_cell_backward": ("hidden_state_backward", "cell_update_backward", "sigmoid_backward",
                           "tanh_backward", "gate_backward"),
    "lstm_backward": ("lstm_cell_backward",),
    "peephole_cell_forward": ("sigmoid",),
    "peephole_cell_backward": ("sigmoid_backward", "tanh_backward", "gate_backward"),
    "gradient_norms": ("lstm_forward", "lstm_backward"),
}

# mistakes of a called part that the calling part's numbers cannot tell from another: gradient_norms
# sends no upstream dc into the last step, so a cell backward that drops its upstream dc computes
# exactly what a sequence backward that never carries dc computes, and neither is named there
NOT_NAMED_IN: dict[str, frozenset[str]] = {
    "gradient_norms": frozenset({"lstm_cell_backward.ignores_upstream_dc", "lstm_backward.dc_not_carried"}),
}


class CatalogueError(Exception):
    """A catalogue entry no longer fits the reference solutions it edits."""


@dataclass(frozen=True)
class Mistake:
    """One known mistake.

    Args:
        id: "<part>.<mistake>", e.g. "forget_gate.tanh_instead_of_sigmoid".
        file: the solutions file the variant edits.
        old: exact text of the reference, occurring once in that file.
        new: the mistaken text that replaces it.
        explanation: one sentence to the student, saying what they did and why it is wrong.
        equation: the equation it breaks, as the exercise states it.
    """

    id: str
    file: str
    old: str
    new: str
    explanation: str
    equation: str
    # other names of the same mistake: other code that computes exactly the same numbers
    aliases: tuple[str, ...] = ()

    @property
    def part(self) -> str:
        return self.id.split(".", 1)[0]


def gate_mistakes(part: str, k: str, activation: str) -> list[Mistake]:
    """The mistakes every gate invites; `activation` is "sigmoid" (f, i, o) or "tanh" (g)."""
    call = "np.tanh" if activation == "tanh" else "sigmoid"
    right = f"{call}(x @ W_{k} + h_prev @ U_{k} + b_{k})"
    equation = f"{k} = {activation}(x @ W_{k} + h_prev @ U_{k} + b_{k})"
    name = {"f": "forget gate", "i": "input gate", "g": "candidate", "o": "output gate"}[k]
    other = "np.tanh" if activation == "sigmoid" else "sigmoid"
    wrong_activation = (
        (f"{part}.tanh_instead_of_sigmoid",
         f"your {name} uses tanh; a gate decides how much to let through, so it uses sigmoid and lies in (0, 1)")
        if activation == "sigmoid" else
        (f"{part}.sigmoid_instead_of_tanh",
         "your candidate uses sigmoid; the candidate is new content that can be negative, so it uses tanh "
         "and lies in (-1, 1)"))

    tail = f"\n    return {k}"  # the docstrings repeat the equation; the return line makes it unique

    def entry(mistake: str, new: str, explanation: str) -> Mistake:
        return Mistake(f"{part}.{mistake}", PART1, right + tail, new + tail, explanation, equation)

    return [
        entry(wrong_activation[0].split(".", 1)[1], right.replace(call, other, 1), wrong_activation[1]),
        entry("no_activation", f"(x @ W_{k} + h_prev @ U_{k} + b_{k})",
              f"your {name} returns the pre-activation z itself; apply {activation} to it"),
        entry("W_and_U_swapped", f"{call}(x @ U_{k} + h_prev @ W_{k} + b_{k})",
              f"your {name} multiplies x by U_{k} and h_prev by W_{k}; W_{k} (D, H) belongs to x and "
              f"U_{k} (H, H) to h_prev"),
        Mistake(f"{part}.U_transposed", PART1, right + tail, f"{call}(x @ W_{k} + h_prev @ U_{k}.T + b_{k})" + tail,
                f"your {name} uses U_{k} transposed; with rows as examples the recurrent term is h_prev @ U_{k}, "
                f"not U_{k} @ h_prev.T", equation, aliases=(f"{part}.h_prev_transposed_product",)),
        entry("missing_bias", f"{call}(x @ W_{k} + h_prev @ U_{k})",
              f"your {name} leaves out the bias b_{k}"),
        entry("missing_recurrent_term", f"{call}(x @ W_{k} + b_{k})",
              f"your {name} leaves out h_prev @ U_{k}, so it never sees the previous hidden state"),
        entry("missing_input_term", f"{call}(h_prev @ U_{k} + b_{k})",
              f"your {name} leaves out x @ W_{k}, so it never sees the input"),
    ]


SIGMOID_EQ = "sigmoid(z) = 1 / (1 + exp(-z)), or exp(z) / (1 + exp(z)) where z < 0"
STABLE = "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"
SIGMOID_BODY = "e = np.exp(-np.abs(z))\n    s = " + STABLE

SIGMOID = [
    Mistake("sigmoid.missing_minus_sign", PART1, "z = np.asarray(z, dtype=np.float64)",
            "z = -np.asarray(z, dtype=np.float64)",
            "your sigmoid computes sigmoid(-z) = 1 / (1 + exp(z)): the minus sign in exp(-z) is missing, or the "
            "two stable formulas are swapped (1 / (1 + exp(-z)) is the one for z >= 0)",
            SIGMOID_EQ, aliases=("sigmoid.branches_swapped",)),
    Mistake("sigmoid.exp_ratio_overflows", PART1, SIGMOID_BODY, "s = np.exp(z) / (1.0 + np.exp(z))",
            "your sigmoid computes exp(z) / (1 + exp(z)) everywhere; exp(z) overflows to inf for large z "
            "and inf / inf is NaN, so use 1 / (1 + exp(-z)) where z >= 0", SIGMOID_EQ),
    Mistake("sigmoid.unstable_overflow_warning", PART1, SIGMOID_BODY, "s = 1.0 / (1.0 + np.exp(-z))",
            "your sigmoid computes 1 / (1 + exp(-z)) everywhere; the values are right, but exp(-z) overflows "
            "for z below about -710, so use exp(z) / (1 + exp(z)) where z < 0", SIGMOID_EQ),
    Mistake("sigmoid.only_negative_branch", PART1, STABLE, "e / (1.0 + e)",
            "your sigmoid uses exp(-|z|) / (1 + exp(-|z|)) for every z, which is right only for z < 0; "
            "for z >= 0 use 1 / (1 + exp(-|z|))", SIGMOID_EQ),
    Mistake("sigmoid.only_positive_branch", PART1, STABLE, "1.0 / (1.0 + e)",
            "your sigmoid uses 1 / (1 + exp(-|z|)) for every z, which is right only for z >= 0; "
            "for z < 0 use exp(-|z|) / (1 + exp(-|z|))", SIGMOID_EQ),
]

CELL_EQ = "c = f * c_prev + i * g"
CELL_RIGHT = "c = f * c_prev + i * g\n    return c"
CELL_UPDATE = [
    Mistake("cell_update.without_input_gate", PART1, CELL_RIGHT, "c = f * c_prev + g\n    return c",
            "your cell update writes the whole candidate g; the input gate decides how much of it to write: "
            "i * g", CELL_EQ),
    Mistake("cell_update.without_forget_gate", PART1, CELL_RIGHT, "c = c_prev + i * g\n    return c",
            "your cell update keeps all of c_prev; the forget gate decides how much to keep: f * c_prev",
            CELL_EQ),
    Mistake("cell_update.f_and_i_swapped", PART1, CELL_RIGHT, "c = i * c_prev + f * g\n    return c",
            "your cell update has the forget and input gates swapped: f scales the old cell c_prev, "
            "i scales the candidate g", CELL_EQ),
    Mistake("cell_update.coupled_gates", PART1, CELL_RIGHT, "c = f * c_prev + (1 - f) * g\n    return c",
            "your cell update writes (1 - f) * g, a GRU-style coupled gate; the LSTM has its own input "
            "gate: i * g", CELL_EQ),
    Mistake("cell_update.one_minus_forget", PART1, CELL_RIGHT, "c = (1 - f) * c_prev + i * g\n    return c",
            "your cell update keeps (1 - f) * c_prev; f is how much to keep, not how much to forget, "
            "so it is f * c_prev", CELL_EQ),
]

HIDDEN_EQ = "h = o * tanh(c)"
HIDDEN_STATE = [
    Mistake("hidden_state.no_tanh", PART1, "h = o * np.tanh(c)", "h = o * c",
            "your hidden state is o * c; squash the cell first: h = o * tanh(c)", HIDDEN_EQ),
    Mistake("hidden_state.tanh_outside", PART1, "h = o * np.tanh(c)", "h = np.tanh(o * c)",
            "your hidden state is tanh(o * c); the output gate multiplies the squashed cell: o * tanh(c)",
            HIDDEN_EQ),
    Mistake("hidden_state.sigmoid_instead_of_tanh", PART1, "h = o * np.tanh(c)", "h = o / (1.0 + np.exp(-c))",
            "your hidden state squashes the cell with sigmoid; it uses tanh, so h can be negative", HIDDEN_EQ),
    Mistake("hidden_state.without_output_gate", PART1, "h = o * np.tanh(c)", "h = np.tanh(c)",
            "your hidden state leaves out the output gate: h = o * tanh(c)", HIDDEN_EQ),
]

STEP_EQ = "f, i, g, o from (x, h_prev); c = f * c_prev + i * g; h = o * tanh(c)"
CELL_FORWARD = [
    Mistake("lstm_cell_forward.input_gate_with_forget_weights", PART1,
            'i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])',
            'i = input_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
            "your lstm_cell_forward computes the input gate with the forget gate's weights (W_f, U_f, b_f); "
            "each gate has its own: W_i, U_i, b_i", STEP_EQ),
    Mistake("lstm_cell_forward.output_gate_with_forget_weights", PART1,
            'o = output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"])',
            'o = output_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
            "your lstm_cell_forward computes the output gate with the forget gate's weights (W_f, U_f, b_f); "
            "each gate has its own: W_o, U_o, b_o", STEP_EQ),
    Mistake("lstm_cell_forward.h_from_c_prev", PART1, "h = hidden_state(c, o)", "h = hidden_state(c_prev, o)",
            "your lstm_cell_forward computes h from the old cell c_prev; h reads the new cell: h = o * tanh(c)",
            STEP_EQ),
    Mistake("lstm_cell_forward.returns_c_then_h", PART1, "    return h, c, cache\n", "    return c, h, cache\n",
            "your lstm_cell_forward returns (c, h, cache); the contract's order is (h, c, cache)", STEP_EQ),
    Mistake("lstm_cell_forward.cell_update_from_h_prev", PART1, "c = cell_update(c_prev, f, i, g)",
            "c = cell_update(h_prev, f, i, g)",
            "your lstm_cell_forward updates h_prev instead of the old cell: c = f * c_prev + i * g", STEP_EQ),
]

SEQ_EQ = "for t in 0..T-1: h_t, c_t = lstm_cell_forward(x_t, h_{t-1}, c_{t-1}, params)"
CELL_CALL = "lstm_cell_forward(x[:, t], h_t, c_t, params)"
SEQUENCE_FORWARD = [
    Mistake("lstm_forward.h0_every_step", PART3, CELL_CALL, "lstm_cell_forward(x[:, t], h0, c_t, params)",
            "your lstm_forward starts every step from h0; feed each step's h into the next step", SEQ_EQ),
    Mistake("lstm_forward.c0_every_step", PART3, CELL_CALL, "lstm_cell_forward(x[:, t], h_t, c0, params)",
            "your lstm_forward starts every step from c0; feed each step's c into the next step", SEQ_EQ),
    Mistake("lstm_forward.stores_c_in_h", PART3, "h[:, t], c[:, t] = h_t, c_t", "h[:, t], c[:, t] = c_t, c_t",
            "your lstm_forward stores the cell state where the hidden state belongs: h[:, t] = h_t", SEQ_EQ),
    Mistake("lstm_forward.input_off_by_one", PART3, CELL_CALL, "lstm_cell_forward(x[:, t - 1], h_t, c_t, params)",
            "your lstm_forward feeds x[:, t - 1] at step t; step t reads x[:, t] (and step 0 reads x[:, 0])",
            SEQ_EQ),
    Mistake("lstm_forward.time_reversed_input", PART3, CELL_CALL,
            "lstm_cell_forward(x[:, T - 1 - t], h_t, c_t, params)",
            "your lstm_forward reads the input backwards in time; step t reads x[:, t]", SEQ_EQ),
]

SIGMOID_BACK_EQ = "dz = ds * s * (1 - s)"
SIGMOID_BACKWARD = [
    Mistake("sigmoid_backward.derivative_as_s", PART2, "dz = ds * s * (1.0 - s)", "dz = ds * s",
            "your sigmoid_backward uses s as the derivative; d sigmoid/dz = s * (1 - s)", SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.reapplies_sigmoid", PART2, "dz = ds * s * (1.0 - s)",
            "dz = ds * (1.0 / (1.0 + np.exp(-s))) * (1.0 - 1.0 / (1.0 + np.exp(-s)))",
            "your sigmoid_backward applies sigmoid to s again; s already is sigmoid(z), so use s * (1 - s)",
            SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.missing_upstream", PART2, "dz = ds * s * (1.0 - s)", "dz = s * (1.0 - s)",
            "your sigmoid_backward returns the local derivative only; multiply by the upstream gradient ds",
            SIGMOID_BACK_EQ),
    Mistake("sigmoid_backward.one_minus_s", PART2, "dz = ds * s * (1.0 - s)", "dz = ds * (1.0 - s)",
            "your sigmoid_backward uses 1 - s as the derivative; it is s * (1 - s)", SIGMOID_BACK_EQ),
]

TANH_BACK_EQ = "dz = dt * (1 - t**2)"
TANH_BACKWARD = [
    Mistake("tanh_backward.one_minus_t", PART2, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t)",
            "your tanh_backward uses 1 - t; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.reapplies_tanh", PART2, "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - np.tanh(t)**2)",
            "your tanh_backward applies tanh to t again; t already is tanh(z), so use 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.missing_upstream", PART2, "dz = dt * (1.0 - t**2)", "dz = 1.0 - t**2",
            "your tanh_backward returns the local derivative only; multiply by the upstream gradient dt",
            TANH_BACK_EQ),
    Mistake("tanh_backward.t_squared", PART2, "dz = dt * (1.0 - t**2)", "dz = dt * t**2",
            "your tanh_backward uses t**2; the derivative of tanh is 1 - t**2", TANH_BACK_EQ),
    Mistake("tanh_backward.sigmoid_derivative", PART2, "dz = dt * (1.0 - t**2)", "dz = dt * t * (1.0 - t)",
            "your tanh_backward uses the sigmoid's derivative t * (1 - t); for tanh it is 1 - t**2",
            TANH_BACK_EQ),
]

HIDDEN_BACK_EQ = "dc = dh * o * (1 - tanh(c)**2),  do = dh * tanh(c)"
HIDDEN_STATE_BACKWARD = [
    Mistake("hidden_state_backward.forgets_o", PART2, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = tanh_backward(dh, tanh_c)",
            "your dc misses the factor o: h = o * tanh(c), so dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.do_uses_c", PART2, "do = dh * tanh_c", "do = dh * c",
            "your do uses c; h = o * tanh(c), so do = dh * tanh(c)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.forgets_tanh_derivative", PART2, "dc = tanh_backward(dh * o, tanh_c)",
            "dc = dh * o",
            "your dc leaves out the tanh's derivative: dc = dh * o * (1 - tanh(c)**2)", HIDDEN_BACK_EQ),
    Mistake("hidden_state_backward.returns_do_then_dc", PART2, "    return dc, do\n", "    return do, dc\n",
            "your hidden_state_backward returns (do, dc); the contract's order is (dc, do)", HIDDEN_BACK_EQ),
]

CELL_BACK_EQ = "dc_prev = dc * f,  df = dc * c_prev,  di = dc * g,  dg = dc * i"
CELL_UPDATE_BACKWARD = [
    Mistake("cell_update_backward.dc_prev_not_times_f", PART2, "dc_prev = dc * f\n", "dc_prev = dc\n",
            "your dc_prev does not go through the forget gate: c = f * c_prev + ..., so dc_prev = dc * f",
            CELL_BACK_EQ),
    Mistake("cell_update_backward.di_dg_swapped", PART2, "di = dc * g\n    dg = dc * i",
            "di = dc * i\n    dg = dc * g",
            "your di and dg multiply dc by the factor itself; the gradient of a product takes the other "
            "factor: di = dc * g, dg = dc * i", CELL_BACK_EQ),
    Mistake("cell_update_backward.df_and_dc_prev_swapped", PART2, "dc_prev = dc * f\n    df = dc * c_prev",
            "dc_prev = dc * c_prev\n    df = dc * f",
            "your dc_prev and df multiply dc by the wrong factor: dc_prev = dc * f, df = dc * c_prev",
            CELL_BACK_EQ),
    Mistake("cell_update_backward.df_times_f", PART2, "df = dc * c_prev\n", "df = dc * f\n",
            "your df is dc * f; f multiplies c_prev, so df = dc * c_prev", CELL_BACK_EQ),
]

GATE_BACK_EQ = "dx = dz @ W.T,  dh_prev = dz @ U.T,  dW = x.T @ dz,  dU = h_prev.T @ dz,  db = dz.sum(axis=0)"
GATE_BACKWARD = [
    Mistake("gate_backward.db_mean", PART2, "db = dz.sum(axis=0)", "db = dz.mean(axis=0)",
            "your db averages dz over the batch; b is added to every row, so db sums dz over the batch",
            GATE_BACK_EQ),
    Mistake("gate_backward.db_not_summed", PART2, "db = dz.sum(axis=0)", "db = dz",
            "your db is dz itself, shape (N, H); b is shared by every row, so db = dz.sum(axis=0), shape (H,)",
            GATE_BACK_EQ),
    Mistake("gate_backward.db_summed_over_units", PART2, "db = dz.sum(axis=0)", "db = dz.sum(axis=1)",
            "your db sums dz over the units (axis 1); sum over the batch instead: dz.sum(axis=0), shape (H,)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dh_prev_through_U", PART2, "\n    dh_prev = dz @ U.T", "\n    dh_prev = dz @ U",
            "your dh_prev multiplies by U; going backwards through h_prev @ U multiplies by U transposed: "
            "dz @ U.T", GATE_BACK_EQ),
    Mistake("gate_backward.dx_through_W", PART2, "\n    dx = dz @ W.T", "\n    dx = dz @ W",
            "your dx multiplies dz by W; going backwards through x @ W multiplies by W transposed: dz @ W.T",
            GATE_BACK_EQ),
    Mistake("gate_backward.dW_transposed", PART2, "\n    dW = x.T @ dz", "\n    dW = dz.T @ x",
            "your dW is dz.T @ x, shape (H, D); a gradient has its parameter's shape: dW = x.T @ dz, (D, H)",
            GATE_BACK_EQ),
    Mistake("gate_backward.dU_transposed", PART2, "\n    dU = h_prev.T @ dz", "\n    dU = dz.T @ h_prev",
            "your dU is transposed: dU = h_prev.T @ dz (both are (H, H), so only the values show it)",
            GATE_BACK_EQ),
]

CELL_BACKWARD_EQ = "dc_total = dc + dh * o * (1 - tanh(c)**2); then cell update, each gate, gate_backward"
CELL_BACKWARD = [
    Mistake("lstm_cell_backward.forgets_dc_through_h", PART2, "dc_total = dc + dc_from_h", "dc_total = dc",
            "your lstm_cell_backward leaves out the dc that arrives through h = o * tanh(c); add it to the "
            "upstream dc", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.ignores_upstream_dc", PART2, "dc_total = dc + dc_from_h", "dc_total = dc_from_h",
            "your lstm_cell_backward drops the upstream dc (from the next step); add it to the dc that "
            "arrives through h", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.output_gate_through_tanh", PART2, '"o": sigmoid_backward(do, o)',
            '"o": tanh_backward(do, o)',
            "your lstm_cell_backward differentiates the output gate as a tanh; o is a sigmoid, so use "
            "sigmoid_backward", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.candidate_through_sigmoid", PART2, '"g": tanh_backward(dg, g)',
            '"g": sigmoid_backward(dg, g)',
            "your lstm_cell_backward differentiates the candidate as a sigmoid; g is a tanh, so use "
            "tanh_backward", CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dx_overwritten", PART2, "dx += dx_k", "dx = dx_k",
            "your dx keeps only the last gate's contribution; x feeds all four gates, so add them up",
            CELL_BACKWARD_EQ),
    Mistake("lstm_cell_backward.dh_prev_overwritten", PART2, "dh_prev += dh_k", "dh_prev = dh_k",
            "your dh_prev keeps only the last gate's contribution; h_prev feeds all four gates, so add them up",
            CELL_BACKWARD_EQ),
]

BPTT_EQ = "for t = T-1 down to 0: cell backward with dh[:, t] + dh_next and dc_next; grads += grads_t"
BPTT_CALL = "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])"
SEQUENCE_BACKWARD = [
    Mistake("lstm_backward.grads_overwritten", PART3, "grads[name] = grads.get(name, 0.0) + value",
            "grads[name] = value",
            "your lstm_backward keeps only one step's parameter gradients; every step uses the same weights, "
            "so add the gradients of all steps", BPTT_EQ),
    Mistake("lstm_backward.dc_not_carried", PART3, BPTT_CALL,
            "lstm_cell_backward(dh[:, t] + dh_next, np.zeros((N, H)), cache[t])",
            "your lstm_backward does not carry dc back through time; pass each step's dc_prev to the step "
            "before", BPTT_EQ),
    Mistake("lstm_backward.only_last_dh", PART3, BPTT_CALL,
            "lstm_cell_backward(dh[:, -1] + dh_next, dc_next, cache[t])",
            "your lstm_backward uses the last step's upstream dh at every step; step t gets dh[:, t]", BPTT_EQ),
    Mistake("lstm_backward.dh_next_not_added", PART3, BPTT_CALL,
            "lstm_cell_backward(dh[:, t], dc_next, cache[t])",
            "your lstm_backward drops the gradient that flows back from step t+1 through h; use "
            "dh[:, t] + dh_next", BPTT_EQ),
    Mistake("lstm_backward.time_walked_forwards", PART3, "for t in reversed(range(T)):", "for t in range(T):",
            "your lstm_backward walks time forwards; backpropagation through time goes from t = T-1 down to 0",
            BPTT_EQ),
    Mistake("lstm_backward.dx_steps_reversed", PART3, "dx_steps[t] = dx_t", "dx_steps[T - 1 - t] = dx_t",
            "your lstm_backward stores dx in reversed time order; the gradient of x[:, t] belongs in dx[:, t]",
            BPTT_EQ),
]

CATALOGUE: tuple[Mistake, ...] = tuple(
    SIGMOID
    + gate_mistakes("forget_gate", "f", "sigmoid")
    + gate_mistakes("input_gate", "i", "sigmoid")
    + gate_mistakes("candidate", "g", "tanh")
    + gate_mistakes("output_gate", "o", "sigmoid")
    + CELL_UPDATE + HIDDEN_STATE + CELL_FORWARD + SEQUENCE_FORWARD
    + SIGMOID_BACKWARD + TANH_BACKWARD + HIDDEN_STATE_BACKWARD + CELL_UPDATE_BACKWARD
    + GATE_BACKWARD + CELL_BACKWARD + SEQUENCE_BACKWARD
)

# other code with the same numbers as a bonus entry (grader.lstm.bonus_mistakes holds the entries themselves)
BONUS_ALIASES: dict[str, tuple[str, ...]] = {}

BONUS_CATALOGUE: tuple[Mistake, ...] = tuple(
    Mistake(entry["id"], entry["file"], entry["old"], entry["new"], entry["explanation"], entry["equation"],
            BONUS_ALIASES.get(entry["id"], ()))
    for entry in BONUS_MISTAKES)

EVERY_MISTAKE: tuple[Mistake, ...] = CATALOGUE + BONUS_CATALOGUE

BY_ID: dict[str, Mistake] = {mistake.id: mistake for mistake in EVERY_MISTAKE}


def same_mistake(diagnosis_id: str | None, mistake_id: str) -> bool:
    """Whether a diagnosis names `mistake_id`, directly or as one of its aliases."""
    if diagnosis_id is None:
        return False
    entry = BY_ID.get(diagnosis_id)
    return diagnosis_id == mistake_id or (entry is not None and mistake_id in entry.aliases)


def callees(part: str) -> list[str]:
    """Every part that `part` calls, directly or through another, nearest first."""
    found: list[str] = []
    queue = list(CALLS.get(part, ()))
    while queue:
        name = queue.pop(0)
        if name not in found:
            found.append(name)
            queue.extend(CALLS.get(name, ()))
    return found


def candidates(part: str) -> list[Mistake]:
    """The mistakes that can show in `part`: its own first, then those of the parts it calls."""
    order = [part] + callees(part)
    hidden = NOT_NAMED_IN.get(part, frozenset())
    return [mistake for name in order for mistake in EVERY_MISTAKE
            if mistake.part == name and mistake.id not in hidden]


def variant_source(mistake: Mistake, folder: Path) -> str:
    text = (folder / mistake.file).read_text()
    count = text.count(mistake.old)
    if count != 1:
        raise CatalogueError(f"{mistake.id}: {mistake.old!r} occurs {count} times in {folder / mistake.file}, "
                             "expected exactly once; update the catalogue to the reference")
    return text.replace(mistake.old, mistake.new)


@lru_cache(maxsize=256)
def variant_functions(mistake_id: str, folder: str) -> dict[str, Callable[..., Any]]:
    """All reference functions with one mistake made, loaded from a temporary copy of the reference.

    Every solutions file present is loaded, core first, so a bonus file finds the core
    files it imports and a core mistake shows in the bonus parts that call it.
    """
    mistake = BY_ID[mistake_id]
    source = Path(folder)
    with tempfile.TemporaryDirectory(prefix="lstm-grader-mistake-") as scratch:
        files = []
        for path in (source / name for name in SOLUTION_FILES if (source / name).is_file()):
            target = Path(scratch) / path.name
            target.write_text(variant_source(mistake, source) if path.name == mistake.file else path.read_text())
            files.append(target)
        return load_functions(files)


def variant(mistake: Mistake, part: str, folder: Path) -> Callable[..., Any]:
    """The function `part` as the reference computes it with `mistake` made."""
    return variant_functions(mistake.id, str(folder))[part]
