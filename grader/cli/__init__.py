"""The command line, `lstm-grader`: the only package that imports click."""
from __future__ import annotations


def main() -> None:
    """The console script's entry point (`grader.cli:main`); `check` starts its child before click is imported."""
    import sys

    from grader.cli.early_check import start_early

    start_early(sys.argv[1:])
    from grader.cli.commands import main as run

    run()
