"""Progress per workspace: which parts pass, the best score and when, in a small JSON file.

The file is <workspace>/.lstm-grader/progress.json, where the workspace is the
submission folder (or the folder of a submission file). `lstm-grader check`
and `lstm-grader watch` update it after every run; comparing the record before
and after a run tells what changed (parts newly passing, parts that broke).
`check` writes it only into a student's own workspace (`is_workspace`): a
folder it grades that is someone else's, or the solutions, is left untouched.
A notebook holds the core parts only (the bonus parts live in their own .py
files), so a notebook's run is recorded, and pointed onwards, on those alone.
"""
from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from grader.engine.parts import Part
from grader.engine.results import Report
from grader.lstm import all_parts
from grader.lstm.grading import default_parts

PROGRESS_DIR = ".lstm-grader"
PROGRESS_FILE = "progress.json"
SCHEMA = 1
EXERCISE_FILES = ("part[0-9]_*.py", "*.ipynb")
# a stub's marked region: the comment alone on its line, in a .py file or in a notebook cell's JSON
STUB_REGION = re.compile(r'(?m)(?:^|")[ \t]*# YOUR CODE HERE[ \t]*(?:\\n)?(?:"|$)')
STUB_READ = 4 * 1024 * 1024  # the bytes of a file looked at for a marked region


@dataclass(frozen=True)
class PartProgress:
    status: str
    score: float
    max_score: float
    passed_on: str | None = None       # the date the part first passed
    diagnosis: str | None = None       # the last recognised mistake, for `lstm-grader hint`

    @property
    def passed(self) -> bool:
        return self.status == "pass"


@dataclass(frozen=True)
class Progress:
    parts: dict[str, PartProgress] = field(default_factory=dict)
    best_score: float = 0.0
    best_on: str | None = None
    runs: int = 0

    @property
    def score(self) -> float:
        """The latest score of every core part graded so far, added up."""
        core = {part.name for part in all_parts() if part.group != "bonus"}
        return float(sum(record.score for name, record in self.parts.items() if name in core))

    def to_dict(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "best_score": self.best_score, "best_on": self.best_on, "runs": self.runs,
                "parts": {name: vars(record) for name, record in self.parts.items()}}


@dataclass(frozen=True)
class ProgressView:
    """What a student sees after a run: data only, drawn by grader.report.terminal."""

    passing: int
    total: int
    best_score: float
    max_score: float
    best_on: str | None
    next_part: str | None
    newly_passing: tuple[str, ...] = ()
    newly_failing: tuple[str, ...] = ()
    score_before: float | None = None
    score_now: float = 0.0


def parts_it_can_hold(submission: str | Path) -> tuple[Part, ...]:
    """The parts a submission can hold, in learning order: every part, or the core parts for a
    notebook (the course's notebook has no bonus part, so none can be its next part)."""
    return tuple(default_parts(Path(submission)))


def workspace_of(submission: str | Path) -> Path:
    path = Path(submission)
    return path if path.is_dir() else path.parent


def is_workspace(submission: str | Path) -> bool:
    """Whether `submission` lies in a student's workspace, the only place `check` records progress.

    A workspace is a folder that already holds a progress record (.lstm-grader/),
    or one that holds the exercise stubs as `lstm-grader start` (or a checkout's
    exercises/) gives them: a part file or a notebook with a region still marked
    `# YOUR CODE HERE`. The solutions, a folder of finished work never checked
    there, or anyone else's files are none.
    """
    path = Path(submission)
    workspace = workspace_of(path)
    if (workspace / PROGRESS_DIR).is_dir():
        return True
    files = [path] if path.is_file() else []
    files += [file for pattern in EXERCISE_FILES for file in sorted(workspace.glob(pattern))]
    return any(has_stub_region(file) for file in files)


