"""Bad numbers on the command line are one-line usage errors (exit 2), before anything is graded."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from grader.cli.commands import main
from grader.cli.options import SECONDS

BAD_TIMEOUTS = ["0", "nan", "-3", "inf", "1e9", "ten"]


@pytest.mark.parametrize("command", [["check", "solutions"], ["batch", "solutions", "--out", "graded"],
                                     ["watch", "solutions"]])
@pytest.mark.parametrize("value", BAD_TIMEOUTS)
def test_a_timeout_that_is_not_a_time_limit_is_refused(command: list[str], value: str, tmp_path) -> None:
    result = CliRunner().invoke(main, [*command, "--timeout", value], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--timeout'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["check", "solutions"], ["watch", "solutions"]])
def test_a_negative_seed_is_refused(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--seed", "-1"], catch_exceptions=False)
    assert result.exit_code == 2 and "Invalid value for '--seed'" in result.output, result.output


def test_reasonable_timeouts_are_kept_as_given() -> None:
    assert SECONDS.convert("0.5", None, None) == 0.5
    assert SECONDS.convert(10, None, None) == 10.0


def test_fail_under_turns_a_low_score_into_exit_1_and_a_high_one_into_0() -> None:
    runner = CliRunner()
    low = runner.invoke(main, ["check", "exercises", "--part", "sigmoid", "--no-progress", "--fail-under", "50"])
    assert low.exit_code == 1 and "below --fail-under 50" in low.output, low.output
    high = runner.invoke(main, ["check", "solutions", "--part", "sigmoid", "--no-progress", "--fail-under", "100"])
    assert high.exit_code == 0, high.output
    plain = runner.invoke(main, ["check", "exercises", "--part", "sigmoid", "--no-progress"])
    assert plain.exit_code == 0, "without --fail-under a failing check still exits 0"


def test_a_junit_file_in_a_missing_folder_is_a_usage_error(tmp_path) -> None:
    target = tmp_path / "nonexistent" / "dir" / "r.xml"
    result = CliRunner().invoke(main, ["check", "solutions", "--junit", str(target)])
    assert result.exit_code == 2 and "does not exist" in result.output, result.output
    assert not target.parent.exists(), "the folders must not be created behind the user's back"


def test_start_where_nothing_can_be_written_is_one_line(tmp_path) -> None:
    result = CliRunner().invoke(main, ["start", "/proc/lstm-grader-start"])
    assert result.exit_code == 2, result.output
    assert "cannot create /proc/lstm-grader-start" in result.output and "Traceback" not in result.output


def test_batch_into_a_file_is_one_line(tmp_path) -> None:
    target = tmp_path / "afile"
    target.write_text("")
    result = CliRunner().invoke(main, ["batch", "solutions", "--out", str(target)])
    assert result.exit_code == 2 and "it is a file, not a folder" in result.output, result.output
