"""What a student's call leaves for the report: its output, capped, and its errors and warnings.

Loaded by path in the child (standard library only, like `protocol.py`). The
student's prints go to a `CappedText` while their code runs, never to the
result channel; errors and warnings travel back as short plain text.
"""
from __future__ import annotations

import contextlib
import io
import os
import traceback
import warnings
from typing import Iterator

OUTPUT_LIMIT = 20_000


class CappedText(io.TextIOBase):
    """A text sink that keeps the first OUTPUT_LIMIT characters and counts the rest."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        text = str(text)
        room = OUTPUT_LIMIT - self.kept
        if room > 0:
            self.parts.append(text[:room])
            self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        joined = "".join(self.parts)
        if self.dropped:
            joined += f"\n... ({self.dropped} more characters not shown)"
        return joined


@contextlib.contextmanager
def redirect_output(sink: CappedText) -> Iterator[None]:
    """Send both print streams to `sink` while the student's code runs."""
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        yield


def describe_error(error: BaseException, student_files: set[str]) -> str:
    """The exception and the student's own frames of its traceback, trimmed."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if os.path.realpath(frame.filename) in student_files]
    lines = [f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}: {frame.line or ''}".rstrip()
             for frame in frames[-3:]]
    if isinstance(error, SystemExit):
        summary = f"SystemExit({error.code!r}): your code called sys.exit()"
    else:
        summary = f"{type(error).__name__}: {error}"
    return "\n".join([summary[:500], *lines])


def describe_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """Distinct warnings raised during a call, e.g. "RuntimeWarning: overflow encountered in exp"."""
    seen: list[str] = []
    for warning in caught:
        text = f"{warning.category.__name__}: {warning.message}"[:200]
        if text not in seen:
            seen.append(text)
    return seen[:5]
