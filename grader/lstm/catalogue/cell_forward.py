"""Catalogued mistakes of sigmoid, the gates, the cell update, h and the step (part1_cell_forward.py).

Each entry is an edit of the reference solutions (see grader.engine.variants);
the maintainer's copy only: a student release ships none of this.
"""
from __future__ import annotations

from typing import Callable

from grader.engine.parts import Mistake

FILE = "part1_cell_forward.py"

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
        return Mistake(f"{part}.{mistake}", FILE, right + tail, new + tail, explanation, equation)

    return [
        entry(wrong_activation[0].split(".", 1)[1], right.replace(call, other, 1), wrong_activation[1]),
        entry("no_activation", f"(x @ W_{k} + h_prev @ U_{k} + b_{k})",
              f"your {name} returns the pre-activation z itself; apply {activation} to it"),
        entry("W_and_U_swapped", f"{call}(x @ U_{k} + h_prev @ W_{k} + b_{k})",
              f"your {name} multiplies x by U_{k} and h_prev by W_{k}; W_{k} (D, H) belongs to x and "
              f"U_{k} (H, H) to h_prev"),
        Mistake(f"{part}.U_transposed", FILE, right + tail, f"{call}(x @ W_{k} + h_prev @ U_{k}.T + b_{k})" + tail,
                f"your {name} uses U_{k} transposed; with rows as examples the recurrent term is h_prev @ U_{k}, "
                f"not U_{k} @ h_prev.T", equation, aliases=(f"{part}.h_prev_transposed_product",)),
        entry("missing_bias", f"{call}(x @ W_{k} + h_prev @ U_{k})",
              f"your {name} leaves out the bias b_{k}"),
        entry("missing_recurrent_term", f"{call}(x @ W_{k} + b_{k})",
              f"your {name} leaves out h_prev @ U_{k}, so it never sees the previous hidden state"),
        entry("missing_input_term", f"{call}(h_prev @ U_{k} + b_{k})",
              f"your {name} leaves out x @ W_{k}, so it never sees the input"),
    ] + gate_term_mistakes(k, activation, name, entry)


def gate_term_mistakes(k: str, activation: str, name: str, entry: Callable[[str, str, str], Mistake]) -> list[Mistake]:
    """How a gate's terms go wrong: the bias outside or subtracted, a term subtracted, W where U belongs, ..."""
    call = "np.tanh" if activation == "tanh" else "sigmoid"
    equation = f"{k} = {activation}(x @ W_{k} + h_prev @ U_{k} + b_{k})"
    return [
        entry("bias_after_activation", f"{call}(x @ W_{k} + h_prev @ U_{k}) + b_{k}",
              f"your {name} adds b_{k} after the {activation}; the bias belongs inside, to the pre-activation: "
              f"{equation}"),
        entry("bias_subtracted", f"{call}(x @ W_{k} + h_prev @ U_{k} - b_{k})",
              f"your {name} subtracts the bias b_{k}; it is added: {equation}"),
        entry("recurrent_term_subtracted", f"{call}(x @ W_{k} - h_prev @ U_{k} + b_{k})",
              f"your {name} subtracts h_prev @ U_{k}; the recurrent term is added like the others: {equation}"),
        entry("W_in_recurrent_term", f"{call}(x @ W_{k} + h_prev @ W_{k} + b_{k})",
              f"your {name} multiplies h_prev by W_{k}; W_{k} (D, H) is the input's weight, h_prev takes its own "
              f"U_{k} (H, H)"),
        entry("x_in_recurrent_term", f"{call}(x @ U_{k} + x @ W_{k} + b_{k})",
              f"your {name} multiplies x by U_{k} too; the recurrent term is h_prev @ U_{k}, the one place the "
              "gate sees the previous hidden state"),
        entry("elementwise_products", f"{call}(x * W_{k} + h_prev * U_{k} + b_{k})",
              f"your {name} multiplies x by W_{k} and h_prev by U_{k} element by element (*); the affine map "
              "is a matrix product: x @ W + h_prev @ U"),
        entry("recurrent_term_squeezed", f"{call}(x @ W_{k} + (h_prev @ U_{k}).squeeze() + b_{k})",
              f"your {name} squeezes h_prev @ U_{k}: with H = 1 it becomes shape (N,) and broadcasts into an "
              "(N, N) array; keep every term (N, H)"),
        entry("relu_instead_of_" + activation, f"np.maximum(x @ W_{k} + h_prev @ U_{k} + b_{k}, 0.0)",
              f"your {name} uses ReLU, max(z, 0), which is unbounded; it uses {activation} and lies in "
              + ("(0, 1)" if activation == "sigmoid" else "(-1, 1)")),
    ] + ([
        entry("stretched_to_minus_one_one", f"(sigmoid(x @ W_{k} + h_prev @ U_{k} + b_{k}) - 0.5) * 2.0",
              f"your {name} is stretched to 2 * sigmoid(z) - 1 in (-1, 1); a gate says how much to let through, "
              "so it is sigmoid(z) in (0, 1)"),
    ] if activation == "sigmoid" else []) + ([
        entry("uses_forget_bias", f"{call}(x @ W_{k} + h_prev @ U_{k} + b_f)",
              f"your {name} uses b_f, pasted from the forget gate, which is not defined there; each gate has its "
              f"own bias: b_{k}"),
    ] if k != "f" else [])


