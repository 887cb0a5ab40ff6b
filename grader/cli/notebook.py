"""Maintainer commands: `lstm-grader notebook build` and `lstm-grader release OUT`."""
from __future__ import annotations

import sys
from pathlib import Path

import click


def maintainer_imports() -> None:
    """Stop with a clear message in a student release, which leaves the maintainer tools out."""
    import importlib.util

    if importlib.util.find_spec("grader.instructor.stubs") is None:
        click.echo("lstm-grader: this is a maintainer command; run it in the project's checkout", err=True)
        sys.exit(2)


@click.group("notebook")
def notebook() -> None:
    """The nbgrader notebook assignment (maintainers)."""


@notebook.command("build")
@click.option("--check", "only_check", is_flag=True, help="Only report drift; exit 1 if out of sync.")
def build_command(only_check: bool) -> None:
    """Build solutions/lstm_assignment.ipynb from solutions/*.py, then exercises/ with nbgrader."""
    maintainer_imports()
    from grader.instructor.notebooks import NotebookBuildError, build, notebook_drift
    from grader.instructor.stubs import default_exercises_dir, default_solutions_dir

    solutions, exercises = default_solutions_dir(), default_exercises_dir()
    try:
        if only_check:
            problems = notebook_drift(solutions, exercises)
            for problem in problems:
                click.echo(problem)
            sys.exit(1 if problems else 0)
        for path in build(solutions, exercises):
            click.echo(f"wrote {path}")
    except ImportError as error:
        click.echo(f"lstm-grader: {error}; install the extra: pip install 'lstm-autograder[nbgrader]'", err=True)
        sys.exit(2)
    except NotebookBuildError as error:
        click.echo(f"lstm-grader: {error}", err=True)
        sys.exit(2)


@click.command("release")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
def release(out: Path) -> None:
    """Build the student release into OUT: stubs, notebook, the grader with public vectors; no solutions."""
    maintainer_imports()
    from grader.instructor.release import ReleaseError, build_release
    from grader.instructor.stubs import default_exercises_dir, default_solutions_dir

    try:
        written = build_release(out, default_solutions_dir(), default_exercises_dir())
    except ReleaseError as error:
        click.echo(f"lstm-grader: {error}", err=True)
        sys.exit(2)
    for path in written:
        click.echo(f"wrote {path}")
