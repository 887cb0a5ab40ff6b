"""Helpers shared by the feedback tests (mistakes, diagnosis): reference-side arguments and outputs."""
from __future__ import annotations

from typing import Any

from grader.lstm.cases import Case
from grader.engine.checks import split_outputs
from grader.engine.reference import Reference
from grader.lstm.registry import Part, get_part


def reference_args(part: Part, case: Case, reference: Reference) -> tuple[Any, ...]:
    """A case's arguments as the reference takes them: cache-backed parts get the reference cache."""
    if not part.cache_from:
        return case.args
    forward = reference(part.cache_from)(*case.extra["forward_args"])
    return case.args + (forward[2],)


def split(part: Part | str, value: Any) -> dict[str, Any]:
    part = get_part(part) if isinstance(part, str) else part
    return split_outputs(part.name, value, part.output_names)
