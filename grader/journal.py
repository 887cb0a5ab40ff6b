"""Crash-safe files for batch grading: atomic writes and an append-only journal.

A file is written to a temporary name in the same folder, flushed to disk and
renamed over the old one, so a reader (or a Ctrl-C) sees either the old file or
the new one, never half of one. The journal is a JSON-lines file with one line
per finished student; a torn last line (the process was killed mid-write) is
ignored on the next run.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator


def atomic_write(path: Path, text: str, mode_from: Path | None = None) -> None:
    """Replace `path` with `text` in one step; `mode_from` gives it that file's permissions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if mode_from is not None:
            shutil.copymode(mode_from, temporary)  # mkstemp makes the file private
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


class Journal:
    """What has been graded, by student, as one JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def entries(self) -> dict[str, dict[str, Any]]:
        """The last complete entry per student; unreadable lines are skipped."""
        found: dict[str, dict[str, Any]] = {}
        for entry in self.lines():
            student = entry.get("student")
            if isinstance(student, str):
                found[student] = entry
        return found

    def lines(self) -> Iterator[dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line torn by a kill
            if isinstance(entry, dict):
                yield entry

    def record(self, entry: dict[str, Any]) -> None:
        """Append one entry and push it to disk before returning."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(entry, sort_keys=True) + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    def reset(self) -> None:
        atomic_write(self.path, "")
