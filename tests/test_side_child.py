"""The forecast checked in a second child while the other parts are: the same report, the same isolation.

Through the real child, so slow.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.lstm import get_part
from grader.lstm.grading import grade
from mutants import edited_solutions

pytestmark = pytest.mark.slow

SEED = 1234
PARTS = ["forget_gate", "lstm_forward", "lstm_backward", "forecast"]


def comparable(report):
    """Everything but how long training took ("trained in 0.3 s"), which a busy machine changes."""
    messages = [tuple(re.sub(r"trained in [0-9.]+ s", "trained", message) for message in part.messages)
                for part in report.parts]
    return [(part.name, part.status, part.score, part.diagnosis) for part in report.parts], messages, \
        report.notes, report.isolation.split(":")[0]


def test_the_forecast_is_declared_to_run_in_a_child_of_its_own():
    assert get_part("forecast").own_child and not get_part("lstm_backward").own_child


@pytest.mark.parametrize("edits", [[], [("part7_forecast.py", 'return h[:, -1] @ model["W_y"] + model["b_y"]',
                                         'return h[:, 0] @ model["W_y"] + model["b_y"]')]],
                         ids=["solutions", "forecast_mistake"])
def test_parallel_and_sequential_grading_give_the_same_report(tmp_path: Path, edits):
    submission = edited_solutions(tmp_path / "s", edits)
    parallel = grade(submission, PARTS, seed=SEED, sandbox="auto")
    sequential = grade(submission, PARTS, seed=SEED, sandbox="auto", parallel=False)
    assert comparable(parallel) == comparable(sequential)
    assert parallel.part("forecast").status == ("pass" if not edits else "fail")


def test_an_import_that_crashes_costs_every_part_and_stops_the_second_child(tmp_path: Path):
    submission = tmp_path / "s"
    submission.mkdir()
    (submission / "answer.py").write_text("import os\nos._exit(3)\n")
    report = grade(submission, PARTS, seed=SEED)
    assert [part.status for part in report.parts] == ["error"] * len(PARTS)
    assert all("importing the submission crashed" in part.messages[0] for part in report.parts)
