"""A report as the HTML a notebook shows below a test cell.

Draws the same `PartView` as the terminal; every string is escaped, since
messages and printed output may come from the student. No rich, no scripts:
the HTML must survive nbgrader's feedback files as it is.
"""
from __future__ import annotations

from dataclasses import replace
from html import escape

from grader.engine.results import Report
from grader.report.part_view import (GRADIENT_COLUMNS, GradientLine, Line, PartView, around_gradients,
                                     report_view, shown_gradients, without_public_cases)

STATUS_COLOUR = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#8250df", "timeout": "#9a6700",
                 "missing": "#6e7781"}
DIAGNOSIS_COLOUR = "#9a6700"
MUTED_COLOUR = "#6e7781"
HIDDEN_TESTS_LABEL = "hidden tests"  # the label of a test cell's check at the hidden seed (grader.instructor.notebooks)


def line_html(line: Line) -> str:
    """One line of the view; its kind decides the markup, never its words."""
    label, text = escape(line.label), escape(line.text)
    if line.kind == "diagnosis":
        return f"<div style='color:{DIAGNOSIS_COLOUR}'><b>{text}</b></div>"
    if line.kind in ("expected", "got"):
        return f"<div><span style='white-space:pre'>{label}</span><code>{text}</code></div>"
    if line.kind == "printed":
        return f"<div>{label}<pre>{text}</pre></div>"
    if label:
        return f"<div><b>{label}</b>{text}</div>"
    return f"<div>{text}</div>"


def gradient_html(rows: tuple[GradientLine, ...]) -> str:
    heading = "".join(f"<th>{escape(column)}</th>" for column in GRADIENT_COLUMNS)
    cells = "".join(
        f"<tr><td>{escape(row.name)}</td><td>{row.vs_reference}</td><td>{row.vs_numerical}</td>"
        f"<td>{row.verdict if row.ok else f'<b>{row.verdict}</b>'}</td></tr>" for row in rows)
    return f"<table><tr>{heading}</tr>{cells}</table>"


def part_html(part: PartView, label: str = "") -> str:
    """One part: a coloured bar, the heading with its status word, then its lines."""
    colour = STATUS_COLOUR.get(part.status, "#000")
    title = (f"<b>{escape(part.name)}</b> &nbsp;<b style='color:{colour}'>{escape(part.status_word)}</b>"
             f" &nbsp;{escape(part.points)}")
    if label:
        title += f" &nbsp;<i>({escape(label)})</i>"
    before, after = around_gradients(part.lines())
    rows = [line_html(line) for line in before]
    if shown_gradients(part):
        rows.append(gradient_html(part.gradients))
    rows += [line_html(line) for line in after]
    return (f"<div style='border-left:4px solid {colour};padding-left:8px;margin:4px 0'>"
            f"<div>{title}</div>{''.join(rows)}</div>")


def report_html(report: Report, label: str = "") -> str:
    """The whole report for a notebook: its notes, every part, and the seed.

    Under `HIDDEN_TESTS_LABEL` (a test cell's second check) a part lists no public
    case: the cell's first report, just above, shows those.
    """
    if label == HIDDEN_TESTS_LABEL:
        report = replace(report, parts=tuple(without_public_cases(part) for part in report.parts))
    view = report_view(report)
    notes = "".join(f"<div><b>note:</b> {escape(note)}</div>" for note in view.notes)
    parts = "".join(part_html(part, label) for part in view.parts)
    return (f"<div class='lstm-grader-report'>{notes}{parts}"
            f"<div style='color:{MUTED_COLOUR}'>seed {view.seed}</div></div>")