SIGMOID_EQ = "sigmoid(z) = 1 / (1 + exp(-z)), or exp(z) / (1 + exp(z)) where z < 0"
STABLE = "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))"
SIGMOID_BODY = "e = np.exp(-np.abs(z))\n    s = " + STABLE

SIGMOID_MISTAKES = [
    Mistake("sigmoid.clipped_input", FILE, "z = np.asarray(z, dtype=np.float64)",
            "z = np.clip(np.asarray(z, dtype=np.float64), -15.0, 15.0)",
            "your sigmoid clips z to [-15, 15], so a saturated gate comes out 3e-7 away from 0 or 1; the stable "
            "formula never overflows, so it needs no clipping", SIGMOID_EQ),
    Mistake("sigmoid.tanh_identity_of_z", FILE, SIGMOID_BODY, "s = (np.tanh(z) + 1.0) / 2.0",
            "your sigmoid computes (1 + tanh(z)) / 2, which is sigmoid(2z); the identity is "
            "sigmoid(z) = (1 + tanh(z / 2)) / 2", SIGMOID_EQ),
    Mistake("sigmoid.math_exp", FILE, "e = np.exp(-np.abs(z))", "import math\n    e = math.exp(-np.abs(z))",
            "your sigmoid calls math.exp, which takes a single number and raises TypeError on an array; "
            "np.exp works element by element", SIGMOID_EQ),
    Mistake("sigmoid.missing_minus_sign", FILE, "z = np.asarray(z, dtype=np.float64)",
            "z = -np.asarray(z, dtype=np.float64)",
            "your sigmoid computes sigmoid(-z) = 1 / (1 + exp(z)): the minus sign in exp(-z) is missing, or the "
            "two stable formulas are swapped (1 / (1 + exp(-z)) is the one for z >= 0)",
            SIGMOID_EQ, aliases=("sigmoid.branches_swapped",)),
    Mistake("sigmoid.exp_ratio_overflows", FILE, SIGMOID_BODY, "s = np.exp(z) / (1.0 + np.exp(z))",
            "your sigmoid computes exp(z) / (1 + exp(z)) everywhere; exp(z) overflows to inf for large z "
            "and inf / inf is NaN, so use 1 / (1 + exp(-z)) where z >= 0", SIGMOID_EQ),
    Mistake("sigmoid.unstable_overflow_warning", FILE, SIGMOID_BODY, "s = 1.0 / (1.0 + np.exp(-z))",
            "your sigmoid computes 1 / (1 + exp(-z)) everywhere; the values are right, but exp(-z) overflows "
            "for z below about -710, so use exp(z) / (1 + exp(z)) where z < 0", SIGMOID_EQ),
    Mistake("sigmoid.only_negative_branch", FILE, STABLE, "e / (1.0 + e)",
            "your sigmoid uses exp(-|z|) / (1 + exp(-|z|)) for every z, which is right only for z < 0; "
            "for z >= 0 use 1 / (1 + exp(-|z|))", SIGMOID_EQ),
    Mistake("sigmoid.only_positive_branch", FILE, STABLE, "1.0 / (1.0 + e)",
            "your sigmoid uses 1 / (1 + exp(-|z|)) for every z, which is right only for z >= 0; "
            "for z < 0 use exp(-|z|) / (1 + exp(-|z|))", SIGMOID_EQ),
]

