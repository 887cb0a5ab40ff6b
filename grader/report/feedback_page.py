"""One student's feedback as a page: `batch --feedback html` writes one per student.

Drawn from the same `ReportView` as every other renderer
(grader/report/part_view.py) by the template templates/feedback.html: the
score and the bonus at the top, a row per part with its status as a word and a
colour, a panel that opens for each part that did not pass (the check that
failed, the diagnosis, expected against got, the gradient table, the hint and
the command to run next), and the passing parts folded away. The page is one
file that needs nothing else: no network, no JavaScript needed (the panels are
<details>), and it prints with every panel open. Text from the student is
escaped by the template (grader/report/html_page.py).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from grader.report.html_page import render_body, render_page
from grader.report.part_view import (GRADIENT_COLUMNS, GradientLine, Line, PartView, ReportView, around_gradients,
                                     shown_gradients)


BOXES = {"diagnosis": "diagnosis", "expected": "values", "got": "values"}  # kinds drawn together in one box


@dataclass(frozen=True)
class Block:
    """Consecutive lines drawn together: the diagnosis in one box, expected against got in another."""

    box: str  # "diagnosis", "values", or "" for lines that stand alone
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Panel:
    """A part that did not pass, as its panel shows it: the blocks before the gradient table, the rows, the rest."""

    part: PartView
    anchor: str
    before: tuple[Block, ...]
    gradients: tuple[GradientLine, ...]
    after: tuple[Block, ...]


def blocks(lines: list[Line]) -> tuple[Block, ...]:
    """The lines in reading order, those of one box together."""
    return tuple(Block(box, tuple(group))
                 for box, group in itertools.groupby(lines, key=lambda line: BOXES.get(line.kind, "")))


def anchor(part: PartView) -> str:
    """The id of a part's panel, for the links of the table."""
    return f"part-{part.name}"


def panel(part: PartView) -> Panel:
    before, after = around_gradients(part.lines(with_mistake=True))
    return Panel(part, anchor(part), blocks(before), shown_gradients(part), blocks(after))


def panels(view: ReportView) -> list[Panel]:
    """A panel for each started part that did not pass (an untouched stub is in the not-started line)."""
    return [panel(part) for part in view.started_parts if part.status != "pass"]


def page_context(student: str, view: ReportView) -> dict[str, Any]:
    failing = panels(view)
    return {"student": student, "view": view, "panels": failing, "gradient_columns": GRADIENT_COLUMNS,
            "anchors": {item.part.name: item.anchor for item in failing},
            "passing": [part for part in view.parts if part.status == "pass"]}


def render_feedback_page(student: str, view: ReportView) -> str:
    """The feedback page of `student`, from the view of their (cleaned) report."""
    return render_page("feedback.html", "print_open.js", **page_context(student, view))


def render_feedback_body(student: str, view: ReportView) -> str:
    """The same page's body alone, without the failing parts' panels, for Gradescope's results.json
    (output_format "html"): there each part's own test box shows what its panel would, said once."""
    return str(render_body("feedback.html", **{**page_context(student, view), "panels": [], "anchors": {}}))
