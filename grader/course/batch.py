"""Grade a class: every student's submission, a gradebook, feedback and a summary.

    lstm-grader batch SUBMISSIONS --out DIR [--jobs N] [--timeout S] [--force] [--sandbox MODE]

SUBMISSIONS is a folder with one entry per student (a .py file, a folder or a
notebook), nbgrader's `submitted/<student>/<assignment>/` layout, or a zip of
either. Each student is graded from a temporary copy with their own seed
(grader/course/secret.py). Every finished student is written at once (JSON
report, feedback) and journalled, so an interrupted run resumes where it
stopped; the gradebook and summary are rewritten atomically at the end.

The journal records only what the student's code did: a report, or a
submission that could not be read. Each student is graded in a worker process
(also with --jobs 1), so a crash costs at most that student. When the grader
or the machine fails instead (a worker killed, a full temporary folder,
MemoryError, a bug of ours), the student is tried once more, alone, in a fresh
worker, then shown as "not graded: grader error (...)" and never journalled:
the next run grades them. An output folder that cannot be written stops the
batch with one line (OutputError); what was written before stays whole.
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import re
import signal
import tempfile
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from grader import __version__
from grader.course.archive import ArchiveError, copy_entry, extract_zip
from grader.course.secret import CourseSecret
from grader.report.feedback import render_feedback
from grader.course.journal import Journal, atomic_write_all
from grader.sandbox.safe_text import clean_text, clean_tree
from grader.sandbox.session import Sandbox
from grader.report.class_summary import gradebook_csv, grader_error, not_gradable, render_summary_markdown, summarise

SUBMISSION_SUFFIXES = (".py", ".ipynb")
JOURNAL_NAME = ".journal.jsonl"
REASON_LIMIT = 1000
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class Entry:
    """One student's submission as found in the input."""

    student: str
    path: Path


@dataclass
class BatchOptions:
    """How to grade a class (the command line's options)."""

    out: Path
    jobs: int = 1
    timeout: float = 10.0
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


class GraderFailure(Exception):
    """Grading one student failed in our code or on this machine, not because of the submission.

    Carries one plain message ("OSError: ...") so that it always crosses back from a worker.
    """


@dataclass(frozen=True)
class Task:
    """One student to grade; `attempt` counts from 1."""

    entry: Entry
    seed: int
    key: str
    attempt: int = 1


@dataclass(frozen=True)
class Outcome:
    """What a worker hands back for one student: the files to write, or why the
    submission could not be read (`unreadable`, the student's doing)."""

    report_json: str = ""
    feedback: str = ""
    score: float = 0.0
    points: str = ""
    unreadable: str | None = None


def unwritable_reason(out: Path, error: OSError) -> str:
    try:
        if out.exists() and not out.is_dir():
            return "it is a file, not a folder"
    except OSError:
        pass
    return clean_text(error.strerror or error, REASON_LIMIT).replace("\n", " ")


def describe_failure(error: BaseException) -> str:
    """The grader's own failure as one safe line: "OSError: [Errno 28] No space left on device"."""
    return f"{type(error).__name__}: {clean_text(error, REASON_LIMIT)}".replace("\n", " ")


