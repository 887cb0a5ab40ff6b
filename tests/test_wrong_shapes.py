"""A wrong shape or type from a student function fails its part, never the grading.

Each submission is the reference solutions plus `zz_override.py`, imported
last, whose functions replace the honest ones of the same name (the grader
finds functions by name). An override wraps the honest function and returns
its answer in the wrong shape or type. The part must fail with a message that
names what came back, the parts built on it must fail or error the same way,
and an honest part must still pass.

The parts are graded on the in-process fake runner (tests/fake_runner.py);
two of the tests also run through the real child, in the slow run.
"""
from __future__ import annotations

import contextlib

import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from grader.engine import gradcheck
from grader.engine.checks import PartContext, check_part
from grader.engine.compare import excerpt, tensor_relative_error
from grader.engine.reference_source import open_reference
from grader.engine.parts import NumericalSetup, Part
from grader.lstm import get_part
from grader.engine.results import PartResult, Report
from grader.sandbox import Reply
from fake_runner import GRADERS, grade_in_process as grade
from mutants import edited_solutions

SEED = 3
HONEST = "sigmoid"
SHAPE = r"\((?:\d+(?:, \d+)*,?)?\)"  # a printed shape: (2, 3, 4), (8,) or ()


def submission(tmp_path: Path, override: str) -> Path:
    """All the solution files plus zz_override.py, whose functions win."""
    folder = edited_solutions(tmp_path / "submission")
    (folder / "zz_override.py").write_text("import numpy as np\n\n" + textwrap.dedent(override), encoding="utf-8")
    return folder


def text_of(report: Report, name: str) -> str:
    part = report.part(name)
    return f"{name} {part.status} {part.score:g}/{part.max_score:g}: " + " | ".join(part.messages)


def assert_honest_part_passes(report: Report) -> None:
    assert report.part(HONEST).status == "pass", text_of(report, HONEST)


def assert_each_fails_saying(report: Report, expected: dict[str, str], scores_nothing: bool) -> None:
    """Each part in `expected` fails (with 0 points, or short of full marks) and a message
    matches its pattern; the honest part still passes."""
    for name, message in expected.items():
        part = report.part(name)
        short = part.score == 0 if scores_nothing else part.score < part.max_score
        assert part.status == "fail" and short, text_of(report, name)
        assert re.search(message, " | ".join(part.messages)), text_of(report, name)
    assert_honest_part_passes(report)


# the three forwards whose cache a backward takes, each wrapped: `wrong` is an
# expression in h, c and cache (the honest answer) and the forward's arguments
CACHE_FORWARDS = (
    ("lstm_cell_forward", "part1_cell_forward", "x, h_prev, c_prev, params", "lstm_cell_backward"),
    ("lstm_forward", "part3_sequence", "x, h0, c0, params", "lstm_backward"),
    ("peephole_cell_forward", "part4_peephole", "x, h_prev, c_prev, params", "peephole_cell_backward"),
)


def wrong_forwards(wrong_cell: str, wrong_sequence: str | None = None) -> str:
    """All three cache-making forwards returning `wrong_cell` (lstm_forward: `wrong_sequence`)."""
    source = []
    for name, module, args, _ in CACHE_FORWARDS:
        wrong = wrong_sequence if name == "lstm_forward" and wrong_sequence else wrong_cell
        source.append(f"from {module} import {name} as honest_{name}\n\n\n"
                      f"def {name}({args}):\n"
                      f"    h, c, cache = honest_{name}({args})\n"
                      f"    return {wrong}\n\n\n")
    return "".join(source)


CACHE_PARTS = [name for forward, _, _, backward in CACHE_FORWARDS for name in (forward, backward)]

