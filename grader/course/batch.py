"""Grade a class: every student's submission, a gradebook, feedback and a summary.

    lstm-grader batch SUBMISSIONS --out DIR [--jobs N] [--timeout S] [--force] [--sandbox MODE]

SUBMISSIONS is a folder with one entry per student (a .py file, a folder or a
notebook), nbgrader's `submitted/<student>/<assignment>/` layout, or a zip of
either (grader/course/students.py). Each student is graded from a temporary
copy with their own seed (grader/course/secret.py, grade_student.py). Every
finished student is written at once (JSON report, feedback) and journalled, so
an interrupted run resumes where it stopped; the gradebook and summary are
rewritten atomically at the end.

The journal records only what the student's code did: a report, or a
submission that could not be read. Students are graded in supervised worker
processes (grader/course/supervise.py); when the grader or the machine fails
instead of the student's code, the student is shown as "not graded: grader
error (...)" and never journalled: the next run grades them. An output folder
that cannot be written stops the batch with one line (OutputError); what was
written before stays whole.

A run puts every student in exactly one outcome (BatchResult): graded now,
already done by an earlier run, not gradable now, or a grader error; entries
of the input that are not submissions are skipped, each with its reason. The
counts on the terminal and in summary.md, summary.json and summary.html come from that.
"""
from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader import __version__
from grader.course.grade_student import grade_and_render, load_grader
from grader.course.journal import Journal, atomic_write_all
from grader.course.secret import CourseSecret
from grader.course.students import Entry, discover, entry_digest, unpack_input
from grader.course.supervise import (REASON_LIMIT, GraderFailure, Outcome, Supervisor, Task, WorkerPool,
                                     describe_failure)
from grader.report.class_summary import gradebook_csv, grader_error, not_gradable, render_summary_markdown, summarise
from grader.report.dashboard import render_dashboard
from grader.sandbox import DEFAULT_TIMEOUT, Sandbox
from grader.sandbox.safe_text import clean_text, clean_tree

JOURNAL_NAME = ".journal.jsonl"
PR_SET_DUMPABLE = 4


@dataclass
class BatchOptions:
    """How to grade a class (the command line's options)."""

    out: Path
    jobs: int = 1
    timeout: float = DEFAULT_TIMEOUT
    force: bool = False
    parts: list[str] | None = None
    feedback_format: str = "md"
    sandbox: Sandbox | None = None
    secret: CourseSecret = field(default_factory=lambda: CourseSecret(b"", ""))


GRADED, ALREADY_DONE, NOT_GRADABLE, GRADER_ERROR = "graded", "already done", "not gradable", "grader error"


@dataclass
class BatchResult:
    """What a run did: each student of the class is in exactly one outcome, so the counts add up.

    Args:
        outcomes: student -> GRADED (a report written this run), ALREADY_DONE (journalled
            by an earlier run with the same submission, seed and options: graded or not
            gradable), NOT_GRADABLE (this run found the submission cannot be read) or
            GRADER_ERROR (the grader or the machine failed; not journalled).
        ungradable: student -> why, for the students this run found not gradable.
        grader_errors: student -> what failed in the grader or the machine.
        skipped: "name: why" for each entry of the input that is not a submission.
        notes: what else was left out of the input ("name: why", e.g. a symlink in a zip).
        renamed: student id -> the entry's name, for the names that were not already safe ids.
        interrupted: Ctrl-C stopped the run; the class files were not rewritten.
    """

    outcomes: dict[str, str] = field(default_factory=dict)
    ungradable: dict[str, str] = field(default_factory=dict)
    grader_errors: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False

    def settle(self, student: str, outcome: str, reason: str = "") -> None:
        """Put `student` in `outcome` (and out of any other); `reason` for the two that have one."""
        self.ungradable.pop(student, None)
        self.grader_errors.pop(student, None)
        self.outcomes[student] = outcome
        if outcome == NOT_GRADABLE:
            self.ungradable[student] = reason
        elif outcome == GRADER_ERROR:
            self.grader_errors[student] = reason

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)

    @property
    def graded(self) -> int:
        """Students whose report was written this run."""
        return self.count(GRADED)

    @property
    def already_done(self) -> int:
        """Students an earlier run finished (graded or not gradable) and this run left alone."""
        return self.count(ALREADY_DONE)

    def counts(self) -> dict[str, int]:
        """This run's counts, as summary.json holds them under "run"."""
        return {"graded": self.graded, "already_done": self.already_done, "not_gradable": len(self.ungradable),
                "grader_errors": len(self.grader_errors), "skipped": len(self.skipped)}


class OutputError(Exception):
    """The output folder cannot be written (a full disk, read only, a file in its place)."""

    def __init__(self, out: Path, error: OSError) -> None:
        super().__init__(f"cannot write to {out}: {unwritable_reason(out, error)}")


