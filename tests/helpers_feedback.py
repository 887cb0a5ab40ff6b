"""Helpers shared by the feedback tests (mistakes, diagnosis): reference-side arguments and outputs."""
from __future__ import annotations

from typing import Any

from grader.lstm.cases import Case
from grader.engine.outputs import split_outputs
from grader.engine.reference import ReferenceSource
from grader.engine.parts import Part
from grader.lstm import get_part


def reference_args(part: Part, case: Case, reference: ReferenceSource) -> tuple[Any, ...]:
    """A case's arguments as the reference takes them: cache-backed parts get the reference cache."""
    if not part.cache_from:
        return case.args
    forward = reference(part.cache_from.name)(*case.extra["forward_args"])
    return case.args + (forward[part.cache_from.cache_index],)


def split(part: Part | str, value: Any) -> dict[str, Any]:
    part = get_part(part) if isinstance(part, str) else part
    return split_outputs(part, value)
