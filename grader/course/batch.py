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


@dataclass
class BatchResult:
    """What a run did.

    Args:
        graded: students journalled this run (graded or not gradable).
        skipped: students already journalled with the same submission, seed and options.
        ungradable: student -> why the submission could not be read (their doing; final).
        grader_errors: student -> what failed in the grader or the machine (not journalled).
        interrupted: Ctrl-C stopped the run; the class files were not rewritten.
    """

    graded: int = 0
    skipped: int = 0
    ungradable: dict[str, str] = field(default_factory=dict)
    grader_errors: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False


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
            entries, notes = self.find_students(Path(workspace.name))
            return self.grade_all(entries, notes)

    def find_students(self, workspace: Path) -> tuple[list[Entry], list[str]]:
        """The students in the input, and notes on what was skipped (as safe text)."""
        try:
            root, notes = unpack_input(self.source, workspace)
            entries, discover_notes = discover(root)
        except OSError as error:
            raise InputError(f"cannot read {self.source}: {clean_text(error.strerror or error)}") from error
        return entries, [clean_text(note, REASON_LIMIT) for note in notes + discover_notes]

    def grade_all(self, entries: list[Entry], notes: list[str]) -> BatchResult:
        result = BatchResult()
        done = self.read_journal(reset=self.options.force)
        tasks = [task for task in (self.task_for(entry, done, result) for entry in entries) if task is not None]
        progress = self.make_progress(len(tasks)) if self.make_progress else None
        with progress if progress is not None else nullcontext():
            self.grade_pending(tasks, result, progress)
        if not result.interrupted:
            self.write_class_files([entry.student for entry in entries], notes, result)
        return result

    def task_for(self, entry: Entry, done: dict[str, dict[str, Any]], result: BatchResult) -> Task | None:
        """The task that grades `entry`, or None when it is done already or cannot be read here."""
        seed = self.seed_for(entry.student)
        try:
            key = grading_key(entry_digest(entry.path), seed, self.options)
        except OSError as error:  # a permission or a failing disk on our side: the next run tries again
            result.grader_errors[entry.student] = describe_failure(error)
            return None
        if self.already_done(entry.student, done.get(entry.student), key):
            result.skipped += 1
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
        result.grader_errors[task.entry.student] = str(failure)
        advance(progress, task.entry.student, grader_error(str(failure)))

    def finish(self, task: Task, outcome: Outcome, result: BatchResult, progress: Any) -> None:
        """Write one student's files, then journal them (in that order: the journal never
        points at a file that is not there)."""
        student = task.entry.student
        if outcome.unreadable is not None:
            self.record({"student": student, "key": task.key, "seed": task.seed, "error": outcome.unreadable})
            result.ungradable[student] = outcome.unreadable
            shown = not_gradable(outcome.unreadable)
        else:
            self.write_files({self.report_path(student): outcome.report_json,
                              self.feedback_path(student): outcome.feedback})
            self.record({"student": student, "key": task.key, "seed": task.seed, "score": outcome.score})
            shown = outcome.points
        result.graded += 1
        advance(progress, student, shown)

    def write_class_files(self, students: list[str], notes: list[str], result: BatchResult) -> None:
        """grades.csv, summary.json and summary.md, from the journal and the saved reports."""
        journal = self.read_journal()
        reports: dict[str, dict[str, Any]] = {}
        failures: dict[str, str] = {}
        grader_errors = dict(result.grader_errors)
        for student in students:
            if student in grader_errors:
                continue
            entry = journal.get(student, {})
            if "error" in entry:
                failures[student] = clean_text(entry["error"])
                continue
            report = load_report(self.report_path(student))
            if report is None:
                grader_errors[student] = "its saved report is missing or cannot be read"
            else:
                reports[student] = report
        result.ungradable, result.grader_errors = failures, grader_errors
        summary = summarise(reports, failures, grader_errors)
        summary["input_notes"] = notes
        self.write_files({self.out / "grades.csv": gradebook_csv(students, reports, failures, grader_errors),
                          self.out / "summary.json": json.dumps(summary, indent=2) + "\n",
                          self.out / "summary.md": render_summary_markdown(summary)})

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


def final_line(result: BatchResult, out: Path) -> str:
    """What the run did, in one line; grader errors are counted apart from the students' own."""
    again = " (run the same command again to grade them)" if result.grader_errors else ""
    return (f"{result.graded} graded, {result.skipped} already done, {len(result.ungradable)} not gradable, "
            f"{len(result.grader_errors)} not graded: grader error{again}; "
            f"wrote {out / 'grades.csv'}, {out / 'summary.md'}")


def hide_from_children() -> None:
    """Make this process non-dumpable: a child running as the same user can then not
    read our memory or /proc/<pid>/environ (where the course secret may be)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass
