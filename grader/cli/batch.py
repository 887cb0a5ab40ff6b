"""`lstm-grader batch`: grade a class (the work is done by `grader.course.batch.run_batch`).

What a run says at the end is exact: every entry of the input is counted once
(graded, already done, not gradable, not graded: grader error, skipped), and
each skipped entry is named with the reason. When some students are left to
grade (Ctrl-C, a grader error) it prints the command that grades them: this
one without `--force`. `--force` keeps meaning "regrade everyone", and it
starts the journal afresh, so after an interrupted forced run the journal holds
exactly the students that run finished; the same command again would throw
them away, the printed one grades only the rest.
"""
from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import NoReturn

import click
from click.core import ParameterSource

from grader.cli.commands import USAGE_ERROR
from grader.course.archive import ArchiveError
from grader.course.batch import BatchOptions, BatchResult, InputError, OutputError, hide_from_children, run_batch
from grader.course.secret import CourseSecret, SecretError, load_secret
from grader.course.supervise import REASON_LIMIT
from grader.lstm import part_names
from grader.report.progress_bar import make_progress
from grader.sandbox import DEFAULT_TIMEOUT, SANDBOX_MODES, Sandbox, SandboxUnavailable, resolve_sandbox
from grader.sandbox.safe_text import clean_text
from grader.cli.options import SECONDS

INTERRUPTED = 130  # the shell's code for a Ctrl-C
COMMAND_LIMIT = 4000

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
        if secret.warning:
            click.echo(f"lstm-grader: {secret.warning}", err=True)
        protected = [out] + ([Path(secret.source)] if secret.configured and not secret.source.startswith("$") else [])
        return secret, resolve_sandbox(sandbox_mode, protected=protected)
    except (SecretError, SandboxUnavailable) as error:
        fail(f"lstm-grader: {error}")


def resume_command(context: click.Context) -> str:
    """This command as it was typed, without --force: what grades only the students not finished yet.

    Rebuilt from the arguments and the options given on the command line (not
    the defaults), quoted for a shell.
    """
    words = context.command_path.split()
    for parameter in context.command.params:
        name = parameter.name or ""
        if name == "force" or context.get_parameter_source(name) is not ParameterSource.COMMANDLINE:
            continue
        value = context.params[name]
        if isinstance(parameter, click.Option) and parameter.is_flag:
            words.append(parameter.opts[0])
        elif isinstance(parameter, click.Option):
            for one in value if parameter.multiple else [value]:
                words += [parameter.opts[0], str(one)]
        else:
            words.append(str(value))
    return clean_text(shlex.join(words), COMMAND_LIMIT).replace("\n", " ")


def final_lines(result: BatchResult, out: Path, resume: str) -> list[str]:
    """What the run did: the counts (each entry once), then how to grade those left to grade."""
    lines = [f"{result.graded} graded, {result.already_done} already done, {len(result.ungradable)} not "
             f"gradable, {len(result.grader_errors)} not graded: grader error, {len(result.skipped)} skipped; "
             f"wrote {out / 'grades.csv'}, {out / 'summary.md'}, {out / 'summary.html'}"]
    if result.grader_errors:
        lines.append(f"to grade the {len(result.grader_errors)} not graded, run: {resume}")
    return lines


def report_run(result: BatchResult, out: Path, resume: str, forced: bool) -> None:
    """The last lines on stderr: what was skipped or left out, then what the run did or how to resume it."""
    for line in [f"skipped {note}" for note in result.skipped] + [f"left out {note}" for note in result.notes]:
        click.echo(line, err=True)
    if result.interrupted:
        instead = " (without --force, which would regrade everyone)" if forced else ""
        fail(f"interrupted: {result.graded} graded and {len(result.ungradable)} not gradable this run, "
             f"journalled; to resume{instead}, run: {resume}", INTERRUPTED)
    for line in final_lines(result, out, resume):
        click.echo(line, err=True)


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
    report_run(result, out, resume_command(click.get_current_context()), force)
