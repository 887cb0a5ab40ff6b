"""Renderers of a `Report`: the rich terminal view, plain text and JSON.

This is the only module that imports rich. Renderers draw; they never decide a
verdict. The words PASS/FAIL/... are always printed, so colour never carries
meaning alone.
"""
from __future__ import annotations

import json
import os
from typing import IO

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from grader.results import GradientRow, PartResult, Report

STATUS_STYLE = {"pass": "bold green", "fail": "bold red", "error": "bold magenta",
                "timeout": "bold yellow", "missing": "dim"}


def points(value: float) -> str:
    return f"{value:g}"


def render_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2)


def gradient_line(rows: tuple[GradientRow, ...]) -> str:
    failing = [row for row in rows if not row.ok]
    shown = failing or list(rows)
    return "  ".join(f"{row.name} {error_text(row)}" for row in shown[:8])


def error_text(row: GradientRow) -> str:
    value = row.vs_reference if row.vs_reference is not None else row.vs_numerical
    return "-" if value is None else f"{value:.1e}"


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


def render_plain(report: Report) -> str:
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
        if part.diagnosis:
            lines.append(f"  looks like: {part.diagnosis}")
        if part.output:
            lines.append("  your code printed: " + part.output.strip().replace("\n", "\n    ")[:500])
        if part.hint:
            lines.append(f"  hint: {part.hint}")
        lines.append(f"  next: lstm-grader hint {part.name}")
    lines.append("")
    lines.append(summary_line(report))
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
    body: list = [Text(message) for message in part.messages]
    if part.mismatch is not None:
        body.append(Text.assemble(("expected ", "green"), f"{part.mismatch.output}: {part.mismatch.expected}"))
        body.append(Text.assemble(("got      ", "red"), f"{part.mismatch.output}: {part.mismatch.got}"))
    if part.gradients:
        body.append(gradient_table(part.gradients))
    if part.diagnosis:
        body.append(Text.assemble(("looks like: ", "bold yellow"), part.diagnosis))
    if part.output:
        body.append(Text("your code printed: " + part.output.strip()[:500], style="dim"))
    if part.hint:
        body.append(Text.assemble(("hint: ", "bold cyan"), part.hint))
    body.append(Text.assemble(("next: ", "bold"), f"lstm-grader hint {part.name}"))
    title = Text.assemble((part.name, "bold"), "  ", status_text(part.status),
                          f"  {points(part.score)}/{points(part.max_score)}")
    return Panel(Group(*body), title=title, title_align="left",
                 border_style=STATUS_STYLE.get(part.status, "").replace("bold ", ""))


def render_rich(report: Report, console: Console) -> None:
    for note in report.notes:
        console.print(Text.assemble(("note: ", "bold yellow"), note))
    console.print(parts_table(report))
    for part in report.parts:
        if part.status not in ("pass", "missing"):
            console.print(failure_panel(part))
    console.print(Text(summary_line(report), style="bold"))
    upcoming = next_part(report)
    if upcoming is not None:
        console.print(Text.assemble("next part to work on: ", (upcoming.name, "bold cyan")))


def wants_plain(stream: IO[str]) -> bool:
    """Plain text when NO_COLOR is set or the stream is not a terminal."""
    if os.environ.get("NO_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty())


def render_report(report: Report, stream: IO[str], *, force_terminal: bool | None = None) -> None:
    if force_terminal is None and wants_plain(stream):
        stream.write(render_plain(report))
        return
    render_rich(report, Console(file=stream, force_terminal=force_terminal, highlight=False))