CELL_EQ = "c = f * c_prev + i * g"
CELL_RIGHT = "c = f * c_prev + i * g\n    return c"
CELL_UPDATE_MISTAKES = [
    Mistake("cell_update.without_input_gate", FILE, CELL_RIGHT, "c = f * c_prev + g\n    return c",
            "your cell update writes the whole candidate g; the input gate decides how much of it to write: "
            "i * g", CELL_EQ),
    Mistake("cell_update.without_forget_gate", FILE, CELL_RIGHT, "c = c_prev + i * g\n    return c",
            "your cell update keeps all of c_prev; the forget gate decides how much to keep: f * c_prev",
            CELL_EQ),
    Mistake("cell_update.f_and_i_swapped", FILE, CELL_RIGHT, "c = i * c_prev + f * g\n    return c",
            "your cell update has the forget and input gates swapped: f scales the old cell c_prev, "
            "i scales the candidate g", CELL_EQ),
    Mistake("cell_update.coupled_gates", FILE, CELL_RIGHT, "c = f * c_prev + (1 - f) * g\n    return c",
            "your cell update writes (1 - f) * g, a GRU-style coupled gate; the LSTM has its own input "
            "gate: i * g", CELL_EQ),
    Mistake("cell_update.one_minus_forget", FILE, CELL_RIGHT, "c = (1 - f) * c_prev + i * g\n    return c",
            "your cell update keeps (1 - f) * c_prev; f is how much to keep, not how much to forget, "
            "so it is f * c_prev", CELL_EQ),
    Mistake("cell_update.squashed", FILE, CELL_RIGHT, "c = np.tanh(f * c_prev + i * g)\n    return c",
            "your cell update squashes the new cell with tanh; the cell is a plain gated sum, and tanh is "
            "applied only when h reads it: h = o * tanh(c)", CELL_EQ),
    Mistake("cell_update.forget_gate_scales_candidate", FILE, CELL_RIGHT,
            "c = f * (c_prev + i * g)\n    return c",
            "your cell update is f * (c_prev + i * g), so the forget gate also scales what is written; it scales "
            "the old cell only: f * c_prev + i * g", CELL_EQ),
    Mistake("cell_update.matrix_products", FILE, CELL_RIGHT, "c = f.dot(c_prev) + i.dot(g)\n    return c",
            "your cell update multiplies the gates and the states as matrices (np.dot); gates act element by "
            "element: f * c_prev + i * g", CELL_EQ),
]

HIDDEN_EQ = "h = o * tanh(c)"
HIDDEN_STATE_MISTAKES = [
    Mistake("hidden_state.tanh_by_exp_ratio", FILE, "h = o * np.tanh(c)",
            "h = o * (np.exp(c) - np.exp(-c)) / (np.exp(c) + np.exp(-c))",
            "your hidden state computes tanh(c) as (exp(c) - exp(-c)) / (exp(c) + exp(-c)), which overflows for "
            "large |c|: exp(710) is inf and inf / inf is NaN; use np.tanh", HIDDEN_EQ),
    Mistake("hidden_state.no_tanh", FILE, "h = o * np.tanh(c)", "h = o * c",
            "your hidden state is o * c; squash the cell first: h = o * tanh(c)", HIDDEN_EQ),
    Mistake("hidden_state.tanh_outside", FILE, "h = o * np.tanh(c)", "h = np.tanh(o * c)",
            "your hidden state is tanh(o * c); the output gate multiplies the squashed cell: o * tanh(c)",
            HIDDEN_EQ),
    Mistake("hidden_state.sigmoid_instead_of_tanh", FILE, "h = o * np.tanh(c)", "h = o / (1.0 + np.exp(-c))",
            "your hidden state squashes the cell with sigmoid; it uses tanh, so h can be negative", HIDDEN_EQ),
    Mistake("hidden_state.without_output_gate", FILE, "h = o * np.tanh(c)", "h = np.tanh(c)",
            "your hidden state leaves out the output gate: h = o * tanh(c)", HIDDEN_EQ),
    Mistake("hidden_state.output_gate_added", FILE, "h = o * np.tanh(c)", "h = np.tanh(c) + o",
            "your hidden state adds the output gate to tanh(c); the gate multiplies it: h = o * tanh(c)",
            HIDDEN_EQ),
]