# (id, what the cell forwards return, what lstm_forward returns, the forward part's message,
#  the backward part's status and message); {f} stands for the forward's name
FORWARD_CASES = [
    ("h of the wrong shape", "h.reshape(-1), c, cache", "h[:, -1], c, cache",
     rf"{{f}} returned h of shape {SHAPE}, expected {SHAPE}",
     "fail", rf"{{f}} returned h of shape {SHAPE}, expected {SHAPE}, so the numerical gradient check could not run"),
    ("h a number", "1.0, c, cache", None,
     rf"{{f}} returned h as a float, expected an array of shape {SHAPE}",
     "fail", rf"{{f}} returned h of shape {SHAPE}, expected {SHAPE}, so the numerical gradient check could not run"),
    ("h a 0-d array", "np.float64(h.sum()), c, cache", None,
     rf"{{f}} returned h of shape {SHAPE}, expected {SHAPE}",
     "fail", rf"{{f}} returned h of shape {SHAPE}, expected {SHAPE}, so the numerical gradient check could not run"),
    ("h an int array", "h.astype(int), c, cache", None,
     r"h: dtype int64, expected float64",
     "fail", r"your {f} does not match the reference \(.*h: dtype int64"),
    ("a tuple of 2", "(h, c)", None,
     r"{f} returned a tuple of 2 items, expected a tuple \(h, c, cache\)",
     "error", r"needs the cache from your {f}, which returned a tuple of 2 items, expected a tuple \(h, c, cache\)"),
    ("a list of 1", "[h]", None,
     r"{f} returned a list of 1 item, expected a tuple \(h, c, cache\)",
     "error", r"needs the cache from your {f}, which returned a list of 1 item"),
    ("a dict", "{'h': h, 'c': c, 'cache': cache}", None,
     r"{f} returned a dict, expected a tuple \(h, c, cache\)",
     "error", r"needs the cache from your {f}, which returned a dict"),
    ("None", "None", None,
     r"{f} returned None, expected a tuple \(h, c, cache\)",
     "error", r"needs the cache from your {f}, which returned None"),
]


@pytest.mark.parametrize("wrong_cell, wrong_sequence, forward_message, backward_status, backward_message",
                         [case[1:] for case in FORWARD_CASES], ids=[case[0] for case in FORWARD_CASES])
def test_a_forward_of_the_wrong_shape_fails_its_part_and_its_backward_with_the_shape(
        tmp_path, wrong_cell, wrong_sequence, forward_message, backward_message, backward_status):
    folder = submission(tmp_path, wrong_forwards(wrong_cell, wrong_sequence))
    report = grade(folder, parts=CACHE_PARTS + [HONEST], seed=SEED)
    for forward, _, _, backward in CACHE_FORWARDS:
        part = report.part(forward)
        assert part.status == "fail" and part.score < part.max_score, text_of(report, forward)
        assert re.search(forward_message.format(f=forward), " | ".join(part.messages)), text_of(report, forward)
        part = report.part(backward)
        assert part.status == backward_status, text_of(report, backward)
        assert part.score <= part.max_score / 2, text_of(report, backward)
        assert re.search(backward_message.format(f=forward), " | ".join(part.messages)), text_of(report, backward)
    assert_honest_part_passes(report)


@pytest.mark.parametrize("grade_with", GRADERS)
def test_the_message_names_the_shape_a_sequence_forward_returned_and_the_one_expected(tmp_path, grade_with):
    folder = submission(tmp_path, wrong_forwards("h, c, cache", "h[:, -1], c, cache"))
    report = grade_with(folder, parts=["lstm_forward", "lstm_backward"], seed=SEED)
    # the public case: N=2 T=3 H=4
    assert "lstm_forward returned h of shape (2, 4), expected (2, 3, 4)" in report.part("lstm_forward").messages[0]
    assert "lstm_forward returned h of shape (2, 4), expected (2, 3, 4)" in report.part("lstm_backward").messages[0]


# the element-wise forwards that a backward's numerical check runs
SIMPLE_FORWARDS = (
    ("sigmoid", "z", "sigmoid_backward"),
    ("hidden_state", "c, o", "hidden_state_backward"),
    ("cell_update", "c_prev, f, i, g", "cell_update_backward"),
)


