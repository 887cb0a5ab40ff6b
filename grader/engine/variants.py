"""The reference with one known mistake made: how the diagnosis computes what a mistake gives.

A mistake is a text replacement over one reference solutions file. Every
solutions file is loaded together (in name order, which is their import
order), so a mistake in a helper (say `sigmoid`) also changes every reference
function that calls it: that is how the diagnosis of a composite part names
the helper that causes the failure. Loaded in the trusted parent only.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from grader.engine.parts import Mistake
from grader.engine.load_reference import load_functions


class CatalogueError(Exception):
    """A catalogue entry no longer fits the reference solutions it edits."""


@lru_cache(maxsize=16)
def reference_texts(folder: str) -> dict[str, str]:
    """The text of each reference file, by name, in import order: read once per process, like the
    variants made from them."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(Path(folder).glob("*.py"))}


def variant_source(mistake: Mistake, folder: Path) -> str:
    """The text of `mistake.file` with the mistake made; exactly one occurrence of `old` is required."""
    text = reference_texts(str(folder)).get(mistake.file) or (folder / mistake.file).read_text()
    count = text.count(mistake.old)
    if count != 1:
        raise CatalogueError(f"{mistake.id}: {mistake.old!r} occurs {count} times in {folder / mistake.file}, "
                             "expected exactly once; update the catalogue to the reference")
    return text.replace(mistake.old, mistake.new)


@lru_cache(maxsize=256)
def variant_functions(mistake: Mistake, folder: str) -> dict[str, Callable[..., Any]]:
    """All reference functions with one mistake made (the edited text runs in place of its file)."""
    texts = dict(reference_texts(folder), **{mistake.file: variant_source(mistake, Path(folder))})
    return load_functions([Path(folder) / name for name in texts], texts)


def variant(mistake: Mistake, function: str, folder: Path) -> Callable[..., Any]:
    """The reference function `function` as it computes with `mistake` made."""
    return variant_functions(mistake, str(folder))[function]


class RecordedError(Exception):
    """A mistake's exception as a release recorded it: `line` is what the original said."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


def exception_line(error: BaseException) -> str:
    """ "ValueError: matmul: ..." as the diagnosis compares exceptions, recorded ones included."""
    if isinstance(error, RecordedError):
        return error.line
    return f"{type(error).__name__}: {error}"[:500]
