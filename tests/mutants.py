"""Realistic wrong implementations of the reference solutions, one mistake each.

A mutant replaces one exact piece of one solution file (`old`, which must occur
exactly once) with a wrong version (`new`), the way a student gets it wrong.
`broken_parts` are the parts that must lose points when the three core solution
files are graded together: the mutated function's own part, plus every part whose
student code calls it, as far as the grader's policy makes the mistake visible.
Every other part must keep its full points.

What the grader's policy means for the parts that call a broken function:
- every part runs the student's own code, so lstm_cell_forward loses points
  when any gate it calls is wrong, hidden_state_backward when its
  tanh_backward is wrong, lstm_cell_backward when any backward helper is wrong;
- a backward part without a cache (sigmoid_backward, hidden_state_backward,
  ...) is compared with the reference on the grader's own inputs, so a wrong
  forward costs it nothing (its own forward only feeds a feedback note);
- lstm_cell_backward and lstm_backward get their cache from the student's
  lstm_cell_forward / lstm_forward, and are judged only when that forward
  agrees with the reference on every case: a forward mistake that shows in
  any case leaves the cache-taking backward at most half its points, for the
  gradients that agree with the student's own forward. So FORWARD_STEP below
  is "lstm_cell_forward and all that builds on it", SEQUENCE "lstm_forward and
  lstm_backward".

Two more rules of the policy, for the mutants that change an argument in place:
- a function that changes one of its arguments in place loses half its part's
  points even when its outputs are right, and so does every part whose own
  argument it reaches (lstm_cell_forward hands its c_prev to cell_update as is,
  lstm_cell_backward its dh to hidden_state_backward); an array the caller made
  itself (dh * o, dh[:, t] + dh_next) is not the caller's argument;
- the arrays a forward keeps in its cache are the backward's: a forward that
  changes them after the fact (c_prev *= f, then c_prev returned as c) gives
  the backward wrong numbers, so the backward loses points for its values.

The suite comes in three sets. ISSUE_4_MUTANTS were written next to the
mistake catalogue (grader/lstm/catalogue/) and carry its ids. STUDENT_MUTANTS
were written afterwards, from the way real LSTM code goes wrong (CS231n's
lstm_step_backward, Coursera's lstm_cell_forward, "LSTM from scratch" posts),
without looking at the catalogue's edits: each names in `expected_diagnosis`
the diagnoses whose explanation would be the actual mistake (catalogue entries,
generic detectors of grader.engine.diagnose, the localisation of a composite
part in grader.lstm.localise), and none when no diagnosis today could be; a
diagnosis that names the right kind of mistake in a function the student did
not get wrong is not right. BONUS_MUTANTS are mistakes of the bonus parts
(files part4 to part7); they are graded with every solution file. MUTANTS,
the core suite, is the first two. benchmarks/bench_diagnosis.py measures how
often the feedback names each mistake.

`edited_solutions` builds a submission from the solutions with such edits; the
test files that grade a changed copy of the reference all use it.
"""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

SOLUTIONS_DIR = Path(__file__).resolve().parent.parent / "solutions"

PART1 = "part1_cell_forward.py"
PART2 = "part2_cell_backward.py"
PART3 = "part3_sequence.py"


@dataclass(frozen=True)
class Mutant:
    """One wrong implementation.

    Args:
        id: "<part>.<mistake>", e.g. "forget_gate.tanh_instead_of_sigmoid".
        file: the solutions file the change is made in.
        old: an exact substring of that file, occurring exactly once.
        new: what replaces it.
        broken_parts: parts that must lose points; all others keep full points.
        description: the mistake in words, as a student would make it.
        expected_diagnosis: the diagnosis ids (catalogue entries, or generic detectors such as
            "lstm_forward.shifted_by_one_step") that would name this very mistake, besides the
            mutant's own id (see `names_the_mistake`).
        in_place: the mutant's own function gives the right values but changes an argument in
            place; the feedback names that in a message ("changed its input ... in place"),
            not in a diagnosis.
        known_gap: why today's grader lets this mistake through somewhere it should cost points
            (a grader defect to fix); "" when the grader is expected to catch it.
    """

    id: str
    file: str
    old: str
    new: str
    broken_parts: frozenset[str]
    description: str
    expected_diagnosis: tuple[str, ...] = ()
    in_place: bool = False
    known_gap: str = ""

    @property
    def part(self) -> str:
        return self.id.split(".", 1)[0]


def mutant(id: str, file: str, old: str, new: str, broken: set[str], description: str, *,
           expected: tuple[str, ...] = (), in_place: bool = False, known_gap: str = "") -> Mutant:
    return Mutant(id, file, old, new, frozenset(broken), description, expected, in_place, known_gap)


SOLUTION_FILES = (PART1, PART2, PART3)

SEQUENCE = {"lstm_forward", "lstm_backward"}
FORWARD_STEP = {"lstm_cell_forward", "lstm_cell_backward"} | SEQUENCE
BACKWARD_STEP = {"lstm_cell_backward", "lstm_backward"}

