"""The `lstm-grader` command line: a thin layer over plain functions."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from grader import __version__
from grader.cli.early_check import ChildKey, default_submission, take_early
from grader.cli.options import SECONDS, SEED, PartOption
from grader.sandbox.modes import DEFAULT_TIMEOUT, SANDBOX_MODES

if TYPE_CHECKING:
    from grader.engine.prelaunch import Prelaunched
    from grader.engine.results import Report
    from grader.sandbox import Sandbox
# the grading machinery (numpy, the parts, the reference) is imported by the command that grades, not here:
# `lstm-grader --help` and the commands that do not grade start without it

USAGE_ERROR = 2

CHECK_EXAMPLES = """
\b
Examples:
  lstm-grader check                          grade the exercises/ folder
  lstm-grader check my_lstm.py --part forget_gate
  lstm-grader check exercises/ --json > report.json
"""


# commands that live in their own modules, imported only when used, so that `lstm-grader check` does not
# pay for batch, notebooks or plotting at start-up; each with the first line of its help, for `--help`
# (tests/test_cli_speed.py checks that each matches the command's own docstring)
LAZY_COMMANDS = {
    "batch": ("grader.cli.batch:batch",
              "Grade every student's submission in SUBMISSIONS (a folder, nbgrader's submitted/, or a zip)."),
    "gradescope": ("grader.cli.gradescope:gradescope", "Gradescope autograder bundles."),
    "notebook": ("grader.cli.notebook:notebook", "The nbgrader notebook assignment (maintainers)."),
    "release": ("grader.cli.notebook:release",
                "Build the student release into OUT: stubs, notebook, the grader with public vectors; no solutions."),
    "hint": ("grader.cli.tutor:hint", "A hint for PART, one level at a time."),
    "explain": ("grader.cli.tutor:explain",
                "The ideas behind the exercises: gates, gate-table, bptt, cell-path (no TOPIC: the list)."),
    "watch": ("grader.cli.tutor:watch", "Grade SUBMISSION again every time you save (default: exercises/, or the "
              "workspace you are in); Ctrl-C stops."),
    "start": ("grader.cli.tutor:start", "Create DIRECTORY with a fresh copy of the exercises to work in."),
    "plot": ("grader.cli.plot:plot", "Draw the bonus parts as PNG pictures (needs the plot extra: matplotlib)."),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time it is run, not to list it."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in LAZY_COMMANDS:
            return super().get_command(ctx, name)
        import importlib

        module_name, attribute = LAZY_COMMANDS[name][0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, from each lazy command's stored first line of help."""
        limit = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS:
                rows.append((name, click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit)))
            else:
                command = super().get_command(ctx, name)
                if command is not None and not command.hidden:
                    rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstm-grader")
def main() -> None:
    """Build the LSTM in numpy, part by part, and get graded with feedback that says why."""


@main.command(epilog=CHECK_EXAMPLES)
@click.argument("submission", required=False)
@click.option("--part", "parts", multiple=True, metavar="NAME", cls=PartOption,
              help="Grade only this part (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report of the contract.")
@click.option("--seed", type=SEED, default=None,
              help="Seed of the random cases (default: derived from your files).")
