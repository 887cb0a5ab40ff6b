"""Grade one student of a class in a pool worker, and render the files the parent will write.

Each student is graded from a temporary copy of what they handed in, with
their own seed; the submission folder is never written to. The reference is
loaded once in the parent (`load_grader`), so every forked worker starts with it.
The feedback file is drawn from the graded Report itself, cleaned, so it shows
what the JSON report has no room for (expected against got, the gradient rows,
the diagnosis as data).
"""
from __future__ import annotations

import dataclasses
import json
import multiprocessing.util
import tempfile
from pathlib import Path
from typing import Any

from grader.course.archive import ArchiveError, copy_entry
from grader.course.students import Entry
from grader.course.supervise import REASON_LIMIT, GraderFailure, Outcome, describe_failure
from grader.engine.results import Report
from grader.report.feedback import render_feedback_view
from grader.report.part_view import ReportView, report_view, report_view_from_dict
from grader.sandbox import Sandbox
from grader.sandbox.safe_text import clean_text, clean_tree

_reference: Any = None
_zygote: Any = None  # this pool worker's grader.sandbox.zygote.Zygote, started at its first student
_zygote_failed = False


def worker_zygote(sandbox: Sandbox | None) -> Any:
    """This worker's zygote, started at its first student where the sandbox allows one (else None).

    One that stopped answering is replaced; where one cannot be started at all, this worker's
    students get children of their own, as without a zygote."""
    global _zygote, _zygote_failed
    from grader.sandbox import SandboxFailure
    from grader.sandbox.zygote import Zygote, zygote_usable

    if sandbox is None or _zygote_failed or not zygote_usable(sandbox):
        return None
    if _zygote is not None and _zygote.alive:
        return _zygote
    if _zygote is not None:
        _zygote.close()
    _zygote = Zygote(sandbox)
    multiprocessing.util.Finalize(_zygote, _zygote.close, exitpriority=10)  # a pool worker leaves by os._exit
    try:
        _zygote.start()
    except (SandboxFailure, OSError):
        _zygote.close()
        _zygote, _zygote_failed = None, True  # this worker's students get children of their own
    return _zygote


def grade_entry(entry: Entry, seed: int, parts: list[str] | None, timeout: float,
                sandbox: Sandbox | None) -> Report | dict[str, Any]:
    """Grade one student from a temporary copy; returns their Report or {"error": why}.

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
            # the batch's workers already keep every core busy: a head start (a copy of the child making
            # the forecast's training meanwhile) would only add a process per student
            report = grade(copy, parts=parts, seed=seed, timeout=timeout, reference=_reference,
                           sandbox=sandbox or "process", parallel=False, spawner=worker_zygote(sandbox))
        except (SubmissionError, ArchiveError) as error:
            return {"error": str(error).replace(str(copy), entry.path.name)}
    return dataclasses.replace(report, submission=entry.path.name, notes=(*report.notes, *skipped))


def load_grader(notebooks: bool) -> None:
    """Import the grader (and nbformat, slow to import, when there are notebooks) and load the
    reference, once, in the parent: every forked worker then starts with them."""
    global _reference
    import grader.lstm.grading  # noqa: F401
    from grader.engine.reference import ReferenceUnavailable
    from grader.engine.reference_source import open_reference

    if notebooks:
        from grader.engine.notebook_schema import import_nbformat

        import_nbformat()

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
        if isinstance(graded, dict) and "error" in graded:
            return Outcome(unreadable=clean_text(graded["error"], REASON_LIMIT))
        report, view = cleaned(graded)
        return Outcome(report_json=json.dumps(report, indent=2) + "\n",
                       feedback=render_feedback_view(entry.student, view, feedback_format),
                       score=float(report["score"]),
                       points=f"{float(report['score']):g}/{float(report['max_score']):g}")
    except (Exception, SystemExit) as error:  # noqa: BLE001  (not the student's doing: retried, never journalled)
        raise GraderFailure(describe_failure(error)) from None


def cleaned(graded: Report | dict[str, Any]) -> tuple[dict[str, Any], ReportView]:
    """The report in the contract's JSON form and its view, every string in both cleaned.

    A Report's view keeps its details; a report already in JSON form (the tests'
    stand-ins for grade_entry) gives the view of the JSON. The JSON lists the
    report's notes (a file that was not loaded, an entry left out of the copy).
    """
    if isinstance(graded, dict):
        report = clean_tree(graded)
        return report, report_view_from_dict(report)
    clean = clean_result(graded)
    report = clean.to_dict()
    if clean.notes:
        report["notes"] = list(clean.notes)
    return report, report_view(clean)


def clean_result(value: Any) -> Any:
    """A result (Report, PartResult and what they hold) with every string in it made safe by clean_text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        return tuple(clean_result(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{field.name: clean_result(getattr(value, field.name))
                                             for field in dataclasses.fields(value) if field.init})
    return value