ISSUE_4_MUTANTS: tuple[Mutant, ...] = (
    # sigmoid -----------------------------------------------------------------
    mutant("sigmoid.exp_ratio_overflows", PART1,
           "e = np.exp(-np.abs(z))\n    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "s = np.exp(z) / (1.0 + np.exp(z))",
           {"sigmoid"},
           "exp(z) / (1 + exp(z)) everywhere: inf / inf = NaN for z around 1e4; the gates never "
           "see such z, so only sigmoid itself fails"),
    mutant("sigmoid.branches_swapped", PART1,
           "np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "np.where(z >= 0, e / (1.0 + e), 1.0 / (1.0 + e))",
           {"sigmoid", "forget_gate", "input_gate", "output_gate"} | FORWARD_STEP,
           "the two branches of the stable sigmoid in the wrong order: sigmoid(-|z|) for z >= 0"),
    mutant("sigmoid.missing_minus_sign", PART1,
           "e = np.exp(-np.abs(z))\n    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "s = 1.0 / (1.0 + np.exp(z))",
           {"sigmoid", "forget_gate", "input_gate", "output_gate"} | FORWARD_STEP,
           "1 / (1 + exp(z)) instead of 1 / (1 + exp(-z)): sigmoid(-z)"),
    mutant("sigmoid.unstable_overflow_warning", PART1,
           "e = np.exp(-np.abs(z))\n    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
           "s = 1.0 / (1.0 + np.exp(-z))",
           {"sigmoid"},
           "the textbook 1 / (1 + exp(-z)): right values, but exp overflows with a RuntimeWarning "
           "for z = -1e4, which the contract's stability rule forbids"),
    # the gates ---------------------------------------------------------------
    mutant("forget_gate.tanh_instead_of_sigmoid", PART1,
           "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
           "f = np.tanh(x @ W_f + h_prev @ U_f + b_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "tanh where a gate needs sigmoid"),
    mutant("forget_gate.W_and_U_swapped", PART1,
           "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
           "f = sigmoid(x @ U_f + h_prev @ W_f + b_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "the input weights applied to h_prev and the recurrent ones to x (a shape error, D != H)"),
    mutant("forget_gate.missing_bias", PART1,
           "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
           "f = sigmoid(x @ W_f + h_prev @ U_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "the bias b_f left out"),
    mutant("forget_gate.U_transposed", PART1,
           "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f",
           "f = sigmoid(x @ W_f + h_prev @ U_f.T + b_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "U_f transposed: (H, H), so no shape error, only wrong values"),
    mutant("input_gate.tanh_instead_of_sigmoid", PART1,
           "i = sigmoid(x @ W_i + h_prev @ U_i + b_i)\n    return i",
           "i = np.tanh(x @ W_i + h_prev @ U_i + b_i)\n    return i",
           {"input_gate"} | FORWARD_STEP,
           "tanh where a gate needs sigmoid"),
    mutant("input_gate.h_prev_transposed_product", PART1,
           "i = sigmoid(x @ W_i + h_prev @ U_i + b_i)\n    return i",
           "i = sigmoid(x @ W_i + (U_i @ h_prev.T).T + b_i)\n    return i",
           {"input_gate"} | FORWARD_STEP,
           "U_i h_prev^T (column convention) instead of h_prev U_i: the transpose of U_i is used"),
    mutant("candidate.sigmoid_instead_of_tanh", PART1,
           "g = np.tanh(x @ W_g", "g = sigmoid(x @ W_g",
           {"candidate"} | FORWARD_STEP,
           "sigmoid for the candidate, which must lie in (-1, 1)"),
    mutant("candidate.missing_bias", PART1,
           "g = np.tanh(x @ W_g + h_prev @ U_g + b_g)", "g = np.tanh(x @ W_g + h_prev @ U_g)",
           {"candidate"} | FORWARD_STEP,
           "the bias b_g left out"),
    mutant("output_gate.missing_recurrent_term", PART1,
           "o = sigmoid(x @ W_o + h_prev @ U_o + b_o)\n    return o", "o = sigmoid(x @ W_o + b_o)\n    return o",
           {"output_gate"} | FORWARD_STEP,
           "the h_prev @ U_o term forgotten"),
    # cell update and hidden state ------------------------------------------------
    mutant("cell_update.without_input_gate", PART1,
           "c = f * c_prev + i * g\n    return c", "c = f * c_prev + g\n    return c",
           {"cell_update"} | FORWARD_STEP,
           "the candidate written in full, without the input gate"),
    mutant("cell_update.f_and_i_swapped", PART1,
           "c = f * c_prev + i * g\n    return c", "c = i * c_prev + f * g\n    return c",
           {"cell_update"} | FORWARD_STEP,
           "forget and input gate in each other's place"),
    mutant("cell_update.coupled_gates", PART1,
           "c = f * c_prev + i * g\n    return c", "c = f * c_prev + (1 - f) * g\n    return c",
           {"cell_update"} | FORWARD_STEP,
           "a GRU-style coupled gate (1 - f) instead of the input gate"),
    mutant("hidden_state.no_tanh", PART1,
           "h = o * np.tanh(c)", "h = o * c",
           {"hidden_state"} | FORWARD_STEP,
           "h = o * c: the cell is not squashed"),
    mutant("hidden_state.tanh_outside", PART1,
           "h = o * np.tanh(c)", "h = np.tanh(o * c)",
           {"hidden_state"} | FORWARD_STEP,
           "tanh of the gated cell instead of the gated tanh of the cell"),
    # lstm_cell_forward -------------------------------------------------------
    mutant("lstm_cell_forward.input_gate_with_forget_weights", PART1,
           'i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])',
           'i = input_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])',
           FORWARD_STEP,
           "copy-paste: the input gate computed with the forget gate's weights"),
    mutant("lstm_cell_forward.h_from_c_prev", PART1,
           "h = hidden_state(c, o)", "h = hidden_state(c_prev, o)",
           FORWARD_STEP,
           "the hidden state read from the old cell instead of the new one"),
    mutant("lstm_cell_forward.returns_c_then_h", PART1,
           "    return h, c, cache\n", "    return c, h, cache\n",
           FORWARD_STEP,
           "(c, h, cache) returned instead of (h, c, cache)"),
    # activation backward -----------------------------------------------------
    mutant("sigmoid_backward.derivative_as_s", PART2,
           "dz = ds * s * (1.0 - s)", "dz = ds * s",
           {"sigmoid_backward"} | BACKWARD_STEP,
           "the sigmoid's output used as its derivative"),
    mutant("tanh_backward.one_minus_t", PART2,
           "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t)",
           {"tanh_backward", "hidden_state_backward"} | BACKWARD_STEP,
           "1 - t instead of 1 - t**2"),
    mutant("tanh_backward.reapplies_tanh", PART2,
           "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - np.tanh(t)**2)",
           {"tanh_backward", "hidden_state_backward"} | BACKWARD_STEP,
           "tanh applied again to t, which already is tanh(z)"),
    mutant("hidden_state_backward.forgets_o", PART2,
           "dc = tanh_backward(dh * o, tanh_c)", "dc = tanh_backward(dh, tanh_c)",
           {"hidden_state_backward"} | BACKWARD_STEP,
           "dc misses the factor o"),
    mutant("hidden_state_backward.do_uses_c", PART2,
           "do = dh * tanh_c", "do = dh * c",
           {"hidden_state_backward"} | BACKWARD_STEP,
           "do = dh * c instead of dh * tanh(c)"),
    mutant("cell_update_backward.dc_prev_not_times_f", PART2,
           "dc_prev = dc * f\n", "dc_prev = dc\n",
           {"cell_update_backward"} | BACKWARD_STEP,
           "the gradient to the old cell does not go through the forget gate"),
    mutant("cell_update_backward.di_dg_swapped", PART2,
           "di = dc * g\n    dg = dc * i", "di = dc * i\n    dg = dc * g",
           {"cell_update_backward"} | BACKWARD_STEP,
           "each factor's gradient multiplied by itself instead of the other factor"),
    # gate_backward -------------------------------------------------------------
    mutant("gate_backward.db_mean", PART2,
           "db = dz.sum(axis=0)", "db = dz.mean(axis=0)",
           {"gate_backward"} | BACKWARD_STEP,
           "db averaged over the batch instead of summed"),
    mutant("gate_backward.db_not_summed", PART2,
           "db = dz.sum(axis=0)", "db = dz",
           {"gate_backward"} | BACKWARD_STEP,
           "db returned as dz, shape (N, H) instead of (H,)"),
    mutant("gate_backward.dh_prev_through_U", PART2,
           "\n    dh_prev = dz @ U.T", "\n    dh_prev = dz @ U",
           {"gate_backward"} | BACKWARD_STEP,
           "dh_prev through U instead of U.T (square, so no shape error)"),
    mutant("gate_backward.dW_transposed", PART2,
           "\n    dW = x.T @ dz", "\n    dW = dz.T @ x",
           {"gate_backward"} | BACKWARD_STEP,
           "dW = dz^T x: shape (H, D) instead of (D, H)"),
    mutant("gate_backward.dU_transposed", PART2,
           "\n    dU = h_prev.T @ dz", "\n    dU = dz.T @ h_prev",
           {"gate_backward"} | BACKWARD_STEP,
           "dU transposed: (H, H) either way, so only the values are wrong"),
    # lstm_cell_backward ------------------------------------------------------
    mutant("lstm_cell_backward.forgets_dc_through_h", PART2,
           "dc_total = dc + dc_from_h", "dc_total = dc",
           BACKWARD_STEP,
           "the dc that arrives through h = o * tanh(c) is left out"),
    mutant("lstm_cell_backward.ignores_upstream_dc", PART2,
           "dc_total = dc + dc_from_h", "dc_total = dc_from_h",
           BACKWARD_STEP,
           "the upstream dc of the next step is dropped"),
    mutant("lstm_cell_backward.output_gate_through_tanh", PART2,
           '"o": sigmoid_backward(do, o)', '"o": tanh_backward(do, o)',
           BACKWARD_STEP,
           "the output gate differentiated as a tanh"),
    mutant("lstm_cell_backward.candidate_through_sigmoid", PART2,
           '"g": tanh_backward(dg, g)', '"g": sigmoid_backward(dg, g)',
           BACKWARD_STEP,
           "the candidate differentiated as a sigmoid"),
    mutant("lstm_cell_backward.dx_overwritten", PART2,
           "dx += dx_k", "dx = dx_k",
           BACKWARD_STEP,
           "dx keeps only the last gate's contribution"),
    mutant("lstm_cell_backward.dh_prev_overwritten", PART2,
           "dh_prev += dh_k", "dh_prev = dh_k",
           BACKWARD_STEP,
           "dh_prev keeps only the last gate's contribution"),
    # lstm_forward ------------------------------------------------------------
    mutant("lstm_forward.h0_every_step", PART3,
           "lstm_cell_forward(x[:, t], h_t, c_t, params)", "lstm_cell_forward(x[:, t], h0, c_t, params)",
           SEQUENCE,
           "h is not fed back: every step starts from h0"),
    mutant("lstm_forward.c0_every_step", PART3,
           "lstm_cell_forward(x[:, t], h_t, c_t, params)", "lstm_cell_forward(x[:, t], h_t, c0, params)",
           SEQUENCE,
           "c is not fed back: every step starts from c0"),
    mutant("lstm_forward.stores_c_in_h", PART3,
           "h[:, t], c[:, t] = h_t, c_t", "h[:, t], c[:, t] = c_t, c_t",
           SEQUENCE,
           "the cell state stored where the hidden state belongs"),
    mutant("lstm_forward.input_off_by_one", PART3,
           "lstm_cell_forward(x[:, t], h_t", "lstm_cell_forward(x[:, t - 1], h_t",
           SEQUENCE,
           "x[:, t - 1] at step t: the first step reads the last input"),
    # lstm_backward -----------------------------------------------------------
    mutant("lstm_backward.grads_overwritten", PART3,
           "grads[name] = grads.get(name, 0.0) + value", "grads[name] = value",
           {"lstm_backward"},
           "parameter gradients overwritten at each step instead of added up"),
    mutant("lstm_backward.dc_not_carried", PART3,
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])",
           "lstm_cell_backward(dh[:, t] + dh_next, np.zeros((N, H)), cache[t])",
           {"lstm_backward"},
           "the cell gradient is not carried back through time"),
    mutant("lstm_backward.only_last_dh", PART3,
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])",
           "lstm_cell_backward(dh[:, -1] + dh_next, dc_next, cache[t])",
           {"lstm_backward"},
           "the last step's upstream dh used at every step"),
    mutant("lstm_backward.dh_next_not_added", PART3,
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])",
           "lstm_cell_backward(dh[:, t], dc_next, cache[t])",
           {"lstm_backward"},
           "the gradient from the next step's h is not added"),
    mutant("lstm_backward.time_walked_forwards", PART3,
           "for t in reversed(range(T)):", "for t in range(T):",
           {"lstm_backward"},
           "BPTT walks time forwards"),
    mutant("lstm_backward.dx_steps_reversed", PART3,
           "dx_steps[t] = dx_t", "dx_steps[T - 1 - t] = dx_t",
           {"lstm_backward"},
           "dx stored in reversed time order"),
)