@click.option("--timeout", type=SECONDS, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds each part may run before it is stopped.")
@click.option("--no-progress", is_flag=True,
              help="Do not record this run in <workspace>/.lstm-grader/progress.json (a folder that is "
                   "not a workspace is never written to).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="FILE", help="Also write the results as JUnit XML (one test case per part).")
@click.option("--sandbox", "sandbox_mode", type=click.Choice(SANDBOX_MODES), default="auto", show_default=True,
              help="How your code is held in: auto picks the strongest here (see the README); "
                   "none runs it unconfined (unsafe).")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None, metavar="SCORE",
              help="Exit 1 when the score, as a percentage of the points graded (core parts; bonus "
                   "parts when only those are graded), is below SCORE: for CI. Without it, check exits 0 "
                   "whatever the score, and 2 on a usage error.")
def check(submission: str | None, parts: tuple[str, ...], as_json: bool, seed: int | None,
          timeout: float, no_progress: bool, junit_path: Path | None, sandbox_mode: str,
          fail_under: float | None) -> None:
    """Grade SUBMISSION: a .py file, a folder of .py files, or a notebook (default: exercises/, or the
    workspace you are in)."""
    from grader.engine.prelaunch import prelaunch
    from grader.engine.submission import SubmissionError
    from grader.sandbox import SandboxUnavailable, resolve_sandbox

    if junit_path is not None and not junit_path.resolve().parent.is_dir():
        raise click.UsageError(f"--junit {junit_path}: the folder {junit_path.parent} does not exist; create it first")
    try:
        # the child was started before click (grader.cli.early_check), else it starts now; either way it
        # imports numpy while this process imports the grading machinery
        ready = take_early(ChildKey(submission, sandbox_mode, timeout, as_json))
        if ready is not None:
            sandbox = ready.session.sandbox
        else:
            sandbox = resolve_sandbox(sandbox_mode, quiet=as_json)
            ready = prelaunch(submission or default_submission(), sandbox, timeout) if usable(submission) else None
    except (SandboxUnavailable, SubmissionError) as error:
        click.echo(f"lstm-grader: {error}", err=True)
        sys.exit(USAGE_ERROR)
    try:
        grade_and_show(submission, parts, as_json, seed, timeout, no_progress, junit_path, sandbox, fail_under,
                       ready)
    finally:
        if ready is not None:
            ready.close()  # nothing if grading took it over


def usable(submission: str | None) -> bool:
    """Whether the submission to grade exists (else check says so, below, before any child starts)."""
    return Path(submission or default_submission()).exists()


def grade_and_show(submission: str | None, parts: tuple[str, ...], as_json: bool, seed: int | None,
                   timeout: float, no_progress: bool, junit_path: Path | None, sandbox: Sandbox,
                   fail_under: float | None, ready: Prelaunched | None) -> None:
    """Grade with the child already started, show the report, and exit as `check` documents."""
    from grader.engine.reference import ReferenceUnavailable
    from grader.engine.submission import SubmissionError
    from grader.lstm import part_names
    from grader.lstm.grading import grade
    from grader.sandbox import SandboxUnavailable

    known = set(part_names())
    unknown = [name for name in parts if name not in known]
    if unknown:
        raise click.UsageError(f"unknown part {', '.join(unknown)}; parts are: {', '.join(part_names())}")
    target = submission or default_submission()
    if submission is None and not Path(target).exists():
        click.echo("lstm-grader: no exercises/ folder here; give the path of your work, or make a "
                   "fresh workspace with: lstm-grader start my-lstm", err=True)
        sys.exit(USAGE_ERROR)
    try:
        report = grade(target, parts=list(parts) or None, seed=seed, timeout=timeout, sandbox=sandbox, ready=ready)
    except (SandboxUnavailable, SubmissionError, ReferenceUnavailable) as error:
        click.echo(f"lstm-grader: {error}", err=True)
        sys.exit(USAGE_ERROR)
    from grader.student.workspace import is_workspace, record  # progress per workspace: what passes, next part

    # progress is written only into the student's own workspace: never into the solutions or someone else's folder
    progress = None if no_progress else record(report, target, save=submission is None or is_workspace(target))
    if junit_path is not None:
        from grader.course.journal import atomic_write
        from grader.report.junit import report_to_junit

        atomic_write(junit_path, report_to_junit(report))
    if as_json:
        from grader.report.json_report import render_json

        click.echo(render_json(report))
    else:
        from grader.report.terminal import render_report

        render_report(report, sys.stdout, progress=progress)
    if fail_under is not None and percentage(report) < fail_under:
        click.echo(f"lstm-grader: score {percentage(report):.4g}% is below --fail-under {fail_under:g}", err=True)
        sys.exit(1)


def percentage(report: Report) -> float:
    """The score as a percentage of the points graded: the core parts, or the bonus parts alone."""
    if report.max_score:
        return 100.0 * report.score / report.max_score
    return 100.0 * report.bonus / report.max_bonus if report.max_bonus else 100.0


@main.command("make-exercises")
@click.option("--check", "only_check", is_flag=True, help="Only report drift; exit 1 if out of sync.")
def make_exercises(only_check: bool) -> None:
    """Regenerate exercises/ from solutions/ (maintainers)."""
    from grader.cli.notebook import maintainer_imports

    maintainer_imports()
    from grader.instructor.stubs import (default_exercises_dir, default_solutions_dir, exercises_drift,
                              generate_exercises)

    solutions, exercises = default_solutions_dir(), default_exercises_dir()
    if only_check:
        problems = exercises_drift(solutions, exercises)
        for problem in problems:
            click.echo(problem)
        sys.exit(1 if problems else 0)
    for path in generate_exercises(solutions, exercises):
        click.echo(f"wrote {path}")


if __name__ == "__main__":
    main()
