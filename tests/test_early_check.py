"""`lstm-grader check` starts its child before click (grader.cli.early_check), and only when it reads
the arguments as click will; a child started for another reading is stopped, none is left behind."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.cli import early_check
from grader.cli.early_check import ChildKey, read_check_arguments, start_early, take_early
from grader.sandbox.modes import DEFAULT_TIMEOUT

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("arguments, key", [
    ([], ChildKey(None, "auto", DEFAULT_TIMEOUT, False)),
    (["solutions", "--json"], ChildKey("solutions", "auto", DEFAULT_TIMEOUT, True)),
    (["--part", "sigmoid", "--part=forget_gate", "x.py", "--sandbox", "process", "--timeout=2.5"],
     ChildKey("x.py", "process", 2.5, False)),
    (["--seed", "7", "--no-progress", "--fail-under", "50", "--junit", "out.xml", "work"],
     ChildKey("work", "auto", DEFAULT_TIMEOUT, False)),
])
def test_plain_arguments_give_the_childs_key(arguments: list[str], key: ChildKey) -> None:
    assert read_check_arguments(arguments) == key


@pytest.mark.parametrize("arguments", [
    ["--help"], ["-h"], ["a", "b"], ["--sandbox", "jail"], ["--timeout", "0"], ["--timeout", "nan"],
    ["--timeout", "3601"], ["--timeout", "soon"], ["--part"], ["--part", "--json"], ["--verbose"], ["--", "x"],
])
def test_anything_not_plainly_valid_is_left_to_click(arguments: list[str]) -> None:
    assert read_check_arguments(arguments) is None


@pytest.mark.slow
def test_the_early_child_is_taken_over_only_for_the_same_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    start_early(["check", "solutions", "--sandbox", "process", "--json"])
    assert early_check._started is not None
    ready = early_check._started[1]
    assert ready.session.alive
    assert take_early(ChildKey("solutions", "process", DEFAULT_TIMEOUT, True)) is ready
    assert take_early(ChildKey("solutions", "process", DEFAULT_TIMEOUT, True)) is None  # once
    ready.close()

    start_early(["check", "solutions", "--sandbox", "process"])
    process = early_check._started[1].session.process
    assert take_early(ChildKey("solutions", "process", 3.0, False)) is None  # another timeout: not this child
    assert process.poll() is not None and early_check._started is None


def test_other_commands_and_missing_submissions_start_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for argv in (["batch", "x"], ["check", "nowhere"], ["check"], ["check", "--help"]):
        start_early(argv)
        assert early_check._started is None, argv


def gone(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


@pytest.mark.slow
def test_a_usage_error_after_the_early_start_leaves_no_child_and_no_staging() -> None:
    script = ("import sys, grader.cli.early_check as early\n"
              "sys.argv = ['lstm-grader', 'check', 'solutions', '--part', 'bogus', '--sandbox', 'process']\n"
              "early.start_early(sys.argv[1:])\n"
              "session = early._started[1].session\n"
              "print(session.process.pid, session.workdir.name, flush=True)\n"
              "from grader.cli.commands import main\n"
              "main()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "unknown part bogus" in result.stderr
    pid, staging = result.stdout.split()
    assert gone(int(pid)) and not Path(staging).exists()


@pytest.mark.slow
def test_check_grades_with_the_early_child(tmp_path: Path) -> None:
    """One child for the whole check: the one started before click."""
    script = ("import sys, grader.sandbox.launch as launch, grader.engine.prelaunch as prelaunch\n"
              "count = []\n"
              "real = prelaunch.start_child\n"
              "prelaunch.start_child = lambda *a, **k: count.append(1) or real(*a, **k)\n"
              "import atexit\n"
              "atexit.register(lambda: print('children started:', len(count), file=sys.stderr))\n"
              "from grader.cli import main\n"
              "sys.argv = ['lstm-grader', 'check', 'solutions', '--json', '--no-progress', '--part', 'sigmoid',"
              " '--part', 'forget_gate']\n"
              "main()\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert '"score": 7.0' in result.stdout
    assert "children started: 1" in result.stderr
