"""summary.html, the class dashboard, and the item statistics it shares with summary.json.

A real browser looks at it in tests/test_pages_in_browser.py; these tests read the numbers and the HTML.
"""
from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
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


SVG = "{http://www.w3.org/2000/svg}"


def svg_of(html: str, figure: str) -> ElementTree.Element:
    found = re.search(rf'<figure[^>]*id="{figure}"[^>]*>.*?(<svg.*?</svg>)', html, flags=re.S)
    assert found, figure
    return ElementTree.fromstring(found.group(1))


def by_id(svg: ElementTree.Element | str) -> dict[str, ElementTree.Element]:
    """The elements of a chart by id, each id there once."""
    root = ElementTree.fromstring(svg) if isinstance(svg, str) else svg
    found = [element for element in root.iter() if element.get("id")]
    counts = Counter(element.get("id") for element in found)
    assert [name for name, count in counts.items() if count > 1] == []
    return {str(element.get("id")): element for element in found}


def ids(svg: ElementTree.Element, prefix: str) -> list[str]:
    return [name for name in by_id(svg) if name.startswith(prefix)]


def labels(svg: ElementTree.Element, prefix: str) -> list[str]:
    return ["".join(element.itertext()) for name, element in by_id(svg).items() if name.startswith(prefix)]


def texts(svg: str) -> list[str]:
    return ["".join(element.itertext()) for element in ElementTree.fromstring(svg).iter(f"{SVG}text")]


def size(element: ElementTree.Element, dimension: str) -> float:
    return float(element.get(dimension, "nan"))


def test_the_charts_are_inline_svg_with_a_bar_and_a_label_for_each_number() -> None:
    html = dashboard()
    histogram = svg_of(html, "histogram")
    assert ids(histogram, "score-bin-") == [f"score-bin-{index}" for index in range(10)]
    # scores 3, 7, 3, 1.5 of 7 points: 1.5 in the bin 1.4-2.1, 3 (twice) in 2.8-3.5, 7 in the last; none for 0
    assert ids(histogram, "score-count-") == ["score-count-2", "score-count-4", "score-count-9"]
    assert labels(histogram, "score-count-") == ["1", "2", "1"]
    pass_rate = svg_of(html, "pass-rate")
    assert [name for name in ids(pass_rate, "pass-rate-") if "label" not in name] == [
        "pass-rate-sigmoid", "pass-rate-forget_gate"]
    assert labels(pass_rate, "pass-rate-label-") == ["75%", "25%"]
    mean_points = svg_of(html, "mean-points")
    assert ids(mean_points, "mean-points-") == ["mean-points-sigmoid", "mean-points-label-sigmoid",
                                               "mean-points-forget_gate", "mean-points-label-forget_gate"]
    assert labels(mean_points, "mean-points-label-") == ["2.62 / 3", "1 / 4"]
    for chart in (histogram, pass_rate, mean_points):  # bars are rectangles, numbers are text
        assert {element.tag for name, element in by_id(chart).items()} == {f"{SVG}rect", f"{SVG}text"}
        assert {element.tag for name, element in by_id(chart).items() if "label" in name or "count" in name} == {
            f"{SVG}text"}
    every = [name for chart in (histogram, pass_rate, mean_points) for name in by_id(chart)]
    assert len(every) == len(set(every)) == 10 + 3 + 4 + 4  # no id of one chart in another


def test_the_histogram_bars_are_as_tall_as_their_counts_and_the_axes_say_what_they_count() -> None:
    counts = [0, 3, 5, 9, 14, 25, 38, 52, 40, 14]
    histogram = [{"from": 12 * index, "to": 12 * (index + 1), "count": count} for index, count in enumerate(counts)]
    svg = charts.histogram_svg(histogram, 120)
    found = by_id(svg)
    bars = [found[f"score-bin-{index}"] for index in range(10)]
    unit, step = size(bars[7], "height") / 52, size(bars[1], "x") - size(bars[0], "x")
    assert unit * 52 > 100 and step > 30
    assert [size(bar, "height") for bar in bars] == pytest.approx([count * unit for count in counts], abs=0.02)
    assert len({round(size(bar, "y") + size(bar, "height"), 1) for bar in bars}) == 1  # on one baseline
    assert [size(bar, "x") - size(bars[0], "x") for bar in bars] == pytest.approx(
        [index * step for index in range(10)], abs=0.02)
    assert [size(bar, "width") for bar in bars] == pytest.approx([0.92 * step] * 10, abs=0.02)
    assert [f"score-count-{index}" in found for index in range(10)] == [count > 0 for count in counts]
    assert [found[f"score-count-{index}"].text for index in range(1, 10)] == [str(count) for count in counts[1:]]
    drawn = texts(svg)
    axis = drawn.index("score (out of 120)")
    assert drawn[axis - 11:axis] == [str(12 * index) for index in range(11)]  # the bins' starts and the maximum
    assert drawn[axis + 1:] == ["0", "20", "40", "60", "students"]  # whole counts up to the tallest bar's
    assert "52 from 84 to 96" in ElementTree.fromstring(svg).get("aria-label", "")


def test_an_empty_histogram_still_has_its_axes() -> None:
    svg = charts.histogram_svg([], 100.0)
    assert by_id(svg) == {}
    assert {"0", "100", "1", "score (out of 100)", "students"} <= set(texts(svg))
    assert "none graded" in ElementTree.fromstring(svg).get("aria-label", "")


