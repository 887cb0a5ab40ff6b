"""`lstm-grader batch`: grade a class (the work is done by `grader.course.batch.run_batch`)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from grader.cli.commands import USAGE_ERROR
from grader.course.archive import ArchiveError
from grader.course.batch import (BatchOptions, BatchResult, InputError, OutputError, final_line, hide_from_children,
                                 run_batch)
from grader.course.secret import CourseSecret, SecretError, load_secret
from grader.course.supervise import REASON_LIMIT
from grader.lstm import part_names
from grader.report.progress_bar import make_progress
from grader.sandbox import DEFAULT_TIMEOUT, SANDBOX_MODES, Sandbox, SandboxUnavailable, resolve_sandbox
from grader.sandbox.safe_text import clean_text
from grader.cli.options import SECONDS

INTERRUPTED = 130  # the shell's code for a Ctrl-C

BATCH_EXAMPLES = """
\b
Examples:
  lstm-grader batch submissions/ --out graded/ --jobs 2
  lstm-grader batch course/submitted --out graded/ --sandbox process
  LSTM_GRADER_SECRET=... lstm-grader batch submissions.zip --out graded/ --force
"""


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """Say what stopped the batch, in one line, and exit with `code`."""
    click.echo(message, err=True)
    sys.exit(code)


def secret_and_sandbox(secret_file: Path | None, out: Path, sandbox_mode: str) -> tuple[CourseSecret, Sandbox]:
    """The course secret and the sandbox, which must keep the output folder and the secret file from children."""
    try:
        secret = load_secret(secret_file)
        protected = [out] + ([Path(secret.source)] if secret.configured and not secret.source.startswith("$") else [])
        return secret, resolve_sandbox(sandbox_mode, protected=protected)
    except (SecretError, SandboxUnavailable) as error:
        fail(f"lstm-grader: {error}")


def report_run(result: BatchResult, out: Path) -> None:
    """The last line on stderr: what the run did, or how to resume it."""
    if result.interrupted:
        fail(f"interrupted: {result.graded} graded this run and journalled; run the same command "
             "again to resume", INTERRUPTED)
    click.echo(final_line(result, out), err=True)


@click.command("batch", epilog=BATCH_EXAMPLES)
@click.argument("submissions", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="Folder for grades.csv, reports/, feedback/ and the summary.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Submissions graded in parallel.")
@click.option("--timeout", type=SECONDS, default=DEFAULT_TIMEOUT, show_default=True,
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
    secret, sandbox = secret_and_sandbox(secret_file, out, sandbox_mode)
    if not secret.configured:
        click.echo("lstm-grader: no course secret ($LSTM_GRADER_SECRET or --secret-file); seeds come from "
                   "student ids alone and can be guessed", err=True)
    hide_from_children()
    options = BatchOptions(out=out, jobs=jobs, timeout=timeout, force=force, parts=list(parts) or None,
                           feedback_format=feedback_format, sandbox=sandbox, secret=secret)
    try:
        result = run_batch(submissions, options, lambda total: make_progress(total))
    except (ArchiveError, InputError, OutputError) as error:
        fail(f"lstm-grader: {clean_text(error, REASON_LIMIT)}".replace("\n", " "))
    report_run(result, out)
