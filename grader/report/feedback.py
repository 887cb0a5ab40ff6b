"""One student's feedback file, in Markdown or HTML, from their report.

Draws the same `PartView` as the terminal (grader/report/part_view.py), with
the words PASS/FAIL always present and no terminal codes; the HTML page is
grader/report/feedback_page.py. `render_feedback` takes the contract's dict, so
a feedback file can be re-made from a saved JSON report; `render_feedback_view`
takes a `ReportView` (from `report_view(report)` for a Report, which also
carries the diagnosis as data, expected against got and the gradient rows).
Every string in the report may come from the student (exception messages,
printed output): the caller passes a report already cleaned at the edge
(grader.sandbox.safe_text; the batch does, for reports it grades and reports it
reads back), and this module escapes it for Markdown (the page's template
escapes it for HTML).
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from grader.report.feedback_page import render_feedback_page
from grader.report.part_view import Line, ReportView, report_view_from_dict

CODE_KINDS = ("mistake", "expected", "got", "next")  # lines whose text is code or values, shown as code

# "<" that could open an HTML tag, comment or processing instruction in a Markdown viewer
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def markdown_cell(text: str) -> str:
    """Text on one line of a Markdown table or list: no table breaks, no raw HTML."""
    return _TAG_START.sub(r"\\<", text.replace("|", "\\|").replace("\n", " "))


def markdown_code(text: str) -> str:
    """Text as inline code (no HTML inside); a backtick in it would end the code span early."""
    return "`" + text.replace("\n", " ").replace("`", "'") + "`"


def markdown_item(line: Line) -> str:
    text = markdown_code(line.text) if line.kind in CODE_KINDS else markdown_cell(line.text)
    return f"- {markdown_cell(line.label)}{text}"


def render_markdown(student: str, view: ReportView) -> str:
    lines = [f"# Feedback for {markdown_cell(student)}", "",
             f"Score: **{view.score}**" + (f", bonus {view.bonus}" if view.bonus else ""),
             "", "| part | result | points |", "| --- | --- | --- |"]
    lines += [f"| {markdown_cell(part.name)} | {markdown_cell(part.status_word)} | {part.points} |"
              for part in view.parts]
    unfinished = [part for part in view.parts if part.status != "pass"]
    if unfinished:
        lines += ["", "## What to fix", ""]
    for part in unfinished:
        lines += [f"### {markdown_cell(part.name)}: {markdown_cell(part.status_word)}", ""]
        lines += [markdown_item(line) for line in part.lines(with_mistake=True)]
        lines.append("")
    if view.isolation:
        lines += ["", f"_Graded in: {markdown_cell(view.isolation)}_"]
    return "\n".join(lines).rstrip() + "\n"


def render_feedback_view(student: str, view: ReportView, kind: str = "md") -> str:
    """The feedback file for one student's (cleaned) report view."""
    if kind == "html":
        return render_feedback_page(student, view)
    if kind == "md":
        return render_markdown(student, view)
    raise ValueError(f"feedback format must be md or html, not {kind!r}")


def render_feedback(student: str, report: Mapping[str, Any], kind: str = "md") -> str:
    """The feedback file for one student's (cleaned) report in the contract's JSON form."""
    return render_feedback_view(student, report_view_from_dict(report), kind)
