"""The class files: the gradebook (grades.csv) and what the class got wrong.

Computed from the saved per-student JSON reports, so they can be re-made at any
time: score histogram, pass rate and mean points per part (counted by
grader/report/class_stats.py), common diagnoses. `diagnosis` ids come from the
mistake catalogue; parts without one are summarised by status. summary.html,
the same summary as a page, is grader/report/dashboard.py.

A student is in one of three groups: graded (a report), not gradable (the
submission could not be read: the student's doing, final) and not graded:
grader error (the grader or the machine failed: nothing is recorded, the next
run grades them). summary.md also says what the last run did (its "run"
counts: graded, already done, not gradable, grader errors, skipped), each
entry of the input that was skipped and why, which id is whose when a
name had to be changed to make a safe id, and how many submissions each
isolation graded (its mode, then each layer, the resource limits by value).
Every cell of grades.csv that holds text goes through
grader.sandbox.safe_text.spreadsheet_cell, so no student id or reason runs as a formula.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

from grader.report.class_stats import part_statistics
from grader.report.feedback import markdown_cell, markdown_code
from grader.lstm import all_parts
from grader.sandbox.launch import isolation_layers
from grader.sandbox.safe_text import spreadsheet_cell

HISTOGRAM_BINS = 10
PLAIN_STATUSES = {"pass", "fail", "missing"}


def not_gradable(reason: str) -> str:
    return f"not gradable: {reason}"


def grader_error(reason: str) -> str:
    return f"not graded: grader error ({reason})"


def gradebook_csv(students: list[str], reports: dict[str, dict[str, Any]], failures: dict[str, str],
                  grader_errors: dict[str, str] | None = None) -> str:
    """grades.csv: student, one column per part of the registry, total, bonus, status.

    A student the grader failed on has no points at all (not 0), so the row
    cannot be mistaken for a grade.
    """
    grader_errors = grader_errors or {}
    names = [part.name for part in all_parts()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *names, "total", "bonus", "status"])
    for student in students:
        cell = spreadsheet_cell(student)
        if student in grader_errors:
            writer.writerow([cell, *[""] * len(names), "", "", spreadsheet_cell(grader_error(grader_errors[student]))])
        elif student in reports:
            report = reports[student]
            scores = {part["name"]: part["score"] for part in report["parts"]}
            writer.writerow([cell, *[format_points(scores.get(name)) for name in names],
                             format_points(report["score"]), format_points(report["bonus"]),
                             spreadsheet_cell(graded_status(report))])
        elif student in failures:
            writer.writerow([cell, *[""] * len(names), "0", "0", spreadsheet_cell(not_gradable(failures[student]))])
    return buffer.getvalue()


def graded_status(report: dict[str, Any]) -> str:
    """'graded', or 'graded (error, timeout)' when some parts did not run to an answer."""
    unusual = {part["status"] for part in report["parts"]} - PLAIN_STATUSES
    return "graded" + (f" ({', '.join(sorted(unusual))})" if unusual else "")


def format_points(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


def summarise(reports: dict[str, dict[str, Any]], failures: dict[str, str],
              grader_errors: dict[str, str] | None = None) -> dict[str, Any]:
    """A JSON-ready summary of graded reports (by student), ungradable entries and grader errors."""
    grader_errors = grader_errors or {}
    totals = [float(report["score"]) for report in reports.values()]
    max_score = max((float(report["max_score"]) for report in reports.values()), default=100.0) or 100.0
    width = max_score / HISTOGRAM_BINS
    histogram = [0] * HISTOGRAM_BINS
    for total in totals:
        histogram[min(int(total // width), HISTOGRAM_BINS - 1)] += 1
    return {
        "students": len(reports) + len(failures) + len(grader_errors),
        "graded": len(reports),
        "ungradable": dict(sorted(failures.items())),
        "grader_errors": dict(sorted(grader_errors.items())),
        "mean": round(sum(totals) / len(totals), 3) if totals else None,
        "histogram": [{"from": round(index * width, 3), "to": round((index + 1) * width, 3), "count": count}
                      for index, count in enumerate(histogram)],
        "parts": {name: {"pass_rate": round(entry.pass_rate, 4), "mean_points": round(entry.mean_points, 3),
                         "max_points": entry.max_points, "statuses": dict(entry.statuses),
                         "diagnoses": entry.diagnoses.most_common(5)}
                  for name, entry in part_statistics(reports).items()},
        "isolation": dict(Counter(report.get("isolation", "") for report in reports.values())),
    }


def render_summary_markdown(summary: dict[str, Any]) -> str:
    """summary.md: counts, the score histogram, a table of parts, who was not graded and why."""
    lines = ["# Class summary", "", headline(summary), ""]
    if summary.get("run"):
        lines += [run_line(summary["run"]), ""]
    lines += ["## Scores", "", "| score | students | |", "| --- | --- | --- |"]
    peak = max((row["count"] for row in summary["histogram"]), default=0) or 1
    for row in summary["histogram"]:
        bar = "#" * round(20 * row["count"] / peak)
        lines.append(f"| {row['from']:g}-{row['to']:g} | {row['count']} | `{bar}` |")
    lines += ["", "## Parts", "", "| part | pass rate | not passed | most common mistakes |",
              "| --- | --- | --- | --- |"]
    for name, part in summary["parts"].items():
        not_passed = ", ".join(f"{status} {count}" for status, count in sorted(part["statuses"].items())
                               if status != "pass") or "-"
        mistakes = ", ".join(f"`{diagnosis}` ({count})" for diagnosis, count in part["diagnoses"]) or "-"
        lines.append(f"| {name} | {part['pass_rate'] * 100:.0f}% | {not_passed} | {mistakes} |")
    return "\n".join(lines + not_graded_lines(summary) + input_lines(summary)) + "\n"


def run_line(run: dict[str, int]) -> str:
    """What the last run did, every entry of the input counted once."""
    return (f"This run: {run['graded']} graded, {run['already_done']} already done, "
            f"{run['not_gradable']} not gradable, {run['grader_errors']} not graded: grader error, "
            f"{run['skipped']} skipped.")


def not_graded_lines(summary: dict[str, Any]) -> list[str]:
    """The students not gradable and not graded, with the reasons."""
    lines: list[str] = []
    if summary["ungradable"]:
        lines += ["", "## Not gradable", "", "The submission could not be read (the student's to fix).", ""]
        lines += [f"- {student}: {markdown_cell(reason)}" for student, reason in summary["ungradable"].items()]
    if summary.get("grader_errors"):
        lines += ["", "## Not graded: grader error", "",
                  "The grader or the machine failed; nothing was recorded, and running the batch again "
                  "(without --force) grades these students.", ""]
        lines += [f"- {student}: {markdown_cell(reason)}" for student, reason in summary["grader_errors"].items()]
    return lines


def input_lines(summary: dict[str, Any]) -> list[str]:
    """What was skipped in the input, which id is whose, and the isolation levels used."""
    lines: list[str] = []
    if summary.get("skipped"):
        lines += ["", "## Skipped", "", "Entries of the submissions that are not graded, and why.", ""]
        lines += [f"- {markdown_cell(note)}" for note in summary["skipped"]]
    if summary.get("input_notes"):
        lines += ["", "## Left out of the input", ""] + [f"- {markdown_cell(note)}" for note in summary["input_notes"]]
    if summary.get("renamed"):
        lines += ["", "## Student ids", "", "Names that are not safe file names get an id of their own.", "",
                  "| id | entry |", "| --- | --- |"]
        lines += [f"| {markdown_code(student)} | {markdown_cell(name)} |"
                  for student, name in sorted(summary["renamed"].items())]
    if summary["isolation"]:
        lines += ["", "## Isolation", "", "How the children that ran the student code were held in."]
        for isolation, count in summary["isolation"].items():
            lines += ["", *isolation_lines(isolation, count)]
    return lines


def isolation_lines(isolation: str, count: int) -> list[str]:
    """One isolation the reports record, with how many were graded in it: its mode, then a line per layer."""
    submissions = f"{count} submission{'s' if count != 1 else ''}"
    if not isolation:
        return [f"{submissions}: isolation not recorded"]
    mode, layers = isolation_layers(isolation)
    return [f"{submissions} graded in {markdown_cell(mode)} mode:", "",
            *(f"- {markdown_cell(layer)}" for layer in layers)]


def headline(summary: dict[str, Any]) -> str:
    """The first line: how many were graded, not gradable, and not graded because of a grader error."""
    mean = f", mean score {summary['mean']:g}" if summary["mean"] is not None else ""
    return (f"{summary['graded']} of {summary['students']} submissions graded{mean}; "
            f"{len(summary['ungradable'])} not gradable, "
            f"{len(summary.get('grader_errors', {}))} not graded: grader error.")
