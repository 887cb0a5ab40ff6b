"""The command line, `lstm-grader`: the only package that imports click."""
from __future__ import annotations


def main() -> None:
    """The console script's entry point (`grader.cli:main`)."""
    from grader.cli.commands import main as run

    run()
