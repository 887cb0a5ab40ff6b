"""summary.html, the class dashboard, and the item statistics it shares with summary.json.

A real browser looks at it in tests/test_pages_in_browser.py; these tests read the numbers and the HTML.
"""
from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import pytest

from grader.report import charts
from grader.report.class_stats import costliest_mistakes, hardest_parts, mistake_statistics, part_statistics
from grader.report.class_summary import summarise
from grader.report.dashboard import render_dashboard

TANH = "forget_gate.tanh_instead_of_sigmoid"
HOSTILE = "<b>x</b>&amp;"


def part(name: str, status: str, score: float, max_score: float, diagnosis: str | None = None) -> dict[str, Any]:
    return {"name": name, "group": "forward", "status": status, "score": score, "max_score": max_score,
            "messages": [], "diagnosis": diagnosis, "hint": None, "seconds": 0.0}


def report(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"schema": 1, "submission": "s.py", "score": sum(item["score"] for item in parts),
            "max_score": sum(item["max_score"] for item in parts), "bonus": 0.0, "max_bonus": 0.0,
            "isolation": "process: landlock | rlimits: CPU time 10 s", "parts": list(parts)}


REPORTS = {
    "ann": report(part("sigmoid", "pass", 3, 3), part("forget_gate", "fail", 0, 4, TANH)),
    "bob": report(part("sigmoid", "pass", 3, 3), part("forget_gate", "pass", 4, 4)),
    "cy": report(part("sigmoid", "pass", 3, 3), part("forget_gate", "fail", 0, 4, TANH)),
    HOSTILE: report(part("sigmoid", "fail", 1.5, 3, "sigmoid.exp_ratio_overflows"), part("forget_gate", "error", 0, 4)),
}
FAILURES = {"eve": "eve.ipynb: not valid nbformat <i>"}
GRADER_ERRORS = {"fay": "OSError: [Errno 28] No space left on device"}
STUDENTS = ["ann", "bob", "cy", HOSTILE, "eve", "fay"]


def dashboard(feedback_format: str = "html") -> str:
    summary = summarise(REPORTS, FAILURES, GRADER_ERRORS)
    return render_dashboard(summary, REPORTS, STUDENTS, feedback_format)


def test_item_statistics_count_passes_points_and_the_points_each_mistake_cost() -> None:
    parts = part_statistics(REPORTS)
    forget = parts["forget_gate"]
    assert (forget.graded, forget.passed, forget.pass_rate, forget.mean_points, forget.lost) == (4, 1, 0.25, 1.0, 12)
    assert forget.discrimination == pytest.approx(1 / 3)  # points [0, 4, 0, 0] against the rest [3, 3, 3, 1.5]
    assert [item.name for item in hardest_parts(parts)] == ["forget_gate", "sigmoid"]
    mistakes = mistake_statistics(REPORTS)
    assert [(item.id, item.students, item.lost) for item in mistakes] == [
        (TANH, ["ann", "cy"], 8.0), ("sigmoid.exp_ratio_overflows", [HOSTILE], 1.5)]
    assert [item.id for item in costliest_mistakes(mistakes)] == [TANH, "sigmoid.exp_ratio_overflows"]


def test_summary_json_has_the_mean_points_of_each_part() -> None:
    summary = summarise(REPORTS, FAILURES)
    assert summary["parts"]["forget_gate"] == {"pass_rate": 0.25, "mean_points": 1.0, "max_points": 4.0,
                                               "statuses": {"fail": 2, "pass": 1, "error": 1},
                                               "diagnoses": [(TANH, 2)]}


def test_who_could_not_be_graded_comes_first_with_the_reason() -> None:
    html = dashboard()
    assert html.index('id="not-graded"') < html.index('id="scores"')
    assert "eve.ipynb: not valid nbformat &lt;i&gt;" in html and "No space left on device" in html


def test_each_student_links_to_their_feedback_file_and_student_text_is_escaped() -> None:
    html = dashboard()
    rows = re.findall(r'<tr data-student="([^"]*)"><td>(.*?)</td>', html)
    assert [student for student, _ in rows] == ["ann", "bob", "cy", "&lt;b&gt;x&lt;/b&gt;&amp;amp;", "eve", "fay"]
    assert rows[0][1] == '<a href="feedback/ann.html">ann</a>'
    assert 'href="feedback/%3Cb%3Ex%3C%2Fb%3E%26amp%3B.html"' in rows[3][1]
    assert "<a" not in rows[4][1] and "<a" not in rows[5][1]  # no feedback file for who was not graded
    assert "<b>x</b>" not in html
    assert 'href="feedback/ann.md"' in dashboard("md")


def test_each_common_mistake_links_to_the_students_who_made_it() -> None:
    html = dashboard()
    item = re.search(rf'<li data-mistake="{TANH}">(.*?)</li>\n', html, flags=re.S)
    assert item is not None
    assert re.findall(r'<a href="feedback/(\w+)\.html">', item.group(1)) == ["ann", "cy"]
    assert "<strong>2</strong> students" in item.group(1)


def svg_of(html: str, figure: str) -> ElementTree.Element:
    found = re.search(rf'<figure[^>]*id="{figure}"[^>]*>.*?(<svg.*?</svg>)', html, flags=re.S)
    assert found, figure
    return ElementTree.fromstring(found.group(1))


def ids(svg: ElementTree.Element, prefix: str) -> list[str]:
    return [element.get("id", "") for element in svg.iter() if element.get("id", "").startswith(prefix)]


def labels(svg: ElementTree.Element, prefix: str) -> list[str]:
    return ["".join(element.itertext()).strip() for element in svg.iter() if element.get("id", "").startswith(prefix)]


def test_the_charts_are_inline_svg_with_a_bar_and_a_label_for_each_number() -> None:
    pytest.importorskip("matplotlib")
    html = dashboard()
    histogram = svg_of(html, "histogram")
    assert len(ids(histogram, "score-bin-")) == 10
    # scores 3, 7, 3, 1.5 of 7 points: 1.5 in the bin 1.4-2.1, 3 (twice) in 2.8-3.5, 7 in the last
    assert labels(histogram, "score-count-") == ["1", "2", "1"]
    pass_rate = svg_of(html, "pass-rate")
    assert ids(pass_rate, "pass-rate-") == ["pass-rate-sigmoid", "pass-rate-forget_gate",
                                           "pass-rate-label-sigmoid", "pass-rate-label-forget_gate"]
    assert labels(pass_rate, "pass-rate-label-") == ["75%", "25%"]
    assert labels(svg_of(html, "mean-points"), "mean-points-label-") == ["2.62 / 3", "1 / 4"]


def test_without_matplotlib_the_numbers_are_still_there_and_the_page_says_how_to_get_charts(monkeypatch) -> None:
    monkeypatch.setattr(charts, "available", lambda: False)
    html = dashboard()
    assert "<svg" not in html and 'pip install "lstm-autograder[plot]"' in html.replace("&#34;", '"')
    assert 'id="histogram-table"' in html and 'id="hardest"' in html
