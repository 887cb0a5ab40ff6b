"""One student's feedback file, in Markdown or HTML, from their report's JSON.

Plain text with the words PASS/FAIL always present; no terminal codes. Works
from the contract's dict (not the Report object) so a feedback file can be
re-made from a saved JSON report. Every string in the report may come from the
student (exception messages, printed output): the caller passes a report
already cleaned with grader.sandbox.safe_text.clean_tree at the edge (the batch does,
for reports it grades and reports it reads back), and this module escapes it
for Markdown and HTML.
"""
from __future__ import annotations

import html
import re
from typing import Any

STATUS_WORDS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "timeout": "TIMEOUT", "missing": "MISSING"}


def status_word(status: str) -> str:
    return STATUS_WORDS.get(status, status)


def points(value: float) -> str:
    return f"{value:g}"


# "<" that could open an HTML tag, comment or processing instruction in a Markdown viewer
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def markdown_cell(text: str) -> str:
    """Text on one line of a Markdown table or list: no table breaks, no raw HTML."""
    return _TAG_START.sub(r"\\<", text.replace("|", "\\|").replace("\n", " "))


def markdown_code(text: str) -> str:
    """Text as inline code (no HTML inside); a backtick in it would end the code span early."""
    return "`" + text.replace("\n", " ").replace("`", "'") + "`"


def render_markdown(student: str, report: dict[str, Any]) -> str:
    lines = [f"# Feedback for {markdown_cell(student)}", "",
             f"Score: **{points(report['score'])} / {points(report['max_score'])}**"
             + (f", bonus {points(report['bonus'])} / {points(report['max_bonus'])}" if report.get("max_bonus") else ""),
             "", "| part | result | points |", "| --- | --- | --- |"]
    for part in report["parts"]:
        lines.append(f"| {markdown_cell(part['name'])} | {markdown_cell(status_word(part['status']))} "
                     f"| {points(part['score'])} / {points(part['max_score'])} |")
    unfinished = [part for part in report["parts"] if part["status"] != "pass"]
    if unfinished:
        lines += ["", "## What to fix", ""]
    for part in unfinished:
        lines += [f"### {markdown_cell(part['name'])}: {markdown_cell(status_word(part['status']))}", ""]
        lines += [f"- {markdown_cell(message)}" for message in part["messages"]]
        if part.get("diagnosis"):
            lines.append(f"- looks like: {markdown_code(part['diagnosis'])}")
        if part.get("hint"):
            lines.append(f"- hint: {markdown_cell(part['hint'])}")
        lines.append("")
    if report.get("isolation"):
        lines += ["", f"_Graded in: {markdown_cell(report['isolation'])}_"]
    return "\n".join(lines).rstrip() + "\n"


def render_html(student: str, report: dict[str, Any]) -> str:
    escape = html.escape
    rows = "\n".join(
        f"<tr><td>{escape(part['name'])}</td><td>{escape(status_word(part['status']))}</td>"
        f"<td>{points(part['score'])} / {points(part['max_score'])}</td></tr>" for part in report["parts"])
    details = []
    for part in report["parts"]:
        if part["status"] == "pass":
            continue
        items = [f"<li>{escape(message)}</li>" for message in part["messages"]]
        if part.get("diagnosis"):
            items.append(f"<li>looks like: <code>{escape(part['diagnosis'])}</code></li>")
        if part.get("hint"):
            items.append(f"<li>hint: {escape(part['hint'])}</li>")
        details.append(f"<h3>{escape(part['name'])}: {escape(status_word(part['status']))}</h3>"
                       f"<ul>{''.join(items)}</ul>")
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>Feedback for {escape(student)}</title></head><body>\n"
            f"<h1>Feedback for {escape(student)}</h1>\n"
            f"<p>Score: <strong>{points(report['score'])} / {points(report['max_score'])}</strong></p>\n"
            f"<table><tr><th>part</th><th>result</th><th>points</th></tr>\n{rows}\n</table>\n"
            + "\n".join(details)
            + (f"\n<p><em>Graded in: {escape(report['isolation'])}</em></p>" if report.get("isolation") else "")
            + "\n</body></html>\n")


def render_feedback(student: str, report: dict[str, Any], kind: str = "md") -> str:
    """The feedback file for one student's (cleaned) report."""
    if kind == "html":
        return render_html(student, report)
    if kind == "md":
        return render_markdown(student, report)
    raise ValueError(f"feedback format must be md or html, not {kind!r}")
