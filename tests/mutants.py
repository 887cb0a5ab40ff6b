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
    """

    id: str
    file: str
    old: str
    new: str
    broken_parts: frozenset[str]
    description: str

    @property
    def part(self) -> str:
        return self.id.split(".", 1)[0]


def mutant(id: str, file: str, old: str, new: str, broken: set[str], description: str) -> Mutant:
    return Mutant(id, file, old, new, frozenset(broken), description)


SOLUTION_FILES = (PART1, PART2, PART3)

SEQUENCE = {"lstm_forward", "lstm_backward"}
FORWARD_STEP = {"lstm_cell_forward", "lstm_cell_backward"} | SEQUENCE
BACKWARD_STEP = {"lstm_cell_backward", "lstm_backward"}

MUTANTS: tuple[Mutant, ...] = (
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


def edit_of(mistake: Mutant) -> tuple[str, str, str]:
    """A mutant (or any entry with file, old and new) as an edit for `edited_solutions`."""
    return mistake.file, mistake.old, mistake.new