def safe_student_id(name: str) -> str:
    """A file-name-safe student id: letters, digits, dot, dash and underscore."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", name).strip(".") or "student"
    return cleaned[:100]


def resolve_student_folder(folder: Path) -> Path:
    """A student's folder: itself if it holds code, else its one assignment folder
    (nbgrader), else its one notebook."""
    for _ in range(2):
        if any(item.suffix == ".py" and item.is_file() for item in folder.iterdir()):
            return folder
        notebooks = [item for item in folder.iterdir() if item.suffix == ".ipynb" and item.is_file()]
        if len(notebooks) == 1:
            return notebooks[0]
        subfolders = [item for item in folder.iterdir() if item.is_dir() and not item.name.startswith(".")
                      and not item.is_symlink()]
        if len(subfolders) != 1:
            return folder
        folder = subfolders[0]
    return folder


def student_folder(folder: Path) -> Path:
    try:
        return resolve_student_folder(folder)
    except OSError:  # graded as it is; what cannot be read shows up in that student's row
        return folder


def discover(root: Path) -> tuple[list[Entry], list[str]]:
    """The students under `root` (nbgrader's submitted/ is entered); returns entries and notes."""
    if (root / "submitted").is_dir():
        root = root / "submitted"
    entries: dict[str, Entry] = {}
    notes: list[str] = []
    for item in sorted(root.iterdir()):
        if item.name.startswith((".", "__")):
            continue
        if item.is_symlink():
            notes.append(f"{item.name}: a symlink, skipped")
            continue
        if item.is_dir():
            student, path = item.name, student_folder(item)
        elif item.suffix in SUBMISSION_SUFFIXES:
            student, path = item.stem, item
        else:
            notes.append(f"{item.name}: not a .py file, notebook or folder, skipped")
            continue
        student = safe_student_id(student)
        if student in entries:
            notes.append(f"{item.name}: a second entry for {student}, skipped")
            continue
        entries[student] = Entry(student, path)
    return list(entries.values()), notes


def unpack_input(source: Path, workspace: Path) -> tuple[Path, list[str]]:
    """The folder to discover students in: `source` itself, or a zip extracted safely."""
    if source.is_dir():
        return source, []
    if source.suffix == ".zip":
        target = workspace / "unzipped"
        target.mkdir()
        skipped = extract_zip(source, target)
        children = [item for item in target.iterdir() if not item.name.startswith(("__MACOSX", "."))]
        if len(children) == 1 and children[0].is_dir():
            target = children[0]
        return target, skipped
    raise ArchiveError(f"{source}: expected a folder or a .zip of one")


def entry_digest(path: Path) -> str:
    """sha256 over a submission's files (names and bytes), to notice a changed resubmission."""
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(item for item in path.rglob("*")
                                                 if item.is_file() and not item.is_symlink())
    for item in files[:1000]:
        digest.update(str(item.relative_to(path) if path.is_dir() else item.name).encode() + b"\0")
        with open(item, "rb") as stream:
            digest.update(hashlib.sha256(stream.read(32 * 1024 * 1024)).digest())
    return digest.hexdigest()


def grading_key(digest: str, seed: int, options: BatchOptions) -> str:
    """What a graded result depends on; a journal entry is reused only when this matches."""
    parts = ",".join(options.parts or [])
    return hashlib.sha256(f"{__version__}|{digest}|{seed}|{parts}|{options.timeout}".encode()).hexdigest()


_reference = None


def grade_entry(entry: Entry, seed: int, parts: list[str] | None, timeout: float,
                sandbox: Sandbox | None) -> dict[str, Any]:
    """Grade one student from a temporary copy; returns the contract JSON or {"error": why}.

    {"error": why} is only for a submission that cannot be read (SubmissionError,
    ArchiveError: the student's doing). Anything else (a full temporary folder,
    MemoryError, a bug of ours) is raised, since it says nothing about the student.
    Runs in a pool worker. The submission folder is never written to.
    """
    global _reference
    from grader.engine.grading import grade
    from grader.engine.reference import Reference
    from grader.engine.submission import SubmissionError

    if _reference is None:
        _reference = Reference()
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
    import grader.engine.grading  # noqa: F401
    from grader.engine.reference import Reference, ReferenceUnavailable

    if notebooks:
        try:
            import nbformat  # noqa: F401
        except ImportError:
            pass

    if _reference is None:
        try:
            _reference = Reference()
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


def pool_initializer() -> None:
    # Ctrl-C is handled by the parent, which lets running submissions finish
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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


class WorkerPool:
    """Worker processes that grade students (fork: they start with the grader loaded).

    Rebuilt when a worker died (the executor is then broken) and before a
    retry, so that a retry always gets a fresh worker.
    """

    def __init__(self, workers: int, notebooks: bool = False) -> None:
        self.workers, self.notebooks = workers, notebooks
        self.executor: ProcessPoolExecutor | None = None
        self.used = False

    def submit(self, task: Task, options: BatchOptions) -> Future[Outcome]:
        """Start grading `task`; raises BrokenProcessPool if a worker died since the last look."""
        if task.attempt > 1 and self.used:
            self.close()
        if self.executor is None:
            load_grader(self.notebooks)
            self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"),
                                                initializer=pool_initializer)
        self.used = True
        return self.executor.submit(grade_and_render, task.entry, task.seed, options.parts, options.timeout,
                                    options.sandbox, options.feedback_format)

    def close(self) -> None:
        """Let the workers finish what they run, then stop them; the next submit starts new ones."""
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor, self.used = None, False

    def kill(self) -> None:
        """Stop the workers at once, after starting them failed part-way (a started one would
        otherwise wait for work forever); the next submit starts new ones."""
        if self.executor is not None:
            # ProcessPoolExecutor has no public way to stop its workers before Python 3.14
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                process.kill()
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor, self.used = None, False


