"""Batch progress: a rich bar with rate and ETA on a terminal, plain lines otherwise.

A renderer like grader/report/terminal.py: it draws progress and decides nothing. The
student id and the outcome may hold text a student controls (an exception
message), so the line is cleaned to one bounded line without escape sequences, and
rich markup in them is never interpreted.

The ETA is shown only once ETA_AFTER submissions have finished: before that the
rate rests on one or two students (with --jobs N the first N finish together)
and the estimate says nothing. It is the rest divided by the rate so far, so
it is never shown for the last one either.
"""
from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from grader.sandbox.safe_text import clean_text

LINE_LIMIT = 300
ETA_AFTER = 5  # submissions finished before an ETA is shown


def eta_text(done: int, total: int, elapsed: float) -> str:
    """The ETA ("ETA 1m05s") once the rate means something and some are left, else ""."""
    if done < ETA_AFTER or done >= total:
        return ""
    seconds = round((total - done) * elapsed / done)
    minutes, seconds = divmod(seconds, 60)
    return f"ETA {minutes}m{seconds:02d}s" if minutes else f"ETA {seconds}s"


def progress_line(student: str, outcome: str) -> str:
    """`student: outcome` as one safe line for the terminal."""
    return clean_text(f"{student}: {outcome}", LINE_LIMIT).replace("\n", " ").replace("\t", " ")


class PlainProgress:
    """One line per finished submission: count, student, score, rate and (after a few) ETA."""

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
        timing = ", ".join(filter(None, [f"{self.done / elapsed:.2f}/s", eta_text(self.done, self.total, elapsed)]))
        print(f"[{self.done}/{self.total}] {progress_line(student, outcome)}  ({timing})", file=self.stream, flush=True)


class RichProgress:
    """A bar with count, rate, elapsed time, (after a few) ETA and the last finished submission."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                                 TextColumn("{task.fields[eta]}", markup=False),
                                 TextColumn("{task.fields[last]}", markup=False), console=Console(file=stream))
        self.task = self.progress.add_task("grading", total=total, rate="", eta="", last="")
        self.total = total
        self.started = time.monotonic()
        self.done = 0

    def __enter__(self) -> RichProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def advance(self, student: str, outcome: str) -> None:
        self.done += 1
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, advance=1, rate=f"{self.done / elapsed:.2f}/s",
                             eta=eta_text(self.done, self.total, elapsed), last=progress_line(student, outcome))


def make_progress(total: int, stream: TextIO | None = None) -> Any:
    """A rich bar on a terminal, plain lines otherwise (CI, a pipe)."""
    stream = stream or sys.stderr
    if stream.isatty():
        return RichProgress(total, stream)
    return PlainProgress(total, stream)
