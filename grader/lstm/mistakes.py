"""The mistake catalogue by part: the maintainer's entries, or the release's copy without edits.

In a maintainer's checkout each entry is an edit of the reference solutions
(grader.lstm.catalogue), from which the diagnosis computes what the mistake
gives. A student release holds no reference code in any form, so it ships
only what the student reads (id, explanation, equation, aliases) in
`grader/mistake_catalogue.json`, and the numbers each mistake gives on the
public cases, recorded with the public vectors (grader.engine.vectors).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from grader.engine.parts import Mistake

CATALOGUE_FILE = "mistake_catalogue.json"
SHOWN_FIELDS = ("id", "explanation", "equation", "aliases")


def released_catalogue_path() -> Path:
    return Path(__file__).resolve().parents[1] / CATALOGUE_FILE


@lru_cache(maxsize=1)
def catalogue() -> tuple[Mistake, ...]:
    """Every entry: with its edit in a checkout, without one in a student release (none if absent)."""
    try:
        from grader.lstm.catalogue import ENTRIES
    except ImportError:  # a student release
        return read_catalogue(released_catalogue_path())
    return ENTRIES


def mistakes_of(part_name: str) -> tuple[Mistake, ...]:
    """The entries of one part, in catalogue order."""
    return tuple(mistake for mistake in catalogue() if mistake.part == part_name)


def catalogue_text(entries: tuple[Mistake, ...]) -> str:
    """The entries as the release ships them: what the student reads, no edit of the reference."""
    shown = [{name: list(value) if isinstance(value, tuple) else value
              for name in SHOWN_FIELDS for value in [getattr(mistake, name)]} for mistake in entries]
    return json.dumps(shown, indent=1, sort_keys=True) + "\n"


def read_catalogue(path: Path) -> tuple[Mistake, ...]:
    if not path.is_file():
        return ()
    return tuple(Mistake(entry["id"], "", "", "", entry["explanation"], entry["equation"],
                         tuple(entry["aliases"])) for entry in json.loads(path.read_text(encoding="utf-8")))