class InputError(Exception):
    """The submissions cannot be listed or unpacked."""


def unwritable_reason(out: Path, error: OSError) -> str:
    try:
        if out.exists() and not out.is_dir():
            return "it is a file, not a folder"
    except OSError:
        pass
    return clean_text(error.strerror or error, REASON_LIMIT).replace("\n", " ")


def grading_key(digest: str, seed: int, options: BatchOptions) -> str:
    """What a graded result depends on; a journal entry is reused only when this matches."""
    parts = ",".join(options.parts or [])
    return hashlib.sha256(f"{__version__}|{digest}|{seed}|{parts}|{options.timeout}".encode()).hexdigest()


def load_report(path: Path) -> dict[str, Any] | None:
    """A saved report, cleaned, or None when it is missing or not shaped like one."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return clean_tree(report) if looks_like_report(report) else None


def looks_like_report(report: Any) -> bool:
    """The keys and types the gradebook and the summary read from a report."""
    number = (int, float)
    if not isinstance(report, dict) or not isinstance(report.get("parts"), list):
        return False
    if not all(isinstance(report.get(key), number) for key in ("score", "max_score", "bonus")):
        return False
    return all(isinstance(part, dict) and isinstance(part.get("name"), str) and isinstance(part.get("status"), str)
               and isinstance(part.get("score"), number) for part in report["parts"])


class BatchRun:
    """One batch: discover, grade what is not done yet, write everything."""

    def __init__(self, source: Path, options: BatchOptions,
                 progress: Callable[[int], Any] | None = None) -> None:
        self.source = source
        self.options = options
        self.make_progress = progress
        self.out = options.out
        self.journal = Journal(self.out / JOURNAL_NAME)

    def report_path(self, student: str) -> Path:
        return self.out / "reports" / f"{student}.json"

    def feedback_path(self, student: str) -> Path:
        return self.out / "feedback" / f"{student}.{self.options.feedback_format}"

    def run(self) -> BatchResult:
        try:
            workspace = tempfile.TemporaryDirectory(prefix="lstm-batch-input-", ignore_cleanup_errors=True)
        except OSError as error:
            raise InputError(f"cannot make a temporary folder: {clean_text(error.strerror or error)}") from error
        with workspace:
            result = BatchResult()
            entries = self.find_students(Path(workspace.name), result)
            return self.grade_all(entries, result)

    def find_students(self, workspace: Path, result: BatchResult) -> list[Entry]:
        """The students in the input; what was skipped or renamed goes into `result`, as safe text."""
        try:
            root, notes = unpack_input(self.source, workspace)
            entries, skipped = discover(root)
        except OSError as error:
            raise InputError(f"cannot read {self.source}: {clean_text(error.strerror or error)}") from error
        result.notes = [one_line(note) for note in notes]
        result.skipped = [one_line(note) for note in skipped]
        result.renamed = {entry.student: one_line(entry.name) for entry in entries
                          if entry.name and entry.student not in (entry.name, Path(entry.name).stem)}
        return entries

    def grade_all(self, entries: list[Entry], result: BatchResult) -> BatchResult:
        done = self.read_journal(reset=self.options.force)
        tasks = [task for task in (self.task_for(entry, done, result) for entry in entries) if task is not None]
        progress = self.make_progress(len(tasks)) if self.make_progress else None
        with progress if progress is not None else nullcontext():
            self.grade_pending(tasks, result, progress)
        if not result.interrupted:
            self.write_class_files([entry.student for entry in entries], result)
        return result

    def task_for(self, entry: Entry, done: dict[str, dict[str, Any]], result: BatchResult) -> Task | None:
        """The task that grades `entry`, or None when it is done already or cannot be read here."""
        seed = self.seed_for(entry.student)
        try:
            key = grading_key(entry_digest(entry.path), seed, self.options)
        except OSError as error:  # a permission or a failing disk on our side: the next run tries again
            result.settle(entry.student, GRADER_ERROR, describe_failure(error))
            return None
        if self.already_done(entry.student, done.get(entry.student), key):
            result.settle(entry.student, ALREADY_DONE)
            return None
        return Task(entry, seed, key)

    def already_done(self, student: str, previous: dict[str, Any] | None, key: str) -> bool:
        """Journalled with this key, and (for a graded student) its report and feedback are whole."""
        if not previous or previous.get("key") != key:
            return False
        if "error" in previous:
            return True
        return self.feedback_path(student).is_file() and load_report(self.report_path(student)) is not None

    def seed_for(self, student: str) -> int:
        secret = self.options.secret
        if secret.configured:
            return secret.seed_for(student)
        return int(hashlib.sha256(student.encode()).hexdigest()[:12], 16) % 1_000_000

    def grade_pending(self, tasks: list[Task], result: BatchResult, progress: Any) -> None:
        """Grade `tasks` in worker processes, at most `jobs` at a time, each under supervision."""
        options = self.options
        job = functools.partial(grade_and_render, parts=options.parts, timeout=options.timeout,
                                sandbox=options.sandbox, feedback_format=options.feedback_format)
        notebooks = any(task.entry.path.suffix == ".ipynb" for task in tasks)
        pool = WorkerPool(options.jobs, job, functools.partial(load_grader, notebooks))
        supervisor = Supervisor(pool, options.jobs, lambda task, outcome: self.finish(task, outcome, result, progress),
                                lambda task, failure: self.give_up(task, failure, result, progress))
        result.interrupted = supervisor.run(tasks)

    def give_up(self, task: Task, failure: GraderFailure, result: BatchResult, progress: Any) -> None:
        """A student the grader failed twice: shown as a grader error, never journalled."""
        result.settle(task.entry.student, GRADER_ERROR, str(failure))
        advance(progress, task.entry.student, grader_error(str(failure)))

    def finish(self, task: Task, outcome: Outcome, result: BatchResult, progress: Any) -> None:
        """Write one student's files, then journal them (in that order: the journal never
        points at a file that is not there)."""
        student = task.entry.student
        if outcome.unreadable is not None:
            self.record({"student": student, "key": task.key, "seed": task.seed, "error": outcome.unreadable})
            result.settle(student, NOT_GRADABLE, outcome.unreadable)
            shown = not_gradable(outcome.unreadable)
        else:
            self.write_files({self.report_path(student): outcome.report_json,
                              self.feedback_path(student): outcome.feedback})
            self.record({"student": student, "key": task.key, "seed": task.seed, "score": outcome.score})
            result.settle(student, GRADED)
            shown = outcome.points
        advance(progress, student, shown)

    def write_class_files(self, students: list[str], result: BatchResult) -> None:
        """grades.csv, summary.json, summary.md and summary.html, from the journal and the saved reports.

        The class counts take in everyone (earlier runs too); summary.json's "run" holds this run's.
        """
        journal = self.read_journal()
        reports: dict[str, dict[str, Any]] = {}
        failures: dict[str, str] = {}
        for student in students:
            if student in result.grader_errors:
                continue
            entry = journal.get(student, {})
            if "error" in entry:
                failures[student] = clean_text(entry["error"])
                continue
            report = load_report(self.report_path(student))
            if report is None:  # removed since it was checked or written: the next run grades them
                result.settle(student, GRADER_ERROR, "its saved report is missing or cannot be read")
            else:
                reports[student] = report
        summary = summarise(reports, failures, result.grader_errors)
        summary.update(run=result.counts(), skipped=result.skipped, input_notes=result.notes,
                       renamed=result.renamed)
        self.write_files({self.out / "grades.csv": gradebook_csv(students, reports, failures, result.grader_errors),
                          self.out / "summary.json": json.dumps(summary, indent=2) + "\n",
                          self.out / "summary.md": render_summary_markdown(summary),
                          self.out / "summary.html": render_dashboard(summary, reports, students,
                                                                      self.options.feedback_format)})

    def read_journal(self, reset: bool = False) -> dict[str, dict[str, Any]]:
        try:
            if reset:
                self.journal.reset()
            return self.journal.entries()
        except OSError as error:
            raise OutputError(self.out, error) from error

    def write_files(self, files: dict[Path, str]) -> None:
        """Write files in the output folder, all or none."""
        try:
            atomic_write_all(files)
        except OSError as error:
            raise OutputError(self.out, error) from error

    def record(self, entry: dict[str, Any]) -> None:
        try:
            self.journal.record(entry)
        except OSError as error:
            raise OutputError(self.out, error) from error


def one_line(text: str) -> str:
    """Text from the input as one bounded safe line."""
    return clean_text(text, REASON_LIMIT).replace("\n", " ")


def advance(progress: Any, student: str, outcome: str) -> None:
    if progress is not None:
        progress.advance(student, outcome)


def run_batch(source: Path, options: BatchOptions, progress: Callable[[int], Any] | None = None) -> BatchResult:
    """Grade every student under `source` into `options.out`.

    Raises OutputError when the output folder cannot be written, InputError or
    ArchiveError when the input cannot be read.
    """
    try:
        options.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(options.out, error) from error
    return BatchRun(source, options, progress).run()


def hide_from_children() -> None:
    """Make this process non-dumpable: a child running as the same user can then not
    read our memory or /proc/<pid>/environ (where the course secret may be)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