def has_stub_region(file: Path) -> bool:
    try:
        with file.open("rb") as handle:
            text = handle.read(STUB_READ).decode("utf-8", errors="replace")
    except OSError:
        return False
    return STUB_REGION.search(text) is not None


def progress_path(workspace: Path) -> Path:
    return workspace / PROGRESS_DIR / PROGRESS_FILE


def load_progress(workspace: Path) -> Progress:
    """The recorded progress, or an empty record when there is none or it is unreadable."""
    try:
        data = json.loads(progress_path(workspace).read_text(encoding="utf-8"))
        parts = {name: PartProgress(**record) for name, record in data["parts"].items()}
        return Progress(parts, float(data["best_score"]), data.get("best_on"), int(data.get("runs", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return Progress()


def save_progress(workspace: Path, progress: Progress) -> Path:
    path = progress_path(workspace)
    path.parent.mkdir(exist_ok=True)
    ignore = path.parent / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# written by lstm-grader: keep progress out of version control\n*\n")
    path.write_text(json.dumps(progress.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def updated(progress: Progress, report: Report, today: str) -> Progress:
    """The record after one run; parts not graded in this run keep their last state."""
    parts = dict(progress.parts)
    for result in report.parts:
        before = parts.get(result.name)
        passed_on = before.passed_on if before and before.passed_on else None
        if result.status == "pass" and passed_on is None:
            passed_on = today
        parts[result.name] = PartProgress(result.status, float(result.score), float(result.max_score),
                                          passed_on, result.diagnosis)
    after = Progress(parts, progress.best_score, progress.best_on, progress.runs + 1)
    if after.score > progress.best_score or progress.best_on is None:
        after = Progress(parts, after.score, today, after.runs)
    return after


def view(before: Progress, after: Progress, report: Report, parts: tuple[Part, ...] | None = None) -> ProgressView:
    """Compare two records around a run; the next part is the first, in learning order, not passing.

    Args:
        before: the record before the run.
        after: the record after it (`updated`).
        report: the run's report.
        parts: the parts the submission can hold (`parts_it_can_hold`); by default every part.
    """
    order = [part.name for part in parts or all_parts()]
    graded = {result.name for result in report.parts}
    newly_passing = tuple(name for name in order if name in graded and after.parts[name].passed
                          and not (name in before.parts and before.parts[name].passed))
    newly_failing = tuple(name for name in order if name in graded and not after.parts[name].passed
                          and name in before.parts and before.parts[name].passed)
    core = [part for part in all_parts() if part.group != "bonus"]
    upcoming = next((part.name for part in core
                     if part.name not in after.parts or not after.parts[part.name].passed), None)
    if upcoming is None:
        upcoming = next((name for name in order if name in after.parts and not after.parts[name].passed), None)
    return ProgressView(
        passing=sum(1 for part in core if part.name in after.parts and after.parts[part.name].passed),
        total=len(core), best_score=after.best_score, max_score=float(sum(part.points for part in core)),
        best_on=after.best_on, next_part=upcoming, newly_passing=newly_passing, newly_failing=newly_failing,
        score_before=before.score if before.runs else None, score_now=after.score)


def record(report: Report, submission: str | Path, today: str | None = None, save: bool = True) -> ProgressView:
    """Update the workspace's record with a run and say what changed.

    With `save` False, or in a folder that cannot be written (read-only), the
    view is still given and nothing is saved.
    """
    workspace = workspace_of(submission)
    parts = parts_it_can_hold(submission)
    held = {part.name for part in parts}
    report = replace(report, parts=tuple(result for result in report.parts if result.name in held))
    before = load_progress(workspace)
    after = updated(before, report, today or datetime.date.today().isoformat())
    try:
        if save:
            save_progress(workspace, after)
    except OSError:
        pass
    return view(before, after, report, parts)


def last_diagnosis(workspace: Path, part_name: str) -> str | None:
    found = load_progress(workspace).parts.get(part_name)
    return found.diagnosis if found else None
