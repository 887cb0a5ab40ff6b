"""Renderers of a `Report`: the rich terminal view, plain text and JSON.

This is the only module that imports rich. Renderers draw; they never decide a
verdict. The words PASS/FAIL/... are always printed, so colour never carries
meaning alone.
"""
from __future__ import annotations

import json
import os
from typing import IO, Sequence

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.engine.results import GradientRow, PartResult, Report
from grader.student.workspace import ProgressView

DIAGNOSIS_PREFIX = "looks like: "

STATUS_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold magenta",
                "timeout": "bold yellow", "missing": "dim"}


def points(value: float) -> str:
    return f"{value:g}"


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)


def summary_line(report: Report) -> str:
    line = f"score {points(report.score)} / {points(report.max_score)}"
    if report.max_bonus:
        line += f"   bonus {points(report.bonus)} / {points(report.max_bonus)}"
    return line + f"   (seed {report.seed})"


def next_part(report: Report) -> PartResult | None:
    for part in report.parts:
        if part.status != "pass":
            return part
    return None


def render_plain(report: Report, progress: ProgressView | None = None) -> str:
    """Plain text for pipes, files and NO_COLOR: the same content as the terminal view."""
    lines = [f"lstm-grader: {report.submission}"]
    lines += [f"note: {note}" for note in report.notes]
    width = max((len(part.name) for part in report.parts), default=10)
    for part in report.parts:
        score = f"{points(part.score)}/{points(part.max_score)}"
        lines.append(f"{part.name:<{width}}  {part.status.upper():<7}  {score:>5}  {part.reason}")
    for part in report.parts:
        if part.status in ("pass", "missing"):
            continue
        lines.append("")
        lines.append(f"{part.name}  {part.status.upper()}  {points(part.score)}/{points(part.max_score)}")
        lines += [f"  {message}" for message in part.messages]
        if part.mismatch is not None:
            lines.append(f"  expected {part.mismatch.output}: {part.mismatch.expected}")
            lines.append(f"  got      {part.mismatch.output}: {part.mismatch.got}")
        if part.gradients:
            lines.append("  gradients (relative error vs reference / vs numerical of your forward):")
            lines += [f"    {row.name:<9} {fmt(row.vs_reference)}  {fmt(row.vs_numerical)}  "
                      f"{'ok' if row.ok else 'WRONG'}" for row in part.gradients]
        if part.output:
            lines.append("  your code printed: " + part.output.strip().replace("\n", "\n    ")[:500])
        if part.hint:
            lines.append(f"  hint: {part.hint}")
        lines.append(f"  next: lstm-grader hint {part.name}")
    lines.append("")
    lines.append(summary_line(report))
    if progress is not None:
        lines += progress_lines(progress)
    else:
        upcoming = next_part(report)
        if upcoming is not None:
            lines.append(f"next part to work on: {upcoming.name}")
    return "\n".join(lines) + "\n"


def fmt(value: float | None) -> str:
    return "        -" if value is None else f"{value:9.1e}"


def status_text(status: str) -> Text:
    return Text(status.upper(), style=STATUS_STYLE.get(status, ""))


def parts_table(report: Report) -> Table:
    table = Table(title=f"lstm-grader  {report.submission}", title_justify="left", expand=False)
    table.add_column("part", style="bold")
    table.add_column("group", style="dim")
    table.add_column("status")
    table.add_column("points", justify="right")
    table.add_column("reason", overflow="fold")
    for part in report.parts:
        table.add_row(part.name, part.group, status_text(part.status),
                      f"{points(part.score)}/{points(part.max_score)}", part.reason)
    return table


def gradient_table(rows: tuple[GradientRow, ...]) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False)
    table.add_column("gradient")
    table.add_column("vs reference", justify="right")
    table.add_column("vs numerical", justify="right")
    table.add_column("")
    for row in rows:
        style = "green" if row.ok else "red"
        table.add_row(row.name, Text(fmt(row.vs_reference).strip(), style=style),
                      Text(fmt(row.vs_numerical).strip(), style=style),
                      Text("ok" if row.ok else "WRONG", style=style))
    return table


def failure_panel(part: PartResult) -> Panel:
    body: list = [message_text(message) for message in part.messages]
    if part.mismatch is not None:
        body.append(Text.assemble(("expected ", "green"), f"{part.mismatch.output}: {part.mismatch.expected}"))
        body.append(Text.assemble(("got      ", "red"), f"{part.mismatch.output}: {part.mismatch.got}"))
    if part.gradients:
        body.append(gradient_table(part.gradients))
    if part.output:
        body.append(Text("your code printed: " + part.output.strip()[:500], style="dim"))
    if part.hint:
        body.append(Text.assemble(("hint: ", "bold cyan"), part.hint))
    body.append(Text.assemble(("next: ", "bold"), f"lstm-grader hint {part.name}"))
    title = Text.assemble((part.name, "bold"), "  ", status_text(part.status),
                          f"  {points(part.score)}/{points(part.max_score)}")
    return Panel(Group(*body), title=title, title_align="left",
                 border_style=STATUS_STYLE.get(part.status, "").replace("bold ", ""))


def message_text(message: str) -> Text:
    """A message; the diagnosis ("looks like: ...") stands out."""
    if message.startswith(DIAGNOSIS_PREFIX):
        return Text.assemble((DIAGNOSIS_PREFIX, "bold yellow"), message[len(DIAGNOSIS_PREFIX):])
    return Text(message)


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
    for note in report.notes:
        console.print(Text.assemble(("note: ", "bold yellow"), note))
    console.print(parts_table(report))
    for part in report.parts:
        if part.status not in ("pass", "missing"):
            console.print(failure_panel(part))
    console.print(Text(summary_line(report), style="bold"))
    if progress is not None:
        for line in progress_lines(progress):
            console.print(progress_text(line))
        return
    upcoming = next_part(report)
    if upcoming is not None:
        console.print(Text.assemble("next part to work on: ", (upcoming.name, "bold cyan")))


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
