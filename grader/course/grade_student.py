"""Grade one student of a class in a pool worker, and render the files the parent will write.

Each student is graded from a temporary copy of what they handed in, with
their own seed; the submission folder is never written to. The reference is
loaded once in the parent (`load_grader`), so every forked worker starts with it.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from grader.course.archive import ArchiveError, copy_entry
from grader.course.students import Entry
from grader.course.supervise import REASON_LIMIT, GraderFailure, Outcome, describe_failure
from grader.report.feedback import render_feedback
from grader.sandbox import Sandbox
from grader.sandbox.safe_text import clean_text, clean_tree

_reference: Any = None


def grade_entry(entry: Entry, seed: int, parts: list[str] | None, timeout: float,
                sandbox: Sandbox | None) -> dict[str, Any]:
    """Grade one student from a temporary copy; returns the contract JSON or {"error": why}.

    {"error": why} is only for a submission that cannot be read (SubmissionError,
    ArchiveError: the student's doing). Anything else (a full temporary folder,
    MemoryError, a bug of ours) is raised, since it says nothing about the student.
    Runs in a pool worker. The submission folder is never written to.
    """
    global _reference
    from grader.engine.reference_source import open_reference
    from grader.engine.submission import SubmissionError
    from grader.lstm.grading import grade

    if _reference is None:
        _reference = open_reference()
    with tempfile.TemporaryDirectory(prefix="lstm-batch-", ignore_cleanup_errors=True) as folder:
        copy = Path(folder) / ("submission" + (entry.path.suffix if entry.path.is_file() else ""))
        try:
            skipped = copy_entry(entry.path, copy)
            report = grade(copy, parts=parts, seed=seed, timeout=timeout, reference=_reference,
                           sandbox=sandbox or "process")
        except (SubmissionError, ArchiveError) as error:
            return {"error": str(error).replace(str(copy), entry.path.name)}
    result = report.to_dict()
    result["submission"] = entry.path.name
    if skipped:
        result.setdefault("notes", skipped)
    return result


def load_grader(notebooks: bool) -> None:
    """Import the grader (and nbformat, slow to import, when there are notebooks) and load the
    reference, once, in the parent: every forked worker then starts with them."""
    global _reference
    import grader.lstm.grading  # noqa: F401
    from grader.engine.reference import ReferenceUnavailable
    from grader.engine.reference_source import open_reference

    if notebooks:
        try:
            import nbformat  # noqa: F401
        except ImportError:
            pass

    if _reference is None:
        try:
            _reference = open_reference()
        except ReferenceUnavailable:
            pass  # each worker then fails with the reason, and the students are shown as grader errors


def grade_and_render(entry: Entry, seed: int, parts: list[str] | None, timeout: float, sandbox: Sandbox | None,
                     feedback_format: str) -> Outcome:
    """Grade one student and render the files the parent will write; runs in a pool worker.

    Everything that can fail is done here, under supervision: the parent only
    writes text. Raises GraderFailure when our code or the machine failed.
    """
    try:
        graded = grade_entry(entry, seed, parts, timeout, sandbox)
        if "error" in graded:
            return Outcome(unreadable=clean_text(graded["error"], REASON_LIMIT))
        report = clean_tree(graded)
        return Outcome(report_json=json.dumps(report, indent=2) + "\n",
                       feedback=render_feedback(entry.student, report, feedback_format),
                       score=float(report["score"]),
                       points=f"{float(report['score']):g}/{float(report['max_score']):g}")
    except (Exception, SystemExit) as error:  # noqa: BLE001  (not the student's doing: retried, never journalled)
        raise GraderFailure(describe_failure(error)) from None