STEP_EQ = "f, i, g, o from (x, h_prev); c = f * c_prev + i * g; h = o * tanh(c)"
CELL_FORWARD_MISTAKES = [
    Mistake("lstm_cell_forward.input_gate_with_forget_weights", FILE,
            'i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])',
            'i = input_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
            "your lstm_cell_forward computes the input gate with the forget gate's weights (W_f, U_f, b_f); "
            "each gate has its own: W_i, U_i, b_i", STEP_EQ),
    Mistake("lstm_cell_forward.output_gate_with_forget_weights", FILE,
            'o = output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"])',
            'o = output_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
            "your lstm_cell_forward computes the output gate with the forget gate's weights (W_f, U_f, b_f); "
            "each gate has its own: W_o, U_o, b_o", STEP_EQ),
    Mistake("lstm_cell_forward.h_from_c_prev", FILE, "h = hidden_state(c, o)", "h = hidden_state(c_prev, o)",
            "your lstm_cell_forward computes h from the old cell c_prev; h reads the new cell: h = o * tanh(c)",
            STEP_EQ),
    Mistake("lstm_cell_forward.returns_c_then_h", FILE, "    return h, c, cache\n", "    return c, h, cache\n",
            "your lstm_cell_forward returns (c, h, cache); the contract's order is (h, c, cache)", STEP_EQ),
    Mistake("lstm_cell_forward.cell_update_from_h_prev", FILE, "c = cell_update(c_prev, f, i, g)",
            "c = cell_update(h_prev, f, i, g)",
            "your lstm_cell_forward updates h_prev instead of the old cell: c = f * c_prev + i * g", STEP_EQ),
    Mistake("lstm_cell_forward.h_squashes_twice", FILE, "h = hidden_state(c, o)", "h = o * np.tanh(np.tanh(c))",
            "your lstm_cell_forward computes h = o * tanh(tanh(c)), squashing the cell twice; hidden_state "
            "applies tanh itself, so hand it c", STEP_EQ),
]

# tanh written out with exp: right up to |z| of about 710, NaN beyond (the extreme cases reach that)
CANDIDATE_EXP_RATIO = Mistake(
    "candidate.tanh_by_exp_ratio", FILE, "g = np.tanh(x @ W_g + h_prev @ U_g + b_g)\n    return g",
    "z = x @ W_g + h_prev @ U_g + b_g\n    g = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))\n    return g",
    "your candidate computes tanh as (exp(z) - exp(-z)) / (exp(z) + exp(-z)), which overflows for large |z|: "
    "exp(710) is inf and inf / inf is NaN; use np.tanh", "g = tanh(x @ W_g + h_prev @ U_g + b_g)")

GATE_MISTAKES = (gate_mistakes("forget_gate", "f", "sigmoid") + gate_mistakes("input_gate", "i", "sigmoid")
                 + gate_mistakes("candidate", "g", "tanh") + [CANDIDATE_EXP_RATIO]
                 + gate_mistakes("output_gate", "o", "sigmoid"))

ENTRIES: tuple[Mistake, ...] = tuple(SIGMOID_MISTAKES + GATE_MISTAKES + CELL_UPDATE_MISTAKES + HIDDEN_STATE_MISTAKES
                                     + CELL_FORWARD_MISTAKES)
