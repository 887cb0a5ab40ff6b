"""Crash-safe files for batch grading: atomic writes and an append-only journal.

A file is written to a temporary name in the same folder, flushed to disk and
renamed over the old one, so a reader (or a Ctrl-C) sees either the old file or
the new one, never half of one. `atomic_write_all` writes every temporary file
first and renames only when all of them are on disk, so a full disk part-way
leaves all the old files in place. The journal is a JSON-lines file with one
line per finished student; a torn last line (the process was killed mid-write)
is ignored on the next run, and a failed append is cut back off.
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
    os.replace(stage_file(path, text, mode_from), path)


def atomic_write_all(files: dict[Path, str]) -> None:
    """Replace several files; none is replaced unless all of them could be written."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, text in files.items():
            staged.append((stage_file(path, text), path))
        for temporary, path in staged:
            os.replace(temporary, path)
    except BaseException:
        for temporary, _ in staged:
            remove_quietly(temporary)
        raise


def stage_file(path: Path, text: str, mode_from: Path | None = None) -> str:
    """Write `text` to a temporary file next to `path`, on disk; returns its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        if mode_from is not None:
            shutil.copymode(mode_from, temporary)  # mkstemp makes the file private
    except BaseException:
        remove_quietly(temporary)
        raise
    return temporary


def remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


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
            text = self.path.read_text(encoding="utf-8", errors="replace")
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
        """Append one entry and push it to disk before returning.

        A line torn by an earlier kill is ended first, so it cannot swallow this
        entry; if this append fails (a full disk), what it wrote is cut off again.
        """
        line = json.dumps(entry, sort_keys=True).encode("ascii") + b"\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.lseek(handle, 0, os.SEEK_END)
            if size and os.pread(handle, 1, size - 1) != b"\n":
                line = b"\n" + line
            try:
                write_fully(handle, line)
                os.fsync(handle)
            except OSError:
                cut_back(handle, size)
                raise
        finally:
            os.close(handle)

    def reset(self) -> None:
        atomic_write(self.path, "")


def write_fully(handle: int, data: bytes) -> None:
    """os.write until all of `data` is written (a write may take only part of it)."""
    while data:
        data = data[os.write(handle, data):]


def cut_back(handle: int, size: int) -> None:
    """Best effort: drop a partly written journal line after a failed append."""
    try:
        os.ftruncate(handle, size)
    except OSError:
        pass
