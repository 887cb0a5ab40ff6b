"""Grade a submission on the course's parts, chosen by name (all of them by default)."""
from __future__ import annotations

from pathlib import Path
from typing import Any
from typing import Iterable

from grader.engine.grading import DEFAULT_TIMEOUT, grade_parts
from grader.engine.reference import ReferenceSource
from grader.engine.results import Report
from grader.engine.parts import Part
from grader.engine.prelaunch import Prelaunched
from grader.lstm import PARTS, all_parts, get_part
from grader.sandbox import Sandbox


def grade(submission_path: str | Path, parts: Iterable[str] | None = None, seed: int | None = None,
          timeout: float = DEFAULT_TIMEOUT, reference: ReferenceSource | None = None,
          sandbox: str | Sandbox = "process", parallel: bool = True, ready: Prelaunched | None = None,
          spawner: Any = None) -> Report:
    """Grade a submission on the named parts; raises SubmissionError if it cannot be read at all.

    By default every part, except for a notebook: the notebook is the core assignment
    and cannot hold the bonus parts, so it is graded on the core parts only. `spawner`:
    a batch worker's zygote that forks the child (grader.sandbox.zygote).
    """
    chosen = [get_part(name) for name in parts] if parts else default_parts(Path(submission_path))
    return grade_parts(submission_path, chosen, seed, timeout, reference, sandbox, parallel, ready, spawner)


def default_parts(submission_path: Path) -> list[Part]:
    """Every part, or the core parts for a notebook (the bonus parts live in .py files only)."""
    return list(PARTS) if submission_path.suffix == ".ipynb" else list(all_parts())
