"""Several calls in flight at once (grader.sandbox.calls): same answers, same deadlines, no deadlock."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from fake_runner import grade_in_process
from grader.child.protocol import Opaque, kept_handle
from grader.engine.checks import PartContext, StudentFailure
from grader.engine.reference_source import open_reference
from grader.lstm.grading import grade
from grader.sandbox import ChildDied, ChildSession, ChildTimeout, resolve_sandbox
from grader.sandbox.calls import MOST_IN_FLIGHT, Call, CallStream

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent

FUNCTIONS = '''import os
import numpy as np
calls = []
def double(x):
    calls.append(float(x.reshape(-1)[0]))
    return x * 2
def loop_at(x, at):
    calls.append(float(x.reshape(-1)[0]))
    while float(x.reshape(-1)[0]) == at:
        pass
    return x + 1
def exit_at(x, at):
    if float(x.reshape(-1)[0]) == at:
        os._exit(3)
    return x + 1
def raise_at(x, at):
    calls.append(float(x.reshape(-1)[0]))
    if float(x.reshape(-1)[0]) == at:
        raise ValueError("no")
    return x + 1
def raise_then_loop(x):
    if float(x.reshape(-1)[0]) == 1:
        raise ValueError("no")
    while float(x.reshape(-1)[0]) == 2:
        pass
    return x
def pair(x):
    return x, x + 1
def how_many():
    return len(calls)
'''


@pytest.fixture
def session(tmp_path: Path):
    (tmp_path / "functions.py").write_text(FUNCTIONS)
    with ChildSession([tmp_path / "functions.py"], ["functions"], None,
                      sandbox=resolve_sandbox("process", quiet=True)) as opened:
        opened.start()
        yield opened


def each(function: str, inputs: list) -> list[Call]:
    return [Call(function, args) for args in inputs]


def first(reply) -> float:
    return float(reply.arrays[0].reshape(-1)[0])


def test_replies_come_in_order_and_equal_those_of_single_calls(session: ChildSession) -> None:
    inputs = [[np.full((3, 4), float(index))] for index in range(20)]
    with session.calls(each("double", inputs), timeout=10) as replies:
        streamed = [first(reply) for reply in replies]
    single = [first(session.call("double", args, timeout=10)) for args in inputs]
    assert streamed == single == [2.0 * index for index in range(20)]


def test_requests_larger_than_the_pipe_do_not_deadlock(session: ChildSession) -> None:
    # each request and each reply is about 400 KiB: several times what a pipe holds
    inputs = [[np.full((50_000,), float(index))] for index in range(8)]
    started = time.monotonic()
    with session.calls(each("double", inputs), timeout=10) as replies:
        got = [first(reply) for reply in replies]
    assert got == [2.0 * index for index in range(8)]
    assert time.monotonic() - started < 10


def test_small_requests_are_written_ahead_and_big_ones_one_at_a_time(session: ChildSession) -> None:
    small = CallStream(session, [Call("double", [np.zeros(3)])] * 10, timeout=10)
    small.fill()
    assert len(small.in_flight) == MOST_IN_FLIGHT
    small.close()
    big = CallStream(session, [Call("double", [np.zeros(50_000)])] * 3, timeout=10)
    big.fill()
    assert len(big.in_flight) == 1
    big.close()
    # closing waits for the calls written and sends nothing more
    assert session.call("how_many", [], timeout=10).header["value"]["scalar"] == MOST_IN_FLIGHT + 1


def test_a_call_that_loops_gets_its_whole_timeout_and_kills_the_child(session: ChildSession) -> None:
    inputs = [[np.full((2,), float(index)), 3.0] for index in range(8)]
    got = []
    with pytest.raises(ChildTimeout):
        with session.calls(each("loop_at", inputs), timeout=1.0) as replies:
            for reply in replies:
                got.append(first(reply))
                waiting_since = time.monotonic()
    assert got == [1.0, 2.0, 3.0]  # the calls before the loop answered
    assert time.monotonic() - waiting_since >= 1.0  # the looping call had its whole second
    assert not session.alive


def test_a_child_that_dies_mid_stream_raises_there(session: ChildSession) -> None:
    inputs = [[np.full((2,), float(index)), 2.0] for index in range(6)]
    got = []
    with pytest.raises(ChildDied):
        with session.calls(each("exit_at", inputs), timeout=5) as replies:
            for reply in replies:
                got.append(first(reply))
    assert got == [1.0, 2.0]


def test_leaving_early_waits_out_the_calls_in_flight(session: ChildSession) -> None:
    inputs = [[np.full((2,), float(index))] for index in range(5)]
    with session.calls(each("double", inputs), timeout=10) as replies:
        assert first(next(replies)) == 0.0
    # the next request is answered by its own reply, not a stale one; the calls written ahead ran
    assert session.call("how_many", [], timeout=10).header["value"]["scalar"] == 5
    assert first(session.call("double", [np.full((2,), 7.0)], timeout=10)) == 14.0


def test_a_request_made_while_calls_are_in_flight_waits_them_out_and_gets_its_own_reply(
        session: ChildSession) -> None:
    inputs = [[np.full((2,), float(index))] for index in range(5)]
    with session.calls(each("double", inputs), timeout=2) as replies:
        assert first(next(replies)) == 0.0
        # the four calls written ahead are answered before this one, and its reply is its own
        assert first(session.call("double", [np.full((2,), 9.0)], timeout=2)) == 18.0
        assert [first(reply) for reply in replies] == [2.0, 4.0, 6.0, 8.0]  # and theirs are not lost
    assert session.alive  # nothing was left to wait for at the end of the block, so no timeout killed it
    assert session.call("how_many", [], timeout=2).header["value"]["scalar"] == 6


def test_a_stream_made_before_its_child_is_started_again_runs_in_the_new_child(session: ChildSession) -> None:
    """A part after one that timed out: its stream exists before the child is started again (by the
    first answer's import check, whose requests come while the stream waits)."""
    session.kill()
    inputs = [[np.full((2,), float(index))] for index in range(8)]
    with session.calls(each("double", inputs), timeout=5) as replies:
        session.ensure_started()
        assert [first(reply) for reply in replies] == [2.0 * index for index in range(8)]


def test_the_stubs_cost_no_timeout_in_a_part_that_takes_a_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A part whose forward is a stub ends early and asks whether its backward is one too (a call
    made while the part's next calls are in flight): the child must answer, not time out."""
    starts = []
    original = ChildSession.start
    monkeypatch.setattr(ChildSession, "start", lambda self: starts.append(1) or original(self))
    report = grade(REPO / "exercises", parts=["lstm_cell_backward", "lstm_backward", "sigmoid"], seed=1,
                   timeout=3, sandbox="process", parallel=False)
    assert [part.status for part in report.parts] == ["missing"] * 3
    assert len(starts) == 1  # no timeout killed the child along the way


def test_a_call_that_raises_fails_there_and_the_calls_after_it_are_waited_out(session: ChildSession) -> None:
    context = PartContext(session, open_reference(), seed=1, timeout=5)
    inputs = [(np.full((2,), float(index)), 1.0) for index in range(5)]
    got = []
    with pytest.raises(StudentFailure) as failure:
        with context.call_each(each("raise_at", inputs)) as answers:
            for _ in inputs:
                got.append(float(next(answers)[0][0]))
    assert got == [1.0]
    assert failure.value.messages[0] == "raise_at raised ValueError: no"
    assert session.alive
    assert first(session.call("double", [np.full((2,), 4.0)], timeout=10)) == 8.0


def test_a_call_takes_what_an_earlier_call_kept_before_that_one_is_answered(session: ChildSession) -> None:
    kept = Opaque(kept_handle("first"), "array")
    calls = [Call("pair", [np.full((2,), 3.0)], keep=(1,), keep_as=("first",)), Call("double", [kept]),
             Call("double", [Opaque(kept_handle("never"), "array")]), Call("double", [np.ones(2)])]
    with session.calls(calls, timeout=10) as replies:
        made, used, unknown, after = list(replies)
    assert made.header["value"]["seq"][1] == {"handle": kept.handle, "type": "ndarray"}
    assert first(used) == 8.0  # pair kept x + 1; double gave it back twice
    assert unknown.status == "error" and "does not exist" in unknown.header["error"]
    assert session.alive and first(after) == 2.0


def test_a_loop_left_in_flight_costs_the_part_that_left_it_not_the_next(session: ChildSession) -> None:
    context = PartContext(session, open_reference(), seed=1, timeout=1.0)
    inputs = [(np.full((2,), float(index)),) for index in range(4)]
    with pytest.raises(StudentFailure):
        with context.call_each(each("raise_then_loop", inputs)) as answers:
            for _ in inputs:
                next(answers)
    assert not session.alive  # the loop written ahead was waited out for its timeout, then killed
    value, _ = context.call("double", (np.full((2,), 2.0),))  # a new child, idle
    assert float(value[0]) == 4.0


def on_call(function: str, arguments: str, number: int, then: str) -> str:
    """Code appended to a solution file: `function` as the honest one, except that on its
    `number`-th call `then` runs (it raises, or changes `result`)."""
    return (f"\n_count_{function} = [0]\n_honest_{function} = {function}\n"
            f"def {function}({arguments}):\n"
            f"    _count_{function}[0] += 1\n"
            f"    result = _honest_{function}({arguments})\n"
            f"    if _count_{function}[0] == {number}:\n"
            f"        {then}\n"
            f"    return result\n")


GATE = ("forget_gate", "x, h_prev, W_f, U_f, b_f")
RAISES_ON_THIRD_CALL = on_call(*GATE, 3, 'raise RuntimeError("third case")')
WRONG_ON_SECOND_CALL = on_call(*GATE, 2, "result = result + 0.5")
BACKWARD_RAISES_ON_SECOND_CALL = on_call("sigmoid_backward", "ds, s", 2, 'raise ValueError("second case")')
FORWARD_RAISES_ON_FOURTH_CALL = on_call("lstm_cell_forward", "x, h_prev, c_prev, params", 4,
                                        'raise RuntimeError("fourth call")')
CELL_BACKWARD_WRONG_ON_THIRD_CALL = on_call("lstm_cell_backward", "dh, dc, cache", 3,
                                            'result = dict(result, dx=result["dx"] * 2)')
SEQUENCE_BACKWARD_RAISES_ON_SECOND_CALL = on_call("lstm_backward", "dh, cache", 2, 'raise KeyError("second call")')


@pytest.mark.parametrize("edit, file, parts", [
    (FORWARD_RAISES_ON_FOURTH_CALL, "part1_cell_forward.py", ["lstm_cell_backward", "sigmoid_backward"]),
    (CELL_BACKWARD_WRONG_ON_THIRD_CALL, "part2_cell_backward.py", ["lstm_cell_backward", "lstm_backward"]),
    (SEQUENCE_BACKWARD_RAISES_ON_SECOND_CALL, "part3_sequence.py", ["lstm_backward", "tanh_backward"]),
    (RAISES_ON_THIRD_CALL, "part1_cell_forward.py", ["forget_gate", "input_gate"]),
    (WRONG_ON_SECOND_CALL, "part1_cell_forward.py", ["forget_gate", "input_gate"]),
    (BACKWARD_RAISES_ON_SECOND_CALL, "part2_cell_backward.py", ["sigmoid_backward", "tanh_backward"]),
])
def test_parts_that_fail_on_a_later_case_are_graded_as_with_one_call_at_a_time(tmp_path: Path, edit: str, file: str,
                                                                              parts: list[str]) -> None:
    """The in-process runner makes each call when its answer is asked for; the real child, several
    calls ahead. The verdicts must be the same, and the part after the failing one unharmed."""
    for name in ("part1_cell_forward.py", "part2_cell_backward.py", "part3_sequence.py"):
        source = (REPO / "solutions" / name).read_text()
        (tmp_path / name).write_text(source + (edit if name == file else ""))
    real = grade(tmp_path, parts=parts, seed=5, sandbox="process").to_dict()["parts"]
    alone = grade_in_process(tmp_path, parts=parts, seed=5).to_dict()["parts"]
    for part in real + alone:
        part.pop("seconds")
    assert real == alone
    assert real[0]["status"] in ("fail", "error") and real[0]["score"] < real[0]["max_score"]
    assert real[1]["status"] == "pass"