# the bodies of the reference that a student rewrites whole, in their own way
SIGMOID_BODY = ("e = np.exp(-np.abs(z))\n"
                "    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))")
FORGET_LINE = "f = sigmoid(x @ W_f + h_prev @ U_f + b_f)\n    return f"
INPUT_LINE = "i = sigmoid(x @ W_i + h_prev @ U_i + b_i)\n    return i"
CANDIDATE_LINE = "g = np.tanh(x @ W_g + h_prev @ U_g + b_g)"
OUTPUT_LINE = "o = sigmoid(x @ W_o + h_prev @ U_o + b_o)\n    return o"
CELL_LINE = "c = f * c_prev + i * g\n    return c"
FOUR_GATE_CALLS = ('    f = forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])\n'
                   '    i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])\n'
                   '    g = candidate(x, h_prev, p["W_g"], p["U_g"], p["b_g"])\n'
                   '    o = output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"])\n')
FORGET_CALL = 'f = forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])'
STEP_CALL = "        h_t, c_t, step_cache = lstm_cell_forward(x[:, t], h_t, c_t, params)\n"
STORE = "        h[:, t], c[:, t] = h_t, c_t\n"
BPTT_STEP = "        dx_t, dh_next, dc_next, step_grads = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])\n"
ACTIVATION_GRADS = ('    dz = {\n'
                    '        "f": sigmoid_backward(df, f),\n'
                    '        "i": sigmoid_backward(di, i),\n'
                    '        "g": tanh_backward(dg, g),\n'
                    '        "o": sigmoid_backward(do, o),\n'
                    '    }\n')
SIGMOID_GATES = {"sigmoid", "forget_gate", "input_gate", "output_gate"}

