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
