"""Grade a submission on the course's parts, chosen by name (all of them by default)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from grader.engine.grading import DEFAULT_TIMEOUT, grade_parts
from grader.engine.reference import ReferenceSource
from grader.engine.results import Report
from grader.lstm import all_parts, get_part
from grader.sandbox import Sandbox


def grade(submission_path: str | Path, parts: Iterable[str] | None = None, seed: int | None = None,
          timeout: float = DEFAULT_TIMEOUT, reference: ReferenceSource | None = None,
          sandbox: str | Sandbox = "process") -> Report:
    """Grade a submission on the named parts; raises SubmissionError if it cannot be read at all."""
    chosen = [get_part(name) for name in parts] if parts else list(all_parts())
    return grade_parts(submission_path, chosen, seed, timeout, reference, sandbox)