STUDENT_MUTANTS: tuple[Mutant, ...] = (
    # sigmoid -----------------------------------------------------------------
    mutant("sigmoid.float32_inside", PART1,
           "z = np.asarray(z, dtype=np.float64)", "z = np.asarray(z, dtype=np.float32)",
           SIGMOID_GATES | FORWARD_STEP,
           "z cast to float32 \"to save memory\": the sigmoid and the gates return float32",
           expected=("sigmoid.computes_in_float32",)),
    mutant("sigmoid.clipped_at_15", PART1, SIGMOID_BODY,
           "# clip so that exp never overflows\n    z = np.clip(z, -15.0, 15.0)\n    s = 1.0 / (1.0 + np.exp(-z))",
           SIGMOID_GATES | FORWARD_STEP,
           "z clipped to [-15, 15] before the textbook formula: sigmoid(-40) comes out as 3e-7 instead of 4e-18",
           expected=("sigmoid.clipped_input",)),
    mutant("sigmoid.tanh_identity_without_halves", PART1, SIGMOID_BODY,
           "s = 0.5 * (1.0 + np.tanh(z))",
           SIGMOID_GATES | FORWARD_STEP,
           "the identity sigmoid(z) = (1 + tanh(z / 2)) / 2 remembered without the z / 2",
           expected=("sigmoid.tanh_identity_of_z",)),
    mutant("sigmoid.exp_minus_z_ratio", PART1, SIGMOID_BODY,
           "s = np.exp(-z) / (1.0 + np.exp(-z))",
           SIGMOID_GATES | FORWARD_STEP,
           "exp(-z) / (1 + exp(-z)), which is sigmoid(-z), and NaN for z = -1e4",
           expected=("sigmoid.missing_minus_sign",)),
    mutant("sigmoid.math_exp_on_arrays", PART1, SIGMOID_BODY,
           "import math\n    s = 1.0 / (1.0 + math.exp(-z))",
           SIGMOID_GATES | FORWARD_STEP,
           "math.exp from a scalar tutorial: a TypeError on any array of more than one element",
           expected=("sigmoid.math_exp",)),
    mutant("sigmoid.where_evaluates_both_branches", PART1, SIGMOID_BODY,
           "s = np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))",
           {"sigmoid"},
           "both stable formulas inside np.where: the values are right, but np.where computes both, so exp "
           "overflows (with a warning) for |z| = 1e4; the gates never see such z"),
    # the gates ---------------------------------------------------------------
    mutant("forget_gate.x_in_both_terms", PART1, FORGET_LINE,
           "f = sigmoid(x @ W_f + x @ U_f + b_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "copy-paste: x in the recurrent term too (a matmul shape error, D != H)",
           expected=("forget_gate.x_in_recurrent_term",)),
    mutant("forget_gate.star_for_matrix_product", PART1, FORGET_LINE,
           "f = sigmoid(x * W_f + h_prev * U_f + b_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "* where the affine map needs @ (a broadcasting error)",
           expected=("forget_gate.elementwise_products",)),
    mutant("forget_gate.bias_after_sigmoid", PART1, FORGET_LINE,
           "f = sigmoid(x @ W_f + h_prev @ U_f) + b_f\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "the bias added to the gate instead of to the pre-activation",
           expected=("forget_gate.bias_after_activation",)),
    mutant("forget_gate.squeezed_recurrent_term", PART1, FORGET_LINE,
           "f = sigmoid(x @ W_f + np.squeeze(h_prev @ U_f) + b_f)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "np.squeeze on the recurrent term: harmless for N = 1, a (N, N) broadcast for H = 1",
           expected=("forget_gate.recurrent_term_squeezed",)),
    mutant("forget_gate.float32_output", PART1, FORGET_LINE,
           "f = sigmoid(x @ W_f + h_prev @ U_f + b_f).astype(np.float32)\n    return f",
           {"forget_gate"} | FORWARD_STEP,
           "the gate cast to float32: its own part sees the dtype, the step's float64 h and c hide it",
           expected=("forget_gate.computes_in_float32",)),
    mutant("input_gate.forget_bias_pasted", PART1, INPUT_LINE,
           "i = sigmoid(x @ W_i + h_prev @ U_i + b_f)\n    return i",
           {"input_gate"} | FORWARD_STEP,
           "copy-paste from the forget gate: b_f, a NameError inside input_gate",
           expected=("input_gate.uses_forget_bias",)),
    mutant("input_gate.minus_recurrent_term", PART1, INPUT_LINE,
           "i = sigmoid(x @ W_i - h_prev @ U_i + b_i)\n    return i",
           {"input_gate"} | FORWARD_STEP,
           "a minus where the recurrent term is added",
           expected=("input_gate.recurrent_term_subtracted",)),
    mutant("input_gate.relu_gate", PART1, INPUT_LINE,
           "i = np.maximum(0.0, x @ W_i + h_prev @ U_i + b_i)\n    return i",
           {"input_gate"} | FORWARD_STEP,
           "a ReLU for the gate, from a feed-forward course",
           expected=("input_gate.relu_instead_of_sigmoid",)),
    mutant("input_gate.one_minus_sigmoid", PART1, INPUT_LINE,
           "i = 1.0 - sigmoid(x @ W_i + h_prev @ U_i + b_i)\n    return i",
           {"input_gate"} | FORWARD_STEP,
           "i = 1 - sigmoid(...), from a GRU's update gate; the sigmoid itself is right",
           expected=("sigmoid.missing_minus_sign",)),
    mutant("candidate.tanh_from_exponentials", PART1, CANDIDATE_LINE,
           "z = x @ W_g + h_prev @ U_g + b_g\n    g = (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))",
           {"candidate"} | FORWARD_STEP,
           "tanh written as (e^z - e^-z) / (e^z + e^-z): NaN once |z| passes about 710",
           expected=("candidate.tanh_by_exp_ratio",)),
    mutant("candidate.bias_outside_tanh", PART1, CANDIDATE_LINE,
           "g = np.tanh(x @ W_g + h_prev @ U_g) + b_g",
           {"candidate"} | FORWARD_STEP,
           "the bias added after the tanh",
           expected=("candidate.bias_after_activation",)),
    mutant("candidate.column_convention_np_dot", PART1, CANDIDATE_LINE,
           "g = np.tanh(np.dot(x, W_g) + np.dot(U_g, h_prev.T).T + b_g)",
           {"candidate"} | FORWARD_STEP,
           "Coursera's column convention U h_prev for the recurrent term, transposed back: h_prev @ U_g.T",
           expected=("candidate.U_transposed",)),
    mutant("output_gate.rescaled_to_minus_one_one", PART1, OUTPUT_LINE,
           "o = 2.0 * sigmoid(x @ W_o + h_prev @ U_o + b_o) - 1.0\n    return o",
           {"output_gate"} | FORWARD_STEP,
           "the gate stretched to (-1, 1) \"so h can be negative\"",
           expected=("output_gate.stretched_to_minus_one_one",)),
    mutant("output_gate.returns_z_too", PART1, OUTPUT_LINE,
           "z = x @ W_o + h_prev @ U_o + b_o\n    o = sigmoid(z)\n    return z, o",
           {"output_gate"} | FORWARD_STEP,
           "the pre-activation returned beside the gate, for the backward",
           expected=("output_gate.returns_extra_values",)),
    mutant("output_gate.W_in_both_terms", PART1, OUTPUT_LINE,
           "o = sigmoid(x @ W_o + h_prev @ W_o + b_o)\n    return o",
           {"output_gate"} | FORWARD_STEP,
           "copy-paste: W_o in the recurrent term too (a matmul shape error)",
           expected=("output_gate.W_in_recurrent_term",)),
    mutant("output_gate.bias_subtracted", PART1, OUTPUT_LINE,
           "o = sigmoid(x @ W_o + h_prev @ U_o - b_o)\n    return o",
           {"output_gate"} | FORWARD_STEP,
           "the bias subtracted"),
    # cell update and hidden state ------------------------------------------------
    mutant("cell_update.in_place_on_c_prev", PART1, CELL_LINE,
           "c_prev *= f\n    c_prev += i * g\n    return c_prev",
           {"cell_update"} | FORWARD_STEP,
           "the cell updated in place: right values, but the caller's c_prev is overwritten, and the "
           "step's cache then holds the new cell where c_prev belongs",
           in_place=True),
    mutant("cell_update.np_dot_for_elementwise", PART1, CELL_LINE,
           "c = np.dot(f, c_prev) + np.dot(i, g)\n    return c",
           {"cell_update"} | FORWARD_STEP,
           "np.dot where the gates multiply element by element (a shape error)",
           expected=("cell_update.matrix_products",)),
    mutant("cell_update.squashed_cell", PART1, CELL_LINE,
           "c = np.tanh(f * c_prev + i * g)\n    return c",
           {"cell_update"} | FORWARD_STEP,
           "the new cell squashed with tanh, as the hidden state is",
           expected=("cell_update.squashed",)),
    mutant("cell_update.forget_gate_around_everything", PART1, CELL_LINE,
           "c = f * (c_prev + i * g)\n    return c",
           {"cell_update"} | FORWARD_STEP,
           "brackets in the wrong place: the forget gate scales the written candidate too",
           expected=("cell_update.forget_gate_scales_candidate",)),
    mutant("hidden_state.plus_instead_of_times", PART1,
           "h = o * np.tanh(c)", "h = o + np.tanh(c)",
           {"hidden_state"} | FORWARD_STEP,
           "o + tanh(c)",
           expected=("hidden_state.output_gate_added",)),
    mutant("hidden_state.tanh_into_c_with_out", PART1,
           "h = o * np.tanh(c)", "np.tanh(c, out=c)\n    h = o * c",
           {"hidden_state"} | FORWARD_STEP,
           "np.tanh(c, out=c) to save an array: h is right, but c is overwritten with tanh(c), so the step "
           "returns tanh(c) as its cell",
           in_place=True),
    mutant("hidden_state.tanh_from_exponentials", PART1,
           "h = o * np.tanh(c)", "h = o * (np.exp(c) - np.exp(-c)) / (np.exp(c) + np.exp(-c))",
           {"hidden_state"} | FORWARD_STEP,
           "tanh written as (e^c - e^-c) / (e^c + e^-c): NaN once |c| passes about 710",
           expected=("hidden_state.tanh_by_exp_ratio",)),
    # lstm_cell_forward -------------------------------------------------------
    mutant("lstm_cell_forward.stacked_split_in_cs231n_order", PART1, FOUR_GATE_CALLS,
           '    H = h_prev.shape[1]\n'
           '    W = np.hstack([p["W_f"], p["W_i"], p["W_g"], p["W_o"]])\n'
           '    U = np.hstack([p["U_f"], p["U_i"], p["U_g"], p["U_o"]])\n'
           '    b = np.hstack([p["b_f"], p["b_i"], p["b_g"], p["b_o"]])\n'
           '    a = x @ W + h_prev @ U + b\n'
           '    # split as in the CS231n notes: i, f, o, g\n'
           '    i = sigmoid(a[:, :H])\n'
           '    f = sigmoid(a[:, H:2 * H])\n'
           '    o = sigmoid(a[:, 2 * H:3 * H])\n'
           '    g = np.tanh(a[:, 3 * H:])\n',
           FORWARD_STEP,
           "the weights stacked in the order f, i, g, o and the product split in the order i, f, o, g",
           expected=("lstm_cell_forward.gates_given_ifog_weights",)),
    mutant("lstm_cell_forward.candidate_through_output_gate", PART1,
           'g = candidate(x, h_prev, p["W_g"], p["U_g"], p["b_g"])',
           'g = output_gate(x, h_prev, p["W_g"], p["U_g"], p["b_g"])',
           FORWARD_STEP,
           "copy-paste: the candidate computed by output_gate (a sigmoid) with the candidate's weights; "
           "candidate itself is right, so only a diagnosis that points at this step's candidate is",
           expected=("candidate.sigmoid_instead_of_tanh", "lstm_cell_forward.wrong_candidate",)),
    mutant("lstm_cell_forward.forget_gate_reads_c_prev", PART1,
           FORGET_CALL, 'f = forget_gate(x, c_prev, p["W_f"], p["U_f"], p["b_f"])',
           FORWARD_STEP,
           "the forget gate fed the old cell instead of the old hidden state",
           expected=("lstm_cell_forward.wrong_forget_gate",)),
    mutant("lstm_cell_forward.no_cache_returned", PART1,
           "    return h, c, cache\n", "    return h, c\n",
           FORWARD_STEP,
           "(h, c) returned without the cache"),
    mutant("lstm_cell_forward.forget_bias_plus_one", PART1,
           FORGET_CALL, 'f = forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"] + 1.0)',
           FORWARD_STEP,
           "the \"forget bias of 1\" trick from a framework added on top of the given b_f",
           expected=("lstm_cell_forward.wrong_forget_gate", "lstm_cell_forward.wrong_forget_term")),
    mutant("lstm_cell_forward.concatenated_weights_in_wrong_order", PART1, "    " + FORGET_CALL + "\n",
           '    xh = np.concatenate([x, h_prev], axis=1)\n'
           '    f = sigmoid(xh @ np.vstack([p["U_f"], p["W_f"]]) + p["b_f"])\n',
           FORWARD_STEP,
           "Coursera's concatenated [x, h_prev] with the weights stacked as [U; W]: the shapes fit, the "
           "rows meet the wrong inputs",
           expected=("lstm_cell_forward.wrong_forget_gate",)),
    mutant("lstm_cell_forward.biases_reshaped_into_params", PART1,
           "    p = params\n",
           '    p = params\n'
           '    # the biases as row vectors, so that they broadcast over the batch\n'
           '    for k in "figo":\n'
           '        p["b_" + k] = p["b_" + k].reshape(1, -1)\n',
           {"lstm_cell_forward", "lstm_forward"},
           "each bias reshaped to (1, H) and stored back into params: right values, but the caller's params "
           "dict now holds other arrays (lstm_forward hands the step its own params, so it pays too)",
           in_place=True),
    mutant("lstm_cell_forward.cell_squashed_twice", PART1,
           "h = hidden_state(c, o)", "h = hidden_state(np.tanh(c), o)",
           FORWARD_STEP,
           "tanh(c) handed to hidden_state, which takes tanh itself",
           expected=("lstm_cell_forward.wrong_with_gates_at_rest", "lstm_cell_forward.h_squashes_twice")),
    # lstm_forward ------------------------------------------------------------
    mutant("lstm_forward.stores_previous_state", PART3, STEP_CALL + STORE, STORE + STEP_CALL,
           SEQUENCE,
           "the states stored before the step is computed: h[:, t] holds h_(t-1), h[:, 0] holds h0",
           expected=("lstm_forward.shifted_by_one_step", "lstm_forward.stores_state_before_step")),
    mutant("lstm_forward.stores_only_after_the_loop", PART3,
           STORE + "        caches.append(step_cache)\n    return h, c, caches",
           "        caches.append(step_cache)\n    h[:, -1], c[:, -1] = h_t, c_t\n    return h, c, caches",
           SEQUENCE,
           "only the last step's states stored, after the loop; the other steps stay zero",
           expected=("lstm_forward.only_last_step",)),
    mutant("lstm_forward.reads_unwritten_h", PART3,
           "lstm_cell_forward(x[:, t], h_t, c_t, params)", "lstm_cell_forward(x[:, t], h[:, t], c_t, params)",
           SEQUENCE,
           "h[:, t] (still zeros) read as the previous hidden state, instead of the h of step t - 1",
           expected=("lstm_forward.wrong_U_terms", "lstm_forward.zero_h_every_step")),
    mutant("lstm_forward.h_and_c_one_array", PART3,
           "    h = np.zeros((N, T, H))\n    c = np.zeros((N, T, H))\n", "    h = c = np.zeros((N, T, H))\n",
           SEQUENCE,
           "h = c = np.zeros(...): one array under two names, so storing c_t overwrites h_t",
           expected=("lstm_forward.stores_c_in_h",)),
    mutant("lstm_forward.returns_last_states", PART3,
           "    return h, c, caches", "    return h_t, c_t, caches",
           SEQUENCE,
           "the last step's h and c returned, shape (N, H), as a framework's return_sequences=False does",
           expected=("lstm_forward.returns_last_step_only",)),
    mutant("lstm_forward.loop_stops_one_early", PART3,
           "    for t in range(T):\n", "    for t in range(T - 1):\n",
           SEQUENCE,
           "range(T - 1): the last step is never computed",
           expected=("lstm_forward.last_step_missing",)),
    mutant("lstm_forward.loop_starts_at_one", PART3,
           "    for t in range(T):\n", "    for t in range(1, T):\n",
           SEQUENCE,
           "range(1, T), as if step 0 were h0: the first input is never read",
           expected=("lstm_forward.first_step_skipped",)),
    mutant("lstm_forward.time_major_indexing", PART3,
           "lstm_cell_forward(x[:, t], h_t, c_t, params)", "lstm_cell_forward(x[t], h_t, c_t, params)",
           SEQUENCE,
           "x[t], as if x were (T, N, D): it picks example t",
           expected=("lstm_forward.x_indexed_time_major",)),
    mutant("lstm_forward.returns_c_then_h", PART3,
           "    return h, c, caches", "    return c, h, caches",
           SEQUENCE,
           "(c, h, cache) returned instead of (h, c, cache)",
           expected=("lstm_forward.outputs_in_wrong_order",)),
    mutant("lstm_forward.state_updated_in_place", PART3, STEP_CALL,
           "        h_new, c_new, step_cache = lstm_cell_forward(x[:, t], h_t, c_t, params)\n"
           "        h_t[:], c_t[:] = h_new, c_new\n",
           SEQUENCE,
           "h_t[:] = h_new to reuse the arrays: h_t is h0, so h0 and c0 are overwritten, and every step's "
           "cache holds the same h_prev and c_prev arrays",
           in_place=True),
    mutant("lstm_forward.float32_states", PART3,
           "    h = np.zeros((N, T, H))\n", "    h = np.zeros((N, T, H), dtype=np.float32)\n",
           SEQUENCE,
           "the hidden states allocated as float32",
           expected=("lstm_forward.computes_in_float32",)),
    # activation backward -----------------------------------------------------
    mutant("sigmoid_backward.one_plus_s", PART2,
           "dz = ds * s * (1.0 - s)", "dz = ds * s * (1.0 + s)",
           {"sigmoid_backward"} | BACKWARD_STEP,
           "s * (1 + s) instead of s * (1 - s)"),
    mutant("sigmoid_backward.sigmoid_of_the_output", PART2,
           "dz = ds * s * (1.0 - s)", "sig = 1.0 / (1.0 + np.exp(-s))\n    dz = ds * sig * (1.0 - sig)",
           {"sigmoid_backward"} | BACKWARD_STEP,
           "s taken for z: the sigmoid recomputed from its own output",
           expected=("sigmoid_backward.reapplies_sigmoid",)),
    mutant("sigmoid_backward.in_place_on_ds", PART2,
           "dz = ds * s * (1.0 - s)\n    return dz", "ds *= s * (1.0 - s)\n    return ds",
           {"sigmoid_backward"},
           "ds *= s * (1 - s): right values, the caller's ds overwritten (lstm_cell_backward hands it arrays "
           "it made itself, so only this part pays)",
           in_place=True),
    mutant("sigmoid_backward.s_minus_one", PART2,
           "dz = ds * s * (1.0 - s)", "dz = ds * s * (s - 1.0)",
           {"sigmoid_backward"} | BACKWARD_STEP,
           "s * (s - 1): the sign of the derivative turned",
           expected=("sigmoid_backward.wrong_sign",)),
    mutant("tanh_backward.one_plus_t_squared", PART2,
           "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 + t**2)",
           {"tanh_backward", "hidden_state_backward"} | BACKWARD_STEP,
           "1 + t**2"),
    mutant("tanh_backward.bracket_squared", PART2,
           "dz = dt * (1.0 - t**2)", "dz = dt * (1.0 - t) ** 2",
           {"tanh_backward", "hidden_state_backward"} | BACKWARD_STEP,
           "(1 - t)**2: the square outside the bracket",
           expected=("tanh_backward.square_of_one_minus_t",)),
    mutant("tanh_backward.in_place_on_dt", PART2,
           "dz = dt * (1.0 - t**2)\n    return dz", "dt *= 1.0 - t**2\n    return dt",
           {"tanh_backward"},
           "dt *= 1 - t**2: right values, the caller's dt overwritten (its callers hand it new arrays)",
           in_place=True),
    mutant("tanh_backward.sech_squared_of_the_output", PART2,
           "dz = dt * (1.0 - t**2)", "dz = dt / np.cosh(t) ** 2",
           {"tanh_backward", "hidden_state_backward"} | BACKWARD_STEP,
           "\"the derivative of tanh is sech^2\", applied to t = tanh(z) instead of z",
           expected=("tanh_backward.reapplies_tanh",)),
    mutant("hidden_state_backward.tanh_derivative_of_tanh_c", PART2,
           "dc = tanh_backward(dh * o, tanh_c)", "dc = dh * o * (1.0 - np.tanh(tanh_c) ** 2)",
           {"hidden_state_backward"} | BACKWARD_STEP,
           "the derivative written out, and taken of the already tanh'd value: 1 - tanh(tanh(c))**2; "
           "tanh_backward is right and not called",
           expected=("tanh_backward.reapplies_tanh",)),
    mutant("hidden_state_backward.tanh_backward_of_c", PART2,
           "dc = tanh_backward(dh * o, tanh_c)", "dc = tanh_backward(dh * o, c)",
           {"hidden_state_backward"} | BACKWARD_STEP,
           "tanh_backward handed c where it takes tanh(c): 1 - c**2",
           expected=("hidden_state_backward.tanh_derivative_at_c",)),
    mutant("hidden_state_backward.in_place_on_dh", PART2,
           "    dc = tanh_backward(dh * o, tanh_c)\n    do = dh * tanh_c\n",
           "    do = dh * tanh_c\n    dh *= o\n    dc = tanh_backward(dh, tanh_c)\n",
           {"hidden_state_backward", "lstm_cell_backward"},
           "dh *= o before tanh_backward: right values, the caller's dh overwritten; lstm_cell_backward hands "
           "it its own dh, so it pays too (lstm_backward hands the step dh[:, t] + dh_next, a new array)",
           in_place=True),
    mutant("hidden_state_backward.sigmoid_derivative_in_do", PART2,
           "do = dh * tanh_c", "do = dh * tanh_c * o * (1.0 - o)",
           {"hidden_state_backward"} | BACKWARD_STEP,
           "do taken through the output gate's sigmoid already, which lstm_cell_backward then does again",
           expected=("hidden_state_backward.do_through_sigmoid",)),
    mutant("cell_update_backward.sigmoid_derivative_in_df", PART2,
           "df = dc * c_prev\n", "df = dc * c_prev * f * (1.0 - f)\n",
           {"cell_update_backward"} | BACKWARD_STEP,
           "df taken through the forget gate's sigmoid already",
           expected=("cell_update_backward.df_through_sigmoid",)),
    mutant("cell_update_backward.returns_dc_prev_last", PART2,
           "    return dc_prev, df, di, dg\n", "    return df, di, dg, dc_prev\n",
           {"cell_update_backward"} | BACKWARD_STEP,
           "the gate gradients first and dc_prev last",
           expected=("cell_update_backward.outputs_in_wrong_order",)),
    mutant("cell_update_backward.in_place_on_dc", PART2,
           "    di = dc * g\n    dg = dc * i\n", "    di = dc * g\n    dc *= i\n    dg = dc\n",
           {"cell_update_backward"},
           "dc *= i for dg: right values, the caller's dc overwritten (lstm_cell_backward hands it dc_total, "
           "an array it made)",
           in_place=True),
    mutant("cell_update_backward.df_without_upstream", PART2,
           "df = dc * c_prev\n", "df = c_prev\n",
           {"cell_update_backward"} | BACKWARD_STEP,
           "df is the local derivative c_prev, without the upstream dc",
           expected=("cell_update_backward.df_without_dc",)),
    # gate_backward -------------------------------------------------------------
    mutant("gate_backward.db_keepdims", PART2,
           "db = dz.sum(axis=0)", "db = dz.sum(axis=0, keepdims=True)",
           {"gate_backward"} | BACKWARD_STEP,
           "keepdims=True: db of shape (1, H) instead of (H,)",
           expected=("gate_backward.db_as_row",)),
    mutant("gate_backward.dx_np_dot_without_transpose", PART2,
           "\n    dx = dz @ W.T", "\n    dx = np.dot(dz, W)",
           {"gate_backward"} | BACKWARD_STEP,
           "np.dot(dz, W) without the transpose (a shape error from np.dot, not from @)",
           expected=("gate_backward.dx_through_W", "gate_backward.dx_dot_through_W")),
    mutant("gate_backward.dW_from_h_prev", PART2,
           "\n    dW = x.T @ dz", "\n    dW = h_prev.T @ dz",
           {"gate_backward"} | BACKWARD_STEP,
           "copy-paste: dW from h_prev, shape (H, H) instead of (D, H)"),
    mutant("gate_backward.db_sums_everything", PART2,
           "db = dz.sum(axis=0)", "db = np.sum(dz)",
           {"gate_backward"} | BACKWARD_STEP,
           "np.sum(dz) without an axis: one number",
           expected=("gate_backward.db_summed_to_a_number",)),
    mutant("gate_backward.db_divided_by_batch", PART2,
           "db = dz.sum(axis=0)", "db = np.sum(dz, axis=0) / dz.shape[0]",
           {"gate_backward"} | BACKWARD_STEP,
           "db divided by the batch size, as if the loss were a mean",
           expected=("gate_backward.db_mean",)),
    mutant("gate_backward.dW_divided_by_batch", PART2,
           "\n    dW = x.T @ dz", "\n    dW = x.T @ dz / x.shape[0]",
           {"gate_backward"} | BACKWARD_STEP,
           "dW divided by the batch size, as if the loss were a mean",
           expected=("gate_backward.constant_factor",)),
    # lstm_cell_backward ------------------------------------------------------
    mutant("lstm_cell_backward.cache_unpacked_i_before_f", PART2,
           "x, h_prev, c_prev, params, f, i, g, o, c = cache", "x, h_prev, c_prev, params, i, f, g, o, c = cache",
           BACKWARD_STEP,
           "the cache unpacked with the input and forget gates in each other's place",
           expected=("lstm_cell_backward.cache_f_and_i_swapped",)),
    mutant("lstm_cell_backward.in_place_on_dc", PART2,
           "dc_total = dc + dc_from_h", "dc += dc_from_h\n    dc_total = dc",
           {"lstm_cell_backward"},
           "CS231n's dnext_c += ...: right values, the caller's dc overwritten (lstm_backward hands it an "
           "array the previous step made, so it does not pay)",
           in_place=True),
    mutant("lstm_cell_backward.returns_dc_total", PART2,
           "    return dx, dh_prev, dc_prev, grads\n", "    return dx, dh_prev, dc_total, grads\n",
           BACKWARD_STEP,
           "dc_total returned as dc_prev, without the forget gate",
           expected=("cell_update_backward.dc_prev_not_times_f",)),
    mutant("lstm_cell_backward.gates_without_activation_derivatives", PART2, ACTIVATION_GRADS,
           '    dz = {"f": df, "i": di, "g": dg, "o": do}\n',
           BACKWARD_STEP,
           "the gate gradients handed to gate_backward without going through the sigmoids and the tanh: "
           "everything wrong but dc_prev",
           expected=("lstm_cell_backward.no_activation_derivatives",)),
    mutant("lstm_cell_backward.float32_gate_gradients", PART2, ACTIVATION_GRADS,
           ACTIVATION_GRADS + "    dz = {k: value.astype(np.float32) for k, value in dz.items()}\n",
           BACKWARD_STEP,
           "the gates' gradients cast to float32 \"to save memory\": db comes back float32",
           expected=("lstm_cell_backward.computes_in_float32",)),
    mutant("lstm_cell_backward.hidden_state_from_c_prev", PART2,
           "dc_from_h, do = hidden_state_backward(dh, c, o)", "dc_from_h, do = hidden_state_backward(dh, c_prev, o)",
           BACKWARD_STEP,
           "the hidden state's gradient taken at the old cell",
           expected=("lstm_cell_backward.dc_through_h_at_c_prev",)),
    mutant("lstm_cell_backward.forget_weights_for_every_gate", PART2,
           'gate_backward(dz[k], x, h_prev, params["W_" + k], params["U_" + k])',
           'gate_backward(dz[k], x, h_prev, params["W_f"], params["U_f"])',
           BACKWARD_STEP,
           "copy-paste: every gate's dx and dh_prev through W_f and U_f",
           expected=("lstm_cell_backward.every_gate_through_forget_weights",)),
    mutant("lstm_cell_backward.grads_keys_with_d", PART2,
           'grads["W_" + k], grads["U_" + k], grads["b_" + k] = dW, dU, db',
           'grads["dW_" + k], grads["dU_" + k], grads["db_" + k] = dW, dU, db',
           BACKWARD_STEP,
           "the gradients stored under \"dW_f\", ... instead of the parameters' names"),
    mutant("lstm_cell_backward.grads_alias_params", PART2,
           "    grads = {}\n    for k in GATES:", "    grads = params  # one gradient per parameter\n    for k in GATES:",
           BACKWARD_STEP,
           "grads = params: the gradients written into the cache's params dict, so the steps of lstm_backward "
           "before it use gradients for weights",
           in_place=True),
    # lstm_backward -----------------------------------------------------------
    mutant("lstm_backward.loop_stops_before_step_zero", PART3,
           "    dx_steps = [None] * T\n"
           "    dh_next = np.zeros((N, H))\n"
           "    dc_next = np.zeros((N, H))\n"
           "    grads = {}\n"
           "    for t in reversed(range(T)):\n" + BPTT_STEP + "        dx_steps[t] = dx_t\n",
           "    D = cache[0][0].shape[1]\n"
           "    dx = np.zeros((N, T, D))\n"
           "    dh_next = np.zeros((N, H))\n"
           "    dc_next = np.zeros((N, H))\n"
           "    grads = {}\n"
           "    for t in range(T - 1, 0, -1):\n"
           "        dx[:, t], dh_next, dc_next, step_grads = lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])\n",
           {"lstm_backward"},
           "range(T - 1, 0, -1): step 0 is never back-propagated"),
    mutant("lstm_backward.returns_dc0_then_dh0", PART3,
           "    return dx, dh_next, dc_next, grads\n", "    return dx, dc_next, dh_next, grads\n",
           {"lstm_backward"},
           "dh0 and dc0 returned in each other's place",
           expected=("lstm_backward.outputs_in_wrong_order",)),
    mutant("lstm_backward.grads_averaged_over_time", PART3,
           "    dx = np.stack(dx_steps, axis=1)\n",
           "    dx = np.stack(dx_steps, axis=1)\n    grads = {name: value / T for name, value in grads.items()}\n",
           {"lstm_backward"},
           "the parameter gradients averaged over the steps instead of summed",
           expected=("lstm_backward.constant_factor",)),
    mutant("lstm_backward.dh_next_reset_every_step", PART3,
           "    for t in reversed(range(T)):\n" + BPTT_STEP,
           "    for t in reversed(range(T)):\n        dh_next = np.zeros((N, H))\n" + BPTT_STEP,
           {"lstm_backward"},
           "dh_next set to zero at the top of the loop, so nothing flows back through h",
           expected=("lstm_backward.dh_next_not_added",)),
    mutant("lstm_backward.in_place_on_dh", PART3, BPTT_STEP,
           "        dh[:, t] += dh_next\n"
           "        dx_t, dh_next, dc_next, step_grads = lstm_cell_backward(dh[:, t], dc_next, cache[t])\n",
           {"lstm_backward"},
           "dh[:, t] += dh_next: right values, the caller's dh overwritten (dh[:, t] is a view)",
           in_place=True),
    mutant("lstm_backward.pops_the_cache", PART3,
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])",
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache.pop())",
           {"lstm_backward"},
           "cache.pop() to free each step's cache once it is used: right values, but the caller's cache list "
           "is emptied",
           in_place=True),
    mutant("lstm_backward.dx_float32", PART3,
           "    dx = np.stack(dx_steps, axis=1)\n", "    dx = np.stack(dx_steps, axis=1).astype(np.float32)\n",
           {"lstm_backward"},
           "dx cast to float32",
           expected=("lstm_backward.computes_in_float32",)),
    mutant("lstm_backward.cache_read_backwards", PART3,
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[t])",
           "lstm_cell_backward(dh[:, t] + dh_next, dc_next, cache[T - 1 - t])",
           {"lstm_backward"},
           "cache[T - 1 - t]: the caches read in the wrong time order",
           expected=("lstm_backward.caches_in_reverse",)),
    mutant("lstm_backward.upstream_only_from_the_last_step", PART3,
           "    dh_next = np.zeros((N, H))\n"
           "    dc_next = np.zeros((N, H))\n"
           "    grads = {}\n"
           "    for t in reversed(range(T)):\n" + BPTT_STEP,
           "    dh_next = dh[:, -1].copy()\n"
           "    dc_next = np.zeros((N, H))\n"
           "    grads = {}\n"
           "    for t in reversed(range(T)):\n"
           "        dx_t, dh_next, dc_next, step_grads = lstm_cell_backward(dh_next, dc_next, cache[t])\n",
           {"lstm_backward"},
           "only the last h given a loss: dh[:, -1] enters once, the dh of the other steps never",
           expected=("lstm_backward.upstream_only_at_last_step",)),
)

