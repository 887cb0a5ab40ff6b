"""The class dashboard, summary.html beside grades.csv: what the class got right and wrong, at a glance.

Drawn by the template templates/dashboard.html from the batch's summary
(grader/report/class_summary.py: the same counts as summary.md and
summary.json) and the saved per-student reports, whose item statistics come
from grader/report/class_stats.py. From the top: who could not be graded and
why, the score histogram, per part the pass rate and the mean points (charts
written as inline SVG, grader/report/charts.py), the most common mistakes with
links to the students who made them, the item statistics (the parts the class
found hardest, the mistakes that explain most lost points), the isolation, and
a table of students, sortable where JavaScript is on, each linking to their
feedback file. Like the feedback page, it is one file that loads nothing.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import quote

from markupsafe import Markup

from grader.report import charts
from grader.report.class_stats import (MistakeStats, PartStats, costliest_mistakes, hardest_parts,
                                       mistake_statistics, part_statistics)
from grader.report.class_summary import graded_status, grader_error, headline, not_gradable, run_line
from grader.report.html_page import render_page
from grader.report.part_view import points
from grader.sandbox.launch import isolation_layers


@dataclass(frozen=True)
class StudentRow:
    """One student of the table: their numbers, or None for one who was not graded."""

    student: str
    feedback: str            # the link to their feedback file, "" when they have none
    score: float | None
    max_score: float | None
    bonus: float | None
    passed: int | None
    parts: int
    status: str
    mistakes: tuple[str, ...]


@dataclass(frozen=True)
class Isolation:
    """One isolation the reports record: how many it graded, its mode and its layers."""

    count: int
    mode: str
    layers: tuple[str, ...]


def feedback_link(student: str, feedback_format: str) -> str:
    """The feedback file of `student`, relative to summary.html."""
    return f"feedback/{quote(student, safe='')}.{feedback_format}"


def student_row(student: str, summary: Mapping[str, Any], reports: Mapping[str, Mapping[str, Any]],
                feedback_format: str) -> StudentRow:
    if student in summary.get("grader_errors", {}):
        return StudentRow(student, "", None, None, None, None, 0, grader_error(summary["grader_errors"][student]), ())
    if student not in reports:
        reason = summary["ungradable"].get(student, "no report")
        return StudentRow(student, "", None, None, None, None, 0, not_gradable(reason), ())
    report = reports[student]
    mistakes = tuple(dict.fromkeys(part["diagnosis"] for part in report["parts"] if part.get("diagnosis")))
    return StudentRow(student, feedback_link(student, feedback_format), float(report["score"]),
                      float(report["max_score"]), float(report["bonus"]),
                      sum(part["status"] == "pass" for part in report["parts"]), len(report["parts"]),
                      graded_status(dict(report)), mistakes)


def isolations(summary: Mapping[str, Any]) -> list[Isolation]:
    found = []
    for isolation, count in summary.get("isolation", {}).items():
        mode, layers = isolation_layers(isolation) if isolation else ("not recorded", ())
        found.append(Isolation(count, mode, layers))
    return found


def chart_images(parts: Mapping[str, PartStats], summary: Mapping[str, Any], max_score: float) -> dict[str, str]:
    """The three charts as inline SVG, or {} before any part was graded."""
    if not parts:
        return {}
    names = list(parts)
    return {"histogram": charts.histogram_svg(summary["histogram"], max_score),
            "pass_rate": charts.pass_rate_svg(names, [part.pass_rate for part in parts.values()]),
            "mean_points": charts.mean_points_svg(names, [part.mean_points for part in parts.values()],
                                                  [part.max_points for part in parts.values()])}


def score_numbers(reports: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The mean, the median and the range of the scores, worded."""
    totals = [float(report["score"]) for report in reports.values()]
    if not totals:
        return {}
    return {"mean": f"{statistics.fmean(totals):.1f}", "median": points(statistics.median(totals)),
            "lowest": points(min(totals)), "highest": points(max(totals))}


def render_dashboard(summary: Mapping[str, Any], reports: Mapping[str, Mapping[str, Any]], students: list[str],
                     feedback_format: str = "md") -> str:
    """summary.html for the class: `summary` from `summarise`, the graded (cleaned) reports by student,
    every student in the order of the gradebook, and the format of their feedback files."""
    parts = part_statistics(reports)
    mistakes: list[MistakeStats] = mistake_statistics(reports)
    max_score = max((float(report["max_score"]) for report in reports.values()), default=100.0) or 100.0
    lost = sum(part.lost for part in parts.values())
    rows = [student_row(student, summary, reports, feedback_format) for student in students]
    images = {name: Markup(svg) for name, svg in chart_images(parts, summary, max_score).items()}
    return render_page("dashboard.html", "sort_table.js", summary=summary, headline=headline(dict(summary)),
                       run_line=run_line(summary["run"]) if summary.get("run") else "", rows=rows,
                       links={row.student: row.feedback for row in rows}, parts=parts,
                       hardest=hardest_parts(parts), mistakes=mistakes, costliest=costliest_mistakes(mistakes),
                       lost=lost, max_score=max_score, scores=score_numbers(reports), charts=images,
                       isolations=isolations(summary),
                       points=points)
