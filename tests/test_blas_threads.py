"""The grader's own process does its tiny linear algebra on one BLAS thread: a pool would only spin."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox.launch import child_environment
from grader.sandbox.modes import ONE_BLAS_THREAD, use_one_blas_thread

REPO = Path(__file__).resolve().parent.parent
NAMES = sorted(ONE_BLAS_THREAD)
# the environment without the BLAS variables, so that only the grader can have set them
UNSET = {name: value for name, value in os.environ.items() if name not in ONE_BLAS_THREAD}


def python(script: str, *arguments: str) -> list[str]:
    """The lines `script` prints, run from the repository in the environment `UNSET`."""
    done = subprocess.run([sys.executable, "-c", script, *arguments], cwd=REPO, env=UNSET, capture_output=True,
                          text=True, timeout=300)
    assert done.stdout, done.stderr
    return done.stdout.splitlines()


def test_unset_variables_become_one_and_a_choice_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ONE_BLAS_THREAD:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    use_one_blas_thread()
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1" and os.environ["MKL_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "4"  # the user's own setting wins in the grader's process


def test_the_child_has_one_thread_whatever_the_grader_was_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    environment = child_environment("/sandbox/work")
    assert all(environment[name] == "1" for name in ONE_BLAS_THREAD)


@pytest.mark.parametrize("arguments", [["--help"], ["check", "solutions", "--part", "sigmoid", "--json"]])
def test_the_command_line_leaves_them_set(arguments: list[str]) -> None:
    script = ("import atexit, os, sys\n"
              f"atexit.register(lambda: print([os.environ.get(name) for name in {NAMES!r}]))\n"
              "sys.argv = ['lstm-grader', *sys.argv[1:]]\n"
              "from grader.cli import main\n"
              "main()\n")
    assert python(script, *arguments)[-1] == str(["1"] * len(NAMES))


def test_the_command_line_sets_them_before_it_imports_numpy() -> None:
    script = ("import sys\nfrom grader.cli import main\nsys.argv = ['lstm-grader', '--version']\n"
              "import grader.sandbox.modes as modes\ncalled = []\n"
              "modes.use_one_blas_thread = lambda: called.append('numpy' in sys.modules)\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\nprint(called)\n")
    assert python(script)[-1] == "[False]"  # called once, before numpy was imported