PART4 = "part4_peephole.py"
PART5 = "part5_memory_cell.py"
PART6 = "part6_gradient_flow.py"
PART7 = "part7_forecast.py"
PEEPHOLE = {"peephole_cell_forward", "peephole_cell_backward"}
PEEPHOLE_DC_TOTAL = 'dc_total = dc + tanh_backward(dh * o, tanh_c) + dz["o"] * params["p_o"]'

BONUS_MUTANTS: tuple[Mutant, ...] = (
    mutant("peephole_cell_forward.output_peeks_at_old_cell", PART4,
           'p["b_o"] + p["p_o"] * c)', 'p["b_o"] + p["p_o"] * c_prev)',
           PEEPHOLE,
           "the output gate's peephole on c_prev, like the other two, instead of the new cell"),
    mutant("peephole_cell_forward.forget_peeks_at_h_prev", PART4,
           'p["b_f"] + p["p_f"] * c_prev)', 'p["b_f"] + p["p_f"] * h_prev)',
           PEEPHOLE,
           "the forget gate's peephole on h_prev"),
    mutant("peephole_cell_backward.dc_misses_output_peephole", PART4,
           PEEPHOLE_DC_TOTAL, "dc_total = dc + tanh_backward(dh * o, tanh_c)",
           {"peephole_cell_backward"},
           "the path from c through the output gate's peephole left out of dc",
           expected=("peephole_cell_backward.output_peephole_path_missing",)),
    mutant("peephole_cell_backward.dp_o_from_c_prev", PART4,
           'grads["p_o"] = np.sum(dz["o"] * c, axis=0)', 'grads["p_o"] = np.sum(dz["o"] * c_prev, axis=0)',
           {"peephole_cell_backward"},
           "dp_o from c_prev, copied from dp_f",
           expected=("peephole_cell_backward.dp_o_uses_old_cell",)),
    mutant("peephole_cell_backward.dp_f_not_summed", PART4,
           'grads["p_f"] = np.sum(dz["f"] * c_prev, axis=0)', 'grads["p_f"] = dz["f"] * c_prev',
           {"peephole_cell_backward"},
           "dp_f not summed over the batch, shape (N, H)",
           expected=("peephole_cell_backward.dp_not_summed_over_batch",)),
    mutant("peephole_cell_backward.in_place_on_dc", PART4,
           PEEPHOLE_DC_TOTAL,
           'dc += tanh_backward(dh * o, tanh_c) + dz["o"] * params["p_o"]\n    dc_total = dc',
           {"peephole_cell_backward"},
           "dc += ...: right values, the caller's dc overwritten",
           in_place=True),
    mutant("memory_cell_params.forget_gate_closed_while_holding", PART5,
           '"b_f": np.array([big / 2])', '"b_f": np.array([-big / 2])',
           {"memory_cell_params"},
           "the forget bias negative: the cell forgets whenever it is not written",
           expected=("memory_cell_params.forget_bias_too_small", "memory_cell_params.forget_bias_negative")),
    mutant("memory_cell_params.output_gate_always_open", PART5,
           '"b_o": np.array([-big / 2])', '"b_o": np.array([big / 2])',
           {"memory_cell_params"},
           "the output bias positive: the cell shows its content when not read"),
    mutant("gradient_norms.norm_per_example", PART6,
           "norms = np.sqrt(np.sum(dx ** 2, axis=(0, 2)))", "norms = np.sqrt(np.sum(dx ** 2, axis=(1, 2)))",
           {"gradient_norms"},
           "the norm taken per example (axis 1 and 2) instead of per step: shape (N,)"),
    mutant("gradient_norms.loss_on_every_step", PART6,
           "    dh = np.zeros_like(h)\n    dh[:, -1] = 1.0\n", "    dh = np.ones_like(h)\n",
           {"gradient_norms"},
           "dh of ones everywhere: the loss of every step, not only the last"),
    mutant("forecast.reads_the_first_hidden_state", PART7,
           '    return h[:, -1] @ model["W_y"] + model["b_y"]', '    return h[:, 0] @ model["W_y"] + model["b_y"]',
           {"forecast"},
           "the forecast read from h[:, 0], the state after the first value of the window",
           expected=("forecast.readout_from_first_step",)),
    mutant("forecast.loss_gradient_upside_down", PART7,
           "dy_hat = 2.0 * (y_hat - y) / N", "dy_hat = 2.0 * (y - y_hat) / N",
           {"forecast"},
           "the loss's gradient as 2 (y - y_hat) / N: training climbs the loss",
           expected=("forecast.gradient_ascent", "forecast.loss_gradient_sign")),
    mutant("forecast.target_inside_the_window", PART7,
           "y = series[window:][:, None]", "y = series[window - 1:-1][:, None]",
           {"forecast"},
           "the target taken as the window's own last value: the model learns to repeat it",
           expected=("forecast.target_is_last_input",)),
)

