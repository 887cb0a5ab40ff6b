"""Grade a class: every student's submission, a gradebook, feedback and a summary.

    lstm-grader batch SUBMISSIONS --out DIR [--jobs N] [--timeout S] [--force] [--sandbox MODE]

SUBMISSIONS is a folder with one entry per student (a .py file, a folder or a
notebook), nbgrader's `submitted/<student>/<assignment>/` layout, or a zip of
either. Each student is graded from a temporary copy with their own seed
(grader/course_secret.py). Every finished student is written at once (JSON
report, feedback) and journalled, so an interrupted run resumes where it
stopped; the gradebook and summary are rewritten atomically at the end.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import re
import signal
import tempfile
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader import __version__
from grader.archive import ArchiveError, copy_entry, extract_zip
from grader.course_secret import CourseSecret
from grader.feedback import render_feedback
from grader.journal import Journal, atomic_write
from grader.registry import all_parts
from grader.sandbox import Sandbox
from grader.summary import render_summary_markdown, summarise

SUBMISSION_SUFFIXES = (".py", ".ipynb")
JOURNAL_NAME = ".journal.jsonl"


@dataclass(frozen=True)
class Entry:
    """One student's submission as found in the input."""

    student: str
    path: Path


@dataclass
class BatchOptions:
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
    graded: int = 0
    skipped: int = 0
    ungradable: dict[str, str] = field(default_factory=dict)
    interrupted: bool = False


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
            student, path = item.name, resolve_student_folder(item)
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

    Runs in a pool worker. The submission folder is never written to.
    """
    global _reference
    from grader.grading import grade
    from grader.reference import Reference
    from grader.submission import SubmissionError

    if _reference is None:
        _reference = Reference()
    with tempfile.TemporaryDirectory(prefix="lstm-batch-") as folder:
        copy = Path(folder) / ("submission" + (entry.path.suffix if entry.path.is_file() else ""))
        try:
            skipped = copy_entry(entry.path, copy)
            report = grade(copy, parts=parts, seed=seed, timeout=timeout, reference=_reference,
                           sandbox=sandbox or "process")
        except (SubmissionError, ArchiveError, OSError) as error:
            return {"error": str(error).replace(str(copy), entry.path.name)}
    result = report.to_dict()
    result["submission"] = entry.path.name
    if skipped:
        result.setdefault("notes", skipped)
    return result


def pool_initializer() -> None:
    # Ctrl-C is handled by the parent, which lets running submissions finish
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def gradebook_csv(students: list[str], reports: dict[str, dict[str, Any]], failures: dict[str, str]) -> str:
    """grades.csv: student, one column per part of the registry, total, bonus, status."""
    names = [part.name for part in all_parts()]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *names, "total", "bonus", "status"])
    for student in students:
        cell = spreadsheet_safe(student)
        if student in reports:
            report = reports[student]
            scores = {part["name"]: part["score"] for part in report["parts"]}
            statuses = {part["status"] for part in report["parts"]}
            status = "graded" if statuses <= {"pass", "fail", "missing"} else \
                "graded (" + ", ".join(sorted(statuses - {"pass", "fail", "missing"})) + ")"
            writer.writerow([cell, *[format_points(scores.get(name)) for name in names],
                             format_points(report["score"]), format_points(report["bonus"]), status])
        elif student in failures:
            writer.writerow([cell, *[""] * len(names), "0", "0",
                             spreadsheet_safe("not gradable: " + failures[student])])
    return buffer.getvalue()


def spreadsheet_safe(text: str) -> str:
    """Keep a cell from being read as a formula by spreadsheet programs."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def format_points(value: float | None) -> str:
    return "" if value is None else f"{float(value):g}"


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
        with tempfile.TemporaryDirectory(prefix="lstm-batch-input-") as workspace:
            root, notes = unpack_input(self.source, Path(workspace))
            entries, discover_notes = discover(root)
            return self.grade_all(entries, notes + discover_notes)

    def grade_all(self, entries: list[Entry], notes: list[str]) -> BatchResult:
        result = BatchResult()
        if self.options.force:
            self.journal.reset()
        done = self.journal.entries()
        todo: list[tuple[Entry, int, str]] = []
        for entry in entries:
            seed = self.seed_for(entry.student)
            key = grading_key(entry_digest(entry.path), seed, self.options)
            previous = done.get(entry.student)
            if previous and previous.get("key") == key and (
                    "error" in previous or self.report_path(entry.student).exists()):
                result.skipped += 1
                continue
            todo.append((entry, seed, key))
        progress = self.make_progress(len(todo)) if self.make_progress else None
        try:
            if progress is not None:
                progress.__enter__()
            self.grade_pending(todo, result, progress)
        finally:
            if progress is not None:
                progress.__exit__(None, None, None)
        if not result.interrupted:
            self.write_class_files([entry.student for entry in entries], notes, result)
        return result

    def seed_for(self, student: str) -> int:
        secret = self.options.secret
        if secret.configured:
            return secret.seed_for(student)
        return int(hashlib.sha256(student.encode()).hexdigest()[:12], 16) % 1_000_000

    def grade_pending(self, todo: list[tuple[Entry, int, str]], result: BatchResult, progress: Any) -> None:
        options = self.options
        if options.jobs <= 1:
            try:
                for entry, seed, key in todo:
                    graded = grade_entry(entry, seed, options.parts, options.timeout, options.sandbox)
                    self.finish(entry, seed, key, graded, result, progress)
            except KeyboardInterrupt:
                result.interrupted = True
            return
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=options.jobs, mp_context=context, initializer=pool_initializer)
        futures: dict[Future[dict[str, Any]], tuple[Entry, int, str]] = {}
        try:
            for entry, seed, key in todo:
                future = pool.submit(grade_entry, entry, seed, options.parts, options.timeout, options.sandbox)
                futures[future] = (entry, seed, key)
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    entry, seed, key = futures[future]
                    try:
                        graded = future.result()
                    except Exception as error:  # noqa: BLE001  (a broken pool worker costs one student)
                        graded = {"error": f"the grader failed on this submission: {type(error).__name__}: {error}"}
                    self.finish(entry, seed, key, graded, result, progress)
        except KeyboardInterrupt:
            result.interrupted = True
            for future in futures:
                future.cancel()
            # running submissions finish (each is bounded by its timeouts) and are journalled
            for future, (entry, seed, key) in futures.items():
                if not future.cancelled():
                    try:
                        self.finish(entry, seed, key, future.result(), result, progress)
                    except Exception:  # noqa: BLE001
                        pass
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def finish(self, entry: Entry, seed: int, key: str, graded: dict[str, Any], result: BatchResult,
               progress: Any) -> None:
        """Write one student's files, then journal them (in that order: the journal never
        points at a file that is not there)."""
        student = entry.student
        if "error" in graded:
            result.ungradable[student] = graded["error"]
            self.journal.record({"student": student, "key": key, "seed": seed, "error": graded["error"]})
            outcome = "not gradable"
        else:
            atomic_write(self.report_path(student), json.dumps(graded, indent=2) + "\n")
            atomic_write(self.feedback_path(student),
                         render_feedback(student, graded, self.options.feedback_format))
            self.journal.record({"student": student, "key": key, "seed": seed, "score": graded["score"]})
            outcome = f"{graded['score']:g}/{graded['max_score']:g}"
        result.graded += 1
        if progress is not None:
            progress.advance(student, outcome)

    def write_class_files(self, students: list[str], notes: list[str], result: BatchResult) -> None:
        journal = self.journal.entries()
        reports: dict[str, dict[str, Any]] = {}
        failures: dict[str, str] = {}
        for student in students:
            entry = journal.get(student, {})
            if "error" in entry:
                failures[student] = str(entry["error"])
                continue
            try:
                reports[student] = json.loads(self.report_path(student).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                failures[student] = "no report was written"
        result.ungradable = failures
        atomic_write(self.out / "grades.csv", gradebook_csv(students, reports, failures))
        summary = summarise(reports, failures)
        summary["input_notes"] = notes
        atomic_write(self.out / "summary.json", json.dumps(summary, indent=2) + "\n")
        atomic_write(self.out / "summary.md", render_summary_markdown(summary))


def run_batch(source: Path, options: BatchOptions, progress: Callable[[int], Any] | None = None) -> BatchResult:
    """Grade every student under `source` into `options.out`."""
    options.out.mkdir(parents=True, exist_ok=True)
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

    from grader.course_secret import SecretError, load_secret
    from grader.progress import make_progress
    from grader.registry import part_names
    from grader.sandbox import SANDBOX_MODES, SandboxUnavailable, resolve_sandbox

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
            sandbox = resolve_sandbox(sandbox_mode)
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
        except ArchiveError as error:
            click.echo(f"lstm-grader: {error}", err=True)
            sys.exit(2)
        if result.interrupted:
            click.echo(f"interrupted: {result.graded} graded this run and journalled; run the same command "
                       "again to resume", err=True)
            sys.exit(130)
        click.echo(f"{result.graded} graded, {result.skipped} already done, {len(result.ungradable)} not "
                   f"gradable; wrote {out / 'grades.csv'}, {out / 'summary.md'}", err=True)

    return batch


def hide_from_children() -> None:
    """Make this process non-dumpable: a child running as the same user can then not
    read our memory or /proc/<pid>/environ (where the course secret may be)."""
    import ctypes

    try:
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except (OSError, AttributeError):
        pass
