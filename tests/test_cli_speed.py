"""`lstm-grader --help` starts without the grading machinery; the speed itself is in benchmarks/."""
from __future__ import annotations

import subprocess
import sys

import click

from grader.cli.commands import LAZY_COMMANDS, main

NOT_FOR_HELP = ("numpy", "rich", "grader.lstm", "grader.engine.checks", "grader.sandbox.session")


def test_help_imports_neither_numpy_nor_the_grader_machinery():
    script = ("import sys\nfrom grader.cli.commands import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n"
              "    pass\nprint(' '.join(sorted(name for name in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(result.stdout.split())
    assert "Commands:" in result.stdout and "batch" in result.stdout
    assert not [name for name in NOT_FOR_HELP if name in loaded]


def test_the_stored_first_lines_are_the_commands_own():
    context = click.Context(main)
    for name, (_, first_line) in LAZY_COMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None and (command.help or "").splitlines()[0] == first_line, name


def test_check_help_still_lists_every_part():
    from click.testing import CliRunner
    from grader.lstm import part_names

    output = " ".join(CliRunner().invoke(main, ["check", "--help"], terminal_width=400).output.split())
    assert all(name in output for name in part_names())


def test_check_starts_its_child_before_the_grader_imports_numpy(tmp_path):
    """The child is launched from a process that has not imported numpy yet, then numpy is imported
    while the child imports its own (the check's start-up is two interpreters side by side)."""
    import shutil

    from mutants import SOLUTIONS_DIR

    for path in SOLUTIONS_DIR.glob("part1_*.py"):
        shutil.copy(path, tmp_path / path.name)
    script = (
        "import sys\n"
        "import grader.sandbox.launch as launch\n"
        "from grader.engine.prelaunch import prelaunch\n"
        "from grader.sandbox import resolve_sandbox\n"
        "sandbox = resolve_sandbox('auto', quiet=True)\n"
        "started = launch.start_child\n"
        "seen = []\n"
        "def spy(*args, **kwargs):\n"
        "    seen.append('numpy' in sys.modules)\n"
        "    return started(*args, **kwargs)\n"
        "launch.start_child = spy\n"
        "import grader.engine.prelaunch as module\n"
        "module.start_child = spy\n"
        f"ready = prelaunch({str(tmp_path)!r}, sandbox, 10.0)\n"
        "print('numpy at launch:', seen, 'numpy now:', 'numpy' in sys.modules)\n"
        "print('functions:', len(ready.session.start().functions))\n"
        "ready.close()\n")
    # a first run probes the sandbox (a probe is a child session, numpy and all) and keeps its answer
    subprocess.run([sys.executable, "-c", "from grader.sandbox import resolve_sandbox; resolve_sandbox('auto')"],
                   capture_output=True, timeout=120, check=True)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "numpy at launch: [False] numpy now: True" in result.stdout
    assert "functions: 0" not in result.stdout  # the prelaunched child serves the grading
