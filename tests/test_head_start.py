"""A long call started ahead in a copy of the child (the forecast's training), collected later.

Through the real child, so slow. The copy is a fork inside the same sandbox:
it must answer what the child would, be as confined, and whatever it does
(exit, hang, never start) must cost only its own call.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.child.protocol import decode_value
from grader.lstm import get_part
from grader.lstm import forecast
from grader.lstm.grading import grade
from grader.sandbox import ChildDied, ChildSession, ChildTimeout, bwrap_works, resolve_sandbox
from grader.sandbox import view as child_view
from grader.sandbox.calls import Call
from mutants import edited_solutions

pytestmark = pytest.mark.slow

SEED = 1234
PARTS = ["forget_gate", "lstm_forward", "lstm_backward", "forecast"]
SOLUTION = str(child_view.solutions_dir() / forecast.FILE)
MODES = ["process"] + (["bwrap"] if bwrap_works() else [])
FUNCTIONS = '''import os, time
def slow(x):
    time.sleep(0.2)
    return float(os.getpid()) + 0 * x
def pid():
    return float(os.getpid())
def leave():
    os._exit(3)
def hang():
    while True:
        pass
def stubborn():
    os._exit = lambda code: time.sleep(1000)  # the copy would never end after its answer
    return 7.0
def spray():
    for fd in range(3, 64):  # garbage into every descriptor the copy holds
        try:
            os.write(fd, b"garbage!" * 8)
        except OSError:
            pass
    return 1.0
def peek():
    try:
        open(SOLUTION).read()
        return 1.0
    except OSError:
        return 0.0
'''


@pytest.fixture(params=MODES)
def session(request, tmp_path: Path):
    (tmp_path / "functions.py").write_text(FUNCTIONS + f"SOLUTION = {SOLUTION!r}\n")
    with ChildSession([tmp_path / "functions.py"], ["functions"], None,
                      sandbox=resolve_sandbox(request.param, quiet=True)) as opened:
        opened.start()
        yield opened


def value(session: ChildSession, function: str, *args, timeout: float = 10.0):
    reply = session.call(function, list(args), timeout=timeout)
    assert reply.status == "ok", reply.header
    return decode_value(reply.header["value"], reply.arrays)


def test_the_call_made_ahead_is_answered_by_a_copy_and_only_the_same_call_collects_it(session):
    assert session.call_ahead(Call("slow", [1.0]))
    child = value(session, "pid")  # answered while the copy sleeps
    assert value(session, "slow", 2.0) == child  # other arguments: made here, the copy still pending
    assert value(session, "slow", 1.0) != child  # the same call: the copy's answer
    assert value(session, "slow", 1.0) == child  # collected once; then made here again


def test_the_copy_says_how_long_its_call_took(session):
    import time

    from grader.engine.checks import PartContext
    from grader.engine.reference_source import open_reference

    assert session.call_ahead(Call("slow", [1.0]))
    time.sleep(1.0)  # the copy is done long before it is collected
    context = PartContext(session, open_reference(), SEED)
    context.call("slow", (1.0,))
    assert context.ran_ahead_for is not None and 0.2 <= context.ran_ahead_for < 0.9  # its sleep, not the wait
    context.call("slow", (1.0,))
    assert context.ran_ahead_for is None  # made here: the caller times it


def test_a_copy_that_exits_costs_its_call_only(session):
    assert session.call_ahead(Call("leave", []))
    child = value(session, "pid")
    with pytest.raises(ChildDied, match="exited with code 3"):
        session.call("leave", [], timeout=10.0)
    assert value(session, "pid") == child  # the child itself is untouched


def test_a_copy_that_hangs_times_out_its_call_and_the_next_call_starts_afresh(session):
    assert session.call_ahead(Call("hang", []))
    with pytest.raises(ChildTimeout):
        session.call("hang", [], timeout=0.5)
    assert session.ahead is None
    session.ensure_started()
    assert value(session, "slow", 1.0) == value(session, "pid")  # a new child: nothing left to collect


def test_a_child_killed_meanwhile_makes_the_call_itself(session):
    assert session.call_ahead(Call("slow", [1.0]))
    with pytest.raises(ChildTimeout):
        session.call("hang", [], timeout=0.3)
    session.ensure_started()
    assert value(session, "slow", 1.0) == value(session, "pid")


def test_a_copy_that_will_not_end_still_hands_over_its_answer(session):
    assert session.call_ahead(Call("stubborn", []))
    assert value(session, "stubborn", timeout=5.0) == 7.0
    assert value(session, "pid") > 0


def test_a_copy_cannot_write_into_the_childs_result_channel(session):
    assert session.call_ahead(Call("spray", []))
    with pytest.raises(ChildDied):
        session.call("spray", [], timeout=10.0)  # it spoilt its own answer
    assert value(session, "pid") > 0  # and nothing else: the child still answers


def test_a_missing_function_is_not_started_and_its_call_says_missing(session):
    assert not session.call_ahead(Call("absent", []))
    assert session.call("absent", [], timeout=10.0).status == "missing"


def test_the_copy_is_as_confined_as_the_child(session):
    assert (child_view.solutions_dir() / forecast.FILE).is_file()
    assert session.call_ahead(Call("peek", []))
    assert value(session, "peek") == 0.0


def test_a_submission_that_breaks_fork_gets_its_call_made_in_the_child(tmp_path: Path):
    (tmp_path / "functions.py").write_text(FUNCTIONS + "def no_fork():\n    raise OSError(11, 'no')\nos.fork = no_fork\n")
    with ChildSession([tmp_path / "functions.py"], ["functions"], None,
                      sandbox=resolve_sandbox("process", quiet=True)) as session:
        session.start()
        assert not session.call_ahead(Call("slow", [1.0]))
        assert value(session, "slow", 1.0) == value(session, "pid")


def comparable(report):
    """Everything but how long training took ("trained in 0.3 s"), which a busy machine changes."""
    messages = [tuple(re.sub(r"trained in [0-9.]+ s", "trained", message) for message in part.messages)
                for part in report.parts]
    return [(part.name, part.status, part.score, part.diagnosis) for part in report.parts], messages, \
        report.notes, report.isolation.split(":")[0]


def test_the_forecast_declares_its_training_as_its_head_start():
    assert get_part("forecast").head_start is forecast.training_call and get_part("lstm_backward").head_start is None
    call = forecast.training_call(SEED)
    assert call.function == "train_forecaster" and len(call.args) == len(call.arg_names) == 6


TRAINING_LINE = "    model = init_forecaster(hidden_size, seed)\n    state = {}\n"


@pytest.mark.parametrize("edits, status", [
    ([], "pass"),
    ([("part7_forecast.py", 'return h[:, -1] @ model["W_y"] + model["b_y"]',
       'return h[:, 0] @ model["W_y"] + model["b_y"]')], "fail"),
    ([("part7_forecast.py", TRAINING_LINE, "    import os\n    os._exit(3)\n" + TRAINING_LINE)], "error"),
], ids=["solutions", "forecast_mistake", "training_exits"])
def test_with_and_without_the_head_start_the_report_is_the_same(tmp_path: Path, edits, status):
    submission = edited_solutions(tmp_path / "s", edits)
    ahead = grade(submission, PARTS, seed=SEED, sandbox="auto")
    in_order = grade(submission, PARTS, seed=SEED, sandbox="auto", parallel=False)
    assert comparable(ahead) == comparable(in_order)
    assert [part.status for part in ahead.parts] == ["pass"] * 3 + [status]


def test_an_import_that_crashes_costs_every_part(tmp_path: Path):
    submission = tmp_path / "s"
    submission.mkdir()
    (submission / "answer.py").write_text("import os\nos._exit(3)\n")
    report = grade(submission, PARTS, seed=SEED)
    assert [part.status for part in report.parts] == ["error"] * len(PARTS)
    assert all("importing the submission crashed" in part.messages[0] for part in report.parts)


def test_a_head_start_that_cannot_be_made_only_loses_the_head_start():
    import dataclasses

    from grader.engine.grading import grade_parts

    def broken(seed):
        raise ValueError("no call")

    parts = [get_part("sigmoid"), dataclasses.replace(get_part("forecast"), head_start=broken)]
    report = grade_parts(child_view.solutions_dir(), parts, seed=SEED, sandbox="auto")
    assert [part.status for part in report.parts] == ["pass", "pass"]