def test_a_pass_rate_bar_is_its_share_of_the_track_and_says_its_percentage() -> None:
    svg = charts.pass_rate_svg(["half", "full", "none", "fifth"], [0.5, 1.0, 0.0, 0.4])
    root = ElementTree.fromstring(svg)
    found = by_id(root)
    tracks = [element for element in root.iter(f"{SVG}rect") if element.get("fill") == charts.TRACK]
    full = size(found["pass-rate-full"], "width")
    assert full > 150 and {size(track, "width") for track in tracks} == {full}
    assert [size(found[f"pass-rate-{name}"], "width") / full for name in ("half", "none", "fifth")] == \
        pytest.approx([0.5, 0.0, 0.4])
    assert [found[f"pass-rate-label-{name}"].text for name in ("half", "full", "none", "fifth")] == [
        "50%", "100%", "0%", "40%"]
    half = found["pass-rate-half"]
    assert size(found["pass-rate-label-half"], "x") > size(half, "x") + size(half, "width")
    assert [size(found[f"pass-rate-{name}"], "y") for name in ("half", "full")] == sorted(
        size(found[f"pass-rate-{name}"], "y") for name in ("half", "full"))  # the first part on top
    drawn = [element for element in root.iter(f"{SVG}text")]
    axis = [element.text for element in drawn].index("pass rate")
    assert [element.text for element in drawn[axis - 5:axis]] == ["0", "25", "50", "75", "100%"]
    assert [size(element, "x") - size(tracks[0], "x") for element in drawn[axis - 5:axis]] == pytest.approx(
        [0, full / 4, full / 2, 3 * full / 4, full], abs=0.02)  # the ticks under the shares they name
    assert {"half", "full", "none", "fifth"} <= set(texts(svg))
    assert root.get("role") == "img" and "half 50%" in root.get("aria-label", "")


def test_a_mean_points_bar_is_its_share_of_the_part_and_says_mean_and_points() -> None:
    svg = charts.mean_points_svg(["cell", "gate", "nothing"], [2.5, 1.0 / 3, 0.0], [4.0, 2.0, 0.0])
    root = ElementTree.fromstring(svg)
    found = by_id(root)
    tracks = [element for element in root.iter(f"{SVG}rect") if element.get("fill") == charts.TRACK]
    assert [size(track, "width") / size(tracks[0], "width") for track in tracks] == pytest.approx([1, 0.5, 0])
    bars = [size(found[f"mean-points-{name}"], "width") for name in ("cell", "gate", "nothing")]
    assert [bar / size(tracks[0], "width") for bar in bars] == pytest.approx([2.5 / 4, 1 / 12, 0], abs=1e-4)
    assert [found[f"mean-points-label-{name}"].text for name in ("cell", "gate", "nothing")] == [
        "2.5 / 4", "0.333 / 2", "0 / 0"]
    assert size(found["mean-points-label-cell"], "x") > size(tracks[0], "x") + size(tracks[0], "width")
    assert {"0", "1", "2", "3", "4", "mean points (grey: the part's points)"} <= set(texts(svg))
    zero = by_id(charts.mean_points_svg(["only"], [0.0], [0.0]))  # every part worth 0: no division by zero
    assert size(zero["mean-points-only"], "width") == 0 and zero["mean-points-label-only"].text == "0 / 0"


def test_the_bar_charts_grow_a_row_per_part_and_leave_room_for_long_names() -> None:
    def view(svg: str) -> list[float]:
        return [float(number) for number in ElementTree.fromstring(svg).get("viewBox", "").split()]

    names = [f"part_{index:02d}" for index in range(21)]
    one, many = view(charts.pass_rate_svg(names[:1], [1.0])), view(charts.pass_rate_svg(names, [0.5] * 21))
    assert one[2] == many[2] == 480 and many[3] - one[3] == pytest.approx(20 * 23)
    long = "lstm_backward_through_time_and_then_some_more"
    found = by_id(charts.mean_points_svg(["short", long], [1.0, 2.0], [2.0, 2.0]))
    assert size(found["mean-points-short"], "x") >= 5.5 * len(long)
    assert view(charts.mean_points_svg(["x" * 200], [1.0], [1.0]))[2] > 480  # the plot keeps its width


def test_every_text_and_id_in_a_chart_is_escaped() -> None:
    name = 'a<&>"b'
    for svg in (charts.pass_rate_svg([name], [0.5]), charts.mean_points_svg([name], [1.0], [2.0])):
        assert "<&>" not in svg and "a&lt;&amp;&gt;&quot;b" in svg
        found = by_id(svg)
        assert name in texts(svg) and any(key.endswith(f"-{name}") for key in found)
        assert name in ElementTree.fromstring(svg).get("aria-label", "")


def test_the_page_has_its_three_charts_and_their_numbers_as_tables_without_a_plotting_package() -> None:
    html = dashboard()
    assert html.count("<svg") == 3 and 'id="histogram-table"' in html and 'id="hardest"' in html
    # the batch writes this page at its end: no plotting package may be imported for it
    script = ("import sys; sys.path.insert(0, 'tests'); import test_dashboard; test_dashboard.dashboard(); "
              "print(sorted(name for name in sys.modules if name.split('.')[0] in ('matplotlib', 'PIL')))")
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parent.parent)
    assert shown.stdout.strip() == "[]", shown.stdout
