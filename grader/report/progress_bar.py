"""Batch progress: a rich bar with rate and ETA on a terminal, plain lines otherwise.

A renderer like grader/report/terminal.py: it draws progress and decides nothing. The
student id and the outcome may hold text a student controls (an exception
message), so the line is cleaned to one bounded line without escape sequences, and
rich markup in them is never interpreted.
"""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from grader.sandbox.safe_text import clean_text

LINE_LIMIT = 300


def progress_line(student: str, outcome: str) -> str:
    """`student: outcome` as one safe line for the terminal."""
    return clean_text(f"{student}: {outcome}", LINE_LIMIT).replace("\n", " ").replace("\t", " ")


class PlainProgress:
    """One line per finished submission: count, student, score, rate, ETA."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.done = total, stream, 0
        self.started = time.monotonic()

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass

    def advance(self, student: str, outcome: str) -> None:
        self.done += 1
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0.0
        print(f"[{self.done}/{self.total}] {progress_line(student, outcome)}  ({rate:.2f}/s, ETA {eta:.0f}s)",
              file=self.stream, flush=True)


class RichProgress:
    """A bar with count, rate, ETA and the last finished submission, for a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), TextColumn("{task.fields[last]}", markup=False),
                                 console=Console(file=stream))
        self.task = self.progress.add_task("grading", total=total, rate="", last="")
        self.started = time.monotonic()
        self.done = 0

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def advance(self, student: str, outcome: str) -> None:
        self.done += 1
        rate = self.done / max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, advance=1, rate=f"{rate:.2f}/s", last=progress_line(student, outcome))


def make_progress(total: int, stream: TextIO | None = None) -> Any:
    """A rich bar on a terminal, plain lines otherwise (CI, a pipe)."""
    stream = stream or sys.stderr
    if stream.isatty():
        return RichProgress(total, stream)
    return PlainProgress(total, stream)