@pytest.mark.parametrize("wrong, message", [
    ("np.asarray(out).reshape(-1)", rf"returned an array of shape {SHAPE}, expected {SHAPE}"),
    ("1.0", rf"returned a float, expected an array of shape {SHAPE}"),
    ("None", rf"returned None, expected an array of shape {SHAPE}"),
], ids=["flattened", "a number", "None"])
def test_an_elementwise_forward_of_the_wrong_shape_costs_only_itself(tmp_path, wrong, message):
    source = "from part1_cell_forward import sigmoid as honest_sigmoid, hidden_state as honest_hidden_state, " \
             "cell_update as honest_cell_update\n\n\n"
    for name, args, _ in SIMPLE_FORWARDS:
        source += f"def {name}({args}):\n    out = honest_{name}({args})\n    return {wrong}\n\n\n"
    folder = submission(tmp_path, source)
    parts = [name for forward, _, backward in SIMPLE_FORWARDS for name in (forward, backward)]
    report = grade(folder, parts=parts + ["forget_gate"], seed=SEED)
    for forward, _, backward in SIMPLE_FORWARDS:
        part = report.part(forward)
        assert part.status == "fail" and part.score == 0, text_of(report, forward)
        assert re.search(f"{forward} {message}", part.messages[0]), text_of(report, forward)
        # a backward without a cache is judged against the reference; its own forward only feeds a note
        part = report.part(backward)
        assert part.status == "pass", text_of(report, backward)
        assert any(re.search(f"note: {forward} {message}", line) for line in part.messages), text_of(report, backward)
    assert report.part("forget_gate").status == "pass", text_of(report, "forget_gate")


# the three backwards that return (dx, dh_prev, dc_prev, grads), each wrapped: `wrong` is
# a statement that sets `out` from the honest dx, dh, dc and grads
GRADS_BACKWARDS = (
    ("lstm_cell_backward", "part2_cell_backward", "dh, dc, cache"),
    ("lstm_backward", "part3_sequence", "dh, cache"),
    ("peephole_cell_backward", "part4_peephole", "dh, dc, cache"),
)

BACKWARD_CASES = [
    ("grads without W_f", "grads.pop('W_f'); out = dx, dh, dc, grads", "fail",
     rf"{{b}} returned grads without the key 'W_f', expected an array of shape {SHAPE}"),
    ("grads with an extra key", "grads['W_z'] = grads['W_f']; out = dx, dh, dc, grads", "fail",
     r"{b} returned grads with unexpected keys \['W_z'\]"),
    ("grads['W_f'] of the wrong shape", "grads['W_f'] = grads['W_f'][:1]; out = dx, dh, dc, grads", "fail",
     rf"{{b}} returned grads\['W_f'\] of shape {SHAPE}, expected {SHAPE}"),
    ("grads['W_f'] empty", "grads['W_f'] = np.zeros((0, 3)); out = dx, dh, dc, grads", "fail",
     rf"{{b}} returned grads\['W_f'\] of shape \(0, 3\), expected {SHAPE}"),
    ("grads['W_f'] a number", "grads['W_f'] = 1.0; out = dx, dh, dc, grads", "fail",
     rf"{{b}} returned grads\['W_f'\] as a float, expected an array of shape {SHAPE}"),
    ("grads a list", "out = dx, dh, dc, list(grads.values())", "fail",
     r"{b} returned grads as a list of \d+ items, expected a dict"),
    ("dx of the wrong shape", "out = dx[:1], dh, dc, grads", "fail",
     rf"{{b}} returned dx of shape {SHAPE}, expected {SHAPE}"),
    ("a tuple of 3", "out = dx, dh, dc", "fail",
     r"{b} returned a tuple of 3 items, expected a tuple \(dx, "),
    ("None", "out = None", "fail", r"{b} returned None, expected a tuple \(dx, "),
]


@pytest.mark.parametrize("wrong, status, message", [case[1:] for case in BACKWARD_CASES],
                         ids=[case[0] for case in BACKWARD_CASES])