class Schedule:
    """Which student to start next, and who is being graded.

    First attempts run up to `jobs` at a time. A retry runs alone: when a worker
    dies, everyone graded beside it fails too, and running each of them alone
    once more shows who it was, so a student who kills their worker costs no one
    else a grade.
    """

    def __init__(self, tasks: list[Task], jobs: int) -> None:
        self.jobs = jobs
        self.waiting: deque[Task] = deque(tasks)
        self.retries: deque[Task] = deque()
        self.running: dict[Future[Outcome], Task] = {}

    def unfinished(self) -> bool:
        return bool(self.waiting or self.retries or self.running)

    def next_task(self) -> Task | None:
        """The task to start now, or None when it must wait for the running ones."""
        if self.retries:
            return None if self.running else self.retries.popleft()
        if len(self.running) >= self.jobs or any(task.attempt > 1 for task in self.running.values()):
            return None
        return self.waiting.popleft() if self.waiting else None

    def put_back(self, task: Task) -> None:
        """A task that could not be started goes back to the front of its line."""
        (self.retries if task.attempt > 1 else self.waiting).appendleft(task)

    def retry(self, task: Task) -> bool:
        """Queue another attempt after a failed one; False when that was the last attempt."""
        if task.attempt >= MAX_ATTEMPTS:
            return False
        self.retries.append(replace(task, attempt=task.attempt + 1))
        return True


def attempt_outcome(future: Future[Outcome]) -> Outcome | GraderFailure:
    """What one finished attempt gave; a KeyboardInterrupt is passed on."""
    try:
        return future.result()
    except GraderFailure as failure:
        return failure
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001  (BrokenProcessPool: the worker died; or a result lost on the way)
        return GraderFailure(describe_failure(error))


def pool_broke(future: Future[Outcome]) -> bool:
    return isinstance(future.exception(), BrokenProcessPool)


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
        schedule = Schedule(tasks, self.options.jobs)
        pool = WorkerPool(self.options.jobs, notebooks=any(task.entry.path.suffix == ".ipynb" for task in tasks))
        try:
            while schedule.unfinished():
                self.start_tasks(schedule, pool, result, progress)
                self.collect(schedule, pool, result, progress)
        except KeyboardInterrupt:
            result.interrupted = True
            self.finish_running(schedule, result, progress)
        finally:
            pool.close()

    def start_tasks(self, schedule: Schedule, pool: WorkerPool, result: BatchResult, progress: Any) -> None:
        while (task := schedule.next_task()) is not None:
            try:
                future = pool.submit(task, self.options)
            except BrokenProcessPool:  # the task never started; the running ones fail with the pool
                schedule.put_back(task)
                if not schedule.running:
                    pool.close()
                return
            except OSError as error:  # no worker could be started (out of memory or processes)
                pool.kill()
                self.settle(task, GraderFailure(describe_failure(error)), schedule, result, progress)
                continue
            schedule.running[future] = task

    def collect(self, schedule: Schedule, pool: WorkerPool, result: BatchResult, progress: Any) -> None:
        """Wait for the next student to finish and settle it; when a worker died,
        settle everyone who was in the pool with it, and let the pool be rebuilt."""
        if not schedule.running:
            return
        finished, _ = wait(schedule.running, return_when=FIRST_COMPLETED)
        if any(pool_broke(future) for future in finished):
            finished, _ = wait(schedule.running)
            pool.close()
        for future in finished:
            task = schedule.running.pop(future)
            self.settle(task, attempt_outcome(future), schedule, result, progress)

    def settle(self, task: Task, outcome: Outcome | GraderFailure, schedule: Schedule, result: BatchResult,
               progress: Any) -> None:
        """Write a finished student; after a failed attempt, retry it or give up on it for this run."""
        if isinstance(outcome, Outcome):
            self.finish(task, outcome, result, progress)
        elif not schedule.retry(task):
            result.grader_errors[task.entry.student] = str(outcome)
            advance(progress, task.entry.student, grader_error(str(outcome)))

    def finish_running(self, schedule: Schedule, result: BatchResult, progress: Any) -> None:
        """After Ctrl-C: the students being graded finish (each is bounded by its timeouts)
        and are journalled; a second Ctrl-C stops waiting for them."""
        try:
            wait(schedule.running)
            for future, task in schedule.running.items():
                outcome = attempt_outcome(future)
                if isinstance(outcome, Outcome):
                    self.finish(task, outcome, result, progress)
        except KeyboardInterrupt:
            pass

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