MUTANTS: tuple[Mutant, ...] = ISSUE_4_MUTANTS + STUDENT_MUTANTS


def edited_solutions(folder: Path, edits: Iterable[tuple[str, str, str]] = (),
                     files: Iterable[str] | None = None) -> Path:
    """Copy the solution .py files (all, or just `files`) into `folder`, then apply each edit.

    Args:
        folder: where the submission goes; created if missing.
        edits: (file, old, new); `old` must occur exactly once in that file.
        files: the solution files to copy; default every .py file in solutions/.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = list(files) if files is not None else [path.name for path in sorted(SOLUTIONS_DIR.glob("*.py"))]
    for name in names:
        shutil.copy(SOLUTIONS_DIR / name, folder / name)
    for name, old, new in edits:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        count = text.count(old)
        assert count == 1, f"{old!r} occurs {count} times in {name}, expected exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def names_the_mistake(mistake: Mutant, diagnosis: str | None) -> bool:
    """Whether a part's diagnosis id names this mutant's mistake: the mutant's own id or one of its
    `expected_diagnosis`, directly or as a catalogue entry's alias."""
    from grader.lstm import same_mistake

    return any(same_mistake(diagnosis, name) for name in (mistake.id, *mistake.expected_diagnosis))


def edit_of(mistake: Mutant) -> tuple[str, str, str]:
    """A mutant (or any entry with file, old and new) as an edit for `edited_solutions`."""
    return mistake.file, mistake.old, mistake.new