def test_a_backward_of_the_wrong_shape_fails_with_the_shape(tmp_path, wrong, status, message):
    source = ""
    for name, module, args in GRADS_BACKWARDS:
        source += (f"from {module} import {name} as honest_{name}\n\n\n"
                   f"def {name}({args}):\n"
                   f"    dx, dh, dc, grads = honest_{name}({args})\n"
                   f"    {wrong}\n"
                   f"    return out\n\n\n")
    report = grade(submission(tmp_path, source), parts=[name for name, _, _ in GRADS_BACKWARDS] + [HONEST],
                   seed=SEED)
    for name, _, _ in GRADS_BACKWARDS:
        part = report.part(name)
        assert part.status == status and part.score < part.max_score, text_of(report, name)
        assert re.search(message.format(b=name), " | ".join(part.messages)), text_of(report, name)
    assert_honest_part_passes(report)


def test_a_nan_gradient_is_not_consistent_with_the_students_own_forward(tmp_path):
    # the forward is wrong, so the backward is judged by numerical gradients alone: NaN must not count as agreeing
    source = wrong_forwards("h * 2.0, c, cache") + textwrap.dedent("""
        from part2_cell_backward import lstm_cell_backward as honest_lstm_cell_backward


        def lstm_cell_backward(dh, dc, cache):
            dx, dh_prev, dc_prev, grads = honest_lstm_cell_backward(dh, dc, cache)
            return dx * np.nan, dh_prev, dc_prev, grads
    """)
    report = grade(submission(tmp_path, source), parts=["lstm_cell_backward"], seed=SEED)
    rows = {row.name: row for row in report.part("lstm_cell_backward").gradients}
    assert rows["dx"].vs_numerical == float("inf") and not rows["dx"].ok


def test_simple_backwards_of_the_wrong_shape_fail_with_the_shape(tmp_path):
    source = textwrap.dedent("""
        from part2_cell_backward import sigmoid_backward as honest_sigmoid_backward
        from part2_cell_backward import hidden_state_backward as honest_hidden_state_backward
        from part2_cell_backward import gate_backward as honest_gate_backward


        def sigmoid_backward(ds, s):
            return honest_sigmoid_backward(ds, s)[:1]


        def hidden_state_backward(dh, c, o):
            return honest_hidden_state_backward(dh, c, o)[:1]


        def gate_backward(dz, x, h_prev, W, U):
            dx, dh_prev, dW, dU, db = honest_gate_backward(dz, x, h_prev, W, U)
            return dx, dh_prev, dW.sum(), dU, db
    """)
    report = grade(submission(tmp_path, source),
                   parts=["sigmoid_backward", "hidden_state_backward", "gate_backward", HONEST], seed=SEED)
    expected = {
        "sigmoid_backward": rf"sigmoid_backward returned an array of shape {SHAPE}, expected {SHAPE}",
        "hidden_state_backward": r"hidden_state_backward returned a tuple of 1 item, expected a tuple \(dc, do\)",
        "gate_backward": rf"gate_backward returned dW of shape {SHAPE}, expected {SHAPE}",
    }
    assert_each_fails_saying(report, expected, scores_nothing=False)


@pytest.mark.parametrize("grade_with", GRADERS)
def test_bonus_parts_of_the_wrong_shape_fail_with_the_shape(tmp_path, grade_with):
    source = textwrap.dedent("""
        from part5_memory_cell import memory_cell_params as honest_memory_cell_params
        from part6_gradient_flow import gradient_norms as honest_gradient_norms
        from part7_forecast import forecast as honest_forecast


        def gradient_norms(x, h0, c0, params):
            return honest_gradient_norms(x, h0, c0, params)[None, :]


        def memory_cell_params():
            params = honest_memory_cell_params()
            params["W_f"] = params["W_f"] + 0j
            return params


        def forecast(model, x):
            return honest_forecast(model, x).reshape(-1)
    """)
    report = grade_with(submission(tmp_path, source),
                        parts=["gradient_norms", "memory_cell_params", "forecast", HONEST], seed=SEED)
    expected = {
        "gradient_norms": r"gradient_norms returned an array of shape \(1, 3\), expected \(3,\)",
        "memory_cell_params": r"W_f has dtype complex128",
        "forecast": r"returned shape \(\d+,\), expected an array of shape \(\d+, 1\)",
    }
    assert_each_fails_saying(report, expected, scores_nothing=True)


