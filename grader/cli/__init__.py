"""The command line, `lstm-grader`: the only package that imports click."""
from __future__ import annotations


def main() -> None:
    """The console script's entry point (`grader.cli:main`). `check` starts its child before click is
    imported (grader.cli.early_check) and skips the interpreter's teardown (grader.cli.fast_exit)."""
    import sys

    from grader.sandbox.modes import use_one_blas_thread

    use_one_blas_thread()  # before anything imports numpy
    from grader.cli.early_check import start_early

    start_early(sys.argv[1:])
    from grader.cli.commands import main as run

    if sys.argv[1:2] != ["check"]:
        run()
        return
    from grader.cli.fast_exit import exit_now

    try:
        run()
    except SystemExit as done:
        exit_now(done.code)
    exit_now(0)
