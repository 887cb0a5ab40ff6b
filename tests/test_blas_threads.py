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
# prints the BLAS variables as the grader's process left them, once the command is done
SHOW_AT_EXIT = ("import atexit, os, sys\n"
                "atexit.register(lambda: print([os.environ.get(name) for name in {names!r}]))\n"
                "sys.argv = ['lstm-grader', *sys.argv[1:]]\n"
                "from {module} import main\n"
                "main()\n")


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
def test_the_command_line_sets_them_before_it_imports_numpy(arguments: list[str]) -> None:
    environment = {name: value for name, value in os.environ.items() if name not in ONE_BLAS_THREAD}
    names = sorted(ONE_BLAS_THREAD)
    script = SHOW_AT_EXIT.format(names=names, module="grader.cli")
    done = subprocess.run([sys.executable, "-c", script, *arguments], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.splitlines()[-1] == str(["1"] * len(names)), done.stderr
    probe = ("import sys\nfrom grader.cli import main\nsys.argv = ['lstm-grader', '--version']\n"
             "import grader.sandbox.modes as modes\ncalled = []\n"
             "modes.use_one_blas_thread = lambda: called.append('numpy' in sys.modules)\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\nprint(called)\n")
    seen = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=environment, capture_output=True,
                          text=True, timeout=300)
    assert seen.stdout.splitlines()[-1] == "[False]", seen.stderr  # called once, before numpy was imported