def test_memory_cell_through_a_students_lstm_forward_of_the_wrong_shape_is_an_error(tmp_path, monkeypatch):
    # a student release has no LSTM of the grader's: the memory cell runs through the student's lstm_forward
    monkeypatch.setattr("grader.lstm.forward_choice.grader_forward", lambda: None)
    folder = submission(tmp_path, wrong_forwards("h, c, cache", "h[:, -1], c, cache"))
    report = grade(folder, parts=["memory_cell_params", HONEST], seed=SEED)
    part = report.part("memory_cell_params")
    assert part.status == "error", text_of(report, "memory_cell_params")
    assert re.search(rf"lstm_forward returned h of shape {SHAPE}, expected {SHAPE}", part.messages[0])
    assert_honest_part_passes(report)


# the parent's own arithmetic, without a child


def test_numerical_gradients_refuse_outputs_of_another_shape():
    upstream = np.ones((2, 3))
    setup = NumericalSetup((np.zeros((2, 3)),), ((None, upstream),), (("dz", 0, None, True),))
    plan = gradcheck.perturbations_for(setup)
    for stacks in ([np.zeros((len(plan), 3))], [np.zeros(len(plan))], [], [np.zeros((len(plan), 2, 3), complex)]):
        with pytest.raises(gradcheck.StackError):
            gradcheck.numerical_gradients(setup, plan, stacks)


def test_excerpt_of_an_empty_or_differently_shaped_array_does_not_index_out_of_range():
    assert excerpt(np.zeros((0, 4)), (1, 2)) == "empty array of shape (0, 4)"
    assert excerpt(np.arange(4.0).reshape(1, 4), (2, 3)).startswith("[0, :4]")


def test_a_nan_gradient_never_counts_as_agreeing():
    assert tensor_relative_error(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == float("inf")
    assert tensor_relative_error(np.array([np.inf]), np.array([1.0])) == float("inf")


class ForgedSession:
    """A child that answers every call with `header` (what a forged reply could say)."""

    load_timeout = 1.0

    def __init__(self, header: dict) -> None:
        self.header = header

    def ensure_started(self) -> SimpleNamespace:
        return SimpleNamespace(functions={"sigmoid"})

    def call(self, *args, **kwargs) -> Reply:
        return Reply(dict(self.header))

    def calls(self, calls, **kwargs):
        return contextlib.nullcontext(iter([Reply(dict(self.header)) for _ in calls]))

    def reset(self) -> None:
        pass


@pytest.mark.parametrize("header", [
    {"status": "ok"},
    {"status": "ok", "value": {"array": 5}},
    {"status": "ok", "value": "nonsense"},
], ids=["no value", "array out of range", "not a tree"])
def test_an_unreadable_answer_is_an_error_of_the_part(header):
    context = PartContext(ForgedSession(header), open_reference(), SEED)  # type: ignore[arg-type]
    result = check_part(get_part("sigmoid"), context)
    assert result.status == "error" and result.score == 0
    assert "sigmoid sent back an answer the grader cannot read" in result.messages[0]


def test_a_checker_that_meets_something_unforeseen_costs_only_its_part():
    def checker(part: Part, context: PartContext) -> PartResult:
        raise IndexError("tuple index out of range")

    part = Part("sigmoid", "forward", 3, ("z",), ("s",), lambda seed: [], "hint", checker, "part1_cell_forward.py")
    context = PartContext(ForgedSession({"status": "ok"}), open_reference(), SEED)  # type: ignore[arg-type]
    result = check_part(part, context)
    assert result.status == "error" and result.score == 0
    assert "IndexError: tuple index out of range" in result.messages[0]
