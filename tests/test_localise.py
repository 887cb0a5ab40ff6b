"""Composite forward parts say where their equations are wrong when no catalogued mistake explains it.

The submissions are the solutions with one realistic edit no catalogue entry
makes; each must lose its points and be localised to the right gate, term or
time step, and the same probes must say nothing of a correct implementation.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from fake_runner import FakeRunner, grade_in_process, part_context
from grader.engine.diagnose import Observation
from grader.engine.outputs import split_outputs
from grader.lstm import get_part
from grader.lstm.localise import gate_probes, localise_forward
from mutants import edited_solutions

PART1 = "part1_cell_forward.py"
PART3 = "part3_sequence.py"
SEED = 1234
I_CALL = 'i = input_gate(x, h_prev, p["W_i"], p["U_i"], p["b_i"])'
F_CALL = 'f = forget_gate(x, h_prev, p["W_f"], p["U_f"], p["b_f"])'
G_CALL = 'g = candidate(x, h_prev, p["W_g"], p["U_g"], p["b_g"])'
CELL_CALL = "lstm_cell_forward(x[:, t], h_t, c_t, params)"

LOCALISED = [
    ("input bias doubled", PART1, I_CALL, I_CALL.replace('p["b_i"])', '2 * p["b_i"])'),
     "wrong_input_gate", "through b_i"),
    ("candidate sees half of h_prev", PART1, G_CALL, G_CALL.replace("(x, h_prev,", "(x, 0.5 * h_prev,"),
     "wrong_candidate", "through h_prev @ U_g"),
    ("forget gate given W_o", PART1, F_CALL, F_CALL.replace('p["W_f"]', 'p["W_o"]'),
     "forget_gate_with_W_o", "W_o instead of W_f"),
]


def graded(tmp_path: Path, file: str, old: str, new: str, parts: list[str]):
    submission = edited_solutions(tmp_path / "submission", [(file, old, new)])
    return grade_in_process(submission, parts, seed=SEED)


@pytest.mark.parametrize("name, file, old, new, expected, words", LOCALISED, ids=[case[0] for case in LOCALISED])
def test_a_mistake_in_one_gate_or_term_is_localised_in_both_composites(tmp_path, name, file, old, new, expected,
                                                                       words):
    report = graded(tmp_path, file, old, new, ["lstm_cell_forward", "lstm_forward"])
    for part in report.parts:
        assert part.status == "fail" and part.score < get_part(part.name).points, name
        # lstm_forward: proved on itself, or found in the lstm_cell_forward it loops over
        assert part.diagnosis in (f"{part.name}.{expected}", f"lstm_cell_forward.{expected}"), (name, part.diagnosis)
        assert words in part.finding.explanation


def test_an_error_the_gates_at_rest_show_is_not_pinned_on_anything(tmp_path):
    for new in ("c = cell_update(c_prev, f, i, g) + 0.1",):
        report = graded(tmp_path, PART1, "c = cell_update(c_prev, f, i, g)", new, ["lstm_cell_forward"])
        assert report.parts[0].status == "fail"
        assert report.parts[0].diagnosis is None or "gate" not in report.parts[0].diagnosis


def test_a_loop_mistake_is_never_blamed_on_a_gate(tmp_path):
    report = graded(tmp_path, PART3, "for t in range(T):", "for t in range(1, T):", ["lstm_forward"])
    part = report.parts[0]
    assert part.status == "fail"
    assert part.diagnosis is None or "gate" not in part.diagnosis, part.diagnosis


def test_a_stacked_matrix_split_in_another_order_is_named(tmp_path):
    # CS231n's stacked order i, f, o, g read as f, i, g, o: every gate gets another's weights
    edits = [(PART1, F_CALL, F_CALL.replace('"W_f"], p["U_f"], p["b_f"]', '"W_i"], p["U_i"], p["b_i"]')),
             (PART1, I_CALL, I_CALL.replace('"W_i"], p["U_i"], p["b_i"]', '"W_f"], p["U_f"], p["b_f"]')),
             (PART1, G_CALL, G_CALL.replace('"W_g"], p["U_g"], p["b_g"]', '"W_o"], p["U_o"], p["b_o"]')),
             (PART1, 'o = output_gate(x, h_prev, p["W_o"], p["U_o"], p["b_o"])',
              'o = output_gate(x, h_prev, p["W_g"], p["U_g"], p["b_g"])')]
    submission = edited_solutions(tmp_path / "submission", edits)
    part = grade_in_process(submission, ["lstm_cell_forward"], seed=SEED).parts[0]
    assert part.status == "fail"
    assert part.diagnosis == "lstm_cell_forward.gates_given_ifog_weights", part.diagnosis


def test_h_from_two_steps_back_is_named(tmp_path):
    old = "h_t, c_t = h0, c0"
    source = (Path(__file__).resolve().parent.parent / "solutions" / PART3).read_text()
    assert old in source and CELL_CALL in source
    submission = edited_solutions(tmp_path / "submission", [
        (PART3, old, "h_t, c_t = h0, c0\n    h_before = h0"),
        (PART3, "h_t, c_t, step_cache = " + CELL_CALL,
         "h_new, c_t, step_cache = lstm_cell_forward(x[:, t], h_before, c_t, params)\n"
         "        h_before, h_t = h_t, h_new")])
    part = grade_in_process(submission, ["lstm_forward"], seed=SEED).parts[0]
    assert part.status == "fail"
    assert part.diagnosis == "lstm_forward.h_from_two_steps_back", part.messages


def test_a_cell_squashed_between_steps_is_wrong_after_the_first_step(tmp_path):
    report = graded(tmp_path, PART3, CELL_CALL, "lstm_cell_forward(x[:, t], h_t, np.tanh(c_t) if t else c_t, params)",
                    ["lstm_forward"])
    part = report.parts[0]
    assert part.status == "fail"
    assert part.diagnosis == "lstm_forward.wrong_after_first_step", part.messages
    assert "step 0" in part.finding.explanation


def test_the_probes_find_nothing_in_the_solutions():
    runner = FakeRunner.from_submission(Path(__file__).resolve().parent.parent / "solutions")
    runner.ensure_started()
    context = part_context(runner, SEED)
    for name in ("lstm_cell_forward", "lstm_forward"):
        part = get_part(name)
        case = part.make_cases(SEED)[0]
        assert gate_probes(part, context, case.args) is None
        value = context.reference(name)(*case.args)
        observation = Observation(case.args, split_outputs(part, value), split_outputs(part, value))
        assert localise_forward(part, context, [observation]) is None


@pytest.mark.parametrize("file, old, new, part, order", [
    (PART3, "    return h, c, caches\n", "    return c, h, caches\n", "lstm_forward", "(c, h)"),
    ("part2_cell_backward.py", "    return dx, dh_prev, dc_prev, grads\n", "    return dh_prev, dx, dc_prev, grads\n",
     "lstm_cell_backward", "(dh_prev, dx, dc_prev"),
])
def test_right_outputs_in_the_wrong_order_are_named(tmp_path, file, old, new, part, order):
    result = graded(tmp_path, file, old, new, [part]).parts[0]
    assert result.status == "fail"
    assert result.diagnosis == f"{part}.outputs_in_wrong_order", result.messages
    assert order in result.finding.explanation


def test_states_stored_in_reverse_time_order_are_named(tmp_path):
    result = graded(tmp_path, PART3, "h[:, t], c[:, t] = h_t, c_t", "h[:, T - 1 - t], c[:, T - 1 - t] = h_t, c_t",
                    ["lstm_forward"]).parts[0]
    assert result.status == "fail"
    assert result.diagnosis == "lstm_forward.time_reversed", result.messages


def test_what_the_probes_print_is_not_the_parts_output(tmp_path):
    # the student prints on every call; the part's output holds the graded cases' prints only
    old = "    ### BEGIN SOLUTION\n    p = params"
    source = (Path(__file__).resolve().parent.parent / "solutions" / PART1).read_text()
    assert source.count(old) == 1, "the solutions changed: update this edit"
    submission = edited_solutions(tmp_path / "submission", [
        (PART1, I_CALL, I_CALL.replace('p["b_i"])', '2 * p["b_i"])')),
        (PART1, old, '    ### BEGIN SOLUTION\n    print("one call")\n    p = params')])
    part = grade_in_process(submission, ["lstm_cell_forward"], seed=SEED).parts[0]
    assert part.diagnosis == "lstm_cell_forward.wrong_input_gate", part.diagnosis  # the probes ran
    assert part.output.count("one call") == len(get_part("lstm_cell_forward").make_cases(SEED))
