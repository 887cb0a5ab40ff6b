"""Gradescope's score adds the bonus to the core score, and its output says so."""
from __future__ import annotations

from grader.course.gradescope import results_from_report
from grader.engine.results import PartResult, Report


def test_the_bonus_is_extra_credit_and_said_to_be() -> None:
    parts = (PartResult("sigmoid", "forward", "pass", 3.0, 3.0, ("ok",)),
             PartResult("forget_gate", "forward", "fail", 0.0, 4.0, ("wrong",)),
             PartResult("forecast", "bonus", "pass", 5.0, 5.0, ("ok",)))
    results = results_from_report(Report("s", parts, 1))
    assert results["score"] == 8.0
    assert "bonus 5 / 5 (extra credit" in results["output"], results["output"]
    assert [test["tags"] for test in results["tests"]] == [["forward"], ["forward"], ["bonus"]]


def test_without_bonus_points_nothing_is_said_about_it() -> None:
    parts = (PartResult("sigmoid", "forward", "pass", 3.0, 3.0, ("ok",)),)
    assert "extra credit" not in results_from_report(Report("s", parts, 1))["output"]
