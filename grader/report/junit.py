"""A report as JUnit XML, for CI systems and test dashboards.

One <testcase> per part; a part that did not pass is a <failure> (fail) or an
<error> (error, timeout, missing) whose text is the lines of the part's view
(grader/report/part_view.py); points travel as <properties>.
"""
from __future__ import annotations

from xml.etree import ElementTree

from grader.engine.results import Report
from grader.report.part_view import report_view, text_lines

ERROR_STATUSES = ("error", "timeout", "missing")


def report_to_junit(report: Report, suite_name: str = "lstm-grader") -> str:
    parts = report.parts
    suite = ElementTree.Element("testsuite", {
        "name": suite_name,
        "tests": str(len(parts)),
        "failures": str(sum(part.status == "fail" for part in parts)),
        "errors": str(sum(part.status in ERROR_STATUSES for part in parts)),
        "time": f"{sum(part.seconds for part in parts):.3f}",
    })
    properties = ElementTree.SubElement(suite, "properties")
    for name, value in (("submission", report.submission), ("score", f"{report.score:g}"),
                        ("max_score", f"{report.max_score:g}"), ("bonus", f"{report.bonus:g}"),
                        ("seed", str(report.seed)), ("isolation", report.isolation)):
        ElementTree.SubElement(properties, "property", {"name": name, "value": value})
    for part, view in zip(parts, report_view(report).parts):
        case = ElementTree.SubElement(suite, "testcase", {
            "classname": f"lstm.{part.group}", "name": part.name, "time": f"{part.seconds:.3f}"})
        case_properties = ElementTree.SubElement(case, "properties")
        ElementTree.SubElement(case_properties, "property", {"name": "points", "value": f"{part.score:g}"})
        ElementTree.SubElement(case_properties, "property", {"name": "max_points", "value": f"{part.max_score:g}"})
        if part.status == "pass":
            continue
        tag = "failure" if part.status == "fail" else "error"
        detail = ElementTree.SubElement(case, tag, {
            "message": f"{view.status_word} {view.points}: {view.reason}"[:500], "type": part.status})
        detail.text = "\n".join(text_lines(view, indent="", with_next=False))
    ElementTree.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(suite, encoding="unicode") + "\n"