BATCH_EXAMPLES = """
\b
Examples:
  lstm-grader batch submissions/ --out graded/ --jobs 2
  lstm-grader batch course/submitted --out graded/ --sandbox process
  LSTM_GRADER_SECRET=... lstm-grader batch submissions.zip --out graded/ --force
"""


def batch_command() -> Any:
    import sys

    import click

    from grader.course.secret import SecretError, load_secret
    from grader.report.progress_bar import make_progress
    from grader.lstm.registry import part_names
    from grader.sandbox.session import SANDBOX_MODES, SandboxUnavailable, resolve_sandbox

    @click.command("batch", epilog=BATCH_EXAMPLES)
    @click.argument("submissions", type=click.Path(exists=True, path_type=Path))
    @click.option("--out", "out", required=True, type=click.Path(path_type=Path),
                  help="Folder for grades.csv, reports/, feedback/ and the summary.")
    @click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                  help="Submissions graded in parallel.")
    @click.option("--timeout", type=float, default=10.0, show_default=True,
                  help="Seconds each part may run before it is stopped.")
    @click.option("--force", is_flag=True, help="Regrade everything, ignoring the journal.")
    @click.option("--sandbox", "sandbox_mode", type=click.Choice(SANDBOX_MODES), default="auto",
                  show_default=True, help="bwrap: namespaces; process: rlimits only; auto: bwrap if it works.")
    @click.option("--part", "parts", multiple=True, metavar="NAME", help="Grade only this part (repeatable).")
    @click.option("--feedback", "feedback_format", type=click.Choice(["md", "html"]), default="md",
                  show_default=True, help="Format of the per-student feedback files.")
    @click.option("--secret-file", type=click.Path(path_type=Path), default=None,
                  help="Course secret file (default: $LSTM_GRADER_SECRET, else ~/.config/lstm-grader/secret).")
    def batch(submissions: Path, out: Path, jobs: int, timeout: float, force: bool, sandbox_mode: str,
              parts: tuple[str, ...], feedback_format: str, secret_file: Path | None) -> None:
        """Grade every student's submission in SUBMISSIONS (a folder, nbgrader's submitted/, or a zip)."""
        unknown = sorted(set(parts) - set(part_names()))
        if unknown:
            raise click.UsageError(f"unknown part {', '.join(unknown)}")
        try:
            secret = load_secret(secret_file)
            protected = [out] + ([Path(secret.source)] if secret.configured and not secret.source.startswith("$") else [])
            sandbox = resolve_sandbox(sandbox_mode, protected=protected)
        except (SecretError, SandboxUnavailable) as error:
            click.echo(f"lstm-grader: {error}", err=True)
            sys.exit(2)
        if not secret.configured:
            click.echo("lstm-grader: no course secret ($LSTM_GRADER_SECRET or --secret-file); seeds come from "
                       "student ids alone and can be guessed", err=True)
        hide_from_children()
        options = BatchOptions(out=out, jobs=jobs, timeout=timeout, force=force, parts=list(parts) or None,
                               feedback_format=feedback_format, sandbox=sandbox, secret=secret)
        try:
            result = run_batch(submissions, options, lambda total: make_progress(total))
        except (ArchiveError, InputError, OutputError) as error:
            click.echo(f"lstm-grader: {clean_text(error, REASON_LIMIT)}".replace("\n", " "), err=True)
            sys.exit(2)
        if result.interrupted:
            click.echo(f"interrupted: {result.graded} graded this run and journalled; run the same command "
                       "again to resume", err=True)
            sys.exit(130)
        click.echo(final_line(result, out), err=True)

    return batch


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
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass
