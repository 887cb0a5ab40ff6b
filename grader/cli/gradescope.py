"""`lstm-grader gradescope build`: the Gradescope autograder zip (made by `grader.course.gradescope`)."""
from __future__ import annotations

import os
from pathlib import Path

import click

from grader.course.gradescope import build_bundle
from grader.course.secret import SECRET_VARIABLE


@click.group("gradescope")
def gradescope() -> None:
    """Gradescope autograder bundles."""


@gradescope.command("build")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--solutions", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Reference solutions folder (default: the repository's solutions/).")
def build(out: Path, solutions: Path | None) -> None:
    """Write a Gradescope autograder zip (setup.sh, run_autograder, grader, solutions) to OUT."""
    names = build_bundle(out, solutions, os.environ.get(SECRET_VARIABLE) or None)
    click.echo(f"wrote {out} ({len(names)} files); upload it as the autograder of a "
               "Gradescope programming assignment (Ubuntu base image)")
