"""Renderers of a `Report`: the rich terminal view, plain text and JSON.

Both views draw the same `PartView` (grader/report/part_view.py), so they say
the same words; rich adds colour by the kind of each line. Renderers draw; they
never decide a verdict. The words PASS/FAIL/... are always printed, so colour
never carries meaning alone.
"""
from __future__ import annotations

import os
import textwrap
from typing import IO, TYPE_CHECKING, Sequence

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.engine.results import Report
from grader.report.part_view import (GRADIENT_COLUMNS, GradientLine, Line, PartView, ReportView, around_gradients,
                                     points, report_view, shown_gradients, text_lines)

if TYPE_CHECKING:  # a type only: report/ sits below student/ and must not import it at run time
    from grader.student.workspace import ProgressView

STATUS_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold magenta",
                "timeout": "bold yellow", "missing": "dim"}
LINE_STYLE = {"diagnosis": "yellow", "printed": "dim"}
LABEL_STYLE = {"expected": "green", "got": "red", "hint": "bold cyan", "next": "bold"}


PLAIN_WIDTH = 100  # the grouped line of untouched stubs, wrapped for pipes and files


def render_plain(report: Report, progress: ProgressView | None = None) -> str:
    """Plain text for pipes, files and NO_COLOR: the same content as the terminal view."""
    view = report_view(report)
    lines = [f"lstm-grader: {view.submission}"]
    lines += [f"note: {note}" for note in view.notes]
    width = max((len(part.name) for part in view.parts), default=10)
    lines += [f"{part.name:<{width}}  {part.status_word:<7}  {part.points:>5}  {part.reason}"
              for part in view.started_parts]
    if view.not_started_line:
        lines += textwrap.wrap(view.not_started_line, PLAIN_WIDTH, subsequent_indent="  ")
    for part in view.parts:
        if part.detailed:
            lines += ["", part.heading, *text_lines(part)]
    lines += ["", view.summary]
    if progress is not None:
        lines += progress_lines(progress)
    elif view.next_part is not None:
        lines.append(f"next part to work on: {view.next_part.name}")
    return "\n".join(lines) + "\n"


def status_text(part: PartView) -> Text:
    return Text(part.status_word, style=STATUS_STYLE.get(part.status, ""))


def parts_table(view: ReportView) -> Table:
    table = Table(title=f"lstm-grader  {view.submission}", title_justify="left", expand=False)
    table.add_column("part", style="bold")
    table.add_column("group", style="dim")
    table.add_column("status")
    table.add_column("points", justify="right")
    table.add_column("reason", overflow="fold")
    for part in view.started_parts:
        table.add_row(part.name, part.group, status_text(part), part.points, Text(part.reason))  # never markup
    return table


def gradient_table(rows: tuple[GradientLine, ...]) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False)
    for number, heading in enumerate(GRADIENT_COLUMNS):
        table.add_column(heading, justify="right" if number in (1, 2) else "left")
    for row in rows:
        style = "green" if row.ok else "red"
        table.add_row(row.name, Text(row.vs_reference, style=style), Text(row.vs_numerical, style=style),
                      Text(row.verdict, style=style))
    return table


def line_text(line: Line) -> Text:
    """A line of the view; its kind picks the colour of its label or of the whole line."""
    return Text.assemble((line.label, LABEL_STYLE.get(line.kind, "")), line.text,
                         style=LINE_STYLE.get(line.kind, ""))


def failure_panel(part: PartView) -> Panel:
    before, after = around_gradients(part.lines())
    body: list[RenderableType] = [line_text(line) for line in before]
    if shown_gradients(part):
        body.append(gradient_table(part.gradients))
    body += [line_text(line) for line in after]
    title = Text.assemble((part.name, "bold"), "  ", status_text(part), f"  {part.points}")
    return Panel(Group(*body), title=title, title_align="left",
                 border_style=STATUS_STYLE.get(part.status, "").replace("bold ", ""))


def progress_lines(progress: ProgressView) -> list[str]:
    """What changed since the last run, the record so far, and the next part, as plain lines."""
    lines = []
    if progress.newly_passing:
        lines.append(f"now passing: {', '.join(progress.newly_passing)}")
    if progress.newly_failing:
        lines.append(f"no longer passing: {', '.join(progress.newly_failing)}")
    if progress.score_before is not None and progress.score_before != progress.score_now:
        lines.append(f"since the last run: score {points(progress.score_before)} -> {points(progress.score_now)}")
    best = f"best score {points(progress.best_score)} / {points(progress.max_score)}"
    if progress.best_on:
        best += f" on {progress.best_on}"
    lines.append(f"progress: {progress.passing} of {progress.total} parts pass; {best}")
    if progress.next_part is not None:
        lines.append(f"next part to work on: {progress.next_part} (lstm-grader hint {progress.next_part})")
    else:
        lines.append("every part passes: well done")
    return lines


PROGRESS_STYLE = (("now passing: ", "bold green"), ("no longer passing: ", "bold red"),
                  ("next part to work on: ", "bold cyan"), ("every part passes", "bold green"))


def progress_text(line: str) -> Text:
    for prefix, style in PROGRESS_STYLE:
        if line.startswith(prefix):
            return Text.assemble((prefix, style), line[len(prefix):])
    return Text(line)


def render_rich(report: Report, console: Console, progress: ProgressView | None = None) -> None:
    view = report_view(report)
    for note in view.notes:
        console.print(Text.assemble(("note: ", "bold yellow"), note))
    if view.started_parts:
        console.print(parts_table(view))
    if view.not_started_line:
        console.print(Text(view.not_started_line, style="dim"))
    for part in view.parts:
        if part.detailed:
            console.print(failure_panel(part))
    console.print(Text(view.summary, style="bold"))
    if progress is not None:
        for line in progress_lines(progress):
            console.print(progress_text(line))
    elif view.next_part is not None:
        console.print(Text.assemble("next part to work on: ", (view.next_part.name, "bold cyan")))


def wants_plain(stream: IO[str]) -> bool:
    """Plain text when NO_COLOR is set or the stream is not a terminal."""
    if os.environ.get("NO_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty())


def render_report(report: Report, stream: IO[str], *, force_terminal: bool | None = None,
                  progress: ProgressView | None = None) -> None:
    if force_terminal is None and wants_plain(stream):
        stream.write(render_plain(report, progress))
        return
    render_rich(report, Console(file=stream, force_terminal=force_terminal, highlight=False), progress)


def render_markdown(text: str, stream: IO[str], *, force_terminal: bool | None = None,
                    width: int | None = None) -> None:
    """Hints and lessons: rich Markdown on a terminal, the Markdown source itself otherwise."""
    if force_terminal is None and wants_plain(stream):
        stream.write(text if text.endswith("\n") else text + "\n")
        return
    from rich.markdown import Markdown  # late: it costs 50 ms of start-up that check never needs

    Console(file=stream, force_terminal=force_terminal, width=width, highlight=False).print(Markdown(text))


def render_watch_header(saved: Sequence[str], clock: str, stream: IO[str], *,
                        force_terminal: bool | None = None) -> None:
    """The line that opens each re-grade in `lstm-grader watch`."""
    names = ", ".join(sorted({os.path.basename(path) for path in saved}))
    line = f"{clock}  saved {names}: grading again" if names else f"{clock}  grading, then watching for saves"
    if force_terminal is None and wants_plain(stream):
        stream.write(f"--- {line} ---\n")
        return
    Console(file=stream, force_terminal=force_terminal, highlight=False).rule(line, style="dim")
