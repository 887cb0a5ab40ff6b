"""JUnit XML export: one testcase per part, failures and errors by status, points as properties."""
from __future__ import annotations

from xml.etree import ElementTree

from grader.report.junit import report_to_junit
from grader.engine.results import PartResult, Report


def sample_report() -> Report:
    return Report("sub.py", (
        PartResult("sigmoid", "forward", "pass", 3, 3, ("matches",)),
        PartResult("forget_gate", "forward", "fail", 0, 4, ("18 / 18 elements differ",), hint="use sigmoid"),
        PartResult("lstm_backward", "backward", "timeout", 0, 15, ("did not finish",)),
    ), seed=5, isolation="process: test")


def test_each_part_is_a_testcase_with_its_points() -> None:
    suite = ElementTree.fromstring(report_to_junit(sample_report()))
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert list(cases) == ["sigmoid", "forget_gate", "lstm_backward"]
    points = {name: {prop.get("name"): prop.get("value") for prop in case.iter("property")}
              for name, case in cases.items()}
    assert points["sigmoid"] == {"points": "3", "max_points": "3"}
    assert cases["sigmoid"].find("failure") is None
    failure = cases["forget_gate"].find("failure")
    assert failure is not None and "18 / 18" in failure.get("message") and "hint: use sigmoid" in failure.text
    assert cases["lstm_backward"].find("error").get("type") == "timeout"


def test_score_and_isolation_are_suite_properties() -> None:
    suite = ElementTree.fromstring(report_to_junit(sample_report()))
    properties = {prop.get("name"): prop.get("value") for prop in suite.find("properties")}
    assert properties["score"] == "3" and properties["max_score"] == "22" and properties["isolation"] == "process: test"
