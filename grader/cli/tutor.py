"""The tutor's commands: `hint`, `explain`, `watch` and `start` (registered at the end of grader/cli/commands.py)."""
from __future__ import annotations

import datetime
import sys
import threading
from pathlib import Path

import click

from grader.sandbox import DEFAULT_TIMEOUT
from grader.lstm.grading import grade
from grader.lstm import part_names
from grader.engine.submission import SubmissionError
from grader.cli.options import SECONDS, SEED

USAGE_ERROR = 2


def default_workspace() -> Path:
    return Path("exercises") if Path("exercises").is_dir() else Path(".")


@click.command(epilog="\n\b\nExamples:\n  lstm-grader hint forget_gate\n  lstm-grader hint lstm_backward --level 3\n")
@click.argument("part", type=click.Choice(part_names()), metavar="PART")
@click.option("--level", type=click.IntRange(1, 3), default=1, show_default=True,
              help="1: the idea, 2: the equation, 3: almost code (never the full solution).")
@click.option("--workspace", type=click.Path(file_okay=True, path_type=Path), default=None,
              help="Where your last check was recorded (default: exercises/ or the current folder).")
def hint(part: str, level: int, workspace: Path | None) -> None:
    """A hint for PART, one level at a time."""
    from grader.lstm.hints import HintError, hint as hint_text
    from grader.lstm import MISTAKES_BY_ID
    from grader.report.terminal import render_markdown
    from grader.student.workspace import last_diagnosis, workspace_of

    try:
        text = hint_text(part, level)
    except HintError as error:
        raise click.UsageError(str(error)) from None
    diagnosis = last_diagnosis(workspace_of(workspace or default_workspace()), part)
    if diagnosis:
        mistake = MISTAKES_BY_ID.get(diagnosis)
        said = mistake.explanation if mistake else diagnosis.split(".", 1)[1].replace("_", " ")
        text += f"\nYour last check said: looks like {said}.\n"
    render_markdown(text, sys.stdout)


@click.command()
@click.argument("topic", required=False)
def explain(topic: str | None) -> None:
    """The ideas behind the exercises: gates, gate-table, bptt, cell-path (no TOPIC: the list)."""
    from grader.lstm.explain import UnknownTopic, topic_list, topic_text
    from grader.report.terminal import render_markdown

    try:
        text = topic_text(topic) if topic else topic_list()
    except UnknownTopic as error:
        raise click.UsageError(str(error)) from None
    render_markdown(text, sys.stdout)


@click.command()
@click.argument("submission", required=False)
@click.option("--part", "parts", multiple=True, metavar="NAME", type=click.Choice(part_names()),
              help="Grade only this part (repeatable).")
@click.option("--seed", type=SEED, default=None, help="Seed of the random cases (default: from your files).")
@click.option("--timeout", type=SECONDS, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds each part may run before it is stopped.")
def watch(submission: str | None, parts: tuple[str, ...], seed: int | None, timeout: float) -> None:
    """Grade SUBMISSION again every time you save (default: exercises/, or the workspace you are in); Ctrl-C stops."""
    from grader.report.terminal import render_report, render_watch_header
    from grader.student.watch import WatchUnavailable, watch_files
    from grader.student.workspace import is_workspace, record

    from grader.cli.commands import default_submission

    target = Path(submission or default_submission())
    if not target.exists():
        raise click.UsageError(f"{target} does not exist; give your submission folder or file")

    def regrade(saved: list[str]) -> None:
        render_watch_header(saved, datetime.datetime.now().strftime("%H:%M:%S"), sys.stdout)
        try:
            report = grade(target, parts=list(parts) or None, seed=seed, timeout=timeout)
        except SubmissionError as error:
            click.echo(f"lstm-grader: {error} (fix it and save again)")
            return
        # as check does: progress is written into the student's own workspace only
        keep = submission is None or is_workspace(target)
        render_report(report, sys.stdout, progress=record(report, target, save=keep))
        click.echo(f"watching {target} for saves; Ctrl-C stops")

    stop = threading.Event()
    try:
        watch_files(target, regrade, stop)
    except WatchUnavailable as error:
        click.echo(f"lstm-grader: {error}", err=True)
        sys.exit(USAGE_ERROR)
    except KeyboardInterrupt:
        stop.set()
        click.echo("\nstopped watching")


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
def start(directory: Path) -> None:
    """Create DIRECTORY with a fresh copy of the exercises to work in."""
    from grader.student.start import StartError, start_workspace

    try:
        written = start_workspace(directory)
    except StartError as error:
        click.echo(f"lstm-grader: {error}", err=True)
        sys.exit(USAGE_ERROR)
    except OSError as error:
        click.echo(f"lstm-grader: cannot create {directory}: {error.strerror or error}; choose a folder you can "
                   "write to, e.g. lstm-grader start ~/my-lstm", err=True)
        sys.exit(USAGE_ERROR)
    click.echo(f"created {directory} with {len(written)} exercise files:")
    for path in written:
        click.echo(f"  {path}")
    click.echo(f"next: open {written[0]}, fill in the first function, then run: lstm-grader check {directory}")
    click.echo(f"or let it re-grade on every save: lstm-grader watch {directory}")
    click.echo("the ideas behind it: lstm-grader explain")
