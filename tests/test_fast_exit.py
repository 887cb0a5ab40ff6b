"""`lstm-grader check` ends without the interpreter's teardown (grader.cli.fast_exit), and still
leaves everything as a polite exit would: the exit status, whole output files, no child, no folder."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from grader.cli.fast_exit import exit_status

REPO = Path(__file__).resolve().parent.parent


def test_the_status_is_the_one_sys_exit_gives(capsys: pytest.CaptureFixture[str]) -> None:
    assert [exit_status(None), exit_status(0), exit_status(2)] == [0, 0, 2]
    assert exit_status("lstm-grader: no") == 1
    assert capsys.readouterr().err == "lstm-grader: no\n"


def lstm_grader(arguments: list[str], temporary: Path) -> subprocess.CompletedProcess[str]:
    """The real entry point, with its own temporary folder, so what it leaves there can be seen."""
    environment = dict(os.environ, TMPDIR=str(temporary))
    return subprocess.run([sys.executable, "-m", "grader", *arguments], cwd=REPO, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_check_leaves_whole_files_and_nothing_running(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    junit = tmp_path / "results.xml"
    result = lstm_grader(["check", "exercises", "--json", "--no-progress", "--junit", str(junit),
                          "--fail-under", "50", "--sandbox", "process"], temporary)
    assert result.returncode == 1, result.stderr  # the stubs score 0: under 50
    report = json.loads(result.stdout)  # the whole report was flushed
    assert report["score"] == 0 and len(report["parts"]) == 21
    assert len(ElementTree.parse(junit).getroot().findall("testcase")) == 21  # the whole file, parseable
    assert list(temporary.iterdir()) == []  # the child's staging folder and the scratch copies are gone
    running = subprocess.run(["pgrep", "-f", str(temporary)], capture_output=True, text=True)
    assert running.stdout == ""  # no child of this check is left


@pytest.mark.slow
def test_a_usage_error_still_exits_2_with_its_message(tmp_path: Path) -> None:
    result = lstm_grader(["check", "solutions", "--part", "nothing"], tmp_path)
    assert result.returncode == 2 and "unknown part nothing" in result.stderr
    assert list(tmp_path.iterdir()) == []
